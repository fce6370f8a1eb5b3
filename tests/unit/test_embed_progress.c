/* lib/embed/progress: counting a scan's cells and accounts from its
 * manifest and results (each cell once, whatever the redeliveries; other
 * scans, unknown cells and malformed ids ignored; results before the
 * manifest counted when it comes) and the progress line, bar and plain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "embed/progress.h"

/* A manifest of scan-1: accounts 111.., 222.., 333.. x ec2, s3 (333's
 * cells listed twice), and 444.. skipped. */
struct manifest {
    Cellscan__V1__ScanManifest m;
    char *cells[8];
    char *accounts[3];
    Cellscan__V1__SkippedAccount skip;
    Cellscan__V1__SkippedAccount *skipped[1];
};

static void build_manifest(struct manifest *f, const char *scan_id)
{
    static char *cells[] = {
        "aws_ec2:111111111111", "aws_s3:111111111111", "aws_ec2:222222222222",
        "aws_s3:222222222222",  "aws_ec2:333333333333", "aws_s3:333333333333",
        "aws_ec2:333333333333", "aws_s3:333333333333"};
    static char *accounts[] = {"333333333333", "111111111111", "222222222222"};

    cellscan__v1__scan_manifest__init(&f->m);
    cellscan__v1__skipped_account__init(&f->skip);
    memcpy(f->cells, cells, sizeof(cells));
    memcpy(f->accounts, accounts, sizeof(accounts));
    f->m.scan_id = (char *)scan_id;
    f->m.cell_ids = f->cells;
    f->m.n_cell_ids = 8;
    f->m.account_ids = f->accounts;
    f->m.n_account_ids = 3;
    f->skip.account_id = "444444444444";
    f->skip.reason = "suspended";
    f->skipped[0] = &f->skip;
    f->m.skipped = f->skipped;
    f->m.n_skipped = 1;
}

static void result(cs_progress_t *p, const char *scan_id, const char *cell_id,
                   Cellscan__V1__CellStatus status, uint64_t throttles)
{
    Cellscan__V1__CellResult r = CELLSCAN__V1__CELL_RESULT__INIT;
    struct cs_err err = CS_ERR_INIT;

    r.scan_id = (char *)scan_id;
    r.cell_id = (char *)cell_id;
    r.status = status;
    r.throttle_events = throttles;
    assert_int_equal(cs_progress_result(p, &r, &err), CS_OK);
}

/* The counters of p: cells done and failed, accounts done, throttles. */
static void expect(const cs_progress_t *p, uint64_t done, uint64_t failed,
                   uint64_t accounts_done, uint64_t throttles)
{
    struct cs_progress_snap s;

    cs_progress_get(p, &s);
    assert_int_equal(s.cells_done, done);
    assert_int_equal(s.cells_failed, failed);
    assert_int_equal(s.accounts_done, accounts_done);
    assert_int_equal(s.throttles, throttles);
}

static void counts_cells_and_accounts_once(void **state)
{
    struct manifest f;
    struct cs_progress_snap s;
    cs_progress_t *p = cs_progress_new("scan-1", NULL);
    (void)state;

    assert_non_null(p);
    build_manifest(&f, "scan-1");
    assert_int_equal(cs_progress_manifest(p, &f.m, NULL), CS_OK);
    cs_progress_get(p, &s);
    assert_true(s.have_manifest);
    assert_int_equal(s.cells_total, 6);
    assert_int_equal(s.accounts_total, 3);
    assert_int_equal(s.skipped, 1);
    assert_int_equal(s.cells_done + s.accounts_done + s.throttles, 0);

    result(p, "scan-1", "aws_ec2:111111111111", CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE, 2);
    /* a redelivery, a better one, another scan, an unknown cell: nothing */
    result(p, "scan-1", "aws_ec2:111111111111", CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE, 2);
    result(p, "scan-1", "aws_ec2:111111111111", CELLSCAN__V1__CELL_STATUS__CELL_EMPTY, 9);
    result(p, "scan-2", "aws_s3:111111111111", CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE, 5);
    result(p, "scan-1", "aws_rds:111111111111", CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE, 5);
    expect(p, 1, 0, 0, 2);

    result(p, "scan-1", "aws_s3:111111111111", CELLSCAN__V1__CELL_STATUS__CELL_EMPTY, 0);
    result(p, "scan-1", "aws_ec2:222222222222", CELLSCAN__V1__CELL_STATUS__CELL_FAILED, 0);
    result(p, "scan-1", "aws_s3:222222222222", CELLSCAN__V1__CELL_STATUS__CELL_FAILED, 0);
    result(p, "scan-1", "aws_ec2:333333333333", CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL, 1);
    expect(p, 5, 2, 2, 3);

    result(p, "scan-1", "aws_s3:333333333333", CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE, 0);
    expect(p, 6, 2, 3, 3);
    cs_progress_destroy(p);
}

static void results_before_the_manifest(void **state)
{
    struct manifest f, other;
    struct cs_progress_snap s;
    cs_progress_t *p = cs_progress_new("scan-1", NULL);
    (void)state;

    result(p, "scan-1", "aws_ec2:111111111111", CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE, 4);
    result(p, "scan-1", "aws_ec2:111111111111", CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE, 4);
    result(p, "scan-1", "aws_s3:111111111111", CELLSCAN__V1__CELL_STATUS__CELL_FAILED, 0);
    cs_progress_get(p, &s);
    assert_false(s.have_manifest);
    assert_int_equal(s.cells_done, 0);

    /* another scan's manifest does not open this one */
    build_manifest(&other, "scan-2");
    assert_int_equal(cs_progress_manifest(p, &other.m, NULL), CS_OK);
    cs_progress_get(p, &s);
    assert_false(s.have_manifest);

    build_manifest(&f, "scan-1");
    assert_int_equal(cs_progress_manifest(p, &f.m, NULL), CS_OK);
    expect(p, 2, 1, 1, 4);

    /* a second manifest changes nothing */
    f.m.n_cell_ids = 2;
    assert_int_equal(cs_progress_manifest(p, &f.m, NULL), CS_OK);
    cs_progress_get(p, &s);
    assert_int_equal(s.cells_total, 6);
    cs_progress_destroy(p);
}

/* Cell ids that name no account are nobody's cells; an account listed
 * without cells is done from the start. */
static void malformed_ids_and_empty_accounts(void **state)
{
    char *cells[] = {"aws_ec2:111111111111", "not-a-cell", "aws_ec2:"};
    char *accounts[] = {"111111111111", "999999999999"};
    Cellscan__V1__ScanManifest m = CELLSCAN__V1__SCAN_MANIFEST__INIT;
    struct cs_progress_snap s;
    cs_progress_t *p = cs_progress_new("scan-1", NULL);
    (void)state;

    m.scan_id = "scan-1";
    m.cell_ids = cells;
    m.n_cell_ids = 3;
    m.account_ids = accounts;
    m.n_account_ids = 2;
    assert_int_equal(cs_progress_manifest(p, &m, NULL), CS_OK);
    result(p, "scan-1", "not-a-cell", CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE, 0);
    cs_progress_get(p, &s);
    assert_int_equal(s.cells_total, 1);
    assert_int_equal(s.accounts_total, 2);
    expect(p, 0, 0, 1, 0);
    result(p, "scan-1", "aws_ec2:111111111111", CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE, 0);
    expect(p, 1, 0, 2, 0);
    cs_progress_destroy(p);
}

static void bad_scan_ids(void **state)
{
    char longid[CS_PROGRESS_SCAN_ID_MAX + 2];
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    assert_null(cs_progress_new("", &err));
    assert_int_equal(err.code, CS_ERR_INVALID);
    assert_null(cs_progress_new(NULL, &err));
    assert_null(cs_progress_new(longid, &err));
    cs_progress_destroy(NULL);
}

/* The line drawn for s after ms milliseconds is want. */
static void expect_line(const struct cs_progress_snap *s, int64_t ms,
                        enum cs_progress_style style, int width, const char *want)
{
    struct cs_buf b = CS_BUF_INIT(4096);

    assert_int_equal(cs_progress_line(s, ms, style, width, &b), CS_OK);
    assert_string_equal(cs_buf_str(&b), want);
    cs_buf_free(&b);
}

static void lines(void **state)
{
    struct cs_progress_snap s;
    (void)state;

    memset(&s, 0, sizeof(s));
    expect_line(&s, 1500, CS_PROGRESS_PLAIN, 80,
                "progress: resolving accounts, 0:01 elapsed\n");
    expect_line(&s, 1500, CS_PROGRESS_BAR, 60,
                "[..........]  resolving accounts  0:01 elapsed");

    s.have_manifest = 1;
    s.cells_total = 49;
    s.cells_done = 31;
    s.cells_failed = 3;
    s.accounts_total = 7;
    s.accounts_done = 5;
    s.throttles = 1;
    expect_line(&s, 125000, CS_PROGRESS_PLAIN, 0,
                "progress: 31/49 cells (3 failed), 5/7 accounts, "
                "1 throttle, 2:05 elapsed\n");
    /* the widest bar: 40 columns, 25 of them filled (31/49 of 40) */
    expect_line(&s, 4000, CS_PROGRESS_BAR, 200,
                "[#########################..............."
                "]  31/49 cells (3 failed)  5/7 accounts  1 throttle"
                "  0:04 elapsed");
    /* a narrow terminal: the narrowest bar, then the line is cut */
    expect_line(&s, 4000, CS_PROGRESS_BAR, 30,
                "[######....]  31/49 cells (3 f");
    s.cells_done = 49;
    s.cells_failed = 0;
    s.throttles = 8;
    /* 80 columns: a bar of 16, whatever the counters say */
    expect_line(&s, 10000, CS_PROGRESS_BAR, 80,
                "[################]  49/49 cells  "
                "5/7 accounts  8 throttles  0:10 elapsed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_cells_and_accounts_once),
        cmocka_unit_test(results_before_the_manifest),
        cmocka_unit_test(malformed_ids_and_empty_accounts),
        cmocka_unit_test(bad_scan_ids),
        cmocka_unit_test(lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
