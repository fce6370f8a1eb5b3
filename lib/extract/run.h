/* run.h: runs one cell — the unit of work of a worker — end to end.
 *
 * AssumeRole into the job's account (through the session cache of lib/aws,
 * directly from the base credentials), walk every region of the job with
 * the category's extractor (one module per category in lib/extract),
 * evaluate each resource against the tag policy as soon as it is parsed
 * (lib/compliance cell accumulator), drop it, and build the CellResult
 * exactly as docs/compliance.md says. Nothing raw outlives the call.
 *
 * AWS-side failures (denied AssumeRole, denied or disabled regions,
 * throttling beyond retries, the cell time limit) are outcomes, not
 * errors: they are encoded in the CellResult, which is always produced
 * when the job itself is valid.
 */
#ifndef CS_EXTRACT_RUN_H
#define CS_EXTRACT_RUN_H

#include <stdint.h>

#include "aws/aws.h"
#include "cellscan.pb-c.h"
#include "policy/policy.h"
#include "util/err.h"

/* Called after each AWS call group of the cell with that service's
 * counters (for the daemons' metrics: calls, retries, throttles by
 * service). service is borrowed for the call. */
typedef void (*cs_extract_stats_fn)(void *ud, const char *service,
                                    const struct cs_aws_stats *delta);

struct cs_extract_opts {
    cs_aws_client_t *client;      /* borrowed: this thread's client */
    const cs_policy_t *policy;    /* borrowed; NULL = parse job->tag_policy_json */
    int timeout_s;                /* cell time limit (CELLSCAN_CELL_TIMEOUT) */
    size_t violation_cap;         /* CELLSCAN_CELL_VIOLATIONS */
    const char *worker_id;        /* copied into the result */
    const volatile int *cancel;   /* optional: non-zero = stop now (like a timeout) */
    cs_extract_stats_fn on_stats; /* optional */
    void *ud;
    /* out, optional: 1 when this cell made a real AssumeRole call (not a
     * cache hit), for the assume_role metric */
    int *assumed;
};

/* Runs job and stores the CellResult in *out. Returns CS_OK whenever a
 * result was produced (whatever its status). Errors: CS_ERR_INVALID when
 * the job itself is unusable (unknown category, bad account id, no
 * regions, policy that does not parse) with the reason in err — the
 * caller dead-letters such a job; CS_ERR_NOMEM. Caller frees *out with
 * cs_cell_result_free (compliance/cell.h). Thread-safe for distinct
 * clients. */
cs_rc cs_extract_run(const Cellscan__V1__CellJob *job,
                     const struct cs_extract_opts *o,
                     Cellscan__V1__CellResult **out, struct cs_err *err);

/* 1 if category is one cellscan can extract (ec2 s3 rds lambda ecs eks
 * tagging), else 0. Cannot fail. */
int cs_extract_category_known(const char *category);

#endif
