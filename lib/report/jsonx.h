/* jsonx.h: jansson values that cannot go wrong on outside data.
 *
 * Strings from AWS, from a request or from undecodable bytes may be
 * invalid UTF-8, which jansson refuses; these helpers replace each
 * invalid byte with U+FFFD instead, so every report and decode line is
 * valid JSON. Each returns a new reference, or NULL only when out of
 * memory.
 */
#ifndef CS_REPORT_JSONX_H
#define CS_REPORT_JSONX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* A JSON string of s (NULL = ""), or of n bytes of s. */
json_t *cs_jsonx_str(const char *s);
json_t *cs_jsonx_strn(const char *s, size_t n);

/* Length of the valid UTF-8 sequence starting at s (n bytes available),
 * or 0 when the bytes there are not one (NUL counts as invalid). Cannot
 * fail. */
size_t cs_jsonx_utf8_seq_len(const char *s, size_t n);

/* Whether n bytes of s are valid UTF-8 without NUL. Cannot fail. */
int cs_jsonx_utf8_valid(const char *s, size_t n);

/* An integer; values above INT64_MAX become reals (jansson integers are
 * signed 64-bit). */
json_t *cs_jsonx_uint(uint64_t v);

/* A real; NaN and infinities (not JSON numbers) become the strings "NaN",
 * "Infinity", "-Infinity" as in protobuf's JSON mapping. */
json_t *cs_jsonx_real(double v);

/* RFC 3339 UTC of unix_ms (with milliseconds when with_ms), or null when
 * unix_ms <= 0 (not set). */
json_t *cs_jsonx_time(int64_t unix_ms, int with_ms);

/* Standard base64 (with padding) of n bytes at p. */
json_t *cs_jsonx_base64(const void *p, size_t n);

/* json_object_set_new that accepts a NULL value (out of memory upstream)
 * as a failure. Returns 0, or -1 when v is NULL or the set failed. Steals
 * v either way. */
int cs_jsonx_set(json_t *obj, const char *key, json_t *v);

/* cs_jsonx_set with a key from outside data (made valid UTF-8 first). */
int cs_jsonx_set_key(json_t *obj, const char *key, json_t *v);

/* json_array_append_new with the same NULL handling. */
int cs_jsonx_append(json_t *arr, json_t *v);

/* Dumps j (any value) with jansson flags, plus a final newline, into *out (caller
 * frees with free()). Returns CS_OK, CS_ERR_LIMIT when the text exceeds
 * max bytes, CS_ERR_NOMEM. */
cs_rc cs_jsonx_dump_line(const json_t *j, size_t flags, size_t max, char **out);

#endif
