/* aws.h: the AWS access layer, as extractors and discovery use it.
 *
 *   cs_aws_t *aws = cs_aws_new(&cfg, &err);            once per process
 *   cs_aws_client_t *cl = cs_aws_client_new(aws, &err); once per thread
 *
 *   cs_aws_creds_t *cr = NULL;                          AssumeRole, cached
 *   rc = cs_aws_assume(cl, "111111111111", &cr, &stats, &aerr, &err);
 *
 *   struct cs_aws_param p[] = {{"MaxResults", "100"}, {"NextToken", tok}};
 *   struct cs_aws_req req = {.service = "ec2", .operation = "DescribeInstances",
 *                            .region = "eu-west-1", .account_id = "111111111111",
 *                            .params = p, .nparams = tok ? 2 : 1};
 *   struct cs_aws_resp resp = CS_AWS_RESP_INIT;
 *   rc = cs_aws_call(cl, cr, &req, &resp, &stats, &aerr, &err);
 *   ... cs_xml_parse(rules, n, fn, &st, resp.body.ptr, resp.body.len, &err) ...
 *   cs_aws_resp_free(&resp); cs_aws_creds_unref(cr);
 *
 * The context (cs_aws_t) is thread-safe and holds what is shared: the base
 * credential chain, the AssumeRole session cache (single-flight per
 * account, role ARN and ExternalId; refreshed 5 minutes before expiry;
 * secret memory only), the adaptive rate limiters and retry quotas per
 * (account, service, region), endpoint resolution and the action
 * allowlist. A client (cs_aws_client_t) is one thread's HTTP connection
 * cache, buffers and signing-key cache; it must not be used by two threads
 * at once.
 *
 * Retries happen inside cs_aws_call, on the same request: a caller that
 * pages with NextToken keeps its token across throttles and transient
 * errors, and after a final failure may call again with the same token.
 */
#ifndef CS_AWS_AWS_H
#define CS_AWS_AWS_H

#include <stddef.h>
#include <stdint.h>

#include "aws/creds.h"
#include "aws/error.h"
#include "aws/services.h"
#include "util/buf.h"
#include "util/config.h"

#define CS_AWS_MAX_BODY (32 * 1024 * 1024)  /* largest answer body accepted */
#define CS_AWS_MAX_REQUEST (1024 * 1024)     /* largest request body built */
#define CS_AWS_ACCOUNT_MAX 16

typedef struct cs_aws_s cs_aws_t;
typedef struct cs_aws_client_s cs_aws_client_t;

/* ---- context ---- */

/* Creates the process-wide context from cfg (borrowed during the call:
 * values are copied) and the environment (credential-chain and endpoint
 * variables are read once, here). Call curl_global_init first (from main,
 * as libcurl asks). No network access happens yet. CS_ERR_INVALID when a
 * setting or variable is malformed (err names it). Returns NULL on error.
 * Caller frees with cs_aws_destroy after every client is destroyed. */
cs_aws_t *cs_aws_new(const struct cs_config *cfg, struct cs_err *err);

/* Frees aws and every cached credential (zeroed). NULL is a no-op. */
void cs_aws_destroy(cs_aws_t *aws);

/* Replaces the wall clock used for credential-expiry decisions (session
 * refresh, base-credential refresh); signing always uses the real clock.
 * For tests. fn NULL restores the real clock. Not thread-safe: call
 * before clients are used. */
void cs_aws_set_clock(cs_aws_t *aws, int64_t (*fn)(void *ud), void *ud);

/* ---- per-thread client ---- */

/* A client of aws (borrowed: must outlive the client) with its own curl
 * handle (connections reused across calls), buffers and signing-key
 * cache. CS_ERR_NOMEM or CS_ERR_INTERNAL (curl). Returns NULL on error.
 * Caller frees with cs_aws_client_destroy. */
cs_aws_client_t *cs_aws_client_new(cs_aws_t *aws, struct cs_err *err);

/* Frees cl. NULL is a no-op. */
void cs_aws_client_destroy(cs_aws_client_t *cl);

/* The context of cl. Borrowed. Cannot fail. */
cs_aws_t *cs_aws_client_context(const cs_aws_client_t *cl);

/* ---- one call ---- */

/* A name/value pair. value NULL means a key without '=' (S3 "?tagging"). */
struct cs_aws_param {
    const char *name;
    const char *value;
};

/* What to call. Every pointer is borrowed for the duration of the call.
 * Protocol-level input, by the service's protocol:
 *   query, ec2  params are the form parameters (Action and Version are
 *               added); path, method and body must be unset.
 *   json        body is the JSON object sent (NULL = "{}"); X-Amz-Target
 *               is added; params and path must be unset.
 *   rest-json,  method (NULL = "GET"), path segments (each percent-encoded
 *   rest-xml    here, '/' included; NULL = "/"), params as the URL query,
 *               optional body. For S3 set bucket: it goes in the host
 *               (virtual-hosted style) or, when an endpoint override is
 *               set or the name is not DNS-safe, first in the path. */
struct cs_aws_req {
    const char *service;    /* botocore name: "ec2", "s3", "resourcegroupstaggingapi" */
    const char *operation;  /* botocore name: "DescribeInstances" */
    const char *region;     /* NULL = the configured AWS_REGION */
    const char *account_id; /* rate-limiter key; NULL = "" (the scanner itself) */
    const struct cs_aws_param *params;
    size_t nparams;
    const char *body;
    size_t body_len;        /* 0 with body set = strlen(body) */
    const char *method;
    const char *const *path; /* NULL-terminated segments */
    const char *bucket;
};

/* The answer. The body is capped at CS_AWS_MAX_BODY. Reusable: each call
 * replaces the previous contents. */
struct cs_aws_resp {
    int http_status;
    struct cs_buf body;
    char request_id[CS_AWS_REQUEST_ID_MAX];
    char bucket_region[32];  /* S3 x-amz-bucket-region, "" when absent */
};

#define CS_AWS_RESP_INIT {0, CS_BUF_INIT(CS_AWS_MAX_BODY), {0}, {0}}

/* Frees the body of r. NULL is a no-op. */
void cs_aws_resp_free(struct cs_aws_resp *r);

/* Counters of one cell (or any unit the caller chooses). The caller owns
 * it; cs_aws_call adds to it. Not thread-safe: one per thread or lock it. */
struct cs_aws_stats {
    uint64_t calls;          /* cs_aws_call invocations that sent something */
    uint64_t requests;       /* HTTP requests sent (calls + retries) */
    uint64_t retries;
    uint64_t throttles;      /* throttling answers received */
    uint64_t errors;         /* calls that ended in an error */
    uint64_t denied;         /* of which access denied */
    uint64_t latency_us;     /* total time in cs_aws_call, backoff included */
    uint64_t latency_max_us; /* slowest single call */
    uint64_t rate_wait_us;   /* time spent waiting for the adaptive limiter */
};

/* into += from, field by field (latency_max_us: the larger). Cannot fail. */
void cs_aws_stats_add(struct cs_aws_stats *into,
                      const struct cs_aws_stats *from);

/* Calls AWS: refuses an operation not in actions.def (CS_ERR_INVALID,
 * nothing sent), resolves the endpoint, builds the protocol request,
 * signs it with creds (NULL = the base credentials from the provider
 * chain), waits for the adaptive limiter, sends, and retries per the
 * retry mode (throttling and transient errors, backoff with full jitter,
 * retry quota). Returns:
 *   CS_OK              a 2xx answer is in resp
 *   CS_ERR_DENIED      AWS denied access (aerr has the code), not retried
 *   CS_ERR_AWS         any other AWS error answer (aerr; resp has the body)
 *   CS_ERR_TIMEOUT     the HTTP timeout passed on the last attempt
 *   CS_ERR_UNAVAILABLE connection failed, reset or truncated answer
 *   CS_ERR_LIMIT       the answer exceeded CS_AWS_MAX_BODY
 *   CS_ERR_INVALID     bad request fields, unknown service or region
 * On every non-OK return err says what failed in one line (with the AWS
 * code and request id when there was an answer); aerr (may be NULL) is
 * filled for AWS answers and network failures. stats may be NULL. */
cs_rc cs_aws_call(cs_aws_client_t *cl, const cs_aws_creds_t *creds,
                  const struct cs_aws_req *req, struct cs_aws_resp *resp,
                  struct cs_aws_stats *stats, struct cs_aws_error *aerr,
                  struct cs_err *err);

/* ---- credentials and sessions ---- */

/* The base credentials from the provider chain (environment, shared
 * files, web identity, container, IMDS; see docs/aws.md), resolved on
 * first use and refreshed 5 minutes before they expire. Single-flight:
 * concurrent callers wait for one resolution. CS_ERR_NOTFOUND when no
 * provider has credentials (err lists what was tried); other codes from
 * the provider that failed. On success *out holds a reference; caller
 * releases with cs_aws_creds_unref. */
cs_rc cs_aws_base_creds(cs_aws_client_t *cl, cs_aws_creds_t **out,
                        struct cs_err *err);

/* Which provider supplied the base credentials and where, e.g. "env" or
 * "profile 'dev' (/home/u/.aws/credentials)", into out; "" before the
 * first resolution. Thread-safe. Cannot fail. */
void cs_aws_base_describe(cs_aws_t *aws, char *out, size_t outlen);

/* What an AssumeRole is for. NULL/0 fields take the configured value. */
struct cs_aws_assume_opts {
    const char *account_id;  /* target account (12 digits), or NULL with role_arn */
    const char *role_arn;    /* NULL = the configured template for account_id */
    const char *role_name;   /* NULL = configured CELLSCAN_ROLE_NAME */
    const char *external_id; /* NULL = configured CELLSCAN_EXTERNAL_ID; "" = none */
    const char *region;      /* STS region; NULL = configured AWS_REGION */
    int duration_s;          /* 0 = configured CELLSCAN_SESSION_DURATION */
};

/* Credentials for the configured role in account_id: from the session
 * cache, or by sts:AssumeRole made directly from the base credentials
 * (never chained). Concurrent requests for one (account, role ARN,
 * ExternalId) wait for one AssumeRole; a cached session is refreshed when
 * less than 5 minutes remain; an AccessDenied answer is remembered for
 * CS_AWS_DENIED_TTL_S so a denied account costs one AssumeRole. Returns
 * CS_ERR_DENIED (aerr->code "AccessDenied") when the role cannot be
 * assumed; CS_ERR_INVALID for a malformed account id or role ARN; the
 * cs_aws_call codes otherwise. Call it before each page rather than
 * keeping a handle for long: it is a cache hit. On success *out holds a
 * reference; caller releases with cs_aws_creds_unref. stats and aerr may
 * be NULL. */
cs_rc cs_aws_assume(cs_aws_client_t *cl, const char *account_id,
                    cs_aws_creds_t **out, struct cs_aws_stats *stats,
                    struct cs_aws_error *aerr, struct cs_err *err);

/* cs_aws_assume with explicit options (verify's --role-name and
 * --external-id, the org-discovery role by ARN). Same contract. */
cs_rc cs_aws_assume_ex(cs_aws_client_t *cl,
                       const struct cs_aws_assume_opts *o,
                       cs_aws_creds_t **out, struct cs_aws_stats *stats,
                       struct cs_aws_error *aerr, struct cs_err *err);

/* The configured org-discovery role (CELLSCAN_ORG_ROLE_ARN), same
 * contract as cs_aws_assume; CS_ERR_INVALID when none is configured. */
cs_rc cs_aws_assume_org(cs_aws_client_t *cl, cs_aws_creds_t **out,
                        struct cs_aws_stats *stats, struct cs_aws_error *aerr,
                        struct cs_err *err);

/* Drops the cached session that issued creds (for example after an
 * ExpiredToken answer), so the next cs_aws_assume makes a new AssumeRole.
 * Holders of creds keep their reference. Thread-safe. Cannot fail. */
void cs_aws_forget(cs_aws_t *aws, const cs_aws_creds_t *creds);

/* Builds the role ARN for account_id from template (with {partition},
 * {account_id}, {role_name}) and the partition of region into out.
 * CS_ERR_INVALID for an account id that is not 12 digits or a result that
 * is not a role ARN; CS_ERR_LIMIT when outlen is too small. */
cs_rc cs_aws_role_arn(const char *template_, const char *account_id,
                      const char *role_name, const char *region, char *out,
                      size_t outlen, struct cs_err *err);

#define CS_AWS_DENIED_TTL_S 60
#define CS_AWS_REFRESH_BEFORE_S 300

#endif
