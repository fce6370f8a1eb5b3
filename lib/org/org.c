#include "org/org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "org/page.h"
#include "util/buf.h"

/* Caps on what one organization may hold (AWS allows a few thousand
 * accounts by default, up to tens of thousands on request; OUs nest five
 * deep). Past them the answer is treated as malformed. */
#define ORG_MAX_ACCOUNTS 200000
#define ORG_MAX_PARENTS 100000
/* Largest page Organizations serves. */
#define ORG_PAGE_SIZE 20

struct parent {
    char id[72];
    int excluded;  /* it or an ancestor is in exclude_ous */
};

struct discovery {
    cs_aws_client_t *cl;
    const struct cs_org_opts *o;
    struct cs_aws_assume_opts assume; /* explicit role; NULL role = configured */
    cs_aws_creds_t *creds;
    char management[13];              /* rate-limiter key, "" when unknown */
    struct cs_aws_stats stats;
    struct cs_aws_resp resp;
    struct cs_buf pending;   /* struct parent[]: to walk */
    struct cs_buf seen;      /* struct parent[]: walked or queued (a cycle ends) */
    struct cs_buf accounts;  /* struct cs_org_account[] */
    struct cs_buf skipped;   /* struct cs_org_skipped[] */
    const struct parent *current;
};

static int listed(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] && strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

static cs_rc check_opts(const struct cs_org_opts *o, struct cs_err *err)
{
    size_t i;

    for (i = 0; i < o->nexclude_accounts; i++)
        if (!cs_org_is_account_id(o->exclude_account_ids[i]))
            return cs_err_set(err, CS_ERR_INVALID,
                              "exclude_account_ids[%zu]: \"%.40s\" is not a 12-digit account id",
                              i, o->exclude_account_ids[i] ? o->exclude_account_ids[i] : "");
    for (i = 0; i < o->nexclude_ous; i++)
        if (!cs_org_is_ou_id(o->exclude_ous[i]) && !cs_org_is_root_id(o->exclude_ous[i]))
            return cs_err_set(err, CS_ERR_INVALID,
                              "exclude_ous[%zu]: \"%.80s\" is not an OU id (ou-...) or root id (r-...)",
                              i, o->exclude_ous[i] ? o->exclude_ous[i] : "");
    return CS_OK;
}

/* The account of "arn:<partition>:iam::<account>:role/<name>", or "". */
static void role_account(const char *arn, char out[13])
{
    const char *p = arn;

    out[0] = '\0';
    for (int i = 0; p && i < 4; i++) {
        p = strchr(p, ':');
        if (p)
            p++;
    }
    if (p && strspn(p, "0123456789") == 12 && p[12] == ':') {
        memcpy(out, p, 12);
        out[12] = '\0';
    }
}

static cs_rc assume(struct discovery *d, struct cs_aws_error *aerr,
                    struct cs_err *err)
{
    if (d->assume.role_arn)
        return cs_aws_assume_ex(d->cl, &d->assume, &d->creds, &d->stats, aerr, err);
    return cs_aws_assume_org(d->cl, &d->creds, &d->stats, aerr, err);
}

/* The contract's codes: DENIED and INVALID as they are, NOMEM, and
 * CS_ERR_AWS for every other failure (an AWS error after retries, the
 * network, a malformed answer). */
static cs_rc contract_rc(cs_rc rc, struct cs_err *err)
{
    if (rc != CS_OK && rc != CS_ERR_DENIED && rc != CS_ERR_INVALID && rc != CS_ERR_NOMEM)
        rc = CS_ERR_AWS;
    if (err && rc != CS_OK)
        err->code = rc;
    return rc;
}

/* One Organizations call, assuming the role again once if the session
 * expired meanwhile. */
static cs_rc org_call(struct discovery *d, const struct cs_aws_req *req,
                      struct cs_aws_error *aerr, struct cs_err *err)
{
    cs_rc rc = cs_aws_call(d->cl, d->creds, req, &d->resp, &d->stats, aerr, err);

    if (rc != CS_OK && aerr->expired) {
        cs_aws_forget(cs_aws_client_context(d->cl), d->creds);
        cs_aws_creds_unref(d->creds);
        d->creds = NULL;
        rc = assume(d, aerr, err);
        if (rc == CS_OK)
            rc = cs_aws_call(d->cl, d->creds, req, &d->resp, &d->stats, aerr, err);
    }
    return rc;
}

/* Every page of operation for parent (NULL for ListRoots), items to fn. */
static cs_rc list_all(struct discovery *d, const char *operation,
                      const char *parent, enum cs_org_page k, cs_org_item_fn fn,
                      struct cs_aws_error *aerr, struct cs_err *err)
{
    char token[CS_ORG_TOKEN_MAX] = "", next[CS_ORG_TOKEN_MAX];
    cs_rc rc;

    for (;;) {
        json_t *b = json_pack("{s:i}", "MaxResults", ORG_PAGE_SIZE);
        char *body = NULL;
        if (b && parent)
            json_object_set_new(b, "ParentId", json_string(parent));
        if (b && token[0])
            json_object_set_new(b, "NextToken", json_string(token));
        body = b ? json_dumps(b, JSON_COMPACT) : NULL;
        json_decref(b);
        if (body == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "Organizations: out of memory");
        struct cs_aws_req req = {.service = "organizations", .operation = operation,
                                 .account_id = d->management[0] ? d->management : NULL,
                                 .body = body};
        rc = org_call(d, &req, aerr, err);
        free(body);
        if (rc == CS_OK)
            rc = cs_org_page_parse(k, d->resp.body.ptr, d->resp.body.len, fn, d, next,
                                   sizeof(next), err);
        if (rc != CS_OK)
            return rc;
        if (next[0] == '\0')
            return CS_OK;
        if (strcmp(next, token) == 0)
            return cs_err_set(err, CS_ERR_PARSE, "Organizations %s: the same NextToken twice",
                              operation);
        memcpy(token, next, strlen(next) + 1);
    }
}

/* Appends one item of size sz to b; what names the cap for the message. */
static cs_rc keep(struct cs_buf *b, const void *item, size_t sz, const char *what,
                  struct cs_err *err)
{
    cs_rc rc = cs_buf_append(b, item, sz);

    if (rc == CS_ERR_LIMIT)
        return cs_err_set(err, rc, "Organizations: more than %zu %s", b->max / sz, what);
    if (rc != CS_OK)
        return cs_err_set(err, rc, "Organizations: out of memory");
    return CS_OK;
}

static cs_rc push_parent(struct discovery *d, const char *id, int excluded,
                         struct cs_err *err)
{
    const struct parent *seen = (const struct parent *)(void *)d->seen.ptr;
    size_t i, n = d->seen.len / sizeof(struct parent);
    struct parent p;
    cs_rc rc;

    for (i = 0; i < n; i++)
        if (strcmp(seen[i].id, id) == 0)
            return CS_OK;
    memset(&p, 0, sizeof(p));
    snprintf(p.id, sizeof(p.id), "%s", id);
    p.excluded = excluded || listed(id, d->o->exclude_ous, d->o->nexclude_ous);
    rc = keep(&d->seen, &p, sizeof(p), "roots and OUs", err);
    if (rc == CS_OK)
        rc = keep(&d->pending, &p, sizeof(p), "roots and OUs", err);
    return rc;
}

static cs_rc on_root(void *ud, const struct cs_org_item *it, struct cs_err *err)
{
    return push_parent(ud, it->id, 0, err);
}

static cs_rc on_ou(void *ud, const struct cs_org_item *it, struct cs_err *err)
{
    struct discovery *d = ud;

    return push_parent(d, it->id, d->current->excluded, err);
}

static cs_rc on_account(void *ud, const struct cs_org_item *it, struct cs_err *err)
{
    struct discovery *d = ud;
    const char *reason = NULL;

    /* a suspended account is "suspended" even when also excluded */
    if (strcmp(it->status, "ACTIVE") != 0)
        reason = "suspended";
    else if (listed(it->id, d->o->exclude_account_ids, d->o->nexclude_accounts))
        reason = "excluded_account";
    else if (d->current->excluded)
        reason = "excluded_ou";
    if (reason) {
        struct cs_org_skipped s;
        memset(&s, 0, sizeof(s));
        snprintf(s.id, sizeof(s.id), "%s", it->id);
        snprintf(s.reason, sizeof(s.reason), "%s", reason);
        return keep(&d->skipped, &s, sizeof(s), "accounts", err);
    }
    struct cs_org_account a;
    memset(&a, 0, sizeof(a));
    snprintf(a.id, sizeof(a.id), "%s", it->id);
    snprintf(a.name, sizeof(a.name), "%s", it->name);
    snprintf(a.parent_id, sizeof(a.parent_id), "%s", d->current->id);
    return keep(&d->accounts, &a, sizeof(a), "accounts", err);
}

/* Walks the tree: each parent's accounts, then its OUs (queued). */
static cs_rc walk_tree(struct discovery *d, struct cs_aws_error *aerr,
                       struct cs_err *err)
{
    struct parent cur;
    cs_rc rc = list_all(d, "ListRoots", NULL, CS_ORG_PAGE_ROOTS, on_root, aerr, err);

    while (rc == CS_OK && d->pending.len > 0) {
        /* pop the last: depth first, the pending list stays small */
        memcpy(&cur, d->pending.ptr + d->pending.len - sizeof(cur), sizeof(cur));
        cs_buf_truncate(&d->pending, d->pending.len - sizeof(cur));
        d->current = &cur;
        rc = list_all(d, "ListAccountsForParent", cur.id, CS_ORG_PAGE_ACCOUNTS,
                      on_account, aerr, err);
        if (rc == CS_OK)
            rc = list_all(d, "ListOrganizationalUnitsForParent", cur.id, CS_ORG_PAGE_OUS,
                          on_ou, aerr, err);
    }
    d->current = NULL;
    return rc;
}

static int cmp_account(const void *a, const void *b)
{
    return strcmp(((const struct cs_org_account *)a)->id,
                  ((const struct cs_org_account *)b)->id);
}

static int cmp_skipped(const void *a, const void *b)
{
    const struct cs_org_skipped *x = a, *y = b;
    int c = strcmp(x->id, y->id);

    return c ? c : strcmp(x->reason, y->reason);
}

/* Sorts n items of size sz at p and drops repeated ids (an account listed
 * under two parents by an inconsistent answer counts once). */
static size_t sort_unique(void *p, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
    char *base = p;
    size_t i, out = 0;

    if (n == 0)
        return 0;
    qsort(base, n, sz, cmp);
    for (i = 1; i < n; i++) {
        if (strcmp(base + i * sz, base + out * sz) != 0) {
            out++;
            if (out != i)
                memcpy(base + out * sz, base + i * sz, sz);
        }
    }
    return out + 1;
}

static cs_rc build_result(struct discovery *d, struct cs_org_result **out,
                          struct cs_err *err)
{
    struct cs_org_result *r = calloc(1, sizeof(*r));
    size_t na = d->accounts.len / sizeof(struct cs_org_account);
    size_t ns = d->skipped.len / sizeof(struct cs_org_skipped);

    if (r == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "Organizations: out of memory");
    /* both structs start with the id, so one comparison dedupes either */
    r->naccounts = sort_unique(d->accounts.ptr, na, sizeof(struct cs_org_account), cmp_account);
    r->nskipped = sort_unique(d->skipped.ptr, ns, sizeof(struct cs_org_skipped), cmp_skipped);
    r->accounts = na ? (struct cs_org_account *)(void *)cs_buf_take(&d->accounts, NULL) : NULL;
    r->skipped = ns ? (struct cs_org_skipped *)(void *)cs_buf_take(&d->skipped, NULL) : NULL;
    r->stats = d->stats;
    if ((na && r->accounts == NULL) || (ns && r->skipped == NULL)) {
        cs_org_result_free(r);
        return cs_err_set(err, CS_ERR_NOMEM, "Organizations: out of memory");
    }
    *out = r;
    return CS_OK;
}

cs_rc cs_org_discover(cs_aws_client_t *cl, const struct cs_org_opts *o,
                      struct cs_org_result **out, struct cs_aws_error *aerr,
                      struct cs_err *err)
{
    static const struct cs_org_opts defaults;
    struct cs_aws_error local = CS_AWS_ERROR_INIT;
    struct cs_aws_resp resp = CS_AWS_RESP_INIT;
    struct discovery d;
    cs_rc rc;

    *out = NULL;
    if (o == NULL)
        o = &defaults;
    if (aerr == NULL)
        aerr = &local;
    cs_aws_error_clear(aerr);
    memset(&d, 0, sizeof(d));
    d.cl = cl;
    d.o = o;
    d.resp = resp;
    cs_buf_init(&d.pending, (size_t)ORG_MAX_PARENTS * sizeof(struct parent));
    cs_buf_init(&d.seen, (size_t)ORG_MAX_PARENTS * sizeof(struct parent));
    cs_buf_init(&d.accounts, (size_t)ORG_MAX_ACCOUNTS * sizeof(struct cs_org_account));
    cs_buf_init(&d.skipped, (size_t)ORG_MAX_ACCOUNTS * sizeof(struct cs_org_skipped));
    rc = check_opts(o, err);
    if (rc != CS_OK)
        goto cleanup;
    if (o->org_role_arn && o->org_role_arn[0]) {
        d.assume.role_arn = o->org_role_arn;
        role_account(o->org_role_arn, d.management);
    }
    /* without a role, assume_org refuses (CS_ERR_INVALID): never a silent
     * scan of the scanner's own account */
    rc = assume(&d, aerr, err);
    if (rc == CS_OK)
        rc = walk_tree(&d, aerr, err);
    if (rc == CS_OK)
        rc = build_result(&d, out, err);
cleanup:
    cs_aws_creds_unref(d.creds);
    cs_aws_resp_free(&d.resp);
    cs_buf_free(&d.pending);
    cs_buf_free(&d.seen);
    cs_buf_free(&d.accounts);
    cs_buf_free(&d.skipped);
    return contract_rc(rc, err);
}

void cs_org_result_free(struct cs_org_result *r)
{
    if (r == NULL)
        return;
    free(r->accounts);
    free(r->skipped);
    free(r);
}
