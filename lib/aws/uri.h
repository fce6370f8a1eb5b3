/* uri.h: percent-encoding as AWS signs and sends it (RFC 3986 unreserved
 * characters A-Z a-z 0-9 - . _ ~ kept, everything else %XX with upper-case
 * hex, UTF-8 bytes encoded one by one), and the query-string and path
 * forms built from it.
 */
#ifndef CS_AWS_URI_H
#define CS_AWS_URI_H

#include <stddef.h>

#include "util/buf.h"

/* Appends the encoding of n bytes of s to out; bytes listed in keep (may be
 * NULL, e.g. "/" for a greedy path label) are copied unencoded. Errors as
 * cs_buf_append. */
cs_rc cs_uri_encode(struct cs_buf *out, const char *s, size_t n,
                    const char *keep);

/* Appends the percent-decoding of n bytes of s to out ("%zz" and a lone
 * '%' are copied as they are; '+' stays '+'). Errors as cs_buf_append. */
cs_rc cs_uri_decode(struct cs_buf *out, const char *s, size_t n);

/* Appends "name=value" (both encoded) to a query string or form body
 * being built, with '&' first when out is not empty; value NULL appends
 * the name alone (S3's "?tagging"). Errors as cs_buf_append. */
cs_rc cs_uri_query_add(struct cs_buf *out, const char *name,
                       const char *value);

#endif
