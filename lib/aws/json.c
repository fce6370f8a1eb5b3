#include "aws/json.h"

cs_rc cs_aws_json_parse(const char *data, size_t len, json_t **out,
                        struct cs_err *err)
{
    json_error_t je;
    json_t *j;

    *out = NULL;
    if (len > CS_AWS_JSON_MAX)
        return cs_err_set(err, CS_ERR_LIMIT, "JSON: body over %d bytes",
                          CS_AWS_JSON_MAX);
    j = json_loadb(data ? data : "", len, 0, &je);
    if (j == NULL)
        return cs_err_set(err, CS_ERR_PARSE, "JSON line %d column %d: %s",
                          je.line, je.column, je.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return cs_err_set(err, CS_ERR_PARSE, "JSON: expected an object");
    }
    *out = j;
    return CS_OK;
}

const char *cs_json_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

json_t *cs_json_array(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_array(v) ? v : NULL;
}

json_t *cs_json_object(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_object(v) ? v : NULL;
}
