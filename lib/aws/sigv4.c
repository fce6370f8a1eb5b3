#include "aws/sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aws/uri.h"
#include "util/secret.h"

#define SIGV4_ALGO "AWS4-HMAC-SHA256"
#define SIGV4_MAX_HEADERS 128
#define SIGV4_CACHE_SLOTS 8
#define SIGV4_KEY_LEN 32
#define SIGV4_SCOPE_MAX 256

/* ---- hashing ---- */

static void to_hex(const unsigned char *md, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[2 * n] = '\0';
}

cs_rc cs_sha256_hex(const void *p, size_t n, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(p ? p : "", n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
        mdlen != SIGV4_KEY_LEN)
        return CS_ERR_INTERNAL;
    to_hex(md, mdlen, hex);
    return CS_OK;
}

static int hmac(const unsigned char *key, size_t keylen, const char *msg,
                size_t msglen, unsigned char out[SIGV4_KEY_LEN])
{
    unsigned int n = 0;

    return HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
                msglen, out, &n) != NULL && n == SIGV4_KEY_LEN;
}

/* ---- signing-key cache ---- */

struct cache_slot {
    char id[160];     /* akid '\n' date '\n' region '\n' service */
    unsigned char *key; /* secret memory, SIGV4_KEY_LEN bytes */
};

struct cs_sigv4_cache_s {
    struct cache_slot slot[SIGV4_CACHE_SLOTS];
    unsigned next; /* round-robin victim */
};

cs_sigv4_cache_t *cs_sigv4_cache_new(void)
{
    return calloc(1, sizeof(cs_sigv4_cache_t));
}

void cs_sigv4_cache_destroy(cs_sigv4_cache_t *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < SIGV4_CACHE_SLOTS; i++)
        cs_secret_free(c->slot[i].key, SIGV4_KEY_LEN);
    free(c);
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region),
 * service), "aws4_request") */
static cs_rc derive_key(const char *secret, const char *date,
                        const char *region, const char *service,
                        unsigned char *key, struct cs_err *err)
{
    size_t slen = strlen(secret);
    unsigned char *k0 = cs_secret_alloc(slen + 4);
    unsigned char k1[SIGV4_KEY_LEN], k2[SIGV4_KEY_LEN], k3[SIGV4_KEY_LEN];
    cs_rc rc = CS_OK;

    if (k0 == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "sigv4: out of memory");
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, slen);
    if (!hmac(k0, slen + 4, date, 8, k1) ||
        !hmac(k1, sizeof(k1), region, strlen(region), k2) ||
        !hmac(k2, sizeof(k2), service, strlen(service), k3) ||
        !hmac(k3, sizeof(k3), "aws4_request", 12, key))
        rc = cs_err_set(err, CS_ERR_INTERNAL, "sigv4: HMAC-SHA256 failed");
    cs_secret_free(k0, slen + 4);
    cs_memzero(k1, sizeof(k1));
    cs_memzero(k2, sizeof(k2));
    cs_memzero(k3, sizeof(k3));
    return rc;
}

/* Copies the signing key into key, from the cache when possible. */
static cs_rc signing_key(cs_sigv4_cache_t *c, const struct cs_sigv4_creds *cr,
                         const char *date, const char *region,
                         const char *service, unsigned char *key,
                         struct cs_err *err)
{
    char id[sizeof(c->slot[0].id)];
    struct cache_slot *s;
    int n;
    cs_rc rc;

    if (c == NULL)
        return derive_key(cr->secret_access_key, date, region, service, key,
                          err);
    n = snprintf(id, sizeof(id), "%s\n%.8s\n%s\n%s", cr->access_key_id, date,
                 region, service);
    if (n < 0 || (size_t)n >= sizeof(id))
        return derive_key(cr->secret_access_key, date, region, service, key,
                          err);
    for (int i = 0; i < SIGV4_CACHE_SLOTS; i++) {
        if (c->slot[i].key && strcmp(c->slot[i].id, id) == 0) {
            memcpy(key, c->slot[i].key, SIGV4_KEY_LEN);
            return CS_OK;
        }
    }
    rc = derive_key(cr->secret_access_key, date, region, service, key, err);
    if (rc != CS_OK)
        return rc;
    s = &c->slot[c->next++ % SIGV4_CACHE_SLOTS];
    if (s->key == NULL && (s->key = cs_secret_alloc(SIGV4_KEY_LEN)) == NULL)
        return CS_OK; /* the cache is an optimisation; the key is good */
    memcpy(s->key, key, SIGV4_KEY_LEN);
    memcpy(s->id, id, (size_t)n + 1);
    return CS_OK;
}

/* ---- canonical request ---- */

/* Length of a whitespace character at p (as Python's str.split() sees
 * whitespace, botocore's trim rule), or 0. */
static size_t ws_len(const unsigned char *p, const unsigned char *end)
{
    unsigned cp;
    size_t n;

    if (p >= end)
        return 0;
    if (*p < 0x80)
        return (*p == ' ' || (*p >= 0x09 && *p <= 0x0d) ||
                (*p >= 0x1c && *p <= 0x1f)) ? 1 : 0;
    if ((*p & 0xe0) == 0xc0 && end - p >= 2) {
        cp = (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
        n = 2;
    } else if ((*p & 0xf0) == 0xe0 && end - p >= 3) {
        cp = (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 |
             (p[2] & 0x3f);
        n = 3;
    } else {
        return 0;
    }
    if (cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
        (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x202f || cp == 0x205f || cp == 0x3000)
        return n;
    return 0;
}

/* Appends value trimmed, inner whitespace runs collapsed to one space. */
static cs_rc append_trimmed(struct cs_buf *b, const char *value)
{
    const unsigned char *p = (const unsigned char *)value;
    const unsigned char *end = p + strlen(value);
    int first = 1;
    cs_rc rc = CS_OK;

    while (rc == CS_OK && p < end) {
        const unsigned char *w;
        size_t k;
        while ((k = ws_len(p, end)) > 0)
            p += k;
        if (p >= end)
            break;
        w = p;
        while (p < end && ws_len(p, end) == 0)
            p++;
        if (!first)
            rc = cs_buf_appendc(b, ' ');
        if (rc == CS_OK)
            rc = cs_buf_append(b, w, (size_t)(p - w));
        first = 0;
    }
    return rc;
}

struct hdr {
    size_t name;  /* offset of the lower-cased name in the scratch buffer */
    size_t value; /* offset of the trimmed value */
    size_t order; /* position given, for a stable sort */
};

struct canon_ctx {
    struct cs_buf scratch;
    struct hdr h[SIGV4_MAX_HEADERS];
    size_t n;
};

static int hdr_cmp(const void *a, const void *b, void *ud)
{
    const struct hdr *x = a, *y = b;
    const char *base = ud;
    int c = strcmp(base + x->name, base + y->name);

    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Headers the signer sets itself or never signs. */
static int skipped_header(const char *lname, int s3, int has_token)
{
    static const char *const never[] = {"user-agent", "expect",
                                        "x-amzn-trace-id", "authorization",
                                        "x-amz-date", NULL};
    for (int i = 0; never[i]; i++)
        if (strcmp(lname, never[i]) == 0)
            return 1;
    if (has_token && strcmp(lname, "x-amz-security-token") == 0)
        return 1;
    if (s3 && strcmp(lname, "x-amz-content-sha256") == 0)
        return 1;
    return 0;
}

static cs_rc add_header(struct canon_ctx *c, const char *name,
                        const char *value, int lower)
{
    size_t off = c->scratch.len;
    cs_rc rc;

    if (c->n >= SIGV4_MAX_HEADERS)
        return CS_ERR_LIMIT;
    rc = cs_buf_appends(&c->scratch, name);
    if (rc == CS_OK && lower)
        for (char *p = c->scratch.ptr + off; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
    if (rc == CS_OK)
        rc = cs_buf_appendc(&c->scratch, '\0');
    if (rc != CS_OK)
        return rc;
    c->h[c->n].name = off;
    c->h[c->n].value = c->scratch.len;
    c->h[c->n].order = c->n;
    rc = append_trimmed(&c->scratch, value);
    if (rc == CS_OK)
        rc = cs_buf_appendc(&c->scratch, '\0');
    if (rc == CS_OK)
        c->n++;
    return rc;
}

/* presign: the date and the token go in the query, not in headers. */
static cs_rc collect_headers(struct canon_ctx *c, const struct cs_sigv4_req *req,
                             const struct cs_sigv4_creds *cr, int presign,
                             const char *payload_hash, struct cs_err *err)
{
    int has_token = !presign && cr->session_token && cr->session_token[0];
    int has_host = 0;
    cs_rc rc = CS_OK;

    for (size_t i = 0; rc == CS_OK && i < req->nheaders; i++) {
        const struct cs_sigv4_header *h = &req->headers[i];
        size_t mark = c->scratch.len;
        if (h->name == NULL || h->name[0] == '\0' || h->value == NULL)
            return cs_err_set(err, CS_ERR_INVALID,
                              "sigv4: header %zu has no name or value", i);
        rc = add_header(c, h->name, h->value, 1);
        if (rc != CS_OK)
            break;
        const char *lname = c->scratch.ptr + c->h[c->n - 1].name;
        if (skipped_header(lname, req->s3, has_token)) {
            c->n--;
            cs_buf_truncate(&c->scratch, mark);
            continue;
        }
        if (strcmp(lname, "host") == 0)
            has_host = 1;
    }
    if (rc == CS_OK && !has_host) {
        if (req->host == NULL || req->host[0] == '\0')
            return cs_err_set(err, CS_ERR_INVALID,
                              "sigv4: no Host header and no host given");
        rc = add_header(c, "host", req->host, 0);
    }
    if (rc == CS_OK && !presign)
        rc = add_header(c, "x-amz-date", req->amz_date, 0);
    if (rc == CS_OK && has_token)
        rc = add_header(c, "x-amz-security-token", cr->session_token, 0);
    if (rc == CS_OK && req->s3)
        rc = add_header(c, "x-amz-content-sha256", payload_hash, 0);
    if (rc != CS_OK)
        return cs_err_set(err, rc, "sigv4: headers: %s%s", cs_rc_name(rc),
                          rc == CS_ERR_LIMIT ? " (too many or too long)" : "");
    qsort_r(c->h, c->n, sizeof(c->h[0]), hdr_cmp, c->scratch.ptr);
    return CS_OK;
}

/* remove_dot_segments as botocore does it (RFC 3986 5.2.4, plus empty
 * segments dropped), then percent-encoded with '/' kept. */
static cs_rc canonical_path(struct cs_buf *out, const char *path, int s3)
{
    const char *seg[512];
    size_t len[512];
    size_t n = 0, plen;
    const char *p;
    cs_rc rc;

    if (path == NULL || path[0] == '\0')
        return cs_buf_appendc(out, '/');
    plen = strlen(path);
    if (s3)
        return cs_buf_append(out, path, plen);
    p = path;
    while (p <= path + plen) {
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == 0 || (l == 1 && p[0] == '.')) {
            /* dropped */
        } else if (l == 2 && p[0] == '.' && p[1] == '.') {
            if (n > 0)
                n--;
        } else {
            if (n == sizeof(seg) / sizeof(seg[0]))
                return CS_ERR_LIMIT;
            seg[n] = p;
            len[n++] = l;
        }
        if (e == NULL)
            break;
        p = e + 1;
    }
    rc = path[0] == '/' ? cs_buf_appendc(out, '/') : CS_OK;
    for (size_t i = 0; rc == CS_OK && i < n; i++) {
        if (i > 0)
            rc = cs_buf_appendc(out, '/');
        if (rc == CS_OK)
            rc = cs_uri_encode(out, seg[i], len[i], "/~");
    }
    if (rc == CS_OK && path[plen - 1] == '/' && n > 0)
        rc = cs_buf_appendc(out, '/');
    if (rc == CS_OK && n == 0 && path[0] != '/')
        rc = cs_buf_append(out, "", 0);
    return rc;
}

struct qpair {
    size_t key;   /* offsets into the scratch buffer */
    size_t value;
};

static int qpair_cmp(const void *a, const void *b, void *ud)
{
    const struct qpair *x = a, *y = b;
    const char *base = ud;
    int c = strcmp(base + x->key, base + y->key);

    return c ? c : strcmp(base + x->value, base + y->value);
}

/* Appends the canonical form of one query component: decoded, then
 * encoded with nothing but unreserved characters kept. */
static cs_rc canon_component(struct cs_buf *scratch, struct cs_buf *tmp,
                             const char *s, size_t n)
{
    cs_rc rc;

    cs_buf_reset(tmp);
    rc = cs_uri_decode(tmp, s, n);
    if (rc == CS_OK)
        rc = cs_uri_encode(scratch, tmp->ptr, tmp->len, NULL);
    if (rc == CS_OK)
        rc = cs_buf_appendc(scratch, '\0');
    return rc;
}

static cs_rc canonical_query(struct cs_buf *out, const char *query)
{
    struct cs_buf scratch = CS_BUF_INIT(CS_MAX_SIGV4_CANON);
    struct cs_buf tmp = CS_BUF_INIT(CS_MAX_SIGV4_CANON);
    struct qpair *pairs = NULL;
    size_t npairs = 1, n = 0;
    const char *p = query;
    cs_rc rc = CS_OK;

    if (query == NULL || query[0] == '\0')
        return cs_buf_append(out, "", 0);
    for (const char *q = query; *q; q++)
        npairs += *q == '&';
    pairs = calloc(npairs, sizeof(*pairs));
    if (pairs == NULL)
        return CS_ERR_NOMEM;
    while (rc == CS_OK && n < npairs) {
        const char *amp = strchr(p, '&');
        size_t l = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', l);
        size_t kl = eq ? (size_t)(eq - p) : l;
        pairs[n].key = scratch.len;
        rc = canon_component(&scratch, &tmp, p, kl);
        pairs[n].value = scratch.len;
        if (rc == CS_OK)
            rc = eq ? canon_component(&scratch, &tmp, eq + 1, l - kl - 1)
                    : cs_buf_appendc(&scratch, '\0');
        n++;
        p = amp ? amp + 1 : p + l;
    }
    if (rc == CS_OK)
        qsort_r(pairs, n, sizeof(*pairs), qpair_cmp, scratch.ptr);
    for (size_t i = 0; rc == CS_OK && i < n; i++)
        rc = cs_buf_printf(out, "%s%s=%s", i ? "&" : "",
                           scratch.ptr + pairs[i].key,
                           scratch.ptr + pairs[i].value);
    free(pairs);
    cs_buf_free(&scratch);
    cs_buf_free(&tmp);
    return rc;
}

/* "host;x-amz-date;..." from the sorted headers of c. */
static cs_rc signed_header_list(const struct canon_ctx *c, struct cs_buf *out)
{
    const char *base = c->scratch.ptr;
    cs_rc rc = CS_OK;

    for (size_t i = 0; rc == CS_OK && i < c->n; i++) {
        const char *name = base + c->h[i].name;
        if (i > 0 && strcmp(name, base + c->h[i - 1].name) == 0)
            continue;
        if (out->len > 0)
            rc = cs_buf_appendc(out, ';');
        if (rc == CS_OK)
            rc = cs_buf_appends(out, name);
    }
    return rc;
}

/* query: the query string signed (req->query, or the presigned one). */
static cs_rc canonical_request(const struct cs_sigv4_req *req,
                               const char *query, const struct canon_ctx *c,
                               const char *payload_hash, struct cs_buf *canon,
                               const struct cs_buf *signed_headers)
{
    const char *base = c->scratch.ptr;
    cs_rc rc = CS_OK;

    for (const char *m = req->method; rc == CS_OK && *m; m++)
        rc = cs_buf_appendc(canon, (*m >= 'a' && *m <= 'z') ? (char)(*m - 32)
                                                             : *m);
    if (rc == CS_OK)
        rc = cs_buf_appendc(canon, '\n');
    if (rc == CS_OK)
        rc = canonical_path(canon, req->path, req->s3);
    if (rc == CS_OK)
        rc = cs_buf_appendc(canon, '\n');
    if (rc == CS_OK)
        rc = canonical_query(canon, query);
    if (rc == CS_OK)
        rc = cs_buf_appendc(canon, '\n');
    for (size_t i = 0; rc == CS_OK && i < c->n; i++) {
        const char *name = base + c->h[i].name;
        int same = i > 0 && strcmp(name, base + c->h[i - 1].name) == 0;
        if (same) {
            rc = cs_buf_printf(canon, ",%s", base + c->h[i].value);
            continue;
        }
        if (i > 0)
            rc = cs_buf_appendc(canon, '\n');
        if (rc == CS_OK)
            rc = cs_buf_printf(canon, "%s:%s", name, base + c->h[i].value);
    }
    if (rc == CS_OK)
        rc = cs_buf_printf(canon, "\n\n%s\n%s", cs_buf_str(signed_headers),
                           payload_hash);
    return rc;
}

/* ---- the signer ---- */

void cs_sigv4_signed_init(struct cs_sigv4_signed *out)
{
    cs_buf_init(&out->authorization, CS_MAX_SIGV4_AUTH);
    cs_buf_init_secret(&out->canonical, CS_MAX_SIGV4_CANON);
    cs_buf_init(&out->string_to_sign, CS_MAX_SIGV4_AUTH);
    out->payload_hash[0] = '\0';
}

void cs_sigv4_signed_free(struct cs_sigv4_signed *out)
{
    if (out == NULL)
        return;
    cs_buf_free(&out->authorization);
    cs_buf_free(&out->canonical);
    cs_buf_free(&out->string_to_sign);
}

char *cs_sigv4_date(int64_t unix_ms, char *out)
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, CS_SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm);
    return out;
}

static cs_rc check_req(const struct cs_sigv4_req *req,
                       const struct cs_sigv4_creds *cr, struct cs_err *err)
{
    const char *d = req->amz_date;

    if (req->method == NULL || req->method[0] == '\0')
        return cs_err_set(err, CS_ERR_INVALID, "sigv4: no method");
    if (req->region == NULL || req->region[0] == '\0' ||
        req->service == NULL || req->service[0] == '\0')
        return cs_err_set(err, CS_ERR_INVALID, "sigv4: no region or service");
    if (d == NULL || strlen(d) != CS_SIGV4_DATE_LEN || d[8] != 'T' ||
        d[15] != 'Z')
        return cs_err_set(err, CS_ERR_INVALID,
                          "sigv4: x-amz-date must look like 20150830T123600Z");
    if (cr == NULL || cr->access_key_id == NULL || !cr->access_key_id[0] ||
        cr->secret_access_key == NULL || !cr->secret_access_key[0])
        return cs_err_set(err, CS_ERR_INVALID, "sigv4: no credentials");
    if (req->body == NULL && req->body_len > 0)
        return cs_err_set(err, CS_ERR_INVALID, "sigv4: body_len without body");
    return CS_OK;
}

/* A caller-supplied x-amz-content-sha256 is the payload hash botocore
 * signs for non-S3 services; otherwise the body is hashed. */
static cs_rc payload_hash(const struct cs_sigv4_req *req, char *hex)
{
    for (size_t i = 0; !req->s3 && i < req->nheaders; i++) {
        const char *n = req->headers[i].name;
        if (n && strcasecmp(n, "x-amz-content-sha256") == 0 &&
            req->headers[i].value &&
            strlen(req->headers[i].value) <= CS_SHA256_HEX_LEN) {
            strcpy(hex, req->headers[i].value);
            return CS_OK;
        }
    }
    return cs_sha256_hex(req->body, req->body_len, hex);
}

/* Appends the query parameters of a presigned request (botocore's
 * SigV4QueryAuth order) to q, after req->query when there is one. */
static cs_rc presign_query(const struct cs_sigv4_req *req,
                           const struct cs_sigv4_creds *cr, const char *scope,
                           int expires_s, const struct cs_buf *signed_headers,
                           struct cs_buf *q)
{
    char credential[SIGV4_SCOPE_MAX + 256];
    char expires[16];
    cs_rc rc = CS_OK;

    snprintf(credential, sizeof(credential), "%s/%s", cr->access_key_id,
             scope);
    snprintf(expires, sizeof(expires), "%d", expires_s);
    if (req->query && req->query[0])
        rc = cs_buf_appends(q, req->query);
    if (rc == CS_OK)
        rc = cs_uri_query_add(q, "X-Amz-Algorithm", SIGV4_ALGO);
    if (rc == CS_OK)
        rc = cs_uri_query_add(q, "X-Amz-Credential", credential);
    if (rc == CS_OK)
        rc = cs_uri_query_add(q, "X-Amz-Date", req->amz_date);
    if (rc == CS_OK)
        rc = cs_uri_query_add(q, "X-Amz-Expires", expires);
    if (rc == CS_OK)
        rc = cs_uri_query_add(q, "X-Amz-SignedHeaders",
                              cs_buf_str(signed_headers));
    if (rc == CS_OK && cr->session_token && cr->session_token[0])
        rc = cs_uri_query_add(q, "X-Amz-Security-Token", cr->session_token);
    return rc;
}

/* Both forms: canonical request, string to sign and signature (hex into
 * sig_hex). presign_q NULL = header form (signed_headers receives the
 * list); otherwise the presigned query is built into presign_q and
 * signed. */
static cs_rc sign_core(const struct cs_sigv4_req *req,
                       const struct cs_sigv4_creds *cr, cs_sigv4_cache_t *cache,
                       int expires_s, struct cs_buf *presign_q,
                       struct cs_sigv4_signed *out, struct cs_buf *signed_headers,
                       char *scope, char *sig_hex, struct cs_err *err)
{
    struct canon_ctx *c = NULL;
    unsigned char key[SIGV4_KEY_LEN], sig[SIGV4_KEY_LEN];
    char canon_hash[CS_SHA256_HEX_LEN + 1];
    const char *query = req->query;
    cs_rc rc;

    cs_buf_reset(&out->authorization);
    cs_buf_reset(&out->canonical);
    cs_buf_reset(&out->string_to_sign);
    rc = check_req(req, cr, err);
    if (rc != CS_OK)
        goto cleanup;
    if (snprintf(scope, SIGV4_SCOPE_MAX, "%.8s/%s/%s/aws4_request",
                 req->amz_date, req->region, req->service) >=
        SIGV4_SCOPE_MAX) {
        rc = cs_err_set(err, CS_ERR_INVALID, "sigv4: region or service too long");
        goto cleanup;
    }
    if ((rc = payload_hash(req, out->payload_hash)) != CS_OK) {
        cs_err_set(err, rc, "sigv4: SHA-256 failed");
        goto cleanup;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        rc = cs_err_set(err, CS_ERR_NOMEM, "sigv4: out of memory");
        goto cleanup;
    }
    /* holds the session token: secret */
    cs_buf_init_secret(&c->scratch, CS_MAX_SIGV4_CANON);
    rc = collect_headers(c, req, cr, presign_q != NULL, out->payload_hash,
                         err);
    if (rc != CS_OK)
        goto cleanup;
    rc = signed_header_list(c, signed_headers);
    if (rc == CS_OK && presign_q) {
        rc = presign_query(req, cr, scope, expires_s, signed_headers,
                           presign_q);
        query = cs_buf_str(presign_q);
    }
    if (rc == CS_OK)
        rc = canonical_request(req, query, c, out->payload_hash,
                               &out->canonical, signed_headers);
    if (rc == CS_OK)
        rc = cs_sha256_hex(out->canonical.ptr, out->canonical.len, canon_hash);
    if (rc == CS_OK)
        rc = cs_buf_printf(&out->string_to_sign, SIGV4_ALGO "\n%s\n%s\n%s",
                           req->amz_date, scope, canon_hash);
    if (rc != CS_OK) {
        cs_err_set(err, rc, "sigv4: canonical request: %s", cs_rc_name(rc));
        goto cleanup;
    }
    rc = signing_key(cache, cr, req->amz_date, req->region, req->service, key,
                     err);
    if (rc != CS_OK)
        goto cleanup;
    if (!hmac(key, sizeof(key), out->string_to_sign.ptr,
              out->string_to_sign.len, sig)) {
        rc = cs_err_set(err, CS_ERR_INTERNAL, "sigv4: HMAC-SHA256 failed");
        goto cleanup;
    }
    to_hex(sig, sizeof(sig), sig_hex);
cleanup:
    cs_memzero(key, sizeof(key));
    if (c) {
        cs_buf_free(&c->scratch);
        free(c);
    }
    return rc;
}

cs_rc cs_sigv4_sign(const struct cs_sigv4_req *req,
                    const struct cs_sigv4_creds *cr, cs_sigv4_cache_t *cache,
                    struct cs_sigv4_signed *out, struct cs_err *err)
{
    struct cs_buf signed_headers = CS_BUF_INIT(CS_MAX_SIGV4_AUTH);
    char scope[SIGV4_SCOPE_MAX], sig_hex[CS_SHA256_HEX_LEN + 1];
    cs_rc rc;

    rc = sign_core(req, cr, cache, 0, NULL, out, &signed_headers, scope,
                   sig_hex, err);
    if (rc == CS_OK) {
        rc = cs_buf_printf(&out->authorization,
                           SIGV4_ALGO " Credential=%s/%s, SignedHeaders=%s, "
                                      "Signature=%s",
                           cr->access_key_id, scope,
                           cs_buf_str(&signed_headers), sig_hex);
        if (rc != CS_OK)
            cs_err_set(err, rc, "sigv4: authorization header too long");
    }
    cs_buf_free(&signed_headers);
    return rc;
}

cs_rc cs_sigv4_presign(const struct cs_sigv4_req *req,
                       const struct cs_sigv4_creds *cr, int expires_s,
                       cs_sigv4_cache_t *cache, struct cs_sigv4_signed *out,
                       struct cs_buf *query, struct cs_err *err)
{
    struct cs_buf signed_headers = CS_BUF_INIT(CS_MAX_SIGV4_AUTH);
    char scope[SIGV4_SCOPE_MAX], sig_hex[CS_SHA256_HEX_LEN + 1];
    cs_rc rc;

    cs_buf_reset(query);
    if (expires_s < 1 || expires_s > 604800) {
        cs_buf_reset(&out->authorization);
        cs_buf_reset(&out->canonical);
        cs_buf_reset(&out->string_to_sign);
        return cs_err_set(err, CS_ERR_INVALID,
                          "sigv4: expiry %d s is not in 1..604800", expires_s);
    }
    rc = sign_core(req, cr, cache, expires_s, query, out, &signed_headers,
                   scope, sig_hex, err);
    if (rc == CS_OK &&
        (rc = cs_uri_query_add(query, "X-Amz-Signature", sig_hex)) != CS_OK)
        cs_err_set(err, rc, "sigv4: presigned query too long");
    if (rc != CS_OK)
        cs_buf_reset(query);
    cs_buf_free(&signed_headers);
    return rc;
}
