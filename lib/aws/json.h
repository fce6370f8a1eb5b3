/* json.h: bounded JSON parsing of AWS answers with jansson, plus the few
 * lookups every JSON extractor repeats.
 */
#ifndef CS_AWS_JSON_H
#define CS_AWS_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "util/err.h"

#define CS_AWS_JSON_MAX (64 * 1024 * 1024)

/* Parses len bytes of data (at most CS_AWS_JSON_MAX; need not be
 * NUL-terminated) that must be one JSON object. CS_ERR_PARSE with line,
 * column and jansson's reason when it is not JSON or not an object;
 * CS_ERR_LIMIT when too long. On success *out holds the object; caller
 * frees with json_decref. */
cs_rc cs_aws_json_parse(const char *data, size_t len, json_t **out,
                        struct cs_err *err);

/* obj[key] when it is a string, else NULL. Borrowed: valid while obj is
 * referenced. Cannot fail. */
const char *cs_json_str(const json_t *obj, const char *key);

/* obj[key] when it is an array, else NULL. Borrowed. Cannot fail. */
json_t *cs_json_array(const json_t *obj, const char *key);

/* obj[key] when it is an object, else NULL. Borrowed. Cannot fail. */
json_t *cs_json_object(const json_t *obj, const char *key);

#endif
