/* outcome.h: how a cell's outcome follows from what happened to it, and
 * how cell statuses roll up into an account's or a scan's status (the
 * tables of docs/compliance.md, "Cell outcome" and "Status rollup").
 */
#ifndef CS_COMPLIANCE_OUTCOME_H
#define CS_COMPLIANCE_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

#include "cellscan.pb-c.h"

/* The reasons of docs/compliance.md. */
#define CS_REASON_ASSUME_ROLE_DENIED "assume_role_denied"
#define CS_REASON_ASSUME_ROLE_FAILED "assume_role_failed"
#define CS_REASON_CELL_TIMEOUT "cell_timeout"
#define CS_REASON_REGION_FAILURES "region_failures"
#define CS_REASON_DEADLINE_EXCEEDED "deadline_exceeded"

enum cs_assume_role {
    CS_ASSUME_ROLE_OK = 0,
    CS_ASSUME_ROLE_DENIED,   /* AccessDenied */
    CS_ASSUME_ROLE_FAILED    /* any other failure */
};

/* One region's status and AWS error code (NULL = none), in scope order. */
struct cs_region_status {
    Cellscan__V1__EvidenceStatus status;
    const char *error_code;
};

/* What happened to a cell. Strings are borrowed for the call. */
struct cs_outcome_in {
    enum cs_assume_role assume_role;
    const char *assume_role_error;   /* AssumeRole's error code */
    int timed_out;                   /* CELLSCAN_CELL_TIMEOUT reached */
    const char *timeout_error;       /* an AWS error seen at the timeout */
    const struct cs_region_status *regions;
    size_t nregions;
    uint64_t record_count;
};

/* The decided outcome; reason and error_code are never NULL ("" = none)
 * and are borrowed from the input or static. */
struct cs_outcome {
    Cellscan__V1__CellStatus status;
    Cellscan__V1__EvidenceStatus evidence;
    const char *reason;
    const char *error_code;
};

/* Applies the cell outcome table, rows in order. A cell with no region is
 * never "every region unavailable": with nothing evaluated it is empty.
 * Cannot fail. */
void cs_outcome_decide(const struct cs_outcome_in *in, struct cs_outcome *out);

/* Status rollup over ncells cells of which nfailed failed and nok are
 * available or empty: failed if ncells > 0 and all failed, ok if all are
 * available or empty (or there are none), else partial. Cannot fail. */
Cellscan__V1__ScanStatus cs_rollup(size_t ncells, size_t nfailed, size_t nok);

#endif
