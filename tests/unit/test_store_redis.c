/* lib/store against a real redis-server started by the test: reports
 * round-trip with their TTL, the per-client index (newest first, trimmed
 * to 1,000), client isolation, plan counters, seen marks, corrupted
 * values, AUTH, the bounded wait at start, and a Redis restart in the
 * middle (the store reconnects by itself). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "store/redis_conn.h"
#include "store/store.h"
#include "util/clock.h"

static char tmpdir[512];
static struct cs_redis redis;

static void init_cfg(struct cs_config *cfg, const char *url, int ttl)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->redis_url = (char *)url;
    cfg->report_ttl_s = ttl;
    cfg->startup_timeout_s = 5;
}

static cs_store_t *open_store(int ttl)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    cs_store_t *s;

    init_cfg(&cfg, redis.url, ttl);
    s = cs_store_new(&cfg, &err);
    if (s == NULL)
        fail_msg("store: %s", err.msg);
    return s;
}

static redisContext *raw(int port)
{
    redisContext *c = redisConnect("127.0.0.1", port);

    assert_non_null(c);
    assert_int_equal(c->err, 0);
    return c;
}

static long long raw_int(redisContext *c, const char *cmd, const char *key)
{
    redisReply *r = redisCommand(c, "%s %s", cmd, key);
    long long v;

    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    v = r->integer;
    freeReplyObject(r);
    return v;
}

/* A report with a bit of everything, so packing covers nested fields. */
struct report_parts {
    Cellscan__V1__ScanReport r;
    Cellscan__V1__Totals overall;
    Cellscan__V1__AccountReport acct, *accts[1];
    Cellscan__V1__Totals acct_totals;
    char scan_id[64], client_id[64];
};

static void make_report(struct report_parts *p, const char *client,
                        const char *scan, int64_t finished)
{
    cellscan__v1__scan_report__init(&p->r);
    cellscan__v1__totals__init(&p->overall);
    cellscan__v1__account_report__init(&p->acct);
    cellscan__v1__totals__init(&p->acct_totals);
    snprintf(p->client_id, sizeof(p->client_id), "%s", client);
    snprintf(p->scan_id, sizeof(p->scan_id), "%s", scan);
    p->r.schema_version = 1;
    p->r.client_id = p->client_id;
    p->r.scan_id = p->scan_id;
    p->r.status = CELLSCAN__V1__SCAN_STATUS__SCAN_PARTIAL;
    p->r.started_at_ms = finished - 4000;
    p->r.finished_at_ms = finished;
    p->overall.total = 412;
    p->overall.compliant = 301;
    p->overall.score = 301.0 / 412.0;
    p->r.overall = &p->overall;
    p->acct.account_id = (char *)"111111111111";
    p->acct.status = CELLSCAN__V1__SCAN_STATUS__SCAN_OK;
    p->acct_totals.total = 80;
    p->acct.totals = &p->acct_totals;
    p->accts[0] = &p->acct;
    p->r.accounts = p->accts;
    p->r.n_accounts = 1;
}

static void round_trip_with_ttl(void **state)
{
    cs_store_t *s = open_store(600);
    struct report_parts p;
    Cellscan__V1__ScanReport *got = NULL;
    struct cs_err err = CS_ERR_INIT;
    redisContext *c = raw(redis.port);
    long long ttl;
    (void)state;

    make_report(&p, "acme", "scan-20261125-0001", 1795645800000LL);
    assert_int_equal(cs_store_put_report(s, &p.r, &err), CS_OK);
    assert_int_equal(cs_store_get_report(s, "acme", "scan-20261125-0001", &got,
                                         &err), CS_OK);
    assert_string_equal(got->scan_id, "scan-20261125-0001");
    assert_int_equal(got->status, CELLSCAN__V1__SCAN_STATUS__SCAN_PARTIAL);
    assert_int_equal(got->overall->total, 412);
    assert_int_equal(got->n_accounts, 1);
    assert_string_equal(got->accounts[0]->account_id, "111111111111");
    /* the stored value is exactly the packed report */
    {
        size_t n = cellscan__v1__scan_report__get_packed_size(&p.r);
        uint8_t *want = malloc(n);
        redisReply *r = redisCommand(c, "GET client:acme:scan:scan-20261125-0001");
        cellscan__v1__scan_report__pack(&p.r, want);
        assert_int_equal(r->type, REDIS_REPLY_STRING);
        assert_int_equal(r->len, n);
        assert_memory_equal(r->str, want, n);
        freeReplyObject(r);
        free(want);
    }
    cellscan__v1__scan_report__free_unpacked(got, NULL);
    ttl = raw_int(c, "TTL", "client:acme:scan:scan-20261125-0001");
    assert_true(ttl > 590 && ttl <= 600);
    ttl = raw_int(c, "TTL", "client:acme:scans");
    assert_true(ttl > 590 && ttl <= 600);
    /* storing it again is harmless */
    assert_int_equal(cs_store_put_report(s, &p.r, &err), CS_OK);
    assert_int_equal(raw_int(c, "ZCARD", "client:acme:scans"), 1);
    redisFree(c);
    cs_store_destroy(s);
}

static void clients_are_isolated(void **state)
{
    cs_store_t *s = open_store(600);
    struct report_parts p;
    Cellscan__V1__ScanReport *got = NULL;
    struct cs_scan_ref *refs = NULL;
    struct cs_err err = CS_ERR_INIT;
    size_t n = 9;
    (void)state;

    make_report(&p, "client-a", "shared-scan-id", 1000);
    assert_int_equal(cs_store_put_report(s, &p.r, &err), CS_OK);
    assert_int_equal(cs_store_get_report(s, "client-b", "shared-scan-id", &got,
                                         &err), CS_ERR_NOTFOUND);
    assert_string_equal(err.msg, "no report shared-scan-id for client client-b");
    assert_null(got);
    assert_int_equal(cs_store_list_scans(s, "client-b", 10, &refs, &n, &err), CS_OK);
    assert_int_equal(n, 0);
    assert_null(refs);
    /* no id can be bent into another client's key */
    assert_int_equal(cs_store_get_report(s, "client-b:scan:x", "y", &got, &err),
                     CS_ERR_INVALID);
    assert_int_equal(cs_store_get_report(s, "client-b", "*", &got, &err),
                     CS_ERR_INVALID);
    assert_int_equal(cs_store_get_report(s, "client-a", "shared-scan-id\r\nFLUSHALL",
                                         &got, &err), CS_ERR_INVALID);
    make_report(&p, "client-a:x", "s", 1);
    assert_int_equal(cs_store_put_report(s, &p.r, &err), CS_ERR_INVALID);
    cs_store_destroy(s);
}

static void index_is_newest_first_and_trimmed(void **state)
{
    cs_store_t *s = open_store(600);
    struct report_parts p;
    struct cs_scan_ref *refs = NULL;
    struct cs_err err = CS_ERR_INIT;
    redisContext *c = raw(redis.port);
    size_t n = 0;
    (void)state;

    for (int i = 0; i < CS_STORE_INDEX_KEEP + 5; i++) {
        char id[32];
        snprintf(id, sizeof(id), "s-%04d", i);
        make_report(&p, "busy", id, 1000000 + i);
        assert_int_equal(cs_store_put_report(s, &p.r, &err), CS_OK);
    }
    assert_int_equal(raw_int(c, "ZCARD", "client:busy:scans"), CS_STORE_INDEX_KEEP);
    assert_int_equal(cs_store_list_scans(s, "busy", 3, &refs, &n, &err), CS_OK);
    assert_int_equal(n, 3);
    assert_string_equal(refs[0].scan_id, "s-1004");
    assert_int_equal(refs[0].finished_at_ms, 1001004);
    assert_string_equal(refs[2].scan_id, "s-1002");
    free(refs);
    assert_int_equal(cs_store_list_scans(s, "busy", 5000, &refs, &n, &err), CS_OK);
    assert_int_equal(n, CS_STORE_INDEX_KEEP);
    /* the five oldest fell out */
    assert_string_equal(refs[n - 1].scan_id, "s-0005");
    free(refs);
    redisFree(c);
    cs_store_destroy(s);
}

static void plan_counter(void **state)
{
    cs_store_t *s = open_store(600);
    struct cs_err err = CS_ERR_INIT;
    redisContext *c = raw(redis.port);
    int64_t hour = 1795644000000LL; /* 2026-11-25T22:00:00Z */
    long long count = 0;
    int ok = -1;
    long long ttl;
    (void)state;

    for (int i = 1; i <= 10; i++) {
        assert_int_equal(cs_store_admit_scan(s, "small", "starter", hour + i, &ok,
                                             &count, &err), CS_OK);
        assert_true(ok);
        assert_int_equal(count, i);
    }
    assert_int_equal(cs_store_admit_scan(s, "small", "", hour + 59 * 60000, &ok,
                                         &count, &err), CS_OK);
    assert_false(ok);
    assert_int_equal(count, 11);
    ttl = raw_int(c, "TTL", "client:small:scans_per_hour:2026112522");
    assert_true(ttl > 7000 && ttl <= 7200);
    /* the next hour starts afresh */
    assert_int_equal(cs_store_admit_scan(s, "small", "starter", hour + 3600000,
                                         &ok, &count, &err), CS_OK);
    assert_true(ok);
    assert_int_equal(count, 1);
    /* another client has its own bucket; enterprise allows 200 */
    for (int i = 0; i < 200; i++)
        assert_int_equal(cs_store_admit_scan(s, "big", "enterprise", hour, &ok,
                                             NULL, &err), CS_OK);
    assert_true(ok);
    assert_int_equal(cs_store_admit_scan(s, "big", "enterprise", hour, &ok, NULL,
                                         &err), CS_OK);
    assert_false(ok);
    assert_int_equal(cs_store_admit_scan(s, "big", "platinum", hour, &ok, NULL,
                                         &err), CS_ERR_INVALID);
    redisFree(c);
    cs_store_destroy(s);
}

static void seen_marks(void **state)
{
    cs_store_t *s = open_store(600);
    struct cs_err err = CS_ERR_INIT;
    redisContext *c = raw(redis.port);
    int first = -1;
    (void)state;

    assert_int_equal(cs_store_mark_seen(s, "acme", "scan-9", 120, &first, &err), CS_OK);
    assert_true(first);
    assert_int_equal(cs_store_mark_seen(s, "acme", "scan-9", 120, &first, &err), CS_OK);
    assert_false(first);
    /* per client: the same scan id of another client is new */
    assert_int_equal(cs_store_mark_seen(s, "other", "scan-9", 120, &first, &err), CS_OK);
    assert_true(first);
    assert_true(raw_int(c, "TTL", "client:acme:seen:scan-9") <= 120);
    assert_int_equal(cs_store_mark_seen(s, "acme", "scan-9", 0, &first, &err),
                     CS_ERR_INVALID);
    redisFree(c);
    cs_store_destroy(s);
}

static void corrupted_values(void **state)
{
    cs_store_t *s = open_store(600);
    struct report_parts p;
    Cellscan__V1__ScanReport *got = NULL;
    struct cs_err err = CS_ERR_INIT;
    redisContext *c = raw(redis.port);
    size_t n;
    uint8_t *bytes;
    redisReply *r;
    (void)state;

    r = redisCommand(c, "SET client:acme:scan:bad %b", "\xff\xff\xff", (size_t)3);
    freeReplyObject(r);
    assert_int_equal(cs_store_get_report(s, "acme", "bad", &got, &err), CS_ERR_PARSE);
    assert_string_equal(err.msg, "report bad of client acme: stored bytes are not "
                                 "a ScanReport");
    /* a report copied under another client's key is refused */
    make_report(&p, "mallory", "m1", 1);
    n = cellscan__v1__scan_report__get_packed_size(&p.r);
    bytes = malloc(n);
    cellscan__v1__scan_report__pack(&p.r, bytes);
    r = redisCommand(c, "SET client:acme:scan:m1 %b", bytes, n);
    freeReplyObject(r);
    free(bytes);
    assert_int_equal(cs_store_get_report(s, "acme", "m1", &got, &err), CS_ERR_PARSE);
    assert_null(got);
    r = redisCommand(c, "DEL client:acme:scans");
    freeReplyObject(r);
    r = redisCommand(c, "LPUSH client:acme:scans x");
    freeReplyObject(r);
    {
        struct cs_scan_ref *refs = NULL;
        assert_int_equal(cs_store_list_scans(s, "acme", 10, &refs, &n, &err),
                         CS_ERR_INVALID);
        assert_non_null(strstr(err.msg, "ZREVRANGE: WRONGTYPE"));
    }
    redisFree(c);
    cs_store_destroy(s);
}

/* Starts redis-server on a given port (so a restart keeps the address). */
static void start_on_port(struct cs_proc *p, int port, const char *pass)
{
    char portstr[16];
    char *argv[16];
    int n = 0;
    int64_t deadline = cs_mono_ms() + 10000;

    snprintf(portstr, sizeof(portstr), "%d", port);
    argv[n++] = "redis-server";
    argv[n++] = "--port";
    argv[n++] = portstr;
    argv[n++] = "--bind";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--dir";
    argv[n++] = tmpdir;
    if (pass) {
        argv[n++] = "--requirepass";
        argv[n++] = (char *)pass;
    }
    argv[n] = NULL;
    assert_int_equal(cs_proc_start(p, "redis-fixed", argv, NULL, 0, tmpdir), 0);
    while (cs_mono_ms() < deadline) {
        redisContext *c = redisConnect("127.0.0.1", port);
        int up = c && !c->err;
        redisFree(c);
        if (up)
            return;
        usleep(20000);
    }
    fail_msg("redis-server on port %d did not start", port);
}

static void survives_restart(void **state)
{
    struct cs_proc p;
    struct cs_config cfg;
    char url[128];
    struct report_parts rp;
    Cellscan__V1__ScanReport *got = NULL;
    struct cs_err err = CS_ERR_INIT;
    int port = cs_free_port();
    cs_store_t *s;
    int first = 0;
    (void)state;

    start_on_port(&p, port, NULL);
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", port);
    init_cfg(&cfg, url, 600);
    s = cs_store_new(&cfg, &err);
    assert_non_null(s);
    make_report(&rp, "acme", "before", 1);
    assert_int_equal(cs_store_put_report(s, &rp.r, &err), CS_OK);

    cs_proc_stop(&p, 5000);
    assert_int_equal(cs_store_mark_seen(s, "acme", "x", 60, &first, &err),
                     CS_ERR_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "Redis at 127.0.0.1:"));

    /* same address, empty data (no persistence): the store reconnects */
    start_on_port(&p, port, NULL);
    assert_int_equal(cs_store_get_report(s, "acme", "before", &got, &err),
                     CS_ERR_NOTFOUND);
    make_report(&rp, "acme", "after", 2);
    assert_int_equal(cs_store_put_report(s, &rp.r, &err), CS_OK);
    assert_int_equal(cs_store_get_report(s, "acme", "after", &got, &err), CS_OK);
    cellscan__v1__scan_report__free_unpacked(got, NULL);

    /* and again, now with the connection idle when Redis went away */
    cs_proc_stop(&p, 5000);
    start_on_port(&p, port, NULL);
    assert_int_equal(cs_store_mark_seen(s, "acme", "y", 60, &first, &err), CS_OK);
    assert_true(first);
    cs_store_destroy(s);
    cs_proc_stop(&p, 5000);
}

static void password(void **state)
{
    struct cs_proc p;
    struct cs_config cfg;
    char url[160];
    struct cs_err err = CS_ERR_INIT;
    int port = cs_free_port();
    cs_store_t *s;
    int first = 0;
    (void)state;

    start_on_port(&p, port, "Kx9-redis-pass");
    snprintf(url, sizeof(url), "redis://:Kx9-redis-pass@127.0.0.1:%d/3", port);
    init_cfg(&cfg, url, 600);
    s = cs_store_new(&cfg, &err);
    if (s == NULL)
        fail_msg("store: %s", err.msg);
    assert_int_equal(cs_store_mark_seen(s, "acme", "x", 60, &first, &err), CS_OK);
    assert_true(first);
    cs_store_destroy(s);

    snprintf(url, sizeof(url), "redis://:wrong-pass-77@127.0.0.1:%d/0", port);
    init_cfg(&cfg, url, 600);
    assert_null(cs_store_new(&cfg, &err));
    assert_int_equal(err.code, CS_ERR_DENIED);
    assert_non_null(strstr(err.msg, "refused AUTH"));
    assert_null(strstr(err.msg, "wrong-pass-77"));

    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", port);
    init_cfg(&cfg, url, 600);
    s = cs_store_new(&cfg, &err);
    assert_null(s);
    assert_non_null(strstr(err.msg, "NOAUTH"));
    cs_proc_stop(&p, 5000);
}

struct late_start {
    struct cs_proc p;
    int port;
};

static void *start_late(void *arg)
{
    struct late_start *ls = arg;

    usleep(1500 * 1000);
    start_on_port(&ls->p, ls->port, NULL);
    return NULL;
}

static void bounded_wait_at_start(void **state)
{
    struct cs_config cfg;
    char url[128];
    struct cs_err err = CS_ERR_INIT;
    struct late_start ls;
    pthread_t th;
    int64_t t0;
    cs_store_t *s;
    (void)state;

    ls.port = cs_free_port();
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", ls.port);
    init_cfg(&cfg, url, 600);
    cfg.startup_timeout_s = 1;
    t0 = cs_mono_ms();
    assert_null(cs_store_new(&cfg, &err));
    assert_int_equal(err.code, CS_ERR_UNAVAILABLE);
    assert_true(cs_mono_ms() - t0 < 4000);
    assert_non_null(strstr(err.msg, "unreachable after 1 s"));
    assert_non_null(strstr(err.msg, "Connection refused"));

    /* Redis that comes up within the wait is used */
    cfg.startup_timeout_s = 20;
    assert_int_equal(pthread_create(&th, NULL, start_late, &ls), 0);
    s = cs_store_new(&cfg, &err);
    pthread_join(th, NULL);
    if (s == NULL)
        fail_msg("store: %s", err.msg);
    cs_store_destroy(s);
    cs_proc_stop(&ls.p, 5000);
}

static int setup(void **state)
{
    (void)state;
    if (cs_tmpdir_make("test_store_redis", tmpdir, sizeof(tmpdir)) != 0)
        return -1;
    return cs_redis_start(&redis, tmpdir, 0);
}

static int teardown(void **state)
{
    (void)state;
    cs_redis_stop(&redis);
    cs_tmpdir_remove(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_with_ttl),
        cmocka_unit_test(clients_are_isolated),
        cmocka_unit_test(index_is_newest_first_and_trimmed),
        cmocka_unit_test(plan_counter),
        cmocka_unit_test(seen_marks),
        cmocka_unit_test(corrupted_values),
        cmocka_unit_test(survives_restart),
        cmocka_unit_test(password),
        cmocka_unit_test(bounded_wait_at_start),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
