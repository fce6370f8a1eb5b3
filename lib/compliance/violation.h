/* violation.h: the order of violations in CellResults and ScanReports
 * (docs/compliance.md), and owned copies of Violation messages.
 *
 * Strings compare bytewise (UTF-8 code-point order); kind compares by its
 * word ("invalid_value" < "missing_required_tag" < "wrong_key_case").
 * After the documented keys, the remaining fields break ties, so the order
 * is total and a capped set does not depend on arrival order.
 */
#ifndef CS_COMPLIANCE_VIOLATION_H
#define CS_COMPLIANCE_VIOLATION_H

#include "cellscan.pb-c.h"

/* Cell order: (arn, tag_key, kind, found_value, resource_type, region,
 * account_id). a and b are const Cellscan__V1__Violation *. Cannot fail. */
int cs_violation_cmp_cell(const void *a, const void *b);

/* Report order: account_id first, then the cell order. Cannot fail. */
int cs_violation_cmp_report(const void *a, const void *b);

/* Deep copy of v whose strings are all malloc'd, so that
 * protobuf_c_message_free_unpacked (or cs_violation_free) frees it, alone
 * or inside a CellResult or ScanReport. NULL when out of memory. Caller
 * frees with cs_violation_free. */
Cellscan__V1__Violation *cs_violation_dup(const Cellscan__V1__Violation *v);

/* Frees a Violation message (void * so it serves as a cs_topn drop
 * function). NULL is a no-op. */
void cs_violation_free(void *v);

/* malloc'd copy of s (NULL reads as ""), the way protobuf-c's free
 * expects message strings. NULL when out of memory. Caller frees with
 * free() or with the message that holds it. */
char *cs_pb_strdup(const char *s);

#endif
