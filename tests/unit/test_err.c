/* cs_err: set, prefix (with truncation), clear, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/err.h"

static void set_and_prefix(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    (void)state;
    assert_int_equal(cs_err_set(&err, CS_ERR_PARSE, "bad %s at %d", "token", 7),
                     CS_ERR_PARSE);
    assert_int_equal(err.code, CS_ERR_PARSE);
    assert_string_equal(err.msg, "bad token at 7");
    cs_err_prefix(&err, "policy %s", "rules[0]");
    assert_string_equal(err.msg, "policy rules[0]: bad token at 7");
    cs_err_clear(&err);
    assert_int_equal(err.code, CS_OK);
    assert_string_equal(err.msg, "");
    /* NULL err is allowed everywhere */
    assert_int_equal(cs_err_set(NULL, CS_ERR_IO, "x"), CS_ERR_IO);
    cs_err_prefix(NULL, "y");
    cs_err_clear(NULL);
}

static void long_messages_are_cut_not_overflowed(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    char big[600];
    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    cs_err_set(&err, CS_ERR_INVALID, "%s", big);
    assert_int_equal(strlen(err.msg), CS_ERR_MSG_MAX - 1);
    cs_err_prefix(&err, "ctx");
    assert_int_equal(strlen(err.msg), CS_ERR_MSG_MAX - 1);
    assert_memory_equal(err.msg, "ctx: aaa", 8);
    cs_err_prefix(&err, "%s", big);
    assert_int_equal(strlen(err.msg), CS_ERR_MSG_MAX - 1);
}

static void names(void **state)
{
    (void)state;
    assert_string_equal(cs_rc_name(CS_OK), "ok");
    assert_string_equal(cs_rc_name(CS_ERR_DENIED), "denied");
    assert_string_equal(cs_rc_name((cs_rc)999), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_and_prefix),
        cmocka_unit_test(long_messages_are_cut_not_overflowed),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
