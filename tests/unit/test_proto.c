/* Protobuf round trip of every message in proto/cellscan.proto with every
 * field set. Fields are filled through the protobuf-c descriptors, so a
 * field added to the schema is covered without editing this test; each
 * message is packed, unpacked, compared field by field, and re-packed to
 * the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellscan.pb-c.h"

#define REPEAT 3

static unsigned counter;

static void fill_message(ProtobufCMessage *m, int depth);

static void *field_ptr(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return (char *)m + f->offset;
}

/* Writes one value of field f at dst; returns the element size. */
static size_t fill_value(const ProtobufCFieldDescriptor *f, void *dst, int depth)
{
    unsigned v = ++counter;

    switch (f->type) {
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)dst = 1;
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *e = f->descriptor;
        /* the last value: never the zero default */
        *(int *)dst = e->values[e->n_values - 1].value;
        return sizeof(int);
    }
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        *(int32_t *)dst = -(int32_t)v;
        return sizeof(int32_t);
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        *(uint32_t *)dst = v;
        return sizeof(uint32_t);
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *(int64_t *)dst = (int64_t)v * 1000000007LL;
        return sizeof(int64_t);
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        *(uint64_t *)dst = (uint64_t)v * 4000000007ULL;
        return sizeof(uint64_t);
    case PROTOBUF_C_TYPE_DOUBLE:
        *(double *)dst = v + 0.25;
        return sizeof(double);
    case PROTOBUF_C_TYPE_FLOAT:
        *(float *)dst = (float)v + 0.5f;
        return sizeof(float);
    case PROTOBUF_C_TYPE_STRING: {
        char *s = malloc(48);
        snprintf(s, 48, "%s-%u-\xc3\xa9", f->name, v);
        *(char **)dst = s;
        return sizeof(char *);
    }
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *b = dst;
        b->len = 4;
        b->data = malloc(4);
        memcpy(b->data, "\0\1\2\3", 4);
        return sizeof(ProtobufCBinaryData);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessageDescriptor *d = f->descriptor;
        ProtobufCMessage *sub = malloc(d->sizeof_message);
        d->message_init(sub);
        fill_message(sub, depth + 1);
        *(ProtobufCMessage **)dst = sub;
        return sizeof(ProtobufCMessage *);
    }
    }
    fail_msg("unhandled field type %d", f->type);
    return 0;
}

static size_t elem_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM: case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        return 4;
    case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
    default: return 8;
    }
}

static void fill_message(ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    int oneof_done[64] = {0};

    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        void *p = field_ptr(m, f);

        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            /* the first member of each oneof; the others get their own
             * round trip from the callers that vary it */
            unsigned q = f->quantifier_offset % 64;
            if (oneof_done[q])
                continue;
            oneof_done[q] = 1;
            fill_value(f, p, depth);
            *(uint32_t *)((char *)m + f->quantifier_offset) = f->id;
            continue;
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t es = elem_size(f);
            char *arr = calloc(REPEAT, es);
            for (int k = 0; k < REPEAT; k++)
                fill_value(f, arr + k * es, depth);
            *(size_t *)((char *)m + f->quantifier_offset) = REPEAT;
            *(void **)p = arr;
            continue;
        }
        fill_value(f, p, depth);
    }
}

/* Frees a message built by fill_message (malloc'ed all the way down). */
static void free_filled(ProtobufCMessage *m)
{
    protobuf_c_message_free_unpacked(m, NULL);
}

static void assert_fields_equal(const ProtobufCMessage *a, const ProtobufCMessage *b);

static void assert_value_equal(const ProtobufCFieldDescriptor *f, const void *x,
                               const void *y)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        assert_string_equal(*(char *const *)x, *(char *const *)y);
        break;
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bx = x, *by = y;
        assert_int_equal(bx->len, by->len);
        assert_memory_equal(bx->data, by->data, bx->len);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        assert_non_null(*(void *const *)x);
        assert_non_null(*(void *const *)y);
        assert_fields_equal(*(ProtobufCMessage *const *)x,
                            *(ProtobufCMessage *const *)y);
        break;
    default:
        assert_memory_equal(x, y, elem_size(f));
    }
}

static void assert_fields_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    const ProtobufCMessageDescriptor *d = a->descriptor;

    assert_ptr_equal(a->descriptor, b->descriptor);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *pa = (const char *)a + f->offset;
        const char *pb = (const char *)b + f->offset;

        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t ca = *(const uint32_t *)((const char *)a + f->quantifier_offset);
            uint32_t cb = *(const uint32_t *)((const char *)b + f->quantifier_offset);
            assert_int_equal(ca, cb);
            if (ca == f->id)
                assert_value_equal(f, pa, pb);
            continue;
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t na = *(const size_t *)((const char *)a + f->quantifier_offset);
            size_t nb = *(const size_t *)((const char *)b + f->quantifier_offset);
            size_t es = elem_size(f);
            assert_int_equal(na, nb);
            assert_int_equal(na, REPEAT);
            for (size_t k = 0; k < na; k++)
                assert_value_equal(f, *(char *const *)pa + k * es,
                                   *(char *const *)pb + k * es);
            continue;
        }
        assert_value_equal(f, pa, pb);
    }
}

/* Builds, packs, unpacks, compares and re-packs one message type. */
static void round_trip(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = malloc(d->sizeof_message);
    ProtobufCMessage *back;
    uint8_t *wire, *wire2;
    size_t len, len2;

    d->message_init(m);
    fill_message(m, 0);
    assert_true(protobuf_c_message_check(m));
    len = protobuf_c_message_get_packed_size(m);
    assert_true(len > 0);
    wire = malloc(len);
    assert_int_equal(protobuf_c_message_pack(m, wire), len);
    back = protobuf_c_message_unpack(d, NULL, len, wire);
    assert_non_null(back);
    assert_fields_equal(m, back);
    len2 = protobuf_c_message_get_packed_size(back);
    assert_int_equal(len2, len);
    wire2 = malloc(len2);
    protobuf_c_message_pack(back, wire2);
    assert_memory_equal(wire, wire2, len);
    free(wire);
    free(wire2);
    protobuf_c_message_free_unpacked(back, NULL);
    free_filled(m);
}

static void every_message_round_trips(void **state)
{
    (void)state;
    /* every message of the schema; a new message must be added here */
    const ProtobufCMessageDescriptor *all[] = {
        &cellscan__v1__scan_request__descriptor,
        &cellscan__v1__account_list__descriptor,
        &cellscan__v1__org_discovery__descriptor,
        &cellscan__v1__scan_scope__descriptor,
        &cellscan__v1__skipped_account__descriptor,
        &cellscan__v1__scan_manifest__descriptor,
        &cellscan__v1__cell_job__descriptor,
        &cellscan__v1__violation__descriptor,
        &cellscan__v1__region_result__descriptor,
        &cellscan__v1__type_count__descriptor,
        &cellscan__v1__cell_result__descriptor,
        &cellscan__v1__cell_results_record__descriptor,
        &cellscan__v1__totals__descriptor,
        &cellscan__v1__account_report__descriptor,
        &cellscan__v1__evidence__descriptor,
        &cellscan__v1__report_errors__descriptor,
        &cellscan__v1__scan_report__descriptor,
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        round_trip(all[i]);
}

/* The second member of each oneof. */
static void other_oneof_members_round_trip(void **state)
{
    Cellscan__V1__ScanScope scope = CELLSCAN__V1__SCAN_SCOPE__INIT;
    Cellscan__V1__OrgDiscovery org = CELLSCAN__V1__ORG_DISCOVERY__INIT;
    Cellscan__V1__CellResultsRecord rec = CELLSCAN__V1__CELL_RESULTS_RECORD__INIT;
    Cellscan__V1__CellResult res = CELLSCAN__V1__CELL_RESULT__INIT;
    char *excl[] = {"ou-ab12-cdef3456"};
    uint8_t buf[512];
    size_t n;
    (void)state;

    org.org_role_arn = "arn:aws:iam::999999999999:role/CellScanOrgDiscovery";
    org.n_exclude_ous = 1;
    org.exclude_ous = excl;
    scope.target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ORGANIZATION;
    scope.organization = &org;
    n = cellscan__v1__scan_scope__pack(&scope, buf);
    Cellscan__V1__ScanScope *s2 = cellscan__v1__scan_scope__unpack(NULL, n, buf);
    assert_non_null(s2);
    assert_int_equal(s2->target_case, CELLSCAN__V1__SCAN_SCOPE__TARGET_ORGANIZATION);
    assert_string_equal(s2->organization->org_role_arn, org.org_role_arn);
    assert_string_equal(s2->organization->exclude_ous[0], "ou-ab12-cdef3456");
    cellscan__v1__scan_scope__free_unpacked(s2, NULL);

    res.cell_id = "aws_ec2:111111111111";
    res.status = CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL;
    rec.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT;
    rec.result = &res;
    n = cellscan__v1__cell_results_record__pack(&rec, buf);
    Cellscan__V1__CellResultsRecord *r2 =
        cellscan__v1__cell_results_record__unpack(NULL, n, buf);
    assert_non_null(r2);
    assert_int_equal(r2->body_case, CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT);
    assert_string_equal(r2->result->cell_id, "aws_ec2:111111111111");
    assert_int_equal(r2->result->status, CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL);
    cellscan__v1__cell_results_record__free_unpacked(r2, NULL);
}

static void garbage_is_refused_not_crashed(void **state)
{
    const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
    (void)state;
    assert_null(cellscan__v1__scan_request__unpack(NULL, sizeof(junk), junk));
    assert_null(cellscan__v1__cell_results_record__unpack(NULL, 3, junk));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_message_round_trips),
        cmocka_unit_test(other_oneof_members_round_trip),
        cmocka_unit_test(garbage_is_refused_not_crashed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
