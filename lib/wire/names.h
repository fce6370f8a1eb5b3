/* names.h: the words of the wire enums, as reports, logs and JSON use them
 * (docs/compliance.md). One place, so every output spells them alike. */
#ifndef CS_WIRE_NAMES_H
#define CS_WIRE_NAMES_H

#include "cellscan.pb-c.h"

/* "available", "partial", "empty", "failed"; "unspecified" otherwise. */
const char *cs_cell_status_name(Cellscan__V1__CellStatus s);

/* "ok", "partial", "unavailable_no_access", "unavailable_not_enabled",
 * "unavailable_error"; "unspecified" otherwise. */
const char *cs_evidence_status_name(Cellscan__V1__EvidenceStatus s);

/* "missing_required_tag", "invalid_value", "wrong_key_case";
 * "unspecified" otherwise. */
const char *cs_violation_kind_name(Cellscan__V1__ViolationKind k);

/* "ok", "partial", "failed", "rejected"; "unspecified" otherwise. */
const char *cs_scan_status_name(Cellscan__V1__ScanStatus s);

/* Reverse lookups: return 0 and set *out, or -1 for an unknown word. */
int cs_cell_status_parse(const char *s, Cellscan__V1__CellStatus *out);
int cs_evidence_status_parse(const char *s, Cellscan__V1__EvidenceStatus *out);
int cs_violation_kind_parse(const char *s, Cellscan__V1__ViolationKind *out);
int cs_scan_status_parse(const char *s, Cellscan__V1__ScanStatus *out);

/* Cell ids: "aws_<category>:<account_id>". cs_cell_id writes one into out
 * (outlen >= 64 is always enough for valid input) and returns out. */
char *cs_cell_id(const char *category, const char *account_id, char *out,
                 size_t outlen);

/* Splits a cell id; returns 0, or -1 if id is not of that form. category
 * and account receive NUL-terminated copies (each at least 32 bytes). */
int cs_cell_id_split(const char *id, char *category, size_t catlen,
                     char *account, size_t acclen);

#endif
