/* clocks: monotonic ordering, RFC 3339 formatting and parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/clock.h"

static void monotonic_moves_forward(void **state)
{
    int64_t a = cs_mono_us();
    (void)state;
    cs_sleep_ms(5, NULL);
    int64_t b = cs_mono_us();
    assert_true(b - a >= 5000);
    assert_true(cs_wall_ms() > 1700000000000LL);
}

static void formats_rfc3339(void **state)
{
    char out[CS_RFC3339_MAX];
    (void)state;
    assert_string_equal(cs_rfc3339(1795644000123LL, 0, out, sizeof(out)),
                        "2026-11-25T22:00:00Z");
    assert_string_equal(cs_rfc3339(1795644000123LL, 1, out, sizeof(out)),
                        "2026-11-25T22:00:00.123Z");
    assert_string_equal(cs_rfc3339(0, 0, out, sizeof(out)), "1970-01-01T00:00:00Z");
}

static void parses_rfc3339(void **state)
{
    int64_t ms;
    (void)state;
    assert_int_equal(cs_parse_rfc3339("2026-11-25T22:00:00Z", &ms), 0);
    assert_int_equal(ms, 1795644000000LL);
    assert_int_equal(cs_parse_rfc3339("2026-11-25T22:00:00.5Z", &ms), 0);
    assert_int_equal(ms, 1795644000500LL);
    assert_int_equal(cs_parse_rfc3339("2026-11-25T23:00:00+01:00", &ms), 0);
    assert_int_equal(ms, 1795644000000LL);
    assert_int_equal(cs_parse_rfc3339("2026-11-25 22:00:00", &ms), -1);
    assert_int_equal(cs_parse_rfc3339("2026-11-25T22:00:00", &ms), -1);
    assert_int_equal(cs_parse_rfc3339("2026-11-25T22:00:00Zjunk", &ms), -1);
    assert_int_equal(cs_parse_rfc3339("2026-11-25T22:00:00.Z", &ms), -1);
    assert_int_equal(cs_parse_rfc3339("", &ms), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monotonic_moves_forward),
        cmocka_unit_test(formats_rfc3339),
        cmocka_unit_test(parses_rfc3339),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
