/* http.h: one thread's HTTP client over a reused libcurl easy handle, so
 * connections (and TLS sessions) are reused from call to call.
 *
 * TLS peer and host verification stay on (CA bundle configurable); connect
 * and total timeouts apply to every request; the answer body is capped;
 * proxies come from the standard variables libcurl reads (https_proxy,
 * HTTPS_PROXY, http_proxy, no_proxy, NO_PROXY); redirects are not followed.
 */
#ifndef CS_AWS_HTTP_H
#define CS_AWS_HTTP_H

#include <stddef.h>

#include "util/buf.h"

typedef struct cs_http_s cs_http_t;

struct cs_http_opts {
    const char *ca_bundle;   /* NULL or "" = the system default */
    long connect_timeout_ms;
    long timeout_ms;         /* whole request, connect included */
};

/* A client. CS_ERR_INTERNAL when curl cannot make a handle. Returns NULL on
 * error. Caller frees with cs_http_destroy. Not thread-safe: one per
 * thread. */
cs_http_t *cs_http_new(const struct cs_http_opts *o, struct cs_err *err);

/* Frees h (closing its connections). NULL is a no-op. */
void cs_http_destroy(cs_http_t *h);

struct cs_http_req {
    const char *method;          /* GET, HEAD, POST, PUT, DELETE, PATCH */
    const char *url;
    const char *const *headers;  /* "Name: value" lines, NULL-terminated; may be NULL */
    const void *body;
    size_t body_len;
    long timeout_ms;             /* 0 = the client's; else this request's total */
    long connect_timeout_ms;     /* 0 = the client's */
};

#define CS_HTTP_HDR_MAX 128

/* What came back. body is the caller's buffer (its cap is the size cap);
 * the header fields hold the first value of each, "" when absent. */
struct cs_http_resp {
    long status;
    struct cs_buf *body;
    char request_id[CS_HTTP_HDR_MAX];    /* x-amzn-RequestId or x-amz-request-id */
    char error_type[CS_HTTP_HDR_MAX];    /* x-amzn-ErrorType */
    char bucket_region[CS_HTTP_HDR_MAX]; /* x-amz-bucket-region */
    char content_type[CS_HTTP_HDR_MAX];
};

/* Sends r and reads the answer into resp (body reset first). Any HTTP
 * status is CS_OK. Errors: CS_ERR_TIMEOUT (connect or total timeout),
 * CS_ERR_UNAVAILABLE (cannot connect, connection reset, answer cut short,
 * TLS failure), CS_ERR_LIMIT (body over its cap), CS_ERR_INVALID (bad
 * method or URL); err carries curl's reason. */
cs_rc cs_http_perform(cs_http_t *h, const struct cs_http_req *r,
                      struct cs_http_resp *resp, struct cs_err *err);

/* Host value for a URL as SDKs sign it: lower-case host, ":port" only when
 * not the scheme's default, into out. CS_ERR_INVALID for a URL that is not
 * http(s)://host...; CS_ERR_LIMIT when outlen is too small. */
cs_rc cs_http_url_host(const char *url, char *out, size_t outlen,
                       struct cs_err *err);

#endif
