/* compliance: the cell outcome table row by row, the per-cell accumulator
 * (counts, capped smallest violations, regions, types), the fold on
 * hand-computed scans (dedupe, deadline, rollup, permission_denied,
 * evidence, violation cap, skipped accounts), and property tests on
 * thousands of random scans with a fixed seed: score bounds, totals,
 * byte-identical reports under permutation and duplication of results,
 * the rollup table, and incremental == pure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/cell.h"
#include "compliance/outcome.h"
#include "compliance/scan.h"
#include "compliance/topn.h"
#include "compliance/violation.h"
#include "policy/policy.h"
#include "wire/names.h"

#define EV(x) CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_##x
#define CELL(x) CELLSCAN__V1__CELL_STATUS__CELL_##x
#define SCAN(x) CELLSCAN__V1__SCAN_STATUS__SCAN_##x
#define KIND(x) CELLSCAN__V1__VIOLATION_KIND__##x

typedef Cellscan__V1__CellResult Result;
typedef Cellscan__V1__ScanManifest Manifest;
typedef Cellscan__V1__ScanReport Report;
typedef Cellscan__V1__Violation Violation;

static const struct cs_fold_opts fold_plain = {0, 1000, 5000};
static const struct cs_fold_opts fold_final = {1, 1000, 5000};

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    assert_non_null(p);
    return p;
}

static void msg_free(void *m)
{
    protobuf_c_message_free_unpacked(m, NULL);
}

/* Packs any message; caller frees *out. */
static size_t pack(const void *m, uint8_t **out)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    *out = xcalloc(n, 1);
    assert_int_equal(protobuf_c_message_pack(m, *out), n);
    return n;
}

static void assert_same_bytes(const void *a, const void *b)
{
    uint8_t *x, *y;
    size_t nx = pack(a, &x), ny = pack(b, &y);

    assert_int_equal(nx, ny);
    assert_memory_equal(x, y, nx);
    free(x);
    free(y);
}

/* ------------------------------------------------------------ builders */

#define MAX_CELLS 64
#define MAX_ACCOUNTS 16

/* Manifest of every (account, category) pair. */
static Manifest *mk_manifest(const char *scan_id, const char *const *accounts,
                             size_t na, const char *const *cats, size_t nc)
{
    Manifest *m = xcalloc(1, sizeof(*m));
    char id[64];
    size_t i, j;

    cellscan__v1__scan_manifest__init(m);
    m->scan_id = xstrdup(scan_id);
    m->client_id = xstrdup("acme");
    m->requested_at_ms = 1000;
    m->deadline_at_ms = 4000;
    m->cell_ids = xcalloc(na * nc, sizeof(char *));
    m->account_ids = xcalloc(na, sizeof(char *));
    m->skipped = xcalloc(8, sizeof(*m->skipped));
    for (i = 0; i < na; i++) {
        m->account_ids[m->n_account_ids++] = xstrdup(accounts[i]);
        for (j = 0; j < nc; j++)
            m->cell_ids[m->n_cell_ids++] =
                xstrdup(cs_cell_id(cats[j], accounts[i], id, sizeof(id)));
    }
    return m;
}

static void mk_skipped(Manifest *m, const char *account, const char *reason)
{
    Cellscan__V1__SkippedAccount *s = xcalloc(1, sizeof(*s));

    cellscan__v1__skipped_account__init(s);
    s->account_id = xstrdup(account);
    s->reason = xstrdup(reason);
    m->skipped[m->n_skipped++] = s;
}

static Result *mk_result(const char *scan_id, const char *cat,
                         const char *account, Cellscan__V1__CellStatus st,
                         Cellscan__V1__EvidenceStatus ev, const char *reason,
                         uint64_t total, uint64_t compliant, uint64_t nviol)
{
    Result *r = xcalloc(1, sizeof(*r));
    char id[64];

    cellscan__v1__cell_result__init(r);
    r->schema_version = 1;
    r->scan_id = xstrdup(scan_id);
    r->client_id = xstrdup("acme");
    r->cell_id = xstrdup(cs_cell_id(cat, account, id, sizeof(id)));
    r->account_id = xstrdup(account);
    r->category = xstrdup(cat);
    r->status = st;
    r->evidence_status = ev;
    r->reason = xstrdup(reason);
    r->error_code = xstrdup(strcmp(reason, CS_REASON_ASSUME_ROLE_DENIED) == 0
                                ? "AccessDenied"
                                : "");
    r->record_count = total;
    r->total = total;
    r->compliant = compliant;
    r->violation_count = nviol;
    r->violations = xcalloc(16, sizeof(*r->violations));
    r->resource_types = xcalloc(8, sizeof(*r->resource_types));
    return r;
}

static void mk_violation(Result *r, const char *arn, const char *key,
                         Cellscan__V1__ViolationKind kind, const char *found)
{
    Violation *v = xcalloc(1, sizeof(*v));

    cellscan__v1__violation__init(v);
    v->arn = xstrdup(arn);
    v->resource_type = xstrdup("ec2:instance");
    v->region = xstrdup("us-east-1");
    v->account_id = xstrdup(r->account_id);
    v->tag_key = xstrdup(key);
    v->kind = kind;
    v->found_value = xstrdup(found);
    r->violations[r->n_violations++] = v;
    r->violations_truncated = r->violation_count - r->n_violations;
}

static void mk_type(Result *r, const char *type, uint64_t total,
                    uint64_t compliant)
{
    Cellscan__V1__TypeCount *t = xcalloc(1, sizeof(*t));

    cellscan__v1__type_count__init(t);
    t->resource_type = xstrdup(type);
    t->total = total;
    t->compliant = compliant;
    r->resource_types[r->n_resource_types++] = t;
}

static Report *fold(const Manifest *m, Result *const *rs, size_t n,
                    const struct cs_fold_opts *o)
{
    struct cs_err err = CS_ERR_INIT;
    Report *rep = NULL;

    if (cs_fold(m, (const Result *const *)rs, n, o, &rep, &err) != CS_OK)
        fail_msg("fold: %s", err.msg);
    return rep;
}

static const Cellscan__V1__Evidence *evidence(const Report *rep,
                                              const char *key)
{
    size_t i;

    for (i = 0; i < rep->n_evidence_completeness; i++)
        if (strcmp(rep->evidence_completeness[i]->key, key) == 0)
            return rep->evidence_completeness[i];
    return NULL;
}

/* --------------------------------------------------------------- topn */

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void topn_keeps_smallest(void **state)
{
    unsigned seed = 7;
    int round;
    (void)state;

    for (round = 0; round < 200; round++) {
        size_t cap = (size_t)(rand_r(&seed) % 12), n = (size_t)(rand_r(&seed) % 60), i, got;
        int *all = xcalloc(n, sizeof(int)), **kept;
        cs_topn_t *t = cs_topn_new(cap, cmp_int, free, NULL);

        assert_non_null(t);
        for (i = 0; i < n; i++) {
            int *item = xcalloc(1, sizeof(int));
            *item = all[i] = (int)(rand_r(&seed) % 40);
            if (cs_topn_wants(t, item))
                cs_topn_push(t, item);
            else
                free(item);
        }
        qsort(all, n, sizeof(int), cmp_int);
        kept = (int **)cs_topn_take_sorted(t, &got);
        assert_int_equal(got, n < cap ? n : cap);
        for (i = 0; i < got; i++) {
            assert_int_equal(*kept[i], all[i]);
            free(kept[i]);
        }
        free(kept);
        assert_int_equal(cs_topn_count(t), 0);
        cs_topn_destroy(t);
        free(all);
    }
}

/* ------------------------------------------------------- outcome table */

static void expect_outcome(const struct cs_outcome_in *in,
                           Cellscan__V1__CellStatus st,
                           Cellscan__V1__EvidenceStatus ev, const char *reason,
                           const char *code)
{
    struct cs_outcome out;

    cs_outcome_decide(in, &out);
    assert_string_equal(cs_cell_status_name(out.status), cs_cell_status_name(st));
    assert_string_equal(cs_evidence_status_name(out.evidence), cs_evidence_status_name(ev));
    assert_string_equal(out.reason, reason);
    assert_string_equal(out.error_code, code);
}

static void outcome_table(void **state)
{
    struct cs_region_status mixed_failures[] = {
        {EV(UNAVAILABLE_NOT_ENABLED), "OptInRequired"},
        {EV(UNAVAILABLE_ERROR), "InternalError"},
        {EV(UNAVAILABLE_NO_ACCESS), "AccessDenied"},
    };
    struct cs_region_status not_enabled[] = {
        {EV(UNAVAILABLE_NOT_ENABLED), NULL},
        {EV(UNAVAILABLE_NOT_ENABLED), "OptInRequired"},
    };
    struct cs_region_status errors[] = {
        {EV(UNAVAILABLE_NOT_ENABLED), NULL},
        {EV(UNAVAILABLE_ERROR), "ServiceUnavailable"},
        {EV(UNAVAILABLE_ERROR), "InternalError"},
    };
    struct cs_region_status troubled[] = {
        {EV(OK), NULL},
        {EV(UNAVAILABLE_NOT_ENABLED), NULL},
        {EV(PARTIAL), "Throttling"},
        {EV(UNAVAILABLE_NO_ACCESS), "AccessDenied"},
    };
    struct cs_region_status one_error[] = {
        {EV(OK), NULL},
        {EV(UNAVAILABLE_ERROR), "InternalError"},
    };
    struct cs_region_status fine[] = {
        {EV(OK), NULL},
        {EV(UNAVAILABLE_NOT_ENABLED), NULL},
    };
    struct cs_outcome_in in;
    (void)state;

    /* row 1: AssumeRole denied, before anything else */
    memset(&in, 0, sizeof(in));
    in.assume_role = CS_ASSUME_ROLE_DENIED;
    in.assume_role_error = "AccessDenied";
    in.timed_out = 1;
    in.regions = troubled;
    in.nregions = 4;
    expect_outcome(&in, CELL(FAILED), EV(UNAVAILABLE_NO_ACCESS),
                   "assume_role_denied", "AccessDenied");
    /* row 2: AssumeRole failed otherwise */
    in.assume_role = CS_ASSUME_ROLE_FAILED;
    in.assume_role_error = "InvalidClientTokenId";
    expect_outcome(&in, CELL(FAILED), EV(UNAVAILABLE_ERROR),
                   "assume_role_failed", "InvalidClientTokenId");
    /* row 3: the time limit, even when regions failed */
    in.assume_role = CS_ASSUME_ROLE_OK;
    expect_outcome(&in, CELL(PARTIAL), EV(PARTIAL), "cell_timeout", "");
    in.timeout_error = "RequestTimeout";
    expect_outcome(&in, CELL(PARTIAL), EV(PARTIAL), "cell_timeout", "RequestTimeout");
    in.timed_out = 0;
    /* row 4: every region unavailable; no-access wins, then all
     * not-enabled, else error; the code is the deciding region's */
    in.regions = mixed_failures;
    in.nregions = 3;
    expect_outcome(&in, CELL(FAILED), EV(UNAVAILABLE_NO_ACCESS),
                   "region_failures", "AccessDenied");
    in.regions = not_enabled;
    in.nregions = 2;
    expect_outcome(&in, CELL(FAILED), EV(UNAVAILABLE_NOT_ENABLED),
                   "region_failures", "");
    in.regions = errors;
    in.nregions = 3;
    expect_outcome(&in, CELL(FAILED), EV(UNAVAILABLE_ERROR), "region_failures",
                   "ServiceUnavailable");
    /* row 5: any region partial, no-access or error */
    in.regions = troubled;
    in.nregions = 4;
    in.record_count = 9;
    expect_outcome(&in, CELL(PARTIAL), EV(PARTIAL), "region_failures", "Throttling");
    in.regions = one_error;
    in.nregions = 2;
    expect_outcome(&in, CELL(PARTIAL), EV(PARTIAL), "region_failures", "InternalError");
    /* rows 6 and 7: not-enabled regions never make a cell partial */
    in.regions = fine;
    in.nregions = 2;
    expect_outcome(&in, CELL(AVAILABLE), EV(OK), "", "");
    in.record_count = 0;
    expect_outcome(&in, CELL(EMPTY), EV(OK), "", "");
    /* no region at all is not "every region unavailable" */
    in.nregions = 0;
    expect_outcome(&in, CELL(EMPTY), EV(OK), "", "");
}

static void rollup_table(void **state)
{
    (void)state;
    assert_int_equal(cs_rollup(0, 0, 0), SCAN(OK));
    assert_int_equal(cs_rollup(1, 1, 0), SCAN(FAILED));
    assert_int_equal(cs_rollup(3, 3, 0), SCAN(FAILED));
    assert_int_equal(cs_rollup(3, 0, 3), SCAN(OK));
    assert_int_equal(cs_rollup(3, 1, 2), SCAN(PARTIAL));
    assert_int_equal(cs_rollup(3, 0, 2), SCAN(PARTIAL));
    assert_int_equal(cs_rollup(2, 0, 0), SCAN(PARTIAL));
}

/* ---------------------------------------------------------- accumulator */

static const char *const regions3[] = {"us-east-1", "eu-west-1", "ap-south-1"};

static cs_cell_t *new_cell(size_t cap)
{
    struct cs_cell_opts o = {"scan-1", "acme", "111111111111", "ec2", "w-1",
                             regions3, 3, cap};
    struct cs_err err = CS_ERR_INIT;
    cs_cell_t *c = cs_cell_new(&o, &err);

    if (c == NULL)
        fail_msg("cs_cell_new: %s", err.msg);
    return c;
}

struct fed {
    char arn[80];
    const char *type, *region;
    struct cs_tag tags[2];
    size_t ntags;
};

/* Resource i of a synthetic ec2 cell: Owner missing when i % 3 == 0, Env
 * "qa" (invalid) when i % 4 == 1. */
static void make_fed(struct fed *f, int i)
{
    snprintf(f->arn, sizeof(f->arn),
             "arn:aws:ec2:us-east-1:111111111111:instance/i-%03d", (i * 37) % 100);
    f->type = i % 5 == 0 ? "ec2:volume" : "ec2:instance";
    f->region = i % 2 ? "eu-west-1" : "us-east-1";
    f->ntags = 0;
    if (i % 3 != 0)
        f->tags[f->ntags++] = (struct cs_tag){"Owner", "ann"};
    if (i % 4 == 0)
        f->tags[f->ntags++] = (struct cs_tag){"Env", "prod"};
    else if (i % 4 == 1)
        f->tags[f->ntags++] = (struct cs_tag){"Env", "qa"};
}

static Violation *expected_violation(const struct fed *f, const char *key,
                                     Cellscan__V1__ViolationKind kind,
                                     const char *found)
{
    Violation *v = xcalloc(1, sizeof(*v));

    cellscan__v1__violation__init(v);
    v->arn = xstrdup(f->arn);
    v->tag_key = xstrdup(key);
    v->kind = kind;
    v->found_value = xstrdup(found);
    v->resource_type = xstrdup(f->type);
    v->region = xstrdup(f->region);
    v->account_id = xstrdup("111111111111");
    return v;
}

static void feed_cell(cs_cell_t *c, const cs_policy_t *p, const int *order,
                      int n)
{
    struct cs_err err = CS_ERR_INIT;
    int k;

    for (k = 0; k < n; k++) {
        struct fed f;
        struct cs_resource r;
        make_fed(&f, order[k]);
        r = (struct cs_resource){f.arn, f.type, f.region, "111111111111",
                                 f.tags, f.ntags};
        if (cs_cell_eval(c, p, &r, &err) != CS_OK)
            fail_msg("cs_cell_eval: %s", err.msg);
    }
}

static void report_regions(cs_cell_t *c)
{
    struct cs_region_outcome a = {"us-east-1", EV(OK), NULL, 10, 1, 1, 40};
    struct cs_region_outcome b = {"eu-west-1", EV(OK), NULL, 5, 0, 0, 30};
    struct cs_region_outcome d = {"ap-south-1", EV(UNAVAILABLE_NOT_ENABLED), "OptInRequired", 0, 0, 0, 1};

    assert_int_equal(cs_cell_region(c, &a, NULL), CS_OK);
    assert_int_equal(cs_cell_region(c, &b, NULL), CS_OK);
    assert_int_equal(cs_cell_region(c, &d, NULL), CS_OK);
}

static int cmp_violation_ptr(const void *a, const void *b)
{
    return cs_violation_cmp_cell(*(void *const *)a, *(void *const *)b);
}

static void accumulator_counts_and_cap(void **state)
{
    cs_policy_t *p = NULL;
    const char *pol = "{\"rules\": [{\"key\": \"Owner\", \"required\": true},"
                      " {\"key\": \"Env\", \"allowed_values\": [\"prod\", \"dev\"]}]}";
    int order[40], shuffled[40], i;
    uint64_t compliant = 0, nviol = 0;
    Violation *all[80];
    size_t nall = 0, k;
    Result *r1 = NULL, *r2 = NULL;
    cs_cell_t *c1, *c2;
    unsigned seed = 3;
    (void)state;

    assert_int_equal(cs_policy_parse(pol, strlen(pol), &p, NULL), CS_OK);
    for (i = 0; i < 40; i++) {
        order[i] = shuffled[i] = i;
        int missing = i % 3 == 0, invalid = i % 4 == 1;
        struct fed f;
        make_fed(&f, i);
        compliant += !missing && !invalid;
        nviol += (uint64_t)(missing + invalid);
        /* the expected violations, built independently */
        if (missing)
            all[nall++] = expected_violation(&f, "Owner", KIND(MISSING_REQUIRED_TAG), "");
        if (invalid)
            all[nall++] = expected_violation(&f, "Env", KIND(INVALID_VALUE), "qa");
    }
    for (i = 39; i > 0; i--) {
        int j = (int)(rand_r(&seed) % (unsigned)(i + 1)), t = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = t;
    }
    qsort(all, nall, sizeof(all[0]), cmp_violation_ptr);

    c1 = new_cell(5);
    c2 = new_cell(5);
    feed_cell(c1, p, order, 40);
    feed_cell(c2, p, shuffled, 40);
    report_regions(c1);
    report_regions(c2);
    cs_cell_add_cost(c1, 2, 0, 0);
    cs_cell_add_cost(c2, 2, 0, 0);
    assert_int_equal(cs_cell_result(c1, 100, 190, &r1, NULL), CS_OK);
    assert_int_equal(cs_cell_result(c2, 100, 190, &r2, NULL), CS_OK);

    assert_string_equal(r1->cell_id, "aws_ec2:111111111111");
    assert_int_equal(r1->status, CELL(AVAILABLE));
    assert_int_equal(r1->evidence_status, EV(OK));
    assert_string_equal(r1->reason, "");
    assert_string_equal(r1->error_code, "");
    assert_int_equal(r1->total, 40);
    assert_int_equal(r1->record_count, 40);
    assert_int_equal(r1->compliant, compliant);
    assert_int_equal(r1->violation_count, nviol);
    assert_int_equal(r1->n_violations, 5);
    assert_int_equal(r1->violations_truncated, nviol - 5);
    for (k = 0; k < 5; k++) {
        assert_string_equal(r1->violations[k]->arn, all[k]->arn);
        assert_string_equal(r1->violations[k]->tag_key, all[k]->tag_key);
        assert_int_equal(r1->violations[k]->kind, all[k]->kind);
        assert_string_equal(r1->violations[k]->found_value, all[k]->found_value);
    }
    assert_int_equal(r1->api_call_count, 17);
    assert_int_equal(r1->retry_count, 1);
    assert_int_equal(r1->wall_time_ms, 90);
    assert_int_equal(r1->n_regions, 3);
    assert_string_equal(r1->regions[0]->region, "us-east-1");
    assert_int_equal(r1->regions[0]->record_count, 20);
    assert_int_equal(r1->regions[1]->record_count, 20);
    assert_int_equal(r1->regions[2]->record_count, 0);
    assert_string_equal(r1->regions[2]->error_code, "OptInRequired");
    assert_int_equal(r1->n_resource_types, 2);
    assert_string_equal(r1->resource_types[0]->resource_type, "ec2:instance");
    assert_int_equal(r1->resource_types[0]->total, 32);
    assert_string_equal(r1->resource_types[1]->resource_type, "ec2:volume");
    assert_int_equal(r1->resource_types[1]->total, 8);
    assert_int_equal(r1->resource_types[0]->compliant + r1->resource_types[1]->compliant,
                     compliant);
    /* the kept set does not depend on the order resources came in */
    assert_same_bytes(r1, r2);

    for (k = 0; k < nall; k++)
        msg_free(all[k]);
    cs_cell_result_free(r1);
    cs_cell_result_free(r2);
    cs_cell_destroy(c1);
    cs_cell_destroy(c2);
    cs_policy_destroy(p);
}

static void accumulator_outcomes(void **state)
{
    struct cs_region_outcome ok = {"us-east-1", EV(OK), NULL, 1, 0, 0, 1};
    struct cs_region_outcome denied = {"eu-west-1", EV(UNAVAILABLE_NO_ACCESS), "UnauthorizedOperation", 1, 0, 0, 1};
    struct cs_region_outcome off = {"ap-south-1", EV(UNAVAILABLE_NOT_ENABLED), NULL, 0, 0, 0, 0};
    struct cs_region_outcome bogus = {"us-east-1", 9, NULL, 0, 0, 0, 0};
    struct cs_region_outcome elsewhere = {"mars-1", EV(OK), NULL, 0, 0, 0, 0};
    struct cs_err err = CS_ERR_INIT;
    Result *r = NULL;
    cs_cell_t *c;
    (void)state;

    /* AssumeRole denied: no region ran */
    c = new_cell(10);
    cs_cell_assume_role_failed(c, 1, "AccessDenied");
    assert_int_equal(cs_cell_result(c, 0, 0, &r, &err), CS_OK);
    assert_int_equal(r->status, CELL(FAILED));
    assert_int_equal(r->evidence_status, EV(UNAVAILABLE_NO_ACCESS));
    assert_string_equal(r->reason, "assume_role_denied");
    assert_string_equal(r->error_code, "AccessDenied");
    assert_int_equal(r->n_regions, 0);
    cs_cell_result_free(r);
    cs_cell_destroy(c);

    /* a region without an outcome is a bug, named */
    c = new_cell(10);
    assert_int_equal(cs_cell_region(c, &ok, NULL), CS_OK);
    assert_int_equal(cs_cell_result(c, 0, 0, &r, &err), CS_ERR_INVALID);
    assert_null(r);
    assert_string_equal(err.msg, "cell ec2/111111111111: region eu-west-1 has no outcome");
    assert_int_equal(cs_cell_region(c, &ok, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "cell ec2/111111111111: region us-east-1 already has an outcome");
    assert_int_equal(cs_cell_region(c, &elsewhere, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "cell ec2/111111111111: region \"mars-1\" is not in the scope");
    bogus.region = "eu-west-1";
    assert_int_equal(cs_cell_region(c, &bogus, &err), CS_ERR_INVALID);
    /* region failure: partial, with the deciding region's code */
    assert_int_equal(cs_cell_region(c, &denied, NULL), CS_OK);
    assert_int_equal(cs_cell_region(c, &off, NULL), CS_OK);
    assert_int_equal(cs_cell_result(c, 0, 0, &r, &err), CS_OK);
    assert_int_equal(r->status, CELL(PARTIAL));
    assert_string_equal(r->reason, "region_failures");
    assert_string_equal(r->error_code, "UnauthorizedOperation");
    assert_int_equal(r->status, CELL(PARTIAL));
    cs_cell_result_free(r);
    /* the time limit overrides, and needs no outcome for later regions */
    cs_cell_destroy(c);
    c = new_cell(10);
    assert_int_equal(cs_cell_region(c, &ok, NULL), CS_OK);
    cs_cell_timed_out(c, NULL);
    assert_int_equal(cs_cell_result(c, 0, 0, &r, &err), CS_OK);
    assert_int_equal(r->status, CELL(PARTIAL));
    assert_string_equal(r->reason, "cell_timeout");
    assert_string_equal(r->error_code, "");
    assert_int_equal(r->n_regions, 1);
    cs_cell_result_free(r);
    cs_cell_destroy(c);

    /* empty cell */
    c = new_cell(0);
    ok.region = "us-east-1";
    assert_int_equal(cs_cell_region(c, &ok, NULL), CS_OK);
    off.region = "eu-west-1";
    assert_int_equal(cs_cell_region(c, &off, NULL), CS_OK);
    off.region = "ap-south-1";
    assert_int_equal(cs_cell_region(c, &off, NULL), CS_OK);
    assert_int_equal(cs_cell_result(c, 0, 0, &r, &err), CS_OK);
    assert_int_equal(r->status, CELL(EMPTY));
    assert_int_equal(r->evidence_status, EV(OK));
    cs_cell_result_free(r);
    cs_cell_destroy(c);
}

static void accumulator_bad_options(void **state)
{
    const char *dup[] = {"us-east-1", "us-east-1"};
    struct cs_cell_opts o = {"s", "c", "", "ec2", NULL, NULL, 0, 10};
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    assert_null(cs_cell_new(&o, &err));
    assert_int_equal(err.code, CS_ERR_INVALID);
    o.account_id = "111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111";
    assert_null(cs_cell_new(&o, &err));
    assert_string_equal(err.msg, "cell: category and account_id too long for a cell id");
    o.account_id = "111111111111";
    o.regions = dup;
    o.nregions = 2;
    assert_null(cs_cell_new(&o, &err));
    assert_string_equal(err.msg, "cell: region us-east-1 listed twice");
    cs_cell_destroy(NULL);
    cs_cell_result_free(NULL);
}

/* ---------------------------------------------------------------- fold */

static const char *const acc2[] = {"222222222222", "111111111111"};
static const char *const cat2[] = {"ec2", "s3"};

static void fold_scenario(void **state)
{
    Manifest *m = mk_manifest("scan-1", acc2, 2, cat2, 2);
    Result *rs[3];
    Report *rep;
    const Cellscan__V1__AccountReport *a;
    const Cellscan__V1__Evidence *e;
    Report *fin;
    struct cs_fold_opts capped = {0, 2, 5000};
    (void)state;

    mk_skipped(m, "666666666666", "suspended");
    mk_skipped(m, "333333333333", "excluded_ou");
    rs[0] = mk_result("scan-1", "ec2", "111111111111", CELL(AVAILABLE), EV(OK), "", 10, 7, 4);
    mk_violation(rs[0], "arn:b", "Owner", KIND(MISSING_REQUIRED_TAG), "");
    mk_violation(rs[0], "arn:a", "Owner", KIND(WRONG_KEY_CASE), "owner");
    mk_violation(rs[0], "arn:a", "Env", KIND(INVALID_VALUE), "qa");
    mk_type(rs[0], "ec2:volume", 4, 3);
    mk_type(rs[0], "ec2:instance", 6, 4);
    rs[0]->api_call_count = 5;
    rs[1] = mk_result("scan-1", "s3", "111111111111", CELL(EMPTY), EV(OK), "", 0, 0, 0);
    rs[2] = mk_result("scan-1", "ec2", "222222222222", CELL(FAILED),
                      EV(UNAVAILABLE_NO_ACCESS), "assume_role_denied", 0, 0, 0);

    rep = fold(m, rs, 3, &capped);
    assert_string_equal(rep->scan_id, "scan-1");
    assert_string_equal(rep->client_id, "acme");
    assert_int_equal(rep->schema_version, 1);
    assert_int_equal(rep->started_at_ms, 1000);
    assert_int_equal(rep->finished_at_ms, 5000);
    assert_int_equal(rep->status, SCAN(PARTIAL));
    assert_int_equal(rep->overall->total, 10);
    assert_int_equal(rep->overall->compliant, 7);
    assert_int_equal(rep->overall->violations, 4);
    assert_true(rep->overall->score == 0.7);
    assert_false(rep->overall->no_data);
    assert_int_equal(rep->overall->cells_expected, 4);
    assert_int_equal(rep->overall->cells_with_data, 2);
    assert_true(rep->overall->coverage == 0.5);
    assert_int_equal(rep->n_accounts, 2);
    a = rep->accounts[0];
    assert_string_equal(a->account_id, "111111111111");
    assert_int_equal(a->status, SCAN(OK));
    assert_true(a->totals->score == 0.7);
    assert_true(a->totals->coverage == 1.0);
    assert_int_equal(a->n_resource_types, 2);
    assert_string_equal(a->resource_types[0]->resource_type, "ec2:instance");
    assert_int_equal(a->resource_types[0]->compliant, 4);
    a = rep->accounts[1];
    assert_string_equal(a->account_id, "222222222222");
    assert_int_equal(a->status, SCAN(FAILED));
    assert_true(a->totals->no_data);
    assert_true(a->totals->score == 1.0);
    assert_true(a->totals->coverage == 0.0);
    assert_int_equal(a->totals->cells_expected, 2);
    assert_int_equal(rep->errors->n_permission_denied, 1);
    assert_string_equal(rep->errors->permission_denied[0], "222222222222");
    /* before the deadline a missing cell has no evidence */
    assert_int_equal(rep->n_evidence_completeness, 3);
    assert_string_equal(rep->evidence_completeness[0]->key, "aws_ec2:111111111111");
    assert_string_equal(rep->evidence_completeness[1]->key, "aws_ec2:222222222222");
    assert_string_equal(rep->evidence_completeness[2]->key, "aws_s3:111111111111");
    e = evidence(rep, "aws_ec2:222222222222");
    assert_int_equal(e->status, EV(UNAVAILABLE_NO_ACCESS));
    assert_string_equal(e->reason, "assume_role_denied");
    assert_string_equal(e->error_code, "AccessDenied");
    assert_int_equal(evidence(rep, "aws_ec2:111111111111")->api_call_count, 5);
    /* the 2 smallest of 3, by (account, arn, tag_key, kind) */
    assert_int_equal(rep->n_violations, 2);
    assert_string_equal(rep->violations[0]->arn, "arn:a");
    assert_string_equal(rep->violations[0]->tag_key, "Env");
    assert_string_equal(rep->violations[1]->tag_key, "Owner");
    assert_int_equal(rep->violations_truncated, 1 + 1);
    assert_int_equal(rep->n_skipped_accounts, 2);
    assert_string_equal(rep->skipped_accounts[0]->account_id, "333333333333");
    assert_string_equal(rep->skipped_accounts[1]->reason, "suspended");

    /* at the deadline: the missing cell fails */
    fin = fold(m, rs, 3, &fold_final);
    e = evidence(fin, "aws_s3:222222222222");
    assert_non_null(e);
    assert_int_equal(fin->n_evidence_completeness, 4);
    assert_int_equal(e->status, EV(UNAVAILABLE_ERROR));
    assert_string_equal(e->reason, "deadline_exceeded");
    assert_string_equal(e->error_code, "");
    assert_int_equal(e->record_count, 0);
    assert_int_equal(fin->accounts[1]->status, SCAN(FAILED));
    assert_int_equal(fin->status, SCAN(PARTIAL));
    assert_int_equal(fin->n_violations, 3);
    assert_int_equal(fin->violations_truncated, 1);
    cs_report_free(fin);
    cs_report_free(rep);
    msg_free(rs[0]);
    msg_free(rs[1]);
    msg_free(rs[2]);
    msg_free(m);
}

static void fold_status_rollup(void **state)
{
    const char *const one[] = {"111111111111"};
    Manifest *m = mk_manifest("s", one, 1, cat2, 2);
    Result *ok = mk_result("s", "ec2", "111111111111", CELL(AVAILABLE), EV(OK), "", 1, 1, 0);
    Result *empty = mk_result("s", "s3", "111111111111", CELL(EMPTY), EV(OK), "", 0, 0, 0);
    Result *f1 = mk_result("s", "ec2", "111111111111", CELL(FAILED), EV(UNAVAILABLE_ERROR), "region_failures", 0, 0, 0);
    Result *f2 = mk_result("s", "s3", "111111111111", CELL(FAILED), EV(UNAVAILABLE_ERROR), "region_failures", 0, 0, 0);
    Result *part = mk_result("s", "s3", "111111111111", CELL(PARTIAL), EV(PARTIAL), "cell_timeout", 2, 1, 1);
    Result *v[2];
    Report *rep;
    (void)state;

    v[0] = ok; v[1] = empty;
    rep = fold(m, v, 2, &fold_plain);
    assert_int_equal(rep->status, SCAN(OK));
    assert_int_equal(rep->accounts[0]->status, SCAN(OK));
    cs_report_free(rep);
    v[0] = f1; v[1] = f2;
    rep = fold(m, v, 2, &fold_plain);
    assert_int_equal(rep->status, SCAN(FAILED));
    assert_true(rep->overall->no_data);
    assert_true(rep->overall->coverage == 0.0);
    cs_report_free(rep);
    v[0] = f1; v[1] = empty;
    rep = fold(m, v, 2, &fold_plain);
    assert_int_equal(rep->status, SCAN(PARTIAL));
    cs_report_free(rep);
    v[0] = ok; v[1] = part;
    rep = fold(m, v, 2, &fold_plain);
    assert_int_equal(rep->status, SCAN(PARTIAL));
    assert_true(rep->overall->coverage == 1.0);
    cs_report_free(rep);
    /* no result yet: nothing considered, ok; at the deadline, failed */
    rep = fold(m, v, 0, &fold_plain);
    assert_int_equal(rep->status, SCAN(OK));
    assert_int_equal(rep->n_evidence_completeness, 0);
    cs_report_free(rep);
    rep = fold(m, v, 0, &fold_final);
    assert_int_equal(rep->status, SCAN(FAILED));
    assert_int_equal(rep->n_evidence_completeness, 2);
    cs_report_free(rep);
    msg_free(ok); msg_free(empty); msg_free(f1); msg_free(f2); msg_free(part);
    msg_free(m);
}

static void fold_normalises_numbers(void **state)
{
    const char *const one[] = {"111111111111"};
    const char *const ec2[] = {"ec2"};
    Manifest *m = mk_manifest("s", one, 1, ec2, 1);
    Result *r = mk_result("s", "ec2", "111111111111", CELL(AVAILABLE), EV(OK), "", 5, 9, 1);
    Report *rep;
    (void)state;

    mk_type(r, "ec2:instance", 5, 8);
    rep = fold(m, &r, 1, &fold_plain);
    assert_int_equal(rep->overall->compliant, 5);
    assert_int_equal(rep->overall->violations, 1);
    assert_true(rep->overall->score == 1.0);
    assert_int_equal(rep->accounts[0]->resource_types[0]->compliant, 5);
    cs_report_free(rep);
    r->compliant = 1;
    rep = fold(m, &r, 1, &fold_plain);
    /* 4 non-compliant resources carry at least 4 violations */
    assert_int_equal(rep->overall->violations, 4);
    cs_report_free(rep);
    msg_free(r);
    msg_free(m);
}

static void scan_dedupe_and_add_outcomes(void **state)
{
    Manifest *m = mk_manifest("s", acc2, 2, cat2, 2);
    Result *failed = mk_result("s", "ec2", "111111111111", CELL(FAILED), EV(UNAVAILABLE_ERROR), "region_failures", 0, 0, 0);
    Result *good = mk_result("s", "ec2", "111111111111", CELL(AVAILABLE), EV(OK), "", 3, 3, 0);
    Result *more = mk_result("s", "ec2", "111111111111", CELL(EMPTY), EV(OK), "", 5, 5, 0);
    Result *x = mk_result("s", "s3", "111111111111", CELL(PARTIAL), EV(PARTIAL), "region_failures", 2, 2, 0);
    Result *y = mk_result("s", "s3", "111111111111", CELL(PARTIAL), EV(PARTIAL), "region_failures", 2, 2, 0);
    Result *other_scan = mk_result("t", "s3", "222222222222", CELL(EMPTY), EV(OK), "", 0, 0, 0);
    Result *other_cell = mk_result("s", "rds", "222222222222", CELL(EMPTY), EV(OK), "", 0, 0, 0);
    Result *no_status = mk_result("s", "s3", "222222222222", 0, EV(OK), "", 0, 0, 0);
    struct cs_err err = CS_ERR_INIT;
    enum cs_scan_added added;
    cs_scan_t *s = cs_scan_new(m, &err);
    Result *order1[2], *order2[2];
    const Result *winner;
    Report *r1, *r2;
    uint8_t *bx, *by;
    size_t nx, ny, common;
    int c;
    (void)state;

    assert_non_null(s);
    assert_string_equal(cs_scan_id(s), "s");
    assert_int_equal(cs_scan_deadline_ms(s), 4000);
    assert_int_equal(cs_scan_expected(s), 4);
    /* failed, then available, then the larger record_count (available =
     * empty in rank); duplicates and worse results change nothing;
     * another scan, an unexpected cell, no status: ignored */
    {
        const struct {
            const Result *r;
            enum cs_scan_added want;
        } steps[] = {
            {failed, CS_SCAN_ADDED},     {failed, CS_SCAN_UNCHANGED},
            {good, CS_SCAN_REPLACED},    {failed, CS_SCAN_UNCHANGED},
            {more, CS_SCAN_REPLACED},    {good, CS_SCAN_UNCHANGED},
            {other_scan, CS_SCAN_IGNORED}, {other_cell, CS_SCAN_IGNORED},
            {no_status, CS_SCAN_IGNORED},
        };
        size_t k;
        for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
            assert_int_equal(cs_scan_add(s, steps[k].r, &added, NULL), CS_OK);
            assert_int_equal(added, steps[k].want);
        }
    }
    assert_int_equal(cs_scan_add(s, NULL, &added, &err), CS_ERR_INVALID);
    assert_int_equal(cs_scan_received(s), 1);
    assert_false(cs_scan_complete(s));

    /* same rank and count: the greater packed bytes win, in any order */
    x->api_call_count = 7;
    y->api_call_count = 300;
    nx = pack(x, &bx);
    ny = pack(y, &by);
    common = nx < ny ? nx : ny;
    c = memcmp(bx, by, common);
    winner = (c > 0 || (c == 0 && nx > ny)) ? x : y;
    order1[0] = x; order1[1] = y;
    order2[0] = y; order2[1] = x;
    r1 = fold(m, order1, 2, &fold_plain);
    r2 = fold(m, order2, 2, &fold_plain);
    assert_same_bytes(r1, r2);
    assert_int_equal(evidence(r1, "aws_s3:111111111111")->api_call_count,
                     winner->api_call_count);
    cs_report_free(r1);
    cs_report_free(r2);
    free(bx);
    free(by);

    cs_scan_destroy(s);
    msg_free(failed); msg_free(good); msg_free(more); msg_free(x); msg_free(y);
    msg_free(other_scan); msg_free(other_cell); msg_free(no_status);
    msg_free(m);
}

static void scan_bad_manifest(void **state)
{
    const char *const one[] = {"111111111111"};
    const char *const ec2[] = {"ec2"};
    Manifest *m = mk_manifest("s", one, 1, ec2, 1);
    struct cs_err err = CS_ERR_INIT;
    Report *rep = NULL;
    (void)state;

    free(m->cell_ids[0]);
    m->cell_ids[0] = xstrdup("ec2:111111111111");
    assert_null(cs_scan_new(m, &err));
    assert_int_equal(err.code, CS_ERR_INVALID);
    assert_string_equal(err.msg, "manifest: cell id \"ec2:111111111111\" is not "
                                 "aws_<category>:<account_id>");
    assert_int_equal(cs_fold(m, NULL, 0, &fold_plain, &rep, NULL), CS_ERR_INVALID);
    assert_null(rep);
    assert_int_equal(cs_fold(NULL, NULL, 0, &fold_plain, &rep, NULL), CS_ERR_INVALID);
    cs_scan_destroy(NULL);
    cs_report_free(NULL);
    msg_free(m);
}

/* ------------------------------------------------------ property tests */

static const char *const all_cats[] = {"ec2", "s3", "rds", "lambda", "ecs", "eks", "tagging"};
static const char *const reasons[] = {"", "region_failures", "cell_timeout",
                                      "assume_role_denied", "assume_role_failed"};
static const char *const types[] = {"ec2:instance", "ec2:volume", "s3:bucket", "rds:db"};

struct gen {
    unsigned seed;
    Manifest *m;
    Result *results[MAX_CELLS * 4];
    size_t nresults;
    const char *accounts[MAX_ACCOUNTS];
    char account_buf[MAX_ACCOUNTS][16];
    size_t naccounts;
};

static unsigned rnd(struct gen *g, unsigned n)
{
    return n ? (unsigned)rand_r(&g->seed) % n : 0;
}

static Result *random_result(struct gen *g, const char *scan, const char *cat,
                             const char *acc)
{
    static const Cellscan__V1__CellStatus st[] = {CELL(AVAILABLE), CELL(EMPTY),
                                                  CELL(PARTIAL), CELL(FAILED)};
    uint64_t total = rnd(g, 30), compliant, nviol;
    Result *r;
    char arn[48], key[8];
    unsigned i, nv;

    /* mostly consistent numbers, sometimes a producer's nonsense */
    compliant = rnd(g, 10) == 0 ? rnd(g, 40) : (total ? rnd(g, (unsigned)total + 1) : 0);
    nviol = rnd(g, 10) == 0 ? rnd(g, 3) : total - (compliant < total ? compliant : total) + rnd(g, 5);
    r = mk_result(scan, cat, acc, rnd(g, 25) == 0 ? 0 : st[rnd(g, 4)],
                  (Cellscan__V1__EvidenceStatus)(1 + rnd(g, 5)), reasons[rnd(g, 5)],
                  total, compliant, nviol);
    nv = (unsigned)(nviol < 6 ? nviol : 6);
    for (i = 0; i < nv; i++) {
        snprintf(arn, sizeof(arn), "arn:aws:ec2:r:%s:instance/i-%u", acc, rnd(g, 8));
        snprintf(key, sizeof(key), "k%u", rnd(g, 3));
        mk_violation(r, arn, key, (Cellscan__V1__ViolationKind)(1 + rnd(g, 3)),
                     rnd(g, 2) ? "v" : "");
    }
    r->violations_truncated = nviol - nv;
    for (i = 0; i < rnd(g, 4); i++) {
        uint64_t t = rnd(g, 10);
        mk_type(r, types[rnd(g, 4)], t, rnd(g, (unsigned)t + 2));
    }
    r->api_call_count = rnd(g, 100);
    r->throttle_events = rnd(g, 3);
    r->wall_time_ms = rnd(g, 1000);
    return r;
}

static void generate(struct gen *g)
{
    const char *cats[7];
    size_t nc = 0, i, j;

    g->naccounts = rnd(g, 6);
    for (i = 0; i < g->naccounts; i++) {
        snprintf(g->account_buf[i], sizeof(g->account_buf[i]), "%012u",
                 100000 + rnd(g, 9) * 11111);
        g->accounts[i] = g->account_buf[i];
    }
    for (i = 0; i < 7; i++)
        if (rnd(g, 3) == 0)
            cats[nc++] = all_cats[i];
    g->m = mk_manifest("scan-p", g->accounts, g->naccounts, cats, nc);
    if (rnd(g, 3) == 0)
        mk_skipped(g->m, "999999999999", "suspended");
    if (rnd(g, 3) == 0)
        mk_skipped(g->m, "888888888888", "excluded_ou");
    g->nresults = 0;
    for (i = 0; i < g->m->n_cell_ids; i++) {
        char cat[32], acc[32];
        unsigned variants = rnd(g, 5) == 0 ? 0 : 1 + rnd(g, 3);
        cs_cell_id_split(g->m->cell_ids[i], cat, sizeof(cat), acc, sizeof(acc));
        for (j = 0; j < variants && g->nresults < MAX_CELLS * 4 - 2; j++)
            g->results[g->nresults++] = random_result(g, "scan-p", cat, acc);
    }
    /* stray results: another scan, a cell nobody expects */
    g->results[g->nresults++] = random_result(g, "scan-q", "ec2", "111111111111");
    g->results[g->nresults++] = random_result(g, "scan-p", "iam", "111111111111");
}

static void generated_free(struct gen *g)
{
    size_t i;

    for (i = 0; i < g->nresults; i++)
        msg_free(g->results[i]);
    msg_free(g->m);
}

/* Shuffled copy of the results with random duplicates. */
static size_t permute_duplicate(struct gen *g, Result **out)
{
    size_t n = 0, i;

    for (i = 0; i < g->nresults; i++) {
        unsigned copies = 1 + (rnd(g, 4) == 0 ? rnd(g, 3) : 0);
        while (copies-- > 0)
            out[n++] = g->results[i];
    }
    for (i = n; i > 1; i--) {
        size_t j = rnd(g, (unsigned)i);
        Result *t = out[i - 1];
        out[i - 1] = out[j];
        out[j] = t;
    }
    return n;
}

static int status_ok(Cellscan__V1__CellStatus s)
{
    return s == CELL(AVAILABLE) || s == CELL(EMPTY);
}

/* The rank order of the dedupe rule, by the test's own packing. */
static int better(const Result *a, const Result *b)
{
    int ra = status_ok(a->status) ? 3 : a->status == CELL(PARTIAL) ? 2 : 1;
    int rb = status_ok(b->status) ? 3 : b->status == CELL(PARTIAL) ? 2 : 1;
    uint8_t *x, *y;
    size_t nx, ny;
    int c;

    if (ra != rb)
        return ra > rb;
    if (a->record_count != b->record_count)
        return a->record_count > b->record_count;
    nx = pack(a, &x);
    ny = pack(b, &y);
    c = memcmp(x, y, nx < ny ? nx : ny);
    free(x);
    free(y);
    return c > 0 || (c == 0 && nx > ny);
}

/* 1 when cell id j of m already occurred earlier (a manifest may repeat
 * an id; the fold treats cell ids as a set). */
static int repeated_cell(const Manifest *m, size_t j)
{
    size_t i;

    for (i = 0; i < j; i++)
        if (strcmp(m->cell_ids[i], m->cell_ids[j]) == 0)
            return 1;
    return 0;
}

/* Checks the report against the kept result of each cell, chosen by the
 * test itself, and the invariants of docs/compliance.md. */
static void check_report(struct gen *g, const Report *rep, int finalize,
                         size_t cap)
{
    uint64_t sum_total = 0, sum_compliant = 0, sum_viol = 0, listed = 0, trunc = 0;
    size_t i, j, cells_total = 0, nev = 0;

    for (i = 0; i < rep->n_accounts; i++) {
        const Cellscan__V1__AccountReport *a = rep->accounts[i];
        const Cellscan__V1__Totals *t = a->totals;
        size_t considered = 0, failed = 0, ok = 0, with_data = 0, expected = 0;
        uint64_t total = 0, compliant = 0;

        if (i > 0)
            assert_true(strcmp(rep->accounts[i - 1]->account_id, a->account_id) < 0);
        assert_true(t->score >= 0.0 && t->score <= 1.0);
        assert_true(t->coverage >= 0.0 && t->coverage <= 1.0);
        assert_true(t->compliant <= t->total);
        assert_true(t->violations >= t->total - t->compliant);
        assert_int_equal(t->no_data, t->total == 0);
        for (j = 0; j < g->m->n_cell_ids; j++) {
            char cat[32], acc[32];
            const Result *kept = NULL;
            size_t k;
            cs_cell_id_split(g->m->cell_ids[j], cat, sizeof(cat), acc, sizeof(acc));
            if (strcmp(acc, a->account_id) != 0 || repeated_cell(g->m, j))
                continue;
            expected++;
            for (k = 0; k < g->nresults; k++) {
                const Result *r = g->results[k];
                if (strcmp(r->scan_id, "scan-p") != 0 || r->status == 0 ||
                    strcmp(r->cell_id, g->m->cell_ids[j]) != 0)
                    continue;
                if (kept == NULL || better(r, kept))
                    kept = r;
            }
            if (kept == NULL) {
                if (finalize) {
                    considered++;
                    failed++;
                    nev++;
                    assert_string_equal(evidence(rep, g->m->cell_ids[j])->reason,
                                        "deadline_exceeded");
                } else {
                    assert_null(evidence(rep, g->m->cell_ids[j]));
                }
                continue;
            }
            nev++;
            considered++;
            failed += kept->status == CELL(FAILED);
            ok += status_ok(kept->status);
            with_data += kept->status != CELL(FAILED);
            total += kept->total;
            compliant += kept->compliant < kept->total ? kept->compliant : kept->total;
            listed += kept->n_violations;
            trunc += kept->violations_truncated;
            assert_int_equal(evidence(rep, g->m->cell_ids[j])->status, kept->evidence_status);
            assert_int_equal(evidence(rep, g->m->cell_ids[j])->api_call_count,
                             kept->api_call_count);
        }
        assert_int_equal(t->total, total);
        assert_int_equal(t->compliant, compliant);
        assert_int_equal(t->cells_expected, expected);
        assert_int_equal(t->cells_with_data, with_data);
        cells_total += expected;
        /* the rollup table */
        if (considered > 0 && failed == considered)
            assert_int_equal(a->status, SCAN(FAILED));
        else if (ok == considered)
            assert_int_equal(a->status, SCAN(OK));
        else
            assert_int_equal(a->status, SCAN(PARTIAL));
        sum_total += t->total;
        sum_compliant += t->compliant;
        sum_viol += t->violations;
    }
    assert_int_equal(rep->overall->total, sum_total);
    assert_int_equal(rep->overall->compliant, sum_compliant);
    assert_int_equal(rep->overall->violations, sum_viol);
    assert_true(rep->overall->score >= 0.0 && rep->overall->score <= 1.0);
    assert_true(rep->overall->compliant <= rep->overall->total);
    assert_true(rep->overall->violations >= rep->overall->total - rep->overall->compliant);
    assert_int_equal(rep->overall->cells_expected, cells_total);
    assert_int_equal(rep->n_evidence_completeness, nev);
    for (i = 1; i < rep->n_evidence_completeness; i++)
        assert_true(strcmp(rep->evidence_completeness[i - 1]->key,
                           rep->evidence_completeness[i]->key) < 0);
    /* the capped, sorted violation list */
    assert_int_equal(rep->n_violations, listed < cap ? listed : cap);
    assert_int_equal(rep->violations_truncated, trunc + listed - rep->n_violations);
    for (i = 1; i < rep->n_violations; i++) {
        const Violation *p = rep->violations[i - 1], *q = rep->violations[i];
        int c = strcmp(p->account_id, q->account_id);
        if (c == 0)
            c = strcmp(p->arn, q->arn);
        if (c == 0)
            c = strcmp(p->tag_key, q->tag_key);
        if (c == 0)
            c = strcmp(cs_violation_kind_name(p->kind), cs_violation_kind_name(q->kind));
        assert_true(c <= 0);
    }
}

static void fold_properties(void **state)
{
    Result *shuffled[MAX_CELLS * 4 * 3];
    struct gen g;
    int round;
    (void)state;

    g.seed = 20261125;
    for (round = 0; round < 3000; round++) {
        struct cs_fold_opts o = {0, 0, 777};
        struct cs_err err = CS_ERR_INIT;
        Report *pure, *again, *inc = NULL, *snap = NULL;
        cs_scan_t *s;
        size_t n, i;

        generate(&g);
        o.finalize = (int)rnd(&g, 2);
        o.report_violations = rnd(&g, 3) == 0 ? rnd(&g, 4) : 1000;
        pure = fold(g.m, g.results, g.nresults, &o);
        check_report(&g, pure, o.finalize, o.report_violations);

        /* any permutation, any duplication: the same bytes */
        n = permute_duplicate(&g, shuffled);
        again = fold(g.m, shuffled, n, &o);
        assert_same_bytes(pure, again);

        /* incremental, with reports taken along the way */
        n = permute_duplicate(&g, shuffled);
        s = cs_scan_new(g.m, &err);
        assert_non_null(s);
        for (i = 0; i < n; i++) {
            assert_int_equal(cs_scan_add(s, shuffled[i], NULL, &err), CS_OK);
            if (rnd(&g, 8) == 0) {
                assert_int_equal(cs_scan_report(s, &o, &snap, &err), CS_OK);
                cs_report_free(snap);
            }
        }
        assert_int_equal(cs_scan_report(s, &o, &inc, &err), CS_OK);
        assert_same_bytes(pure, inc);
        /* complete exactly when no expected cell lacks a result */
        assert_int_equal(cs_scan_complete(s),
                         cs_scan_received(s) == cs_scan_expected(s));
        if (cs_scan_complete(s)) {
            struct cs_fold_opts fin = o;
            Report *r2 = NULL;
            fin.finalize = !o.finalize;
            assert_int_equal(cs_scan_report(s, &fin, &r2, &err), CS_OK);
            assert_same_bytes(inc, r2);
            cs_report_free(r2);
        }
        cs_scan_destroy(s);
        cs_report_free(inc);
        cs_report_free(again);
        cs_report_free(pure);
        generated_free(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(topn_keeps_smallest),
        cmocka_unit_test(outcome_table),
        cmocka_unit_test(rollup_table),
        cmocka_unit_test(accumulator_counts_and_cap),
        cmocka_unit_test(accumulator_outcomes),
        cmocka_unit_test(accumulator_bad_options),
        cmocka_unit_test(fold_scenario),
        cmocka_unit_test(fold_status_rollup),
        cmocka_unit_test(fold_normalises_numbers),
        cmocka_unit_test(scan_dedupe_and_add_outcomes),
        cmocka_unit_test(scan_bad_manifest),
        cmocka_unit_test(fold_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
