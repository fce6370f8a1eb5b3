/* aws/retry: the standard, adaptive and legacy rules of botocore (which
 * answers are retried, the backoff formula and cap, the retry quota). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "aws/retry.h"

static struct cs_aws_error answer(const char *code, int status)
{
    struct cs_aws_error e;

    cs_aws_error_clear(&e);
    snprintf(e.code, sizeof(e.code), "%s", code);
    e.http_status = status;
    cs_aws_error_classify(&e);
    return e;
}

/* (mode, service, code, status) -> retried? */
static const struct {
    enum cs_aws_retry_mode mode;
    const char *service, *code;
    int status, retried;
} cases[] = {
    {CS_AWS_RETRY_STANDARD, "ecs", "ThrottlingException", 400, 1},
    {CS_AWS_RETRY_ADAPTIVE, "ec2", "RequestLimitExceeded", 503, 1},
    {CS_AWS_RETRY_STANDARD, "s3", "InternalError", 500, 1},
    {CS_AWS_RETRY_STANDARD, "lambda", "RequestTimeoutException", 408, 1},
    {CS_AWS_RETRY_STANDARD, "sts", "IDPCommunicationError", 400, 1},
    {CS_AWS_RETRY_STANDARD, "sts", "AccessDenied", 403, 0},
    {CS_AWS_RETRY_STANDARD, "ecs", "ValidationException", 400, 0},
    /* a bare 429 is not in the standard lists (botocore); legacy retries it */
    {CS_AWS_RETRY_STANDARD, "lambda", "429", 429, 0},
    {CS_AWS_RETRY_LEGACY, "lambda", "429", 429, 1},
    {CS_AWS_RETRY_LEGACY, "organizations", "TooManyRequestsException", 400, 1},
    {CS_AWS_RETRY_LEGACY, "ecs", "TooManyRequestsException", 400, 0},
    {CS_AWS_RETRY_LEGACY, "ec2", "RequestLimitExceeded", 503, 1},
    {CS_AWS_RETRY_LEGACY, "sts", "Throttling", 400, 1},
    {CS_AWS_RETRY_LEGACY, "sts", "Throttling", 403, 0},
    {CS_AWS_RETRY_LEGACY, "s3", "BandwidthLimitExceeded", 509, 1},
};

static void conditions(void **state)
{
    struct cs_aws_error net;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cs_aws_error e = answer(cases[i].code, cases[i].status);
        if (cs_aws_retry_retryable(cases[i].mode, cases[i].service, &e) != cases[i].retried)
            fail_msg("case %zu: %s %s %d", i, cases[i].service, cases[i].code, cases[i].status);
    }
    cs_aws_error_clear(&net);
    net.transient = 1; /* connection failure */
    assert_true(cs_aws_retry_retryable(CS_AWS_RETRY_STANDARD, "ec2", &net));
    assert_true(cs_aws_retry_retryable(CS_AWS_RETRY_LEGACY, "ec2", &net));
}

static void backoff(void **state)
{
    (void)state;
    assert_true(cs_aws_retry_delay_s(1, 0.5) == 0.5);
    assert_true(cs_aws_retry_delay_s(2, 0.5) == 1.0);
    assert_true(cs_aws_retry_delay_s(3, 0.999) < 4.0);
    assert_true(cs_aws_retry_delay_s(3, 0.0) == 0.0);
    assert_true(cs_aws_retry_delay_s(10, 0.9) == CS_AWS_RETRY_MAX_BACKOFF_S);
}

static void quota(void **state)
{
    struct cs_aws_retry_quota q;
    int taken = 0, n = 0;

    (void)state;
    cs_aws_retry_quota_init(&q);
    while (cs_aws_retry_quota_acquire(&q, 0) == CS_AWS_RETRY_COST)
        n++;
    assert_int_equal(n, CS_AWS_RETRY_QUOTA / CS_AWS_RETRY_COST);
    assert_int_equal(cs_aws_retry_quota_acquire(&q, 1), 0);
    /* successes refund; never above the maximum */
    cs_aws_retry_quota_release(&q, CS_AWS_RETRY_TIMEOUT_COST);
    taken = cs_aws_retry_quota_acquire(&q, 1);
    assert_int_equal(taken, CS_AWS_RETRY_TIMEOUT_COST);
    for (int i = 0; i < 1000; i++)
        cs_aws_retry_quota_release(&q, CS_AWS_RETRY_NO_RETRY_INCREMENT);
    assert_int_equal(q.available, CS_AWS_RETRY_QUOTA);
    cs_aws_retry_quota_destroy(&q);
}

static void modes(void **state)
{
    enum cs_aws_retry_mode m;

    (void)state;
    assert_int_equal(cs_aws_retry_mode_parse("adaptive", &m), 0);
    assert_int_equal(m, CS_AWS_RETRY_ADAPTIVE);
    assert_string_equal(cs_aws_retry_mode_name(m), "adaptive");
    assert_int_equal(cs_aws_retry_mode_parse("legacy", &m), 0);
    assert_int_equal(cs_aws_retry_mode_parse("Standard", &m), -1);
    assert_int_equal(cs_aws_retry_mode_parse(NULL, &m), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conditions),
        cmocka_unit_test(backoff),
        cmocka_unit_test(quota),
        cmocka_unit_test(modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
