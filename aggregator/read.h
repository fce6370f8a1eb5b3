/* read.h: reading back a report the aggregator stored, for the CLI's
 * `cellscan status` and `cellscan report`: strictly within one client's
 * prefix (lib/store), so another client's scan reads exactly like a scan
 * that does not exist.
 */
#ifndef CS_AGGREGATOR_READ_H
#define CS_AGGREGATOR_READ_H

#include "cellscan.pb-c.h"
#include "util/config.h"
#include "util/err.h"

/* Connects to cfg->redis_url (waiting up to cfg->startup_timeout_s) and
 * reads the report scan_id of client_id. Errors: CS_ERR_INVALID for a bad
 * scan or client id; CS_ERR_NOTFOUND "no report for scan <id> (unknown,
 * not finished yet, or expired)" when the client has no such report,
 * whoever else may have one; CS_ERR_UNAVAILABLE when Redis cannot be
 * reached; CS_ERR_DENIED for refused credentials; CS_ERR_PARSE when the
 * stored bytes are not that report. On success caller frees *out with
 * cellscan__v1__scan_report__free_unpacked(*out, NULL). */
cs_rc cs_agg_read_report(const struct cs_config *cfg, const char *client_id,
                         const char *scan_id, Cellscan__V1__ScanReport **out,
                         struct cs_err *err);

/* Cells of r that reported (evidence entries not failed for
 * deadline_exceeded). Cannot fail. */
unsigned cs_agg_cells_done(const Cellscan__V1__ScanReport *r);

#endif
