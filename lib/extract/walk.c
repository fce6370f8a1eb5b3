#include "extract/walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/restype.h"
#include "util/clock.h"

#define WALK_MAX_PARAMS 8
/* Largest JSON request body an extractor sends (a token and a few ARNs). */
#define WALK_MAX_BODY (64 * 1024)

static const char *const gone_codes[] = {
    "ResourceNotFoundException", "ClusterNotFoundException",
    "ServiceNotFoundException", "NoSuchBucket", NULL};

static void copy_code(char *dst, const char *code)
{
    snprintf(dst, CS_AWS_CODE_MAX, "%s", code ? code : "");
}

void cs_walk_init(struct cs_walk *w)
{
    struct cs_aws_resp r = CS_AWS_RESP_INIT;
    struct cs_tagset t = CS_TAGSET_INIT;

    w->creds = NULL;
    w->stopped = 0;
    w->stop_code[0] = '\0';
    w->fatal = CS_OK;
    cs_err_clear(&w->fatal_err);
    memset(&w->outside, 0, sizeof(w->outside));
    w->resp = r;
    w->tags = t;
}

void cs_walk_release(struct cs_walk *w)
{
    if (w == NULL)
        return;
    cs_aws_resp_free(&w->resp);
    cs_tagset_free(&w->tags);
    cs_aws_creds_unref(w->creds);
    w->creds = NULL;
}

int cs_walk_should_stop(struct cs_walk *w)
{
    if (!w->stopped &&
        ((w->cancel != NULL && *w->cancel) ||
         (w->deadline_ms > 0 && cs_mono_ms() >= w->deadline_ms)))
        w->stopped = 1;
    return w->stopped;
}

/* Replaces an expired session; the old one is kept if that fails, so a
 * call is never sent with the scanner's own credentials by mistake. */
static cs_rc renew_session(struct cs_walk *w, struct cs_err *err)
{
    cs_aws_creds_t *fresh = NULL;
    struct cs_aws_stats st = {0};
    cs_rc rc;

    cs_aws_forget(cs_aws_client_context(w->cl), w->creds);
    rc = cs_aws_assume_ex(w->cl, w->assume, &fresh, &st, NULL, err);
    cs_aws_stats_add(&w->outside, &st);
    if (w->on_stats && st.calls)
        w->on_stats(w->ud, "sts", &st);
    if (rc != CS_OK)
        return rc;
    cs_aws_creds_unref(w->creds);
    w->creds = fresh;
    return CS_OK;
}

/* Pauses before resuming a throttled page: doubling from
 * CS_WALK_RESUME_PAUSE_MS, never past the time limit. */
static void resume_pause(struct cs_walk *w, int round)
{
    int64_t ms = (int64_t)CS_WALK_RESUME_PAUSE_MS << round;

    if (w->deadline_ms > 0 && w->deadline_ms - cs_mono_ms() < ms)
        ms = w->deadline_ms - cs_mono_ms();
    if (ms > 0)
        cs_sleep_ms(ms, w->cancel);
}

cs_rc cs_walk_call(struct cs_walk *w, const struct cs_aws_req *req, int resume,
                   struct cs_aws_stats *stats, struct cs_aws_error *aerr,
                   struct cs_err *err)
{
    struct cs_aws_error local = CS_AWS_ERROR_INIT;
    int renewed = 0, round = 0;
    cs_rc rc;

    if (aerr == NULL)
        aerr = &local;
    cs_aws_error_clear(aerr);
    for (;;) {
        if (cs_walk_should_stop(w))
            return cs_err_set(err, CS_ERR_TIMEOUT, "%s %s: cell time limit reached",
                              req->service, req->operation);
        rc = cs_aws_call(w->cl, w->creds, req, &w->resp, stats, aerr, err);
        if (rc == CS_OK)
            return CS_OK;
        if (aerr->expired && !renewed) {
            renewed = 1;
            if (renew_session(w, NULL) == CS_OK)
                continue;
            return rc;
        }
        if (resume && aerr->throttle && round < CS_WALK_RESUMES) {
            resume_pause(w, round++);
            if (cs_walk_should_stop(w))
                copy_code(w->stop_code, aerr->code);
            continue;
        }
        return rc;
    }
}

/* --------------------------------------------------------------- regions */

void cs_walk_region_begin(struct cs_walk *w, struct cs_walk_region *rw,
                          const char *region)
{
    (void)w;
    memset(rw, 0, sizeof(*rw));
    rw->region = region;
    rw->always_enabled = cs_region_always_enabled(region);
    rw->started_ms = cs_mono_ms();
}

void cs_walk_region_fail(struct cs_walk *w, struct cs_walk_region *rw,
                         const char *service, cs_rc rc,
                         const struct cs_aws_error *aerr)
{
    if (rw->failed || w->stopped || w->fatal != CS_OK)
        return;
    rw->failed = 1;
    rw->status = cs_region_failure_status(service, rc, aerr,
                                          rw->answered == 0 && rw->evaluated == 0,
                                          rw->always_enabled);
    copy_code(rw->error_code, aerr ? aerr->code : NULL);
}

static cs_rc report(struct cs_walk *w, const struct cs_region_outcome *o)
{
    cs_rc rc = cs_cell_region(w->cell, o, &w->fatal_err);

    if (rc != CS_OK && w->fatal == CS_OK)
        w->fatal = rc;
    return rc;
}

cs_rc cs_walk_region_end(struct cs_walk *w, struct cs_walk_region *rw,
                         const char *service)
{
    struct cs_region_outcome o;

    memset(&o, 0, sizeof(o));
    o.region = rw->region;
    o.status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK;
    if (rw->failed) {
        o.status = rw->status;
        o.error_code = rw->error_code;
        /* evaluated, then failed: partial, whatever failed first */
        if (rw->evaluated > 0)
            o.status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_PARTIAL;
    } else if (w->stopped) {
        o.status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_PARTIAL;
    }
    o.api_call_count = rw->stats.calls;
    o.retry_count = rw->stats.retries;
    o.throttle_events = rw->stats.throttles;
    o.wall_time_ms = rw->timed_by_calls ? rw->stats.latency_us / 1000
                                        : (uint64_t)(cs_mono_ms() - rw->started_ms);
    if (w->on_stats && rw->stats.calls > 0)
        w->on_stats(w->ud, service, &rw->stats);
    return report(w, &o);
}

cs_rc cs_walk_region_skip(struct cs_walk *w, const char *region,
                          Cellscan__V1__EvidenceStatus status,
                          const char *error_code)
{
    struct cs_region_outcome o;

    memset(&o, 0, sizeof(o));
    o.region = region;
    o.status = status;
    o.error_code = error_code;
    return report(w, &o);
}

cs_rc cs_walk_regions(struct cs_walk *w, const char *service,
                      cs_rc (*fn)(struct cs_walk *w, struct cs_walk_region *rw))
{
    struct cs_walk_region rw;
    size_t i;

    for (i = 0; i < w->nregions && w->fatal == CS_OK; i++) {
        /* at the limit the regions not reached get no outcome */
        if (cs_walk_should_stop(w))
            break;
        if (w->enabled[i] == CS_REGION_NOT_ENABLED) {
            cs_walk_region_skip(w, w->regions[i],
                                CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NOT_ENABLED,
                                NULL);
            continue;
        }
        cs_walk_region_begin(w, &rw, w->regions[i]);
        fn(w, &rw);
        if (w->fatal == CS_OK)
            cs_walk_region_end(w, &rw, service);
    }
    return w->fatal;
}

/* ------------------------------------------------------------- resources */

cs_rc cs_walk_fail_cell(struct cs_walk *w, cs_rc rc, const struct cs_err *err)
{
    if (w->fatal == CS_OK) {
        w->fatal = rc;
        if (err)
            w->fatal_err = *err;
        else
            cs_err_set(&w->fatal_err, rc, "cell: %s", cs_rc_name(rc));
    }
    return rc;
}

cs_rc cs_walk_resource(void *ud, const char *id, const struct cs_tag *tags,
                       size_t ntags, struct cs_err *err)
{
    struct cs_walk_sink *s = ud;
    struct cs_walk *w = s->w;
    char arn[CS_PAGE_ID_MAX + 256];
    char type[CS_RESTYPE_MAX];
    struct cs_resource r;
    cs_rc rc;

    if (s->ec2_kind)
        snprintf(arn, sizeof(arn), "arn:%s:ec2:%s:%s:%s/%s", w->partition,
                 s->rw->region, w->account, s->ec2_kind, id);
    else
        snprintf(arn, sizeof(arn), "%s", s->arn ? s->arn : id);
    if (s->type) {
        snprintf(type, sizeof(type), "%s", s->type);
    } else {
        /* an ARN the policy cannot type is a malformed answer */
        rc = cs_restype_from_arn(arn, type, sizeof(type), err);
        if (rc != CS_OK)
            return rc == CS_ERR_LIMIT ? CS_ERR_LIMIT : CS_ERR_PARSE;
        if (s->skip_covered && cs_restype_covered(type, w->scan_categories, w->nscan))
            return CS_OK;
    }
    memset(&r, 0, sizeof(r));
    r.arn = arn;
    r.type = type;
    r.region = s->rw->region;
    r.account_id = w->account;
    r.tags = tags;
    r.ntags = ntags;
    rc = cs_cell_eval(w->cell, w->policy, &r, err);
    if (rc != CS_OK)
        return cs_walk_fail_cell(w, rc, err);
    s->rw->evaluated++;
    return CS_OK;
}

/* ------------------------------------------------------------- listings */

/* What to do with each page of a listing. */
typedef cs_rc (*page_fn)(void *ud, const char *body, size_t len, char *next,
                         size_t nextlen, struct cs_err *err);

/* The request for the page after token ("" = the first). */
static cs_rc page_request(const struct cs_walk_listing *l, const char *region,
                          const char *account, const char *token,
                          struct cs_aws_param *params, struct cs_buf *body,
                          struct cs_aws_req *req, struct cs_err *err)
{
    json_t *b = NULL;
    char *text = NULL;
    size_t n = l->nparams;
    cs_rc rc = CS_OK;

    memset(req, 0, sizeof(*req));
    req->service = l->service;
    req->operation = l->operation;
    req->region = region;
    req->account_id = account;
    req->path = l->path;
    if (n >= WALK_MAX_PARAMS)
        return cs_err_set(err, CS_ERR_INVALID, "%s: too many parameters", l->operation);
    if (n > 0)
        memcpy(params, l->params, n * sizeof(*params));
    if (token[0] && !l->token_in_body)
        params[n++] = (struct cs_aws_param){l->token, token};
    req->params = n ? params : NULL;
    req->nparams = n;
    if (l->body == NULL && !l->token_in_body)
        return CS_OK;
    b = l->body ? json_deep_copy(l->body) : json_object();
    if (b != NULL && token[0] && json_object_set_new(b, l->token, json_string(token)) != 0) {
        json_decref(b);
        b = NULL;
    }
    text = b ? json_dumps(b, JSON_COMPACT) : NULL;
    cs_buf_reset(body);
    if (text == NULL)
        rc = cs_err_set(err, CS_ERR_NOMEM, "%s: out of memory", l->operation);
    else if (cs_buf_appends(body, text) != CS_OK)
        rc = cs_err_set(err, CS_ERR_LIMIT, "%s: request body too long", l->operation);
    else
        req->body = cs_buf_str(body);
    free(text);
    json_decref(b);
    return rc;
}

/* Follows every token of l in rw's region, handing each page to fn. */
static cs_rc walk_pages(struct cs_walk *w, struct cs_walk_region *rw,
                        const struct cs_walk_listing *l, page_fn fn, void *ud)
{
    struct cs_aws_param params[WALK_MAX_PARAMS];
    struct cs_buf body = CS_BUF_INIT(WALK_MAX_BODY);
    struct cs_aws_error aerr = CS_AWS_ERROR_INIT;
    struct cs_err err = CS_ERR_INIT;
    struct cs_aws_req req;
    char token[CS_PAGE_TOKEN_MAX] = "", next[CS_PAGE_TOKEN_MAX];
    cs_rc rc;

    for (;;) {
        rc = page_request(l, rw->region, w->account, token, params, &body, &req, &err);
        if (rc != CS_OK) {
            cs_walk_fail_cell(w, rc, &err);
            break;
        }
        rc = cs_walk_call(w, &req, 1, &rw->stats, &aerr, &err);
        if (rc != CS_OK) {
            cs_walk_region_fail(w, rw, l->service, rc, &aerr);
            break;
        }
        rc = fn(ud, w->resp.body.ptr, w->resp.body.len, next, sizeof(next), &err);
        if (rc != CS_OK) {
            /* a failure inside (a describe call, the accumulator) is
             * recorded where it happened; what is left is this page */
            cs_walk_region_fail(w, rw, l->service, rc, NULL);
            break;
        }
        rw->answered++;
        if (next[0] == '\0')
            break;
        if (strcmp(next, token) == 0) {
            rc = CS_ERR_PARSE;
            cs_walk_region_fail(w, rw, l->service, rc, NULL);
            break;
        }
        memcpy(token, next, strlen(next) + 1);
    }
    cs_buf_free(&body);
    return rc;
}

struct resource_pages {
    struct cs_walk *w;
    enum cs_page_kind kind;
    struct cs_walk_sink *sink;
};

static cs_rc on_resource_page(void *ud, const char *body, size_t len,
                              char *next, size_t nextlen, struct cs_err *err)
{
    struct resource_pages *p = ud;

    return cs_page_resources(p->kind, body, len, &p->w->tags, cs_walk_resource,
                             p->sink, next, nextlen, err);
}

cs_rc cs_walk_list_resources(struct cs_walk *w, struct cs_walk_region *rw,
                             const struct cs_walk_listing *l,
                             enum cs_page_kind k, struct cs_walk_sink *sink)
{
    struct resource_pages p = {w, k, sink};

    return walk_pages(w, rw, l, on_resource_page, &p);
}

struct name_pages {
    enum cs_list_kind kind;
    struct cs_strlist *names;
    cs_rc (*on_names)(void *ud, const struct cs_strlist *names);
    void *ud;
};

static cs_rc collect_name(void *ud, const char *name, size_t len,
                          struct cs_err *err)
{
    return cs_strlist_add(ud, name, len, err);
}

static cs_rc on_name_page(void *ud, const char *body, size_t len, char *next,
                          size_t nextlen, struct cs_err *err)
{
    struct name_pages *p = ud;
    cs_rc rc;

    cs_strlist_reset(p->names);
    rc = cs_page_names(p->kind, body, len, collect_name, p->names, next, nextlen, err);
    /* the page is read whole before the describe calls reuse the answer */
    if (rc == CS_OK)
        rc = p->on_names(p->ud, p->names);
    return rc;
}

cs_rc cs_walk_list_names(struct cs_walk *w, struct cs_walk_region *rw,
                         const struct cs_walk_listing *l, enum cs_list_kind k,
                         struct cs_strlist *names,
                         cs_rc (*on_names)(void *ud, const struct cs_strlist *names),
                         void *ud)
{
    struct name_pages p = {k, names, on_names, ud};

    return walk_pages(w, rw, l, on_name_page, &p);
}

static int is_gone(const char *code)
{
    for (size_t i = 0; gone_codes[i]; i++)
        if (strcmp(code, gone_codes[i]) == 0)
            return 1;
    return 0;
}

cs_rc cs_walk_describe(struct cs_walk *w, struct cs_walk_region *rw,
                       const struct cs_aws_req *req, enum cs_page_kind k,
                       struct cs_walk_sink *sink)
{
    struct cs_aws_error aerr = CS_AWS_ERROR_INIT;
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc = cs_walk_call(w, req, 1, &rw->stats, &aerr, &err);

    if (rc == CS_OK) {
        rc = cs_page_resources(k, w->resp.body.ptr, w->resp.body.len, &w->tags,
                               cs_walk_resource, sink, NULL, 0, &err);
    } else if (rc == CS_ERR_AWS && sink->no_tags_code &&
               strcmp(aerr.code, sink->no_tags_code) == 0) {
        rc = cs_walk_resource(sink, "", NULL, 0, &err);
    } else if (rc == CS_ERR_AWS && is_gone(aerr.code)) {
        rc = CS_OK;
    } else {
        cs_walk_region_fail(w, rw, req->service, rc, &aerr);
        return rc;
    }
    if (rc != CS_OK) {
        /* the answer did not parse (the accumulator's faults are fatal) */
        cs_walk_region_fail(w, rw, req->service, rc, NULL);
        return rc;
    }
    rw->answered++;
    return CS_OK;
}

struct each {
    struct cs_walk *w;
    struct cs_walk_region *rw;
    const struct cs_walk_each *e;
};

static cs_rc describe_each(void *ud, const struct cs_strlist *names)
{
    const struct each *x = ud;
    const struct cs_walk_each *e = x->e;
    const char *path[5];
    size_t i, n;
    cs_rc rc = CS_OK;

    for (n = 0; n < 3 && e->path[n]; n++)
        path[n] = e->path[n];
    path[n + 1] = NULL;
    for (i = 0; i < names->n && rc == CS_OK; i++) {
        const char *name = cs_strlist_at(names, i);
        struct cs_aws_req req = {.service = e->list.service, .operation = e->operation,
                                 .region = x->rw->region, .account_id = x->w->account,
                                 .path = path};
        struct cs_walk_sink sink = {.w = x->w, .rw = x->rw, .type = e->type,
                                    .arn = e->name_is_arn ? name : NULL};
        path[n] = name;
        rc = cs_walk_describe(x->w, x->rw, &req, e->kind, &sink);
    }
    return rc;
}

cs_rc cs_walk_list_each(struct cs_walk *w, struct cs_walk_region *rw,
                        const struct cs_walk_each *e)
{
    struct cs_strlist names = CS_STRLIST_INIT;
    struct each x = {w, rw, e};
    cs_rc rc = cs_walk_list_names(w, rw, &e->list, e->list_kind, &names, describe_each, &x);

    cs_strlist_free(&names);
    return rc;
}
