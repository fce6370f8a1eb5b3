/* JSON-lines logger: shape of a line, levels, and redaction of secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

#define SECRET_KEY "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define SESSION_TOKEN                                                    \
    "IQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQD6m2wXRg5tAbF3zR0Nz1Xq" \
    "9Yb2fWq6yG8cK8sAiB1c3dGpB+4tY3Y9sI3pA8kqj2Z5H7qFv0aXJq3v9m+Kq0"

/* Runs one cs_log call into a pipe and returns what it wrote. */
static char *capture(enum cs_log_level min, const struct cs_log_ctx *ctx,
                     enum cs_log_level lvl, const char *msg)
{
    int fds[2];
    static char out[8192];
    ssize_t n;

    assert_int_equal(pipe(fds), 0);
    cs_log_setup("test", min, fds[1]);
    cs_log(ctx, lvl, "%s", msg);
    close(fds[1]);
    n = read(fds[0], out, sizeof(out) - 1);
    close(fds[0]);
    out[n > 0 ? n : 0] = '\0';
    cs_log_setup("test", CS_LOG_INFO, 2);
    return out;
}

static void line_is_json_with_context(void **state)
{
    struct cs_log_ctx ctx = {"worker", "acme", "scan-1"};
    char *line = capture(CS_LOG_DEBUG, &ctx, CS_LOG_WARN, "cell \"x\" done\n");
    (void)state;
    assert_non_null(strstr(line, "\"level\":\"warn\""));
    assert_non_null(strstr(line, "\"component\":\"worker\""));
    assert_non_null(strstr(line, "\"client_id\":\"acme\""));
    assert_non_null(strstr(line, "\"scan_id\":\"scan-1\""));
    assert_non_null(strstr(line, "\"msg\":\"cell \\\"x\\\" done\\n\""));
    assert_int_equal(line[0], '{');
    assert_string_equal(line + strlen(line) - 2, "}\n");
    /* the message's own newline is escaped: one line per call */
    assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
}

static void below_minimum_level_is_dropped(void **state)
{
    char *line = capture(CS_LOG_WARN, NULL, CS_LOG_INFO, "quiet");
    (void)state;
    assert_string_equal(line, "");
    line = capture(CS_LOG_WARN, NULL, CS_LOG_ERROR, "loud");
    assert_non_null(strstr(line, "\"msg\":\"loud\""));
    assert_non_null(strstr(line, "\"component\":\"test\""));
}

static void secret_key_and_session_token_never_printed(void **state)
{
    const char *msgs[] = {
        "creds " SECRET_KEY " and " SESSION_TOKEN,
        "{\"SecretAccessKey\":\"" SECRET_KEY "\",\"SessionToken\":\"" SESSION_TOKEN "\"}",
        "<SecretAccessKey>" SECRET_KEY "</SecretAccessKey><SessionToken>" SESSION_TOKEN "</SessionToken>",
        "aws_secret_access_key = " SECRET_KEY "\naws_session_token=" SESSION_TOKEN,
        "X-Amz-Security-Token: " SESSION_TOKEN,
        "header Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261125/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abcdef0123",
        NULL,
    };
    (void)state;
    for (int i = 0; msgs[i]; i++) {
        char *line = capture(CS_LOG_DEBUG, NULL, CS_LOG_DEBUG, msgs[i]);
        assert_true(strlen(line) > 0);
        assert_null(strstr(line, SECRET_KEY));
        assert_null(strstr(line, "wJalrXUtnFEMI"));
        assert_null(strstr(line, SESSION_TOKEN));
        assert_null(strstr(line, "IQoJb3JpZ2luX2Vj"));
        assert_null(strstr(line, "abcdef0123"));
        assert_non_null(strstr(line, "[REDACTED]"));
    }
}

static void ordinary_text_is_kept(void **state)
{
    struct cs_buf out = CS_BUF_INIT(4096);
    const char *text =
        "AssumeRole arn:aws:iam::111111111111:role/CellScanReadOnly for "
        "AKIAIOSFODNN7EXAMPLE in us-east-1 (aws_ec2:111111111111), "
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    (void)state;
    assert_int_equal(cs_log_redact(text, &out), CS_OK);
    assert_string_equal(cs_buf_str(&out), text);
    cs_buf_free(&out);
}

static void level_names_parse(void **state)
{
    enum cs_log_level l;
    (void)state;
    assert_int_equal(cs_log_level_parse("debug", &l), 0);
    assert_int_equal(l, CS_LOG_DEBUG);
    assert_int_equal(cs_log_level_parse("ERROR", &l), 0);
    assert_int_equal(l, CS_LOG_ERROR);
    assert_int_equal(cs_log_level_parse("loud", &l), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(line_is_json_with_context),
        cmocka_unit_test(below_minimum_level_is_dropped),
        cmocka_unit_test(secret_key_and_session_token_never_printed),
        cmocka_unit_test(ordinary_text_is_kept),
        cmocka_unit_test(level_names_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
