/* cellscan-aggregator as a separate process against `cellscan mock-kafka`
 * and a real redis-server, fed by a test producer:
 *   - several scans of two clients interleaved, results reordered within
 *     each scan, duplicates and better/worse versions of a cell, a scan
 *     with no cell, poison messages (dead-lettered with their reason,
 *     counted in /metrics) and a result of an unknown scan (ignored): each
 *     ScanReport on scan-results equals lib/compliance's pure cs_fold of
 *     the same inputs (packed protobuf, finished_at aside), is published
 *     once and is stored in Redis byte for byte;
 *   - a deadline: missing cells become failed / deadline_exceeded, a late
 *     result changes nothing;
 *   - SIGTERM, then kill -9 of the aggregator mid-scan, each followed by a
 *     restart: exactly one report per scan, equal to the undisturbed fold,
 *     and a finished scan replayed from Redis is not published again;
 *   - a second instance joining, then the first leaving, with scans open;
 *   - a deadline passing while the aggregator is down: the same report;
 *   - a Redis restart mid-run: reports keep flowing and reach Redis later;
 *   - `cellscan status` / `cellscan report` read one client's reports only;
 *   - Kafka or Redis unreachable at start: a clear message, non-zero exit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus/consumer.h"
#include "bus/deadletter.h"
#include "bus/producer.h"
#include "compliance/scan.h"
#include "proc.h"
#include "store/store.h"
#include "util/clock.h"

#define REPORT_CAP 5         /* CELLSCAN_REPORT_VIOLATIONS for the daemon */
#define MAX_RESULTS 96
#define MAX_GOT 64
#define WAIT_MS 60000

static char tmpdir[512];
static char *no_env[] = {NULL};

/* ------------------------------------------------------------ services */

struct fleet {
    struct cs_proc kafka;
    char bootstrap[256];
    struct cs_redis redis;
    struct cs_proc agg;
    int metrics_port;
    struct cs_config cfg;    /* for the test's own clients */
};

static void start_kafka(struct fleet *f, int partitions)
{
    char bin[600], parts[16], line[512];
    char *argv[] = {bin, "mock-kafka", "--partitions", parts, NULL};

    snprintf(bin, sizeof(bin), "%s/bin/cellscan", cs_test_binary_dir());
    snprintf(parts, sizeof(parts), "%d", partitions);
    assert_int_equal(cs_proc_start(&f->kafka, "mock-kafka", argv, NULL, 1,
                                   tmpdir), 0);
    assert_int_equal(cs_proc_wait_line(&f->kafka, "bootstrap=", line,
                                       sizeof(line), 20000), 0);
    snprintf(f->bootstrap, sizeof(f->bootstrap), "%s",
             strstr(line, "bootstrap=") + strlen("bootstrap="));
    memset(&f->cfg, 0, sizeof(f->cfg));
    f->cfg.kafka_brokers = f->bootstrap;
    f->cfg.kafka_properties_file = (char *)"";
    f->cfg.max_poll_interval_s = 10;
    f->cfg.redis_url = f->redis.url;
    f->cfg.report_ttl_s = 600;
    f->cfg.startup_timeout_s = 10;
}

static void start_fleet(struct fleet *f, int partitions)
{
    memset(f, 0, sizeof(*f));
    assert_int_equal(cs_redis_start(&f->redis, tmpdir, 1), 0);
    start_kafka(f, partitions);
    f->metrics_port = cs_free_port();
}

static void start_aggregator(struct fleet *f)
{
    char bin[600], name[64];
    char e_brokers[300], e_redis[200], e_metrics[64], e_cap[64];
    static int runs; /* aggregator starts, for log names */
    char *argv[] = {bin, NULL};
    char *env[] = {e_brokers, e_redis, e_metrics, e_cap,
                   "CELLSCAN_LOG_LEVEL=debug", "CELLSCAN_STARTUP_TIMEOUT=10",
                   "CELLSCAN_DRAIN_TIMEOUT=5", "CELLSCAN_TOPIC_PREFIX=cellscan.",
                   NULL};

    snprintf(bin, sizeof(bin), "%s/bin/cellscan-aggregator", cs_test_binary_dir());
    snprintf(e_brokers, sizeof(e_brokers), "CELLSCAN_KAFKA_BROKERS=%s", f->bootstrap);
    snprintf(e_redis, sizeof(e_redis), "CELLSCAN_REDIS_URL=%s", f->redis.url);
    snprintf(e_metrics, sizeof(e_metrics), "CELLSCAN_METRICS_ADDR=127.0.0.1:%d",
             f->metrics_port);
    snprintf(e_cap, sizeof(e_cap), "CELLSCAN_REPORT_VIOLATIONS=%d", REPORT_CAP);
    snprintf(name, sizeof(name), "aggregator-%d-%d", (int)getpid(), ++runs);
    assert_int_equal(cs_proc_start(&f->agg, name, argv, env, 0, tmpdir), 0);
}

/* g becomes a second aggregator of f's cluster and Redis (its own process
 * and metrics port; stop_fleet(g) stops only that process). */
static void twin(struct fleet *g, const struct fleet *f)
{
    memcpy(g->bootstrap, f->bootstrap, sizeof(g->bootstrap));
    g->redis.port = f->redis.port;
    memcpy(g->redis.url, f->redis.url, sizeof(g->redis.url));
    g->cfg = f->cfg;
    g->cfg.kafka_brokers = g->bootstrap;
    g->cfg.redis_url = g->redis.url;
    g->metrics_port = cs_free_port();
}

static void stop_fleet(struct fleet *f)
{
    cs_proc_stop(&f->agg, 10000);
    cs_proc_stop(&f->kafka, 5000);
    cs_redis_stop(&f->redis);
}

/* Whether the aggregator's current log contains needle. */
static int log_has(const struct fleet *f, const char *needle)
{
    FILE *fp = fopen(f->agg.log_path, "r");
    char line[4096];
    int found = 0;

    if (fp == NULL)
        return 0;
    while (!found && fgets(line, sizeof(line), fp))
        found = strstr(line, needle) != NULL;
    fclose(fp);
    return found;
}

/* Polls check(f, what) every 100 ms until it holds or timeout_ms
 * passed; returns whether it held. */
static int eventually(int (*check)(const struct fleet *, const char *),
                      const struct fleet *f, const char *what, int timeout_ms)
{
    int64_t deadline = cs_mono_ms() + timeout_ms;

    while (cs_mono_ms() < deadline) {
        if (check(f, what))
            return 1;
        usleep(100000);
    }
    return 0;
}

static int wait_log(const struct fleet *f, const char *needle, int timeout_ms)
{
    return eventually(log_has, f, needle, timeout_ms);
}

/* GET of the aggregator's metrics server. Caller frees. */
static char *http_get(const struct fleet *f, const char *path)
{
    long status;

    return cs_http_get(f->metrics_port, path, &status);
}

static int metrics_have(const struct fleet *f, const char *line)
{
    char *text = http_get(f, "/metrics");
    int ok = text && strstr(text, line) != NULL;

    free(text);
    return ok;
}

static int wait_metric(const struct fleet *f, const char *line, int timeout_ms)
{
    return eventually(metrics_have, f, line, timeout_ms);
}

/* ------------------------------------------------------------ inputs */

struct blob {
    uint8_t *data;
    size_t len;
};

struct scan_def {
    char scan_id[64], client[32];
    char accounts[4][16];
    int nacc;
    const char *cats[4];
    int ncat;
    int64_t requested_at, deadline;
    struct blob manifest;
    struct blob results[MAX_RESULTS];
    int counted[MAX_RESULTS]; /* part of the expected fold */
    int nres, sent;          /* results made, results sent so far */
};

static void pack_record(Cellscan__V1__CellResultsRecord *r, struct blob *out)
{
    out->len = cellscan__v1__cell_results_record__get_packed_size(r);
    out->data = malloc(out->len ? out->len : 1);
    assert_non_null(out->data);
    assert_int_equal(cellscan__v1__cell_results_record__pack(r, out->data),
                     out->len);
}

static void define_scan(struct scan_def *d, const char *scan_id,
                        const char *client, int nacc, int ncat,
                        int64_t deadline, int skipped)
{
    static const char *const cats[] = {"ec2", "s3", "rds", "tagging"};
    Cellscan__V1__ScanManifest m = CELLSCAN__V1__SCAN_MANIFEST__INIT;
    Cellscan__V1__CellResultsRecord r = CELLSCAN__V1__CELL_RESULTS_RECORD__INIT;
    Cellscan__V1__SkippedAccount sk = CELLSCAN__V1__SKIPPED_ACCOUNT__INIT;
    Cellscan__V1__SkippedAccount *skp[1] = {&sk};
    char cell_buf[16][40];
    char *cells[16], *accs[4];
    int n = 0;

    memset(d, 0, sizeof(*d));
    snprintf(d->scan_id, sizeof(d->scan_id), "%s", scan_id);
    snprintf(d->client, sizeof(d->client), "%s", client);
    d->nacc = nacc;
    d->ncat = ncat;
    d->requested_at = cs_wall_ms() - 2000;
    d->deadline = deadline ? deadline : cs_wall_ms() + 3600 * 1000;
    for (int a = 0; a < nacc; a++) {
        snprintf(d->accounts[a], sizeof(d->accounts[a]), "%d%d%d%d%d%d%d%d%d%d%d%d",
                 a + 1, a + 1, a + 1, a + 1, a + 1, a + 1, a + 1, a + 1, a + 1,
                 a + 1, a + 1, a + 1);
        accs[a] = d->accounts[a];
    }
    for (int c = 0; c < ncat; c++)
        d->cats[c] = cats[c];
    for (int a = 0; a < nacc; a++)
        for (int c = 0; c < ncat; c++) {
            snprintf(cell_buf[n], sizeof(cell_buf[n]), "aws_%s:%s", cats[c],
                     d->accounts[a]);
            cells[n] = cell_buf[n];
            n++;
        }
    m.schema_version = 1;
    m.scan_id = d->scan_id;
    m.client_id = d->client;
    m.cell_ids = cells;
    m.n_cell_ids = (size_t)n;
    m.account_ids = accs;
    m.n_account_ids = (size_t)nacc;
    m.deadline_at_ms = d->deadline;
    m.requested_at_ms = d->requested_at;
    if (skipped) {
        sk.account_id = "999999999999";
        sk.reason = "suspended";
        m.skipped = skp;
        m.n_skipped = 1;
    }
    r.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST;
    r.manifest = &m;
    pack_record(&r, &d->manifest);
}

/* Adds a result for cell (account a, category c) of d, its numbers drawn
 * from seed; status FAILED gives a denied AssumeRole. */
static void add_result(struct scan_def *d, int a, int c, unsigned seed,
                       Cellscan__V1__CellStatus status)
{
    Cellscan__V1__CellResult x = CELLSCAN__V1__CELL_RESULT__INIT;
    Cellscan__V1__CellResultsRecord r = CELLSCAN__V1__CELL_RESULTS_RECORD__INIT;
    Cellscan__V1__Violation v[4], *vp[4];
    Cellscan__V1__RegionResult reg = CELLSCAN__V1__REGION_RESULT__INIT, *regp[1];
    Cellscan__V1__TypeCount tc = CELLSCAN__V1__TYPE_COUNT__INIT, *tcp[1];
    char cell[40], arn[4][128], type[32];
    uint64_t total = 3 + seed % 17, bad = seed % 4;
    const char *keys[] = {"CostCenter", "Owner", "Env", "Team"};

    assert_true(d->nres < MAX_RESULTS);
    snprintf(cell, sizeof(cell), "aws_%s:%s", d->cats[c], d->accounts[a]);
    snprintf(type, sizeof(type), "%s:thing", d->cats[c]);
    x.schema_version = 1;
    x.scan_id = d->scan_id;
    x.client_id = d->client;
    x.cell_id = cell;
    x.account_id = d->accounts[a];
    x.category = (char *)d->cats[c];
    x.status = status;
    x.worker_id = "it-worker";
    x.started_at_ms = d->requested_at + 100;
    x.finished_at_ms = d->requested_at + 200 + seed % 50;
    x.api_call_count = 2 + seed % 5;
    x.throttle_events = seed % 2;
    x.wall_time_ms = 100 + seed % 50;
    if (status == CELLSCAN__V1__CELL_STATUS__CELL_FAILED) {
        x.evidence_status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS;
        x.error_code = "AccessDenied";
        x.reason = "assume_role_denied";
    } else {
        x.evidence_status = status == CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL
                                ? CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_PARTIAL
                                : CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK;
        if (status == CELLSCAN__V1__CELL_STATUS__CELL_EMPTY)
            total = bad = 0;
        x.record_count = x.total = total;
        x.compliant = total - bad;
        x.violation_count = bad + (bad ? seed % 3 : 0);
        for (uint64_t i = 0; i < bad; i++) {
            cellscan__v1__violation__init(&v[i]);
            snprintf(arn[i], sizeof(arn[i]), "arn:aws:%s:us-east-1:%s:thing/t-%u-%u",
                     d->cats[c], d->accounts[a], seed, (unsigned)i);
            v[i].arn = arn[i];
            v[i].resource_type = type;
            v[i].region = "us-east-1";
            v[i].account_id = d->accounts[a];
            v[i].tag_key = (char *)keys[(seed + i) % 4];
            v[i].kind = (Cellscan__V1__ViolationKind)(1 + (seed + i) % 3);
            if (v[i].kind != CELLSCAN__V1__VIOLATION_KIND__MISSING_REQUIRED_TAG)
                v[i].found_value = "x";
            vp[i] = &v[i];
        }
        x.violations = vp;
        x.n_violations = bad;
        x.violations_truncated = x.violation_count - bad;
        reg.region = "us-east-1";
        reg.status = x.evidence_status;
        reg.record_count = total;
        reg.api_call_count = x.api_call_count;
        regp[0] = &reg;
        x.regions = regp;
        x.n_regions = 1;
        tc.resource_type = type;
        tc.total = total;
        tc.compliant = total - bad;
        tcp[0] = &tc;
        x.resource_types = tcp;
        x.n_resource_types = total ? 1 : 0;
    }
    r.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT;
    r.result = &x;
    pack_record(&r, &d->results[d->nres]);
    d->counted[d->nres] = 1;
    d->nres++;
}

/* One result per cell with mixed statuses, then duplicates: an exact
 * copy, a worse (failed) and a better version of some cells. */
static void add_all_results(struct scan_def *d, unsigned seed)
{
    static const Cellscan__V1__CellStatus st[] = {
        CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE,
        CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL,
        CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE,
        CELLSCAN__V1__CELL_STATUS__CELL_EMPTY,
        CELLSCAN__V1__CELL_STATUS__CELL_FAILED};
    int k = 0;

    for (int a = 0; a < d->nacc; a++)
        for (int c = 0; c < d->ncat; c++, k++)
            add_result(d, a, c, seed + (unsigned)k * 7, st[(seed + (unsigned)k) % 5]);
    add_result(d, 0, 0, seed, st[seed % 5]); /* exact duplicate */
    add_result(d, d->nacc - 1, d->ncat - 1, seed + 1,
               CELLSCAN__V1__CELL_STATUS__CELL_FAILED);
    add_result(d, 0, d->ncat - 1, seed + 99,
               CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE);
}

static void shuffle_results(struct scan_def *d, unsigned seed)
{
    srand(seed);
    for (int i = d->nres - 1; i > 0; i--) {
        int j = rand() % (i + 1);
        struct blob b = d->results[i];
        int c = d->counted[i];
        d->results[i] = d->results[j];
        d->counted[i] = d->counted[j];
        d->results[j] = b;
        d->counted[j] = c;
    }
}

/* An id made from what whose key lands in partition of n partitions (the
 * producer's default partitioner hashes the key). */
static void id_in_partition(char *out, size_t len, const char *what,
                            int32_t partition, int32_t n)
{
    for (int i = 0;; i++) {
        snprintf(out, len, "%s-%d-%d", what, (int)getpid(), i);
        if (rd_kafka_msg_partitioner_consistent(NULL, out, strlen(out), n,
                                                NULL, NULL) == partition)
            return;
    }
}

static void free_scan(struct scan_def *d)
{
    free(d->manifest.data);
    for (int i = 0; i < d->nres; i++)
        free(d->results[i].data);
}

/* ------------------------------------------------------------ producing */

static cs_producer_t *producer(struct fleet *f)
{
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p = cs_producer_new(&f->cfg, no_env, NULL, &err);

    if (p == NULL)
        fail_msg("producer: %s", err.msg);
    return p;
}

static void send_raw(cs_producer_t *p, const char *key, const void *data,
                     size_t len)
{
    struct cs_err err = CS_ERR_INIT;

    if (cs_producer_send(p, "cellscan.cell-results", key, strlen(key), data, len,
                         NULL, NULL, &err) != CS_OK)
        fail_msg("send: %s", err.msg);
}

static void flush(cs_producer_t *p)
{
    struct cs_err err = CS_ERR_INIT;

    if (cs_producer_flush(p, 10000, &err) != CS_OK)
        fail_msg("flush: %s", err.msg);
}

static void send_manifest(cs_producer_t *p, const struct scan_def *d)
{
    send_raw(p, d->scan_id, d->manifest.data, d->manifest.len);
}

/* Sends results [sent, upto) of d. */
static void send_results(cs_producer_t *p, struct scan_def *d, int upto)
{
    for (; d->sent < upto && d->sent < d->nres; d->sent++)
        send_raw(p, d->scan_id, d->results[d->sent].data,
                 d->results[d->sent].len);
}

/* Manifests first, then the scans' results interleaved at random. */
static void send_interleaved(cs_producer_t *p, struct scan_def **ds, int n,
                             unsigned seed)
{
    int left = 0;

    for (int i = 0; i < n; i++) {
        send_manifest(p, ds[i]);
        left += ds[i]->nres - ds[i]->sent;
    }
    srand(seed);
    while (left > 0) {
        struct scan_def *d = ds[rand() % n];
        if (d->sent < d->nres) {
            send_results(p, d, d->sent + 1);
            left--;
        }
    }
    flush(p);
}

/* ------------------------------------------------------------ reading */

struct got {
    char key[160];
    struct blob value;
    char reason[600], topic[256];
};

struct reader {
    cs_consumer_t *c;
    struct got reports[MAX_GOT];
    int nreports;
    struct got dead[MAX_GOT];
    int ndead;
};

static void reader_start(struct reader *r, struct fleet *f)
{
    const char *topics[] = {"cellscan.scan-results", "cellscan.dead-letters"};
    struct cs_consumer_opts o = {"it-reader", topics, 2, NULL, NULL, NULL};
    struct cs_err err = CS_ERR_INIT;

    memset(r, 0, sizeof(*r));
    r->c = cs_consumer_new(&f->cfg, no_env, &o, &err);
    if (r->c == NULL)
        fail_msg("reader: %s", err.msg);
}

static void header(const rd_kafka_message_t *m, const char *name, char *out,
                   size_t outlen)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;

    out[0] = '\0';
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(h, name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR)
        snprintf(out, outlen, "%.*s", (int)n, (const char *)v);
}

static void reader_poll(struct reader *r, int ms)
{
    int64_t deadline = cs_mono_ms() + ms;

    while (cs_mono_ms() < deadline) {
        rd_kafka_message_t *m = NULL;
        struct got *g;
        assert_int_equal(cs_consumer_poll(r->c, 50, &m, NULL), CS_OK);
        if (m == NULL)
            continue;
        if (strcmp(rd_kafka_topic_name(m->rkt), "cellscan.scan-results") == 0) {
            assert_true(r->nreports < MAX_GOT);
            g = &r->reports[r->nreports++];
        } else {
            assert_true(r->ndead < MAX_GOT);
            g = &r->dead[r->ndead++];
            header(m, CS_DLQ_HDR_REASON, g->reason, sizeof(g->reason));
            header(m, CS_DLQ_HDR_TOPIC, g->topic, sizeof(g->topic));
        }
        snprintf(g->key, sizeof(g->key), "%.*s", (int)m->key_len,
                 m->key ? (const char *)m->key : "");
        g->value.len = m->len;
        g->value.data = malloc(m->len ? m->len : 1);
        memcpy(g->value.data, m->payload, m->len);
        rd_kafka_message_destroy(m);
    }
}

static int reports_for(const struct reader *r, const char *scan_id)
{
    int n = 0;

    for (int i = 0; i < r->nreports; i++)
        n += strcmp(r->reports[i].key, scan_id) == 0;
    return n;
}

/* Polls until every scan of ids has a report (and ndead dead letters),
 * then a little more so that duplicates would show. */
static void wait_reports(struct reader *r, const char *const *ids, int n,
                         int ndead)
{
    int64_t deadline = cs_mono_ms() + WAIT_MS;
    int missing = 1;

    while (missing && cs_mono_ms() < deadline) {
        reader_poll(r, 200);
        missing = r->ndead < ndead;
        for (int i = 0; i < n; i++)
            missing |= reports_for(r, ids[i]) == 0;
    }
    reader_poll(r, 1500);
    for (int i = 0; i < n; i++)
        if (reports_for(r, ids[i]) != 1)
            fail_msg("scan %s: %d report(s) on scan-results, expected 1",
                     ids[i], reports_for(r, ids[i]));
    assert_int_equal(r->ndead, ndead);
}

/* Polls until scan_id has a report; fails after WAIT_MS. */
static void wait_one(struct reader *r, const char *scan_id)
{
    int64_t deadline = cs_mono_ms() + WAIT_MS;

    while (reports_for(r, scan_id) == 0) {
        if (cs_mono_ms() > deadline)
            fail_msg("no report for %s within %d ms", scan_id, WAIT_MS);
        reader_poll(r, 200);
    }
}

static void reader_stop(struct reader *r)
{
    cs_consumer_close(r->c, 5000, NULL);
    for (int i = 0; i < r->nreports; i++)
        free(r->reports[i].value.data);
    for (int i = 0; i < r->ndead; i++)
        free(r->dead[i].value.data);
}

static const struct got *report_of(const struct reader *r, const char *scan_id)
{
    for (int i = 0; i < r->nreports; i++)
        if (strcmp(r->reports[i].key, scan_id) == 0)
            return &r->reports[i];
    fail_msg("no report for %s", scan_id);
    return NULL;
}

/* ------------------------------------------------------------ checking */

/* The pure fold of d's counted inputs, finished at finished_at. The
 * aggregator closes a scan at the first result that completes it, so
 * results sent after that one are not inputs. */
static Cellscan__V1__ScanReport *expected_report(const struct scan_def *d,
                                                 int64_t finished_at)
{
    char seen[MAX_RESULTS][48];
    size_t nseen = 0, ncells;
    Cellscan__V1__CellResultsRecord *mr, *rr[MAX_RESULTS];
    const Cellscan__V1__CellResult *rs[MAX_RESULTS];
    struct cs_fold_opts o = {1, REPORT_CAP, finished_at};
    Cellscan__V1__ScanReport *out = NULL;
    struct cs_err err = CS_ERR_INIT;
    size_t n = 0;

    mr = cellscan__v1__cell_results_record__unpack(NULL, d->manifest.len,
                                                   d->manifest.data);
    assert_non_null(mr);
    ncells = mr->manifest->n_cell_ids;
    for (int i = 0; i < d->sent && nseen < ncells; i++) {
        size_t k = 0;
        if (!d->counted[i])
            continue;
        rr[n] = cellscan__v1__cell_results_record__unpack(
            NULL, d->results[i].len, d->results[i].data);
        assert_non_null(rr[n]);
        rs[n] = rr[n]->result;
        while (k < nseen && strcmp(seen[k], rs[n]->cell_id) != 0)
            k++;
        if (k == nseen)
            snprintf(seen[nseen++], sizeof(seen[0]), "%s", rs[n]->cell_id);
        n++;
    }
    if (cs_fold(mr->manifest, rs, n, &o, &out, &err) != CS_OK)
        fail_msg("fold: %s", err.msg);
    cellscan__v1__cell_results_record__free_unpacked(mr, NULL);
    for (size_t i = 0; i < n; i++)
        cellscan__v1__cell_results_record__free_unpacked(rr[i], NULL);
    return out;
}

/* The published report equals the fold byte for byte (finished_at set
 * from the published one). Returns the published one, unpacked. */
static Cellscan__V1__ScanReport *check_report(const struct reader *r,
                                              const struct scan_def *d)
{
    const struct got *g = report_of(r, d->scan_id);
    Cellscan__V1__ScanReport *got =
        cellscan__v1__scan_report__unpack(NULL, g->value.len, g->value.data);
    Cellscan__V1__ScanReport *want;
    uint8_t *packed;
    size_t n;

    assert_non_null(got);
    assert_true(got->finished_at_ms >= d->requested_at);
    want = expected_report(d, got->finished_at_ms);
    n = cellscan__v1__scan_report__get_packed_size(want);
    packed = malloc(n ? n : 1);
    cellscan__v1__scan_report__pack(want, packed);
    if (n != g->value.len || memcmp(packed, g->value.data, n) != 0)
        fail_msg("scan %s: published report (%zu bytes) differs from the "
                 "fold (%zu bytes)", d->scan_id, g->value.len, n);
    free(packed);
    cs_report_free(want);
    return got;
}

static cs_store_t *store_of(struct fleet *f)
{
    struct cs_err err = CS_ERR_INIT;
    cs_store_t *s;

    f->cfg.redis_url = f->redis.url;
    s = cs_store_new(&f->cfg, &err);
    if (s == NULL)
        fail_msg("store: %s", err.msg);
    return s;
}

/* Polls Redis until the report of d is there; it must be the published
 * one, byte for byte, and in the client's index. */
static void check_stored(struct fleet *f, const struct reader *r,
                         const struct scan_def *d)
{
    const struct got *g = report_of(r, d->scan_id);
    int64_t deadline = cs_mono_ms() + WAIT_MS;
    Cellscan__V1__ScanReport *got = NULL;
    struct cs_scan_ref *refs = NULL;
    struct cs_err err = CS_ERR_INIT;
    cs_store_t *s = store_of(f);
    uint8_t *packed;
    size_t n, nrefs = 0;
    int indexed = 0;

    while (cs_store_get_report(s, d->client, d->scan_id, &got, &err) != CS_OK) {
        if (cs_mono_ms() > deadline)
            fail_msg("scan %s not in Redis: %s", d->scan_id, err.msg);
        usleep(200000);
    }
    n = cellscan__v1__scan_report__get_packed_size(got);
    packed = malloc(n ? n : 1);
    cellscan__v1__scan_report__pack(got, packed);
    assert_int_equal(n, g->value.len);
    assert_memory_equal(packed, g->value.data, n);
    assert_int_equal(cs_store_list_scans(s, d->client, 100, &refs, &nrefs, &err),
                     CS_OK);
    for (size_t i = 0; i < nrefs; i++)
        indexed |= strcmp(refs[i].scan_id, d->scan_id) == 0;
    assert_true(indexed);
    free(refs);
    free(packed);
    cellscan__v1__scan_report__free_unpacked(got, NULL);
    cs_store_destroy(s);
}

static const Cellscan__V1__Evidence *evidence(const Cellscan__V1__ScanReport *r,
                                              const char *key)
{
    for (size_t i = 0; i < r->n_evidence_completeness; i++)
        if (strcmp(r->evidence_completeness[i]->key, key) == 0)
            return r->evidence_completeness[i];
    return NULL;
}

/* ------------------------------------------------------------ CLI */

struct cli_run {
    int status;
    char out[65536];
    char err[4096];
};

/* Runs `cellscan args...` with env; captures stdout, stderr and status. */
static void run_cli(const char *const *env, const char *const *args,
                    struct cli_run *res)
{
    static int runs;
    char bin[600], name[64];
    char *argv[16];
    static struct cs_proc p;
    size_t used = 0;
    FILE *fp;
    int n = 0;

    snprintf(bin, sizeof(bin), "%s/bin/cellscan", cs_test_binary_dir());
    argv[n++] = bin;
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    snprintf(name, sizeof(name), "cli-%d-%d", (int)getpid(), ++runs);
    memset(res, 0, sizeof(*res));
    assert_int_equal(cs_proc_start(&p, name, argv, (char *const *)env, 1, tmpdir), 0);
    for (;;) {
        ssize_t k = read(p.out_fd, res->out + used, sizeof(res->out) - 1 - used);
        if (k <= 0)
            break;
        used += (size_t)k;
    }
    res->status = cs_proc_wait_exit(&p, 30000);
    if (res->status < 0)
        cs_proc_stop(&p, 1000);
    fp = fopen(p.log_path, "r");
    if (fp) {
        size_t k = fread(res->err, 1, sizeof(res->err) - 1, fp);
        res->err[k] = '\0';
        fclose(fp);
    }
}

/* ------------------------------------------------------------ tests */

static int64_t scan_seq;

static void unique_id(char *out, size_t len, const char *what)
{
    snprintf(out, len, "%s-%d-%lld", what, (int)getpid(), (long long)++scan_seq);
}

static void folds_publishes_and_stores(void **state)
{
    static struct fleet f;
    static struct reader r;
    struct scan_def s1, s2, s3, s4;
    struct scan_def *all[] = {&s1, &s2, &s3, &s4};
    char ids[4][64], ghost[64];
    const char *idv[4];
    cs_producer_t *p;
    Cellscan__V1__ScanReport *rep;
    struct scan_def tmp;
    (void)state;

    start_fleet(&f, 3);
    start_aggregator(&f);
    for (int i = 0; i < 4; i++) {
        unique_id(ids[i], sizeof(ids[i]), "fold");
        idv[i] = ids[i];
    }
    define_scan(&s1, ids[0], "acme", 2, 3, 0, 0);
    define_scan(&s2, ids[1], "beta", 1, 2, 0, 0);
    define_scan(&s3, ids[2], "acme", 3, 2, 0, 1);
    define_scan(&s4, ids[3], "beta", 0, 0, 0, 1); /* no cell: done at once */
    add_all_results(&s1, 11);
    add_all_results(&s2, 23);
    add_all_results(&s3, 37);
    shuffle_results(&s1, 1);
    shuffle_results(&s2, 2);
    shuffle_results(&s3, 3);
    reader_start(&r, &f);
    p = producer(&f);

    /* poison first: the aggregator must carry on past them */
    send_raw(p, ids[0], "\xff\xff not a record", 15);
    unique_id(ghost, sizeof(ghost), "ghost");
    define_scan(&tmp, ghost, "acme", 1, 1, 0, 0);
    add_result(&tmp, 0, 0, 5, CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE);
    send_results(p, &tmp, 1); /* a result of a scan never announced */
    free_scan(&tmp);
    define_scan(&tmp, ghost, "acme", 1, 1, 1, 0);
    {   /* a manifest without a deadline */
        Cellscan__V1__CellResultsRecord *rec =
            cellscan__v1__cell_results_record__unpack(NULL, tmp.manifest.len,
                                                      tmp.manifest.data);
        struct blob b;
        rec->manifest->deadline_at_ms = 0;
        pack_record(rec, &b);
        send_raw(p, ghost, b.data, b.len);
        free(b.data);
        cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
    }
    free_scan(&tmp);
    send_interleaved(p, all, 4, 99);
    {   /* a result that fails validation, in s1's partition */
        Cellscan__V1__CellResultsRecord *rec =
            cellscan__v1__cell_results_record__unpack(NULL, s1.results[0].len,
                                                      s1.results[0].data);
        struct blob b;
        rec->result->status = CELLSCAN__V1__CELL_STATUS__CELL_STATUS_UNSPECIFIED;
        pack_record(rec, &b);
        send_raw(p, ids[0], b.data, b.len);
        free(b.data);
        cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
        flush(p);
    }

    wait_reports(&r, idv, 4, 3);
    for (int i = 0; i < 4; i++) {
        rep = check_report(&r, all[i]);
        check_stored(&f, &r, all[i]);
        if (i == 3) {
            assert_int_equal(rep->status, CELLSCAN__V1__SCAN_STATUS__SCAN_OK);
            assert_int_equal(rep->n_skipped_accounts, 1);
        } else {
            assert_true(rep->n_evidence_completeness == (size_t)(all[i]->nacc * all[i]->ncat));
        }
        cellscan__v1__scan_report__free_unpacked(rep, NULL);
    }
    /* the dead letters: original bytes, the topic and the reason */
    {
        int decode = 0, deadline = 0, status = 0;
        for (int i = 0; i < r.ndead; i++) {
            assert_string_equal(r.dead[i].topic, "cellscan.cell-results");
            decode += strstr(r.dead[i].reason, "decode: not a valid cellscan.v1."
                                               "CellResultsRecord (15 bytes)") != NULL;
            deadline += strstr(r.dead[i].reason, "has no deadline_at_ms") != NULL;
            status += strstr(r.dead[i].reason, "status 0 is not a cell status") != NULL;
            if (strstr(r.dead[i].reason, "decode:")) {
                assert_int_equal(r.dead[i].value.len, 15);
                assert_memory_equal(r.dead[i].value.data, "\xff\xff not a record", 15);
            }
        }
        assert_int_equal(decode, 1);
        assert_int_equal(deadline, 1);
        assert_int_equal(status, 1);
    }
    assert_true(wait_metric(&f, "cellscan_dead_letters_total{topic=\"cellscan.cell-results\","
                                "reason=\"decode\"} 1", 10000));
    assert_true(metrics_have(&f, "cellscan_dead_letters_total{topic=\"cellscan.cell-results\","
                                 "reason=\"invalid\"} 2"));
    assert_true(metrics_have(&f, "cellscan_open_scans 0"));
    assert_true(metrics_have(&f, "cellscan_report_latency_seconds_count 4"));
    assert_true(wait_metric(&f, "cellscan_consumer_lag{group=\"cellscan.aggregator\"",
                            10000));
    {
        char *h = http_get(&f, "/healthz");
        assert_non_null(h);
        assert_string_equal(h, "ok\n");
        free(h);
    }
    assert_true(log_has(&f, "ignored: unknown scan (its manifest was not seen)"));

    /* cellscan status reads what the aggregator stored */
    {
        char e_redis[200];
        const char *env[] = {e_redis, "CELLSCAN_CLIENT_ID=acme", NULL};
        const char *args[] = {"status", ids[0], NULL};
        struct cli_run res;
        char cells[64];
        snprintf(e_redis, sizeof(e_redis), "CELLSCAN_REDIS_URL=%s", f.redis.url);
        run_cli(env, args, &res);
        assert_int_equal(res.status, 0);
        snprintf(cells, sizeof(cells), "cells        %d done / %d expected",
                 s1.nacc * s1.ncat, s1.nacc * s1.ncat);
        assert_non_null(strstr(res.out, cells));
        assert_non_null(strstr(res.out, "finished_at  20"));
    }
    /* SIGTERM: a clean, bounded exit */
    assert_int_equal(cs_proc_stop(&f.agg, 15000), 0);
    reader_stop(&r);
    cs_producer_destroy(p);
    for (int i = 0; i < 4; i++)
        free_scan(all[i]);
    stop_fleet(&f);
}

static void deadline_finalises(void **state)
{
    static struct fleet f;
    static struct reader r;
    struct scan_def d, e;
    char id_d[64], id_e[64];
    const char *ids[2] = {id_d, id_e};
    Cellscan__V1__ScanReport *rep;
    cs_producer_t *p;
    char key[64];
    int64_t deadline;
    (void)state;

    start_fleet(&f, 1);
    start_aggregator(&f);
    unique_id(id_d, sizeof(id_d), "deadline");
    unique_id(id_e, sizeof(id_e), "complete");
    deadline = cs_wall_ms() + 8000;
    define_scan(&d, id_d, "acme", 2, 2, deadline, 0);
    define_scan(&e, id_e, "acme", 1, 2, 0, 0);
    add_result(&d, 0, 0, 3, CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE);
    add_result(&d, 1, 1, 4, CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL);
    add_result(&d, 0, 0, 3, CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE);
    add_all_results(&e, 8);
    reader_start(&r, &f);
    p = producer(&f);
    send_manifest(p, &d);
    send_results(p, &d, d.nres);
    send_manifest(p, &e);
    send_results(p, &e, e.nres);
    flush(p);

    /* the complete scan is not held up by the open one before it */
    while (reports_for(&r, id_e) == 0 && cs_wall_ms() < deadline - 1000)
        reader_poll(&r, 200);
    assert_int_equal(reports_for(&r, id_e), 1);
    assert_int_equal(reports_for(&r, id_d), 0);

    wait_reports(&r, ids, 2, 0);
    rep = check_report(&r, &d);
    assert_true(rep->finished_at_ms >= deadline);
    assert_int_equal(rep->status, CELLSCAN__V1__SCAN_STATUS__SCAN_PARTIAL);
    snprintf(key, sizeof(key), "aws_s3:%s", d.accounts[0]);
    assert_non_null(evidence(rep, key));
    assert_string_equal(evidence(rep, key)->reason, "deadline_exceeded");
    assert_int_equal(evidence(rep, key)->status,
                     CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_ERROR);
    assert_int_equal(rep->overall->cells_with_data, 2);
    assert_int_equal(rep->overall->cells_expected, 4);
    cellscan__v1__scan_report__free_unpacked(rep, NULL);
    rep = check_report(&r, &e);
    cellscan__v1__scan_report__free_unpacked(rep, NULL);
    check_stored(&f, &r, &d);

    /* a result after the deadline changes nothing and publishes nothing */
    add_result(&d, 0, 1, 9, CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE);
    d.counted[d.nres - 1] = 0;
    send_results(p, &d, d.nres);
    flush(p);
    assert_true(wait_log(&f, "ignored: scan already finished", 20000));
    reader_poll(&r, 1000);
    assert_int_equal(reports_for(&r, id_d), 1);

    reader_stop(&r);
    cs_producer_destroy(p);
    free_scan(&d);
    free_scan(&e);
    stop_fleet(&f);
}

/* SIGTERM, then kill -9, each mid-scan and followed by a restart: every
 * scan has exactly one report, equal to the fold of everything sent. */
static void restarts_publish_once(void **state)
{
    static struct fleet f;
    static struct reader r;
    struct scan_def k1, k2, k3;
    char id1[64], id2[64], id3[64];
    const char *ids[3] = {id1, id2, id3};
    Cellscan__V1__ScanReport *rep;
    cs_producer_t *p;
    int third;
    (void)state;

    start_fleet(&f, 1);
    start_aggregator(&f);
    unique_id(id1, sizeof(id1), "long");
    unique_id(id2, sizeof(id2), "short");
    unique_id(id3, sizeof(id3), "after");
    define_scan(&k1, id1, "acme", 3, 3, 0, 0);
    define_scan(&k2, id2, "beta", 1, 2, 0, 0);
    define_scan(&k3, id3, "acme", 2, 1, 0, 0);
    add_all_results(&k1, 51);
    add_all_results(&k2, 52);
    add_all_results(&k3, 53);
    shuffle_results(&k1, 5);
    third = k1.nres / 3;
    reader_start(&r, &f);
    p = producer(&f);

    /* k1 opens first, so it holds the commit point below k2 */
    send_manifest(p, &k1);
    send_manifest(p, &k2);
    send_results(p, &k2, k2.nres);
    send_results(p, &k1, third);
    flush(p);
    wait_one(&r, id2);
    check_stored(&f, &r, &k2);
    assert_true(wait_log(&f, "committed cellscan.cell-results[0]", 20000));

    assert_int_equal(cs_proc_stop(&f.agg, 15000), 0);
    assert_true(log_has(&f, "1 scan(s) left open for the group"));
    start_aggregator(&f);
    send_results(p, &k1, 2 * third);
    flush(p);
    /* k1 rebuilt, k2 replayed but not reopened, k2's results ignored */
    assert_true(wait_log(&f, "(rebuilt from a replay)", 30000));
    assert_true(wait_log(&f, "not reopened", 30000));
    assert_true(wait_log(&f, "ignored: scan already finished", 30000));
    cs_proc_kill9(&f.agg);

    start_aggregator(&f);
    send_results(p, &k1, k1.nres);
    send_manifest(p, &k3);
    send_results(p, &k3, k3.nres);
    flush(p);
    wait_reports(&r, ids, 3, 0);
    assert_true(log_has(&f, "replayed manifest of a scan already reported "
                            "(found in Redis); not reopened"));
    assert_true(log_has(&f, "(rebuilt from a replay)"));
    rep = check_report(&r, &k1);
    cellscan__v1__scan_report__free_unpacked(rep, NULL);
    rep = check_report(&r, &k2);
    cellscan__v1__scan_report__free_unpacked(rep, NULL);
    rep = check_report(&r, &k3);
    cellscan__v1__scan_report__free_unpacked(rep, NULL);
    check_stored(&f, &r, &k1);
    check_stored(&f, &r, &k3);

    reader_stop(&r);
    cs_producer_destroy(p);
    free_scan(&k1);
    free_scan(&k2);
    free_scan(&k3);
    stop_fleet(&f);
}

/* Two instances share the partitions; one joins while scans are open and
 * the other leaves while scans are open: each scan is rebuilt by its new
 * owner and reported once. */
static void instances_hand_over(void **state)
{
    enum { N = 8, PARTS = 4 };
    static struct fleet f, g;
    static struct reader r;
    static struct scan_def d[N];
    char ids[N][64];
    const char *idv[N];
    Cellscan__V1__ScanReport *rep;
    cs_producer_t *p;
    (void)state;

    start_fleet(&f, PARTS);
    start_aggregator(&f);
    twin(&g, &f);
    for (int i = 0; i < N; i++) {
        id_in_partition(ids[i], sizeof(ids[i]), i < PARTS ? "hand" : "over",
                        i % PARTS, PARTS);
        idv[i] = ids[i];
        define_scan(&d[i], ids[i], i % 2 ? "acme" : "beta", 1, 2, 0, 0);
        add_all_results(&d[i], 80 + (unsigned)i);
    }
    reader_start(&r, &f);
    p = producer(&f);
    for (int i = 0; i < N; i++) {
        send_manifest(p, &d[i]);
        send_results(p, &d[i], 1);
    }
    flush(p);
    assert_true(wait_metric(&f, "cellscan_open_scans 8", WAIT_MS));

    /* g joins: half the partitions, and their open scans, move to it */
    start_aggregator(&g);
    assert_true(wait_log(&g, "(rebuilt from a replay)", WAIT_MS));
    assert_true(wait_metric(&g, "cellscan_open_scans 4", WAIT_MS));
    assert_true(wait_metric(&f, "cellscan_open_scans 4", WAIT_MS));
    for (int i = 0; i < N; i += 2)
        send_results(p, &d[i], d[i].nres);
    flush(p);
    for (int i = 0; i < N; i += 2)
        wait_one(&r, ids[i]);

    /* f leaves: g takes every partition and rebuilds what f held */
    assert_int_equal(cs_proc_stop(&f.agg, 15000), 0);
    assert_true(wait_log(&g, "assigned 4 partition(s)", WAIT_MS));
    for (int i = 1; i < N; i += 2)
        send_results(p, &d[i], d[i].nres);
    flush(p);
    wait_reports(&r, idv, N, 0);
    for (int i = 0; i < N; i++) {
        rep = check_report(&r, &d[i]);
        cellscan__v1__scan_report__free_unpacked(rep, NULL);
        check_stored(&f, &r, &d[i]);
        free_scan(&d[i]);
    }
    reader_stop(&r);
    cs_producer_destroy(p);
    stop_fleet(&g);
    stop_fleet(&f);
}

/* A deadline that passes while the aggregator is down: the restarted one
 * rebuilds the scan from the partition and closes it where the live run
 * would have, so a result written after the deadline does not count. */
static void deadline_same_after_crash(void **state)
{
    static struct fleet f;
    static struct reader r;
    struct scan_def d, e;
    char id_d[64], id_e[64];
    const char *ids[2] = {id_d, id_e};
    Cellscan__V1__ScanReport *rep;
    cs_producer_t *p;
    int64_t deadline;
    (void)state;

    start_fleet(&f, 1);
    start_aggregator(&f);
    unique_id(id_d, sizeof(id_d), "crash-deadline");
    unique_id(id_e, sizeof(id_e), "crash-after");
    deadline = cs_wall_ms() + 10000;
    define_scan(&d, id_d, "acme", 2, 2, deadline, 0);
    define_scan(&e, id_e, "beta", 1, 1, 0, 0);
    add_result(&d, 1, 0, 21, CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE);
    add_result(&d, 0, 1, 22, CELLSCAN__V1__CELL_STATUS__CELL_FAILED);
    add_result(&d, 1, 0, 21, CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE);
    add_result(&d, 0, 0, 23, CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE);
    d.counted[3] = 0; /* written after the deadline */
    add_all_results(&e, 24);
    reader_start(&r, &f);
    p = producer(&f);
    send_manifest(p, &d);
    send_results(p, &d, 3);
    flush(p);
    assert_true(wait_metric(&f, "cellscan_open_scans 1", WAIT_MS));
    cs_proc_kill9(&f.agg);

    while (cs_wall_ms() <= deadline + 500)
        usleep(100000);
    send_results(p, &d, 4);
    send_manifest(p, &e);
    send_results(p, &e, e.nres);
    flush(p);
    start_aggregator(&f);
    wait_reports(&r, ids, 2, 0);
    rep = check_report(&r, &d);
    assert_int_equal(rep->overall->cells_expected, 4);
    assert_int_equal(rep->overall->cells_with_data, 1);
    cellscan__v1__scan_report__free_unpacked(rep, NULL);
    rep = check_report(&r, &e);
    cellscan__v1__scan_report__free_unpacked(rep, NULL);
    assert_true(log_has(&f, "scan closed at its deadline: 2 of 4 cells"));

    reader_stop(&r);
    cs_producer_destroy(p);
    free_scan(&d);
    free_scan(&e);
    stop_fleet(&f);
}

/* Starts redis-server again on r's port and directory (its AOF is read
 * back), as after a restart of the server. */
static void redis_restart(struct cs_redis *r)
{
    char port[16];
    char *argv[] = {"redis-server", "--port", port, "--bind", "127.0.0.1",
                    "--dir", tmpdir, "--save", "", "--appendonly", "yes",
                    "--daemonize", "no", NULL};
    int64_t deadline = cs_mono_ms() + 10000;
    struct cs_config cfg;

    snprintf(port, sizeof(port), "%d", r->port);
    assert_int_equal(cs_proc_start(&r->proc, "redis-again", argv, NULL, 0, tmpdir), 0);
    memset(&cfg, 0, sizeof(cfg));
    cfg.redis_url = r->url;
    cfg.report_ttl_s = 60;
    cfg.startup_timeout_s = 10;
    while (cs_mono_ms() < deadline) {
        cs_store_t *s = cs_store_new(&cfg, NULL);
        if (s) {
            cs_store_destroy(s);
            return;
        }
    }
    fail_msg("redis-server did not come back on port %d", r->port);
}

static void survives_redis_restart(void **state)
{
    static struct fleet f;
    static struct reader r;
    struct scan_def a, b, c;
    char ida[64], idb[64], idc[64];
    const char *ids[3] = {ida, idb, idc};
    Cellscan__V1__ScanReport *rep;
    cs_producer_t *p;
    char *h;
    (void)state;

    start_fleet(&f, 2);
    start_aggregator(&f);
    unique_id(ida, sizeof(ida), "before");
    unique_id(idb, sizeof(idb), "during");
    unique_id(idc, sizeof(idc), "after");
    define_scan(&a, ida, "acme", 1, 2, 0, 0);
    define_scan(&b, idb, "acme", 2, 2, 0, 0);
    define_scan(&c, idc, "beta", 1, 3, 0, 0);
    add_all_results(&a, 61);
    add_all_results(&b, 62);
    add_all_results(&c, 63);
    reader_start(&r, &f);
    p = producer(&f);

    send_manifest(p, &a);
    send_results(p, &a, a.nres);
    flush(p);
    wait_one(&r, ida);
    check_stored(&f, &r, &a);

    cs_redis_stop(&f.redis); /* SIGTERM: the AOF keeps report a */
    send_manifest(p, &b);
    send_results(p, &b, b.nres);
    flush(p);
    wait_one(&r, idb);
    assert_true(wait_log(&f, "storing the report in Redis failed", 20000));
    h = http_get(&f, "/healthz");
    assert_non_null(h);
    assert_string_equal(h, "ok\n");
    free(h);

    redis_restart(&f.redis);
    check_stored(&f, &r, &b);
    check_stored(&f, &r, &a);
    send_manifest(p, &c);
    send_results(p, &c, c.nres);
    flush(p);
    wait_reports(&r, ids, 3, 0);
    check_stored(&f, &r, &c);
    rep = check_report(&r, &b);
    cellscan__v1__scan_report__free_unpacked(rep, NULL);
    assert_true(log_has(&f, "Redis answers again"));

    reader_stop(&r);
    cs_producer_destroy(p);
    free_scan(&a);
    free_scan(&b);
    free_scan(&c);
    stop_fleet(&f);
}

/* Reports of two clients put in Redis as the aggregator does; the CLI
 * reads one client's only. */
static void cli_reads_within_client(void **state)
{
    static struct cs_redis redis;
    struct cs_config cfg;
    struct scan_def a, b;
    char ida[64], idb[64], idn[64], e_redis[200], html[600];
    const char *acme[] = {e_redis, "CELLSCAN_CLIENT_ID=acme", NULL};
    const char *beta[] = {e_redis, "CELLSCAN_CLIENT_ID=beta", NULL};
    Cellscan__V1__ScanReport *ra, *rb;
    struct cli_run res, other, missing;
    char msg_other[512], msg_missing[512];
    cs_store_t *s;
    FILE *fp;
    char head[32] = {0};
    (void)state;

    assert_int_equal(cs_redis_start(&redis, tmpdir, 0), 0);
    unique_id(ida, sizeof(ida), "cli-a");
    unique_id(idb, sizeof(idb), "cli-b");
    unique_id(idn, sizeof(idn), "cli-none");
    define_scan(&a, ida, "acme", 2, 2, 0, 1);
    define_scan(&b, idb, "beta", 1, 2, 0, 0);
    add_all_results(&a, 71);
    add_all_results(&b, 72);
    a.sent = a.nres;
    b.sent = b.nres;
    ra = expected_report(&a, cs_wall_ms());
    rb = expected_report(&b, cs_wall_ms());
    memset(&cfg, 0, sizeof(cfg));
    cfg.redis_url = redis.url;
    cfg.report_ttl_s = 600;
    cfg.startup_timeout_s = 5;
    s = cs_store_new(&cfg, NULL);
    assert_non_null(s);
    assert_int_equal(cs_store_put_report(s, ra, NULL), CS_OK);
    assert_int_equal(cs_store_put_report(s, rb, NULL), CS_OK);
    cs_store_destroy(s);
    snprintf(e_redis, sizeof(e_redis), "CELLSCAN_REDIS_URL=%s", redis.url);

    run_cli(acme, (const char *[]){"report", ida, "--format", "json", NULL}, &res);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.out, ida));
    assert_non_null(strstr(res.out, "\"client_id\": \"acme\""));
    assert_non_null(strstr(res.out, "\"skipped_accounts\""));
    run_cli(acme, (const char *[]){"report", ida, "--format=table", NULL}, &res);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.out, a.accounts[1]));
    snprintf(html, sizeof(html), "%s/report-%s.html", tmpdir, ida);
    run_cli(acme, (const char *[]){"report", ida, "--format", "html", "--out",
                                   html, NULL}, &res);
    assert_int_equal(res.status, 0);
    assert_string_equal(res.out, "");
    fp = fopen(html, "r");
    assert_non_null(fp);
    assert_true(fread(head, 1, 15, fp) == 15);
    fclose(fp);
    assert_string_equal(head, "<!DOCTYPE html>");
    run_cli(acme, (const char *[]){"status", ida, NULL}, &res);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.out, "client_id    acme"));
    assert_non_null(strstr(res.out, "cells        4 done / 4 expected"));
    run_cli(beta, (const char *[]){"status", idb, NULL}, &res);
    assert_int_equal(res.status, 0);

    /* acme asks for beta's scan, and for a scan nobody has: same answer */
    run_cli(acme, (const char *[]){"report", idb, NULL}, &other);
    run_cli(acme, (const char *[]){"report", idn, NULL}, &missing);
    assert_int_equal(other.status, 1);
    assert_int_equal(missing.status, 1);
    assert_string_equal(other.out, "");
    snprintf(msg_other, sizeof(msg_other), "cellscan report: no report for scan "
             "%s (unknown, not finished yet, or expired)\n", idb);
    snprintf(msg_missing, sizeof(msg_missing), "cellscan report: no report for "
             "scan %s (unknown, not finished yet, or expired)\n", idn);
    assert_non_null(strstr(other.err, msg_other));
    assert_non_null(strstr(missing.err, msg_missing));
    run_cli(acme, (const char *[]){"status", idb, NULL}, &other);
    assert_int_equal(other.status, 1);
    assert_string_equal(other.out, "");
    assert_non_null(strstr(other.err, "no report for scan"));

    /* usage errors and an unreachable Redis */
    run_cli(acme, (const char *[]){"report", ida, "--format", "xml", NULL}, &res);
    assert_int_equal(res.status, 2);
    run_cli(acme, (const char *[]){"report", "a b", NULL}, &res);
    assert_int_equal(res.status, 2);
    run_cli(acme, (const char *[]){"status", NULL}, &res);
    assert_int_equal(res.status, 2);
    {
        char e_dead[128];
        const char *env[] = {e_dead, "CELLSCAN_CLIENT_ID=acme",
                             "CELLSCAN_STARTUP_TIMEOUT=1", NULL};
        snprintf(e_dead, sizeof(e_dead), "CELLSCAN_REDIS_URL=redis://127.0.0.1:%d/0",
                 cs_free_port());
        run_cli(env, (const char *[]){"status", ida, NULL}, &res);
        assert_int_equal(res.status, 1);
        assert_non_null(strstr(res.err, "unreachable after 1 s"));
    }
    cs_report_free(ra);
    cs_report_free(rb);
    free_scan(&a);
    free_scan(&b);
    cs_redis_stop(&redis);
}

static void startup_fails_clearly(void **state)
{
    static struct fleet f;
    char bin[600], e_brokers[128], e_redis[200], expect[200];
    char *argv[] = {bin, NULL};
    char *env[] = {e_brokers, e_redis, "CELLSCAN_STARTUP_TIMEOUT=2",
                   "CELLSCAN_METRICS_ADDR=off", NULL};
    int dead_port = cs_free_port();
    int64_t t0;
    (void)state;

    memset(&f, 0, sizeof(f));
    assert_int_equal(cs_redis_start(&f.redis, tmpdir, 0), 0);
    snprintf(bin, sizeof(bin), "%s/bin/cellscan-aggregator", cs_test_binary_dir());

    /* Kafka unreachable */
    snprintf(e_brokers, sizeof(e_brokers), "CELLSCAN_KAFKA_BROKERS=127.0.0.1:%d",
             dead_port);
    snprintf(e_redis, sizeof(e_redis), "CELLSCAN_REDIS_URL=%s", f.redis.url);
    t0 = cs_mono_ms();
    assert_int_equal(cs_proc_start(&f.agg, "agg-no-kafka", argv, env, 0, tmpdir), 0);
    assert_int_equal(cs_proc_wait_exit(&f.agg, 20000), 1);
    assert_true(cs_mono_ms() - t0 < 15000);
    snprintf(expect, sizeof(expect), "Kafka at 127.0.0.1:%d unreachable after 2 s",
             dead_port);
    assert_true(log_has(&f, expect));

    /* Redis unreachable */
    snprintf(e_redis, sizeof(e_redis), "CELLSCAN_REDIS_URL=redis://127.0.0.1:%d/0",
             dead_port);
    assert_int_equal(cs_proc_start(&f.agg, "agg-no-redis", argv, env, 0, tmpdir), 0);
    assert_int_equal(cs_proc_wait_exit(&f.agg, 20000), 1);
    snprintf(expect, sizeof(expect), "Redis at 127.0.0.1:%d/0 unreachable after 2 s",
             dead_port);
    assert_true(log_has(&f, expect));
    cs_redis_stop(&f.redis);
}

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    return cs_tmpdir_make("cellscan-it-agg", tmpdir, sizeof(tmpdir));
}

static int teardown(void **state)
{
    (void)state;
    cs_tmpdir_remove(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folds_publishes_and_stores),
        cmocka_unit_test(deadline_finalises),
        cmocka_unit_test(restarts_publish_once),
        cmocka_unit_test(instances_hand_over),
        cmocka_unit_test(deadline_same_after_crash),
        cmocka_unit_test(survives_redis_restart),
        cmocka_unit_test(cli_reads_within_client),
        cmocka_unit_test(startup_fails_clearly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
