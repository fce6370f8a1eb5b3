/* cellscan-dispatcher as a separate process against `cellscan mock-kafka`,
 * redis-server and the AWS simulator's demo organization, each a child of
 * this test. Topics are read back with `cellscan decode`.
 *
 *   - a scope submitted with `cellscan submit` (explicit list) becomes one
 *     manifest (key scan_id), acknowledged before its CellJobs (key
 *     account_id), with the contents the scope and settings say, and a
 *     Redis seen mark;
 *   - an organization scope is discovered: the manifest's accounts and
 *     skipped accounts are the simulator oracle's (suspended, excluded
 *     account, excluded OU);
 *   - an organization scope without any org role, and an invalid request,
 *     give a rejected report (scan-results and Redis) and a dead letter
 *     with the reason header and the original bytes;
 *   - poison bytes go to dead-letters and the dispatcher goes on;
 *   - over the plan's scans per hour: rejected, no dead letter;
 *   - a redelivered request (same scan id), also after a restart, makes
 *     no second manifest;
 *   - kill -9 after publishing but before the seen mark (Redis refusing
 *     that write): the redelivered request is dispatched again byte for
 *     byte (same manifest, same jobs);
 *   - an organization discovery slower than max.poll.interval.ms does not
 *     cost the group membership;
 *   - /healthz, /metrics (dead letters counted), and a clear exit when
 *     Kafka or Redis is unreachable at start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus/producer.h"
#include "dispatcher/dispatcher.h"
#include "proc.h"
#include "store/keys.h"
#include "store/store.h"
#include "util/clock.h"

#define SCANNER_KEY "AKIAIOSFODNN7EXAMPLE"
#define SCANNER_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EXTERNAL_ID "cellscan-demo"
#define ORG_ROLE "arn:aws:iam::111111111111:role/CellScanOrgDiscovery"
#define POLICY "{\"rules\":[{\"key\":\"Owner\",\"required\":true}]}"
#define DECODE_IDLE_MS "1200"

struct env {
    char tmp[512];
    struct cs_redis redis;
    struct cs_awssim sim;
    struct cs_proc kafka;
    char bootstrap[512];
    struct cs_proc disp;
    int metrics_port;
    int starts;
    struct cs_config cfg; /* for in-process producers */
};

static struct env e;

static const char *const cleared[] = {
    "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "CELLSCAN_ORG_ROLE_ARN",
    "CELLSCAN_CLIENT_ID", "CELLSCAN_TOPIC_PREFIX", "CELLSCAN_KAFKA_PROPERTIES_FILE",
    "CELLSCAN_ROLE_NAME", "CELLSCAN_SCAN_DEADLINE", "http_proxy", "https_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", NULL};

static void bin_path(char *out, size_t len, const char *prog)
{
    snprintf(out, len, "%s/bin/%s", cs_test_binary_dir(), prog);
}

/* ------------------------------------------------------------ children */

/* GET on the dispatcher's metrics server; the body (caller frees), or
 * NULL when it does not answer. */
static char *http_get(const char *path, long *status)
{
    return cs_http_get(e.metrics_port, path, status);
}

/* Starts cellscan-dispatcher and waits until /healthz says ok (Kafka
 * reached), then a few seconds for the group to assign it partitions. */
static void dispatcher_start(void)
{
    char bin[600], name[32], metrics[64];
    char *argv[] = {bin, NULL};
    char *env[] = {metrics, NULL};
    int64_t until = cs_mono_ms() + 30000;
    long status = 0;

    bin_path(bin, sizeof(bin), "cellscan-dispatcher");
    e.metrics_port = cs_free_port();
    snprintf(metrics, sizeof(metrics), "CELLSCAN_METRICS_ADDR=127.0.0.1:%d", e.metrics_port);
    snprintf(name, sizeof(name), "dispatcher-%d", ++e.starts);
    assert_int_equal(cs_proc_start(&e.disp, name, argv, env, 0, e.tmp), 0);
    while (cs_mono_ms() < until) {
        char *body = http_get("/healthz", &status);
        free(body);
        if (status == 200)
            break;
        usleep(100000);
    }
    assert_int_equal(status, 200);
}

/* Runs argv to its end and returns its exit status; its stdout goes into
 * out (NUL-terminated, cut to len). */
static int run_capture(const char *name, char *const argv[], char *out, size_t len,
                       int timeout_ms)
{
    struct cs_proc p;
    size_t n = 0;
    ssize_t k;

    assert_int_equal(cs_proc_start(&p, name, argv, NULL, 1, e.tmp), 0);
    while ((k = read(p.out_fd, out + n, len - 1 - n)) > 0 && n + 1 < len)
        n += (size_t)k;
    out[n] = '\0';
    close(p.out_fd);
    p.out_fd = -1;
    return cs_proc_wait_exit(&p, timeout_ms);
}

/* ------------------------------------------------------------ topics */

#define DECODE_MAX (8 * 1024 * 1024)

/* Every record of topic (suffix) so far, as `cellscan decode` prints
 * them: a JSON array (caller frees with json_decref). */
static json_t *decode(const char *topic)
{
    char bin[600];
    char *argv[] = {bin, "decode", "--topic", (char *)topic, "--from-beginning",
                    "--timeout-ms", DECODE_IDLE_MS, NULL};
    char *out = malloc(DECODE_MAX);
    json_t *all = json_array();

    assert_non_null(out);
    bin_path(bin, sizeof(bin), "cellscan");
    assert_int_equal(run_capture("decode", argv, out, DECODE_MAX, 60000), 0);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t jerr;
        json_t *rec = json_loads(line, 0, &jerr);
        if (rec == NULL)
            fail_msg("decode printed a line that is not JSON: %.200s", line);
        json_array_append_new(all, rec);
    }
    free(out);
    return all;
}

/* The records of a decoded topic whose value (or, for dead letters, the
 * original) has this scan_id. New array; caller frees. */
static json_t *for_scan(json_t *all, const char *scan_id)
{
    json_t *out = json_array(), *rec;
    size_t i;

    json_array_foreach(all, i, rec) {
        json_t *v = json_object_get(rec, "value");
        json_t *orig = json_object_get(rec, "original");
        const char *s;
        if (json_object_get(v, "manifest"))
            v = json_object_get(v, "manifest");
        if (json_object_get(orig, "value"))
            v = json_object_get(orig, "value");
        s = json_string_value(json_object_get(v, "scan_id"));
        if (s && strcmp(s, scan_id) == 0)
            json_array_append(out, rec);
    }
    return out;
}

/* Decodes topic until at least want records of scan_id are there (or
 * 30 s passed); returns them (caller frees). */
static json_t *wait_records(const char *topic, const char *scan_id, size_t want)
{
    int64_t until = cs_mono_ms() + 30000;
    json_t *got = NULL;

    for (;;) {
        json_t *all = decode(topic);
        json_decref(got);
        got = for_scan(all, scan_id);
        json_decref(all);
        if (json_array_size(got) >= want || cs_mono_ms() > until)
            return got;
    }
}

static const char *str_at(json_t *rec, const char *path1, const char *path2)
{
    json_t *v = json_object_get(rec, path1);
    return json_string_value(path2 ? json_object_get(v, path2) : v);
}

static int64_t ts_of(json_t *rec)
{
    int64_t ms = 0;

    assert_int_equal(cs_parse_rfc3339(json_string_value(json_object_get(rec, "timestamp")),
                                      &ms), 0);
    return ms;
}

/* ------------------------------------------------------------ inputs */

/* `cellscan submit` of a scope; the printed scan id into scan_id. */
static void submit(const char *scope_json, char *scan_id, size_t len)
{
    char bin[600], path[600];
    char *argv[] = {bin, "submit", "--scope", path, NULL};
    FILE *f;

    bin_path(bin, sizeof(bin), "cellscan");
    snprintf(path, sizeof(path), "%s/scope-%lld.json", e.tmp, (long long)cs_mono_us());
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(scope_json, f);
    fclose(f);
    assert_int_equal(run_capture("submit", argv, scan_id, len, 30000), 0);
    scan_id[strcspn(scan_id, "\n")] = '\0';
    assert_int_equal(strncmp(scan_id, "scan-", 5), 0);
}

/* A request as a scheduler could publish it (whatever it holds). */
struct request {
    Cellscan__V1__ScanRequest r;
    Cellscan__V1__ScanScope s;
    Cellscan__V1__AccountList a;
    Cellscan__V1__OrgDiscovery o;
    char *accounts[2], *cats[1], *regions[1];
};

static void request_init(struct request *q, const char *client, const char *scan)
{
    cellscan__v1__scan_request__init(&q->r);
    cellscan__v1__scan_scope__init(&q->s);
    cellscan__v1__account_list__init(&q->a);
    cellscan__v1__org_discovery__init(&q->o);
    q->r.schema_version = 1;
    q->r.client_id = (char *)client;
    q->r.scan_id = (char *)scan;
    q->r.requested_at_ms = cs_wall_ms();
    q->r.scope = &q->s;
    q->accounts[0] = "333333333333";
    q->accounts[1] = "444444444444";
    q->a.account_ids = q->accounts;
    q->a.n_account_ids = 2;
    q->s.target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ACCOUNTS;
    q->s.accounts = &q->a;
    q->cats[0] = "ec2";
    q->s.categories = q->cats;
    q->s.n_categories = 1;
    q->regions[0] = "us-east-1";
    q->s.regions = q->regions;
    q->s.n_regions = 1;
}

static void publish(const struct request *q)
{
    struct cs_err err = CS_ERR_INIT;

    if (cs_dispatcher_submit(&e.cfg, NULL, &q->r, 20000, &err) != CS_OK)
        fail_msg("submit: %s", err.msg);
}

static void publish_raw(const void *bytes, size_t len)
{
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p = cs_producer_new(&e.cfg, NULL, NULL, &err);

    assert_non_null(p);
    assert_int_equal(cs_producer_send(p, "cellscan.scan-requests", "poison", 6, bytes, len,
                                      NULL, NULL, &err), CS_OK);
    assert_int_equal(cs_producer_flush(p, 20000, &err), CS_OK);
    cs_producer_destroy(p);
}

/* ------------------------------------------------------------ Redis */

static redisReply *redis_cmd(const char *fmt, ...)
{
    redisContext *c = redisConnect("127.0.0.1", e.redis.port);
    redisReply *r;
    va_list ap;

    assert_non_null(c);
    assert_int_equal(c->err, 0);
    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    assert_non_null(r);
    return r;
}

static long long redis_exists(const char *key)
{
    redisReply *r = redis_cmd("EXISTS %s", key);
    long long n = r->integer;

    freeReplyObject(r);
    return n;
}

/* The report stored for (client, scan), through the store's API. */
static Cellscan__V1__ScanReport *stored_report(const char *client, const char *scan)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__ScanReport *rep = NULL;
    cs_store_t *s;

    memset(&cfg, 0, sizeof(cfg));
    cfg.redis_url = e.redis.url;
    cfg.report_ttl_s = 60;
    cfg.startup_timeout_s = 5;
    s = cs_store_new(&cfg, &err);
    assert_non_null(s);
    if (cs_store_get_report(s, client, scan, &rep, &err) != CS_OK)
        fail_msg("report %s/%s: %s", client, scan, err.msg);
    cs_store_destroy(s);
    return rep;
}

/* ------------------------------------------------------------ tests */

static void explicit_list_via_submit(void **state)
{
    const char *scope =
        "{\"client_id\": \"it-a\", \"accounts\": [\"444444444444\", \"333333333333\","
        " \"444444444444\"], \"categories\": [\"ec2\", \"s3\"],"
        " \"regions\": [\"us-east-1\", \"eu-west-1\"], \"deadline_s\": 600,"
        " \"tag_policy\": " POLICY "}";
    static const char *const cells[] = {"aws_ec2:333333333333", "aws_s3:333333333333",
                                        "aws_ec2:444444444444", "aws_s3:444444444444"};
    char scan[128], key[CS_STORE_KEY_MAX];
    json_t *manifests, *jobs, *m, *job;
    int64_t manifest_ts;
    size_t i;
    (void)state;

    submit(scope, scan, sizeof(scan));
    manifests = wait_records("cell-results", scan, 1);
    assert_int_equal(json_array_size(manifests), 1);
    m = json_array_get(manifests, 0);
    assert_string_equal(str_at(m, "key", NULL), scan);
    manifest_ts = ts_of(m);
    m = json_object_get(json_object_get(m, "value"), "manifest");
    assert_non_null(m);
    assert_string_equal(str_at(m, "client_id", NULL), "it-a");
    assert_int_equal(json_array_size(json_object_get(m, "cell_ids")), 4);
    for (i = 0; i < 4; i++)
        assert_string_equal(json_string_value(json_array_get(json_object_get(m, "cell_ids"), i)),
                            cells[i]);
    assert_string_equal(json_string_value(json_array_get(json_object_get(m, "account_ids"), 0)),
                        "333333333333");
    assert_int_equal(json_array_size(json_object_get(m, "account_ids")), 2);
    assert_int_equal(json_integer_value(json_object_get(m, "deadline_at_ms")),
                     json_integer_value(json_object_get(m, "requested_at_ms")) + 600000);
    assert_int_equal(json_array_size(json_object_get(m, "regions")), 2);
    assert_int_equal(json_array_size(json_object_get(m, "skipped")), 0);

    jobs = wait_records("cell-jobs", scan, 4);
    assert_int_equal(json_array_size(jobs), 4);
    json_array_foreach(jobs, i, job) {
        json_t *v = json_object_get(job, "value");
        const char *acct = str_at(v, "account_id", NULL);
        char arn[128], cell[64];
        /* key = account_id; the manifest was on the broker first */
        assert_string_equal(str_at(job, "key", NULL), acct);
        assert_true(ts_of(job) >= manifest_ts);
        snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role/CellScanReadOnly", acct);
        assert_string_equal(str_at(v, "role_arn", NULL), arn);
        snprintf(cell, sizeof(cell), "aws_%s:%s", str_at(v, "category", NULL), acct);
        assert_string_equal(str_at(v, "cell_id", NULL), cell);
        assert_string_equal(str_at(v, "external_id", NULL), EXTERNAL_ID);
        assert_int_equal(json_integer_value(json_object_get(v, "session_duration_s")), 3600);
        assert_string_equal(str_at(v, "tag_policy_json", NULL), POLICY);
        assert_int_equal(json_array_size(json_object_get(v, "scan_categories")), 2);
        assert_int_equal(json_integer_value(json_object_get(v, "deadline_at_ms")),
                         json_integer_value(json_object_get(m, "deadline_at_ms")));
    }
    json_decref(jobs);
    json_decref(manifests);
    /* marked seen once published */
    assert_int_equal(cs_store_key_seen("it-a", scan, key, sizeof(key), NULL), CS_OK);
    assert_int_equal(redis_exists(key), 1);
}

/* The oracle's accounts and skipped accounts for scope_path, as
 * "id,id,..." and "id:reason,...". */
static void oracle_accounts(const char *scope_path, char *accounts, char *skipped, size_t len)
{
    char oracle[600];
    char *argv[] = {"/usr/bin/python3", oracle, "--demo", "--scope", (char *)scope_path, NULL};
    char *out = malloc(DECODE_MAX);
    json_t *rep, *a;
    json_error_t jerr;
    size_t i;

    snprintf(oracle, sizeof(oracle), "%s/tests/awssim/oracle.py", cs_test_source_dir());
    assert_int_equal(run_capture("oracle", argv, out, DECODE_MAX, 120000), 0);
    rep = json_loads(out, 0, &jerr);
    assert_non_null(rep);
    accounts[0] = skipped[0] = '\0';
    json_array_foreach(json_object_get(rep, "accounts"), i, a)
        snprintf(accounts + strlen(accounts), len - strlen(accounts), "%s%s", i ? "," : "",
                 str_at(a, "account_id", NULL));
    json_array_foreach(json_object_get(rep, "skipped_accounts"), i, a)
        snprintf(skipped + strlen(skipped), len - strlen(skipped), "%s%s:%s", i ? "," : "",
                 str_at(a, "account_id", NULL), str_at(a, "reason", NULL));
    json_decref(rep);
    free(out);
}

/* The demo fixture's OU id for an OU path, as the simulator derives it. */
static void ou_id(const char *ou_path, char *out, size_t len)
{
    char code[1024];
    char *argv[] = {"/usr/bin/python3", "-c", code, NULL};

    snprintf(code, sizeof(code),
             "import sys; sys.path.insert(0, '%s/tests/awssim'); import fixture; "
             "w = fixture.load(fixture.DEMO_FIXTURE); print(w._ous['%s'].id)",
             cs_test_source_dir(), ou_path);
    assert_int_equal(run_capture("ou-id", argv, out, len, 60000), 0);
    out[strcspn(out, "\n")] = '\0';
    assert_int_equal(strncmp(out, "ou-", 3), 0);
}

static void org_scope_against_oracle(void **state)
{
    char dev[64], scope[1024], path[600], scan[128], want_acc[512], want_skip[512];
    char got_acc[512] = "", got_skip[512] = "";
    json_t *manifests, *m, *a;
    FILE *f;
    size_t i;
    (void)state;

    ou_id("Workloads/Dev", dev, sizeof(dev));
    snprintf(scope, sizeof(scope),
             "{\"client_id\": \"it-org\", \"organization\": {\"org_role_arn\": \"" ORG_ROLE
             "\", \"exclude_account_ids\": [\"888888888888\"], \"exclude_ous\": [\"%s\"]},"
             " \"categories\": [\"ec2\", \"tagging\"], \"regions\": [\"us-east-1\"]}",
             dev);
    snprintf(path, sizeof(path), "%s/org-scope.json", e.tmp);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(scope, f);
    fclose(f);
    oracle_accounts(path, want_acc, want_skip, sizeof(want_acc));
    /* the Dev OU holds the suspended account: it stays "suspended" */
    assert_non_null(strstr(want_skip, "666666666666:suspended"));
    assert_non_null(strstr(want_skip, "888888888888:excluded_account"));
    assert_non_null(strstr(want_skip, "excluded_ou"));

    submit(scope, scan, sizeof(scan));
    manifests = wait_records("cell-results", scan, 1);
    assert_int_equal(json_array_size(manifests), 1);
    m = json_object_get(json_object_get(json_array_get(manifests, 0), "value"), "manifest");
    json_array_foreach(json_object_get(m, "account_ids"), i, a)
        snprintf(got_acc + strlen(got_acc), sizeof(got_acc) - strlen(got_acc), "%s%s",
                 i ? "," : "", json_string_value(a));
    json_array_foreach(json_object_get(m, "skipped"), i, a)
        snprintf(got_skip + strlen(got_skip), sizeof(got_skip) - strlen(got_skip), "%s%s:%s",
                 i ? "," : "", str_at(a, "account_id", NULL), str_at(a, "reason", NULL));
    assert_string_equal(got_acc, want_acc);
    assert_string_equal(got_skip, want_skip);
    assert_int_equal(json_array_size(json_object_get(m, "cell_ids")),
                     2 * json_array_size(json_object_get(m, "account_ids")));
    json_decref(manifests);
}

/* The rejected report on scan-results and in Redis, and the dead letter
 * of the request's bytes (unless dead_letter is 0). */
static void expect_rejected(const char *client, const char *scan, const char *reason,
                            int dead_letter)
{
    json_t *reports = wait_records("scan-results", scan, 1), *v, *dl;
    Cellscan__V1__ScanReport *rep;

    assert_int_equal(json_array_size(reports), 1);
    v = json_object_get(json_array_get(reports, 0), "value");
    assert_string_equal(str_at(v, "status", NULL), "SCAN_REJECTED");
    assert_string_equal(str_at(v, "reason", NULL), reason);
    assert_string_equal(str_at(v, "client_id", NULL), client);
    json_decref(reports);
    rep = stored_report(client, scan);
    assert_int_equal(rep->status, CELLSCAN__V1__SCAN_STATUS__SCAN_REJECTED);
    assert_string_equal(rep->reason, reason);
    cellscan__v1__scan_report__free_unpacked(rep, NULL);
    dl = wait_records("dead-letters", scan, dead_letter ? 1 : 0);
    assert_int_equal(json_array_size(dl), dead_letter ? 1 : 0);
    if (dead_letter) {
        json_t *h = json_object_get(json_array_get(dl, 0), "headers");
        assert_string_equal(str_at(h, "cellscan-reason", NULL), reason);
        assert_string_equal(str_at(h, "cellscan-topic", NULL), "cellscan.scan-requests");
        assert_string_equal(str_at(json_array_get(dl, 0), "key", NULL), client);
    }
    json_decref(dl);
}

static void org_scope_without_role_rejected(void **state)
{
    struct request q;
    (void)state;

    request_init(&q, "it-norole", "scan-norole-1");
    q.s.target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ORGANIZATION;
    q.s.organization = &q.o;
    publish(&q);
    expect_rejected("it-norole", "scan-norole-1",
                    "invalid request: organization: no org-discovery role: set "
                    "organization.org_role_arn or CELLSCAN_ORG_ROLE_ARN",
                    1);
    json_t *m = wait_records("cell-results", "scan-norole-1", 0);
    assert_int_equal(json_array_size(m), 0);
    json_decref(m);
}

static void invalid_request_rejected(void **state)
{
    struct request q;
    Cellscan__V1__ScanRequest *back;
    json_t *dl;
    uint8_t *sent;
    size_t len;
    (void)state;

    request_init(&q, "it-bad", "scan-bad-1");
    q.accounts[1] = "12345";
    publish(&q);
    expect_rejected("it-bad", "scan-bad-1",
                    "invalid request: accounts[1]: expected a 12-digit account id, "
                    "got \"12345\"",
                    1);
    /* the dead letter is the original bytes */
    len = cellscan__v1__scan_request__get_packed_size(&q.r);
    sent = malloc(len);
    cellscan__v1__scan_request__pack(&q.r, sent);
    dl = wait_records("dead-letters", "scan-bad-1", 1);
    back = cellscan__v1__scan_request__unpack(NULL, len, sent);
    assert_non_null(back);
    assert_string_equal(str_at(json_object_get(json_object_get(json_array_get(dl, 0),
                                                               "original"), "value"),
                               "scan_id", NULL), back->scan_id);
    {
        const char *b64 = str_at(json_array_get(dl, 0), "value_base64", NULL);
        assert_non_null(b64);
        assert_int_equal(strlen(b64), 4 * ((len + 2) / 3));
    }
    cellscan__v1__scan_request__free_unpacked(back, NULL);
    free(sent);
    json_decref(dl);
}

static void poison_bytes_and_keep_going(void **state)
{
    static const uint8_t poison[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x01};
    json_t *all, *rec, *m;
    int found = 0;
    size_t i;
    struct request q;
    (void)state;

    publish_raw(poison, sizeof(poison));
    request_init(&q, "it-after", "scan-after-poison");
    publish(&q);
    m = wait_records("cell-results", "scan-after-poison", 1);
    assert_int_equal(json_array_size(m), 1);
    json_decref(m);
    all = decode("dead-letters");
    json_array_foreach(all, i, rec) {
        json_t *h = json_object_get(rec, "headers");
        if (strcmp(str_at(rec, "key", NULL), "poison") != 0)
            continue;
        found++;
        assert_string_equal(str_at(h, "cellscan-reason", NULL),
                            "decode: not a valid cellscan.v1.ScanRequest (8 bytes)");
        assert_string_equal(str_at(rec, "value_base64", NULL), "Cv////8PAAE=");
    }
    assert_int_equal(found, 1);
    json_decref(all);
}

static void plan_limit_rejected(void **state)
{
    struct request q;
    char key[CS_STORE_KEY_MAX];
    int64_t now = cs_wall_ms();
    (void)state;

    /* ten scans already this hour (and the next, should it turn) */
    for (int h = 0; h < 2; h++) {
        assert_int_equal(cs_store_key_rate("it-plan", now + h * 3600000LL, key, sizeof(key),
                                           NULL), CS_OK);
        freeReplyObject(redis_cmd("SET %s 10 EX 7200", key));
    }
    request_init(&q, "it-plan", "scan-plan-11");
    publish(&q);
    expect_rejected("it-plan", "scan-plan-11",
                    "plan limit: plan starter allows 10 scans per hour; this was scan 11 "
                    "of the hour",
                    0);
    json_t *m = wait_records("cell-results", "scan-plan-11", 0);
    assert_int_equal(json_array_size(m), 0);
    json_decref(m);
    /* another client is not limited by it */
    request_init(&q, "it-plan-b", "scan-plan-b");
    q.r.plan = "enterprise";
    publish(&q);
    m = wait_records("cell-results", "scan-plan-b", 1);
    assert_int_equal(json_array_size(m), 1);
    json_decref(m);
}

static void redelivered_no_second_manifest(void **state)
{
    struct request q;
    json_t *m;
    (void)state;

    request_init(&q, "it-redo", "scan-redo-1");
    publish(&q);
    m = wait_records("cell-results", "scan-redo-1", 1);
    assert_int_equal(json_array_size(m), 1);
    json_decref(m);
    publish(&q); /* the same request again: remembered in memory */
    /* after a restart, only Redis remembers it */
    assert_int_equal(cs_proc_stop(&e.disp, 20000), 0);
    dispatcher_start();
    publish(&q);
    /* a later request is dispatched, so the two before were handled */
    request_init(&q, "it-redo", "scan-redo-2");
    publish(&q);
    m = wait_records("cell-results", "scan-redo-2", 1);
    assert_int_equal(json_array_size(m), 1);
    json_decref(m);
    m = wait_records("cell-results", "scan-redo-1", 1);
    assert_int_equal(json_array_size(m), 1);
    json_decref(m);
    m = wait_records("cell-jobs", "scan-redo-1", 2);
    assert_int_equal(json_array_size(m), 2);
    json_decref(m);
}

/* Redis refuses to write seen marks: the dispatcher publishes, then waits
 * to mark the scan seen; kill -9 there, give Redis its rights back,
 * restart: the redelivered request is published again, identically. */
static void crash_before_seen_mark(void **state)
{
    struct request q;
    json_t *m, *jobs;
    char key[CS_STORE_KEY_MAX];
    int64_t until;
    redisReply *r;
    (void)state;

    r = redis_cmd("ACL SETUSER default resetkeys ~client:*:admit:* ~client:*:scan:* "
                  "~client:*:scans ~client:*:scans_per_hour:* %%R~client:*:seen:*");
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    request_init(&q, "it-crash", "scan-crash-1");
    q.accounts[0] = "111111111111";
    publish(&q);
    m = wait_records("cell-results", "scan-crash-1", 1);
    assert_int_equal(json_array_size(m), 1);
    jobs = wait_records("cell-jobs", "scan-crash-1", 2);
    assert_int_equal(json_array_size(jobs), 2);
    json_decref(m);
    json_decref(jobs);
    /* it keeps trying to write the mark */
    until = cs_mono_ms() + 10000;
    assert_int_equal(cs_store_key_seen("it-crash", "scan-crash-1", key, sizeof(key), NULL),
                     CS_OK);
    cs_sleep_ms(1500, NULL);
    assert_int_equal(redis_exists(key), 0);
    cs_proc_kill9(&e.disp);
    r = redis_cmd("ACL SETUSER default resetkeys ~*");
    freeReplyObject(r);
    dispatcher_start();
    m = wait_records("cell-results", "scan-crash-1", 2);
    jobs = wait_records("cell-jobs", "scan-crash-1", 4);
    /* twice, identical: same manifest, same jobs (downstream dedupes) */
    assert_int_equal(json_array_size(m), 2);
    assert_true(json_equal(json_object_get(json_array_get(m, 0), "value"),
                           json_object_get(json_array_get(m, 1), "value")));
    assert_int_equal(json_array_size(jobs), 4);
    for (size_t i = 0; i < 4; i++) {
        json_t *a = json_object_get(json_array_get(jobs, i), "value");
        int same = 0;
        for (size_t k = 0; k < 4; k++)
            same += k != i && json_equal(a, json_object_get(json_array_get(jobs, k), "value"));
        assert_int_equal(same, 1);
    }
    json_decref(m);
    json_decref(jobs);
    while (redis_exists(key) == 0 && cs_mono_ms() < until + 20000)
        cs_sleep_ms(100, NULL);
    assert_int_equal(redis_exists(key), 1);
}

/* Organizations answers slowly: the discovery takes longer than
 * max.poll.interval.ms (6 s here), yet the dispatcher stays in its group
 * (no revocation, no poll-interval error) and dispatches once. */
static void slow_discovery_keeps_group(void **state)
{
    char scope[1024], scan[128], line[2048];
    json_t *m;
    FILE *f;
    int bad = 0;
    int64_t t0;
    (void)state;

    free(cs_awssim_admin(&e.sim, "POST", "/_awssim/faults",
                         "{\"kind\":\"latency\",\"ms\":1200,\"service\":\"organizations\"}"));
    snprintf(scope, sizeof(scope),
             "{\"client_id\": \"it-slow\", \"organization\": {\"org_role_arn\": \"" ORG_ROLE
             "\"}, \"categories\": [\"s3\"], \"regions\": [\"us-east-1\"]}");
    t0 = cs_mono_ms();
    submit(scope, scan, sizeof(scan));
    m = wait_records("cell-results", scan, 1);
    free(cs_awssim_admin(&e.sim, "DELETE", "/_awssim/faults", NULL));
    assert_int_equal(json_array_size(m), 1);
    json_decref(m);
    /* the discovery really was slower than the poll interval */
    assert_true(cs_mono_ms() - t0 > 7000);
    f = fopen(e.disp.log_path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f))
        bad += strstr(line, "maximum poll interval") != NULL ||
               strstr(line, "while its request is in progress") != NULL;
    fclose(f);
    assert_int_equal(bad, 0);
    m = wait_records("cell-results", scan, 1);
    assert_int_equal(json_array_size(m), 1);
    json_decref(m);
}

static void health_and_metrics(void **state)
{
    long status = 0;
    char *body = http_get("/healthz", &status);
    (void)state;

    assert_int_equal(status, 200);
    assert_string_equal(body, "ok\n");
    free(body);
    body = http_get("/metrics", &status);
    assert_int_equal(status, 200);
    /* counted by this process since its last start: the crash test's
     * restart came after the dead letters above; one more now */
    publish_raw("\x01", 1);
    free(body);
    for (int64_t until = cs_mono_ms() + 20000; cs_mono_ms() < until; cs_sleep_ms(200, NULL)) {
        body = http_get("/metrics", &status);
        if (body && strstr(body, "cellscan_dead_letters_total{topic=\"cellscan.scan-requests\","
                                 "reason=\"decode\"} 1"))
            break;
        free(body);
        body = NULL;
    }
    assert_non_null(body);
    assert_non_null(strstr(body, "cellscan_consumer_lag{group=\"cellscan.dispatcher\""));
    free(body);
}

static void unreachable_at_start(void **state)
{
    char bin[600], out[256];
    char *argv[] = {bin, NULL};
    char *no_kafka[] = {"CELLSCAN_KAFKA_BROKERS=127.0.0.1:1", "CELLSCAN_STARTUP_TIMEOUT=2",
                        "CELLSCAN_METRICS_ADDR=off", NULL};
    char *no_redis[] = {"CELLSCAN_REDIS_URL=redis://127.0.0.1:1/0",
                        "CELLSCAN_STARTUP_TIMEOUT=2", "CELLSCAN_METRICS_ADDR=off", NULL};
    struct cs_proc p;
    char line[4096];
    FILE *f;
    int said = 0;
    (void)state;
    (void)out;

    bin_path(bin, sizeof(bin), "cellscan-dispatcher");
    assert_int_equal(cs_proc_start(&p, "no-kafka", argv, no_kafka, 0, e.tmp), 0);
    assert_int_equal(cs_proc_wait_exit(&p, 20000), 1);
    f = fopen(p.log_path, "r");
    while (f && fgets(line, sizeof(line), f))
        said += strstr(line, "Kafka at 127.0.0.1:1 unreachable after 2 s") != NULL;
    if (f)
        fclose(f);
    assert_true(said > 0);
    said = 0;
    assert_int_equal(cs_proc_start(&p, "no-redis", argv, no_redis, 0, e.tmp), 0);
    assert_int_equal(cs_proc_wait_exit(&p, 20000), 1);
    f = fopen(p.log_path, "r");
    while (f && fgets(line, sizeof(line), f))
        said += strstr(line, "Redis at 127.0.0.1:1/0 unreachable after 2 s") != NULL;
    if (f)
        fclose(f);
    assert_true(said > 0);
}

/* ------------------------------------------------------------ setup */

static int group_setup(void **state)
{
    const char *sim_args[] = {"--demo", NULL};
    char bin[600], line[600];
    char *argv[] = {bin, "mock-kafka", "--partitions", "3", NULL};
    (void)state;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cs_tmpdir_make("cs-dispatcher", e.tmp, sizeof(e.tmp)) != 0 ||
        cs_redis_start(&e.redis, e.tmp, 0) != 0 || cs_awssim_start(&e.sim, e.tmp, sim_args) != 0)
        return -1;
    bin_path(bin, sizeof(bin), "cellscan");
    if (cs_proc_start(&e.kafka, "mock-kafka", argv, NULL, 1, e.tmp) != 0 ||
        cs_proc_wait_line(&e.kafka, "bootstrap=", line, sizeof(line), 20000) != 0)
        return -1;
    snprintf(e.bootstrap, sizeof(e.bootstrap), "%s", strstr(line, "bootstrap=") + 10);
    for (int i = 0; cleared[i]; i++)
        unsetenv(cleared[i]);
    setenv("CELLSCAN_KAFKA_BROKERS", e.bootstrap, 1);
    setenv("CELLSCAN_REDIS_URL", e.redis.url, 1);
    setenv("AWS_ENDPOINT_URL", e.sim.url, 1);
    setenv("AWS_ACCESS_KEY_ID", SCANNER_KEY, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SCANNER_SECRET, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("HOME", e.tmp, 1);
    setenv("CELLSCAN_EXTERNAL_ID", EXTERNAL_ID, 1);
    /* the fast-rebalance consumer settings, and a short poll interval for
     * the slow-discovery test */
    setenv("CELLSCAN_MAX_POLL_INTERVAL", "6", 1);
    setenv("CELLSCAN_STARTUP_TIMEOUT", "20", 1);
    setenv("CELLSCAN_DRAIN_TIMEOUT", "5", 1);
    setenv("CELLSCAN_LOG_LEVEL", "info", 1);
    memset(&e.cfg, 0, sizeof(e.cfg));
    e.cfg.kafka_brokers = e.bootstrap;
    e.cfg.kafka_properties_file = "";
    e.cfg.topic_prefix = "cellscan.";
    e.cfg.max_poll_interval_s = 10;
    dispatcher_start();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    cs_proc_stop(&e.disp, 20000);
    cs_proc_stop(&e.kafka, 5000);
    cs_awssim_stop(&e.sim);
    cs_redis_stop(&e.redis);
    cs_tmpdir_remove(e.tmp);
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(explicit_list_via_submit),
        cmocka_unit_test(org_scope_against_oracle),
        cmocka_unit_test(org_scope_without_role_rejected),
        cmocka_unit_test(invalid_request_rejected),
        cmocka_unit_test(poison_bytes_and_keep_going),
        cmocka_unit_test(plan_limit_rejected),
        cmocka_unit_test(redelivered_no_second_manifest),
        cmocka_unit_test(crash_before_seen_mark),
        cmocka_unit_test(slow_discovery_keeps_group),
        cmocka_unit_test(health_and_metrics),
        cmocka_unit_test(unreachable_at_start),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
