/* The dispatcher core: its messages as pure functions (manifest, jobs,
 * reports, byte-identical when built twice), the in-memory seen set, scan
 * ids, and the core itself on an in-process mock cluster without Redis or
 * AWS: a request becomes a manifest then its jobs, bad bytes and invalid
 * requests become dead letters (and a rejected report), an organization
 * scope without a role is rejected and one without AWS access fails, a
 * redelivered scan id dispatches nothing, and the loop keeps going. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/admin.h"
#include "bus/deadletter.h"
#include "bus/kconf.h"
#include "bus/mock.h"
#include "dispatcher/dispatcher.h"
#include "dispatcher/plan.h"
#include "dispatcher/seen.h"
#include "metrics/fleet.h"
#include "util/clock.h"

static char *no_env[] = {NULL};

/* ------------------------------------------------------------ requests */

struct req_parts {
    Cellscan__V1__ScanRequest r;
    Cellscan__V1__ScanScope s;
    Cellscan__V1__AccountList a;
    Cellscan__V1__OrgDiscovery o;
    char *accounts[4], *cats[3], *regions[3];
    char scan_id[64];
};

static void make_request(struct req_parts *p, const char *scan_id)
{
    cellscan__v1__scan_request__init(&p->r);
    cellscan__v1__scan_scope__init(&p->s);
    cellscan__v1__account_list__init(&p->a);
    cellscan__v1__org_discovery__init(&p->o);
    snprintf(p->scan_id, sizeof(p->scan_id), "%s", scan_id);
    p->r.schema_version = 1;
    p->r.client_id = "acme";
    p->r.scan_id = p->scan_id;
    p->r.requested_at_ms = 1764108000000;
    p->r.scope = &p->s;
    /* unsorted, with a repeat: the manifest lists each once, sorted */
    p->accounts[0] = "444444444444";
    p->accounts[1] = "333333333333";
    p->accounts[2] = "444444444444";
    p->a.account_ids = p->accounts;
    p->a.n_account_ids = 3;
    p->s.target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ACCOUNTS;
    p->s.accounts = &p->a;
    p->cats[0] = "tagging";
    p->cats[1] = "ec2";
    p->cats[2] = "tagging";
    p->s.categories = p->cats;
    p->s.n_categories = 3;
    p->regions[0] = "us-east-1";
    p->regions[1] = "af-south-1";
    p->regions[2] = "us-east-1";
    p->s.regions = p->regions;
    p->s.n_regions = 3;
    p->s.tag_policy_json = "{\"rules\":[{\"key\":\"Owner\",\"required\":true}]}";
}

static const struct cs_disp_settings settings = {
    "arn:{partition}:iam::{account_id}:role/{role_name}", "CellScanReadOnly",
    "configured-ext", "us-east-1", 3600, 3600};

static void plan_manifest_and_jobs(void **state)
{
    struct req_parts p;
    struct cs_disp_target t;
    struct cs_disp_out out = {0}, again = {0};
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__CellResultsRecord *rec;
    Cellscan__V1__ScanManifest *m;
    static const char *const cells[] = {"aws_tagging:333333333333", "aws_ec2:333333333333",
                                        "aws_tagging:444444444444", "aws_ec2:444444444444"};
    (void)state;

    make_request(&p, "scan-1");
    assert_int_equal(cs_disp_target_from_list(&p.a, &t, &err), CS_OK);
    assert_int_equal(t.naccounts, 2);
    assert_int_equal(cs_disp_build_scan(&p.r, &t, &settings, &out, &err), CS_OK);
    /* one manifest, then one job per (account, category) */
    assert_int_equal(out.n, 5);
    assert_int_equal(out.msgs[0].topic, CS_TOPIC_CELL_RESULTS);
    assert_int_equal(out.msgs[0].phase, 0);
    assert_string_equal(out.msgs[0].key, "scan-1");
    rec = cellscan__v1__cell_results_record__unpack(NULL, out.msgs[0].len, out.msgs[0].value);
    assert_non_null(rec);
    assert_int_equal(rec->body_case, CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST);
    m = rec->manifest;
    assert_int_equal(m->schema_version, 1);
    assert_string_equal(m->scan_id, "scan-1");
    assert_string_equal(m->client_id, "acme");
    assert_int_equal(m->n_cell_ids, 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(m->cell_ids[i], cells[i]);
    assert_int_equal(m->n_account_ids, 2);
    assert_string_equal(m->account_ids[0], "333333333333");
    assert_string_equal(m->account_ids[1], "444444444444");
    /* configured deadline: requested_at + 3600 s */
    assert_int_equal(m->deadline_at_ms, 1764108000000 + 3600 * 1000);
    assert_int_equal(m->requested_at_ms, 1764108000000);
    assert_int_equal(m->n_skipped, 0);
    assert_int_equal(m->n_categories, 2);
    assert_string_equal(m->categories[0], "tagging");
    assert_string_equal(m->categories[1], "ec2");
    assert_int_equal(m->n_regions, 2);
    assert_string_equal(m->regions[1], "af-south-1");
    cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
    for (size_t i = 1; i < out.n; i++) {
        Cellscan__V1__CellJob *j = cellscan__v1__cell_job__unpack(NULL, out.msgs[i].len,
                                                                 out.msgs[i].value);
        char arn[128];
        assert_non_null(j);
        assert_int_equal(out.msgs[i].topic, CS_TOPIC_CELL_JOBS);
        assert_int_equal(out.msgs[i].phase, 1);
        assert_string_equal(out.msgs[i].key, j->account_id);
        assert_string_equal(j->cell_id, cells[i - 1]);
        assert_string_equal(j->scan_id, "scan-1");
        assert_string_equal(j->client_id, "acme");
        assert_int_equal(j->n_regions, 2);
        assert_string_equal(j->regions[0], "us-east-1");
        snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role/CellScanReadOnly", j->account_id);
        assert_string_equal(j->role_arn, arn);
        assert_string_equal(j->external_id, "configured-ext");
        assert_int_equal(j->session_duration_s, 3600);
        assert_int_equal(j->deadline_at_ms, 1764108000000 + 3600 * 1000);
        assert_string_equal(j->tag_policy_json, p.s.tag_policy_json);
        assert_int_equal(j->n_scan_categories, 2);
        assert_string_equal(j->scan_categories[1], "ec2");
        cellscan__v1__cell_job__free_unpacked(j, NULL);
    }
    /* the same request gives the same bytes: a re-dispatch is identical */
    assert_int_equal(cs_disp_build_scan(&p.r, &t, &settings, &again, &err), CS_OK);
    assert_int_equal(again.n, out.n);
    for (size_t i = 0; i < out.n; i++) {
        assert_int_equal(again.msgs[i].len, out.msgs[i].len);
        assert_memory_equal(again.msgs[i].value, out.msgs[i].value, out.msgs[i].len);
    }
    cs_disp_out_free(&out);
    cs_disp_out_free(&again);
    cs_disp_target_free(&t);
}

static void plan_scope_overrides(void **state)
{
    struct req_parts p;
    struct cs_disp_target t;
    struct cs_disp_out out = {0};
    struct cs_err err = CS_ERR_INIT;
    struct cs_disp_skipped sk[2] = {{"666666666666", "suspended"},
                                    {"555555555555", "excluded_ou"}};
    const char *ids[] = {"777777777777", "111111111111"};
    struct cs_disp_settings gov = settings;
    Cellscan__V1__CellResultsRecord *rec;
    Cellscan__V1__CellJob *j;
    (void)state;

    make_request(&p, "scan-2");
    p.s.role_name = "Other";
    p.s.external_id = "scope-ext";
    p.s.session_duration_s = 900;
    p.s.deadline_s = 600;
    gov.aws_region = "us-gov-west-1";
    assert_int_equal(cs_disp_target_set(&t, ids, 2, sk, 2, &err), CS_OK);
    assert_int_equal(cs_disp_build_scan(&p.r, &t, &gov, &out, &err), CS_OK);
    rec = cellscan__v1__cell_results_record__unpack(NULL, out.msgs[0].len, out.msgs[0].value);
    assert_int_equal(rec->manifest->deadline_at_ms, 1764108000000 + 600 * 1000);
    assert_string_equal(rec->manifest->account_ids[0], "111111111111");
    /* skipped accounts, sorted by id, with their reasons */
    assert_int_equal(rec->manifest->n_skipped, 2);
    assert_string_equal(rec->manifest->skipped[0]->account_id, "555555555555");
    assert_string_equal(rec->manifest->skipped[0]->reason, "excluded_ou");
    assert_string_equal(rec->manifest->skipped[1]->reason, "suspended");
    cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
    j = cellscan__v1__cell_job__unpack(NULL, out.msgs[1].len, out.msgs[1].value);
    assert_string_equal(j->role_arn, "arn:aws-us-gov:iam::111111111111:role/Other");
    assert_string_equal(j->external_id, "scope-ext");
    assert_int_equal(j->session_duration_s, 900);
    assert_int_equal(j->deadline_at_ms, 1764108000000 + 600 * 1000);
    cellscan__v1__cell_job__free_unpacked(j, NULL);
    cs_disp_out_free(&out);
    cs_disp_target_free(&t);
    /* an account id the template cannot take is refused */
    ids[0] = "77777777777x";
    assert_int_equal(cs_disp_target_set(&t, ids, 2, NULL, 0, &err), CS_ERR_INVALID);
    /* no accounts at all (everything excluded): a manifest of no cells */
    assert_int_equal(cs_disp_target_set(&t, ids, 0, sk, 1, &err), CS_OK);
    assert_int_equal(cs_disp_build_scan(&p.r, &t, &gov, &out, &err), CS_OK);
    assert_int_equal(out.n, 1);
    cs_disp_out_free(&out);
    cs_disp_target_free(&t);
}

static void plan_reports(void **state)
{
    Cellscan__V1__ScanReport rep, *back;
    struct cs_disp_out out = {0};
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    cs_disp_report(&rep, "acme", "scan-3", CELLSCAN__V1__SCAN_STATUS__SCAN_REJECTED,
                   "invalid request: x", 10, 20);
    assert_int_equal(cs_disp_add_report(&out, &rep, &err), CS_OK);
    cs_disp_report(&rep, "", "", CELLSCAN__V1__SCAN_STATUS__SCAN_FAILED, "why", 0, 30);
    assert_int_equal(cs_disp_add_report(&out, &rep, &err), CS_OK);
    assert_int_equal(out.n, 2);
    assert_int_equal(out.msgs[0].topic, CS_TOPIC_SCAN_RESULTS);
    assert_string_equal(out.msgs[0].key, "scan-3");
    assert_null(out.msgs[1].key); /* no scan id, no key */
    back = cellscan__v1__scan_report__unpack(NULL, out.msgs[0].len, out.msgs[0].value);
    assert_int_equal(back->schema_version, 1);
    assert_int_equal(back->status, CELLSCAN__V1__SCAN_STATUS__SCAN_REJECTED);
    assert_string_equal(back->reason, "invalid request: x");
    assert_int_equal(back->started_at_ms, 10);
    assert_int_equal(back->finished_at_ms, 20);
    assert_null(back->overall);
    assert_int_equal(back->n_accounts, 0);
    cellscan__v1__scan_report__free_unpacked(back, NULL);
    cs_disp_out_free(&out);
}

/* The set against a plain list, through many evictions. */
static void seen_set(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    cs_disp_seen_t *s;
    char scan[32];
    (void)state;

    assert_null(cs_disp_seen_new(0, &err));
    s = cs_disp_seen_new(50, &err);
    assert_non_null(s);
    assert_false(cs_disp_seen_has(s, "a", "x"));
    assert_int_equal(cs_disp_seen_add(s, "a", "x", &err), CS_OK);
    assert_int_equal(cs_disp_seen_add(s, "a", "x", &err), CS_OK);
    assert_int_equal(cs_disp_seen_count(s), 1);
    assert_true(cs_disp_seen_has(s, "a", "x"));
    /* client and scan are kept apart: ("a\n", "x") is not ("a", "\nx") */
    assert_false(cs_disp_seen_has(s, "b", "x"));
    assert_false(cs_disp_seen_has(s, "a", "y"));
    for (int i = 0; i < 2000; i++) {
        snprintf(scan, sizeof(scan), "scan-%d", i);
        assert_int_equal(cs_disp_seen_add(s, "c", scan, &err), CS_OK);
        /* the newest 50 are there, the ones before are gone */
        for (int k = i; k >= 0 && k > i - 60; k--) {
            snprintf(scan, sizeof(scan), "scan-%d", k);
            assert_int_equal(cs_disp_seen_has(s, "c", scan), k > i - 50);
        }
    }
    assert_int_equal(cs_disp_seen_count(s), 50);
    assert_false(cs_disp_seen_has(s, "a", "x"));
    cs_disp_seen_destroy(s);
}

static void scan_ids(void **state)
{
    char a[CS_DISP_SCAN_ID_MAX], b[CS_DISP_SCAN_ID_MAX], small[10];
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    assert_int_equal(cs_dispatcher_new_scan_id(1764108000123, a, sizeof(a), &err), CS_OK);
    assert_int_equal(cs_dispatcher_new_scan_id(1764108000123, b, sizeof(b), &err), CS_OK);
    assert_int_equal(strlen(a), strlen("scan-20251125T220000Z-0a1b2c3d"));
    assert_int_equal(strncmp(a, "scan-20251125T220000Z-", 22), 0);
    assert_int_equal(strspn(a + 22, "0123456789abcdef"), 8);
    assert_string_not_equal(a, b);
    assert_int_equal(cs_dispatcher_new_scan_id(0, small, sizeof(small), &err), CS_ERR_LIMIT);
}

static void dispatcher_config(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    char *argv[] = {"cellscan-dispatcher", NULL};
    int argc = 1;
    (void)state;

    /* the dispatcher stores rejected reports: it has a report TTL */
    unsetenv("CELLSCAN_REPORT_TTL");
    assert_int_equal(cs_config_load(&cfg, CS_PROG_DISPATCHER, &argc, argv, &err), CS_OK);
    assert_int_equal(cfg.report_ttl_s, 604800);
    assert_int_equal(cfg.scan_deadline_s, 3600);
    cs_config_free(&cfg);
}

/* ------------------------------------------------------------ the core */

struct fleet {
    cs_mock_kafka_t *mock;
    struct cs_config cfg;
    cs_metrics_t *metrics;
    struct cs_fleet_metrics fm;
    cs_dispatcher_t *d;
    pthread_t thread;
    volatile sig_atomic_t stop;
    int rc;
};

static void *run_core(void *arg)
{
    struct fleet *f = arg;

    f->rc = cs_dispatcher_run(f->d, &f->stop);
    return NULL;
}

static void fleet_start(struct fleet *f)
{
    struct cs_topic_spec specs[CS_TOPIC_COUNT];
    struct cs_err err = CS_ERR_INIT;
    struct cs_dispatcher_deps deps;

    memset(f, 0, sizeof(*f));
    assert_int_equal(cs_topic_specs_fleet("cellscan.", 2, 1, specs, &err), CS_OK);
    f->mock = cs_mock_kafka_new(1, specs, CS_TOPIC_COUNT, &err);
    assert_non_null(f->mock);
    f->cfg.kafka_brokers = (char *)cs_mock_kafka_bootstrap(f->mock);
    f->cfg.kafka_properties_file = "";
    f->cfg.topic_prefix = "cellscan.";
    f->cfg.max_poll_interval_s = 10;
    f->cfg.startup_timeout_s = 10;
    f->cfg.drain_timeout_s = 5;
    f->cfg.org_role_arn = "";
    f->cfg.role_arn_template = "arn:{partition}:iam::{account_id}:role/{role_name}";
    f->cfg.role_name = "CellScanReadOnly";
    f->cfg.external_id = "";
    f->cfg.aws_region = "us-east-1";
    f->cfg.session_duration_s = 3600;
    f->cfg.scan_deadline_s = 3600;
    f->metrics = cs_metrics_new(&err);
    assert_int_equal(cs_fleet_metrics_register(f->metrics, &f->fm, &err), CS_OK);
    memset(&deps, 0, sizeof(deps));
    deps.metrics = f->metrics;
    deps.fm = &f->fm;
    deps.envp = no_env;
    f->d = cs_dispatcher_new(&f->cfg, &deps, &err);
    if (f->d == NULL)
        fail_msg("dispatcher: %s", err.msg);
    assert_int_equal(pthread_create(&f->thread, NULL, run_core, f), 0);
}

static void fleet_stop(struct fleet *f)
{
    f->stop = 1;
    pthread_join(f->thread, NULL);
    assert_int_equal(f->rc, 0);
    cs_dispatcher_destroy(f->d);
    cs_metrics_destroy(f->metrics);
    cs_mock_kafka_destroy(f->mock);
}

/* Sends raw bytes to scan-requests. */
static void send_raw(struct fleet *f, const char *key, const void *v, size_t len)
{
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p = cs_producer_new(&f->cfg, no_env, NULL, &err);

    assert_non_null(p);
    assert_int_equal(cs_producer_send(p, "cellscan.scan-requests", key, strlen(key), v, len,
                                      NULL, NULL, &err), CS_OK);
    assert_int_equal(cs_producer_flush(p, 10000, &err), CS_OK);
    cs_producer_destroy(p);
}

/* A message read back (copied: librdkafka's own must be destroyed before
 * its handle). */
struct rec {
    char key[64];
    size_t key_len;
    uint8_t *value;
    size_t len;
    int64_t ts;
    int32_t partition;
    char reason[CS_DLQ_REASON_MAX + 1], topic[64];
};

/* Every message of topic so far, read by assignment (no group). */
struct got {
    int n;
    struct rec m[64];
};

static void header_copy(const rd_kafka_message_t *m, const char *name, char *out,
                        size_t len)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;

    out[0] = '\0';
    if (rd_kafka_message_headers(m, &h) == 0 &&
        rd_kafka_header_get_last(h, name, &v, &n) == 0)
        snprintf(out, len, "%.*s", (int)n, (const char *)v);
}

static void keep(struct rec *r, const rd_kafka_message_t *m)
{
    rd_kafka_timestamp_type_t tt;

    memset(r, 0, sizeof(*r));
    r->key_len = m->key_len < sizeof(r->key) ? m->key_len : sizeof(r->key) - 1;
    memcpy(r->key, m->key ? m->key : "", r->key_len);
    r->value = malloc(m->len ? m->len : 1);
    assert_non_null(r->value);
    memcpy(r->value, m->payload, m->len);
    r->len = m->len;
    r->ts = rd_kafka_message_timestamp(m, &tt);
    r->partition = m->partition;
    header_copy(m, CS_DLQ_HDR_REASON, r->reason, sizeof(r->reason));
    header_copy(m, CS_DLQ_HDR_TOPIC, r->topic, sizeof(r->topic));
}

static void read_topic(struct fleet *f, const char *topic, int want, struct got *g)
{
    char errstr[512];
    struct cs_err err = CS_ERR_INIT;
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_t *rk;
    rd_kafka_topic_partition_list_t *l;
    int64_t deadline = cs_mono_ms() + 15000;
    const struct cs_kprop props[] = {{"group.id", "test-reader"},
                                     {"enable.auto.commit", "false"}};

    memset(g, 0, sizeof(*g));
    assert_int_equal(cs_kconf_new(&f->cfg, no_env, props, 2, &conf, &err), CS_OK);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    assert_non_null(rk);
    rd_kafka_poll_set_consumer(rk);
    l = rd_kafka_topic_partition_list_new(2);
    for (int p = 0; p < 2; p++)
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(rk, l), 0);
    rd_kafka_topic_partition_list_destroy(l);
    /* until want arrived, then a little longer to see any extra */
    while (cs_mono_ms() < deadline && g->n < 64) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m == NULL)
            continue;
        if (!m->err) {
            keep(&g->m[g->n++], m);
            if (g->n == want)
                deadline = cs_mono_ms() + 1000;
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

static void got_free(struct got *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->m[i].value);
    g->n = 0;
}

static void wait_stats(struct fleet *f, uint64_t requests)
{
    struct cs_dispatcher_stats st;
    int64_t deadline = cs_mono_ms() + 20000;

    do {
        cs_sleep_ms(50, NULL);
        cs_dispatcher_stats(f->d, &st);
    } while (st.requests < requests && cs_mono_ms() < deadline);
    /* and whatever it was doing is finished */
    cs_sleep_ms(500, NULL);
}

static void core_dispatches_and_refuses(void **state)
{
    struct fleet f;
    struct req_parts p;
    struct cs_err err = CS_ERR_INIT;
    struct cs_dispatcher_stats st;
    struct got g;
    char reason[256];
    double dl = 0;
    (void)state;

    fleet_start(&f);
    /* 1. a good request, submitted as `cellscan submit` does */
    make_request(&p, "scan-ok");
    assert_int_equal(cs_dispatcher_submit(&f.cfg, no_env, &p.r, 10000, &err), CS_OK);
    /* 2. bytes that are no ScanRequest */
    send_raw(&f, "acme", "\xff\xff\xff", 3);
    /* 3. an invalid request */
    make_request(&p, "scan-bad");
    p.accounts[1] = "12345";
    assert_int_equal(cs_dispatcher_submit(&f.cfg, no_env, &p.r, 10000, &err), CS_OK);
    /* 4. an organization scope, and no org role anywhere */
    make_request(&p, "scan-org");
    p.s.target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ORGANIZATION;
    p.s.organization = &p.o;
    assert_int_equal(cs_dispatcher_submit(&f.cfg, no_env, &p.r, 10000, &err), CS_OK);
    /* 5. with a role, but this core has no AWS access */
    make_request(&p, "scan-org2");
    p.s.target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ORGANIZATION;
    p.s.organization = &p.o;
    p.o.org_role_arn = "arn:aws:iam::111111111111:role/CellScanOrgDiscovery";
    assert_int_equal(cs_dispatcher_submit(&f.cfg, no_env, &p.r, 10000, &err), CS_OK);
    /* 6. the first one again: nothing new */
    make_request(&p, "scan-ok");
    assert_int_equal(cs_dispatcher_submit(&f.cfg, no_env, &p.r, 10000, &err), CS_OK);
    wait_stats(&f, 6);
    cs_dispatcher_stats(f.d, &st);
    assert_int_equal(st.requests, 6);
    assert_int_equal(st.dispatched, 1);
    assert_int_equal(st.cells, 4);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.dead_letters, 3);

    /* one manifest only, and before the jobs */
    read_topic(&f, "cellscan.cell-results", 1, &g);
    assert_int_equal(g.n, 1);
    got_free(&g);
    read_topic(&f, "cellscan.cell-jobs", 4, &g);
    assert_int_equal(g.n, 4);
    got_free(&g);

    /* reports: rejected (invalid, no org role) and failed (no AWS) */
    read_topic(&f, "cellscan.scan-results", 3, &g);
    assert_int_equal(g.n, 3);
    for (int i = 0; i < g.n; i++) {
        Cellscan__V1__ScanReport *r = cellscan__v1__scan_report__unpack(NULL, g.m[i].len,
                                                                        g.m[i].value);
        assert_non_null(r);
        assert_string_equal(r->client_id, "acme");
        assert_int_equal(g.m[i].key_len, strlen(r->scan_id));
        assert_memory_equal(g.m[i].key, r->scan_id, g.m[i].key_len);
        if (strcmp(r->scan_id, "scan-bad") == 0) {
            assert_int_equal(r->status, CELLSCAN__V1__SCAN_STATUS__SCAN_REJECTED);
            assert_string_equal(r->reason, "invalid request: accounts[1]: expected a "
                                           "12-digit account id, got \"12345\"");
        } else if (strcmp(r->scan_id, "scan-org") == 0) {
            assert_int_equal(r->status, CELLSCAN__V1__SCAN_STATUS__SCAN_REJECTED);
            assert_non_null(strstr(r->reason, "no org-discovery role"));
        } else {
            assert_string_equal(r->scan_id, "scan-org2");
            assert_int_equal(r->status, CELLSCAN__V1__SCAN_STATUS__SCAN_FAILED);
            assert_non_null(strstr(r->reason, "organization discovery"));
        }
        assert_int_equal(r->started_at_ms, 1764108000000);
        cellscan__v1__scan_report__free_unpacked(r, NULL);
    }
    got_free(&g);

    /* dead letters (undecodable, invalid, org without a role): the bytes
     * unchanged, key kept, reason in a header */
    read_topic(&f, "cellscan.dead-letters", 3, &g);
    assert_int_equal(g.n, 3);
    for (int i = 0; i < g.n; i++) {
        snprintf(reason, sizeof(reason), "%s", g.m[i].reason);
        assert_string_equal(g.m[i].topic, "cellscan.scan-requests");
        assert_int_equal(g.m[i].key_len, 4);
        if (g.m[i].len == 3) {
            assert_memory_equal(g.m[i].value, "\xff\xff\xff", 3);
            assert_string_equal(reason, "decode: not a valid cellscan.v1.ScanRequest (3 bytes)");
        } else {
            Cellscan__V1__ScanRequest *r = cellscan__v1__scan_request__unpack(
                NULL, g.m[i].len, g.m[i].value);
            assert_non_null(r);
            if (strcmp(r->scan_id, "scan-bad") == 0)
                assert_int_equal(strncmp(reason, "invalid request: accounts[1]", 28), 0);
            else
                assert_string_equal(reason, "invalid request: organization: no "
                                            "org-discovery role: set "
                                            "organization.org_role_arn or "
                                            "CELLSCAN_ORG_ROLE_ARN");
            cellscan__v1__scan_request__free_unpacked(r, NULL);
        }
    }
    got_free(&g);
    /* counted by source topic and reason */
    assert_int_equal(cs_metric_value(f.fm.dead_letters,
                                     (const char *[]){"cellscan.scan-requests", "decode"},
                                     &dl, &err), CS_OK);
    assert_true(dl == 1.0);
    assert_int_equal(cs_metric_value(f.fm.dead_letters,
                                     (const char *[]){"cellscan.scan-requests", "invalid"},
                                     &dl, &err), CS_OK);
    assert_true(dl == 2.0);
    assert_true(cs_dispatcher_healthy(f.d, reason, sizeof(reason)));
    fleet_stop(&f);
}

/* The manifest is acknowledged before any job is sent: every job's
 * broker timestamp is at or after the manifest's. */
static void manifest_before_jobs(void **state)
{
    struct fleet f;
    struct req_parts p;
    struct cs_err err = CS_ERR_INIT;
    struct got g;
    int64_t manifest_ts;
    (void)state;

    fleet_start(&f);
    make_request(&p, "scan-order");
    assert_int_equal(cs_dispatcher_submit(&f.cfg, no_env, &p.r, 10000, &err), CS_OK);
    wait_stats(&f, 1);
    read_topic(&f, "cellscan.cell-results", 1, &g);
    assert_int_equal(g.n, 1);
    manifest_ts = g.m[0].ts;
    got_free(&g);
    read_topic(&f, "cellscan.cell-jobs", 4, &g);
    assert_int_equal(g.n, 4);
    for (int i = 0; i < g.n; i++)
        assert_true(g.m[i].ts >= manifest_ts);
    got_free(&g);
    fleet_stop(&f);
}

/* A burst: more requests than the dispatcher reads ahead (32) arrive while
 * it works on the first; it pauses, resumes, and dispatches each once, in
 * order per partition. */
static void burst_of_requests(void **state)
{
    struct fleet f;
    struct req_parts p;
    struct cs_err err = CS_ERR_INIT;
    struct cs_dispatcher_stats st;
    cs_producer_t *prod;
    struct got g;
    int seen[60] = {0};
    (void)state;

    fleet_start(&f);
    prod = cs_producer_new(&f.cfg, no_env, NULL, &err);
    assert_non_null(prod);
    for (int i = 0; i < 60; i++) {
        char scan[32];
        uint8_t buf[512];
        size_t len;
        snprintf(scan, sizeof(scan), "burst-%02d", i);
        make_request(&p, scan);
        p.a.n_account_ids = 1;
        p.s.n_categories = 1;
        len = cellscan__v1__scan_request__pack(&p.r, buf);
        assert_int_equal(cs_producer_send(prod, "cellscan.scan-requests", "acme", 4, buf,
                                          len, NULL, NULL, &err), CS_OK);
    }
    assert_int_equal(cs_producer_flush(prod, 10000, &err), CS_OK);
    cs_producer_destroy(prod);
    wait_stats(&f, 60);
    cs_dispatcher_stats(f.d, &st);
    assert_int_equal(st.requests, 60);
    assert_int_equal(st.dispatched, 60);
    assert_int_equal(st.cells, 60);
    read_topic(&f, "cellscan.cell-results", 60, &g);
    assert_int_equal(g.n, 60);
    for (int i = 0; i < g.n; i++) {
        int k = atoi(g.m[i].key + strlen("burst-"));
        assert_true(k >= 0 && k < 60);
        seen[k]++;
        /* one client, one request partition: manifests were published in
         * request order, so each cell-results partition has them rising */
        for (int j = i - 1; j >= 0; j--)
            if (g.m[j].partition == g.m[i].partition) {
                assert_true(atoi(g.m[j].key + strlen("burst-")) < k);
                break;
            }
    }
    for (int i = 0; i < 60; i++)
        assert_int_equal(seen[i], 1);
    got_free(&g);
    fleet_stop(&f);
}

/* 10,000 accounts x 7 categories: the manifest is larger than the
 * producer's message.max.bytes (1,000,000). Nothing of the scan goes out;
 * it becomes a failed report saying why, and the next request is fine. */
static void manifest_too_large_fails_the_scan(void **state)
{
    static char ids[10000][13];
    static char *accounts[10000];
    char *cats[] = {"ec2", "s3", "rds", "lambda", "ecs", "eks", "tagging"};
    struct fleet f;
    struct req_parts p;
    struct cs_err err = CS_ERR_INIT;
    struct cs_dispatcher_stats st;
    struct got g;
    Cellscan__V1__ScanReport *r;
    (void)state;

    for (int i = 0; i < 10000; i++) {
        snprintf(ids[i], sizeof(ids[i]), "%012d", 100000000 + i);
        accounts[i] = ids[i];
    }
    fleet_start(&f);
    make_request(&p, "scan-huge");
    p.a.account_ids = accounts;
    p.a.n_account_ids = 10000;
    p.s.categories = cats;
    p.s.n_categories = 7;
    assert_int_equal(cs_dispatcher_submit(&f.cfg, no_env, &p.r, 10000, &err), CS_OK);
    make_request(&p, "scan-small");
    assert_int_equal(cs_dispatcher_submit(&f.cfg, no_env, &p.r, 10000, &err), CS_OK);
    wait_stats(&f, 2);
    cs_dispatcher_stats(f.d, &st);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.dispatched, 1);
    read_topic(&f, "cellscan.scan-results", 1, &g);
    assert_int_equal(g.n, 1);
    r = cellscan__v1__scan_report__unpack(NULL, g.m[0].len, g.m[0].value);
    assert_string_equal(r->scan_id, "scan-huge");
    assert_int_equal(r->status, CELLSCAN__V1__SCAN_STATUS__SCAN_FAILED);
    assert_int_equal(strncmp(r->reason, "cannot publish: ", 16), 0);
    cellscan__v1__scan_report__free_unpacked(r, NULL);
    got_free(&g);
    /* no job of it: only the small scan's four */
    read_topic(&f, "cellscan.cell-jobs", 4, &g);
    assert_int_equal(g.n, 4);
    got_free(&g);
    fleet_stop(&f);
}

/* Without Kafka: unhealthy while waiting, then run gives up after
 * CELLSCAN_STARTUP_TIMEOUT with a message naming the brokers. */
static void no_kafka_at_start(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    struct cs_dispatcher_deps deps = {0};
    volatile sig_atomic_t stop = 0;
    cs_dispatcher_t *d;
    char reason[256];
    int64_t t0;
    (void)state;

    memset(&cfg, 0, sizeof(cfg));
    cfg.kafka_brokers = "127.0.0.1:1";
    cfg.kafka_properties_file = "";
    cfg.topic_prefix = "cellscan.";
    cfg.max_poll_interval_s = 10;
    cfg.startup_timeout_s = 1;
    cfg.drain_timeout_s = 1;
    deps.envp = no_env;
    d = cs_dispatcher_new(&cfg, &deps, &err);
    assert_non_null(d);
    assert_false(cs_dispatcher_healthy(d, reason, sizeof(reason)));
    assert_string_equal(reason, "waiting for Kafka at 127.0.0.1:1");
    t0 = cs_mono_ms();
    assert_int_equal(cs_dispatcher_run(d, &stop), 1);
    assert_true(cs_mono_ms() - t0 < 8000);
    assert_non_null(strstr(cs_dispatcher_error(d),
                           "Kafka at 127.0.0.1:1 unreachable after 1 s"));
    cs_dispatcher_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_manifest_and_jobs),
        cmocka_unit_test(plan_scope_overrides),
        cmocka_unit_test(plan_reports),
        cmocka_unit_test(seen_set),
        cmocka_unit_test(scan_ids),
        cmocka_unit_test(dispatcher_config),
        cmocka_unit_test(core_dispatches_and_refuses),
        cmocka_unit_test(manifest_before_jobs),
        cmocka_unit_test(burst_of_requests),
        cmocka_unit_test(manifest_too_large_fails_the_scan),
        cmocka_unit_test(no_kafka_at_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
