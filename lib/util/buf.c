#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/secret.h"

#define BUF_MIN_ALLOC 32

void cs_buf_init(struct cs_buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->secret = 0;
}

void cs_buf_init_secret(struct cs_buf *b, size_t max)
{
    cs_buf_init(b, max);
    b->secret = 1;
}

static cs_rc buf_fail(struct cs_buf *b, cs_rc rc)
{
    cs_buf_free(b);
    return rc;
}

/* Makes room for n more bytes plus the NUL. */
static cs_rc buf_reserve(struct cs_buf *b, size_t n)
{
    size_t need, cap;
    char *p;

    if (n > b->max || b->len > b->max - n)
        return buf_fail(b, CS_ERR_LIMIT);
    need = b->len + n + 1;
    if (need <= b->cap)
        return CS_OK;
    cap = b->cap ? b->cap : BUF_MIN_ALLOC;
    while (cap < need && cap <= SIZE_MAX / 2)
        cap *= 2;
    if (cap < need)
        cap = need;
    /* need <= max + 1 here, so this never cuts below need */
    if (b->max < SIZE_MAX && cap > b->max + 1)
        cap = b->max + 1;
    if (b->secret) {
        /* realloc could leave a copy behind; move by hand and wipe */
        p = malloc(cap);
        if (p == NULL)
            return buf_fail(b, CS_ERR_NOMEM);
        if (b->ptr) {
            memcpy(p, b->ptr, b->len + 1);
            cs_memzero(b->ptr, b->cap);
            free(b->ptr);
        }
    } else {
        p = realloc(b->ptr, cap);
        if (p == NULL)
            return buf_fail(b, CS_ERR_NOMEM);
    }
    b->ptr = p;
    b->cap = cap;
    return CS_OK;
}

cs_rc cs_buf_append(struct cs_buf *b, const void *p, size_t n)
{
    cs_rc rc = buf_reserve(b, n);

    if (rc != CS_OK)
        return rc;
    if (n > 0)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return CS_OK;
}

cs_rc cs_buf_appends(struct cs_buf *b, const char *s)
{
    return cs_buf_append(b, s, strlen(s));
}

cs_rc cs_buf_appendc(struct cs_buf *b, char c)
{
    return cs_buf_append(b, &c, 1);
}

cs_rc cs_buf_vprintf(struct cs_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    cs_rc rc;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return buf_fail(b, CS_ERR_INVALID);
    rc = buf_reserve(b, (size_t)n);
    if (rc != CS_OK)
        return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return CS_OK;
}

cs_rc cs_buf_printf(struct cs_buf *b, const char *fmt, ...)
{
    va_list ap;
    cs_rc rc;

    va_start(ap, fmt);
    rc = cs_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *cs_buf_str(const struct cs_buf *b)
{
    return b->ptr ? b->ptr : "";
}

void cs_buf_reset(struct cs_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

void cs_buf_truncate(struct cs_buf *b, size_t len)
{
    if (b->ptr == NULL || len >= b->len)
        return;
    b->len = len;
    b->ptr[len] = '\0';
}

char *cs_buf_take(struct cs_buf *b, size_t *len)
{
    char *p = b->ptr;

    if (len)
        *len = b->len;
    if (p == NULL)
        p = calloc(1, 1);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

void cs_buf_free(struct cs_buf *b)
{
    if (b == NULL)
        return;
    if (b->ptr && b->secret)
        cs_memzero(b->ptr, b->cap);
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}
