#include "aws/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/actions.h"
#include "aws/uri.h"
#include "aws/xml.h"
#include "util/clock.h"
#include "util/log.h"

#define CALL_MAX_HEADERS 12
#define HOST_MAX 300

/* What one call sends, built once and signed per attempt. */
struct wire {
    const struct cs_aws_service *svc;
    char region[CS_AWS_REGION_MAX];
    struct cs_aws_endpoint ep;
    const char *method;
    char host[HOST_MAX];
    size_t path_off;    /* where the path starts in cl->url */
    size_t query_off;   /* where the query starts ('?' excluded), or 0 */
    const char *content_type;
    char target[256];   /* X-Amz-Target, "" when none */
    const char *body;
    size_t body_len;
};

static cs_rc check_req(const struct cs_aws_req *req,
                       const struct cs_aws_service *svc, struct cs_err *err)
{
    int rest = svc->protocol == CS_AWS_PROTO_REST_JSON ||
               svc->protocol == CS_AWS_PROTO_REST_XML;

    if (!rest && (req->method || req->path || req->bucket))
        return cs_err_set(err, CS_ERR_INVALID,
                          "%s %s: method, path and bucket are for rest "
                          "protocols", req->service, req->operation);
    if (svc->protocol == CS_AWS_PROTO_JSON && req->nparams)
        return cs_err_set(err, CS_ERR_INVALID,
                          "%s %s: JSON 1.1 takes a body, not params",
                          req->service, req->operation);
    if ((svc->protocol == CS_AWS_PROTO_QUERY ||
         svc->protocol == CS_AWS_PROTO_EC2) && req->body)
        return cs_err_set(err, CS_ERR_INVALID,
                          "%s %s: query protocols take params, not a body",
                          req->service, req->operation);
    if (req->bucket && svc->protocol != CS_AWS_PROTO_REST_XML)
        return cs_err_set(err, CS_ERR_INVALID, "bucket is for s3 only");
    for (size_t i = 0; i < req->nparams; i++)
        if (req->params == NULL || req->params[i].name == NULL)
            return cs_err_set(err, CS_ERR_INVALID,
                              "%s %s: parameter %zu has no name",
                              req->service, req->operation, i);
    return CS_OK;
}

/* Virtual-hosted style needs a name that is one DNS label. */
static int bucket_virtual_ok(const char *b)
{
    size_t n = strlen(b);

    if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
        return 0;
    for (; *b; b++)
        if (!((*b >= 'a' && *b <= 'z') || (*b >= '0' && *b <= '9') ||
              *b == '-'))
            return 0;
    return 1;
}

static cs_rc build_rest(cs_aws_client_t *cl, const struct cs_aws_req *req,
                        struct wire *w)
{
    struct cs_buf *u = &cl->url;
    int virtual_host = req->bucket && !w->ep.overridden &&
                       bucket_virtual_ok(req->bucket);
    const char *url = w->ep.url;
    cs_rc rc;

    if (virtual_host) {
        const char *host = strstr(url, "://") + 3;
        rc = cs_buf_append(u, url, (size_t)(host - url));
        if (rc == CS_OK)
            rc = cs_buf_printf(u, "%s.%s", req->bucket, host);
    } else {
        rc = cs_buf_appends(u, url);
    }
    /* the path starts after scheme://host[:port] */
    const char *after = strstr(cs_buf_str(u), "://") + 3;
    w->path_off = (size_t)(strchrnul(after, '/') - cs_buf_str(u));
    if (rc == CS_OK && req->bucket && !virtual_host) {
        rc = cs_buf_appendc(u, '/');
        if (rc == CS_OK)
            rc = cs_uri_encode(u, req->bucket, strlen(req->bucket), NULL);
    }
    for (size_t i = 0; rc == CS_OK && req->path && req->path[i]; i++) {
        rc = cs_buf_appendc(u, '/');
        if (rc == CS_OK)
            rc = cs_uri_encode(u, req->path[i], strlen(req->path[i]), NULL);
    }
    if (rc == CS_OK && u->len == w->path_off)
        rc = cs_buf_appendc(u, '/');
    if (rc == CS_OK && req->nparams > 0) {
        struct cs_buf q = CS_BUF_INIT(64 * 1024);
        for (size_t i = 0; rc == CS_OK && i < req->nparams; i++)
            rc = cs_uri_query_add(&q, req->params[i].name,
                                  req->params[i].value);
        if (rc == CS_OK)
            rc = cs_buf_appendc(u, '?');
        w->query_off = u->len;
        if (rc == CS_OK)
            rc = cs_buf_append(u, q.ptr, q.len);
        cs_buf_free(&q);
    }
    w->method = req->method ? req->method : "GET";
    w->body = req->body;
    w->body_len = req->body && !req->body_len ? strlen(req->body)
                                              : req->body_len;
    if (w->body_len > 0)
        w->content_type = w->svc->protocol == CS_AWS_PROTO_REST_JSON
                              ? "application/json"
                              : "application/xml";
    return rc;
}

static cs_rc build_wire(cs_aws_client_t *cl, const struct cs_aws_req *req,
                        struct wire *w, struct cs_err *err)
{
    const struct cs_aws_service *svc = w->svc;
    cs_rc rc = CS_OK;

    cs_buf_reset(&cl->url);
    cs_buf_reset(&cl->body);
    w->query_off = 0;
    w->target[0] = '\0';
    w->content_type = NULL;
    if (svc->protocol == CS_AWS_PROTO_REST_JSON ||
        svc->protocol == CS_AWS_PROTO_REST_XML) {
        rc = build_rest(cl, req, w);
    } else {
        rc = cs_buf_printf(&cl->url, "%s/", w->ep.url);
        const char *after = strstr(cs_buf_str(&cl->url), "://") + 3;
        w->path_off = (size_t)(strchr(after, '/') - cs_buf_str(&cl->url));
        w->method = "POST";
    }
    if (rc == CS_OK && (svc->protocol == CS_AWS_PROTO_QUERY ||
                        svc->protocol == CS_AWS_PROTO_EC2)) {
        rc = cs_uri_query_add(&cl->body, "Action", req->operation);
        if (rc == CS_OK)
            rc = cs_uri_query_add(&cl->body, "Version", svc->api_version);
        for (size_t i = 0; rc == CS_OK && i < req->nparams; i++)
            rc = cs_uri_query_add(&cl->body, req->params[i].name,
                                  req->params[i].value ? req->params[i].value
                                                       : "");
        w->content_type = "application/x-www-form-urlencoded; charset=utf-8";
        w->body = cl->body.ptr;
        w->body_len = cl->body.len;
    } else if (rc == CS_OK && svc->protocol == CS_AWS_PROTO_JSON) {
        w->body = req->body ? req->body : "{}";
        w->body_len = req->body && req->body_len ? req->body_len
                                                 : strlen(w->body);
        w->content_type = "application/x-amz-json-1.1";
        snprintf(w->target, sizeof(w->target), "%s.%s", svc->target_prefix,
                 req->operation);
    }
    if (rc == CS_OK)
        rc = cs_http_url_host(cs_buf_str(&cl->url), w->host, sizeof(w->host),
                              err);
    else
        cs_err_set(err, rc, "%s %s: request too large", req->service,
                   req->operation);
    return rc;
}

/* Header lines for curl, in cl->hdrs, signing first unless unsigned. */
static cs_rc sign_and_headers(cs_aws_client_t *cl, const cs_aws_creds_t *creds,
                              const struct wire *w, unsigned flags,
                              const char **lines, struct cs_err *err)
{
    struct cs_sigv4_header h[3];
    struct cs_sigv4_creds cv;
    size_t nh = 0, off[CALL_MAX_HEADERS], n = 0;
    char date[CS_SIGV4_DATE_LEN + 1];
    const char *url = cs_buf_str(&cl->url);
    char *path = NULL;
    cs_rc rc = CS_OK;

    h[nh++] = (struct cs_sigv4_header){"Host", w->host};
    if (w->content_type)
        h[nh++] = (struct cs_sigv4_header){"Content-Type", w->content_type};
    if (w->target[0])
        h[nh++] = (struct cs_sigv4_header){"X-Amz-Target", w->target};
    cs_buf_reset(&cl->hdrs);
    if (!(flags & CS_AWS_CALL_UNSIGNED)) {
        size_t plen = (w->query_off ? w->query_off - 1 : cl->url.len) -
                      w->path_off;
        path = strndup(url + w->path_off, plen);
        if (path == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "aws: out of memory");
        cs_aws_creds_sign_view(creds, &cv);
        struct cs_sigv4_req sr = {
            .method = w->method, .host = w->host, .path = path,
            .query = w->query_off ? url + w->query_off : NULL,
            .headers = h, .nheaders = nh, .body = w->body,
            .body_len = w->body_len, .region = w->ep.signing_region,
            .service = w->svc->signing_name,
            .amz_date = cs_sigv4_date(cs_wall_ms(), date),
            .s3 = w->svc->protocol == CS_AWS_PROTO_REST_XML,
        };
        rc = cs_sigv4_sign(&sr, &cv, cl->keys, &cl->sig, err);
        free(path);
        if (rc != CS_OK)
            return rc;
    }
    for (size_t i = 0; rc == CS_OK && i < nh; i++) {
        off[n++] = cl->hdrs.len;
        rc = cs_buf_printf(&cl->hdrs, "%s: %s%c", h[i].name, h[i].value, 0);
    }
    if (rc == CS_OK && !(flags & CS_AWS_CALL_UNSIGNED)) {
        off[n++] = cl->hdrs.len;
        rc = cs_buf_printf(&cl->hdrs, "X-Amz-Date: %s%c", date, 0);
        if (rc == CS_OK && cv.session_token) {
            off[n++] = cl->hdrs.len;
            rc = cs_buf_printf(&cl->hdrs, "X-Amz-Security-Token: %s%c",
                               cv.session_token, 0);
        }
        if (rc == CS_OK && w->svc->protocol == CS_AWS_PROTO_REST_XML) {
            off[n++] = cl->hdrs.len;
            rc = cs_buf_printf(&cl->hdrs, "X-Amz-Content-SHA256: %s%c",
                               cl->sig.payload_hash, 0);
        }
        if (rc == CS_OK) {
            off[n++] = cl->hdrs.len;
            rc = cs_buf_printf(&cl->hdrs, "Authorization: %s%c",
                               cs_buf_str(&cl->sig.authorization), 0);
        }
    }
    if (rc != CS_OK)
        return cs_err_set(err, rc, "aws: headers too large");
    for (size_t i = 0; i < n; i++)
        lines[i] = cl->hdrs.ptr + off[i];
    lines[n] = NULL;
    return CS_OK;
}

/* One attempt's outcome as an error value (cleared on a 2xx answer). */
static void outcome(const struct wire *w, cs_rc hrc, const struct cs_err *herr,
                    const struct cs_http_resp *hr, struct cs_aws_error *e)
{
    if (hrc != CS_OK) {
        cs_aws_error_clear(e);
        snprintf(e->message, sizeof(e->message), "%s", herr->msg);
        /* botocore retries ConnectionError and HTTPClientError, timeouts
         * included; an oversized answer is not worth another try */
        e->transient = hrc == CS_ERR_TIMEOUT || hrc == CS_ERR_UNAVAILABLE;
        return;
    }
    if (hr->status >= 200 && hr->status < 300) {
        cs_aws_error_clear(e);
        e->http_status = (int)hr->status;
        snprintf(e->request_id, sizeof(e->request_id), "%s", hr->request_id);
        return;
    }
    cs_aws_error_parse(w->svc->protocol, (int)hr->status, hr->body->ptr,
                       hr->body->len, hr->error_type, hr->request_id, e);
}

static void backoff(cs_aws_client_t *cl, int attempt)
{
    double r = (double)rand_r(&cl->rng) / ((double)RAND_MAX + 1.0);

    cs_sleep_ms((int64_t)(cs_aws_retry_delay_s(attempt, r) * 1000.0), NULL);
}

struct attempt_state {
    struct cs_aws_limit *limit; /* NULL in legacy mode */
    int quota_taken;            /* amount of the last retry acquisition */
    char redirect[CS_AWS_REGION_MAX]; /* S3: the bucket's region, when wrong */
};

static cs_rc on_region(void *ud, int id, enum cs_xml_event ev, const char *text,
                       size_t len, struct cs_err *err)
{
    char *out = ud;

    (void)id;
    (void)ev;
    (void)err;
    snprintf(out, CS_AWS_REGION_MAX, "%.*s", (int)len, text);
    return CS_OK;
}

/* S3 answers a request signed for the wrong region with 301
 * PermanentRedirect or 400 AuthorizationHeaderMalformed naming the
 * bucket's region (header or <Region>); botocore re-sends there once. */
static void s3_redirect_hint(const struct wire *w, const struct cs_http_resp *hr,
                             const struct cs_aws_error *e, char *out)
{
    static const struct cs_xml_rule rule[] = {{"Error/Region", 1, CS_XML_TEXT}};
    char region[CS_AWS_REGION_MAX] = "";

    out[0] = '\0';
    if (w->svc->protocol != CS_AWS_PROTO_REST_XML ||
        (hr->status != 301 && hr->status != 400) ||
        (strcmp(e->code, "PermanentRedirect") != 0 &&
         strcmp(e->code, "AuthorizationHeaderMalformed") != 0 &&
         strcmp(e->code, "301") != 0))
        return;
    if (hr->bucket_region[0])
        snprintf(region, sizeof(region), "%.31s", hr->bucket_region);
    else
        cs_xml_parse(rule, 1, on_region, region, hr->body->ptr, hr->body->len,
                     NULL);
    if (cs_aws_region_valid(region) && strcmp(region, w->region) != 0)
        memcpy(out, region, sizeof(region));
}

static void log_attempt(const struct wire *w, const char *op, int attempt,
                        cs_rc hrc, const struct cs_http_resp *hr,
                        const struct cs_aws_error *e, int64_t us)
{
    if (cs_log_min_level() > CS_LOG_DEBUG)
        return;
    cs_log(NULL, CS_LOG_DEBUG,
           "aws %s %s %s attempt %d: %s%ld%s%s request id %s (%lld us)",
           w->svc->name, op, w->region, attempt, hrc ? "failed " : "HTTP ",
           hrc ? 0L : hr->status, e->code[0] || hrc ? " " : "",
           hrc ? e->message : e->code,
           e->request_id[0] ? e->request_id : "-", (long long)us);
}

/* Sends until success, a non-retryable answer, max attempts or an empty
 * retry quota. Returns the last attempt's transport code. */
static cs_rc attempts(cs_aws_client_t *cl, const cs_aws_creds_t *creds,
                      const struct wire *w, const char *op, unsigned flags,
                      struct attempt_state *st, struct cs_aws_resp *resp,
                      struct cs_aws_stats *stats, struct cs_aws_error *e,
                      struct cs_err *err)
{
    cs_aws_t *aws = cl->aws;
    const char *lines[CALL_MAX_HEADERS + 1];
    struct cs_http_resp hr = {.body = &resp->body};
    struct cs_err herr = CS_ERR_INIT;
    int adaptive = aws->retry_mode == CS_AWS_RETRY_ADAPTIVE;
    cs_rc hrc = CS_OK;

    for (int attempt = 1;; attempt++) {
        if (adaptive)
            stats->rate_wait_us += (uint64_t)cs_aws_rate_acquire(st->limit->rate);
        cs_rc src = sign_and_headers(cl, creds, w, flags, lines, err);
        if (src != CS_OK)
            return src;
        struct cs_http_req r = {w->method, cs_buf_str(&cl->url), lines,
                                w->body, w->body_len, 0, 0};
        cs_err_clear(&herr);
        int64_t t0 = cs_mono_us();
        hrc = cs_http_perform(cl->http, &r, &hr, &herr);
        stats->requests++;
        outcome(w, hrc, &herr, &hr, e);
        log_attempt(w, op, attempt, hrc, &hr, e, cs_mono_us() - t0);
        resp->http_status = (int)hr.status;
        snprintf(resp->request_id, sizeof(resp->request_id), "%s",
                 e->request_id[0] ? e->request_id : hr.request_id);
        snprintf(resp->bucket_region, sizeof(resp->bucket_region), "%.31s",
                 hr.bucket_region);
        if (adaptive)
            cs_aws_rate_update(st->limit->rate, e->throttle);
        if (e->throttle)
            stats->throttles++;
        if (hrc == CS_OK && hr.status >= 200 && hr.status < 300) {
            if (st->limit)
                cs_aws_retry_quota_release(&st->limit->quota,
                                           st->quota_taken ? st->quota_taken
                                                           : CS_AWS_RETRY_NO_RETRY_INCREMENT);
            return CS_OK;
        }
        if (hrc == CS_OK && st->redirect[0] == '\0' &&
            (s3_redirect_hint(w, &hr, e, st->redirect), st->redirect[0]))
            return CS_OK;
        if (attempt >= aws->max_attempts ||
            !cs_aws_retry_retryable(aws->retry_mode, w->svc->name, e))
            break;
        if (st->limit) {
            st->quota_taken = cs_aws_retry_quota_acquire(
                &st->limit->quota, hrc == CS_ERR_TIMEOUT);
            if (st->quota_taken == 0)
                break;
        }
        stats->retries++;
        backoff(cl, attempt);
    }
    if (err && hrc != CS_OK)
        *err = herr;
    return hrc;
}

static cs_rc final_error(const struct cs_aws_req *req, const struct wire *w,
                         cs_rc hrc, const struct cs_aws_error *e,
                         struct cs_err *err)
{
    if (hrc != CS_OK) {
        cs_err_prefix(err, "%s %s in %s", req->service, req->operation,
                      w->region);
        return hrc;
    }
    return cs_err_set(err, e->denied ? CS_ERR_DENIED : CS_ERR_AWS,
                      "%s %s in %s: %s (HTTP %d%s%s)%s%.200s", req->service,
                      req->operation, w->region, e->code, e->http_status,
                      e->request_id[0] ? ", request id " : "", e->request_id,
                      e->message[0] ? ": " : "", e->message);
}

cs_rc cs_aws_call_flags(cs_aws_client_t *cl, const cs_aws_creds_t *creds,
                        const struct cs_aws_req *req, unsigned flags,
                        struct cs_aws_resp *resp, struct cs_aws_stats *stats,
                        struct cs_aws_error *aerr, struct cs_err *err)
{
    cs_aws_t *aws = cl->aws;
    struct cs_aws_error local_e = CS_AWS_ERROR_INIT;
    struct cs_aws_stats local_s = {0};
    struct cs_aws_resp local_r = CS_AWS_RESP_INIT;
    struct cs_aws_error *e = aerr ? aerr : &local_e;
    struct cs_aws_stats *s = stats ? stats : &local_s;
    struct attempt_state st = {NULL, 0, {0}};
    cs_aws_creds_t *base = NULL;
    struct wire w;
    int64_t t0 = cs_mono_us();
    cs_rc rc;

    cs_aws_error_clear(e);
    memset(&w, 0, sizeof(w));
    if (resp == NULL)
        resp = &local_r;
    if (req == NULL || req->service == NULL || req->operation == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "aws: no service or operation");
    /* read-only by construction: nothing outside actions.def leaves */
    if (cs_aws_action_find(req->service, req->operation) == NULL) {
        rc = cs_err_set(err, CS_ERR_INVALID,
                        "%.40s %.80s is not in the allowed action list "
                        "(lib/aws/actions.def); refused before sending",
                        req->service, req->operation);
        goto done;
    }
    w.svc = cs_aws_service_find(req->service);
    if (w.svc == NULL) {
        rc = cs_err_set(err, CS_ERR_INVALID, "aws: unknown service %.40s",
                        req->service);
        goto done;
    }
    snprintf(w.region, sizeof(w.region), "%s",
             req->region ? req->region : aws->region);
    rc = check_req(req, w.svc, err);
    if (rc == CS_OK)
        rc = cs_aws_endpoint_resolve(aws->endpoints, w.svc, w.region, &w.ep,
                                     err);
    if (rc == CS_OK && creds == NULL && !(flags & CS_AWS_CALL_UNSIGNED)) {
        rc = cs_aws_base_creds(cl, &base, err);
        creds = base;
    }
    if (rc == CS_OK)
        rc = build_wire(cl, req, &w, err);
    if (rc != CS_OK)
        goto done;
    if (aws->retry_mode != CS_AWS_RETRY_LEGACY) {
        st.limit = cs_aws_limits_get(aws->limits, req->account_id,
                                     w.svc->name, w.region);
        if (st.limit == NULL) {
            rc = cs_err_set(err, CS_ERR_NOMEM, "aws: out of memory");
            goto done;
        }
    }
    s->calls++;
    rc = attempts(cl, creds, &w, req->operation, flags, &st, resp, s, e, err);
    if (rc == CS_OK && st.redirect[0]) {
        /* once, to the bucket's own region */
        snprintf(w.region, sizeof(w.region), "%s", st.redirect);
        rc = cs_aws_endpoint_resolve(aws->endpoints, w.svc, w.region, &w.ep,
                                     err);
        if (rc == CS_OK)
            rc = build_wire(cl, req, &w, err);
        if (rc != CS_OK)
            goto done;
        st.redirect[0] = '\1'; /* no second redirect */
        rc = attempts(cl, creds, &w, req->operation, flags, &st, resp, s, e,
                      err);
    }
    if (rc == CS_OK && e->http_status >= 200 && e->http_status < 300)
        goto done;
    rc = final_error(req, &w, rc, e, err);
    s->errors++;
    if (rc == CS_ERR_DENIED)
        s->denied++;
    /* base credentials that expired early: refetch on the next call */
    if (base && e->expired)
        cs_aws_forget(aws, base);
done:
    {
        uint64_t us = (uint64_t)(cs_mono_us() - t0);
        s->latency_us += us;
        if (us > s->latency_max_us)
            s->latency_max_us = us;
    }
    cs_aws_creds_unref(base);
    cs_aws_resp_free(&local_r);
    return rc;
}

cs_rc cs_aws_call(cs_aws_client_t *cl, const cs_aws_creds_t *creds,
                  const struct cs_aws_req *req, struct cs_aws_resp *resp,
                  struct cs_aws_stats *stats, struct cs_aws_error *aerr,
                  struct cs_err *err)
{
    return cs_aws_call_flags(cl, creds, req, 0, resp, stats, aerr, err);
}
