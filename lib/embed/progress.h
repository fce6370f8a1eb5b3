/* progress.h: how far one scan has got, from the records of cell-results
 * (the dispatcher's ScanManifest and the workers' CellResults), and the
 * one-line display `cellscan run` draws from it.
 *
 * The tracker counts each expected cell once, whatever the redeliveries:
 * the first result of a cell counts, later ones of the same cell change
 * nothing. An account is done when every cell of it has a result.
 * Throttles are the throttle_events of the counted results, so at the end
 * they equal the sum over the report's evidence. Records of other scans
 * are ignored. Pure and single-threaded: the caller feeds it and reads it
 * from one thread.
 *
 *   cs_progress_t *p = cs_progress_new("scan-1", &err);
 *   cs_progress_manifest(p, manifest, &err);
 *   cs_progress_result(p, result, &err);
 *   struct cs_progress_snap s; cs_progress_get(p, &s);
 *   cs_progress_line(&s, elapsed_ms, CS_PROGRESS_BAR, 80, &buf);
 *   cs_progress_destroy(p);
 */
#ifndef CS_EMBED_PROGRESS_H
#define CS_EMBED_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "cellscan.pb-c.h"
#include "util/buf.h"
#include "util/err.h"

typedef struct cs_progress_s cs_progress_t;

/* A snapshot of the counters. */
struct cs_progress_snap {
    int have_manifest;      /* the manifest was seen: totals are known */
    uint64_t cells_total;   /* cells the manifest expects */
    uint64_t cells_done;    /* expected cells with a result */
    uint64_t cells_failed;  /* of which failed */
    uint64_t accounts_total;
    uint64_t accounts_done; /* accounts whose every cell has a result */
    uint64_t throttles;     /* throttle_events of the counted results */
    uint64_t skipped;       /* accounts the manifest skipped */
};

/* Longest scan id tracked (as the store's CS_SCAN_ID_MAX). */
#define CS_PROGRESS_SCAN_ID_MAX 128
/* Results kept while their manifest has not been read. Within a partition
 * the manifest always comes first (same key), so this is a safety net. */
#define CS_PROGRESS_MAX_EARLY 65536

/* A tracker for scan_id (copied). Errors: CS_ERR_INVALID for a NULL,
 * empty or too long id, CS_ERR_NOMEM. Caller frees with
 * cs_progress_destroy. */
cs_progress_t *cs_progress_new(const char *scan_id, struct cs_err *err);

/* Frees p. NULL is a no-op. */
void cs_progress_destroy(cs_progress_t *p);

/* Takes the manifest m (borrowed for the call) when it is p's scan's and
 * the first one seen; otherwise does nothing. Results that came before it
 * are counted now. Errors: CS_ERR_NOMEM (p keeps its previous state). */
cs_rc cs_progress_manifest(cs_progress_t *p, const Cellscan__V1__ScanManifest *m,
                           struct cs_err *err);

/* Counts result r (borrowed for the call) when it is p's scan's, names an
 * expected cell and is that cell's first. A result of p's scan before the
 * manifest is kept (up to CS_PROGRESS_MAX_EARLY) and counted when the
 * manifest comes. Errors: CS_ERR_NOMEM, CS_ERR_LIMIT when too many early
 * results are waiting (the result is not counted). */
cs_rc cs_progress_result(cs_progress_t *p, const Cellscan__V1__CellResult *r,
                         struct cs_err *err);

/* Settles the counters from the scan's final report r (borrowed for the
 * call), which the aggregator wrote after reading every result: the cells
 * expected, the cells that reported (evidence without reason
 * deadline_exceeded), of them the failed ones (evidence unavailable_*),
 * the accounts, those with every cell reported, and the throttles of the
 * evidence. A report of another scan, or one without totals (rejected),
 * changes nothing. Cannot fail. */
void cs_progress_report(cs_progress_t *p, const Cellscan__V1__ScanReport *r);

/* Copies the counters into *out. Cannot fail. */
void cs_progress_get(const cs_progress_t *p, struct cs_progress_snap *out);

/* How cs_progress_line draws. */
enum cs_progress_style {
    CS_PROGRESS_BAR,   /* a bar for a terminal, no newline (the caller
                          redraws the line with "\r\033[K") */
    CS_PROGRESS_PLAIN  /* a plain line for logs and pipes */
};

/* Narrowest and widest bar drawn, and the columns left for the counters
 * after it: the bar keeps its width while the counters change. */
#define CS_PROGRESS_BAR_MIN 10
#define CS_PROGRESS_BAR_MAX 40
#define CS_PROGRESS_TAIL_COLS 64

/* Appends one line describing s after elapsed_ms: cells done/total (and
 * failed), accounts done/total, throttles and the elapsed time (m:ss);
 * before the manifest, that accounts are being resolved. The bar style
 * draws a bar of width - CS_PROGRESS_TAIL_COLS columns (within
 * CS_PROGRESS_BAR_MIN..CS_PROGRESS_BAR_MAX), cuts the line at width
 * columns and ends without a newline; the plain style ends with one.
 * Errors as cs_buf_append. */
cs_rc cs_progress_line(const struct cs_progress_snap *s, int64_t elapsed_ms,
                       enum cs_progress_style style, int width,
                       struct cs_buf *out);

#endif
