/* aws/uri and aws/http's host rule: percent-encoding as SigV4 wants it
 * (unreserved kept, UTF-8 bytes encoded, upper-case hex), decoding, query
 * pairs, and the Host value SDKs sign for a URL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "aws/http.h"
#include "aws/uri.h"

static void encode_decode(void **state)
{
    struct cs_buf b = CS_BUF_INIT(1024);
    const char *s = "a-b_c.d~e f/g:h\xe1\x88\xb4%";

    (void)state;
    assert_int_equal(cs_uri_encode(&b, s, strlen(s), NULL), CS_OK);
    assert_string_equal(cs_buf_str(&b), "a-b_c.d~e%20f%2Fg%3Ah%E1%88%B4%25");
    cs_buf_reset(&b);
    assert_int_equal(cs_uri_encode(&b, s, strlen(s), "/"), CS_OK);
    assert_string_equal(cs_buf_str(&b), "a-b_c.d~e%20f/g%3Ah%E1%88%B4%25");
    cs_buf_reset(&b);
    assert_int_equal(cs_uri_encode(&b, "", 0, NULL), CS_OK);
    assert_string_equal(cs_buf_str(&b), "");
    cs_buf_reset(&b);
    assert_int_equal(cs_uri_decode(&b, "a%20b%2fc+%zz%4", 15), CS_OK);
    assert_string_equal(cs_buf_str(&b), "a b/c+%zz%4");
    cs_buf_free(&b);
}

static void query_pairs(void **state)
{
    struct cs_buf b = CS_BUF_INIT(1024);

    (void)state;
    assert_int_equal(cs_uri_query_add(&b, "tagging", NULL), CS_OK);
    assert_int_equal(cs_uri_query_add(&b, "Filter.1.Name", "tag:Owner"), CS_OK);
    assert_int_equal(cs_uri_query_add(&b, "Empty", ""), CS_OK);
    assert_string_equal(cs_buf_str(&b), "tagging&Filter.1.Name=tag%3AOwner&Empty=");
    cs_buf_free(&b);
    struct cs_buf small = CS_BUF_INIT(8);
    assert_int_equal(cs_uri_query_add(&small, "NextToken", "x"), CS_ERR_LIMIT);
}

static void hosts(void **state)
{
    char h[64];
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    assert_int_equal(cs_http_url_host("https://EC2.eu-west-1.amazonaws.com/", h, sizeof(h), &err), CS_OK);
    assert_string_equal(h, "ec2.eu-west-1.amazonaws.com");
    assert_int_equal(cs_http_url_host("https://s3.amazonaws.com:443/b?x", h, sizeof(h), &err), CS_OK);
    assert_string_equal(h, "s3.amazonaws.com");
    assert_int_equal(cs_http_url_host("http://127.0.0.1:8080/p", h, sizeof(h), &err), CS_OK);
    assert_string_equal(h, "127.0.0.1:8080");
    assert_int_equal(cs_http_url_host("http://localhost:80", h, sizeof(h), &err), CS_OK);
    assert_string_equal(h, "localhost");
    assert_int_equal(cs_http_url_host("http://u:p@host:81/", h, sizeof(h), &err), CS_OK);
    assert_string_equal(h, "host:81");
    assert_int_equal(cs_http_url_host("ftp://x", h, sizeof(h), &err), CS_ERR_INVALID);
    assert_int_equal(cs_http_url_host("https:///path", h, sizeof(h), &err), CS_ERR_INVALID);
    assert_int_equal(cs_http_url_host("https://a-very-long-host-name.example.com", h, 8, &err),
                     CS_ERR_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_decode),
        cmocka_unit_test(query_pairs),
        cmocka_unit_test(hosts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
