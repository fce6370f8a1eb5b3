/* The aggregator core as `cellscan run` embeds it: two cores on threads of
 * one process, one metrics registry, an in-process mock cluster and no
 * Redis (deps.store NULL). Every scan is reported once through the
 * on_report hook and on scan-results, equal to the pure fold; the stop
 * flag ends both cores within the drain bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/aggregator.h"
#include "bus/consumer.h"
#include "bus/mock.h"
#include "bus/producer.h"
#include "compliance/scan.h"
#include "metrics/fleet.h"
#include "util/clock.h"

#define NSCANS 6
#define CELLS 3
#define WAIT_MS 60000

static char *no_env[] = {NULL};

struct seen {
    pthread_mutex_t mu;
    char ids[32][64];
    uint8_t *bytes[32];
    size_t len[32];
    int n;
};

/* Runs on the cores' threads. */
static void on_report(void *ud, const Cellscan__V1__ScanReport *r)
{
    struct seen *s = ud;

    pthread_mutex_lock(&s->mu);
    if (s->n < 32) {
        snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", r->scan_id);
        s->len[s->n] = cellscan__v1__scan_report__get_packed_size(r);
        s->bytes[s->n] = malloc(s->len[s->n]);
        cellscan__v1__scan_report__pack(r, s->bytes[s->n]);
    }
    s->n++;
    pthread_mutex_unlock(&s->mu);
}

struct core {
    cs_aggregator_t *a;
    pthread_t th;
    int status;
};

static volatile sig_atomic_t stop;

static void *run_core(void *arg)
{
    struct core *c = arg;

    c->status = cs_aggregator_run(c->a, &stop);
    return NULL;
}

static void init_cfg(struct cs_config *cfg, const char *bootstrap)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->kafka_brokers = (char *)bootstrap;
    cfg->kafka_properties_file = (char *)"";
    cfg->topic_prefix = (char *)"cellscan.";
    cfg->max_poll_interval_s = 10;
    cfg->startup_timeout_s = 10;
    cfg->drain_timeout_s = 5;
    cfg->report_violations = 1000;
}

/* Packs a manifest or a result record for scan i. */
static size_t record(int i, int cell, uint8_t **out)
{
    static const char *const cats[CELLS] = {"ec2", "s3", "rds"};
    Cellscan__V1__CellResultsRecord rec = CELLSCAN__V1__CELL_RESULTS_RECORD__INIT;
    Cellscan__V1__ScanManifest m = CELLSCAN__V1__SCAN_MANIFEST__INIT;
    Cellscan__V1__CellResult r = CELLSCAN__V1__CELL_RESULT__INIT;
    char scan[32], ids[CELLS][40], *idp[CELLS];
    size_t n;

    snprintf(scan, sizeof(scan), "embedded-%d", i);
    for (int k = 0; k < CELLS; k++) {
        snprintf(ids[k], sizeof(ids[k]), "aws_%s:11111111111%d", cats[k], i % 10);
        idp[k] = ids[k];
    }
    if (cell < 0) {
        m.scan_id = scan;
        m.client_id = "demo";
        m.cell_ids = idp;
        m.n_cell_ids = CELLS;
        m.deadline_at_ms = cs_wall_ms() + 3600000;
        m.requested_at_ms = cs_wall_ms();
        rec.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST;
        rec.manifest = &m;
    } else {
        r.scan_id = scan;
        r.client_id = "demo";
        r.cell_id = ids[cell];
        r.account_id = ids[cell] + strlen(ids[cell]) - 12;
        r.category = (char *)cats[cell];
        r.status = CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE;
        r.evidence_status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK;
        r.record_count = r.total = (uint64_t)(i + cell + 1);
        r.compliant = (uint64_t)(i + 1);
        r.violation_count = (uint64_t)cell;
        rec.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT;
        rec.result = &r;
    }
    n = cellscan__v1__cell_results_record__get_packed_size(&rec);
    *out = malloc(n);
    cellscan__v1__cell_results_record__pack(&rec, *out);
    return n;
}

static void send_record(cs_producer_t *p, int i, int cell)
{
    struct cs_err err = CS_ERR_INIT;
    char key[32];
    uint8_t *b;
    size_t n = record(i, cell, &b);

    snprintf(key, sizeof(key), "embedded-%d", i);
    if (cs_producer_send(p, "cellscan.cell-results", key, strlen(key), b, n,
                         NULL, NULL, &err) != CS_OK)
        fail_msg("send: %s", err.msg);
    free(b);
}

/* The pure fold of scan i (manifest and every cell), finished at t. */
static void expected(int i, int64_t t, uint8_t **out, size_t *len)
{
    Cellscan__V1__CellResultsRecord *m, *r[CELLS];
    const Cellscan__V1__CellResult *rs[CELLS];
    struct cs_fold_opts o = {1, 1000, t};
    Cellscan__V1__ScanReport *rep = NULL;
    uint8_t *b;
    size_t n;

    n = record(i, -1, &b);
    m = cellscan__v1__cell_results_record__unpack(NULL, n, b);
    free(b);
    for (int k = 0; k < CELLS; k++) {
        n = record(i, k, &b);
        r[k] = cellscan__v1__cell_results_record__unpack(NULL, n, b);
        rs[k] = r[k]->result;
        free(b);
    }
    assert_int_equal(cs_fold(m->manifest, rs, CELLS, &o, &rep, NULL), CS_OK);
    /* the manifest's requested_at was the wall clock when it was made */
    *len = cellscan__v1__scan_report__get_packed_size(rep);
    *out = malloc(*len);
    cellscan__v1__scan_report__pack(rep, *out);
    cs_report_free(rep);
    cellscan__v1__cell_results_record__free_unpacked(m, NULL);
    for (int k = 0; k < CELLS; k++)
        cellscan__v1__cell_results_record__free_unpacked(r[k], NULL);
}

static void two_cores_one_process(void **state)
{
    struct cs_topic_spec specs[CS_TOPIC_COUNT];
    struct cs_fleet_metrics fm;
    struct cs_aggregator_stats st[2];
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    struct seen seen;
    struct core cores[2];
    struct cs_aggregator_deps deps;
    cs_mock_kafka_t *mk;
    cs_metrics_t *reg;
    cs_producer_t *p;
    int64_t deadline;
    char reason[128];
    (void)state;

    memset(&seen, 0, sizeof(seen));
    pthread_mutex_init(&seen.mu, NULL);
    assert_int_equal(cs_topic_specs_fleet("cellscan.", 4, 1, specs, &err), CS_OK);
    mk = cs_mock_kafka_new(1, specs, CS_TOPIC_COUNT, &err);
    assert_non_null(mk);
    init_cfg(&cfg, cs_mock_kafka_bootstrap(mk));
    reg = cs_metrics_new(&err);
    assert_int_equal(cs_fleet_metrics_register(reg, &fm, &err), CS_OK);
    memset(&deps, 0, sizeof(deps));
    deps.metrics = reg;
    deps.fm = &fm;
    deps.envp = no_env;
    deps.on_report = on_report;
    deps.report_ud = &seen;
    for (int c = 0; c < 2; c++) {
        cores[c].a = cs_aggregator_new(&cfg, &deps, &err);
        if (cores[c].a == NULL)
            fail_msg("core: %s", err.msg);
        assert_int_equal(cs_aggregator_healthy(cores[c].a, reason, sizeof(reason)), 0);
        assert_string_equal(reason, "aggregator starting");
        assert_int_equal(pthread_create(&cores[c].th, NULL, run_core, &cores[c]), 0);
    }

    p = cs_producer_new(&cfg, no_env, NULL, &err);
    assert_non_null(p);
    for (int i = 0; i < NSCANS; i++)
        send_record(p, i, -1);
    for (int k = CELLS - 1; k >= 0; k--)
        for (int i = 0; i < NSCANS; i++) {
            send_record(p, i, k);
            send_record(p, i, k); /* redelivered */
        }
    assert_int_equal(cs_producer_flush(p, 10000, &err), CS_OK);

    deadline = cs_mono_ms() + WAIT_MS;
    for (;;) {
        int n;
        pthread_mutex_lock(&seen.mu);
        n = seen.n;
        pthread_mutex_unlock(&seen.mu);
        if (n >= NSCANS || cs_mono_ms() > deadline)
            break;
        cs_sleep_ms(100, NULL);
    }
    cs_sleep_ms(1000, NULL); /* a duplicate would show by now */
    assert_int_equal(seen.n, NSCANS);
    for (int i = 0; i < NSCANS; i++) {
        char id[32];
        int found = 0;
        snprintf(id, sizeof(id), "embedded-%d", i);
        for (int j = 0; j < seen.n; j++) {
            Cellscan__V1__ScanReport *got;
            uint8_t *want;
            size_t wlen;
            if (strcmp(seen.ids[j], id) != 0)
                continue;
            found++;
            got = cellscan__v1__scan_report__unpack(NULL, seen.len[j], seen.bytes[j]);
            assert_non_null(got);
            expected(i, got->finished_at_ms, &want, &wlen);
            /* requested_at differs between the sent manifest and the
             * rebuilt one in expected(): compare all but that field */
            {
                Cellscan__V1__ScanReport *w =
                    cellscan__v1__scan_report__unpack(NULL, wlen, want);
                uint8_t *a, *b;
                size_t alen, blen;
                w->started_at_ms = got->started_at_ms;
                alen = cellscan__v1__scan_report__get_packed_size(w);
                blen = seen.len[j];
                a = malloc(alen);
                b = seen.bytes[j];
                cellscan__v1__scan_report__pack(w, a);
                assert_int_equal(alen, blen);
                assert_memory_equal(a, b, alen);
                free(a);
                cellscan__v1__scan_report__free_unpacked(w, NULL);
            }
            free(want);
            cellscan__v1__scan_report__free_unpacked(got, NULL);
        }
        assert_int_equal(found, 1);
    }
    for (int c = 0; c < 2; c++) {
        assert_int_equal(cs_aggregator_healthy(cores[c].a, reason, sizeof(reason)), 1);
        cs_aggregator_stats(cores[c].a, &st[c]);
    }
    /* the work was shared and everything was counted once */
    assert_int_equal(st[0].reports_published + st[1].reports_published, NSCANS);
    assert_int_equal(st[0].reports_stored + st[1].reports_stored, 0);
    assert_int_equal(st[0].open_scans + st[1].open_scans, 0);
    {
        struct cs_buf text = CS_BUF_INIT(CS_MAX_METRICS_TEXT);
        char want[64];
        assert_int_equal(cs_metrics_render(reg, &text, &err), CS_OK);
        snprintf(want, sizeof(want), "cellscan_report_latency_seconds_count %d", NSCANS);
        assert_non_null(strstr(cs_buf_str(&text), want));
        cs_buf_free(&text);
    }

    deadline = cs_mono_ms();
    stop = 1;
    for (int c = 0; c < 2; c++) {
        pthread_join(cores[c].th, NULL);
        assert_int_equal(cores[c].status, 0);
        assert_int_equal(cs_aggregator_healthy(cores[c].a, reason, sizeof(reason)), 0);
        cs_aggregator_destroy(cores[c].a);
    }
    assert_true(cs_mono_ms() - deadline < 2 * (cfg.drain_timeout_s + 1) * 1000);
    cs_producer_destroy(p);
    cs_metrics_destroy(reg);
    cs_mock_kafka_destroy(mk);
    for (int j = 0; j < seen.n && j < 32; j++)
        free(seen.bytes[j]);
    pthread_mutex_destroy(&seen.mu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_cores_one_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
