/* Secret memory is zeroed before it goes back to the allocator. The test
 * links with -Wl,--wrap=free: __wrap_free checks the block it is handed
 * while it is still valid, then frees it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/secret.h"

void __real_free(void *p);
void __wrap_free(void *p);

static void *watched;      /* the block whose release we inspect */
static size_t watched_len;
static int watched_zero = -1;  /* -1: not freed yet; 0/1: zeroed? */

void __wrap_free(void *p)
{
    if (p != NULL && p == watched) {
        const unsigned char *c = p;
        watched_zero = 1;
        for (size_t i = 0; i < watched_len; i++)
            if (c[i] != 0)
                watched_zero = 0;
        watched = NULL;
    }
    __real_free(p);
}

static void watch(void *p, size_t n)
{
    watched = p;
    watched_len = n;
    watched_zero = -1;
}

static void secret_free_zeroes_before_release(void **state)
{
    unsigned char *p = cs_secret_alloc(64);
    (void)state;
    assert_non_null(p);
    memset(p, 0xA5, 64);
    watch(p, 64);
    cs_secret_free(p, 64);
    assert_int_equal(watched_zero, 1);
}

static void secret_alloc_starts_zeroed(void **state)
{
    unsigned char *p = cs_secret_alloc(100);
    (void)state;
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], 0);
    cs_secret_free(p, 100);
}

static void secret_string_is_zeroed_on_free(void **state)
{
    const char *key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    char *s = cs_secret_strdup(key);
    (void)state;
    assert_non_null(s);
    assert_string_equal(s, key);
    /* the string lives in a page-aligned block from cs_secret_alloc */
    char *block = (char *)((uintptr_t)s & ~(uintptr_t)4095);
    watch(block, (size_t)(s - block) + strlen(key) + 1);
    cs_secret_strfree(s);
    assert_int_equal(watched_zero, 1);
}

static void strndup_copies_exactly(void **state)
{
    char *s = cs_secret_strndup("token-and-more", 5);
    (void)state;
    assert_string_equal(s, "token");
    cs_secret_strfree(s);
    assert_null(cs_secret_strdup(NULL));
    cs_secret_strfree(NULL);
    cs_secret_free(NULL, 10);
}

static void secret_buffer_zeroes_on_free_and_growth(void **state)
{
    struct cs_buf b;
    (void)state;
    cs_buf_init_secret(&b, 1 << 16);
    assert_int_equal(cs_buf_appends(&b, "SessionToken=abc"), CS_OK);
    /* growth moves the bytes: the old block must be wiped */
    watch(b.ptr, b.len);
    for (int i = 0; i < 64; i++)
        assert_int_equal(cs_buf_appends(&b, "more-secret-bytes"), CS_OK);
    assert_int_equal(watched_zero, 1);
    watch(b.ptr, b.len);
    cs_buf_free(&b);
    assert_int_equal(watched_zero, 1);
}

static void memzero_clears(void **state)
{
    char buf[32];
    (void)state;
    memset(buf, 'x', sizeof(buf));
    cs_memzero(buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    cs_memzero(NULL, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secret_free_zeroes_before_release),
        cmocka_unit_test(secret_alloc_starts_zeroed),
        cmocka_unit_test(secret_string_is_zeroed_on_free),
        cmocka_unit_test(strndup_copies_exactly),
        cmocka_unit_test(secret_buffer_zeroes_on_free_and_growth),
        cmocka_unit_test(memzero_clears),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
