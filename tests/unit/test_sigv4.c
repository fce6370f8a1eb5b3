/* aws/sigv4: every case of AWS's SigV4 test suite (tests/data/aws4_testsuite)
 * gives the suite's canonical request, string to sign and Authorization
 * header; the signing-key cache changes nothing; bad input is refused. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/sigv4.h"

#define SUITE CS_SOURCE_DIR "/tests/data/aws4_testsuite"
#define SUITE_CASES 34
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_TOKEN_BEFORE                                                     \
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKW" \
    "HGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4" \
    "IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE" \
    "8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yj" \
    "c8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
#define VANILLA_TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)n + 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    if (data)
        data[n] = '\0';
    fclose(f);
    return data;
}

struct parsed {
    char method[16];
    char path[1024];
    char *query;
    struct cs_sigv4_header h[16];
    char *names[16], *values[16];
    size_t nh;
    const char *body;
    char amz_date[32];
};

/* Splits a .req file: request line, headers (continuation lines joined
 * with a newline, which the signer's trimming folds), blank line, body. */
static void parse_req(char *text, struct parsed *p)
{
    char *line = strtok(text, "\n");
    char target[1024];
    char *q;

    memset(p, 0, sizeof(*p));
    assert_non_null(line);
    assert_int_equal(sscanf(line, "%15s %1023[^\n]", p->method, target), 2);
    /* the target ends with " HTTP/1.1"; it may itself contain spaces */
    q = strstr(target, " HTTP/1.1");
    assert_non_null(q);
    *q = '\0';
    q = strchr(target, '?');
    if (q) {
        *q = '\0';
        p->query = strdup(q + 1);
    }
    snprintf(p->path, sizeof(p->path), "%s", target);
    char *rest = line + strlen(line) + 1;
    while (*rest && *rest != '\n') {
        char *eol = strchr(rest, '\n');
        size_t len = eol ? (size_t)(eol - rest) : strlen(rest);
        if (*rest == ' ' || *rest == '\t') {
            size_t old = strlen(p->values[p->nh - 1]);
            p->values[p->nh - 1] = realloc(p->values[p->nh - 1], old + len + 2);
            p->values[p->nh - 1][old] = '\n';
            memcpy(p->values[p->nh - 1] + old + 1, rest, len);
            p->values[p->nh - 1][old + 1 + len] = '\0';
        } else {
            char *colon = memchr(rest, ':', len);
            assert_non_null(colon);
            p->names[p->nh] = strndup(rest, (size_t)(colon - rest));
            p->values[p->nh] = strndup(colon + 1, len - (size_t)(colon - rest) - 1);
            p->nh++;
        }
        rest = eol ? eol + 1 : rest + len;
    }
    p->body = *rest == '\n' ? rest + 1 : rest;
    for (size_t i = 0; i < p->nh; i++) {
        p->h[i].name = p->names[i];
        p->h[i].value = p->values[i];
        if (strcasecmp(p->names[i], "X-Amz-Date") == 0)
            snprintf(p->amz_date, sizeof(p->amz_date), "%s", p->values[i]);
    }
}

static void free_parsed(struct parsed *p)
{
    for (size_t i = 0; i < p->nh; i++) {
        free(p->names[i]);
        free(p->values[i]);
    }
    free(p->query);
}

static char *sibling(const char *req_path, const char *ext)
{
    char path[4096];
    size_t n = strlen(req_path) - strlen(".req");

    snprintf(path, sizeof(path), "%.*s%s", (int)n, req_path, ext);
    return slurp(path);
}

static int run_case(const char *req_path, cs_sigv4_cache_t *cache)
{
    char *text = slurp(req_path);
    char *creq = sibling(req_path, ".creq");
    char *sts = sibling(req_path, ".sts");
    char *authz = sibling(req_path, ".authz");
    struct parsed p;
    struct cs_sigv4_signed out;
    struct cs_err err = CS_ERR_INIT;
    struct cs_sigv4_creds cr = {"AKIDEXAMPLE", SECRET, NULL};

    assert_non_null(text);
    assert_non_null(creq);
    assert_non_null(sts);
    assert_non_null(authz);
    parse_req(text, &p);
    if (strstr(req_path, "get-vanilla-with-session-token"))
        cr.session_token = VANILLA_TOKEN;
    if (strstr(req_path, "post-sts-header-before"))
        cr.session_token = SUITE_TOKEN_BEFORE;
    /* post-sts-header-after: the token is added after signing, unsigned */
    struct cs_sigv4_req req = {
        .method = p.method, .path = p.path, .query = p.query,
        .headers = p.h, .nheaders = p.nh, .body = p.body,
        .body_len = strlen(p.body), .region = "us-east-1",
        .service = "service", .amz_date = p.amz_date,
    };
    cs_sigv4_signed_init(&out);
    assert_int_equal(cs_sigv4_sign(&req, &cr, cache, &out, &err), CS_OK);
    if (strcmp(cs_buf_str(&out.canonical), creq) != 0)
        fail_msg("%s: canonical request\n--- got\n%s\n--- want\n%s", req_path,
                 cs_buf_str(&out.canonical), creq);
    assert_string_equal(cs_buf_str(&out.string_to_sign), sts);
    assert_string_equal(cs_buf_str(&out.authorization), authz);
    cs_sigv4_signed_free(&out);
    free_parsed(&p);
    free(text);
    free(creq);
    free(sts);
    free(authz);
    return 1;
}

static int walk(const char *dir, cs_sigv4_cache_t *cache)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        assert_int_equal(stat(path, &st), 0);
        if (S_ISDIR(st.st_mode))
            n += walk(path, cache);
        else if (len > 4 && strcmp(e->d_name + len - 4, ".req") == 0)
            n += run_case(path, cache);
    }
    closedir(d);
    return n;
}

static void suite_without_cache(void **state)
{
    (void)state;
    assert_int_equal(walk(SUITE, NULL), SUITE_CASES);
}

static void suite_with_cache_twice(void **state)
{
    cs_sigv4_cache_t *c = cs_sigv4_cache_new();

    (void)state;
    assert_non_null(c);
    /* the second pass signs with cached keys */
    assert_int_equal(walk(SUITE, c), SUITE_CASES);
    assert_int_equal(walk(SUITE, c), SUITE_CASES);
    cs_sigv4_cache_destroy(c);
}

static void s3_rules(void **state)
{
    struct cs_sigv4_header h[] = {{"Host", "bucket.s3.amazonaws.com"}};
    struct cs_sigv4_req req = {
        .method = "GET", .path = "/my-object//example//photo.user",
        .headers = h, .nheaders = 1, .region = "us-east-1", .service = "s3",
        .amz_date = "20150830T123600Z", .s3 = 1,
    };
    struct cs_sigv4_creds cr = {"AKIDEXAMPLE", SECRET, NULL};
    struct cs_sigv4_signed out;
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    cs_sigv4_signed_init(&out);
    assert_int_equal(cs_sigv4_sign(&req, &cr, NULL, &out, &err), CS_OK);
    /* S3: path kept as is; the payload hash is signed as a header */
    assert_non_null(strstr(cs_buf_str(&out.canonical),
                           "GET\n/my-object//example//photo.user\n"));
    assert_non_null(strstr(cs_buf_str(&out.canonical),
                           "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb924"));
    assert_non_null(strstr(cs_buf_str(&out.authorization),
                           "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"));
    req.s3 = 0;
    assert_int_equal(cs_sigv4_sign(&req, &cr, NULL, &out, &err), CS_OK);
    assert_non_null(strstr(cs_buf_str(&out.canonical),
                           "GET\n/my-object/example/photo.user\n"));
    cs_sigv4_signed_free(&out);
}

static void refuses_bad_input(void **state)
{
    struct cs_sigv4_req req = {.method = "GET", .host = "h", .path = "/",
                               .region = "us-east-1", .service = "s",
                               .amz_date = "2015-08-30"};
    struct cs_sigv4_creds cr = {"AKID", "secret", NULL};
    struct cs_sigv4_creds none = {"AKID", "", NULL};
    struct cs_sigv4_signed out;
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    cs_sigv4_signed_init(&out);
    assert_int_equal(cs_sigv4_sign(&req, &cr, NULL, &out, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "x-amz-date"));
    req.amz_date = "20150830T123600Z";
    assert_int_equal(cs_sigv4_sign(&req, &none, NULL, &out, &err), CS_ERR_INVALID);
    assert_null(strstr(err.msg, "secret"));
    req.host = NULL;
    assert_int_equal(cs_sigv4_sign(&req, &cr, NULL, &out, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "Host"));
    cs_sigv4_signed_free(&out);
}

static void date_format(void **state)
{
    char d[CS_SIGV4_DATE_LEN + 1];

    (void)state;
    assert_string_equal(cs_sigv4_date(1440938160000LL, d), "20150830T123600Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(suite_without_cache),
        cmocka_unit_test(suite_with_cache_twice),
        cmocka_unit_test(s3_rules),
        cmocka_unit_test(refuses_bad_input),
        cmocka_unit_test(date_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
