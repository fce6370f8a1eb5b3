#include "report/jsonx.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/clock.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. Rejects
 * overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp;

    if (c >= 0x01 && c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

size_t cs_jsonx_utf8_seq_len(const char *s, size_t n)
{
    return n ? utf8_seq((const unsigned char *)s, n) : 0;
}

int cs_jsonx_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

json_t *cs_jsonx_strn(const char *s, size_t n)
{
    struct cs_buf b;
    const unsigned char *p = (const unsigned char *)s;
    json_t *j;
    size_t i = 0;

    if (s == NULL)
        return json_string("");
    if (cs_jsonx_utf8_valid(s, n))
        return json_stringn(s, n);
    /* each bad byte becomes U+FFFD (3 bytes) */
    cs_buf_init(&b, n * 3 + 1);
    while (i < n) {
        size_t k = utf8_seq(p + i, n - i);
        cs_rc rc = k ? cs_buf_append(&b, p + i, k)
                     : cs_buf_append(&b, "\xef\xbf\xbd", 3);
        if (rc != CS_OK)
            return NULL;
        i += k ? k : 1;
    }
    j = json_stringn(cs_buf_str(&b), b.len);
    cs_buf_free(&b);
    return j;
}

json_t *cs_jsonx_str(const char *s)
{
    return cs_jsonx_strn(s, s ? strlen(s) : 0);
}

json_t *cs_jsonx_uint(uint64_t v)
{
    if (v > (uint64_t)INT64_MAX)
        return json_real((double)v);
    return json_integer((json_int_t)v);
}

json_t *cs_jsonx_real(double v)
{
    if (isnan(v))
        return json_string("NaN");
    if (isinf(v))
        return json_string(v > 0 ? "Infinity" : "-Infinity");
    return json_real(v);
}

json_t *cs_jsonx_time(int64_t unix_ms, int with_ms)
{
    char t[CS_RFC3339_MAX];

    if (unix_ms <= 0)
        return json_null();
    return json_string(cs_rfc3339(unix_ms, with_ms, t, sizeof(t)));
}

json_t *cs_jsonx_base64(const void *p, size_t n)
{
    size_t outlen = 4 * ((n + 2) / 3) + 1;
    unsigned char *out;
    json_t *j;

    if (n > (size_t)INT32_MAX)
        return NULL;
    out = malloc(outlen);
    if (out == NULL)
        return NULL;
    EVP_EncodeBlock(out, p, (int)n);
    j = json_string((const char *)out);
    free(out);
    return j;
}

int cs_jsonx_set(json_t *obj, const char *key, json_t *v)
{
    if (v == NULL)
        return -1;
    return json_object_set_new(obj, key, v);
}

int cs_jsonx_append(json_t *arr, json_t *v)
{
    if (v == NULL)
        return -1;
    return json_array_append_new(arr, v);
}

int cs_jsonx_set_key(json_t *obj, const char *key, json_t *v)
{
    json_t *k = cs_jsonx_str(key);
    int rc;

    if (k == NULL) {
        json_decref(v);
        return -1;
    }
    rc = cs_jsonx_set(obj, json_string_value(k), v);
    json_decref(k);
    return rc;
}

struct dump {
    struct cs_buf b;
    cs_rc rc;
};

static int dump_to_buf(const char *p, size_t n, void *ud)
{
    struct dump *d = ud;

    d->rc = cs_buf_append(&d->b, p, n);
    return d->rc == CS_OK ? 0 : -1;
}

cs_rc cs_jsonx_dump_line(const json_t *j, size_t flags, size_t max, char **out)
{
    struct dump d = {CS_BUF_INIT(max), CS_OK};

    *out = NULL;
    /* with ENCODE_ANY the only failure of jansson's own is memory */
    if (json_dump_callback(j, dump_to_buf, &d, flags | JSON_ENCODE_ANY) != 0 &&
        d.rc == CS_OK)
        d.rc = CS_ERR_NOMEM;
    if (d.rc == CS_OK)
        d.rc = cs_buf_appendc(&d.b, '\n');
    if (d.rc == CS_OK && (*out = cs_buf_take(&d.b, NULL)) == NULL)
        d.rc = CS_ERR_NOMEM;
    cs_buf_free(&d.b);
    return d.rc;
}
