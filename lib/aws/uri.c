#include "aws/uri.h"

#include <string.h>

static const char hexdig[] = "0123456789ABCDEF";

/* RFC 3986 unreserved: the only bytes SigV4 leaves unencoded. */
static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

cs_rc cs_uri_encode(struct cs_buf *out, const char *s, size_t n,
                    const char *keep)
{
    size_t i = 0;
    cs_rc rc;

    while (i < n) {
        size_t run = i;
        /* copy runs of plain bytes in one append */
        while (run < n && (unreserved((unsigned char)s[run]) ||
                           (keep && s[run] && strchr(keep, s[run]))))
            run++;
        if (run > i && (rc = cs_buf_append(out, s + i, run - i)) != CS_OK)
            return rc;
        i = run;
        if (i < n) {
            unsigned char c = (unsigned char)s[i++];
            char enc[3] = {'%', hexdig[c >> 4], hexdig[c & 15]};
            if ((rc = cs_buf_append(out, enc, 3)) != CS_OK)
                return rc;
        }
    }
    /* an empty input still leaves a NUL-terminated (empty) buffer */
    return n == 0 ? cs_buf_append(out, "", 0) : CS_OK;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

cs_rc cs_uri_decode(struct cs_buf *out, const char *s, size_t n)
{
    size_t i = 0;
    cs_rc rc = cs_buf_append(out, "", 0);

    while (rc == CS_OK && i < n) {
        int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
        int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;

        if (s[i] == '%' && hi >= 0 && lo >= 0) {
            rc = cs_buf_appendc(out, (char)(hi << 4 | lo));
            i += 3;
        } else {
            rc = cs_buf_appendc(out, s[i]);
            i++;
        }
    }
    return rc;
}

cs_rc cs_uri_query_add(struct cs_buf *out, const char *name, const char *value)
{
    cs_rc rc = out->len > 0 ? cs_buf_appendc(out, '&') : CS_OK;

    if (rc == CS_OK)
        rc = cs_uri_encode(out, name, strlen(name), NULL);
    if (rc == CS_OK && value != NULL)
        rc = cs_buf_appendc(out, '=');
    if (rc == CS_OK && value != NULL)
        rc = cs_uri_encode(out, value, strlen(value), NULL);
    return rc;
}
