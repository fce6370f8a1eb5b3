/* json.h: report.json, the documented shape of a ScanReport
 * (docs/compliance.md, section "report.json"): enum words from
 * lib/wire/names.h, numbers as JSON numbers, times as RFC 3339 UTC (null
 * when not set), found_value omitted for missing_required_tag when empty
 * (a blank value of another kind is given as "").
 */
#ifndef CS_REPORT_JSON_H
#define CS_REPORT_JSON_H

#include <jansson.h>

#include "cellscan.pb-c.h"
#include "util/err.h"

/* Largest rendered report (JSON, HTML or table). */
#define CS_MAX_REPORT_TEXT (64 * 1024 * 1024)

/* Builds the report.json object of r. Errors: CS_ERR_NOMEM. On success
 * caller frees *out with json_decref. */
cs_rc cs_report_json(const Cellscan__V1__ScanReport *r, json_t **out,
                     struct cs_err *err);

/* The same as text: 2-space indent, keys in the documented order, a final
 * newline. Errors: CS_ERR_NOMEM, CS_ERR_LIMIT past CS_MAX_REPORT_TEXT. On
 * success caller frees *out with
 * free(). */
cs_rc cs_report_json_text(const Cellscan__V1__ScanReport *r, char **out,
                          struct cs_err *err);

#endif
