/* table.h: the terminal summary of a ScanReport: a headline (status,
 * score, coverage), one fixed-width row per account, then the accounts
 * whose role was denied and the skipped ones. Plain ASCII: bytes of
 * outside data that are not printable ASCII become '?', and values wider
 * than their column are cut with '~', so the columns stay aligned on any
 * terminal.
 */
#ifndef CS_REPORT_TABLE_H
#define CS_REPORT_TABLE_H

#include "cellscan.pb-c.h"
#include "util/buf.h"
#include "util/err.h"

/* Appends the summary of r to out. Errors: CS_ERR_LIMIT past out's cap,
 * CS_ERR_NOMEM. */
cs_rc cs_report_table(const Cellscan__V1__ScanReport *r, struct cs_buf *out,
                      struct cs_err *err);

#endif
