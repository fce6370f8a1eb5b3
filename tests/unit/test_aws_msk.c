/* aws/msk and cs_sigv4_presign against botocore: the MSK IAM token for
 * fixed credentials (AWS's documentation example keys, with and without
 * a session token) and a fixed time decodes to the URL botocore's
 * SigV4QueryAuth(creds, "kafka-cluster", region, expires=900) presigns
 * for GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect
 * (test_aws_msk.py prints it), byte for byte, followed by the User-Agent
 * parameter; the parameters are exactly the expected ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/msk.h"
#include "aws/sigv4.h"
#include "b64url.h"

#define AKID "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
/* shaped like an STS session token: '/', '+' and '=' must be encoded */
#define TOKEN "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+abc="
#define NOW_MS 1672574400123LL /* 2023-01-01T12:00:00.123Z */
#define AMZ_DATE "20230101T120000Z"

/* botocore's URL, without a trailing newline. */
static char *botocore_url(const char *region, const char *token)
{
    char cmd[1024];
    char line[8192];
    FILE *f;
    size_t n;

    snprintf(cmd, sizeof(cmd),
             "/usr/bin/python3 %s/tests/unit/test_aws_msk.py %s %s %s '%s' %s%s%s",
             CS_SOURCE_DIR, region, AMZ_DATE, AKID, SECRET,
             token ? "'" : "", token ? token : "", token ? "'" : "");
    f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    assert_int_equal(pclose(f), 0);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    assert_true(strncmp(line, "https://", 8) == 0);
    return strdup(line);
}

/* The value of parameter name in url's query (NULL when absent); fails
 * when it appears twice. */
static char *param(const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t nl = strlen(name);
    char *found = NULL;

    assert_non_null(q);
    for (const char *p = q + 1; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t l = amp ? (size_t)(amp - p) : strlen(p);
        if (l > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            assert_null(found);
            found = strndup(p + nl + 1, l - nl - 1);
        }
        p = amp ? amp + 1 : NULL;
    }
    return found;
}

/* Fails unless url's query has name exactly once, with value want. */
static void expect_param(const char *url, const char *name, const char *want)
{
    char *v = param(url, name);

    assert_non_null(v);
    assert_string_equal(v, want);
    free(v);
}

static int count_params(const char *url)
{
    int n = 1;

    for (const char *p = strchr(url, '?'); *p; p++)
        n += *p == '&';
    return n;
}

static void check_token(const char *region, const char *token)
{
    struct cs_sigv4_creds cr = {AKID, SECRET, token};
    struct cs_buf tok;
    struct cs_err err = CS_ERR_INIT;
    int64_t expiry = 0;
    char *expected = botocore_url(region, token);
    char *url, *v, *sig_ours, *sig_boto;
    char prefix[128];

    cs_buf_init_secret(&tok, CS_MAX_MSK_TOKEN);
    assert_int_equal(cs_msk_token(&cr, region, NULL, NOW_MS, &tok, &expiry,
                                  &err), CS_OK);
    assert_null(strchr(cs_buf_str(&tok), '='));
    assert_int_equal(expiry, 1672574400000LL + 900 * 1000);
    url = cs_b64url_decode(cs_buf_str(&tok), strlen(cs_buf_str(&tok)));
    assert_non_null(url);

    /* botocore's presigned URL, then the user agent added after signing */
    assert_true(strncmp(url, expected, strlen(expected)) == 0);
    assert_string_equal(url + strlen(expected), "&User-Agent=cellscan%2F0.1");
    snprintf(prefix, sizeof(prefix), "https://kafka.%s.amazonaws.com/?Action=",
             region);
    assert_true(strncmp(url, prefix, strlen(prefix)) == 0);

    /* exactly these parameters */
    assert_int_equal(count_params(url), token ? 9 : 8);
    expect_param(url, "Action", "kafka-cluster%3AConnect");
    expect_param(url, "X-Amz-Algorithm", "AWS4-HMAC-SHA256");
    snprintf(prefix, sizeof(prefix),
             AKID "%%2F20230101%%2F%s%%2Fkafka-cluster%%2Faws4_request", region);
    expect_param(url, "X-Amz-Credential", prefix);
    expect_param(url, "X-Amz-Date", AMZ_DATE);
    expect_param(url, "X-Amz-Expires", "900");
    expect_param(url, "X-Amz-SignedHeaders", "host");
    v = param(url, "X-Amz-Security-Token");
    if (token)
        assert_string_equal(
            v, "IQoJb3JpZ2luX2VjEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCXVzLWVhc3QtMSJHMEUCIQ%2Babc%3D");
    else
        assert_null(v);
    free(v);
    expect_param(url, "User-Agent", "cellscan%2F0.1");
    sig_ours = param(url, "X-Amz-Signature");
    sig_boto = param(expected, "X-Amz-Signature");
    assert_non_null(sig_ours);
    assert_int_equal(strlen(sig_ours), 64);
    assert_string_equal(sig_ours, sig_boto);
    /* the secret key never appears */
    assert_null(strstr(url, SECRET));
    assert_null(strstr(url, "wJalrXUtnFEMI"));

    free(sig_ours);
    free(sig_boto);
    free(url);
    free(expected);
    cs_buf_free(&tok);
}

static void token_without_session_token(void **state)
{
    (void)state;
    check_token("us-east-1", NULL);
}

static void token_with_session_token(void **state)
{
    (void)state;
    check_token("us-east-1", TOKEN);
}

static void token_in_other_region(void **state)
{
    (void)state;
    check_token("eu-west-1", TOKEN);
}

/* Presigning keeps the caller's query first and matches the MSK URL. */
static void presign_keeps_query(void **state)
{
    struct cs_sigv4_creds cr = {AKID, SECRET, NULL};
    struct cs_sigv4_req req = {0};
    struct cs_sigv4_signed out;
    struct cs_buf q, url;
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    req.method = "GET";
    req.host = "kafka.us-east-1.amazonaws.com";
    req.path = "/";
    req.query = "Action=kafka-cluster%3AConnect";
    req.region = "us-east-1";
    req.service = "kafka-cluster";
    req.amz_date = AMZ_DATE;
    cs_sigv4_signed_init(&out);
    cs_buf_init_secret(&q, 8192);
    cs_buf_init_secret(&url, CS_MAX_MSK_URL);
    assert_int_equal(cs_sigv4_presign(&req, &cr, 900, NULL, &out, &q, &err),
                     CS_OK);
    assert_true(strncmp(cs_buf_str(&q), "Action=kafka-cluster%3AConnect&X-Amz-Algorithm=", 47) == 0);
    assert_int_equal(out.authorization.len, 0);
    /* the canonical request signs host only, with the empty-body hash */
    assert_non_null(strstr(cs_buf_str(&out.canonical), "\nhost:kafka.us-east-1.amazonaws.com\n\nhost\n"
                           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    assert_int_equal(cs_msk_url(&cr, "us-east-1", NULL, NOW_MS, &url, &err),
                     CS_OK);
    assert_true(strncmp(cs_buf_str(&url) + strlen("https://kafka.us-east-1.amazonaws.com/?"),
                        cs_buf_str(&q), q.len) == 0);

    /* bad expiry and bad region, missing credentials */
    assert_int_equal(cs_sigv4_presign(&req, &cr, 0, NULL, &out, &q, &err),
                     CS_ERR_INVALID);
    assert_int_equal(q.len, 0);
    assert_int_equal(cs_msk_url(&cr, "us-east-1.evil.example/x", NULL, NOW_MS,
                                &url, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "AWS_REGION"));
    assert_int_equal(url.len, 0);
    cr.secret_access_key = "";
    assert_int_equal(cs_msk_url(&cr, "us-east-1", NULL, NOW_MS, &url, &err),
                     CS_ERR_INVALID);
    cs_buf_free(&q);
    cs_buf_free(&url);
    cs_sigv4_signed_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_without_session_token),
        cmocka_unit_test(token_with_session_token),
        cmocka_unit_test(token_in_other_region),
        cmocka_unit_test(presign_keeps_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
