/* test_worker_env.h: what the test_worker*.c integration tests share.
 *
 * The world: the AWS simulator on the demo organization
 * (tests/awssim/fixtures/demo.yaml), a `cellscan mock-kafka` child per
 * test with the fleet's topics under WT_PREFIX, cellscan-worker children
 * started with their settings, and in-process Kafka clients that publish
 * CellJobs, read cell-results and dead-letters from the beginning, and
 * read the workers group's committed offsets. Included by each test
 * (static functions only).
 */
#ifndef CS_TEST_WORKER_ENV_H
#define CS_TEST_WORKER_ENV_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/aws.h"
#include "bus/producer.h"
#include "bus/deadletter.h"
#include "compliance/cell.h"
#include "extract/run.h"
#include "proc.h"
#include "report/pbjson.h"
#include "util/clock.h"
#include "util/config.h"
#include "wire/names.h"

#define WT_PREFIX "wt."
#define WT_PARTITIONS 3
#define WT_MAX_JOBS 128
#define WT_SCANNER_KEY "AKIAIOSFODNN7EXAMPLE"
#define WT_SCANNER_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define WT_EXTERNAL_ID "cellscan-demo"
#define WT_POLICY CS_SOURCE_DIR "/tests/awssim/fixtures/demo-policy.json"

static const char *const wt_regions[] = {"us-east-1", "eu-west-1", "af-south-1"};
static const char *const wt_categories[] = {"ec2", "s3", "rds", "lambda",
                                            "ecs", "eks", "tagging"};

struct wt_env {
    char tmp[512];
    struct cs_awssim sim;
    struct cs_proc kafka;
    char bootstrap[512];
    char policy[8192];
    struct cs_config cfg; /* for the in-process Kafka clients */
};

static struct wt_env wt;

/* A job the test published: where it landed. */
struct wt_job {
    char scan_id[64];
    char cell_id[64];
    char account[16];
    char category[16];
    uint8_t *bytes; /* packed CellJob (or any bytes) */
    size_t len;
    int32_t partition;
    int64_t offset;
};

/* A record read back from a topic. */
struct wt_rec {
    int32_t partition;
    int64_t offset;
    char key[160];
    uint8_t *value;
    size_t len;
    char reason[CS_DLQ_REASON_MAX + 1]; /* dead letters */
    long long origin_offset;
    int origin_partition;
};

static const char *const wt_unset[] = {
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS",
    "CELLSCAN_KAFKA_PROPERTIES_FILE", "CELLSCAN_ROLE_NAME", "CELLSCAN_ROLE_ARN_TEMPLATE",
    "CELLSCAN_WORKER_CONCURRENCY", "CELLSCAN_ACCOUNT_CONCURRENCY",
    "CELLSCAN_MAX_CONCURRENT_ACCOUNTS", "CELLSCAN_DRAIN_TIMEOUT", "CELLSCAN_CELL_TIMEOUT",
    "CELLSCAN_LOG_LEVEL", "CELLSCAN_METRICS_ADDR", "CELLSCAN_WORKER_ID",
    "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", NULL};

static inline void wt_read_policy(void)
{
    FILE *f = fopen(WT_POLICY, "r");
    size_t n;

    if (f == NULL)
        fail_msg("cannot open %s", WT_POLICY);
    n = fread(wt.policy, 1, sizeof(wt.policy) - 1, f);
    wt.policy[n] = '\0';
    fclose(f);
}

/* Once per test program: the simulator and the environment every child
 * and the in-process extractor use. */
static inline int wt_group_setup(void **state)
{
    const char *args[] = {"--demo", NULL};

    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cs_tmpdir_make("cs-worker", wt.tmp, sizeof(wt.tmp)) != 0)
        return -1;
    if (cs_awssim_start(&wt.sim, wt.tmp, args) != 0)
        return -1;
    for (int i = 0; wt_unset[i]; i++)
        unsetenv(wt_unset[i]);
    setenv("AWS_ENDPOINT_URL", wt.sim.url, 1);
    setenv("AWS_ACCESS_KEY_ID", WT_SCANNER_KEY, 1);
    setenv("AWS_SECRET_ACCESS_KEY", WT_SCANNER_SECRET, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("HOME", wt.tmp, 1);
    setenv("CELLSCAN_EXTERNAL_ID", WT_EXTERNAL_ID, 1);
    setenv("CELLSCAN_TOPIC_PREFIX", WT_PREFIX, 1);
    wt_read_policy();
    return 0;
}

static inline int wt_group_teardown(void **state)
{
    (void)state;
    cs_awssim_stop(&wt.sim);
    /* WT_KEEP_LOGS=1 keeps the children's logs for a look afterwards */
    if (getenv("WT_KEEP_LOGS"))
        print_message("logs kept in %s\n", wt.tmp);
    else
        cs_tmpdir_remove(wt.tmp);
    curl_global_cleanup();
    return 0;
}

static inline void wt_sim(const char *method, const char *path, const char *body)
{
    free(cs_awssim_admin(&wt.sim, method, path, body));
}

/* Per test: a fresh Kafka; the simulator without faults (fault, when not
 * NULL, is added: a JSON fault object or list) and with empty counters. */
static inline void wt_start(const char *fault)
{
    char bin[600], line[600];
    char *argv[] = {bin, "mock-kafka", "--partitions", "3", NULL};
    const char *p;

    wt_sim("DELETE", "/_awssim/faults", NULL);
    if (fault)
        wt_sim("POST", "/_awssim/faults", fault);
    wt_sim("POST", "/_awssim/reset", NULL);
    snprintf(bin, sizeof(bin), "%s/bin/cellscan", cs_test_binary_dir());
    assert_int_equal(cs_proc_start(&wt.kafka, "mock-kafka", argv, NULL, 1, wt.tmp), 0);
    assert_int_equal(cs_proc_wait_line(&wt.kafka, "bootstrap=", line, sizeof(line), 20000), 0);
    p = strstr(line, "bootstrap=") + strlen("bootstrap=");
    snprintf(wt.bootstrap, sizeof(wt.bootstrap), "%s", p);
    memset(&wt.cfg, 0, sizeof(wt.cfg));
    wt.cfg.kafka_brokers = wt.bootstrap;
    wt.cfg.kafka_properties_file = "";
    wt.cfg.topic_prefix = WT_PREFIX;
    wt.cfg.max_poll_interval_s = 10;
}

static inline void wt_stop(void)
{
    cs_proc_stop(&wt.kafka, 5000);
}

/* ---- workers ---- */

struct wt_worker {
    struct cs_proc proc;
    int port;
    char env[16][600];
    char *envp[17];
};

/* Starts cellscan-worker named name with extra settings ("NAME=value",
 * NULL-terminated) on the test's Kafka, metrics on a free port. */
static inline void wt_worker_start(struct wt_worker *w, const char *name,
                            const char *const *extra)
{
    char bin[600];
    char *argv[] = {bin, NULL};
    int n = 0;

    memset(w, 0, sizeof(*w));
    w->port = cs_free_port();
    snprintf(bin, sizeof(bin), "%s/bin/cellscan-worker", cs_test_binary_dir());
    snprintf(w->env[n++], sizeof(w->env[0]), "CELLSCAN_KAFKA_BROKERS=%s", wt.bootstrap);
    snprintf(w->env[n++], sizeof(w->env[0]), "CELLSCAN_METRICS_ADDR=127.0.0.1:%d", w->port);
    snprintf(w->env[n++], sizeof(w->env[0]), "CELLSCAN_WORKER_ID=%s", name);
    snprintf(w->env[n++], sizeof(w->env[0]), "CELLSCAN_LOG_LEVEL=debug");
    for (int i = 0; extra && extra[i] && n < 16; i++)
        snprintf(w->env[n++], sizeof(w->env[0]), "%s", extra[i]);
    for (int i = 0; i < n; i++)
        w->envp[i] = w->env[i];
    w->envp[n] = NULL;
    assert_int_equal(cs_proc_start(&w->proc, name, argv, w->envp, 0, wt.tmp), 0);
}

/* Sum of the series whose line starts with prefix (name, or name{labels
 * start) in the worker's /metrics; -1 when /metrics does not answer. */
static inline double wt_metric(const struct wt_worker *w, const char *prefix)
{
    long status;
    char *text = cs_http_get(w->port, "/metrics", &status);
    double sum = 0;
    size_t n = strlen(prefix);

    if (text == NULL || status != 200) {
        free(text);
        return -1;
    }
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        const char *sp;
        if (line[0] == '#' || strncmp(line, prefix, n) != 0)
            continue;
        /* "name{...}" or "name " only: not a longer metric name */
        if (line[n] != ' ' && line[n] != '{' && prefix[n - 1] != '{' &&
            prefix[n - 1] != ',' && prefix[n - 1] != '"')
            continue;
        sp = strrchr(line, ' ');
        if (sp)
            sum += strtod(sp + 1, NULL);
    }
    free(text);
    return sum;
}

/* Waits up to timeout_ms until metric prefix reaches at least want. */
static inline int wt_wait_metric(const struct wt_worker *w, const char *prefix,
                          double want, int timeout_ms)
{
    int64_t until = cs_mono_ms() + timeout_ms;

    while (cs_mono_ms() < until) {
        if (wt_metric(w, prefix) >= want)
            return 0;
        usleep(50000);
    }
    return -1;
}

/* ---- jobs ---- */

/* A CellJob of the demo for account and category over the three test
 * regions, deadline_at_ms as given (0 = 10 minutes from now), packed into
 * j (caller frees j->bytes). */
static inline void wt_job(struct wt_job *j, const char *scan, const char *account,
                   const char *category, int64_t deadline)
{
    Cellscan__V1__CellJob m = CELLSCAN__V1__CELL_JOB__INIT;
    char role[128];

    memset(j, 0, sizeof(*j));
    snprintf(j->scan_id, sizeof(j->scan_id), "%s", scan);
    snprintf(j->account, sizeof(j->account), "%s", account);
    snprintf(j->category, sizeof(j->category), "%s", category);
    cs_cell_id(category, account, j->cell_id, sizeof(j->cell_id));
    snprintf(role, sizeof(role), "arn:aws:iam::%s:role/CellScanReadOnly", account);
    m.schema_version = 1;
    m.scan_id = (char *)scan;
    m.client_id = "worker-test";
    m.cell_id = j->cell_id;
    m.account_id = (char *)account;
    m.category = (char *)category;
    m.regions = (char **)wt_regions;
    m.n_regions = 3;
    m.role_arn = role;
    m.external_id = WT_EXTERNAL_ID;
    m.session_duration_s = 3600;
    m.deadline_at_ms = deadline ? deadline : cs_wall_ms() + 600000;
    m.tag_policy_json = wt.policy;
    m.scan_categories = (char **)wt_categories;
    m.n_scan_categories = 7;
    j->len = cellscan__v1__cell_job__get_packed_size(&m);
    j->bytes = malloc(j->len ? j->len : 1);
    assert_non_null(j->bytes);
    cellscan__v1__cell_job__pack(&m, j->bytes);
}

/* One job per (account, category), account by account; returns how many. */
static inline size_t wt_jobs_grid(struct wt_job *jobs, const char *scan,
                                  const char *const *accounts, size_t naccounts,
                                  const char *const *categories, size_t ncategories)
{
    size_t n = 0;

    for (size_t a = 0; a < naccounts; a++)
        for (size_t c = 0; c < ncategories; c++)
            wt_job(&jobs[n++], scan, accounts[a], categories[c], 0);
    return n;
}

static inline void wt_on_ack(void *ud, void *opaque, rd_kafka_resp_err_t err,
                      int32_t partition, int64_t offset)
{
    struct wt_job *j = opaque;

    (void)ud;
    if (err)
        fail_msg("job %s not acknowledged: %s", j->cell_id, rd_kafka_err2str(err));
    j->partition = partition;
    j->offset = offset;
}

/* Publishes the n jobs to cell-jobs, key = account, and waits for every
 * acknowledgement (partition and offset filled in). */
static inline void wt_publish(struct wt_job *jobs, size_t n)
{
    struct cs_producer_opts o = {wt_on_ack, NULL, 0};
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p = cs_producer_new(&wt.cfg, NULL, &o, &err);

    if (p == NULL)
        fail_msg("producer: %s", err.msg);
    for (size_t i = 0; i < n; i++) {
        jobs[i].offset = -1;
        if (cs_producer_send(p, WT_PREFIX "cell-jobs", jobs[i].account,
                             strlen(jobs[i].account), jobs[i].bytes, jobs[i].len,
                             NULL, &jobs[i], &err) != CS_OK)
            fail_msg("send: %s", err.msg);
    }
    if (cs_producer_close(p, 10000, NULL, &err) != CS_OK)
        fail_msg("flush: %s", err.msg);
    for (size_t i = 0; i < n; i++)
        assert_true(jobs[i].offset >= 0);
}

static inline void wt_jobs_free(struct wt_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(jobs[i].bytes);
}

/* ---- reading back ---- */

static inline rd_kafka_t *wt_reader(const char *group)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;

    rd_kafka_conf_set(conf, "bootstrap.servers", wt.bootstrap, errstr, sizeof(errstr));
    rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr));
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr));
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (rk == NULL)
        fail_msg("reader: %s", errstr);
    return rk;
}

static inline void wt_header(const rd_kafka_message_t *m, const char *name, char *out,
                      size_t outlen)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;

    out[0] = '\0';
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(h, name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR && v)
        snprintf(out, outlen, "%.*s", (int)n, (const char *)v);
}

/* Every record of topic from the beginning (reading until the high
 * watermark of each partition). *out holds the records; caller frees with
 * wt_recs_free. */
static inline size_t wt_read(const char *topic, struct wt_rec **out)
{
    rd_kafka_t *rk = wt_reader("wt-reader");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(WT_PARTITIONS);
    int64_t high[WT_PARTITIONS];
    size_t n = 0, cap = 64, left = 0;
    struct wt_rec *recs = calloc(cap, sizeof(*recs));
    int64_t until = cs_mono_ms() + 15000;

    for (int p = 0; p < WT_PARTITIONS; p++) {
        int64_t low = 0;
        high[p] = 0;
        rd_kafka_query_watermark_offsets(rk, topic, p, &low, &high[p], 5000);
        if (high[p] > low) {
            rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
            left += (size_t)(high[p] - low);
        }
    }
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    while (left > 0 && cs_mono_ms() < until) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        char num[32];
        if (m == NULL)
            continue;
        if (m->err || m->offset >= high[m->partition]) {
            rd_kafka_message_destroy(m);
            continue;
        }
        if (n == cap) {
            cap *= 2;
            recs = realloc(recs, cap * sizeof(*recs));
            assert_non_null(recs);
        }
        memset(&recs[n], 0, sizeof(recs[n]));
        recs[n].partition = m->partition;
        recs[n].offset = m->offset;
        snprintf(recs[n].key, sizeof(recs[n].key), "%.*s", (int)m->key_len,
                 m->key ? (const char *)m->key : "");
        recs[n].value = malloc(m->len ? m->len : 1);
        memcpy(recs[n].value, m->payload, m->len);
        recs[n].len = m->len;
        wt_header(m, CS_DLQ_HDR_REASON, recs[n].reason, sizeof(recs[n].reason));
        wt_header(m, CS_DLQ_HDR_OFFSET, num, sizeof(num));
        recs[n].origin_offset = num[0] ? atoll(num) : -1;
        wt_header(m, CS_DLQ_HDR_PARTITION, num, sizeof(num));
        recs[n].origin_partition = num[0] ? atoi(num) : -1;
        n++;
        left--;
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    *out = recs;
    return n;
}

static inline void wt_recs_free(struct wt_rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].value);
    free(r);
}

/* The CellResults on cell-results (manifests skipped). Caller frees each
 * with cs_cell_result_free and the array with free(). */
static inline size_t wt_results(Cellscan__V1__CellResult ***out)
{
    struct wt_rec *recs;
    size_t n = wt_read(WT_PREFIX "cell-results", &recs), k = 0;
    Cellscan__V1__CellResult **res = calloc(n ? n : 1, sizeof(*res));

    for (size_t i = 0; i < n; i++) {
        Cellscan__V1__CellResultsRecord *rec =
            cellscan__v1__cell_results_record__unpack(NULL, recs[i].len, recs[i].value);
        assert_non_null(rec);
        assert_int_equal(rec->body_case, CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT);
        /* key = scan_id */
        assert_string_equal(recs[i].key, rec->result->scan_id);
        res[k++] = rec->result;
        rec->result = NULL;
        rec->body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY__NOT_SET;
        cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
    }
    wt_recs_free(recs, n);
    *out = res;
    return k;
}

static inline void wt_results_free(Cellscan__V1__CellResult **r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cs_cell_result_free(r[i]);
    free(r);
}

/* Whether a result for job (its scan and cell) is among r. */
static inline int wt_has_result(Cellscan__V1__CellResult **r, size_t n,
                                const struct wt_job *job)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i]->cell_id, job->cell_id) == 0 &&
            strcmp(r[i]->scan_id, job->scan_id) == 0)
            return 1;
    return 0;
}

/* Waits until every job of jobs whose want[i] is set has a result (want
 * NULL = every job). Returns the number of results read last. */
static inline size_t wt_wait_results(const struct wt_job *jobs, size_t n,
                              const int *want, int timeout_ms)
{
    int64_t until = cs_mono_ms() + timeout_ms;

    for (;;) {
        Cellscan__V1__CellResult **r;
        size_t nr = wt_results(&r), missing = 0;

        for (size_t i = 0; i < n; i++)
            if ((want == NULL || want[i]) && !wt_has_result(r, nr, &jobs[i]))
                missing++;
        wt_results_free(r, nr);
        if (missing == 0)
            return nr;
        if (cs_mono_ms() >= until)
            fail_msg("%zu job(s) without a result after %d ms", missing, timeout_ms);
        usleep(200000);
    }
}

/* The workers group's committed offset of each cell-jobs partition (-1:
 * none). */
static inline void wt_committed(int64_t out[WT_PARTITIONS])
{
    rd_kafka_t *rk = wt_reader(WT_PREFIX "workers");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(WT_PARTITIONS);
    rd_kafka_resp_err_t e;

    for (int p = 0; p < WT_PARTITIONS; p++)
        rd_kafka_topic_partition_list_add(l, WT_PREFIX "cell-jobs", p);
    e = rd_kafka_committed(rk, l, 10000);
    if (e)
        fail_msg("committed: %s", rd_kafka_err2str(e));
    for (int p = 0; p < WT_PARTITIONS; p++)
        out[p] = l->elems[p].offset >= 0 ? l->elems[p].offset : -1;
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(rk);
}

/* The end of each partition among jobs (last offset + 1; 0 when none). */
static inline void wt_ends(const struct wt_job *jobs, size_t n, int64_t out[WT_PARTITIONS])
{
    for (int p = 0; p < WT_PARTITIONS; p++)
        out[p] = 0;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].offset + 1 > out[jobs[i].partition])
            out[jobs[i].partition] = jobs[i].offset + 1;
}

/* Waits until the group committed every partition up to the end of jobs. */
static inline void wt_wait_committed_all(const struct wt_job *jobs, size_t n, int timeout_ms)
{
    int64_t end[WT_PARTITIONS], got[WT_PARTITIONS];
    int64_t until = cs_mono_ms() + timeout_ms;

    wt_ends(jobs, n, end);
    for (;;) {
        int ok = 1;
        wt_committed(got);
        for (int p = 0; p < WT_PARTITIONS; p++)
            if (end[p] > 0 && got[p] != end[p])
                ok = 0;
        if (ok)
            return;
        if (cs_mono_ms() >= until) {
            for (int p = 0; p < WT_PARTITIONS; p++)
                print_error("partition %d: committed %lld, end %lld\n", p,
                            (long long)got[p], (long long)end[p]);
            fail_msg("offsets not committed to the end within %d ms", timeout_ms);
        }
        usleep(200000);
    }
}

/* The offset commits say "done" only for jobs whose result is on
 * cell-results: every job below its partition's committed offset has
 * one. Returns how many jobs were below the commit points. */
static inline size_t wt_check_commits_covered(const struct wt_job *jobs, size_t n,
                                       const int64_t committed[WT_PARTITIONS],
                                       int (*expect_result)(const struct wt_job *))
{
    Cellscan__V1__CellResult **r;
    size_t nr = wt_results(&r), below = 0;

    for (size_t i = 0; i < n; i++) {
        if (jobs[i].offset >= committed[jobs[i].partition])
            continue;
        below++;
        if ((expect_result == NULL || expect_result(&jobs[i])) &&
            !wt_has_result(r, nr, &jobs[i]))
            fail_msg("%s at [%d]@%lld is committed (%lld) without a result",
                     jobs[i].cell_id, (int)jobs[i].partition,
                     (long long)jobs[i].offset,
                     (long long)committed[jobs[i].partition]);
    }
    wt_results_free(r, nr);
    return below;
}

/* Counts lines of the worker's log containing every one of the given
 * substrings (NULL-terminated). */
static inline int wt_log_count(const struct wt_worker *w, const char *const *all)
{
    FILE *f = fopen(w->proc.log_path, "r");
    char line[4096];
    int n = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        int ok = 1;
        for (int i = 0; all[i] && ok; i++)
            ok = strstr(line, all[i]) != NULL;
        n += ok;
    }
    fclose(f);
    return n;
}

#endif
