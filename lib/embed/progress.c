#include "embed/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/names.h"

/* Room for a cell id "aws_<category>:<account_id>" and its parts. */
#define CELL_PART_MAX 64

struct cell {
    char *id;
    size_t account; /* index into accounts */
    int done;
};

struct account {
    char *id;
    uint64_t expected, done;
};

struct early {
    char *cell_id;
    int failed;
    uint64_t throttles;
};

struct cs_progress_s {
    char scan_id[CS_PROGRESS_SCAN_ID_MAX + 1];
    struct cell *cells; /* sorted by id, unique */
    size_t ncells;
    struct account *accounts; /* sorted by id, unique */
    size_t naccounts;
    struct early *early;
    size_t nearly, early_cap;
    struct cs_progress_snap snap;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

cs_progress_t *cs_progress_new(const char *scan_id, struct cs_err *err)
{
    cs_progress_t *p;

    if (scan_id == NULL || scan_id[0] == '\0' ||
        strlen(scan_id) > CS_PROGRESS_SCAN_ID_MAX) {
        cs_err_set(err, CS_ERR_INVALID, "progress: scan id must be 1..%d bytes",
                   CS_PROGRESS_SCAN_ID_MAX);
        return NULL;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    snprintf(p->scan_id, sizeof(p->scan_id), "%s", scan_id);
    return p;
}

static void free_cells(struct cell *cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(cells[i].id);
    free(cells);
}

static void free_accounts(struct account *accounts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(accounts[i].id);
    free(accounts);
}

static void free_early(cs_progress_t *p)
{
    for (size_t i = 0; i < p->nearly; i++)
        free(p->early[i].cell_id);
    free(p->early);
    p->early = NULL;
    p->nearly = p->early_cap = 0;
}

void cs_progress_destroy(cs_progress_t *p)
{
    if (p == NULL)
        return;
    free_cells(p->cells, p->ncells);
    free_accounts(p->accounts, p->naccounts);
    free_early(p);
    free(p);
}

/* Frees the n strings of v and v. */
static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Sorts the n strings of v and drops repeats; returns the new count.
 * The dropped strings are freed. */
static size_t sort_unique(char **v, size_t n)
{
    size_t k = 0;

    qsort(v, n, sizeof(*v), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && strcmp(v[k - 1], v[i]) == 0) {
            free(v[i]);
            continue;
        }
        v[k++] = v[i];
    }
    return k;
}

/* The account part of a cell id, or "" when it is not one. */
static void cell_account(const char *cell_id, char *account, size_t len)
{
    char category[CELL_PART_MAX];

    if (cs_cell_id_split(cell_id, category, sizeof(category), account, len) != 0)
        account[0] = '\0';
}

/* The manifest's accounts: its account_ids and the accounts of its cells,
 * sorted and unique, into *out (strings owned). */
static cs_rc collect_accounts(const Cellscan__V1__ScanManifest *m, char ***out,
                              size_t *n)
{
    size_t cap = m->n_account_ids + m->n_cell_ids, k = 0;
    char **v = calloc(cap ? cap : 1, sizeof(*v));
    char account[CELL_PART_MAX];

    if (v == NULL)
        return CS_ERR_NOMEM;
    for (size_t i = 0; i < m->n_account_ids; i++)
        if ((v[k] = strdup(m->account_ids[i])) == NULL)
            goto nomem;
        else
            k++;
    for (size_t i = 0; i < m->n_cell_ids; i++) {
        cell_account(m->cell_ids[i], account, sizeof(account));
        if (account[0] == '\0')
            continue;
        if ((v[k] = strdup(account)) == NULL)
            goto nomem;
        k++;
    }
    *n = sort_unique(v, k);
    *out = v;
    return CS_OK;
nomem:
    free_strv(v, k);
    return CS_ERR_NOMEM;
}

static size_t find_account(const struct account *a, size_t n, const char *id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(a[mid].id, id);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return n;
}

static struct cell *find_cell(const cs_progress_t *p, const char *id)
{
    size_t lo = 0, hi = p->ncells;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->cells[mid].id, id);
        if (c == 0)
            return &p->cells[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Counts the first result of an expected cell. */
static void count(cs_progress_t *p, const char *cell_id, int failed,
                  uint64_t throttles)
{
    struct cell *c = find_cell(p, cell_id);
    struct account *a;

    if (c == NULL || c->done)
        return;
    c->done = 1;
    p->snap.cells_done++;
    p->snap.cells_failed += failed != 0;
    p->snap.throttles += throttles;
    a = &p->accounts[c->account];
    if (++a->done == a->expected)
        p->snap.accounts_done++;
}

/* Builds the cell table from the manifest's ids into p (accounts set). */
static cs_rc build_cells(cs_progress_t *p, const Cellscan__V1__ScanManifest *m)
{
    char **ids = calloc(m->n_cell_ids ? m->n_cell_ids : 1, sizeof(*ids));
    char account[CELL_PART_MAX];
    size_t n = 0;

    if (ids == NULL)
        return CS_ERR_NOMEM;
    for (size_t i = 0; i < m->n_cell_ids; i++) {
        if ((ids[n] = strdup(m->cell_ids[i])) == NULL) {
            free_strv(ids, n);
            return CS_ERR_NOMEM;
        }
        n++;
    }
    n = sort_unique(ids, n);
    p->cells = calloc(n ? n : 1, sizeof(*p->cells));
    if (p->cells == NULL) {
        free_strv(ids, n);
        return CS_ERR_NOMEM;
    }
    /* an id that names no account is not a cell anyone will report */
    for (size_t i = 0; i < n; i++) {
        size_t a;
        cell_account(ids[i], account, sizeof(account));
        a = find_account(p->accounts, p->naccounts, account);
        if (account[0] == '\0' || a == p->naccounts) {
            free(ids[i]);
            continue;
        }
        p->cells[p->ncells].id = ids[i];
        p->cells[p->ncells].account = a;
        p->accounts[a].expected++;
        p->ncells++;
    }
    free(ids);
    return CS_OK;
}

cs_rc cs_progress_manifest(cs_progress_t *p, const Cellscan__V1__ScanManifest *m,
                           struct cs_err *err)
{
    char **ids = NULL;
    size_t n = 0;

    if (m == NULL || p->snap.have_manifest || strcmp(m->scan_id, p->scan_id) != 0)
        return CS_OK;
    if (collect_accounts(m, &ids, &n) != CS_OK)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    p->accounts = calloc(n ? n : 1, sizeof(*p->accounts));
    if (p->accounts == NULL) {
        free_strv(ids, n);
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        p->accounts[i].id = ids[i];
    p->naccounts = n;
    free(ids);
    if (build_cells(p, m) != CS_OK) {
        free_cells(p->cells, p->ncells);
        free_accounts(p->accounts, p->naccounts);
        p->cells = NULL;
        p->accounts = NULL;
        p->ncells = p->naccounts = 0;
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    }
    p->snap.have_manifest = 1;
    p->snap.cells_total = p->ncells;
    p->snap.accounts_total = p->naccounts;
    p->snap.skipped = m->n_skipped;
    /* an account that expects no cell has nothing left to do */
    for (size_t i = 0; i < p->naccounts; i++)
        p->snap.accounts_done += p->accounts[i].expected == 0;
    for (size_t i = 0; i < p->nearly; i++)
        count(p, p->early[i].cell_id, p->early[i].failed, p->early[i].throttles);
    free_early(p);
    return CS_OK;
}

cs_rc cs_progress_result(cs_progress_t *p, const Cellscan__V1__CellResult *r,
                         struct cs_err *err)
{
    int failed;

    if (r == NULL || strcmp(r->scan_id, p->scan_id) != 0)
        return CS_OK;
    failed = r->status == CELLSCAN__V1__CELL_STATUS__CELL_FAILED;
    if (p->snap.have_manifest) {
        count(p, r->cell_id, failed, r->throttle_events);
        return CS_OK;
    }
    if (p->nearly == p->early_cap) {
        size_t cap = p->early_cap ? 2 * p->early_cap : 16;
        struct early *e;
        if (p->nearly >= CS_PROGRESS_MAX_EARLY)
            return cs_err_set(err, CS_ERR_LIMIT,
                              "progress: more than %d results before the manifest",
                              CS_PROGRESS_MAX_EARLY);
        e = realloc(p->early, cap * sizeof(*e));
        if (e == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        p->early = e;
        p->early_cap = cap;
    }
    p->early[p->nearly].cell_id = strdup(r->cell_id);
    if (p->early[p->nearly].cell_id == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    p->early[p->nearly].failed = failed;
    p->early[p->nearly].throttles = r->throttle_events;
    p->nearly++;
    return CS_OK;
}

static int evidence_failed(Cellscan__V1__EvidenceStatus st)
{
    return st == CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS ||
           st == CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NOT_ENABLED ||
           st == CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_ERROR;
}

/* Whether some cell of account had no result by the deadline. */
static int account_missed(const Cellscan__V1__ScanReport *r, const char *account)
{
    char acct[CELL_PART_MAX];

    for (size_t i = 0; i < r->n_evidence_completeness; i++) {
        const Cellscan__V1__Evidence *e = r->evidence_completeness[i];
        if (strcmp(e->reason, "deadline_exceeded") != 0)
            continue;
        cell_account(e->key, acct, sizeof(acct));
        if (strcmp(acct, account) == 0)
            return 1;
    }
    return 0;
}

void cs_progress_report(cs_progress_t *p, const Cellscan__V1__ScanReport *r)
{
    struct cs_progress_snap s;

    if (r == NULL || r->overall == NULL || strcmp(r->scan_id, p->scan_id) != 0)
        return;
    memset(&s, 0, sizeof(s));
    s.have_manifest = 1;
    s.cells_total = r->overall->cells_expected;
    s.accounts_total = r->n_accounts;
    s.skipped = r->n_skipped_accounts;
    for (size_t i = 0; i < r->n_evidence_completeness; i++) {
        const Cellscan__V1__Evidence *e = r->evidence_completeness[i];
        if (strcmp(e->reason, "deadline_exceeded") == 0)
            continue;
        s.cells_done++;
        s.cells_failed += evidence_failed(e->status);
        s.throttles += e->throttle_events;
    }
    for (size_t i = 0; i < r->n_accounts; i++)
        s.accounts_done += !account_missed(r, r->accounts[i]->account_id);
    p->snap = s;
}

void cs_progress_get(const cs_progress_t *p, struct cs_progress_snap *out)
{
    *out = p->snap;
}

/* The counters after the bar: "31/49 cells (3 failed)  5/7 accounts  ..." */
static cs_rc counters_text(const struct cs_progress_snap *s, int64_t elapsed_ms,
                           const char *sep, struct cs_buf *out)
{
    int64_t secs = elapsed_ms > 0 ? elapsed_ms / 1000 : 0;
    cs_rc rc;

    if (!s->have_manifest)
        return cs_buf_printf(out, "resolving accounts%s%lld:%02lld elapsed", sep,
                             (long long)(secs / 60), (long long)(secs % 60));
    rc = cs_buf_printf(out, "%llu/%llu cells",
                       (unsigned long long)s->cells_done,
                       (unsigned long long)s->cells_total);
    if (rc == CS_OK && s->cells_failed > 0)
        rc = cs_buf_printf(out, " (%llu failed)",
                           (unsigned long long)s->cells_failed);
    if (rc == CS_OK)
        rc = cs_buf_printf(out, "%s%llu/%llu accounts%s%llu throttle%s%s"
                           "%lld:%02lld elapsed", sep,
                           (unsigned long long)s->accounts_done,
                           (unsigned long long)s->accounts_total, sep,
                           (unsigned long long)s->throttles,
                           s->throttles == 1 ? "" : "s", sep,
                           (long long)(secs / 60), (long long)(secs % 60));
    return rc;
}

static cs_rc bar_line(const struct cs_progress_snap *s, int64_t elapsed_ms,
                      int width, struct cs_buf *out)
{
    struct cs_buf tail = CS_BUF_INIT(256);
    size_t start = out->len, bar, filled = 0, room;
    cs_rc rc = counters_text(s, elapsed_ms, "  ", &tail);

    if (rc != CS_OK)
        return rc;
    room = width > CS_PROGRESS_TAIL_COLS ? (size_t)(width - CS_PROGRESS_TAIL_COLS) : 0;
    bar = room < CS_PROGRESS_BAR_MIN ? CS_PROGRESS_BAR_MIN
          : room > CS_PROGRESS_BAR_MAX ? CS_PROGRESS_BAR_MAX : room;
    if (s->have_manifest && s->cells_total > 0)
        filled = (size_t)(s->cells_done * bar / s->cells_total);
    rc = cs_buf_appendc(out, '[');
    for (size_t i = 0; rc == CS_OK && i < bar; i++)
        rc = cs_buf_appendc(out, i < filled ? '#' : '.');
    if (rc == CS_OK)
        rc = cs_buf_printf(out, "]  %s", cs_buf_str(&tail));
    cs_buf_free(&tail);
    if (rc == CS_OK && width > 0 && out->len - start > (size_t)width)
        cs_buf_truncate(out, start + (size_t)width);
    return rc;
}

cs_rc cs_progress_line(const struct cs_progress_snap *s, int64_t elapsed_ms,
                       enum cs_progress_style style, int width,
                       struct cs_buf *out)
{
    cs_rc rc;

    if (style == CS_PROGRESS_BAR)
        return bar_line(s, elapsed_ms, width, out);
    rc = cs_buf_appends(out, "progress: ");
    if (rc == CS_OK)
        rc = counters_text(s, elapsed_ms, ", ", out);
    if (rc == CS_OK)
        rc = cs_buf_appendc(out, '\n');
    return rc;
}
