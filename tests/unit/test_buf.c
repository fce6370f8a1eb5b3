/* cs_buf: growth, limits, take, reset, secret mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static void empty_buffer_reads_as_empty_string(void **state)
{
    struct cs_buf b = CS_BUF_INIT(16);
    (void)state;
    assert_string_equal(cs_buf_str(&b), "");
    assert_int_equal(b.len, 0);
    assert_null(b.ptr);
    cs_buf_free(&b);
}

static void grows_across_many_appends(void **state)
{
    struct cs_buf b = CS_BUF_INIT(1 << 20);
    char expect[5001];
    (void)state;
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(cs_buf_appendc(&b, (char)('a' + i % 26)), CS_OK);
        expect[i] = (char)('a' + i % 26);
    }
    expect[5000] = '\0';
    assert_int_equal(b.len, 5000);
    assert_true(b.cap >= 5001);
    assert_string_equal(cs_buf_str(&b), expect);
    cs_buf_free(&b);
}

static void exact_limit_is_accepted(void **state)
{
    struct cs_buf b = CS_BUF_INIT(8);
    (void)state;
    assert_int_equal(cs_buf_appends(&b, "12345678"), CS_OK);
    assert_int_equal(b.len, 8);
    assert_string_equal(cs_buf_str(&b), "12345678");
    cs_buf_free(&b);
}

static void over_limit_fails_and_frees(void **state)
{
    struct cs_buf b = CS_BUF_INIT(8);
    (void)state;
    assert_int_equal(cs_buf_appends(&b, "1234"), CS_OK);
    assert_int_equal(cs_buf_appends(&b, "56789"), CS_ERR_LIMIT);
    /* the half-built value is gone, not silently truncated */
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    assert_string_equal(cs_buf_str(&b), "");
    /* and the buffer is usable again */
    assert_int_equal(cs_buf_appends(&b, "ok"), CS_OK);
    assert_string_equal(cs_buf_str(&b), "ok");
    cs_buf_free(&b);
}

static void huge_append_does_not_overflow(void **state)
{
    struct cs_buf b = CS_BUF_INIT(SIZE_MAX);
    (void)state;
    assert_int_equal(cs_buf_appends(&b, "x"), CS_OK);
    assert_int_equal(cs_buf_append(&b, "y", SIZE_MAX), CS_ERR_LIMIT);
    cs_buf_free(&b);
}

static void printf_appends_formatted_text(void **state)
{
    struct cs_buf b = CS_BUF_INIT(64);
    (void)state;
    assert_int_equal(cs_buf_printf(&b, "%s-%d", "cell", 42), CS_OK);
    assert_int_equal(cs_buf_printf(&b, "/%05.1f", 3.25), CS_OK);
    assert_string_equal(cs_buf_str(&b), "cell-42/003.2");
    assert_int_equal(cs_buf_printf(&b, "%100s", "x"), CS_ERR_LIMIT);
    assert_null(b.ptr);
    cs_buf_free(&b);
}

static void take_hands_over_memory(void **state)
{
    struct cs_buf b = CS_BUF_INIT(64);
    size_t len = 99;
    char *s;
    (void)state;
    assert_int_equal(cs_buf_appends(&b, "abc"), CS_OK);
    s = cs_buf_take(&b, &len);
    assert_string_equal(s, "abc");
    assert_int_equal(len, 3);
    assert_null(b.ptr);
    free(s);
    s = cs_buf_take(&b, &len);  /* empty: "" not NULL */
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
}

static void reset_and_truncate_keep_memory(void **state)
{
    struct cs_buf b = CS_BUF_INIT(64);
    char *before;
    (void)state;
    assert_int_equal(cs_buf_appends(&b, "abcdef"), CS_OK);
    cs_buf_truncate(&b, 3);
    assert_string_equal(cs_buf_str(&b), "abc");
    before = b.ptr;
    cs_buf_reset(&b);
    assert_ptr_equal(b.ptr, before);
    assert_string_equal(cs_buf_str(&b), "");
    assert_int_equal(cs_buf_appends(&b, "z"), CS_OK);
    assert_string_equal(cs_buf_str(&b), "z");
    cs_buf_free(&b);
}

static void binary_data_with_nul_bytes(void **state)
{
    struct cs_buf b = CS_BUF_INIT(64);
    (void)state;
    assert_int_equal(cs_buf_append(&b, "a\0b", 3), CS_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.ptr, "a\0b", 4);
    cs_buf_free(&b);
}

static void secret_buffer_grows_and_keeps_content(void **state)
{
    struct cs_buf b;
    (void)state;
    cs_buf_init_secret(&b, 4096);
    for (int i = 0; i < 100; i++)
        assert_int_equal(cs_buf_appends(&b, "secret"), CS_OK);
    assert_int_equal(b.len, 600);
    assert_memory_equal(b.ptr + 594, "secret", 6);
    cs_buf_free(&b);
    assert_null(b.ptr);
}

static void free_null_is_noop(void **state)
{
    (void)state;
    cs_buf_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_buffer_reads_as_empty_string),
        cmocka_unit_test(grows_across_many_appends),
        cmocka_unit_test(exact_limit_is_accepted),
        cmocka_unit_test(over_limit_fails_and_frees),
        cmocka_unit_test(huge_append_does_not_overflow),
        cmocka_unit_test(printf_appends_formatted_text),
        cmocka_unit_test(take_hands_over_memory),
        cmocka_unit_test(reset_and_truncate_keep_memory),
        cmocka_unit_test(binary_data_with_nul_bytes),
        cmocka_unit_test(secret_buffer_grows_and_keeps_content),
        cmocka_unit_test(free_null_is_noop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
