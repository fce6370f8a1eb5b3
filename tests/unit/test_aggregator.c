/* The aggregator's pure parts: the commit point per partition (earliest
 * manifest of an open scan, else the next offset), the bounded set of
 * finished scans, the string map behind both, and the decoding and
 * validation of cell-results records (what goes to dead-letters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/closed.h"
#include "aggregator/offsets.h"
#include "aggregator/read.h"
#include "aggregator/record.h"
#include "aggregator/strmap.h"

/* ------------------------------------------------------------ offsets */

static int64_t point(cs_agg_offsets_t *o, int32_t p)
{
    int64_t next = -1;

    if (!cs_agg_offsets_commit_point(o, p, &next))
        return -1;
    return next;
}

static void commit_offset_pure(void **state)
{
    const int64_t pins[] = {40, 12, 30, 12};
    (void)state;

    assert_int_equal(cs_agg_commit_offset(NULL, 0, 17), 17);
    assert_int_equal(cs_agg_commit_offset(NULL, 0, -1), -1);
    assert_int_equal(cs_agg_commit_offset(pins, 4, 50), 12);
    assert_int_equal(cs_agg_commit_offset(pins, 1, 50), 40);
    /* a pin before anything was consumed still holds the point */
    assert_int_equal(cs_agg_commit_offset(pins + 2, 1, -1), 30);
}

/* The example of offsets.h, step by step. */
static void documented_example(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    cs_agg_offsets_t *o = cs_agg_offsets_new(&err);
    (void)state;

    assert_non_null(o);
    assert_int_equal(point(o, 0), -1); /* nothing consumed */
    assert_int_equal(cs_agg_offsets_consumed(o, 0, 10, &err), CS_OK);
    assert_int_equal(cs_agg_offsets_pin(o, 0, 10, &err), CS_OK);
    for (int64_t off = 11; off <= 15; off++)
        assert_int_equal(cs_agg_offsets_consumed(o, 0, off, &err), CS_OK);
    assert_int_equal(point(o, 0), 10);
    cs_agg_offsets_committed(o, 0, 10);
    assert_int_equal(point(o, 0), -1); /* nothing new */
    assert_int_equal(cs_agg_offsets_pin(o, 0, 13, &err), CS_OK);
    assert_int_equal(cs_agg_offsets_pins(o, 0), 2);
    assert_int_equal(point(o, 0), -1);
    assert_int_equal(cs_agg_offsets_unpin(o, 0, 10, &err), CS_OK);
    assert_int_equal(point(o, 0), 13);
    cs_agg_offsets_committed(o, 0, 13);
    assert_int_equal(cs_agg_offsets_unpin(o, 0, 13, &err), CS_OK);
    assert_int_equal(point(o, 0), 16);
    assert_int_equal(cs_agg_offsets_position(o, 0), 16);
    cs_agg_offsets_destroy(o);
}

static void partitions_pins_and_errors(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    cs_agg_offsets_t *o = cs_agg_offsets_new(NULL);
    (void)state;

    assert_int_equal(cs_agg_offsets_consumed(o, 1, 100, &err), CS_OK);
    assert_int_equal(cs_agg_offsets_consumed(o, 2, 5, &err), CS_OK);
    assert_int_equal(cs_agg_offsets_pin(o, 2, 5, &err), CS_OK);
    assert_int_equal(cs_agg_offsets_pin(o, 2, 5, &err), CS_OK); /* multiset */
    assert_int_equal(point(o, 1), 101);
    assert_int_equal(point(o, 2), 5);
    assert_int_equal(cs_agg_offsets_unpin(o, 2, 5, &err), CS_OK);
    assert_int_equal(point(o, 2), 5);
    assert_int_equal(cs_agg_offsets_unpin(o, 2, 5, &err), CS_OK);
    assert_int_equal(point(o, 2), 6);
    assert_int_equal(cs_agg_offsets_unpin(o, 2, 5, &err), CS_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "2/5 is not pinned"));
    assert_int_equal(cs_agg_offsets_unpin(o, 9, 5, &err), CS_ERR_NOTFOUND);
    /* an older offset handled late (never happens in order) keeps the
     * position where it was */
    assert_int_equal(cs_agg_offsets_consumed(o, 1, 50, &err), CS_OK);
    assert_int_equal(cs_agg_offsets_position(o, 1), 101);
    assert_int_equal(cs_agg_offsets_consumed(o, -1, 0, &err), CS_ERR_INVALID);
    assert_int_equal(cs_agg_offsets_pin(o, 0, -3, &err), CS_ERR_INVALID);
    assert_int_equal(cs_agg_offsets_position(o, 7), -1);
    assert_int_equal(cs_agg_offsets_pins(o, 7), 0);
    /* forget: a revoked partition starts again from nothing */
    cs_agg_offsets_committed(o, 1, 101);
    cs_agg_offsets_forget(o, 1);
    assert_int_equal(point(o, 1), -1);
    assert_int_equal(cs_agg_offsets_consumed(o, 1, 101, &err), CS_OK);
    assert_int_equal(point(o, 1), 102);
    cs_agg_offsets_forget(o, 42); /* unknown: no-op */
    for (int32_t p = 3; p < CS_AGG_MAX_PARTITIONS + 1; p++)
        assert_int_equal(cs_agg_offsets_consumed(o, p, 0, NULL), CS_OK);
    assert_int_equal(cs_agg_offsets_consumed(o, CS_AGG_MAX_PARTITIONS + 1, 0,
                                             &err), CS_ERR_LIMIT);
    cs_agg_offsets_destroy(o);
    cs_agg_offsets_destroy(NULL);
}

/* Random scans through one partition: manifests open scans, results and
 * other messages pass, scans close in any order. At every step the commit
 * point must be at or below every open manifest (a crash replays them
 * all), and must be the next offset when nothing is open (nothing is
 * replayed for nothing). Replaying from the point must also never need a
 * message below it. */
static void random_scans(void **state)
{
    enum { N = 5000, MAX_OPEN = 64 };
    struct cs_err err = CS_ERR_INIT;
    cs_agg_offsets_t *o = cs_agg_offsets_new(&err);
    int64_t open[MAX_OPEN];
    size_t nopen = 0;
    int64_t last = -1;
    (void)state;

    srand(7);
    for (int64_t off = 0; off < N; off++) {
        int r = rand() % 10;
        int64_t p;
        if (r < 2 && nopen < MAX_OPEN) {
            assert_int_equal(cs_agg_offsets_pin(o, 3, off, &err), CS_OK);
            open[nopen++] = off;
        } else if (r < 4 && nopen > 0) {
            size_t k = (size_t)rand() % nopen;
            assert_int_equal(cs_agg_offsets_unpin(o, 3, open[k], &err), CS_OK);
            open[k] = open[--nopen];
        }
        assert_int_equal(cs_agg_offsets_consumed(o, 3, off, &err), CS_OK);
        if (!cs_agg_offsets_commit_point(o, 3, &p))
            p = last;
        else
            cs_agg_offsets_committed(o, 3, p);
        for (size_t i = 0; i < nopen; i++)
            assert_true(p <= open[i]);
        if (nopen == 0)
            assert_int_equal(p, off + 1);
        assert_true(p >= last); /* never goes back */
        last = p;
    }
    cs_agg_offsets_destroy(o);
}

/* ------------------------------------------------------------ strmap */

static void strmap_basics(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    cs_strmap_t *m = cs_strmap_new(&err);
    int vals[3000];
    size_t cursor = 0, seen = 0;
    long sum = 0;
    void *v;
    (void)state;

    assert_non_null(m);
    for (int i = 0; i < 3000; i++) {
        char key[32];
        vals[i] = i;
        snprintf(key, sizeof(key), "scan-%d", i);
        assert_int_equal(cs_strmap_put(m, key, &vals[i], &err), CS_OK);
    }
    assert_int_equal(cs_strmap_count(m), 3000); /* grew past 64 buckets */
    assert_ptr_equal(cs_strmap_get(m, "scan-1234"), &vals[1234]);
    assert_null(cs_strmap_get(m, "scan-3000"));
    assert_int_equal(cs_strmap_put(m, "scan-7", &vals[8], &err), CS_OK);
    assert_ptr_equal(cs_strmap_get(m, "scan-7"), &vals[8]);
    assert_int_equal(cs_strmap_count(m), 3000);
    assert_int_equal(cs_strmap_put(m, "x", NULL, &err), CS_ERR_INVALID);
    assert_ptr_equal(cs_strmap_remove(m, "scan-7"), &vals[8]);
    assert_null(cs_strmap_remove(m, "scan-7"));
    assert_int_equal(cs_strmap_count(m), 2999);
    while (cs_strmap_next(m, &cursor, &v)) {
        sum += *(int *)v;
        seen++;
    }
    assert_int_equal(seen, 2999);
    assert_int_equal(sum, 2999L * 3000 / 2 - 7);
    cs_strmap_destroy(m);
    cs_strmap_destroy(NULL);
}

/* ------------------------------------------------------------ closed */

static void closed_set_is_fifo_bounded(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    cs_agg_closed_t *c = cs_agg_closed_new(3, &err);
    (void)state;

    assert_null(cs_agg_closed_new(0, &err));
    assert_int_equal(err.code, CS_ERR_INVALID);
    assert_non_null(c);
    assert_int_equal(cs_agg_closed_add(c, "a", &err), CS_OK);
    assert_int_equal(cs_agg_closed_add(c, "b", &err), CS_OK);
    assert_int_equal(cs_agg_closed_add(c, "a", &err), CS_OK); /* no change */
    assert_int_equal(cs_agg_closed_count(c), 2);
    assert_int_equal(cs_agg_closed_add(c, "c", &err), CS_OK);
    assert_int_equal(cs_agg_closed_add(c, "d", &err), CS_OK); /* drops a */
    assert_false(cs_agg_closed_has(c, "a"));
    assert_true(cs_agg_closed_has(c, "b"));
    assert_true(cs_agg_closed_has(c, "d"));
    assert_int_equal(cs_agg_closed_count(c), 3);
    for (int i = 0; i < 100; i++) {
        char id[16];
        snprintf(id, sizeof(id), "s%d", i);
        assert_int_equal(cs_agg_closed_add(c, id, &err), CS_OK);
    }
    assert_int_equal(cs_agg_closed_count(c), 3);
    assert_true(cs_agg_closed_has(c, "s99"));
    assert_true(cs_agg_closed_has(c, "s97"));
    assert_false(cs_agg_closed_has(c, "s96"));
    assert_false(cs_agg_closed_has(c, "d"));
    cs_agg_closed_destroy(c);
    cs_agg_closed_destroy(NULL);
}

/* ------------------------------------------------------------ records */

typedef Cellscan__V1__CellResultsRecord Record;

static size_t pack_record(const Record *r, uint8_t **out)
{
    size_t n = cellscan__v1__cell_results_record__get_packed_size(r);

    *out = malloc(n ? n : 1);
    assert_non_null(*out);
    return cellscan__v1__cell_results_record__pack(r, *out);
}

/* Packs a manifest record after letting edit change it. */
static size_t manifest_bytes(uint8_t **out, void (*edit)(Cellscan__V1__ScanManifest *))
{
    char *cells[] = {"aws_ec2:111111111111", "aws_s3:111111111111"};
    Cellscan__V1__ScanManifest m = CELLSCAN__V1__SCAN_MANIFEST__INIT;
    Record r = CELLSCAN__V1__CELL_RESULTS_RECORD__INIT;

    m.schema_version = 1;
    m.scan_id = "scan-1";
    m.client_id = "acme";
    m.cell_ids = cells;
    m.n_cell_ids = 2;
    m.deadline_at_ms = 1795645800000LL;
    if (edit)
        edit(&m);
    r.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST;
    r.manifest = &m;
    return pack_record(&r, out);
}

static size_t result_bytes(uint8_t **out, void (*edit)(Cellscan__V1__CellResult *))
{
    Cellscan__V1__CellResult c = CELLSCAN__V1__CELL_RESULT__INIT;
    Record r = CELLSCAN__V1__CELL_RESULTS_RECORD__INIT;

    c.schema_version = 1;
    c.scan_id = "scan-1";
    c.client_id = "acme";
    c.cell_id = "aws_ec2:111111111111";
    c.account_id = "111111111111";
    c.category = "ec2";
    c.status = CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE;
    c.total = c.record_count = 3;
    if (edit)
        edit(&c);
    r.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT;
    r.result = &c;
    return pack_record(&r, out);
}

static void m_no_deadline(Cellscan__V1__ScanManifest *m) { m->deadline_at_ms = 0; }
static void m_bad_client(Cellscan__V1__ScanManifest *m) { m->client_id = "a:b"; }
static void m_bad_scan(Cellscan__V1__ScanManifest *m) { m->scan_id = ""; }
static void m_bad_cell(Cellscan__V1__ScanManifest *m) { m->cell_ids[1] = "s3:111111111111"; }
static void r_bad_status(Cellscan__V1__CellResult *c) { c->status = 0; }
static void r_odd_status(Cellscan__V1__CellResult *c) { c->status = 9; }
static void r_bad_cell(Cellscan__V1__CellResult *c) { c->cell_id = "aws_ec2:"; }
static void r_bad_scan(Cellscan__V1__CellResult *c) { c->scan_id = "scan 1"; }

/* Each edit makes a valid record invalid; words are in the reason. */
static const struct {
    void (*m)(Cellscan__V1__ScanManifest *);
    void (*r)(Cellscan__V1__CellResult *);
    const char *words;
} refused[] = {
    {m_no_deadline, NULL, "invalid manifest: scan scan-1 has no deadline_at_ms"},
    {m_bad_client, NULL, "invalid manifest"},
    {m_bad_scan, NULL, "invalid manifest"},
    {m_bad_cell, NULL, "cell id \"s3:111111111111\" is not"},
    {NULL, r_bad_status, "status 0 is not a cell status"},
    {NULL, r_odd_status, "status 9 is not a cell status"},
    {NULL, r_bad_cell, "invalid result: scan scan-1: cell id \"aws_ec2:\""},
    {NULL, r_bad_scan, "invalid result"},
};

static void expect_refused(uint8_t *bytes, size_t len, cs_rc code,
                           const char *words)
{
    Record *rec = (Record *)1;
    struct cs_err err = CS_ERR_INIT;

    assert_int_equal(cs_agg_record_decode(bytes, len, &rec, &err), code);
    assert_null(rec);
    if (strstr(err.msg, words) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", err.msg, words);
    free(bytes);
}

static void records_decoded_and_validated(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    Record *rec = NULL;
    uint8_t *b = NULL;
    size_t n;
    (void)state;

    n = manifest_bytes(&b, NULL);
    assert_int_equal(cs_agg_record_decode(b, n, &rec, &err), CS_OK);
    assert_int_equal(rec->body_case, CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST);
    assert_string_equal(rec->manifest->scan_id, "scan-1");
    cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
    free(b);
    n = result_bytes(&b, NULL);
    assert_int_equal(cs_agg_record_decode(b, n, &rec, &err), CS_OK);
    assert_int_equal(rec->body_case, CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT);
    assert_int_equal(rec->result->total, 3);
    cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
    free(b);

    b = (uint8_t *)strdup("\xff\xff\xff garbage");
    expect_refused(b, strlen((char *)b), CS_ERR_PARSE,
                   "decode: not a valid cellscan.v1.CellResultsRecord (11 bytes)");
    /* zero bytes decode as a record without a body */
    expect_refused(NULL, 0, CS_ERR_PARSE, "neither a manifest nor a result");
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        n = refused[i].m ? manifest_bytes(&b, refused[i].m)
                         : result_bytes(&b, refused[i].r);
        expect_refused(b, n, CS_ERR_INVALID, refused[i].words);
    }

    assert_string_equal(cs_agg_reason_code(CS_ERR_PARSE), "decode");
    assert_string_equal(cs_agg_reason_code(CS_ERR_INVALID), "invalid");
}

/* ------------------------------------------------------------ read */

static void cells_done_excludes_deadline(void **state)
{
    Cellscan__V1__ScanReport r = CELLSCAN__V1__SCAN_REPORT__INIT;
    Cellscan__V1__Evidence e[3] = {CELLSCAN__V1__EVIDENCE__INIT,
                                   CELLSCAN__V1__EVIDENCE__INIT,
                                   CELLSCAN__V1__EVIDENCE__INIT};
    Cellscan__V1__Evidence *ev[3] = {&e[0], &e[1], &e[2]};
    (void)state;

    assert_int_equal(cs_agg_cells_done(&r), 0);
    e[1].reason = "deadline_exceeded";
    e[2].reason = "assume_role_denied";
    r.evidence_completeness = ev;
    r.n_evidence_completeness = 3;
    assert_int_equal(cs_agg_cells_done(&r), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(commit_offset_pure),
        cmocka_unit_test(documented_example),
        cmocka_unit_test(partitions_pins_and_errors),
        cmocka_unit_test(random_scans),
        cmocka_unit_test(strmap_basics),
        cmocka_unit_test(closed_set_is_fifo_bounded),
        cmocka_unit_test(records_decoded_and_validated),
        cmocka_unit_test(cells_done_excludes_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
