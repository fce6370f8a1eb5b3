/* aws/ratelimit: cellscan's adaptive limiter follows botocore's exactly
 * (same rates after each of 5,000 random answers on a shared fake clock,
 * from test_aws_ratelimit.py); the token bucket makes senders wait at the
 * fill rate once enabled; a real-clock limiter blocks for real. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ratelimit.h"
#include "util/clock.h"

static double fake_now;

static double fake_clock(void *ud)
{
    (void)ud;
    return fake_now;
}

static void close_to(double got, double want, const char *what, int line)
{
    double tol = 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);

    if (fabs(got - want) > tol)
        fail_msg("event %d: %s %.17g, botocore %.17g", line, what, got, want);
}

static void same_as_botocore(void **state)
{
    char cmd[1024], line[512];
    FILE *f;
    int n = 0, throttles = 0;
    cs_aws_rate_t *r = NULL;

    (void)state;
    snprintf(cmd, sizeof(cmd),
             "/usr/bin/python3 %s/tests/unit/test_aws_ratelimit.py 5000 3",
             CS_SOURCE_DIR);
    f = popen(cmd, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        double t, fill, measured;
        int thr, enabled;
        struct cs_aws_rate_state st;
        if (strstr(line, "start")) {
            fake_now = strtod(line, NULL);
            r = cs_aws_rate_new(fake_clock, NULL);
            assert_non_null(r);
            continue;
        }
        assert_int_equal(sscanf(line, "%lf %d %lf %lf %d", &t, &thr, &fill,
                                &measured, &enabled), 5);
        fake_now = t;
        cs_aws_rate_update(r, thr);
        cs_aws_rate_state(r, &st);
        close_to(st.fill_rate, fill, "fill rate", n);
        close_to(st.measured_rate, measured, "measured rate", n);
        assert_int_equal(st.enabled, enabled);
        throttles += thr;
        n++;
    }
    assert_int_equal(pclose(f), 0);
    assert_int_equal(n, 5000);
    assert_true(throttles > 10);
    cs_aws_rate_destroy(r);
}

static void disabled_until_first_throttle(void **state)
{
    cs_aws_rate_t *r;
    struct cs_aws_rate_state st;

    (void)state;
    fake_now = 100.0;
    r = cs_aws_rate_new(fake_clock, NULL);
    for (int i = 0; i < 100; i++) {
        fake_now += 0.01;
        assert_int_equal(cs_aws_rate_acquire(r), 0);
        cs_aws_rate_update(r, 0);
    }
    cs_aws_rate_state(r, &st);
    assert_false(st.enabled);
    /* 100 requests/s measured; a throttle cuts to 0.7 x that */
    fake_now += 0.01;
    cs_aws_rate_update(r, 1);
    cs_aws_rate_state(r, &st);
    assert_true(st.enabled);
    assert_true(st.fill_rate > 0.7 * st.measured_rate * 0.99);
    assert_true(st.fill_rate < 0.7 * st.measured_rate * 1.01);
    /* the bucket now paces senders at the fill rate: n acquires at one
     * instant wait for the tokens beyond what the bucket holds (at most
     * one second's worth) */
    int64_t waited = 0;
    int n = (int)ceil(3 * st.fill_rate);
    for (int i = 0; i < n; i++)
        waited += cs_aws_rate_acquire(r);
    assert_true(waited / 1e6 > (n - st.fill_rate) / st.fill_rate * 0.99);
    assert_true(waited / 1e6 < n / st.fill_rate * 1.01);
    cs_aws_rate_destroy(r);
}

static void real_clock_blocks(void **state)
{
    cs_aws_rate_t *r = cs_aws_rate_new(NULL, NULL);
    struct cs_aws_rate_state st;
    int64_t t0, waited = 0;

    (void)state;
    /* one throttle at a low measured rate: the floor is 0.5/s, capacity 1 */
    cs_aws_rate_update(r, 1);
    cs_aws_rate_state(r, &st);
    assert_true(st.enabled);
    assert_true(st.fill_rate >= 0.5);
    t0 = cs_mono_ms();
    for (int i = 0; i < 2; i++)
        waited += cs_aws_rate_acquire(r);
    /* the bucket starts empty: two tokens take about 2 / fill_rate s */
    assert_true(cs_mono_ms() - t0 >= (int64_t)(1000.0 / st.fill_rate) - 50);
    assert_true(waited > 0);
    cs_aws_rate_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_botocore),
        cmocka_unit_test(disabled_until_first_throttle),
        cmocka_unit_test(real_clock_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
