#include "compliance/outcome.h"

#define EV(x) CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_##x
#define CELL(x) CELLSCAN__V1__CELL_STATUS__CELL_##x

static int unavailable(Cellscan__V1__EvidenceStatus s)
{
    return s == EV(UNAVAILABLE_NO_ACCESS) || s == EV(UNAVAILABLE_NOT_ENABLED) ||
           s == EV(UNAVAILABLE_ERROR);
}

/* Regions that make a cell partial; not-enabled regions never do. */
static int troubled(Cellscan__V1__EvidenceStatus s)
{
    return s == EV(PARTIAL) || s == EV(UNAVAILABLE_NO_ACCESS) ||
           s == EV(UNAVAILABLE_ERROR);
}

static const char *str(const char *s)
{
    return s ? s : "";
}

static void set(struct cs_outcome *out, Cellscan__V1__CellStatus status,
                Cellscan__V1__EvidenceStatus evidence, const char *reason,
                const char *error_code)
{
    out->status = status;
    out->evidence = evidence;
    out->reason = reason;
    out->error_code = str(error_code);
}

/* Error code of the first region (scope order) with status want. */
static const char *first_code(const struct cs_outcome_in *in,
                              Cellscan__V1__EvidenceStatus want)
{
    size_t i;

    for (i = 0; i < in->nregions; i++)
        if (in->regions[i].status == want)
            return in->regions[i].error_code;
    return NULL;
}

static void all_unavailable(const struct cs_outcome_in *in,
                            struct cs_outcome *out)
{
    Cellscan__V1__EvidenceStatus ev = EV(UNAVAILABLE_ERROR);
    size_t i, no_access = 0, not_enabled = 0;

    for (i = 0; i < in->nregions; i++) {
        no_access += in->regions[i].status == EV(UNAVAILABLE_NO_ACCESS);
        not_enabled += in->regions[i].status == EV(UNAVAILABLE_NOT_ENABLED);
    }
    if (no_access > 0)
        ev = EV(UNAVAILABLE_NO_ACCESS);
    else if (not_enabled == in->nregions)
        ev = EV(UNAVAILABLE_NOT_ENABLED);
    set(out, CELL(FAILED), ev, CS_REASON_REGION_FAILURES, first_code(in, ev));
}

void cs_outcome_decide(const struct cs_outcome_in *in, struct cs_outcome *out)
{
    size_t i, nunavailable = 0;

    if (in->assume_role == CS_ASSUME_ROLE_DENIED) {
        set(out, CELL(FAILED), EV(UNAVAILABLE_NO_ACCESS),
            CS_REASON_ASSUME_ROLE_DENIED, in->assume_role_error);
        return;
    }
    if (in->assume_role == CS_ASSUME_ROLE_FAILED) {
        set(out, CELL(FAILED), EV(UNAVAILABLE_ERROR),
            CS_REASON_ASSUME_ROLE_FAILED, in->assume_role_error);
        return;
    }
    if (in->timed_out) {
        set(out, CELL(PARTIAL), EV(PARTIAL), CS_REASON_CELL_TIMEOUT,
            in->timeout_error);
        return;
    }
    for (i = 0; i < in->nregions; i++)
        nunavailable += unavailable(in->regions[i].status);
    if (in->nregions > 0 && nunavailable == in->nregions) {
        all_unavailable(in, out);
        return;
    }
    for (i = 0; i < in->nregions; i++) {
        if (troubled(in->regions[i].status)) {
            set(out, CELL(PARTIAL), EV(PARTIAL), CS_REASON_REGION_FAILURES,
                in->regions[i].error_code);
            return;
        }
    }
    if (in->record_count > 0)
        set(out, CELL(AVAILABLE), EV(OK), "", NULL);
    else
        set(out, CELL(EMPTY), EV(OK), "", NULL);
}

Cellscan__V1__ScanStatus cs_rollup(size_t ncells, size_t nfailed, size_t nok)
{
    if (ncells > 0 && nfailed == ncells)
        return CELLSCAN__V1__SCAN_STATUS__SCAN_FAILED;
    if (nok == ncells)
        return CELLSCAN__V1__SCAN_STATUS__SCAN_OK;
    return CELLSCAN__V1__SCAN_STATUS__SCAN_PARTIAL;
}
