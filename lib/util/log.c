#include "util/log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/clock.h"

#define CS_MAX_LOG_LINE (16 * 1024)
#define REDACTED "[REDACTED]"
#define SECRET_RUN_MIN 40

static const char *log_component = "cellscan";
static volatile int log_min = CS_LOG_INFO;
static int log_fd = 2;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void cs_log_setup(const char *component, enum cs_log_level min, int fd)
{
    if (component)
        log_component = component;
    log_min = (int)min;
    log_fd = fd;
}

enum cs_log_level cs_log_min_level(void)
{
    return (enum cs_log_level)log_min;
}

int cs_log_level_parse(const char *s, enum cs_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (enum cs_log_level)i;
            return 0;
        }
    }
    return -1;
}

/* Names after which the value is a secret whatever it looks like. Matched
 * case-insensitively, so "SecretAccessKey", "aws_secret_access_key" and
 * "X-Amz-Security-Token" are all caught. */
static const char *const secret_markers[] = {
    "secretaccesskey", "secret_access_key", "secret-access-key",
    "sessiontoken", "session_token", "security-token", "securitytoken",
    "x-aws-ec2-metadata-token", "password", "passwd", "authorization",
    "signature", "webidentitytoken", "sasl.password", NULL,
};

static int is_b64(unsigned char c)
{
    return isalnum(c) || c == '+' || c == '/' || c == '=';
}

/* A value after a marker ends at a delimiter. Authorization headers have
 * spaces inside ("AWS4-HMAC-SHA256 Credential=..."), so for them the
 * value runs to the end of the quoted string or line. */
static size_t value_len(const char *p, int to_eol)
{
    size_t n = 0;

    while (p[n] && p[n] != '"' && p[n] != '\'' && p[n] != '\n' &&
           p[n] != '\r' && p[n] != '<' && p[n] != '&') {
        if (!to_eol && (p[n] == ' ' || p[n] == ',' || p[n] == '}' ||
                        p[n] == ';' || p[n] == '\t'))
            break;
        n++;
    }
    return n;
}

/* Returns the length of a marker starting at p, or 0. */
static size_t match_marker(const char *p, int *to_eol)
{
    for (int i = 0; secret_markers[i]; i++) {
        size_t n = strlen(secret_markers[i]);
        if (strncasecmp(p, secret_markers[i], n) == 0) {
            *to_eol = strcmp(secret_markers[i], "authorization") == 0;
            return n;
        }
    }
    return 0;
}

/* A long base64-alphabet run with upper, lower case and digits, and few
 * slashes, is taken for a key or token (AWS secret keys are 40 such
 * characters; session tokens hundreds). Paths and hex digests pass. */
static int looks_secret(const char *p, size_t n)
{
    int up = 0, lo = 0, dig = 0;
    size_t slashes = 0;

    if (n < SECRET_RUN_MIN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        up |= isupper(c) != 0;
        lo |= islower(c) != 0;
        dig |= isdigit(c) != 0;
        slashes += c == '/';
    }
    return up && lo && dig && slashes * 8 <= n;
}

cs_rc cs_log_redact(const char *text, struct cs_buf *out)
{
    const char *p = text;
    cs_rc rc;

    while (*p) {
        int to_eol = 0;
        size_t m = match_marker(p, &to_eol);

        if (m > 0) {
            const char *v = p + m;
            /* separators between the name and its value: quotes, colon,
             * equals and spaces, as in JSON, headers, k=v and XML */
            while (*v == '"' || *v == '\'' || *v == ':' || *v == '=' ||
                   *v == ' ' || *v == '>' || *v == '\t')
                v++;
            size_t vl = value_len(v, to_eol);
            if ((rc = cs_buf_append(out, p, (size_t)(v - p))) != CS_OK)
                return rc;
            if (vl > 0 && (rc = cs_buf_appends(out, REDACTED)) != CS_OK)
                return rc;
            p = v + vl;
            continue;
        }
        if (is_b64((unsigned char)*p)) {
            size_t n = 0;
            while (is_b64((unsigned char)p[n]))
                n++;
            if (looks_secret(p, n))
                rc = cs_buf_appends(out, REDACTED);
            else
                rc = cs_buf_append(out, p, n);
            if (rc != CS_OK)
                return rc;
            p += n;
            continue;
        }
        if ((rc = cs_buf_appendc(out, *p)) != CS_OK)
            return rc;
        p++;
    }
    return CS_OK;
}

cs_rc cs_json_quote(struct cs_buf *out, const char *s)
{
    cs_rc rc = cs_buf_appendc(out, '"');

    for (; rc == CS_OK && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': rc = cs_buf_appends(out, "\\\""); break;
        case '\\': rc = cs_buf_appends(out, "\\\\"); break;
        case '\n': rc = cs_buf_appends(out, "\\n"); break;
        case '\r': rc = cs_buf_appends(out, "\\r"); break;
        case '\t': rc = cs_buf_appends(out, "\\t"); break;
        default:
            if (c < 0x20)
                rc = cs_buf_printf(out, "\\u%04x", c);
            else
                rc = cs_buf_appendc(out, (char)c);
        }
    }
    if (rc == CS_OK)
        rc = cs_buf_appendc(out, '"');
    return rc;
}

static cs_rc log_field(struct cs_buf *line, const char *name, const char *value)
{
    cs_rc rc = cs_buf_printf(line, ",\"%s\":", name);

    return rc == CS_OK ? cs_json_quote(line, value) : rc;
}

void cs_log(const struct cs_log_ctx *ctx, enum cs_log_level lvl,
            const char *fmt, ...)
{
    struct cs_buf msg; /* unredacted text: may hold a secret */
    struct cs_buf clean = CS_BUF_INIT(CS_MAX_LOG_LINE);
    struct cs_buf line = CS_BUF_INIT(CS_MAX_LOG_LINE * 2);
    char ts[CS_RFC3339_MAX];
    const char *component = log_component;
    va_list ap;
    cs_rc rc;

    if ((int)lvl < log_min || (int)lvl < 0 || lvl > CS_LOG_ERROR)
        return;
    cs_buf_init_secret(&msg, CS_MAX_LOG_LINE);
    if (ctx && ctx->component)
        component = ctx->component;
    va_start(ap, fmt);
    rc = cs_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (rc != CS_OK)
        goto cleanup;
    if (cs_log_redact(cs_buf_str(&msg), &clean) != CS_OK)
        goto cleanup;
    cs_rfc3339(cs_wall_ms(), 1, ts, sizeof(ts));
    rc = cs_buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"%s\"", ts,
                       level_names[lvl]);
    if (rc == CS_OK)
        rc = log_field(&line, "component", component);
    if (rc == CS_OK && ctx && ctx->client_id && ctx->client_id[0])
        rc = log_field(&line, "client_id", ctx->client_id);
    if (rc == CS_OK && ctx && ctx->scan_id && ctx->scan_id[0])
        rc = log_field(&line, "scan_id", ctx->scan_id);
    if (rc == CS_OK)
        rc = log_field(&line, "msg", cs_buf_str(&clean));
    if (rc == CS_OK)
        rc = cs_buf_appends(&line, "}\n");
    if (rc == CS_OK) {
        /* a short write loses the rest of the line; logging must not
         * block or fail the caller */
        ssize_t w = write(log_fd, cs_buf_str(&line), line.len);
        (void)w;
    }
cleanup:
    cs_buf_free(&msg);
    cs_buf_free(&clean);
    cs_buf_free(&line);
}
