/* aws/profile: the shared credentials/config INI reader (sections, both
 * delimiters, comments, nested blocks, repeated keys, errors with line
 * numbers, size cap, files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/profile.h"

static const char text[] =
    "# leading comment\n"
    "[default]\n"
    "aws_access_key_id = AKIADEFAULT\n"
    "AWS_Secret_Access_Key=  secret with spaces  \r\n"
    "; another comment\n"
    "\n"
    "[profile dev]\n"
    "region: eu-west-1\n"
    "s3 =\n"
    "    max_concurrent_requests = 20\n"
    "    addressing_style = path\n"
    "credential_process = /bin/echo {\"Version\": 1}\n"
    "region = us-east-2\n"
    "[ empty ]\n";

static void parses(void **state)
{
    cs_aws_ini_t *ini = NULL;
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    assert_int_equal(cs_aws_ini_parse(text, strlen(text), &ini, &err), CS_OK);
    assert_string_equal(cs_aws_ini_get(ini, "default", "aws_access_key_id"), "AKIADEFAULT");
    assert_string_equal(cs_aws_ini_get(ini, "default", "aws_secret_access_key"),
                        "secret with spaces");
    assert_string_equal(cs_aws_ini_get(ini, "profile dev", "region"), "us-east-2");
    assert_string_equal(cs_aws_ini_get(ini, "profile dev", "credential_process"),
                        "/bin/echo {\"Version\": 1}");
    assert_string_equal(cs_aws_ini_get(ini, "profile dev", "s3"), "");
    assert_null(cs_aws_ini_get(ini, "profile dev", "max_concurrent_requests"));
    assert_true(cs_aws_ini_has(ini, "empty"));
    assert_false(cs_aws_ini_has(ini, "dev"));
    assert_null(cs_aws_ini_get(ini, "default", "region"));
    assert_null(cs_aws_ini_get(NULL, "default", "region"));
    cs_aws_ini_destroy(ini);
}

static void refuses(void **state)
{
    static const char *const bad[] = {
        "key = value\n[default]\n",
        "[default]\n[unterminated\n",
        "[default]\njust words\n",
        "[default]\n= value\n",
        "  indented first\n",
    };
    static const int lines[] = {1, 2, 2, 2, 1};
    cs_aws_ini_t *ini = NULL;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cs_err err = CS_ERR_INIT;
        char want[32];
        assert_int_equal(cs_aws_ini_parse(bad[i], strlen(bad[i]), &ini, &err), CS_ERR_PARSE);
        assert_null(ini);
        snprintf(want, sizeof(want), "line %d", lines[i]);
        assert_non_null(strstr(err.msg, want));
    }
    struct cs_err err = CS_ERR_INIT;
    assert_int_equal(cs_aws_ini_parse("[a]\nk=v\0x", 9, &ini, &err), CS_ERR_PARSE);
    assert_int_equal(cs_aws_ini_parse("", CS_AWS_INI_MAX + 1, &ini, &err), CS_ERR_LIMIT);
}

static void files(void **state)
{
    char path[] = "/tmp/cs-ini-XXXXXX";
    int fd = mkstemp(path);
    cs_aws_ini_t *ini = NULL;
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(cs_aws_ini_load(path, &ini, &err), CS_OK);
    assert_string_equal(cs_aws_ini_get(ini, "default", "aws_access_key_id"), "AKIADEFAULT");
    cs_aws_ini_destroy(ini);
    unlink(path);
    assert_int_equal(cs_aws_ini_load(path, &ini, &err), CS_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses),
        cmocka_unit_test(refuses),
        cmocka_unit_test(files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
