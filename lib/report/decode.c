#include "report/decode.h"

#include <stdlib.h>
#include <string.h>

#include "bus/deadletter.h"
#include "cellscan.pb-c.h"
#include "report/jsonx.h"
#include "report/pbjson.h"

#define HEADER_TOPIC_MAX 256

const ProtobufCMessageDescriptor *cs_decode_descriptor(enum cs_topic t)
{
    switch (t) {
    case CS_TOPIC_SCAN_REQUESTS:
        return &cellscan__v1__scan_request__descriptor;
    case CS_TOPIC_CELL_JOBS:
        return &cellscan__v1__cell_job__descriptor;
    case CS_TOPIC_CELL_RESULTS:
        return &cellscan__v1__cell_results_record__descriptor;
    case CS_TOPIC_SCAN_RESULTS:
        return &cellscan__v1__scan_report__descriptor;
    case CS_TOPIC_DEAD_LETTERS:
    case CS_TOPIC_COUNT:
        break;
    }
    return NULL;
}

/* Bytes as a string when they are UTF-8, else as base64 under key_b64. */
static int put_text_or_b64(json_t *o, const char *key, const char *key_b64,
                           const void *p, size_t n)
{
    if (p == NULL)
        return cs_jsonx_set(o, key, json_null());
    if (cs_jsonx_utf8_valid(p, n))
        return cs_jsonx_set(o, key, json_stringn(p, n));
    return cs_jsonx_set(o, key_b64, cs_jsonx_base64(p, n));
}

/* Decodes n bytes as desc into o: "type" and "value", or "error" and
 * "value_base64" (names prefixed for the dead letter's original). */
static int put_decoded(json_t *o, const ProtobufCMessageDescriptor *desc,
                       const void *p, size_t n, const char *value_key,
                       const char *error_key)
{
    struct cs_err err = CS_ERR_INIT;
    json_t *v = NULL;
    int bad = 0;

    bad |= cs_jsonx_set(o, "type", json_string(desc->name));
    if (cs_pbjson_decode(desc, p ? p : "", n, &v, &err) == CS_OK)
        return bad | cs_jsonx_set(o, value_key, v);
    if (err.code == CS_ERR_NOMEM)
        return -1;
    bad |= cs_jsonx_set(o, error_key, json_string(err.msg));
    return bad;
}

static const struct cs_decode_header *find_header(const struct cs_decode_record *rec,
                                                  const char *name)
{
    const struct cs_decode_header *found = NULL;

    /* the last one wins, as rd_kafka_header_get_last */
    for (size_t i = 0; i < rec->nheaders; i++)
        if (rec->headers[i].name && strcmp(rec->headers[i].name, name) == 0)
            found = &rec->headers[i];
    return found;
}

static json_t *headers(const struct cs_decode_record *rec)
{
    json_t *o = json_object();

    for (size_t i = 0; o && i < rec->nheaders; i++) {
        const struct cs_decode_header *h = &rec->headers[i];
        json_t *v = h->value == NULL ? json_null()
                    : cs_jsonx_utf8_valid(h->value, h->len)
                        ? json_stringn(h->value, h->len)
                        : cs_jsonx_base64(h->value, h->len);
        if (cs_jsonx_set_key(o, h->name ? h->name : "", v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* A dead letter: its bytes, and the original decoded when its
 * cellscan-topic header names one of our topics. */
static int put_dead_letter(json_t *o, const struct cs_decode_record *rec)
{
    const struct cs_decode_header *h = find_header(rec, CS_DLQ_HDR_TOPIC);
    char topic[HEADER_TOPIC_MAX + 1];
    enum cs_topic t;
    int bad = 0;

    bad |= cs_jsonx_set(o, "type", json_string("dead-letter"));
    bad |= cs_jsonx_set(o, "value_base64",
                       cs_jsonx_base64(rec->value ? rec->value : "", rec->len));
    if (h == NULL || h->value == NULL || h->len > HEADER_TOPIC_MAX)
        return bad;
    memcpy(topic, h->value, h->len);
    topic[h->len] = '\0';
    if (memchr(topic, '\0', h->len) ||
        cs_topic_parse(rec->prefix, topic, &t, NULL) != CS_OK ||
        cs_decode_descriptor(t) == NULL) {
        return bad;
    }
    {
        json_t *orig = json_object();
        bad |= orig == NULL;
        bad |= !bad && put_decoded(orig, cs_decode_descriptor(t), rec->value,
                                   rec->len, "value", "error");
        bad |= cs_jsonx_set(o, "original", orig);
    }
    return bad;
}

cs_rc cs_decode_record_json(const struct cs_decode_record *rec, json_t **out,
                            struct cs_err *err)
{
    json_t *o = json_object();
    const ProtobufCMessageDescriptor *desc = cs_decode_descriptor(rec->topic);
    int bad = o == NULL;

    *out = NULL;
    if (!bad) {
        bad |= cs_jsonx_set(o, "topic", cs_jsonx_str(rec->topic_name));
        bad |= cs_jsonx_set(o, "partition", json_integer(rec->partition));
        bad |= cs_jsonx_set(o, "offset", json_integer(rec->offset));
        bad |= cs_jsonx_set(o, "timestamp", cs_jsonx_time(rec->timestamp_ms, 1));
        bad |= put_text_or_b64(o, "key", "key_base64", rec->key, rec->keylen);
        if (rec->nheaders > 0)
            bad |= cs_jsonx_set(o, "headers", headers(rec));
        if (desc)
            bad |= put_decoded(o, desc, rec->value, rec->len, "value", "error");
        else if (rec->topic == CS_TOPIC_DEAD_LETTERS)
            bad |= put_dead_letter(o, rec);
        else
            bad |= cs_jsonx_set(o, "error", json_string("unknown topic kind"));
        if (!bad && desc && json_object_get(o, "error"))
            bad |= cs_jsonx_set(o, "value_base64",
                               cs_jsonx_base64(rec->value ? rec->value : "",
                                              rec->len));
    }
    if (bad) {
        json_decref(o);
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory decoding a record");
    }
    *out = o;
    return CS_OK;
}

cs_rc cs_decode_record_line(const struct cs_decode_record *rec, char **out,
                            struct cs_err *err)
{
    json_t *o = NULL;
    cs_rc rc;

    *out = NULL;
    rc = cs_decode_record_json(rec, &o, err);
    if (rc != CS_OK)
        return rc;
    rc = cs_jsonx_dump_line(o, JSON_COMPACT, CS_MAX_DECODE_LINE, out);
    json_decref(o);
    if (rc != CS_OK)
        return cs_err_set(err, rc, "record at offset %lld: cannot write its line",
                          (long long)rec->offset);
    return CS_OK;
}
