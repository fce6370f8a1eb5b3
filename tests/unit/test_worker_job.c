/* The worker's job checks (worker/job.h): a valid CellJob decodes; bytes
 * that are not a CellJob and each kind of invalid field are refused with
 * the reason a dead letter carries; the deadline test; and packing a
 * CellResult that is too large for a Kafka message by leaving out the
 * tail of its violations (counted as truncated). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/job.h"

static char *regions2[] = {"us-east-1", "eu-west-1"};
static char *cats[] = {"ec2", "s3"};

static void valid_job(Cellscan__V1__CellJob *j)
{
    cellscan__v1__cell_job__init(j);
    j->schema_version = 1;
    j->scan_id = "scan-2026:0001";
    j->client_id = "acme.corp_1";
    j->cell_id = "aws_ec2:111111111111";
    j->account_id = "111111111111";
    j->category = "ec2";
    j->n_regions = 2;
    j->regions = regions2;
    j->role_arn = "arn:aws:iam::111111111111:role/CellScanReadOnly";
    j->external_id = "x";
    j->session_duration_s = 3600;
    j->deadline_at_ms = 1700000000000LL;
    j->tag_policy_json = "{}";
    j->n_scan_categories = 2;
    j->scan_categories = cats;
}

/* Packs j and decodes it with cs_job_decode; returns the rc. */
static cs_rc roundtrip(const Cellscan__V1__CellJob *j, struct cs_err *err,
                       Cellscan__V1__CellJob **out)
{
    size_t n = cellscan__v1__cell_job__get_packed_size(j);
    uint8_t *buf = malloc(n ? n : 1);
    Cellscan__V1__CellJob *tmp = NULL;
    cs_rc rc;

    assert_non_null(buf);
    cellscan__v1__cell_job__pack(j, buf);
    rc = cs_job_decode(buf, n, out ? out : &tmp, err);
    cs_job_free(tmp);
    free(buf);
    return rc;
}

static void valid_job_decodes(void **state)
{
    Cellscan__V1__CellJob j, *out = NULL;
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    valid_job(&j);
    assert_int_equal(roundtrip(&j, &err, &out), CS_OK);
    assert_non_null(out);
    assert_string_equal(out->cell_id, "aws_ec2:111111111111");
    assert_int_equal(out->n_regions, 2);
    assert_string_equal(out->regions[1], "eu-west-1");
    cs_job_free(out);
    /* schema_version 0 (unset) and no deadline nor session are fine */
    j.schema_version = 0;
    j.session_duration_s = 0;
    j.deadline_at_ms = 0;
    assert_int_equal(roundtrip(&j, &err, NULL), CS_OK);
    cs_job_free(NULL);
}

static void bytes_that_are_no_job(void **state)
{
    static const uint8_t junk[] = {0xff, 0xff, 0xff};
    Cellscan__V1__CellJob *out = (Cellscan__V1__CellJob *)1;
    struct cs_err err = CS_ERR_INIT;
    uint8_t *big;

    (void)state;
    assert_int_equal(cs_job_decode(junk, sizeof(junk), &out, &err), CS_ERR_PARSE);
    assert_null(out);
    assert_string_equal(err.msg, "decode: not a valid cellscan.v1.CellJob (3 bytes)");
    /* empty bytes decode to an empty job, which is invalid */
    assert_int_equal(cs_job_decode("", 0, &out, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "invalid: client_id"));
    /* larger than any job we accept */
    big = calloc(1, CS_JOB_MAX_BYTES + 1);
    assert_non_null(big);
    assert_int_equal(cs_job_decode(big, CS_JOB_MAX_BYTES + 1, &out, &err),
                     CS_ERR_PARSE);
    free(big);
}

struct bad_case {
    const char *what;
    void (*edit)(Cellscan__V1__CellJob *j);
    const char *reason; /* substring of the message */
};

static char *one_bad_region[] = {"us-east-1", "US_EAST"};
static char *twice[] = {"us-east-1", "us-east-1"};
static char *empty_region[] = {""};
static char *many[CS_JOB_MAX_REGIONS + 1];

static void e_schema(Cellscan__V1__CellJob *j) { j->schema_version = 2; }
static void e_client(Cellscan__V1__CellJob *j) { j->client_id = "a:b"; }
static void e_client_empty(Cellscan__V1__CellJob *j) { j->client_id = ""; }
static void e_scan(Cellscan__V1__CellJob *j) { j->scan_id = "s/1"; }
static void e_account(Cellscan__V1__CellJob *j) { j->account_id = "11111111111"; }
static void e_account_alpha(Cellscan__V1__CellJob *j) { j->account_id = "11111111111a"; }
static void e_category(Cellscan__V1__CellJob *j) { j->category = "EC2"; }
static void e_category_empty(Cellscan__V1__CellJob *j) { j->category = ""; }
static void e_cell(Cellscan__V1__CellJob *j) { j->cell_id = "aws_s3:111111111111"; }
static void e_no_regions(Cellscan__V1__CellJob *j) { j->n_regions = 0; }
static void e_bad_region(Cellscan__V1__CellJob *j) { j->regions = one_bad_region; }
static void e_twice(Cellscan__V1__CellJob *j) { j->regions = twice; }
static void e_empty_region(Cellscan__V1__CellJob *j)
{
    j->regions = empty_region;
    j->n_regions = 1;
}
static void e_many(Cellscan__V1__CellJob *j)
{
    static char names[CS_JOB_MAX_REGIONS + 1][16];
    for (int i = 0; i <= CS_JOB_MAX_REGIONS; i++) {
        snprintf(names[i], sizeof(names[i]), "r-%d", i);
        many[i] = names[i];
    }
    j->regions = many;
    j->n_regions = CS_JOB_MAX_REGIONS + 1;
}
static void e_session_low(Cellscan__V1__CellJob *j) { j->session_duration_s = 899; }
static void e_session_high(Cellscan__V1__CellJob *j) { j->session_duration_s = 43201; }
static void e_deadline(Cellscan__V1__CellJob *j) { j->deadline_at_ms = -5; }

static void invalid_fields(void **state)
{
    const struct bad_case cases[] = {
        {"newer schema", e_schema, "invalid: schema_version 2 is newer"},
        {"client id with ':'", e_client, "invalid: client_id \"a:b\""},
        {"empty client id", e_client_empty, "invalid: client_id must be"},
        {"scan id with '/'", e_scan, "invalid: scan_id \"s/1\""},
        {"short account", e_account, "invalid: account_id \"11111111111\" is not 12 digits"},
        {"account with a letter", e_account_alpha, "is not 12 digits"},
        {"upper-case category", e_category, "invalid: category \"EC2\""},
        {"empty category", e_category_empty, "invalid: category \"\""},
        {"cell id of another category", e_cell, "invalid: cell_id \"aws_s3:111111111111\" is not aws_ec2:111111111111"},
        {"no regions", e_no_regions, "invalid: no regions"},
        {"bad region", e_bad_region, "invalid: region \"US_EAST\""},
        {"region twice", e_twice, "invalid: region us-east-1 listed twice"},
        {"empty region", e_empty_region, "invalid: region \"\""},
        {"too many regions", e_many, "invalid: 65 regions, at most 64"},
        {"session too short", e_session_low, "invalid: session_duration_s 899"},
        {"session too long", e_session_high, "invalid: session_duration_s 43201"},
        {"negative deadline", e_deadline, "invalid: deadline_at_ms -5"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Cellscan__V1__CellJob j;
        struct cs_err err = CS_ERR_INIT;

        valid_job(&j);
        cases[i].edit(&j);
        if (cs_job_check(&j, &err) != CS_ERR_INVALID ||
            strstr(err.msg, cases[i].reason) == NULL)
            fail_msg("%s: got \"%s\", want \"%s\"", cases[i].what, err.msg,
                     cases[i].reason);
        /* the same through the wire */
        assert_int_equal(roundtrip(&j, &err, NULL), CS_ERR_INVALID);
        assert_non_null(strstr(err.msg, cases[i].reason));
    }
}

static void deadline(void **state)
{
    Cellscan__V1__CellJob j;

    (void)state;
    valid_job(&j);
    assert_false(cs_job_expired(&j, 1700000000000LL - 1));
    assert_true(cs_job_expired(&j, 1700000000000LL));
    assert_true(cs_job_expired(&j, 1800000000000LL));
    j.deadline_at_ms = 0;
    assert_false(cs_job_expired(&j, 1800000000000LL));
}

/* A result with n violations of ~100 bytes each, sorted by arn. */
static Cellscan__V1__CellResult *result_with(size_t n)
{
    Cellscan__V1__CellResult *r = calloc(1, sizeof(*r));
    Cellscan__V1__Violation **v = calloc(n ? n : 1, sizeof(*v));

    assert_non_null(r);
    assert_non_null(v);
    cellscan__v1__cell_result__init(r);
    r->scan_id = strdup("scan-1");
    r->client_id = strdup("acme");
    r->cell_id = strdup("aws_ec2:111111111111");
    r->account_id = strdup("111111111111");
    r->category = strdup("ec2");
    r->status = CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE;
    r->total = n;
    r->violation_count = n + 7;
    r->violations_truncated = 7;
    r->n_violations = n;
    r->violations = v;
    for (size_t i = 0; i < n; i++) {
        char arn[96];
        v[i] = calloc(1, sizeof(*v[i]));
        assert_non_null(v[i]);
        cellscan__v1__violation__init(v[i]);
        snprintf(arn, sizeof(arn), "arn:aws:ec2:us-east-1:111111111111:instance/i-%08zu", i);
        v[i]->arn = strdup(arn);
        v[i]->resource_type = strdup("ec2:instance");
        v[i]->region = strdup("us-east-1");
        v[i]->account_id = strdup("111111111111");
        v[i]->tag_key = strdup("Owner");
        v[i]->kind = CELLSCAN__V1__VIOLATION_KIND__MISSING_REQUIRED_TAG;
    }
    return r;
}

static void free_result(Cellscan__V1__CellResult *r)
{
    cellscan__v1__cell_result__free_unpacked(r, NULL);
}

static Cellscan__V1__CellResult *unpack_result(const uint8_t *b, size_t n)
{
    Cellscan__V1__CellResultsRecord *rec =
        cellscan__v1__cell_results_record__unpack(NULL, n, b);
    Cellscan__V1__CellResult *r;

    assert_non_null(rec);
    assert_int_equal(rec->body_case, CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT);
    r = rec->result;
    rec->result = NULL;
    rec->body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY__NOT_SET;
    cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
    return r;
}

static void pack_fits(void **state)
{
    Cellscan__V1__CellResult *r = result_with(20), *back;
    struct cs_err err = CS_ERR_INIT;
    uint8_t *b = NULL;
    size_t n = 0, dropped = 99;

    (void)state;
    assert_int_equal(cs_job_pack_result(r, 1000000, &b, &n, &dropped, &err), CS_OK);
    assert_int_equal(dropped, 0);
    back = unpack_result(b, n);
    assert_int_equal(back->n_violations, 20);
    assert_int_equal(back->violations_truncated, 7);
    assert_string_equal(back->violations[19]->arn, r->violations[19]->arn);
    free_result(back);
    free(b);
    free_result(r);
}

static void pack_too_large_keeps_a_prefix(void **state)
{
    Cellscan__V1__CellResult *r = result_with(500), *back;
    struct cs_err err = CS_ERR_INIT;
    size_t full = 0, n = 0, dropped = 0, max;
    uint8_t *b = NULL;

    (void)state;
    assert_int_equal(cs_job_pack_result(r, SIZE_MAX, &b, &full, NULL, &err), CS_OK);
    free(b);
    max = full / 3;
    assert_int_equal(cs_job_pack_result(r, max, &b, &n, &dropped, &err), CS_OK);
    assert_true(n <= max);
    assert_true(dropped > 0 && dropped < 500);
    back = unpack_result(b, n);
    assert_int_equal(back->n_violations, 500 - dropped);
    assert_int_equal(back->violations_truncated, 7 + dropped);
    assert_int_equal(back->violation_count, 507);
    for (size_t i = 0; i < back->n_violations; i++)
        assert_string_equal(back->violations[i]->arn, r->violations[i]->arn);
    free_result(back);
    free(b);
    /* the largest prefix: one more violation would not fit */
    {
        Cellscan__V1__CellResult *r2 = result_with(500 - dropped + 1);
        uint8_t *b2 = NULL;
        size_t n2 = 0;
        assert_int_equal(cs_job_pack_result(r2, SIZE_MAX, &b2, &n2, NULL, &err), CS_OK);
        assert_true(n2 > max);
        free(b2);
        free_result(r2);
    }
    /* r is untouched */
    assert_int_equal(r->n_violations, 500);
    assert_int_equal(r->violations_truncated, 7);
    /* nothing fits: an error, not a result without its identity */
    assert_int_equal(cs_job_pack_result(r, 20, &b, &n, &dropped, &err), CS_ERR_LIMIT);
    assert_null(b);
    assert_non_null(strstr(err.msg, "aws_ec2:111111111111"));
    free_result(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_job_decodes),
        cmocka_unit_test(bytes_that_are_no_job),
        cmocka_unit_test(invalid_fields),
        cmocka_unit_test(deadline),
        cmocka_unit_test(pack_fits),
        cmocka_unit_test(pack_too_large_keeps_a_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
