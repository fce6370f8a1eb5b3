/* retry.h: when to retry an AWS call and how long to wait, as the AWS
 * SDKs' retry modes do (botocore/retries/standard.py, quota.py and
 * _retry.json for legacy).
 *
 *   standard  retry throttling errors (the SDKs' code list), transient
 *             errors (RequestTimeout*, PriorRequestNotComplete, HTTP
 *             500/502/503/504, connection failures and timeouts), up to
 *             max_attempts; delay rand(0,1) * 2^(attempt-1) seconds, capped
 *             at 20; each retry costs retry-quota capacity (5, or 10 after
 *             a timeout) out of 500, refunded by successes.
 *   adaptive  standard, plus the client-side rate limiter (ratelimit.h).
 *   legacy    _retry.json's general and per-service policies (HTTP 429,
 *             509 too), same delay formula, no retry quota.
 */
#ifndef CS_AWS_RETRY_H
#define CS_AWS_RETRY_H

#include <pthread.h>

#include "aws/error.h"

#define CS_AWS_RETRY_MAX_BACKOFF_S 20.0
#define CS_AWS_RETRY_QUOTA 500
#define CS_AWS_RETRY_COST 5
#define CS_AWS_RETRY_TIMEOUT_COST 10
#define CS_AWS_RETRY_NO_RETRY_INCREMENT 1

enum cs_aws_retry_mode {
    CS_AWS_RETRY_STANDARD,
    CS_AWS_RETRY_ADAPTIVE,
    CS_AWS_RETRY_LEGACY
};

/* Parses "standard", "adaptive" or "legacy". Returns 0, or -1 if unknown. */
int cs_aws_retry_mode_parse(const char *s, enum cs_aws_retry_mode *out);

/* "standard", "adaptive", "legacy". Cannot fail. */
const char *cs_aws_retry_mode_name(enum cs_aws_retry_mode m);

/* 1 when an attempt that ended in e (an AWS answer, or a network failure
 * with http_status 0 and transient set) should be retried under mode for
 * service (botocore name; legacy has per-service rules), ignoring the
 * attempt count and quota. Cannot fail. */
int cs_aws_retry_retryable(enum cs_aws_retry_mode mode, const char *service,
                           const struct cs_aws_error *e);

/* Backoff before attempt + 1, after `attempt` attempts (1-based), in
 * seconds, given a uniform random number in [0, 1). Cannot fail. */
double cs_aws_retry_delay_s(int attempt, double rand01);

/* The retry quota (a token bucket of retry capacity). Thread-safe. */
struct cs_aws_retry_quota {
    pthread_mutex_t mu;
    int available;
    int max;
};

/* Initialises q full (CS_AWS_RETRY_QUOTA). Cannot fail. */
void cs_aws_retry_quota_init(struct cs_aws_retry_quota *q);

/* Destroys q's mutex. NULL is a no-op. */
void cs_aws_retry_quota_destroy(struct cs_aws_retry_quota *q);

/* Takes the cost of one retry (CS_AWS_RETRY_TIMEOUT_COST after a timeout,
 * else CS_AWS_RETRY_COST). Returns the amount taken, or 0 when the quota
 * is exhausted (do not retry). Cannot fail. */
int cs_aws_retry_quota_acquire(struct cs_aws_retry_quota *q, int timeout);

/* Gives back amount after a successful call (the last acquired amount if
 * the call was retried, else CS_AWS_RETRY_NO_RETRY_INCREMENT), never
 * above the maximum. Cannot fail. */
void cs_aws_retry_quota_release(struct cs_aws_retry_quota *q, int amount);

#endif
