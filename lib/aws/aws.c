#include "aws/context.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/session.h"
#include "util/clock.h"

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static void free_settings(cs_aws_t *a)
{
    free(a->region);
    free(a->role_name);
    free(a->role_arn_template);
    free(a->external_id);
    free(a->org_role_arn);
    free(a->worker_id);
    free(a->ca_bundle);
}

cs_aws_t *cs_aws_new(const struct cs_config *cfg, struct cs_err *err)
{
    cs_aws_t *a = calloc(1, sizeof(*a));

    if (a == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "aws: out of memory");
        return NULL;
    }
    a->region = dup_or_empty(cfg->aws_region);
    a->role_name = dup_or_empty(cfg->role_name);
    a->role_arn_template = dup_or_empty(cfg->role_arn_template);
    a->external_id = dup_or_empty(cfg->external_id);
    a->org_role_arn = dup_or_empty(cfg->org_role_arn);
    a->worker_id = dup_or_empty(cfg->worker_id);
    a->ca_bundle = dup_or_empty(cfg->ca_bundle);
    if (!a->region || !a->role_name || !a->role_arn_template ||
        !a->external_id || !a->org_role_arn || !a->worker_id ||
        !a->ca_bundle) {
        cs_err_set(err, CS_ERR_NOMEM, "aws: out of memory");
        goto fail;
    }
    if (!cs_aws_region_valid(a->region)) {
        cs_err_set(err, CS_ERR_INVALID,
                   "AWS_REGION '%.40s' is not a region name", a->region);
        goto fail;
    }
    if (cs_aws_retry_mode_parse(cfg->aws_retry_mode, &a->retry_mode) != 0) {
        cs_err_set(err, CS_ERR_INVALID,
                   "AWS_RETRY_MODE must be standard, adaptive or legacy");
        goto fail;
    }
    a->max_attempts = cfg->aws_max_attempts > 0 ? cfg->aws_max_attempts : 3;
    a->connect_timeout_ms = (long)cfg->http_connect_timeout_s * 1000;
    a->timeout_ms = (long)cfg->http_timeout_s * 1000;
    a->session_duration_s = cfg->session_duration_s;
    a->endpoints = cs_aws_endpoints_new(err);
    if (a->endpoints == NULL)
        goto fail;
    a->limits = cs_aws_limits_new();
    a->sessions = cs_aws_sessions_new();
    if (a->limits == NULL || a->sessions == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "aws: out of memory");
        goto fail;
    }
    a->chain = cs_aws_chain_new(err);
    if (a->chain == NULL)
        goto fail;
    return a;
fail:
    cs_aws_destroy(a);
    return NULL;
}

void cs_aws_destroy(cs_aws_t *a)
{
    if (a == NULL)
        return;
    cs_aws_sessions_destroy(a->sessions);
    cs_aws_chain_destroy(a->chain);
    cs_aws_limits_destroy(a->limits);
    cs_aws_endpoints_destroy(a->endpoints);
    free_settings(a);
    free(a);
}

void cs_aws_set_clock(cs_aws_t *a, int64_t (*fn)(void *ud), void *ud)
{
    a->clock = fn;
    a->clock_ud = ud;
}

int64_t cs_aws_now_ms(const cs_aws_t *a)
{
    return a->clock ? a->clock(a->clock_ud) : cs_wall_ms();
}

cs_aws_client_t *cs_aws_client_new(cs_aws_t *aws, struct cs_err *err)
{
    cs_aws_client_t *cl = calloc(1, sizeof(*cl));
    struct cs_http_opts o;

    if (cl == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "aws: out of memory");
        return NULL;
    }
    cl->aws = aws;
    o.ca_bundle = aws->ca_bundle;
    o.connect_timeout_ms = aws->connect_timeout_ms;
    o.timeout_ms = aws->timeout_ms;
    cl->http = cs_http_new(&o, err);
    cl->keys = cs_sigv4_cache_new();
    if (cl->http == NULL || cl->keys == NULL) {
        if (cl->keys == NULL)
            cs_err_set(err, CS_ERR_NOMEM, "aws: out of memory");
        cs_aws_client_destroy(cl);
        return NULL;
    }
    cs_sigv4_signed_init(&cl->sig);
    cs_buf_init_secret(&cl->body, CS_AWS_MAX_REQUEST);
    cs_buf_init(&cl->url, 64 * 1024);
    cs_buf_init_secret(&cl->hdrs, 64 * 1024);
    cl->rng = (unsigned)time(NULL) ^ (unsigned)getpid() ^
              (unsigned)(uintptr_t)cl;
    return cl;
}

void cs_aws_client_destroy(cs_aws_client_t *cl)
{
    if (cl == NULL)
        return;
    cs_http_destroy(cl->http);
    cs_sigv4_cache_destroy(cl->keys);
    cs_sigv4_signed_free(&cl->sig);
    cs_buf_free(&cl->body);
    cs_buf_free(&cl->url);
    cs_buf_free(&cl->hdrs);
    free(cl);
}

cs_aws_t *cs_aws_client_context(const cs_aws_client_t *cl)
{
    return cl->aws;
}

void cs_aws_resp_free(struct cs_aws_resp *r)
{
    if (r)
        cs_buf_free(&r->body);
}

void cs_aws_stats_add(struct cs_aws_stats *into,
                      const struct cs_aws_stats *from)
{
    into->calls += from->calls;
    into->requests += from->requests;
    into->retries += from->retries;
    into->throttles += from->throttles;
    into->errors += from->errors;
    into->denied += from->denied;
    into->latency_us += from->latency_us;
    into->rate_wait_us += from->rate_wait_us;
    if (from->latency_max_us > into->latency_max_us)
        into->latency_max_us = from->latency_max_us;
}

static int account_id_valid(const char *s)
{
    size_t n = 0;

    for (; s && s[n]; n++)
        if (s[n] < '0' || s[n] > '9')
            return 0;
    return n == 12;
}

/* Appends template with {partition}, {account_id} and {role_name}
 * replaced. */
static cs_rc expand_template(struct cs_buf *b, const char *t,
                             const char *partition, const char *account,
                             const char *role)
{
    static const char *const names[] = {"{partition}", "{account_id}",
                                        "{role_name}"};
    const char *values[] = {partition, account, role};
    cs_rc rc = CS_OK;

    while (rc == CS_OK && *t) {
        int hit = 0;
        for (int i = 0; i < 3 && !hit; i++) {
            size_t n = strlen(names[i]);
            if (strncmp(t, names[i], n) == 0) {
                rc = cs_buf_appends(b, values[i]);
                t += n;
                hit = 1;
            }
        }
        if (!hit)
            rc = cs_buf_appendc(b, *t++);
    }
    return rc;
}

cs_rc cs_aws_role_arn(const char *template_, const char *account_id,
                      const char *role_name, const char *region, char *out,
                      size_t outlen, struct cs_err *err)
{
    struct cs_buf b = CS_BUF_INIT(2048);
    cs_rc rc;

    if (!account_id_valid(account_id))
        return cs_err_set(err, CS_ERR_INVALID,
                          "account id '%.20s' is not 12 digits",
                          account_id ? account_id : "");
    rc = expand_template(&b, template_, cs_aws_partition(region), account_id,
                         role_name ? role_name : "");
    if (rc != CS_OK) {
        cs_buf_free(&b);
        return cs_err_set(err, rc, "role ARN template: %s", cs_rc_name(rc));
    }
    if (strncmp(cs_buf_str(&b), "arn:", 4) != 0 ||
        strstr(cs_buf_str(&b), ":role/") == NULL ||
        strstr(cs_buf_str(&b), account_id) == NULL) {
        rc = cs_err_set(err, CS_ERR_INVALID,
                        "role ARN '%.200s' from the template is not a role "
                        "ARN of account %s",
                        cs_buf_str(&b), account_id);
    } else if (b.len >= outlen) {
        rc = cs_err_set(err, CS_ERR_LIMIT, "role ARN too long");
    } else {
        memcpy(out, b.ptr, b.len + 1);
    }
    cs_buf_free(&b);
    return rc;
}
