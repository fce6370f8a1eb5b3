/* lib/store, what the dispatcher adds on top of plan counters and seen
 * marks, against a real redis-server: admission counted once per scan id
 * (a redelivered request gets the recorded decision, the bucket does not
 * move), and reading a seen mark without setting it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "store/store.h"

static char tmpdir[512];
static struct cs_redis redis;

static cs_store_t *open_store(void)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    cs_store_t *s;

    memset(&cfg, 0, sizeof(cfg));
    cfg.redis_url = redis.url;
    cfg.report_ttl_s = 3600;
    cfg.startup_timeout_s = 5;
    s = cs_store_new(&cfg, &err);
    if (s == NULL)
        fail_msg("store: %s", err.msg);
    return s;
}

static long long raw_int(const char *cmd, const char *key)
{
    redisContext *c = redisConnect("127.0.0.1", redis.port);
    redisReply *r;
    long long v;

    assert_non_null(c);
    r = redisCommand(c, "%s %s", cmd, key);
    assert_non_null(r);
    if (r->type == REDIS_REPLY_STRING)
        v = atoll(r->str);
    else
        v = r->type == REDIS_REPLY_INTEGER ? r->integer : -100;
    freeReplyObject(r);
    redisFree(c);
    return v;
}

static void admitted_once_per_scan(void **state)
{
    cs_store_t *s = open_store();
    struct cs_err err = CS_ERR_INIT;
    const int64_t hour = 1764108000000; /* 2025-11-25T22:00:00Z */
    char bucket[CS_STORE_KEY_MAX], mark[CS_STORE_KEY_MAX];
    long long count = 0;
    int ok = -1, first = -1;
    (void)state;

    assert_int_equal(cs_store_key_rate("once", hour, bucket, sizeof(bucket), &err), CS_OK);
    assert_string_equal(bucket, "client:once:scans_per_hour:2025112522");
    for (int i = 0; i < 9; i++)
        assert_int_equal(cs_store_admit_scan(s, "once", "starter", hour, &ok, NULL, &err), CS_OK);
    /* the 10th scan of the hour: admitted, and recorded */
    assert_int_equal(cs_store_admit_scan_once(s, "once", "scan-a", "starter", hour, 600,
                                              &ok, &count, &first, &err), CS_OK);
    assert_true(ok);
    assert_int_equal(count, 10);
    assert_true(first);
    assert_int_equal(cs_store_key_admit("once", "scan-a", mark, sizeof(mark), &err), CS_OK);
    assert_string_equal(mark, "client:once:admit:scan-a");
    assert_true(raw_int("TTL", mark) > 590);
    /* redelivered, even an hour later: same answer, nothing counted */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cs_store_admit_scan_once(s, "once", "scan-a", "starter",
                                                  hour + 3600000, 600, &ok, &count,
                                                  &first, &err), CS_OK);
        assert_true(ok);
        assert_int_equal(count, 10);
        assert_false(first);
    }
    assert_int_equal(raw_int("GET", bucket), 10);
    /* the 11th is refused, and stays refused */
    assert_int_equal(cs_store_admit_scan_once(s, "once", "scan-b", "starter", hour, 600,
                                              &ok, &count, NULL, &err), CS_OK);
    assert_false(ok);
    assert_int_equal(count, 11);
    assert_int_equal(cs_store_admit_scan_once(s, "once", "scan-b", "enterprise", hour, 600,
                                              &ok, NULL, &first, &err), CS_OK);
    assert_false(ok);
    assert_false(first);
    assert_int_equal(raw_int("GET", bucket), 11);
    assert_true(raw_int("TTL", bucket) > 7000);
    /* another client has its own bucket and marks */
    assert_int_equal(cs_store_admit_scan_once(s, "other", "scan-b", "starter", hour, 600,
                                              &ok, &count, &first, &err), CS_OK);
    assert_true(ok);
    assert_int_equal(count, 1);
    assert_true(first);
    /* bad input never reaches Redis */
    assert_int_equal(cs_store_admit_scan_once(s, "once", "scan c", "starter", hour, 600,
                                              &ok, NULL, NULL, &err), CS_ERR_INVALID);
    assert_int_equal(cs_store_admit_scan_once(s, "on:ce", "scan-c", "starter", hour, 600,
                                              &ok, NULL, NULL, &err), CS_ERR_INVALID);
    assert_int_equal(cs_store_admit_scan_once(s, "once", "scan-c", "gold", hour, 600,
                                              &ok, NULL, NULL, &err), CS_ERR_INVALID);
    assert_int_equal(cs_store_admit_scan_once(s, "once", "scan-c", "starter", hour, 0,
                                              &ok, NULL, NULL, &err), CS_ERR_INVALID);
    assert_int_equal(raw_int("GET", bucket), 11);
    cs_store_destroy(s);
}

static void seen_is_read_without_marking(void **state)
{
    cs_store_t *s = open_store();
    struct cs_err err = CS_ERR_INIT;
    int seen = -1, first = -1;
    (void)state;

    assert_int_equal(cs_store_seen(s, "acme", "scan-1", &seen, &err), CS_OK);
    assert_false(seen);
    /* reading did not mark it */
    assert_int_equal(cs_store_seen(s, "acme", "scan-1", &seen, &err), CS_OK);
    assert_false(seen);
    assert_int_equal(cs_store_mark_seen(s, "acme", "scan-1", 60, &first, &err), CS_OK);
    assert_true(first);
    assert_int_equal(cs_store_seen(s, "acme", "scan-1", &seen, &err), CS_OK);
    assert_true(seen);
    assert_int_equal(cs_store_seen(s, "other", "scan-1", &seen, &err), CS_OK);
    assert_false(seen);
    assert_int_equal(cs_store_seen(s, "acme", "", &seen, &err), CS_ERR_INVALID);
    assert_int_equal(cs_store_seen(s, "a:b", "scan-1", &seen, &err), CS_ERR_INVALID);
    cs_store_destroy(s);
}

static void redis_gone_is_unavailable(void **state)
{
    cs_store_t *s = open_store();
    struct cs_err err = CS_ERR_INIT;
    int seen = -1, ok = -1;
    (void)state;

    cs_redis_stop(&redis);
    assert_int_equal(cs_store_seen(s, "acme", "scan-1", &seen, &err), CS_ERR_UNAVAILABLE);
    assert_int_equal(cs_store_admit_scan_once(s, "acme", "scan-1", "starter", 1, 60, &ok,
                                              NULL, NULL, &err), CS_ERR_UNAVAILABLE);
    assert_false(ok);
    cs_store_destroy(s);
}

static int setup(void **state)
{
    (void)state;
    if (cs_tmpdir_make("cs-store-once", tmpdir, sizeof(tmpdir)) != 0 ||
        cs_redis_start(&redis, tmpdir, 0) != 0)
        return -1;
    return 0;
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
        cmocka_unit_test(admitted_once_per_scan),
        cmocka_unit_test(seen_is_read_without_marking),
        cmocka_unit_test(redis_gone_is_unavailable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
