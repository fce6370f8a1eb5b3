/* scan.h: the compliance fold (docs/compliance.md "The fold"): from a
 * ScanManifest and any multiset of CellResults to a ScanReport.
 *
 * Two forms with the same output on the same inputs:
 *   - cs_fold(): the pure function;
 *   - an open scan (cs_scan_t) that the aggregator feeds as results
 *     arrive, asks whether every expected cell is in, and reports from at
 *     any time (cs_scan_report does not change the scan).
 *
 * The kept result of a cell is chosen by a total order (status rank, then
 * record_count, then the packed bytes), so neither arrival order nor
 * redelivery changes the report. An open scan holds, per expected cell,
 * the packed bytes of its kept result and nothing else: its memory is the
 * size of those results.
 */
#ifndef CS_COMPLIANCE_SCAN_H
#define CS_COMPLIANCE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "cellscan.pb-c.h"
#include "util/err.h"

/* Largest packed CellResult a scan accepts. */
#define CS_SCAN_MAX_RESULT_BYTES (16u << 20)

typedef struct cs_scan_s cs_scan_t;

struct cs_fold_opts {
    int finalize;              /* at the deadline: missing cells fail */
    size_t report_violations;  /* CELLSCAN_REPORT_VIOLATIONS */
    int64_t finished_at_ms;    /* the report's finished_at_ms */
};

enum cs_scan_added {
    CS_SCAN_ADDED = 1,    /* the first result of its cell */
    CS_SCAN_REPLACED,     /* better than the cell's kept result */
    CS_SCAN_UNCHANGED,    /* a duplicate, or not better than the kept one */
    CS_SCAN_IGNORED       /* another scan, a cell not expected, or a status
                             that is not a cell status */
};

/* Opens a scan for manifest m (copied; m may be freed after). Errors:
 * CS_ERR_INVALID when a cell id is not "aws_<category>:<account_id>"
 * (naming it), CS_ERR_NOMEM. Caller frees with cs_scan_destroy. */
cs_scan_t *cs_scan_new(const Cellscan__V1__ScanManifest *m,
                       struct cs_err *err);

/* Destroys s. NULL is a no-op. */
void cs_scan_destroy(cs_scan_t *s);

/* Offers result r (borrowed for the call); *added (may be NULL) says what
 * became of it. Errors: CS_ERR_INVALID for a NULL r, CS_ERR_LIMIT when r
 * packs to more than CS_SCAN_MAX_RESULT_BYTES, CS_ERR_NOMEM; s is
 * unchanged on error. */
cs_rc cs_scan_add(cs_scan_t *s, const Cellscan__V1__CellResult *r,
                  enum cs_scan_added *added, struct cs_err *err);

/* 1 when every expected cell has a result (a scan expecting no cell is
 * complete). Cannot fail. */
int cs_scan_complete(const cs_scan_t *s);

/* Cells expected, and cells with a kept result. Cannot fail. */
size_t cs_scan_expected(const cs_scan_t *s);
size_t cs_scan_received(const cs_scan_t *s);

/* The manifest's scan_id (Borrowed: valid until s is destroyed) and
 * deadline_at_ms. Cannot fail. */
const char *cs_scan_id(const cs_scan_t *s);
int64_t cs_scan_deadline_ms(const cs_scan_t *s);

/* Builds the report of what s holds now, per docs/compliance.md; with
 * o->finalize, cells without a result are failed / unavailable_error /
 * deadline_exceeded. Without it they count as expected but have no
 * evidence entry and no say in the status. s is unchanged. Errors:
 * CS_ERR_NOMEM; CS_ERR_PARSE if a kept result no longer unpacks (a bug).
 * Caller frees *out with cs_report_free. */
cs_rc cs_scan_report(const cs_scan_t *s, const struct cs_fold_opts *o,
                     Cellscan__V1__ScanReport **out, struct cs_err *err);

/* The pure fold: cs_scan_new(m), cs_scan_add of each of the n results,
 * cs_scan_report(o). Errors as those. Caller frees *out with
 * cs_report_free. */
cs_rc cs_fold(const Cellscan__V1__ScanManifest *m,
              const Cellscan__V1__CellResult *const *results, size_t n,
              const struct cs_fold_opts *o, Cellscan__V1__ScanReport **out,
              struct cs_err *err);

/* Frees a report from cs_scan_report or cs_fold (or any unpacked one).
 * NULL is a no-op. */
void cs_report_free(Cellscan__V1__ScanReport *r);

#endif
