#include "aws/session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/context.h"
#include "aws/sts.h"
#include "util/clock.h"
#include "util/log.h"

#define SESSION_BUCKETS 256
#define BASE_KEY "\001base"

struct entry {
    struct entry *next;
    char *key;
    cs_aws_creds_t *creds;
    int fetching;
    unsigned gen;            /* bumped when a fetch ends */
    cs_rc rc;                /* how the last fetch ended */
    struct cs_aws_error aerr;
    struct cs_err err;
    int64_t denied_until_ms; /* AccessDenied remembered until then */
};

struct cs_aws_session_cache {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct entry *bucket[SESSION_BUCKETS];
    char base_detail[CS_AWS_DETAIL_MAX];
};

struct cs_aws_session_cache *cs_aws_sessions_new(void)
{
    struct cs_aws_session_cache *c = calloc(1, sizeof(*c));

    if (c) {
        pthread_mutex_init(&c->mu, NULL);
        pthread_cond_init(&c->cv, NULL);
    }
    return c;
}

void cs_aws_sessions_destroy(struct cs_aws_session_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < SESSION_BUCKETS; i++) {
        struct entry *e = c->bucket[i];
        while (e) {
            struct entry *next = e->next;
            cs_aws_creds_unref(e->creds);
            free(e->key);
            free(e);
            e = next;
        }
    }
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static size_t hash(const char *s)
{
    size_t h = 5381;

    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h % SESSION_BUCKETS;
}

static struct entry *find_or_add(struct cs_aws_session_cache *c,
                                 const char *key)
{
    size_t b = hash(key);
    struct entry *e;

    for (e = c->bucket[b]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e;
    e = calloc(1, sizeof(*e));
    if (e == NULL || (e->key = strdup(key)) == NULL) {
        free(e);
        return NULL;
    }
    e->next = c->bucket[b];
    c->bucket[b] = e;
    return e;
}

static int fresh(const cs_aws_creds_t *cr, int64_t now)
{
    int64_t exp = cs_aws_creds_expiration_ms(cr);

    return exp == 0 || now < exp - (int64_t)CS_AWS_REFRESH_BEFORE_S * 1000;
}

typedef cs_rc (*fetch_fn)(cs_aws_client_t *cl, void *ctx, cs_aws_creds_t **out,
                          struct cs_aws_stats *s, struct cs_aws_error *e,
                          struct cs_err *err);

static cs_rc copy_outcome(const struct entry *e, struct cs_aws_error *aerr,
                          struct cs_err *err)
{
    if (aerr)
        *aerr = e->aerr;
    if (err)
        *err = e->err;
    return e->rc;
}

/* Single flight: the first caller for a key fetches with the lock
 * released; the others wait for that fetch and share its outcome. */
static cs_rc cached(cs_aws_client_t *cl, const char *key, fetch_fn fetch,
                    void *ctx, cs_aws_creds_t **out, struct cs_aws_stats *s,
                    struct cs_aws_error *aerr, struct cs_err *err)
{
    cs_aws_t *aws = cl->aws;
    struct cs_aws_session_cache *c = aws->sessions;
    struct cs_aws_error fe = CS_AWS_ERROR_INIT;
    struct cs_err ferr = CS_ERR_INIT;
    cs_aws_creds_t *got = NULL;
    struct entry *e;
    cs_rc rc;

    *out = NULL;
    pthread_mutex_lock(&c->mu);
    e = find_or_add(c, key);
    if (e == NULL) {
        pthread_mutex_unlock(&c->mu);
        return cs_err_set(err, CS_ERR_NOMEM, "aws: out of memory");
    }
    for (;;) {
        int64_t now = cs_aws_now_ms(aws);
        if (e->creds && fresh(e->creds, now)) {
            *out = cs_aws_creds_ref(e->creds);
            pthread_mutex_unlock(&c->mu);
            return CS_OK;
        }
        if (e->denied_until_ms > now) {
            rc = copy_outcome(e, aerr, err);
            pthread_mutex_unlock(&c->mu);
            return rc;
        }
        if (!e->fetching)
            break;
        unsigned gen = e->gen;
        while (e->fetching && e->gen == gen)
            pthread_cond_wait(&c->cv, &c->mu);
        /* the outcome of the fetch waited for is ours, fresh or not */
        if (e->gen != gen && (e->rc != CS_OK || e->creds)) {
            if (e->rc == CS_OK)
                *out = cs_aws_creds_ref(e->creds);
            rc = e->rc == CS_OK ? CS_OK : copy_outcome(e, aerr, err);
            pthread_mutex_unlock(&c->mu);
            return rc;
        }
    }
    e->fetching = 1;
    pthread_mutex_unlock(&c->mu);

    rc = fetch(cl, ctx, &got, s, &fe, &ferr);

    pthread_mutex_lock(&c->mu);
    e->fetching = 0;
    e->gen++;
    e->rc = rc;
    e->aerr = fe;
    e->err = ferr;
    if (rc == CS_OK) {
        cs_aws_creds_unref(e->creds);
        e->creds = got;
        *out = cs_aws_creds_ref(got);
    } else if (rc == CS_ERR_DENIED) {
        e->denied_until_ms = cs_aws_now_ms(aws) +
                             (int64_t)CS_AWS_DENIED_TTL_S * 1000;
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (aerr)
        *aerr = fe;
    if (rc != CS_OK && err)
        *err = ferr;
    return rc;
}

/* ---- base credentials ---- */

static cs_rc fetch_base(cs_aws_client_t *cl, void *ctx, cs_aws_creds_t **out,
                        struct cs_aws_stats *s, struct cs_aws_error *e,
                        struct cs_err *err)
{
    struct cs_aws_session_cache *c = cl->aws->sessions;
    char detail[CS_AWS_DETAIL_MAX] = "";
    cs_rc rc;

    (void)ctx;
    (void)s;
    (void)e;
    rc = cs_aws_chain_resolve(cl->aws->chain, cl, out, detail, sizeof(detail),
                              err);
    if (rc == CS_OK) {
        pthread_mutex_lock(&c->mu);
        memcpy(c->base_detail, detail, sizeof(detail));
        pthread_mutex_unlock(&c->mu);
        cs_log(NULL, CS_LOG_DEBUG, "aws base credentials %s from %s",
               cs_aws_creds_access_key_id(*out), detail);
    }
    return rc;
}

cs_rc cs_aws_base_creds(cs_aws_client_t *cl, cs_aws_creds_t **out,
                        struct cs_err *err)
{
    return cached(cl, BASE_KEY, fetch_base, NULL, out, NULL, NULL, err);
}

void cs_aws_base_describe(cs_aws_t *aws, char *out, size_t outlen)
{
    struct cs_aws_session_cache *c = aws->sessions;

    pthread_mutex_lock(&c->mu);
    snprintf(out, outlen, "%s", c->base_detail);
    pthread_mutex_unlock(&c->mu);
}

/* ---- AssumeRole sessions ---- */

struct assume {
    const char *account;
    char role_arn[2048];
    const char *external_id;
    const char *region;
    int duration_s;
};

static cs_rc fetch_role(cs_aws_client_t *cl, void *ctx, cs_aws_creds_t **out,
                        struct cs_aws_stats *s, struct cs_aws_error *e,
                        struct cs_err *err)
{
    struct assume *a = ctx;
    cs_aws_creds_t *base = NULL;
    char name[80];
    const char *tag = cl->aws->worker_id[0] ? cl->aws->worker_id : a->account;
    cs_rc rc;

    /* always from the base credentials: never a chain of roles */
    rc = cs_aws_base_creds(cl, &base, err);
    if (rc != CS_OK)
        return rc;
    cs_aws_session_name(tag, (long long)(cs_aws_now_ms(cl->aws) / 1000), name);
    rc = cs_aws_sts_assume_role(cl, base, a->region, a->role_arn, name,
                                a->external_id, a->duration_s, out, s, e, err);
    if (rc == CS_OK && cs_log_min_level() <= CS_LOG_DEBUG) {
        char exp[CS_RFC3339_MAX];
        cs_log(NULL, CS_LOG_DEBUG, "aws assumed %s as %s, session %s until %s",
               a->role_arn, name, cs_aws_creds_access_key_id(*out),
               cs_rfc3339(cs_aws_creds_expiration_ms(*out), 0, exp, sizeof(exp)));
    } else if (rc != CS_OK) {
        cs_log(NULL, CS_LOG_DEBUG, "aws AssumeRole %s failed: %s", a->role_arn,
               err ? err->msg : cs_rc_name(rc));
    }
    cs_aws_creds_unref(base);
    return rc;
}

/* The account of "arn:<partition>:iam::<account>:role/<name>". */
static int arn_account(const char *arn, char *out)
{
    const char *p = arn;

    for (int i = 0; i < 4; i++) {
        p = strchr(p, ':');
        if (p == NULL)
            return -1;
        p++;
    }
    if (strspn(p, "0123456789") != 12 || p[12] != ':')
        return -1;
    memcpy(out, p, 12);
    out[12] = '\0';
    return 0;
}

cs_rc cs_aws_assume_ex(cs_aws_client_t *cl, const struct cs_aws_assume_opts *o,
                       cs_aws_creds_t **out, struct cs_aws_stats *stats,
                       struct cs_aws_error *aerr, struct cs_err *err)
{
    cs_aws_t *aws = cl->aws;
    struct assume a;
    char account[CS_AWS_ACCOUNT_MAX];
    struct cs_buf key = CS_BUF_INIT(4096);
    cs_rc rc;

    *out = NULL;
    cs_aws_error_clear(aerr);
    memset(&a, 0, sizeof(a));
    a.region = o->region ? o->region : aws->region;
    a.external_id = o->external_id ? o->external_id : aws->external_id;
    a.duration_s = o->duration_s ? o->duration_s : aws->session_duration_s;
    if (!cs_aws_region_valid(a.region))
        return cs_err_set(err, CS_ERR_INVALID, "AssumeRole: bad region '%.40s'",
                          a.region);
    if (a.duration_s < 900 || a.duration_s > 43200)
        return cs_err_set(err, CS_ERR_INVALID,
                          "AssumeRole: DurationSeconds %d is outside 900..43200",
                          a.duration_s);
    if (o->role_arn) {
        if (snprintf(a.role_arn, sizeof(a.role_arn), "%s", o->role_arn) >=
                (int)sizeof(a.role_arn) ||
            strncmp(o->role_arn, "arn:", 4) != 0 ||
            strstr(o->role_arn, ":role/") == NULL ||
            arn_account(o->role_arn, account) != 0)
            return cs_err_set(err, CS_ERR_INVALID,
                              "AssumeRole: '%.200s' is not an IAM role ARN",
                              o->role_arn);
    } else {
        rc = cs_aws_role_arn(aws->role_arn_template, o->account_id,
                             o->role_name ? o->role_name : aws->role_name,
                             a.region, a.role_arn, sizeof(a.role_arn), err);
        if (rc != CS_OK)
            return rc;
        snprintf(account, sizeof(account), "%s", o->account_id);
    }
    a.account = account;
    rc = cs_buf_printf(&key, "%s\n%s\n%s", account, a.role_arn,
                       a.external_id);
    if (rc != CS_OK)
        return cs_err_set(err, rc, "AssumeRole: key too long");
    rc = cached(cl, cs_buf_str(&key), fetch_role, &a, out, stats, aerr, err);
    cs_buf_free(&key);
    return rc;
}

cs_rc cs_aws_assume(cs_aws_client_t *cl, const char *account_id,
                    cs_aws_creds_t **out, struct cs_aws_stats *stats,
                    struct cs_aws_error *aerr, struct cs_err *err)
{
    struct cs_aws_assume_opts o = {.account_id = account_id};

    return cs_aws_assume_ex(cl, &o, out, stats, aerr, err);
}

cs_rc cs_aws_assume_org(cs_aws_client_t *cl, cs_aws_creds_t **out,
                        struct cs_aws_stats *stats, struct cs_aws_error *aerr,
                        struct cs_err *err)
{
    struct cs_aws_assume_opts o = {.role_arn = cl->aws->org_role_arn};

    if (cl->aws->org_role_arn[0] == '\0') {
        *out = NULL;
        return cs_err_set(err, CS_ERR_INVALID,
                          "no organization-discovery role: set "
                          "CELLSCAN_ORG_ROLE_ARN");
    }
    return cs_aws_assume_ex(cl, &o, out, stats, aerr, err);
}

void cs_aws_forget(cs_aws_t *aws, const cs_aws_creds_t *creds)
{
    struct cs_aws_session_cache *c = aws->sessions;

    if (creds == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < SESSION_BUCKETS; i++)
        for (struct entry *e = c->bucket[i]; e; e = e->next)
            if (e->creds == creds) {
                cs_aws_creds_unref(e->creds);
                e->creds = NULL;
            }
    pthread_mutex_unlock(&c->mu);
}
