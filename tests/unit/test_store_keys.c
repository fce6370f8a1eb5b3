/* Pure parts of lib/store: CELLSCAN_REDIS_URL parsing (credentials never
 * in messages), id validation, key shapes under a client's prefix, and
 * the plan limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/keys.h"
#include "store/plan.h"
#include "store/url.h"

static void tcp_urls(void **state)
{
    struct cs_redis_url u;
    char d[300];
    (void)state;

    assert_int_equal(cs_redis_url_parse("redis://127.0.0.1:6380/2", &u, NULL), CS_OK);
    assert_false(u.is_unix);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 2);
    assert_null(u.user);
    assert_null(u.password);
    cs_redis_url_free(&u);

    assert_int_equal(cs_redis_url_parse("redis://cache.internal", &u, NULL), CS_OK);
    assert_string_equal(u.host, "cache.internal");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);
    cs_redis_url_free(&u);

    assert_int_equal(cs_redis_url_parse("redis://:s3cr%40t@h:1/", &u, NULL), CS_OK);
    assert_null(u.user);
    assert_string_equal(u.password, "s3cr@t");
    assert_string_equal(cs_redis_url_describe(&u, d, sizeof(d)), "h:1/0");
    cs_redis_url_free(&u);

    /* the last '@' ends the credentials */
    assert_int_equal(cs_redis_url_parse("redis://app:p@ss@[::1]:7000/15", &u, NULL),
                     CS_OK);
    assert_string_equal(u.user, "app");
    assert_string_equal(u.password, "p@ss");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 7000);
    assert_int_equal(u.db, 15);
    assert_string_equal(cs_redis_url_describe(&u, d, sizeof(d)), "[::1]:7000/15");
    cs_redis_url_free(&u);
}

static void unix_urls(void **state)
{
    struct cs_redis_url u;
    char d[300];
    (void)state;

    assert_int_equal(cs_redis_url_parse("unix:///run/redis.sock", &u, NULL), CS_OK);
    assert_true(u.is_unix);
    assert_string_equal(u.path, "/run/redis.sock");
    assert_int_equal(u.db, 0);
    cs_redis_url_free(&u);
    assert_int_equal(cs_redis_url_parse("unix:///run/redis.sock?db=3", &u, NULL),
                     CS_OK);
    assert_int_equal(u.db, 3);
    assert_string_equal(cs_redis_url_describe(&u, d, sizeof(d)),
                        "unix:/run/redis.sock/3");
    cs_redis_url_free(&u);
}

static void bad_urls_name_the_problem(void **state)
{
    static const struct {
        const char *url;
        const char *msg;
    } cases[] = {
        {"http://h:1", "must start with redis:// or unix://"},
        {"redis://", "host must be 1..255 characters"},
        {"redis://h:0", "port \"0\" must be a number 1..65535"},
        {"redis://h:99999", "port \"99999\" must be a number 1..65535"},
        {"redis://h:12ab", "port \"12ab\" must be a number"},
        {"redis://h:1/x", "db \"x\" must be a number 0..1000000"},
        {"redis://[::1:1", "missing ']'"},
        {"redis://h o:1", "bad character in host"},
        {"redis://:pa%zzword@h", "bad %-escape in the password"},
        {"redis://:pa%00ss@h", "bad %-escape in the password"},
        {"unix://", "unix socket path must be 1..107"},
        {"unix:///s?timeout=1", "the only unix:// option is ?db=N"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cs_redis_url u;
        struct cs_err err = CS_ERR_INIT;
        assert_int_equal(cs_redis_url_parse(cases[i].url, &u, &err), CS_ERR_INVALID);
        if (strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("%s: got \"%s\", want \"%s\"", cases[i].url, err.msg,
                     cases[i].msg);
        assert_non_null(strstr(err.msg, "CELLSCAN_REDIS_URL"));
        /* no message quotes a password */
        assert_null(strstr(err.msg, "pa%"));
        cs_redis_url_free(&u);
    }
    cs_redis_url_free(NULL);
}

static void ids_and_keys(void **state)
{
    char key[CS_STORE_KEY_MAX];
    char long_scan[CS_SCAN_ID_MAX + 2];
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    assert_int_equal(cs_store_key_report("acme-1", "scan:2026.11_25-01", key,
                                         sizeof(key), NULL), CS_OK);
    assert_string_equal(key, "client:acme-1:scan:scan:2026.11_25-01");
    assert_int_equal(cs_store_key_index("acme-1", key, sizeof(key), NULL), CS_OK);
    assert_string_equal(key, "client:acme-1:scans");
    assert_int_equal(cs_store_key_seen("acme-1", "s1", key, sizeof(key), NULL),
                     CS_OK);
    assert_string_equal(key, "client:acme-1:seen:s1");
    /* 2026-11-25T22:30:00Z */
    assert_int_equal(cs_store_key_rate("acme-1", 1795645800000LL, key,
                                       sizeof(key), NULL), CS_OK);
    assert_string_equal(key, "client:acme-1:scans_per_hour:2026112522");

    /* a client id can never reach into another prefix */
    assert_int_equal(cs_store_key_report("acme:scan", "x", key, sizeof(key), &err),
                     CS_ERR_INVALID);
    assert_string_equal(err.msg, "client_id \"acme:scan\" may hold only letters, "
                                 "digits and _.-");
    assert_int_equal(cs_store_key_report("acme", "*", key, sizeof(key), &err),
                     CS_ERR_INVALID);
    assert_int_equal(cs_store_key_report("acme", "a b", key, sizeof(key), &err),
                     CS_ERR_INVALID);
    assert_int_equal(cs_store_key_report("", "x", key, sizeof(key), &err),
                     CS_ERR_INVALID);
    assert_string_equal(err.msg, "client_id must be 1..64 characters");
    assert_int_equal(cs_store_key_index(NULL, key, sizeof(key), &err),
                     CS_ERR_INVALID);
    memset(long_scan, 's', sizeof(long_scan) - 1);
    long_scan[sizeof(long_scan) - 1] = '\0';
    assert_int_equal(cs_store_check_scan_id(long_scan, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "scan_id must be 1..128 characters");
    long_scan[CS_SCAN_ID_MAX] = '\0';
    assert_int_equal(cs_store_check_scan_id(long_scan, NULL), CS_OK);
}

static void plans(void **state)
{
    struct cs_plan_limits l;
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    assert_int_equal(cs_plan_limits("starter", &l, NULL), CS_OK);
    assert_int_equal(l.scans_per_hour, 10);
    assert_int_equal(l.resources_per_scan, 1000);
    assert_int_equal(cs_plan_limits("professional", &l, NULL), CS_OK);
    assert_int_equal(l.scans_per_hour, 50);
    assert_int_equal(l.resources_per_scan, 10000);
    assert_int_equal(cs_plan_limits("enterprise", &l, NULL), CS_OK);
    assert_int_equal(l.scans_per_hour, 200);
    assert_int_equal(l.resources_per_scan, 100000);
    assert_int_equal(cs_plan_limits("", &l, NULL), CS_OK);
    assert_string_equal(l.name, "starter");
    assert_int_equal(cs_plan_limits("gold", &l, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "unknown plan \"gold\": expected starter, "
                                 "professional or enterprise");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_urls),
        cmocka_unit_test(unix_urls),
        cmocka_unit_test(bad_urls_name_the_problem),
        cmocka_unit_test(ids_and_keys),
        cmocka_unit_test(plans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
