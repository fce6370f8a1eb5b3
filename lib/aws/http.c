#include "aws/http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

struct cs_http_s {
    CURL *curl;
    struct cs_http_opts o;
    char *ca_bundle;
    char errbuf[CURL_ERROR_SIZE];
    struct cs_http_resp *resp; /* the answer being read */
    int over_cap;
};

cs_http_t *cs_http_new(const struct cs_http_opts *o, struct cs_err *err)
{
    cs_http_t *h = calloc(1, sizeof(*h));

    if (h == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "http: out of memory");
        return NULL;
    }
    h->o = *o;
    if (o->ca_bundle && o->ca_bundle[0] &&
        (h->ca_bundle = strdup(o->ca_bundle)) == NULL) {
        free(h);
        cs_err_set(err, CS_ERR_NOMEM, "http: out of memory");
        return NULL;
    }
    h->curl = curl_easy_init();
    if (h->curl == NULL) {
        cs_http_destroy(h);
        cs_err_set(err, CS_ERR_INTERNAL, "http: curl_easy_init failed");
        return NULL;
    }
    return h;
}

void cs_http_destroy(cs_http_t *h)
{
    if (h == NULL)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    free(h->ca_bundle);
    free(h);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    cs_http_t *h = ud;
    size_t len = size * n;

    if (cs_buf_append(h->resp->body, p, len) != CS_OK) {
        h->over_cap = 1;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    return len;
}

static void keep_header(char *dst, const char *v, size_t n)
{
    if (dst[0] != '\0')
        return;
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
        n--;
    if (n >= CS_HTTP_HDR_MAX)
        n = CS_HTTP_HDR_MAX - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    cs_http_t *h = ud;
    size_t len = size * n;
    const char *colon = memchr(p, ':', len);
    static const struct {
        const char *name;
        size_t off;
    } wanted[] = {
        {"x-amzn-requestid", offsetof(struct cs_http_resp, request_id)},
        {"x-amz-request-id", offsetof(struct cs_http_resp, request_id)},
        {"x-amzn-errortype", offsetof(struct cs_http_resp, error_type)},
        {"x-amz-bucket-region", offsetof(struct cs_http_resp, bucket_region)},
        {"content-type", offsetof(struct cs_http_resp, content_type)},
    };

    if (colon == NULL)
        return len;
    /* a new status line (after 100-continue or a proxy CONNECT) starts
     * the headers afresh: handled by curl; we keep the first values */
    size_t nlen = (size_t)(colon - p);
    const char *v = colon + 1;
    while (v < p + len && (*v == ' ' || *v == '\t'))
        v++;
    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
        if (strlen(wanted[i].name) == nlen &&
            strncasecmp(p, wanted[i].name, nlen) == 0)
            keep_header((char *)h->resp + wanted[i].off, v,
                        (size_t)(p + len - v));
    return len;
}

static cs_rc map_curl_error(cs_http_t *h, CURLcode c, const char *url,
                            struct cs_err *err)
{
    const char *why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(c);
    cs_rc rc;

    switch (c) {
    case CURLE_OPERATION_TIMEDOUT:
        rc = CS_ERR_TIMEOUT;
        break;
    case CURLE_WRITE_ERROR:
        rc = h->over_cap ? CS_ERR_LIMIT : CS_ERR_UNAVAILABLE;
        if (h->over_cap)
            why = "answer body over its size cap";
        break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        rc = CS_ERR_INVALID;
        break;
    default:
        rc = CS_ERR_UNAVAILABLE;
        break;
    }
    return cs_err_set(err, rc, "http: %.160s: %s", url, why);
}

static struct curl_slist *header_list(const char *const *headers, int *oom)
{
    struct curl_slist *list = NULL, *t;

    *oom = 0;
    /* no "Expect: 100-continue" round trip for bodies over 1 KiB */
    list = curl_slist_append(list, "Expect:");
    for (size_t i = 0; list && headers && headers[i]; i++) {
        t = curl_slist_append(list, headers[i]);
        if (t == NULL) {
            curl_slist_free_all(list);
            list = NULL;
            break;
        }
        list = t;
    }
    *oom = list == NULL;
    return list;
}

static void set_method(CURL *c, const struct cs_http_req *r)
{
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    if (strcmp(r->method, "GET") == 0 && r->body_len == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        return;
    }
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        return;
    }
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body ? r->body : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    if (strcmp(r->method, "POST") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
}

cs_rc cs_http_perform(cs_http_t *h, const struct cs_http_req *r,
                      struct cs_http_resp *resp, struct cs_err *err)
{
    CURL *c = h->curl;
    struct curl_slist *hdrs = NULL;
    CURLcode cc;
    int oom;
    cs_rc rc = CS_OK;

    resp->status = 0;
    resp->request_id[0] = resp->error_type[0] = '\0';
    resp->bucket_region[0] = resp->content_type[0] = '\0';
    cs_buf_reset(resp->body);
    if (r->method == NULL || r->url == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "http: no method or URL");
    hdrs = header_list(r->headers, &oom);
    if (oom)
        return cs_err_set(err, CS_ERR_NOMEM, "http: out of memory");
    h->resp = resp;
    h->over_cap = 0;
    h->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    set_method(c, r);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->ca_bundle)
        curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_bundle);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     r->connect_timeout_ms ? r->connect_timeout_ms
                                           : h->o.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     r->timeout_ms ? r->timeout_ms : h->o.timeout_ms);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "cellscan/0.1");
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        rc = map_curl_error(h, cc, r->url, err);
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
        /* guarantee a NUL-terminated (possibly empty) body */
        rc = cs_buf_append(resp->body, "", 0);
        if (rc != CS_OK)
            cs_err_set(err, rc, "http: out of memory");
    }
    /* the list is freed now: drop curl's pointer to it */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(hdrs);
    h->resp = NULL;
    return rc;
}

cs_rc cs_http_url_host(const char *url, char *out, size_t outlen,
                       struct cs_err *err)
{
    const char *h, *end;
    int https;
    size_t n;

    if (strncmp(url, "https://", 8) == 0) {
        https = 1;
        h = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        https = 0;
        h = url + 7;
    } else {
        return cs_err_set(err, CS_ERR_INVALID, "http: not an http(s) URL");
    }
    end = h + strcspn(h, "/?#");
    if (memchr(h, '@', (size_t)(end - h)))
        h = (const char *)memchr(h, '@', (size_t)(end - h)) + 1;
    n = (size_t)(end - h);
    /* drop the scheme's default port */
    if (n > 4 && https && strncmp(end - 4, ":443", 4) == 0)
        n -= 4;
    else if (n > 3 && !https && strncmp(end - 3, ":80", 3) == 0)
        n -= 3;
    if (n == 0)
        return cs_err_set(err, CS_ERR_INVALID, "http: URL has no host");
    if (n >= outlen)
        return cs_err_set(err, CS_ERR_LIMIT, "http: host too long");
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)h[i]);
    out[n] = '\0';
    return CS_OK;
}
