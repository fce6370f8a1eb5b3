#include "store/url.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/secret.h"

#define DEFAULT_PORT 6379
#define DB_MAX 1000000

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decodes n bytes of s into secret memory (the user goes the
 * same way: one code path); caller frees with cs_secret_strfree. Returns
 * NULL with *bad set for a bad escape or an escaped NUL, NULL alone when
 * out of memory. */
static char *unescape(const char *s, size_t n, int *bad)
{
    char *out = cs_secret_strndup(s, n);
    size_t o = 0;

    *bad = 0;
    if (out == NULL)
        return NULL;
    /* decoding never lengthens, so it runs in place */
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (out[i] != '%') {
            out[o++] = out[i];
            continue;
        }
        hi = i + 1 < n ? hexval(out[i + 1]) : -1;
        lo = i + 2 < n ? hexval(out[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            *bad = 1;
            cs_secret_strfree(out);
            return NULL;
        }
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    return out;
}

static cs_rc parse_int(const char *s, size_t n, long min, long max,
                       const char *what, int *out, struct cs_err *err)
{
    char tmp[16];
    char *end;
    long v;

    if (n == 0 || n >= sizeof(tmp))
        return cs_err_set(err, CS_ERR_INVALID,
                          "CELLSCAN_REDIS_URL: %s must be a number %ld..%ld",
                          what, min, max);
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    errno = 0;
    v = strtol(tmp, &end, 10);
    if (errno || *end || !isdigit((unsigned char)tmp[0]) || v < min || v > max)
        return cs_err_set(err, CS_ERR_INVALID,
                          "CELLSCAN_REDIS_URL: %s \"%s\" must be a number %ld..%ld",
                          what, tmp, min, max);
    *out = (int)v;
    return CS_OK;
}

static cs_rc parse_userinfo(const char *s, size_t n, struct cs_redis_url *out,
                            struct cs_err *err)
{
    const char *colon = memchr(s, ':', n);
    size_t ulen = colon ? (size_t)(colon - s) : n;
    int bad = 0;
    char *user;

    /* "user@" alone (no colon) is a password, as redis-cli reads it */
    if (colon == NULL) {
        out->password = unescape(s, n, &bad);
        return out->password ? CS_OK
                             : cs_err_set(err, bad ? CS_ERR_INVALID : CS_ERR_NOMEM,
                                          "CELLSCAN_REDIS_URL: bad %%-escape in "
                                          "the password");
    }
    if (ulen > 0) {
        user = unescape(s, ulen, &bad);
        if (user == NULL)
            return cs_err_set(err, bad ? CS_ERR_INVALID : CS_ERR_NOMEM,
                              "CELLSCAN_REDIS_URL: bad %%-escape in the user");
        out->user = strdup(user);
        cs_secret_strfree(user);
        if (out->user == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    }
    out->password = unescape(colon + 1, n - ulen - 1, &bad);
    if (out->password == NULL)
        return cs_err_set(err, bad ? CS_ERR_INVALID : CS_ERR_NOMEM,
                          "CELLSCAN_REDIS_URL: bad %%-escape in the password");
    return CS_OK;
}

static cs_rc parse_hostport(const char *s, size_t n, struct cs_redis_url *out,
                            struct cs_err *err)
{
    const char *host = s, *port = NULL;
    size_t hlen = n;

    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL)
            return cs_err_set(err, CS_ERR_INVALID,
                              "CELLSCAN_REDIS_URL: missing ']' after IPv6 host");
        host = s + 1;
        hlen = (size_t)(close - host);
        if (close + 1 < s + n) {
            if (close[1] != ':')
                return cs_err_set(err, CS_ERR_INVALID,
                                  "CELLSCAN_REDIS_URL: expected ':' after ']'");
            port = close + 2;
        }
    } else {
        const char *colon = memchr(s, ':', n);
        if (colon) {
            hlen = (size_t)(colon - s);
            port = colon + 1;
        }
    }
    if (hlen == 0 || hlen > CS_REDIS_HOST_MAX)
        return cs_err_set(err, CS_ERR_INVALID,
                          "CELLSCAN_REDIS_URL: host must be 1..%d characters",
                          CS_REDIS_HOST_MAX);
    for (size_t i = 0; i < hlen; i++)
        if (!isalnum((unsigned char)host[i]) && !strchr(".-_:", host[i]))
            return cs_err_set(err, CS_ERR_INVALID,
                              "CELLSCAN_REDIS_URL: bad character in host");
    memcpy(out->host, host, hlen);
    out->host[hlen] = '\0';
    out->port = DEFAULT_PORT;
    if (port)
        return parse_int(port, (size_t)(s + n - port), 1, 65535, "port",
                         &out->port, err);
    return CS_OK;
}

static cs_rc parse_tcp(const char *rest, struct cs_redis_url *out,
                       struct cs_err *err)
{
    const char *slash = strchr(rest, '/');
    size_t auth_end = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *at = NULL;
    cs_rc rc;

    /* the last '@' before the path ends the credentials, so a password may
     * hold '@' */
    for (size_t i = 0; i < auth_end; i++)
        if (rest[i] == '@')
            at = rest + i;
    if (at) {
        rc = parse_userinfo(rest, (size_t)(at - rest), out, err);
        if (rc != CS_OK)
            return rc;
        rest = at + 1;
        auth_end = slash ? (size_t)(slash - rest) : strlen(rest);
    }
    rc = parse_hostport(rest, auth_end, out, err);
    if (rc != CS_OK || slash == NULL || slash[1] == '\0')
        return rc;
    return parse_int(slash + 1, strlen(slash + 1), 0, DB_MAX, "db", &out->db,
                     err);
}

static cs_rc parse_unix(const char *rest, struct cs_redis_url *out,
                        struct cs_err *err)
{
    const char *q = strchr(rest, '?');
    size_t plen = q ? (size_t)(q - rest) : strlen(rest);

    if (plen == 0 || plen > CS_REDIS_PATH_MAX)
        return cs_err_set(err, CS_ERR_INVALID,
                          "CELLSCAN_REDIS_URL: unix socket path must be 1..%d "
                          "characters", CS_REDIS_PATH_MAX);
    memcpy(out->path, rest, plen);
    out->path[plen] = '\0';
    out->is_unix = 1;
    if (q == NULL)
        return CS_OK;
    if (strncmp(q, "?db=", 4) != 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "CELLSCAN_REDIS_URL: the only unix:// option is ?db=N");
    return parse_int(q + 4, strlen(q + 4), 0, DB_MAX, "db", &out->db, err);
}

cs_rc cs_redis_url_parse(const char *url, struct cs_redis_url *out,
                         struct cs_err *err)
{
    memset(out, 0, sizeof(*out));
    if (url == NULL || strlen(url) > CS_REDIS_URL_MAX)
        return cs_err_set(err, CS_ERR_INVALID,
                          "CELLSCAN_REDIS_URL: missing or longer than %d",
                          CS_REDIS_URL_MAX);
    if (strncmp(url, "redis://", 8) == 0)
        return parse_tcp(url + 8, out, err);
    if (strncmp(url, "unix://", 7) == 0)
        return parse_unix(url + 7, out, err);
    return cs_err_set(err, CS_ERR_INVALID,
                      "CELLSCAN_REDIS_URL: must start with redis:// or unix://");
}

char *cs_redis_url_describe(const struct cs_redis_url *u, char *out,
                            size_t outlen)
{
    if (u->is_unix)
        snprintf(out, outlen, "unix:%s/%d", u->path, u->db);
    else if (strchr(u->host, ':'))
        snprintf(out, outlen, "[%s]:%d/%d", u->host, u->port, u->db);
    else
        snprintf(out, outlen, "%s:%d/%d", u->host, u->port, u->db);
    return out;
}

void cs_redis_url_free(struct cs_redis_url *u)
{
    if (u == NULL)
        return;
    free(u->user);
    cs_secret_strfree(u->password);
    u->user = NULL;
    u->password = NULL;
}
