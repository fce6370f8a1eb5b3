/* cell.h: the per-cell accumulator a worker feeds while it extracts one
 * cell (docs/compliance.md "Cells"): evaluated resources and region
 * outcomes go in, a CellResult comes out.
 *
 *   cs_cell_t *c = cs_cell_new(&opts, &err);
 *   for each region, for each resource: cs_cell_eval(c, policy, &res, &err);
 *   cs_cell_region(c, &region_outcome, &err);       (once per region)
 *   cs_cell_result(c, started, finished, &result, &err);
 *   cs_cell_destroy(c);
 *
 * It keeps counts per resource type and region and the capped violation
 * set (the N smallest by (arn, tag_key, kind), see compliance/violation.h)
 * in a bounded heap, so memory does not grow with the number of
 * resources. Resource data is not retained beyond the kept violations.
 * One cell is fed by one thread; the accumulator is not thread-safe.
 */
#ifndef CS_COMPLIANCE_CELL_H
#define CS_COMPLIANCE_CELL_H

#include <stddef.h>
#include <stdint.h>

#include "cellscan.pb-c.h"
#include "compliance/outcome.h"
#include "policy/policy.h"
#include "util/err.h"

/* Most distinct resource types one cell may count. */
#define CS_CELL_MAX_TYPES 4096

typedef struct cs_cell_s cs_cell_t;

/* Who the cell is. Strings are copied; NULL reads as "". */
struct cs_cell_opts {
    const char *scan_id;
    const char *client_id;
    const char *account_id;          /* required */
    const char *category;            /* required */
    const char *worker_id;
    const char *const *regions;      /* the scope's regions, in order */
    size_t nregions;
    size_t violation_cap;            /* CELLSCAN_CELL_VIOLATIONS */
};

/* How one region ended (docs/compliance.md "Region outcomes"). The
 * region's record_count is counted from the resources fed, by their
 * region. Strings are borrowed for the call. */
struct cs_region_outcome {
    const char *region;
    Cellscan__V1__EvidenceStatus status;
    const char *error_code;          /* NULL = none */
    uint64_t api_call_count;
    uint64_t retry_count;
    uint64_t throttle_events;
    uint64_t wall_time_ms;
};

/* Creates an accumulator. Errors: CS_ERR_INVALID (missing account or
 * category, or too long for a cell id; a NULL or repeated region),
 * CS_ERR_NOMEM. Caller frees with
 * cs_cell_destroy. */
cs_cell_t *cs_cell_new(const struct cs_cell_opts *o, struct cs_err *err);

/* Destroys c. NULL is a no-op. */
void cs_cell_destroy(cs_cell_t *c);

/* Counts one evaluated resource r (its type, region, account) with its
 * nv violations v (from cs_policy_eval; nv = 0 means compliant). Copies
 * only the violations that enter the capped set. Errors: CS_ERR_NOMEM,
 * CS_ERR_LIMIT (more than CS_CELL_MAX_TYPES types); after an error the
 * accumulator refuses further input and cs_cell_result fails. */
cs_rc cs_cell_add(cs_cell_t *c, const struct cs_resource *r,
                  const struct cs_violation *v, size_t nv,
                  struct cs_err *err);

/* Evaluates r against p (cs_policy_eval) and counts it (cs_cell_add),
 * with no allocation unless a violation enters the capped set. Errors as
 * cs_cell_add. */
cs_rc cs_cell_eval(cs_cell_t *c, const cs_policy_t *p,
                   const struct cs_resource *r, struct cs_err *err);

/* Records how a region of the scope ended, once per region. Errors:
 * CS_ERR_INVALID (region not in the scope, reported twice, or a status
 * outside the five evidence statuses). */
cs_rc cs_cell_region(cs_cell_t *c, const struct cs_region_outcome *o,
                     struct cs_err *err);

/* Records calls made outside any region (AssumeRole, DescribeRegions,
 * ListBuckets...), added to the cell's totals. Cannot fail. */
void cs_cell_add_cost(cs_cell_t *c, uint64_t api_calls, uint64_t retries,
                      uint64_t throttle_events);

/* Records that AssumeRole failed (denied: AccessDenied, else any other
 * error) with its error code (NULL = none); the cell fails. Cannot fail. */
void cs_cell_assume_role_failed(cs_cell_t *c, int denied,
                                const char *error_code);

/* Records that the cell time limit was reached; what was evaluated is
 * kept. error_code is an AWS error seen at that moment, or NULL. Cannot
 * fail. */
void cs_cell_timed_out(cs_cell_t *c, const char *error_code);

/* Builds the CellResult: outcome per the table of docs/compliance.md,
 * counts, the capped violations sorted, per-region and per-type counts
 * (types sorted by name), wall_time_ms = finished - started. Every region
 * of the scope must have an outcome unless AssumeRole failed or the cell
 * timed out. c is unchanged. Errors: CS_ERR_INVALID (a region without an
 * outcome, naming it), an earlier cs_cell_add error, CS_ERR_NOMEM. Caller
 * frees *out with cs_cell_result_free. */
cs_rc cs_cell_result(const cs_cell_t *c, int64_t started_at_ms,
                     int64_t finished_at_ms, Cellscan__V1__CellResult **out,
                     struct cs_err *err);

/* Frees a CellResult from cs_cell_result (or any unpacked one). NULL is a
 * no-op. */
void cs_cell_result_free(Cellscan__V1__CellResult *r);

#endif
