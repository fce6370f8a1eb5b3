/* record.h: decoding and validating one message of cell-results
 * (a CellResultsRecord: a ScanManifest or a CellResult) before the
 * aggregator folds it. A message refused here goes to dead-letters with
 * the error message as its reason.
 *
 * A manifest is valid when its scan_id and client_id are valid ids
 * (store/keys.h), it has a deadline, and every cell id is
 * "aws_<category>:<account_id>". A result is valid when its scan_id,
 * client_id and cell_id are of those forms and its status is one of the
 * four cell statuses.
 */
#ifndef CS_AGGREGATOR_RECORD_H
#define CS_AGGREGATOR_RECORD_H

#include <stddef.h>

#include "cellscan.pb-c.h"
#include "util/err.h"

/* Short reason codes for cellscan_dead_letters_total{reason}. */
#define CS_AGG_REASON_DECODE "decode"
#define CS_AGG_REASON_INVALID "invalid"

/* Decodes len bytes of data (any bytes; NULL with len 0 is an empty
 * message) and validates the record. Errors: CS_ERR_PARSE "decode: ..."
 * for bytes that are not a CellResultsRecord or a record with no body;
 * CS_ERR_INVALID "invalid manifest: ..." or "invalid result: ..." naming
 * the field; CS_ERR_NOMEM. On success caller frees *out with
 * cellscan__v1__cell_results_record__free_unpacked(*out, NULL); *out is
 * NULL on error. */
cs_rc cs_agg_record_decode(const void *data, size_t len,
                           Cellscan__V1__CellResultsRecord **out,
                           struct cs_err *err);

/* The dead-letter reason code for an error of cs_agg_record_decode:
 * CS_AGG_REASON_DECODE for CS_ERR_PARSE, else CS_AGG_REASON_INVALID.
 * Static string. Cannot fail. */
const char *cs_agg_reason_code(cs_rc rc);

#endif
