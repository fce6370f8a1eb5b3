/* The dispatcher's helper-thread tasks (core.h): everything that may be
 * slow — Redis (seen marks, plan admission, reports) and organization
 * discovery — so that the run thread keeps polling Kafka meanwhile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher/core.h"
#include "org/org.h"
#include "store/plan.h"
#include "util/clock.h"

/* A transient failure: the run thread retries the task later. */
static void transient(struct disp_request *r, cs_rc rc, const char *what,
                      const struct cs_err *err)
{
    r->task_rc = rc;
    snprintf(r->task_err, sizeof(r->task_err), "%s: %s", what, err->msg);
}

/* The report of a request that produced no scan; stored in Redis when
 * there is one and the ids can be keys, then queued for scan-results.
 * Returns CS_OK, or a transient Redis failure (nothing queued). */
static cs_rc report(cs_dispatcher_t *d, struct disp_request *r,
                    Cellscan__V1__ScanStatus status, const char *reason,
                    enum disp_outcome outcome)
{
    Cellscan__V1__ScanReport rep;
    struct cs_err err = CS_ERR_INIT;
    const Cellscan__V1__ScanRequest *sr = r->sr;
    cs_rc rc;

    cs_disp_report(&rep, r->ids_valid ? sr->client_id : "",
                   r->ids_valid ? sr->scan_id : "", status, reason,
                   sr && sr->requested_at_ms > 0 ? sr->requested_at_ms : 0,
                   cs_wall_ms());
    if (d->deps.store && r->ids_valid) {
        rc = cs_store_put_report(d->deps.store, &rep, &err);
        if (rc != CS_OK) {
            transient(r, rc, "storing the report", &err);
            return rc;
        }
    }
    cs_disp_out_free(&r->out);
    rc = cs_disp_add_report(&r->out, &rep, &err);
    if (rc != CS_OK) {
        transient(r, rc, "encoding the report", &err);
        return rc;
    }
    r->outcome = outcome;
    return CS_OK;
}

/* Plan admission, once per scan id. Sets *admitted; a refusal is turned
 * into the rejected report here. */
static cs_rc admit(cs_dispatcher_t *d, struct disp_request *r, int *admitted)
{
    const Cellscan__V1__ScanRequest *sr = r->sr;
    struct cs_plan_limits lim;
    struct cs_err err = CS_ERR_INIT;
    char reason[CS_DLQ_REASON_MAX];
    long long count = 0;
    cs_rc rc;

    *admitted = 1;
    if (d->deps.store == NULL)
        return CS_OK;
    rc = cs_store_admit_scan_once(d->deps.store, sr->client_id, sr->scan_id,
                                  sr->plan, cs_wall_ms(), CS_DISP_SEEN_TTL_S,
                                  admitted, &count, NULL, &err);
    if (rc != CS_OK) {
        transient(r, rc, "plan admission", &err);
        return rc;
    }
    if (*admitted)
        return CS_OK;
    cs_plan_limits(sr->plan, &lim, NULL);
    snprintf(reason, sizeof(reason),
             "plan limit: plan %s allows %d scans per hour; this was scan %lld "
             "of the hour",
             lim.name, lim.scans_per_hour, count);
    cs_disp_log(r, CS_LOG_WARN, "rejected: %s", reason);
    return report(d, r, CELLSCAN__V1__SCAN_STATUS__SCAN_REJECTED, reason,
                  OUT_REJECTED);
}

static void add_aws_metrics(cs_dispatcher_t *d, const struct cs_aws_stats *st)
{
    const char *v[] = {"organizations"};

    if (d->deps.fm == NULL)
        return;
    cs_metric_add(d->deps.fm->aws_calls, v, (double)st->requests, NULL);
    cs_metric_add(d->deps.fm->aws_retries, v, (double)st->retries, NULL);
    cs_metric_add(d->deps.fm->aws_throttles, v, (double)st->throttles, NULL);
}

/* The accounts of an organization scope, or why there are none (reason,
 * for a failed report). */
static cs_rc discover(cs_dispatcher_t *d, struct disp_request *r,
                      struct cs_disp_target *t, char *reason, size_t len)
{
    const Cellscan__V1__OrgDiscovery *org = r->sr->scope->organization;
    struct cs_org_opts o;
    struct cs_org_result *res = NULL;
    struct cs_aws_error aerr;
    struct cs_err err = CS_ERR_INIT;
    const char **ids = NULL;
    struct cs_disp_skipped *sk = NULL;
    int64_t t0 = cs_mono_ms();
    cs_rc rc;

    if (d->deps.aws == NULL) {
        snprintf(reason, len, "organization discovery: no AWS access configured");
        return CS_ERR_INVALID;
    }
    if (d->aws_client == NULL) {
        d->aws_client = cs_aws_client_new(d->deps.aws, &err);
        if (d->aws_client == NULL) {
            snprintf(reason, len, "organization discovery: %s", err.msg);
            return err.code;
        }
    }
    memset(&o, 0, sizeof(o));
    memset(&aerr, 0, sizeof(aerr));
    o.org_role_arn = org->org_role_arn[0] ? org->org_role_arn : NULL;
    o.exclude_account_ids = (const char *const *)org->exclude_account_ids;
    o.nexclude_accounts = org->n_exclude_account_ids;
    o.exclude_ous = (const char *const *)org->exclude_ous;
    o.nexclude_ous = org->n_exclude_ous;
    cs_disp_log(r, CS_LOG_INFO, "discovering the organization's accounts");
    rc = cs_org_discover(d->aws_client, &o, &res, &aerr, &err);
    if (rc != CS_OK) {
        snprintf(reason, len, "organization discovery failed: %s", err.msg);
        cs_org_result_free(res);
        return rc;
    }
    add_aws_metrics(d, &res->stats);
    ids = calloc(res->naccounts ? res->naccounts : 1, sizeof(char *));
    sk = calloc(res->nskipped ? res->nskipped : 1, sizeof(*sk));
    if (ids == NULL || sk == NULL) {
        rc = CS_ERR_NOMEM;
        snprintf(reason, len, "organization discovery: out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < res->naccounts; i++)
        ids[i] = res->accounts[i].id;
    for (size_t i = 0; i < res->nskipped; i++) {
        snprintf(sk[i].id, sizeof(sk[i].id), "%s", res->skipped[i].id);
        snprintf(sk[i].reason, sizeof(sk[i].reason), "%s",
                 res->skipped[i].reason);
    }
    rc = cs_disp_target_set(t, ids, res->naccounts, sk, res->nskipped, &err);
    if (rc != CS_OK)
        snprintf(reason, len, "organization discovery: %s", err.msg);
    else
        cs_disp_log(r, CS_LOG_INFO,
                    "organization: %zu account(s) to scan, %zu skipped, "
                    "%llu AWS call(s) in %lld ms",
                    t->naccounts, t->nskipped,
                    (unsigned long long)res->stats.requests,
                    (long long)(cs_mono_ms() - t0));
cleanup:
    free(ids);
    free(sk);
    cs_org_result_free(res);
    return rc;
}

/* The accounts, then the manifest and jobs; a failure to get either is a
 * failed report. */
static void plan_scan(cs_dispatcher_t *d, struct disp_request *r)
{
    const Cellscan__V1__ScanScope *s = r->sr->scope;
    struct cs_disp_target t;
    struct cs_err err = CS_ERR_INIT;
    char reason[CS_DLQ_REASON_MAX] = "";
    cs_rc rc;

    memset(&t, 0, sizeof(t));
    if (s->target_case == CELLSCAN__V1__SCAN_SCOPE__TARGET_ACCOUNTS) {
        rc = cs_disp_target_from_list(s->accounts, &t, &err);
        if (rc != CS_OK)
            snprintf(reason, sizeof(reason), "%s", err.msg);
    } else {
        rc = discover(d, r, &t, reason, sizeof(reason));
    }
    if (rc == CS_OK) {
        rc = cs_disp_build_scan(r->sr, &t, &d->settings, &r->out, &err);
        if (rc != CS_OK)
            snprintf(reason, sizeof(reason), "cannot build the cell jobs: %s",
                     err.msg);
    }
    cs_disp_target_free(&t);
    r->mark_seen = 1;
    if (rc == CS_OK) {
        r->outcome = OUT_SCAN;
        return;
    }
    cs_disp_out_free(&r->out);
    cs_disp_log(r, CS_LOG_ERROR, "scan failed: %s", reason);
    report(d, r, CELLSCAN__V1__SCAN_STATUS__SCAN_FAILED, reason, OUT_FAILED);
}

void cs_disp_task_prepare(void *ud)
{
    cs_dispatcher_t *d = ud;
    struct disp_request *r = d->req;
    const Cellscan__V1__ScanRequest *sr = r->sr;
    struct cs_err err = CS_ERR_INIT;
    int seen = 0, admitted = 1;
    cs_rc rc;

    r->task_rc = CS_OK;
    cs_disp_out_free(&r->out);
    if (!r->valid) {
        rc = report(d, r, CELLSCAN__V1__SCAN_STATUS__SCAN_REJECTED, r->reason,
                    OUT_REJECTED);
        cs_disp_redis_health(d, rc == CS_OK ? NULL : r->task_err);
        return;
    }
    if (d->deps.store) {
        rc = cs_store_seen(d->deps.store, sr->client_id, sr->scan_id, &seen,
                           &err);
        if (rc != CS_OK) {
            transient(r, rc, "reading the seen mark", &err);
            cs_disp_redis_health(d, r->task_err);
            return;
        }
        if (seen) {
            r->outcome = OUT_SKIP;
            cs_disp_redis_health(d, NULL);
            return;
        }
        if (admit(d, r, &admitted) != CS_OK) {
            cs_disp_redis_health(d, r->task_err);
            return;
        }
    }
    if (admitted)
        plan_scan(d, r);
    cs_disp_redis_health(d, r->task_rc == CS_OK ? NULL : r->task_err);
}

void cs_disp_task_finish(void *ud)
{
    cs_dispatcher_t *d = ud;
    struct disp_request *r = d->req;
    struct cs_err err = CS_ERR_INIT;
    int first = 0;
    cs_rc rc;

    r->task_rc = CS_OK;
    if (d->deps.store == NULL || !r->mark_seen)
        return;
    rc = cs_store_mark_seen(d->deps.store, r->sr->client_id, r->sr->scan_id,
                            CS_DISP_SEEN_TTL_S, &first, &err);
    if (rc != CS_OK)
        transient(r, rc, "writing the seen mark", &err);
    cs_disp_redis_health(d, rc == CS_OK ? NULL : r->task_err);
}

void cs_disp_task_fail(void *ud)
{
    cs_dispatcher_t *d = ud;
    struct disp_request *r = d->req;
    cs_rc rc;

    r->task_rc = CS_OK;
    cs_disp_log(r, CS_LOG_ERROR, "scan failed: %s", r->fail_reason);
    rc = report(d, r, CELLSCAN__V1__SCAN_STATUS__SCAN_FAILED, r->fail_reason,
                OUT_FAILED);
    if (rc == CS_OK)
        r->mark_seen = r->valid;
    cs_disp_redis_health(d, rc == CS_OK ? NULL : r->task_err);
}
