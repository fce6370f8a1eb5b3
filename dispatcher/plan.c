/* The dispatcher's messages for one request (plan.h). */
#include "dispatcher/plan.h"

#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "wire/names.h"

#define SCHEMA_VERSION 1
#define ROLE_ARN_MAX 2048

static cs_rc nomem(struct cs_err *err)
{
    return cs_err_set(err, CS_ERR_NOMEM, "dispatcher: out of memory");
}

void cs_disp_out_free(struct cs_disp_out *out)
{
    if (out == NULL)
        return;
    for (size_t i = 0; i < out->n; i++) {
        free(out->msgs[i].key);
        free(out->msgs[i].value);
    }
    free(out->msgs);
    memset(out, 0, sizeof(*out));
}

/* Appends a message; takes ownership of value (freed on failure too). */
static cs_rc add_msg(struct cs_disp_out *out, enum cs_topic topic,
                     const char *key, uint8_t *value, size_t len, int phase,
                     struct cs_err *err)
{
    struct cs_disp_msg *m;

    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        struct cs_disp_msg *grown = realloc(out->msgs, cap * sizeof(*grown));
        if (grown == NULL) {
            free(value);
            return nomem(err);
        }
        out->msgs = grown;
        out->cap = cap;
    }
    m = &out->msgs[out->n];
    memset(m, 0, sizeof(*m));
    if (key && key[0]) {
        m->key = strdup(key);
        if (m->key == NULL) {
            free(value);
            return nomem(err);
        }
        m->keylen = strlen(key);
    }
    m->topic = topic;
    m->value = value;
    m->len = len;
    m->phase = phase;
    out->n++;
    return CS_OK;
}

/* Packs message m and appends it. */
static cs_rc add_packed(struct cs_disp_out *out, enum cs_topic topic,
                        const char *key, const ProtobufCMessage *m, int phase,
                        struct cs_err *err)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);

    if (buf == NULL)
        return nomem(err);
    protobuf_c_message_pack(m, buf);
    return add_msg(out, topic, key, buf, len, phase, err);
}

void cs_disp_target_free(struct cs_disp_target *t)
{
    if (t == NULL)
        return;
    free(t->accounts);
    free(t->skipped);
    memset(t, 0, sizeof(*t));
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int cmp_skipped(const void *a, const void *b)
{
    const struct cs_disp_skipped *x = a, *y = b;
    int c = strcmp(x->id, y->id);

    return c ? c : strcmp(x->reason, y->reason);
}

cs_rc cs_disp_target_set(struct cs_disp_target *t, const char *const *ids,
                         size_t n, const struct cs_disp_skipped *skipped,
                         size_t nskipped, struct cs_err *err)
{
    size_t i, k = 0;

    memset(t, 0, sizeof(*t));
    t->accounts = calloc(n ? n : 1, sizeof(*t->accounts));
    t->skipped = calloc(nskipped ? nskipped : 1, sizeof(*t->skipped));
    if (t->accounts == NULL || t->skipped == NULL) {
        cs_disp_target_free(t);
        return nomem(err);
    }
    for (i = 0; i < n; i++) {
        if (strlen(ids[i]) != 12 || strspn(ids[i], "0123456789") != 12) {
            cs_disp_target_free(t);
            return cs_err_set(err, CS_ERR_INVALID,
                              "account id %.32s is not 12 digits", ids[i]);
        }
        memcpy(t->accounts[i], ids[i], 13);
    }
    qsort(t->accounts, n, sizeof(*t->accounts), cmp_id);
    for (i = 0; i < n; i++)
        if (k == 0 || strcmp(t->accounts[k - 1], t->accounts[i]) != 0)
            memmove(t->accounts[k++], t->accounts[i], 13);
    t->naccounts = k;
    if (nskipped)
        memcpy(t->skipped, skipped, nskipped * sizeof(*skipped));
    qsort(t->skipped, nskipped, sizeof(*t->skipped), cmp_skipped);
    t->nskipped = nskipped;
    return CS_OK;
}

cs_rc cs_disp_target_from_list(const Cellscan__V1__AccountList *list,
                               struct cs_disp_target *t, struct cs_err *err)
{
    return cs_disp_target_set(t, (const char *const *)list->account_ids,
                              list->n_account_ids, NULL, 0, err);
}

int64_t cs_disp_deadline_ms(const Cellscan__V1__ScanRequest *r,
                            const struct cs_disp_settings *st)
{
    int64_t s = r->scope->deadline_s ? (int64_t)r->scope->deadline_s
                                     : (int64_t)st->scan_deadline_s;

    return r->requested_at_ms + s * 1000;
}

/* The first occurrence of each of the n strings of in, in order, as
 * pointers into in (borrowed). Caller frees the vector with free(). */
static char **unique(char *const *in, size_t n, size_t *nout)
{
    char **v = calloc(n ? n : 1, sizeof(char *));
    size_t k = 0;

    *nout = 0;
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < k && strcmp(v[j], in[i]) != 0)
            j++;
        if (j == k)
            v[k++] = in[i];
    }
    *nout = k;
    return v;
}

/* What every job of the scan shares, resolved once. */
struct scan_common {
    const Cellscan__V1__ScanRequest *r;
    const struct cs_disp_settings *st;
    char **cats, **regions;
    size_t ncats, nregions;
    const char *role_name, *external_id;
    uint32_t session_s;
    int64_t deadline_ms;
};

static cs_rc add_manifest(const struct scan_common *c,
                          const struct cs_disp_target *t,
                          struct cs_disp_out *out, struct cs_err *err)
{
    Cellscan__V1__ScanManifest m = CELLSCAN__V1__SCAN_MANIFEST__INIT;
    Cellscan__V1__CellResultsRecord rec = CELLSCAN__V1__CELL_RESULTS_RECORD__INIT;
    Cellscan__V1__SkippedAccount *sk = NULL, **skp = NULL;
    char *ids = NULL, **cell_ids = NULL, **accounts = NULL;
    size_t ncells = t->naccounts * c->ncats, i, j;
    cs_rc rc = CS_OK;

    ids = malloc(ncells ? ncells * CS_DISP_CELL_ID_MAX : 1);
    cell_ids = calloc(ncells ? ncells : 1, sizeof(char *));
    accounts = calloc(t->naccounts ? t->naccounts : 1, sizeof(char *));
    sk = calloc(t->nskipped ? t->nskipped : 1, sizeof(*sk));
    skp = calloc(t->nskipped ? t->nskipped : 1, sizeof(*skp));
    if (!ids || !cell_ids || !accounts || !sk || !skp) {
        rc = nomem(err);
        goto cleanup;
    }
    for (i = 0; i < t->naccounts; i++) {
        accounts[i] = t->accounts[i];
        for (j = 0; j < c->ncats; j++) {
            char *id = ids + (i * c->ncats + j) * CS_DISP_CELL_ID_MAX;
            cell_ids[i * c->ncats + j] =
                cs_cell_id(c->cats[j], t->accounts[i], id, CS_DISP_CELL_ID_MAX);
        }
    }
    for (i = 0; i < t->nskipped; i++) {
        cellscan__v1__skipped_account__init(&sk[i]);
        sk[i].account_id = t->skipped[i].id;
        sk[i].reason = t->skipped[i].reason;
        skp[i] = &sk[i];
    }
    m.schema_version = SCHEMA_VERSION;
    m.scan_id = c->r->scan_id;
    m.client_id = c->r->client_id;
    m.n_cell_ids = ncells;
    m.cell_ids = cell_ids;
    m.n_account_ids = t->naccounts;
    m.account_ids = accounts;
    m.deadline_at_ms = c->deadline_ms;
    m.requested_at_ms = c->r->requested_at_ms;
    m.n_skipped = t->nskipped;
    m.skipped = skp;
    m.n_categories = c->ncats;
    m.categories = c->cats;
    m.n_regions = c->nregions;
    m.regions = c->regions;
    rec.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST;
    rec.manifest = &m;
    rc = add_packed(out, CS_TOPIC_CELL_RESULTS, c->r->scan_id, &rec.base, 0,
                    err);
cleanup:
    free(ids);
    free(cell_ids);
    free(accounts);
    free(sk);
    free(skp);
    return rc;
}

static cs_rc add_jobs(const struct scan_common *c, const char *account,
                      struct cs_disp_out *out, struct cs_err *err)
{
    Cellscan__V1__CellJob job = CELLSCAN__V1__CELL_JOB__INIT;
    char arn[ROLE_ARN_MAX], cell[CS_DISP_CELL_ID_MAX];
    cs_rc rc;

    rc = cs_aws_role_arn(c->st->role_arn_template, account, c->role_name,
                         c->st->aws_region, arn, sizeof(arn), err);
    if (rc != CS_OK)
        return rc;
    job.schema_version = SCHEMA_VERSION;
    job.scan_id = c->r->scan_id;
    job.client_id = c->r->client_id;
    job.account_id = (char *)account;
    job.n_regions = c->nregions;
    job.regions = c->regions;
    job.role_arn = arn;
    job.external_id = (char *)c->external_id;
    job.session_duration_s = c->session_s;
    job.deadline_at_ms = c->deadline_ms;
    job.tag_policy_json = c->r->scope->tag_policy_json;
    job.n_scan_categories = c->ncats;
    job.scan_categories = c->cats;
    for (size_t j = 0; j < c->ncats && rc == CS_OK; j++) {
        job.category = c->cats[j];
        job.cell_id = cs_cell_id(c->cats[j], account, cell, sizeof(cell));
        rc = add_packed(out, CS_TOPIC_CELL_JOBS, account, &job.base, 1, err);
    }
    return rc;
}

cs_rc cs_disp_build_scan(const Cellscan__V1__ScanRequest *r,
                         const struct cs_disp_target *t,
                         const struct cs_disp_settings *st,
                         struct cs_disp_out *out, struct cs_err *err)
{
    const Cellscan__V1__ScanScope *s = r->scope;
    struct scan_common c;
    cs_rc rc = CS_OK;

    memset(&c, 0, sizeof(c));
    c.r = r;
    c.st = st;
    c.cats = unique(s->categories, s->n_categories, &c.ncats);
    c.regions = unique(s->regions, s->n_regions, &c.nregions);
    if (c.cats == NULL || c.regions == NULL) {
        rc = nomem(err);
        goto cleanup;
    }
    c.role_name = s->role_name[0] ? s->role_name : st->role_name;
    c.external_id = s->external_id[0] ? s->external_id : st->external_id;
    c.session_s = s->session_duration_s ? s->session_duration_s
                                        : (uint32_t)st->session_duration_s;
    c.deadline_ms = cs_disp_deadline_ms(r, st);
    rc = add_manifest(&c, t, out, err);
    for (size_t i = 0; i < t->naccounts && rc == CS_OK; i++)
        rc = add_jobs(&c, t->accounts[i], out, err);
cleanup:
    free(c.cats);
    free(c.regions);
    return rc;
}

void cs_disp_report(Cellscan__V1__ScanReport *rep, const char *client_id,
                    const char *scan_id, Cellscan__V1__ScanStatus status,
                    const char *reason, int64_t requested_at_ms,
                    int64_t now_ms)
{
    cellscan__v1__scan_report__init(rep);
    rep->schema_version = SCHEMA_VERSION;
    rep->client_id = (char *)client_id;
    rep->scan_id = (char *)scan_id;
    rep->status = status;
    rep->reason = (char *)reason;
    rep->started_at_ms = requested_at_ms;
    rep->finished_at_ms = now_ms;
}

cs_rc cs_disp_add_report(struct cs_disp_out *out,
                         const Cellscan__V1__ScanReport *rep,
                         struct cs_err *err)
{
    return add_packed(out, CS_TOPIC_SCAN_RESULTS, rep->scan_id, &rep->base, 0,
                      err);
}
