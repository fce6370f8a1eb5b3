/* context.h: lib/aws internals shared by its modules (aws.c, call.c,
 * session.c, provider.c, metadata.c, sts.c). Not for use outside lib/aws:
 * everything public is in aws.h.
 */
#ifndef CS_AWS_CONTEXT_H
#define CS_AWS_CONTEXT_H

#include <pthread.h>

#include "aws/aws.h"
#include "aws/endpoint.h"
#include "aws/http.h"
#include "aws/limits.h"
#include "aws/provider.h"
#include "aws/retry.h"
#include "aws/sigv4.h"

struct cs_aws_session_cache; /* session.c */

struct cs_aws_s {
    /* settings copied from the configuration */
    char *region;
    char *role_name;
    char *role_arn_template;
    char *external_id;
    char *org_role_arn;
    char *worker_id;
    char *ca_bundle;
    enum cs_aws_retry_mode retry_mode;
    int max_attempts;
    long connect_timeout_ms;
    long timeout_ms;
    int session_duration_s;
    /* shared state */
    cs_aws_endpoints_t *endpoints;
    cs_aws_limits_t *limits;
    cs_aws_chain_t *chain;
    struct cs_aws_session_cache *sessions;
    int64_t (*clock)(void *ud);
    void *clock_ud;
};

struct cs_aws_client_s {
    cs_aws_t *aws;
    cs_http_t *http;
    cs_sigv4_cache_t *keys;
    struct cs_sigv4_signed sig;
    struct cs_buf body;   /* request body (secret: may hold a web identity token) */
    struct cs_buf url;
    struct cs_buf hdrs;   /* header lines being built (secret: session token) */
    unsigned rng;         /* backoff jitter */
};

/* Flags of cs_aws_call_flags. */
enum {
    CS_AWS_CALL_UNSIGNED = 1 << 0 /* send without signing (AssumeRoleWithWebIdentity) */
};

/* cs_aws_call with flags; creds may be NULL with CS_AWS_CALL_UNSIGNED. */
cs_rc cs_aws_call_flags(cs_aws_client_t *cl, const cs_aws_creds_t *creds,
                        const struct cs_aws_req *req, unsigned flags,
                        struct cs_aws_resp *resp, struct cs_aws_stats *stats,
                        struct cs_aws_error *aerr, struct cs_err *err);

/* Wall clock for credential expiry decisions (cs_aws_set_clock). */
int64_t cs_aws_now_ms(const cs_aws_t *aws);

#endif
