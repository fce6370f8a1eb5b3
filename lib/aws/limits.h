/* limits.h: the client-side limits of one (account, service, region): the
 * adaptive rate limiter and the retry quota, created on first use and kept
 * for the life of the registry. The AWS SDKs keep both per client; cellscan
 * keys them by what AWS throttles on, so one throttled account cannot spend
 * the retry budget or the send rate of another.
 */
#ifndef CS_AWS_LIMITS_H
#define CS_AWS_LIMITS_H

#include "aws/ratelimit.h"
#include "aws/retry.h"
#include "util/err.h"

struct cs_aws_limit {
    cs_aws_rate_t *rate;
    struct cs_aws_retry_quota quota;
};

typedef struct cs_aws_limits_s cs_aws_limits_t;

/* An empty registry. Returns NULL when out of memory. Caller frees with
 * cs_aws_limits_destroy. */
cs_aws_limits_t *cs_aws_limits_new(void);

/* Frees every limit. NULL is a no-op. No thread may be using a limit. */
void cs_aws_limits_destroy(cs_aws_limits_t *l);

/* The limit of (account, service, region), created on first use. Borrowed:
 * valid until cs_aws_limits_destroy. Returns NULL only when out of memory.
 * Thread-safe. */
struct cs_aws_limit *cs_aws_limits_get(cs_aws_limits_t *l, const char *account,
                                       const char *service,
                                       const char *region);

#endif
