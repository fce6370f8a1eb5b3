/* bench_fold: CellResults folded per second by lib/compliance, for a scan
 * of 1,000 accounts × 7 categories (7,000 cells), each result carrying 3
 * regions, 2 resource types and up to 20 violations: the open scan's add
 * rate, the report from a full scan, the pure fold end to end, and the
 * fold of every result delivered twice in shuffled order.
 *
 *   bench_fold [accounts]     (default 1000)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "compliance/scan.h"
#include "util/clock.h"
#include "wire/names.h"

static const char *const cats[] = {"ec2", "s3", "rds", "lambda", "ecs", "eks", "tagging"};
static const char *const regions[] = {"us-east-1", "eu-west-1", "ap-south-1"};
#define NCATS 7

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dupf(const char *fmt, ...)
{
    char buf[128];
    char *s;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    s = strdup(buf);
    if (s == NULL)
        exit(1);
    return s;
}

static void *alloc(size_t n)
{
    void *p = calloc(n ? n : 1, 1);
    if (p == NULL)
        exit(1);
    return p;
}

static Cellscan__V1__CellResult *make_result(unsigned acct, unsigned cat,
                                             unsigned *seed)
{
    Cellscan__V1__CellResult *r = alloc(sizeof(*r));
    unsigned total = (unsigned)rand_r(seed) % 80, bad = total ? (unsigned)rand_r(seed) % (total + 1) : 0;
    unsigned nv = bad < 20 ? bad : 20, i;
    char id[64], acc[16];

    cellscan__v1__cell_result__init(r);
    snprintf(acc, sizeof(acc), "%012u", 100000000u + acct);
    r->schema_version = 1;
    r->scan_id = dupf("%s", "scan-bench");
    r->client_id = dupf("%s", "bench");
    r->cell_id = dupf("%s", cs_cell_id(cats[cat], acc, id, sizeof(id)));
    r->account_id = dupf("%s", acc);
    r->category = dupf("%s", cats[cat]);
    r->worker_id = dupf("%s", "worker-1");
    r->error_code = dupf("%s", "");
    r->reason = dupf("%s", "");
    r->status = total ? CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE : CELLSCAN__V1__CELL_STATUS__CELL_EMPTY;
    r->evidence_status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK;
    r->record_count = r->total = total;
    r->compliant = total - bad;
    r->violation_count = bad;
    r->violations_truncated = bad - nv;
    r->api_call_count = 12;
    r->wall_time_ms = 800;
    r->violations = alloc(nv * sizeof(*r->violations));
    for (i = 0; i < nv; i++) {
        Cellscan__V1__Violation *v = alloc(sizeof(*v));
        cellscan__v1__violation__init(v);
        v->arn = dupf("arn:aws:ec2:us-east-1:%s:instance/i-%08x", acc,
                      (unsigned)rand_r(seed));
        v->resource_type = dupf("%s", "ec2:instance");
        v->region = dupf("%s", "us-east-1");
        v->account_id = dupf("%s", acc);
        v->tag_key = dupf("%s", i % 2 ? "Owner" : "CostCenter");
        v->kind = (Cellscan__V1__ViolationKind)(1 + i % 3);
        v->found_value = dupf("%s", i % 3 == 0 ? "" : "x");
        r->violations[r->n_violations++] = v;
    }
    r->regions = alloc(3 * sizeof(*r->regions));
    for (i = 0; i < 3; i++) {
        Cellscan__V1__RegionResult *rr = alloc(sizeof(*rr));
        cellscan__v1__region_result__init(rr);
        rr->region = dupf("%s", regions[i]);
        rr->status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK;
        rr->error_code = dupf("%s", "");
        rr->record_count = total / 3;
        rr->api_call_count = 4;
        r->regions[r->n_regions++] = rr;
    }
    r->resource_types = alloc(2 * sizeof(*r->resource_types));
    for (i = 0; i < 2; i++) {
        Cellscan__V1__TypeCount *t = alloc(sizeof(*t));
        cellscan__v1__type_count__init(t);
        t->resource_type = dupf("%s:type-%c", cats[cat], 'a' + (int)i);
        t->total = i ? total / 2 : total - total / 2;
        t->compliant = t->total / 2;
        r->resource_types[r->n_resource_types++] = t;
    }
    return r;
}

static Cellscan__V1__ScanManifest *make_manifest(unsigned accounts)
{
    Cellscan__V1__ScanManifest *m = alloc(sizeof(*m));
    char id[64], acc[16];
    unsigned a, c;

    cellscan__v1__scan_manifest__init(m);
    m->scan_id = dupf("%s", "scan-bench");
    m->client_id = dupf("%s", "bench");
    m->cell_ids = alloc((size_t)accounts * NCATS * sizeof(char *));
    m->account_ids = alloc(accounts * sizeof(char *));
    for (a = 0; a < accounts; a++) {
        snprintf(acc, sizeof(acc), "%012u", 100000000u + a);
        m->account_ids[m->n_account_ids++] = dupf("%s", acc);
        for (c = 0; c < NCATS; c++)
            m->cell_ids[m->n_cell_ids++] = dupf("%s", cs_cell_id(cats[c], acc, id, sizeof(id)));
    }
    return m;
}

static void fail(const struct cs_err *err)
{
    fprintf(stderr, "bench_fold: %s\n", err->msg);
    exit(1);
}

int main(int argc, char **argv)
{
    unsigned accounts = argc > 1 ? (unsigned)atoi(argv[1]) : 1000, seed = 9, a, c;
    struct cs_fold_opts o = {1, 1000, 0};
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__ScanManifest *m;
    Cellscan__V1__CellResult **rs, **twice;
    Cellscan__V1__ScanReport *rep = NULL;
    size_t n, i, bytes = 0;
    cs_scan_t *s;
    int64_t t0, t1;
    struct rusage ru;

    if (accounts == 0)
        return 1;
    m = make_manifest(accounts);
    n = (size_t)accounts * NCATS;
    rs = alloc(n * sizeof(*rs));
    twice = alloc(2 * n * sizeof(*twice));
    for (a = 0; a < accounts; a++)
        for (c = 0; c < NCATS; c++)
            rs[a * NCATS + c] = make_result(a, c, &seed);
    for (i = 0; i < n; i++) {
        bytes += cellscan__v1__cell_result__get_packed_size(rs[i]);
        twice[2 * i] = twice[2 * i + 1] = rs[i];
    }
    for (i = 2 * n; i > 1; i--) {
        size_t j = (size_t)rand_r(&seed) % i;
        Cellscan__V1__CellResult *t = twice[i - 1];
        twice[i - 1] = twice[j];
        twice[j] = t;
    }
    printf("scan: %u accounts x %d categories = %zu CellResults, %.1f MiB packed\n",
           accounts, NCATS, n, (double)bytes / (1024.0 * 1024.0));

    s = cs_scan_new(m, &err);
    if (s == NULL)
        fail(&err);
    t0 = cs_mono_us();
    for (i = 0; i < n; i++)
        if (cs_scan_add(s, rs[i], NULL, &err) != CS_OK)
            fail(&err);
    t1 = cs_mono_us();
    printf("%-40s %10.0f results/s  (%.1f ms)\n", "open scan: add", (double)n * 1e6 / (double)(t1 - t0),
           (double)(t1 - t0) / 1000.0);
    t0 = cs_mono_us();
    if (cs_scan_report(s, &o, &rep, &err) != CS_OK)
        fail(&err);
    t1 = cs_mono_us();
    printf("%-40s %10.0f results/s  (%.1f ms, report %zu bytes packed)\n", "open scan: report",
           (double)n * 1e6 / (double)(t1 - t0), (double)(t1 - t0) / 1000.0,
           cellscan__v1__scan_report__get_packed_size(rep));
    cs_report_free(rep);
    cs_scan_destroy(s);

    t0 = cs_mono_us();
    if (cs_fold(m, (const Cellscan__V1__CellResult *const *)rs, n, &o, &rep, &err) != CS_OK)
        fail(&err);
    t1 = cs_mono_us();
    printf("%-40s %10.0f results/s  (%.1f ms)\n", "pure fold, end to end",
           (double)n * 1e6 / (double)(t1 - t0), (double)(t1 - t0) / 1000.0);
    cs_report_free(rep);

    t0 = cs_mono_us();
    if (cs_fold(m, (const Cellscan__V1__CellResult *const *)twice, 2 * n, &o, &rep, &err) != CS_OK)
        fail(&err);
    t1 = cs_mono_us();
    printf("%-40s %10.0f results/s  (%.1f ms for %zu deliveries)\n",
           "pure fold, every result twice, shuffled", (double)(2 * n) * 1e6 / (double)(t1 - t0),
           (double)(t1 - t0) / 1000.0, 2 * n);
    cs_report_free(rep);

    getrusage(RUSAGE_SELF, &ru);
    printf("max RSS %ld KiB\n", ru.ru_maxrss);
    for (i = 0; i < n; i++)
        protobuf_c_message_free_unpacked(&rs[i]->base, NULL);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    free(rs);
    free(twice);
    return 0;
}
