/* html.h: report.html, one self-contained page (inline CSS; no scripts,
 * no external assets) that opens from disk in any browser: status and
 * score, coverage, per-account table, permission-denied and skipped
 * accounts, top violations, then evidence completeness per cell.
 *
 * Everything that came from AWS or the request (ids, ARNs, tag keys and
 * values, reasons, error codes) is HTML-escaped, and invalid UTF-8 or
 * control characters are replaced, so the page is well-formed (it parses
 * as XML too) whatever the data.
 */
#ifndef CS_REPORT_HTML_H
#define CS_REPORT_HTML_H

#include "cellscan.pb-c.h"
#include "util/buf.h"
#include "util/err.h"

/* Violations listed on the page; the rest are counted. */
#define CS_HTML_TOP_VIOLATIONS 100

/* Appends the page for r to out. Errors: CS_ERR_LIMIT past out's cap,
 * CS_ERR_NOMEM (out is freed, as cs_buf appends do). */
cs_rc cs_report_html(const Cellscan__V1__ScanReport *r, struct cs_buf *out,
                     struct cs_err *err);

/* Appends s HTML-escaped (& < > " ' and unsafe bytes) to out. Errors as
 * cs_buf_append. */
cs_rc cs_html_escape(struct cs_buf *out, const char *s);

#endif
