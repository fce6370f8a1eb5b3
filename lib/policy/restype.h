/* restype.h: resource types (docs/policy.md "Resource types"): the type
 * of a resource from its ARN, and which category's extractor produces
 * which types (the `tagging` category skips the types another category of
 * the same scan covers, so a resource counts once).
 */
#ifndef CS_POLICY_RESTYPE_H
#define CS_POLICY_RESTYPE_H

#include <stddef.h>

#include "util/err.h"

/* Enough for the type of any ARN cellscan accepts. */
#define CS_RESTYPE_MAX 256

/* Writes the resource type of arn ("arn:partition:service:region:account:
 * resource") into out: "service:" + the part of resource before its first
 * '/' or ':' when it has one; otherwise s3 → "s3:bucket", sns →
 * "sns:topic", sqs → "sqs:queue", any other service → "service". Errors:
 * CS_ERR_INVALID when arn is not of that shape (the message quotes it),
 * CS_ERR_LIMIT when the type does not fit in outlen bytes. Allocates
 * nothing. */
cs_rc cs_restype_from_arn(const char *arn, char *out, size_t outlen,
                          struct cs_err *err);

/* The types the extractor of category produces, as a NULL-terminated
 * list ("ec2" → {"ec2:instance", "ec2:volume", NULL}); an empty list for
 * "tagging" (its types are whatever GetResources returns); NULL for an
 * unknown category. Borrowed: static. Cannot fail. */
const char *const *cs_category_types(const char *category);

/* The category whose own extractor produces type (e.g. "rds:db" → "rds"),
 * or NULL when only `tagging` finds it. Borrowed: static. Cannot fail. */
const char *cs_restype_category(const char *type);

/* 1 when the `tagging` extractor must skip type because another category
 * among scan_categories (n entries, e.g. CellJob.scan_categories) already
 * produces it; else 0. Cannot fail. */
int cs_restype_covered(const char *type, const char *const *scan_categories,
                       size_t n);

#endif
