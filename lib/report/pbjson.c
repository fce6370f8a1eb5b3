#include "report/pbjson.h"

#include <string.h>

#include "report/jsonx.h"

static json_t *message(const ProtobufCMessage *m, int depth);

static size_t elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

static json_t *enum_value(const ProtobufCFieldDescriptor *f, int v)
{
    const ProtobufCEnumValue *ev =
        protobuf_c_enum_descriptor_get_value(f->descriptor, v);

    return ev ? json_string(ev->name) : json_integer(v);
}

/* One value of field f stored at p. */
static json_t *value(const ProtobufCFieldDescriptor *f, const void *p,
                     int depth)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return cs_jsonx_uint(*(const uint64_t *)p);
    case PROTOBUF_C_TYPE_FLOAT:
        return cs_jsonx_real(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return cs_jsonx_real(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM:
        return enum_value(f, *(const int *)p);
    case PROTOBUF_C_TYPE_STRING:
        return cs_jsonx_str(*(char *const *)p);
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        return cs_jsonx_base64(b->data, b->len);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        return sub ? message(sub, depth + 1) : json_null();
    }
    }
    return json_null();
}

/* Whether a non-repeated field is present (oneof member set, optional
 * with has_ or a pointer). */
static int present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const char *base = (const char *)m;

    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
    if (f->label != PROTOBUF_C_LABEL_OPTIONAL)
        return 1;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)
        return *(void *const *)(base + f->offset) != NULL;
    return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
}

static json_t *repeated(const ProtobufCMessage *m,
                        const ProtobufCFieldDescriptor *f, int depth)
{
    const char *base = (const char *)m;
    size_t n = *(const size_t *)(base + f->quantifier_offset);
    const char *arr = *(const char *const *)(base + f->offset);
    size_t sz = elem_size(f->type);
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        if (cs_jsonx_append(a, value(f, arr + i * sz, depth)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *message(const ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    json_t *o;

    if (depth > CS_PBJSON_MAX_DEPTH)
        return json_null();
    o = json_object();
    for (unsigned i = 0; o && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        json_t *v;

        if (f->label == PROTOBUF_C_LABEL_REPEATED)
            v = repeated(m, f, depth);
        else if (present(m, f))
            v = value(f, (const char *)m + f->offset, depth);
        else
            continue;
        if (cs_jsonx_set(o, f->name, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    if (o && m->n_unknown_fields > 0 &&
        cs_jsonx_set(o, "_unknown_fields", json_integer((json_int_t)m->n_unknown_fields))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

cs_rc cs_pbjson_message(const ProtobufCMessage *m, json_t **out,
                        struct cs_err *err)
{
    *out = message(m, 0);
    if (*out == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory converting %s",
                          m->descriptor->name);
    return CS_OK;
}

cs_rc cs_pbjson_decode(const ProtobufCMessageDescriptor *desc,
                       const void *data, size_t len, json_t **out,
                       struct cs_err *err)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, len, data);
    cs_rc rc;

    *out = NULL;
    if (m == NULL)
        return cs_err_set(err, CS_ERR_PARSE, "not a valid %s (%zu bytes)",
                          desc->name, len);
    rc = cs_pbjson_message(m, out, err);
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}
