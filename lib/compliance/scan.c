#include "compliance/scan.h"

#include <stdlib.h>
#include <string.h>

#include "compliance/outcome.h"
#include "compliance/topn.h"
#include "compliance/typecount.h"
#include "compliance/violation.h"
#include "wire/names.h"

#define CELL(x) CELLSCAN__V1__CELL_STATUS__CELL_##x
#define ID_PART_MAX 64
/* distinct resource types per account in a report, and their names */
#define ACCOUNT_TYPES_MAX 65536
#define TYPE_NAME_MAX 256

struct kept {
    int rank;                /* 0 = no result yet */
    uint64_t record_count;
    uint8_t *bytes;          /* the packed CellResult */
    size_t len;
};

struct scan_cell {
    char *id;
    char *account_id;
    size_t account;          /* index into cs_scan_s.accounts */
    struct kept k;
};

struct skipped {
    char *account_id;
    char *reason;
};

struct cs_scan_s {
    char *scan_id, *client_id;
    int64_t requested_at_ms, deadline_at_ms;
    struct scan_cell *cells; /* sorted by id, unique */
    size_t ncells, nkept;
    char **accounts;         /* sorted, unique */
    size_t naccounts;
    struct skipped *skipped; /* sorted by (account_id, reason) */
    size_t nskipped;
};

static const char *str(const char *s)
{
    return s ? s : "";
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_cell(const void *a, const void *b)
{
    return strcmp(((const struct scan_cell *)a)->id,
                  ((const struct scan_cell *)b)->id);
}

static int cmp_skipped(const void *a, const void *b)
{
    const struct skipped *x = a, *y = b;
    int c = strcmp(x->account_id, y->account_id);
    return c != 0 ? c : strcmp(x->reason, y->reason);
}

/* Sorts n strings in place and drops repeats; returns the new count. */
static size_t sort_unique(const char **v, size_t n)
{
    size_t i, k = 0;

    qsort(v, n, sizeof(*v), cmp_str_ptr);
    for (i = 0; i < n; i++)
        if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
            v[k++] = v[i];
    return k;
}

static cs_rc copy_cells(cs_scan_t *s, const Cellscan__V1__ScanManifest *m,
                        struct cs_err *err)
{
    char cat[ID_PART_MAX], acc[ID_PART_MAX];
    const char **ids = NULL;
    size_t i, n;
    cs_rc rc = CS_OK;

    ids = calloc(m->n_cell_ids ? m->n_cell_ids : 1, sizeof(*ids));
    if (ids == NULL)
        goto nomem;
    for (i = 0; i < m->n_cell_ids; i++) {
        ids[i] = str(m->cell_ids[i]);
        if (cs_cell_id_split(ids[i], cat, sizeof(cat), acc, sizeof(acc)) != 0) {
            rc = cs_err_set(err, CS_ERR_INVALID,
                            "manifest: cell id \"%.80s\" is not "
                            "aws_<category>:<account_id>", ids[i]);
            goto cleanup;
        }
    }
    n = sort_unique(ids, m->n_cell_ids);
    s->cells = calloc(n ? n : 1, sizeof(*s->cells));
    if (s->cells == NULL)
        goto nomem;
    for (i = 0; i < n; i++) {
        cs_cell_id_split(ids[i], cat, sizeof(cat), acc, sizeof(acc));
        s->cells[i].id = strdup(ids[i]);
        s->cells[i].account_id = strdup(acc);
        s->ncells++;
        if (s->cells[i].id == NULL || s->cells[i].account_id == NULL)
            goto nomem;
    }
    goto cleanup;
nomem:
    rc = cs_err_set(err, CS_ERR_NOMEM, "scan: out of memory");
cleanup:
    free(ids);
    return rc;
}

/* Accounts = the manifest's account_ids and the accounts of its cells. */
static cs_rc copy_accounts(cs_scan_t *s, const Cellscan__V1__ScanManifest *m,
                           struct cs_err *err)
{
    size_t total = m->n_account_ids + s->ncells, i, n = 0;
    const char **v = calloc(total ? total : 1, sizeof(*v));
    cs_rc rc = CS_OK;

    if (v == NULL)
        goto nomem;
    for (i = 0; i < m->n_account_ids; i++)
        v[n++] = str(m->account_ids[i]);
    for (i = 0; i < s->ncells; i++)
        v[n++] = s->cells[i].account_id;
    n = sort_unique(v, n);
    s->accounts = calloc(n ? n : 1, sizeof(*s->accounts));
    if (s->accounts == NULL)
        goto nomem;
    for (i = 0; i < n; i++) {
        s->accounts[i] = strdup(v[i]);
        if (s->accounts[i] == NULL)
            goto nomem;
        s->naccounts++;
    }
    for (i = 0; i < s->ncells; i++) {
        char **hit = bsearch(&s->cells[i].account_id, s->accounts,
                             s->naccounts, sizeof(*s->accounts), cmp_str_ptr);
        s->cells[i].account = (size_t)(hit - s->accounts);
    }
    goto cleanup;
nomem:
    rc = cs_err_set(err, CS_ERR_NOMEM, "scan: out of memory");
cleanup:
    free(v);
    return rc;
}

static cs_rc copy_skipped(cs_scan_t *s, const Cellscan__V1__ScanManifest *m,
                          struct cs_err *err)
{
    size_t i;

    s->skipped = calloc(m->n_skipped ? m->n_skipped : 1, sizeof(*s->skipped));
    if (s->skipped == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "scan: out of memory");
    for (i = 0; i < m->n_skipped; i++) {
        const Cellscan__V1__SkippedAccount *sk = m->skipped[i];
        if (sk == NULL)
            continue;
        s->skipped[s->nskipped].account_id = strdup(str(sk->account_id));
        s->skipped[s->nskipped].reason = strdup(str(sk->reason));
        s->nskipped++;
        if (!s->skipped[s->nskipped - 1].account_id ||
            !s->skipped[s->nskipped - 1].reason)
            return cs_err_set(err, CS_ERR_NOMEM, "scan: out of memory");
    }
    qsort(s->skipped, s->nskipped, sizeof(*s->skipped), cmp_skipped);
    return CS_OK;
}

static cs_rc scan_open(const Cellscan__V1__ScanManifest *m, cs_scan_t **out,
                       struct cs_err *err)
{
    cs_scan_t *s = NULL;
    cs_rc rc;

    *out = NULL;
    if (m == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "scan: no manifest");
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "scan: out of memory");
    s->scan_id = strdup(str(m->scan_id));
    s->client_id = strdup(str(m->client_id));
    if (s->scan_id == NULL || s->client_id == NULL) {
        rc = cs_err_set(err, CS_ERR_NOMEM, "scan: out of memory");
        goto cleanup;
    }
    s->requested_at_ms = m->requested_at_ms;
    s->deadline_at_ms = m->deadline_at_ms;
    rc = copy_cells(s, m, err);
    if (rc == CS_OK)
        rc = copy_accounts(s, m, err);
    if (rc == CS_OK)
        rc = copy_skipped(s, m, err);
    if (rc == CS_OK) {
        *out = s;
        s = NULL;
    }
cleanup:
    cs_scan_destroy(s);
    return rc;
}

cs_scan_t *cs_scan_new(const Cellscan__V1__ScanManifest *m,
                       struct cs_err *err)
{
    cs_scan_t *s;

    scan_open(m, &s, err);
    return s;
}

void cs_scan_destroy(cs_scan_t *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->ncells; i++) {
        free(s->cells[i].id);
        free(s->cells[i].account_id);
        free(s->cells[i].k.bytes);
    }
    free(s->cells);
    for (i = 0; i < s->naccounts; i++)
        free(s->accounts[i]);
    free(s->accounts);
    for (i = 0; i < s->nskipped; i++) {
        free(s->skipped[i].account_id);
        free(s->skipped[i].reason);
    }
    free(s->skipped);
    free(s->scan_id);
    free(s->client_id);
    free(s);
}

/* available = empty > partial > failed; 0 = not a cell status. */
static int status_rank(Cellscan__V1__CellStatus st)
{
    switch (st) {
    case CELL(AVAILABLE):
    case CELL(EMPTY):
        return 3;
    case CELL(PARTIAL):
        return 2;
    case CELL(FAILED):
        return 1;
    default:
        return 0;
    }
}

/* Order of candidate results of one cell; bytes break every tie. */
static int kept_cmp(const struct kept *a, const struct kept *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c;

    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->record_count != b->record_count)
        return a->record_count < b->record_count ? -1 : 1;
    c = n ? memcmp(a->bytes, b->bytes, n) : 0;
    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

static struct scan_cell *find_cell(const cs_scan_t *s, const char *id)
{
    struct scan_cell key;

    key.id = (char *)id;
    return bsearch(&key, s->cells, s->ncells, sizeof(*s->cells), cmp_cell);
}

static void set_added(enum cs_scan_added *added, enum cs_scan_added v)
{
    if (added != NULL)
        *added = v;
}

cs_rc cs_scan_add(cs_scan_t *s, const Cellscan__V1__CellResult *r,
                  enum cs_scan_added *added, struct cs_err *err)
{
    struct scan_cell *cell;
    struct kept k;
    size_t len;

    if (r == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "scan: no cell result");
    set_added(added, CS_SCAN_IGNORED);
    k.rank = status_rank(r->status);
    k.record_count = r->record_count;
    if (strcmp(str(r->scan_id), s->scan_id) != 0 || k.rank == 0)
        return CS_OK;
    cell = find_cell(s, str(r->cell_id));
    if (cell == NULL)
        return CS_OK;
    set_added(added, CS_SCAN_UNCHANGED);
    /* worse by rank or count: no need to pack it */
    if (cell->k.rank > k.rank ||
        (cell->k.rank == k.rank && cell->k.record_count > k.record_count))
        return CS_OK;
    len = cellscan__v1__cell_result__get_packed_size(r);
    if (len > CS_SCAN_MAX_RESULT_BYTES)
        return cs_err_set(err, CS_ERR_LIMIT,
                          "scan: result for %s is %zu bytes, at most %u",
                          cell->id, len, CS_SCAN_MAX_RESULT_BYTES);
    k.bytes = malloc(len ? len : 1);
    if (k.bytes == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "scan: out of memory");
    k.len = cellscan__v1__cell_result__pack(r, k.bytes);
    if (cell->k.rank != 0 && kept_cmp(&k, &cell->k) <= 0) {
        free(k.bytes);
        return CS_OK;
    }
    set_added(added, cell->k.rank == 0 ? CS_SCAN_ADDED : CS_SCAN_REPLACED);
    s->nkept += cell->k.rank == 0;
    free(cell->k.bytes);
    cell->k = k;
    return CS_OK;
}

int cs_scan_complete(const cs_scan_t *s)
{
    return s->nkept == s->ncells;
}

size_t cs_scan_expected(const cs_scan_t *s)
{
    return s->ncells;
}

size_t cs_scan_received(const cs_scan_t *s)
{
    return s->nkept;
}

const char *cs_scan_id(const cs_scan_t *s)
{
    return s->scan_id;
}

int64_t cs_scan_deadline_ms(const cs_scan_t *s)
{
    return s->deadline_at_ms;
}

/* --------------------------------------------------------------- report */

struct account_sum {
    uint64_t total, compliant, violations;
    uint32_t expected, with_data;
    size_t considered, failed, ok;
    int denied;
    struct cs_typecount types;
};

struct report_ctx {
    const cs_scan_t *s;
    const struct cs_fold_opts *o;
    Cellscan__V1__ScanReport *rep;
    struct account_sum *sums;
    cs_topn_t *violations;
    uint64_t offered;        /* violations carried by kept results */
    uint64_t truncated;      /* Σ cell violations_truncated */
};

static int set_str(char **field, const char *s)
{
    *field = cs_pb_strdup(s);
    return *field != NULL;
}

static cs_rc add_evidence(struct report_ctx *x, const struct scan_cell *cell,
                          const Cellscan__V1__CellResult *r)
{
    Cellscan__V1__Evidence *e = malloc(sizeof(*e));

    if (e == NULL)
        return CS_ERR_NOMEM;
    cellscan__v1__evidence__init(e);
    x->rep->evidence_completeness[x->rep->n_evidence_completeness++] = e;
    if (r == NULL) {
        e->status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_ERROR;
        return set_str(&e->key, cell->id) &&
                       set_str(&e->reason, CS_REASON_DEADLINE_EXCEEDED)
                   ? CS_OK
                   : CS_ERR_NOMEM;
    }
    e->status = r->evidence_status;
    e->record_count = r->record_count;
    e->api_call_count = r->api_call_count;
    e->retry_count = r->retry_count;
    e->throttle_events = r->throttle_events;
    e->wall_time_ms = r->wall_time_ms;
    return set_str(&e->key, cell->id) && set_str(&e->error_code, r->error_code) &&
                   set_str(&e->reason, r->reason)
               ? CS_OK
               : CS_ERR_NOMEM;
}

static cs_rc offer_violations(struct report_ctx *x,
                              const Cellscan__V1__CellResult *r)
{
    Cellscan__V1__Violation *copy;
    size_t i;

    x->truncated = sat_add(x->truncated, r->violations_truncated);
    for (i = 0; i < r->n_violations; i++) {
        if (r->violations[i] == NULL)
            continue;
        x->offered++;
        if (!cs_topn_wants(x->violations, r->violations[i]))
            continue;
        copy = cs_violation_dup(r->violations[i]);
        if (copy == NULL)
            return CS_ERR_NOMEM;
        cs_topn_push(x->violations, copy);
    }
    return CS_OK;
}

/* Adds one cell (r NULL = failed at the deadline) to its account. */
static cs_rc fold_cell(struct report_ctx *x, const struct scan_cell *cell,
                       const Cellscan__V1__CellResult *r)
{
    struct account_sum *a = &x->sums[cell->account];
    uint64_t total, compliant, violations;
    size_t i;
    cs_rc rc;

    a->considered++;
    if (r == NULL) {
        a->failed++;
        return add_evidence(x, cell, NULL);
    }
    a->failed += r->status == CELL(FAILED);
    a->ok += r->status == CELL(AVAILABLE) || r->status == CELL(EMPTY);
    a->with_data += r->status != CELL(FAILED);
    a->denied |= strcmp(str(r->reason), CS_REASON_ASSUME_ROLE_DENIED) == 0;
    /* inconsistent numbers are brought into line so the invariants of the
     * report hold whatever a producer sent */
    total = r->total;
    compliant = r->compliant < total ? r->compliant : total;
    violations = r->violation_count > total - compliant ? r->violation_count
                                                        : total - compliant;
    a->total = sat_add(a->total, total);
    a->compliant = sat_add(a->compliant, compliant);
    a->violations = sat_add(a->violations, violations);
    for (i = 0; i < r->n_resource_types; i++) {
        if (r->resource_types[i] == NULL)
            continue;
        const Cellscan__V1__TypeCount *t = r->resource_types[i];
        rc = cs_typecount_add(&a->types, str(t->resource_type), t->total,
                              t->compliant < t->total ? t->compliant : t->total);
        if (rc != CS_OK)
            return rc;
    }
    rc = add_evidence(x, cell, r);
    if (rc == CS_OK)
        rc = offer_violations(x, r);
    return rc;
}

static cs_rc fold_cells(struct report_ctx *x, struct cs_err *err)
{
    Cellscan__V1__CellResult *r;
    size_t i;
    cs_rc rc = CS_OK;

    for (i = 0; i < x->s->ncells && rc == CS_OK; i++) {
        const struct scan_cell *cell = &x->s->cells[i];
        x->sums[cell->account].expected++;
        if (cell->k.rank == 0) {
            if (x->o->finalize)
                rc = fold_cell(x, cell, NULL);
            continue;
        }
        r = cellscan__v1__cell_result__unpack(NULL, cell->k.len, cell->k.bytes);
        if (r == NULL)
            return cs_err_set(err, CS_ERR_PARSE,
                              "scan: kept result of %s does not unpack", cell->id);
        rc = fold_cell(x, cell, r);
        cellscan__v1__cell_result__free_unpacked(r, NULL);
    }
    if (rc != CS_OK)
        return cs_err_set(err, rc, "scan: %s", rc == CS_ERR_LIMIT
                              ? "too many resource types in one account"
                              : "out of memory");
    return CS_OK;
}

static Cellscan__V1__Totals *totals(uint64_t total, uint64_t compliant,
                                    uint64_t violations, uint32_t expected,
                                    uint32_t with_data)
{
    Cellscan__V1__Totals *t = malloc(sizeof(*t));

    if (t == NULL)
        return NULL;
    cellscan__v1__totals__init(t);
    t->total = total;
    t->compliant = compliant;
    t->violations = violations;
    t->no_data = total == 0;
    t->score = total == 0 ? 1.0 : (double)compliant / (double)total;
    t->cells_expected = expected;
    t->cells_with_data = with_data;
    t->coverage = expected == 0 ? 1.0 : (double)with_data / (double)expected;
    return t;
}

static cs_rc build_account(struct report_ctx *x, size_t i)
{
    struct account_sum *a = &x->sums[i];
    Cellscan__V1__AccountReport *ar = malloc(sizeof(*ar));

    if (ar == NULL)
        return CS_ERR_NOMEM;
    cellscan__v1__account_report__init(ar);
    x->rep->accounts[x->rep->n_accounts++] = ar;
    ar->status = cs_rollup(a->considered, a->failed, a->ok);
    ar->totals = totals(a->total, a->compliant, a->violations, a->expected,
                        a->with_data);
    if (!set_str(&ar->account_id, x->s->accounts[i]) || ar->totals == NULL)
        return CS_ERR_NOMEM;
    return cs_typecount_export(&a->types, &ar->resource_types,
                               &ar->n_resource_types);
}

static cs_rc build_overall(struct report_ctx *x)
{
    Cellscan__V1__ScanReport *rep = x->rep;
    uint64_t total = 0, compliant = 0, violations = 0;
    size_t i, considered = 0, failed = 0, ok = 0, with_data = 0;
    cs_rc rc;

    rep->accounts = calloc(x->s->naccounts ? x->s->naccounts : 1,
                           sizeof(*rep->accounts));
    rep->errors = malloc(sizeof(*rep->errors));
    if (rep->accounts == NULL || rep->errors == NULL)
        return CS_ERR_NOMEM;
    cellscan__v1__report_errors__init(rep->errors);
    rep->errors->permission_denied =
        calloc(x->s->naccounts ? x->s->naccounts : 1, sizeof(char *));
    if (rep->errors->permission_denied == NULL)
        return CS_ERR_NOMEM;
    for (i = 0; i < x->s->naccounts; i++) {
        const struct account_sum *a = &x->sums[i];
        rc = build_account(x, i);
        if (rc != CS_OK)
            return rc;
        total = sat_add(total, a->total);
        compliant = sat_add(compliant, a->compliant);
        violations = sat_add(violations, a->violations);
        considered += a->considered;
        failed += a->failed;
        ok += a->ok;
        with_data += a->with_data;
        if (a->denied) {
            char *id = cs_pb_strdup(x->s->accounts[i]);
            if (id == NULL)
                return CS_ERR_NOMEM;
            rep->errors->permission_denied[rep->errors->n_permission_denied++] = id;
        }
    }
    rep->status = cs_rollup(considered, failed, ok);
    rep->overall = totals(total, compliant, violations, (uint32_t)x->s->ncells,
                          (uint32_t)with_data);
    return rep->overall ? CS_OK : CS_ERR_NOMEM;
}

static cs_rc build_skipped(struct report_ctx *x)
{
    Cellscan__V1__ScanReport *rep = x->rep;
    size_t i;

    rep->skipped_accounts = calloc(x->s->nskipped ? x->s->nskipped : 1,
                                   sizeof(*rep->skipped_accounts));
    if (rep->skipped_accounts == NULL)
        return CS_ERR_NOMEM;
    for (i = 0; i < x->s->nskipped; i++) {
        Cellscan__V1__SkippedAccount *sk = malloc(sizeof(*sk));
        if (sk == NULL)
            return CS_ERR_NOMEM;
        cellscan__v1__skipped_account__init(sk);
        rep->skipped_accounts[rep->n_skipped_accounts++] = sk;
        if (!set_str(&sk->account_id, x->s->skipped[i].account_id) ||
            !set_str(&sk->reason, x->s->skipped[i].reason))
            return CS_ERR_NOMEM;
    }
    return CS_OK;
}

static cs_rc build_violations(struct report_ctx *x)
{
    size_t n;
    uint64_t dropped;

    dropped = x->offered - cs_topn_count(x->violations);
    x->rep->violations =
        (Cellscan__V1__Violation **)cs_topn_take_sorted(x->violations, &n);
    x->rep->n_violations = n;
    x->rep->violations_truncated = sat_add(x->truncated, dropped);
    return CS_OK;
}

static cs_rc report_begin(struct report_ctx *x, struct cs_err *err)
{
    const cs_scan_t *s = x->s;
    Cellscan__V1__ScanReport *rep;
    size_t i;

    x->rep = rep = malloc(sizeof(*rep));
    if (rep == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "scan: out of memory");
    cellscan__v1__scan_report__init(rep);
    rep->schema_version = CELLSCAN__V1__SCHEMA_VERSION__SCHEMA_VERSION_CURRENT;
    rep->started_at_ms = s->requested_at_ms;
    rep->finished_at_ms = x->o->finished_at_ms;
    rep->evidence_completeness = calloc(s->ncells ? s->ncells : 1,
                                        sizeof(*rep->evidence_completeness));
    x->sums = calloc(s->naccounts ? s->naccounts : 1, sizeof(*x->sums));
    if (!set_str(&rep->scan_id, s->scan_id) ||
        !set_str(&rep->client_id, s->client_id) ||
        rep->evidence_completeness == NULL || x->sums == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "scan: out of memory");
    for (i = 0; i < s->naccounts; i++)
        cs_typecount_init(&x->sums[i].types, ACCOUNT_TYPES_MAX, TYPE_NAME_MAX);
    x->violations = cs_topn_new(x->o->report_violations,
                                cs_violation_cmp_report, cs_violation_free, err);
    return x->violations ? CS_OK : CS_ERR_NOMEM;
}

static void report_ctx_free(struct report_ctx *x)
{
    size_t i;

    for (i = 0; x->sums && i < x->s->naccounts; i++)
        cs_typecount_free(&x->sums[i].types);
    free(x->sums);
    cs_topn_destroy(x->violations);
    cs_report_free(x->rep);
}

cs_rc cs_scan_report(const cs_scan_t *s, const struct cs_fold_opts *o,
                     Cellscan__V1__ScanReport **out, struct cs_err *err)
{
    struct report_ctx x;
    cs_rc rc;

    memset(&x, 0, sizeof(x));
    x.s = s;
    x.o = o;
    *out = NULL;
    rc = report_begin(&x, err);
    if (rc != CS_OK)
        goto cleanup;
    rc = fold_cells(&x, err);
    if (rc != CS_OK)
        goto cleanup;
    rc = build_overall(&x);
    if (rc == CS_OK)
        rc = build_skipped(&x);
    if (rc == CS_OK)
        rc = build_violations(&x);
    if (rc != CS_OK) {
        cs_err_set(err, rc, "scan: out of memory");
        goto cleanup;
    }
    *out = x.rep;
    x.rep = NULL;
cleanup:
    report_ctx_free(&x);
    return rc;
}

cs_rc cs_fold(const Cellscan__V1__ScanManifest *m,
              const Cellscan__V1__CellResult *const *results, size_t n,
              const struct cs_fold_opts *o, Cellscan__V1__ScanReport **out,
              struct cs_err *err)
{
    cs_scan_t *s;
    size_t i;
    cs_rc rc;

    *out = NULL;
    rc = scan_open(m, &s, err);
    for (i = 0; i < n && rc == CS_OK; i++)
        rc = cs_scan_add(s, results[i], NULL, err);
    if (rc == CS_OK)
        rc = cs_scan_report(s, o, out, err);
    cs_scan_destroy(s);
    return rc;
}

void cs_report_free(Cellscan__V1__ScanReport *r)
{
    protobuf_c_message_free_unpacked((ProtobufCMessage *)r, NULL);
}
