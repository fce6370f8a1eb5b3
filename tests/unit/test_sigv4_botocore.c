/* aws/sigv4 against botocore: test_sigv4_botocore.py generates random
 * requests (methods, paths with reserved, unicode and ARN characters,
 * repeated and empty query keys, repeated, folded and untrimmed headers,
 * binary bodies, session tokens, S3 and other services) and botocore's
 * signatures of them; this test encodes the same path segments and query
 * pairs with cellscan's encoder, signs the same requests with cellscan's
 * signer, and requires byte-for-byte equality for every one.
 *
 * CELLSCAN_SIGV4_COUNT and CELLSCAN_SIGV4_SEED change the run (defaults
 * 10000 and 1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"
#include "aws/uri.h"

#define MIN_REQUESTS 10000
#define MAX_ITEMS 64

struct item {
    char *a, *b; /* decoded fields; NULL for "-" */
    int flag;
};

struct rec {
    char *method, *service, *region, *path, *query, *host, *body, *akid,
        *secret, *token, *date, *sha, *auth;
    size_t body_len;
    int s3;
    struct item seg[MAX_ITEMS], qp[MAX_ITEMS], h[MAX_ITEMS];
    size_t nseg, nqp, nh;
};

static char *unhex(const char *s, size_t *len)
{
    size_t n;
    char *out;

    if (strcmp(s, "-") == 0)
        return NULL;
    if (strcmp(s, "=") == 0)
        s = "";
    n = strlen(s) / 2;
    out = malloc(n + 1);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (char)v;
    }
    out[n] = '\0';
    if (len)
        *len = n;
    return out;
}

static void rec_free(struct rec *r)
{
    char **fields[] = {&r->method, &r->service, &r->region, &r->path,
                       &r->query, &r->host, &r->body, &r->akid, &r->secret,
                       &r->token, &r->date, &r->sha, &r->auth};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        free(*fields[i]);
    for (size_t i = 0; i < r->nseg; i++)
        free(r->seg[i].a);
    for (size_t i = 0; i < r->nqp; i++) {
        free(r->qp[i].a);
        free(r->qp[i].b);
    }
    for (size_t i = 0; i < r->nh; i++) {
        free(r->h[i].a);
        free(r->h[i].b);
    }
    memset(r, 0, sizeof(*r));
}

/* Reads one block; returns 0 at EOF. */
static int read_rec(FILE *f, struct rec *r, char **line, size_t *cap)
{
    memset(r, 0, sizeof(*r));
    while (getline(line, cap, f) > 0) {
        char tag[16], a[1 << 16], b[1 << 16];
        char *nl = strchr(*line, '\n');
        if (nl)
            *nl = '\0';
        if (strcmp(*line, "end") == 0)
            return 1;
        a[0] = b[0] = '\0';
        int n = sscanf(*line, "%15s %65535s %65535s", tag, a, b);
        assert_true(n >= 2);
        if (strcmp(tag, "seg") == 0) {
            assert_true(r->nseg < MAX_ITEMS);
            r->seg[r->nseg].flag = atoi(a);
            r->seg[r->nseg++].a = unhex(b, NULL);
        } else if (strcmp(tag, "qp") == 0) {
            assert_true(r->nqp < MAX_ITEMS);
            r->qp[r->nqp].a = unhex(a, NULL);
            r->qp[r->nqp++].b = unhex(b, NULL);
        } else if (strcmp(tag, "h") == 0) {
            assert_true(r->nh < MAX_ITEMS);
            r->h[r->nh].a = unhex(a, NULL);
            r->h[r->nh++].b = unhex(b, NULL);
        } else if (strcmp(tag, "s3") == 0) {
            r->s3 = atoi(a);
        } else {
            static const char *const names[] = {
                "method", "service", "region", "path", "query", "host", "body",
                "akid", "secret", "token", "date", "sha", "auth", NULL};
            char **fields[] = {&r->method, &r->service, &r->region, &r->path,
                               &r->query, &r->host, &r->body, &r->akid,
                               &r->secret, &r->token, &r->date, &r->sha,
                               &r->auth};
            int found = 0;
            for (int i = 0; names[i]; i++) {
                if (strcmp(tag, names[i]) == 0) {
                    *fields[i] = unhex(a, strcmp(tag, "body") == 0
                                              ? &r->body_len : NULL);
                    found = 1;
                }
            }
            if (!found)
                fail_msg("unknown tag %s", tag);
        }
    }
    return 0;
}

/* The path and query cellscan would send for these segments and pairs. */
static void check_encoding(const struct rec *r, size_t idx)
{
    struct cs_buf path = CS_BUF_INIT(1 << 20), query = CS_BUF_INIT(1 << 20);

    assert_int_equal(cs_buf_appendc(&path, '/'), CS_OK);
    for (size_t i = 0; i < r->nseg; i++) {
        if (i > 0)
            assert_int_equal(cs_buf_appendc(&path, '/'), CS_OK);
        assert_int_equal(cs_uri_encode(&path, r->seg[i].a, strlen(r->seg[i].a),
                                       r->seg[i].flag ? "/" : NULL),
                         CS_OK);
    }
    for (size_t i = 0; i < r->nqp; i++)
        assert_int_equal(cs_uri_query_add(&query, r->qp[i].a, r->qp[i].b), CS_OK);
    if (strcmp(cs_buf_str(&path), r->path) != 0)
        fail_msg("request %zu: path %s, botocore %s", idx, cs_buf_str(&path), r->path);
    if (strcmp(cs_buf_str(&query), r->query) != 0)
        fail_msg("request %zu: query %s, botocore %s", idx, cs_buf_str(&query), r->query);
    cs_buf_free(&path);
    cs_buf_free(&query);
}

static void check_signature(const struct rec *r, size_t idx,
                            cs_sigv4_cache_t *cache,
                            struct cs_sigv4_signed *out)
{
    struct cs_sigv4_header h[MAX_ITEMS];
    struct cs_err err = CS_ERR_INIT;
    struct cs_sigv4_creds cr = {r->akid, r->secret, r->token};

    for (size_t i = 0; i < r->nh; i++) {
        h[i].name = r->h[i].a;
        h[i].value = r->h[i].b;
    }
    struct cs_sigv4_req req = {
        .method = r->method, .host = r->host, .path = r->path,
        .query = r->query, .headers = h, .nheaders = r->nh, .body = r->body,
        .body_len = r->body_len, .region = r->region, .service = r->service,
        .amz_date = r->date, .s3 = r->s3,
    };
    if (cs_sigv4_sign(&req, &cr, cache, out, &err) != CS_OK)
        fail_msg("request %zu: %s", idx, err.msg);
    if (strcmp(cs_buf_str(&out->authorization), r->auth) != 0)
        fail_msg("request %zu (%s %s %s?%s):\n  cellscan %s\n  botocore %s\n"
                 "canonical request:\n%s",
                 idx, r->service, r->method, r->path, r->query,
                 cs_buf_str(&out->authorization), r->auth,
                 cs_buf_str(&out->canonical));
    if (r->s3)
        assert_string_equal(out->payload_hash, r->sha);
    else
        assert_null(r->sha);
}

static void agrees_with_botocore(void **state)
{
    const char *count_env = getenv("CELLSCAN_SIGV4_COUNT");
    const char *seed_env = getenv("CELLSCAN_SIGV4_SEED");
    long count = count_env ? atol(count_env) : MIN_REQUESTS;
    long seed = seed_env ? atol(seed_env) : 1;
    char cmd[2048];
    char *line = NULL;
    size_t cap = 0, n = 0;
    struct rec r;
    struct cs_sigv4_signed out;
    cs_sigv4_cache_t *cache = cs_sigv4_cache_new();
    FILE *f;

    (void)state;
    snprintf(cmd, sizeof(cmd),
             "/usr/bin/python3 %s/tests/unit/test_sigv4_botocore.py %ld %ld",
             CS_SOURCE_DIR, count, seed);
    f = popen(cmd, "r");
    assert_non_null(f);
    cs_sigv4_signed_init(&out);
    while (read_rec(f, &r, &line, &cap)) {
        check_encoding(&r, n);
        /* every other request without the key cache, so both paths count */
        check_signature(&r, n, (n & 1) ? cache : NULL, &out);
        rec_free(&r);
        n++;
    }
    rec_free(&r);
    assert_int_equal(pclose(f), 0);
    free(line);
    cs_sigv4_signed_free(&out);
    cs_sigv4_cache_destroy(cache);
    printf("sigv4: %zu random requests signed identically to botocore "
           "(seed %ld)\n", n, seed);
    assert_int_equal(n, (size_t)count);
    if (count_env == NULL)
        assert_true(n >= MIN_REQUESTS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(agrees_with_botocore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
