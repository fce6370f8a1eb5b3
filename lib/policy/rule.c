#include "policy/rule.h"

#include <stdlib.h>
#include <string.h>

static char *dupn(const char *s, size_t n, int fold)
{
    char *d = malloc(n + 1);
    size_t i;

    if (d == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        d[i] = fold ? (char)cs_ascii_lower((unsigned char)s[i]) : s[i];
    d[n] = '\0';
    return d;
}

static int bad_type_char(unsigned char c)
{
    return c <= ' ' || c == 0x7f || c == '*';
}

int cs_typeset_valid(const char *s, size_t len, int aws)
{
    const char *colon = memchr(s, ':', len);
    size_t svc, i;
    const char *rest;
    size_t rlen;

    if (len == 1 && s[0] == '*')
        return 1;
    if (colon == NULL || colon == s)
        return 0;
    svc = (size_t)(colon - s);
    for (i = 0; i < svc; i++)
        if (bad_type_char((unsigned char)s[i]))
            return 0;
    rest = colon + 1;
    rlen = len - svc - 1;
    if (rlen == 0)
        return 0;
    if (rlen == 1 && rest[0] == '*')
        return 1;
    /* AWS syntax; the cellscan form spells it "service:*", and a literal
     * type that can never match must not pass for a wildcard */
    if (rlen == 13 && memcmp(rest, "ALL_SUPPORTED", 13) == 0)
        return aws;
    /* a derived type never has a second separator, so such an entry could
     * never match: refuse it rather than silently weaken the policy */
    for (i = 0; i < rlen; i++)
        if (bad_type_char((unsigned char)rest[i]) || rest[i] == ':' ||
            rest[i] == '/')
            return 0;
    return 1;
}

cs_rc cs_typeset_reserve(struct cs_typeset *ts, size_t n)
{
    if (n == 0)
        return CS_OK;
    ts->e = calloc(n, sizeof(*ts->e));
    return ts->e ? CS_OK : CS_ERR_NOMEM;
}

cs_rc cs_typeset_add(struct cs_typeset *ts, const char *s, size_t len,
                     int aws)
{
    struct cs_typeset_entry *e;
    const char *colon;
    size_t svc, rlen;

    if (len == 1 && s[0] == '*') {
        ts->all = 1;
        return CS_OK;
    }
    colon = memchr(s, ':', len);
    svc = (size_t)(colon - s);
    rlen = len - svc - 1;
    e = &ts->e[ts->n];
    e->service_only = (rlen == 1 && colon[1] == '*') ||
                      (aws && rlen == 13 && memcmp(colon + 1, "ALL_SUPPORTED", 13) == 0);
    e->len = e->service_only ? svc : len;
    e->text = dupn(s, e->len, 0);
    if (e->text == NULL)
        return CS_ERR_NOMEM;
    ts->n++;
    return CS_OK;
}

static int typeset_has(const struct cs_typeset *ts,
                       const struct cs_rule_target *t)
{
    size_t i;

    if (ts->all)
        return 1;
    for (i = 0; i < ts->n; i++) {
        const struct cs_typeset_entry *e = &ts->e[i];
        size_t want = e->service_only ? t->service_len : t->type_len;
        if (e->len == want && memcmp(e->text, t->type, want) == 0)
            return 1;
    }
    return 0;
}

static void typeset_free(struct cs_typeset *ts)
{
    size_t i;

    for (i = 0; i < ts->n; i++)
        free(ts->e[i].text);
    free(ts->e);
    memset(ts, 0, sizeof(*ts));
}

cs_rc cs_rule_set_key(struct cs_rule *r, const char *key, size_t len,
                      int fold)
{
    r->fold = fold;
    r->key_len = len;
    r->key = dupn(key, len, 0);
    r->key_lower = dupn(key, len, 1);
    return r->key && r->key_lower ? CS_OK : CS_ERR_NOMEM;
}

cs_rc cs_rule_reserve_allowed(struct cs_rule *r, size_t n)
{
    if (n == 0)
        return CS_OK;
    r->lits = calloc(n, sizeof(*r->lits));
    r->pats = calloc(n, sizeof(*r->pats));
    return r->lits && r->pats ? CS_OK : CS_ERR_NOMEM;
}

cs_rc cs_rule_add_allowed(struct cs_rule *r, const char *s, size_t len)
{
    r->nallowed++;
    if (len == 0)
        r->allows_empty = 1;
    if (memchr(s, '*', len) != NULL) {
        cs_rc rc = cs_pattern_compile(&r->pats[r->npats], s, len, r->fold);
        if (rc == CS_OK)
            r->npats++;
        return rc;
    }
    r->lits[r->nlits].text = dupn(s, len, r->fold);
    if (r->lits[r->nlits].text == NULL)
        return CS_ERR_NOMEM;
    r->lits[r->nlits].len = len;
    r->nlits++;
    return CS_OK;
}

cs_rc cs_rule_reserve_enforced(struct cs_rule *r, size_t n)
{
    if (n == 0)
        return CS_OK;
    r->enforced = calloc(n, sizeof(*r->enforced));
    return r->enforced ? CS_OK : CS_ERR_NOMEM;
}

cs_rc cs_rule_add_enforced(struct cs_rule *r, const char *s, size_t len)
{
    r->enforced[r->nenforced] = dupn(s, len, 0);
    if (r->enforced[r->nenforced] == NULL)
        return CS_ERR_NOMEM;
    r->nenforced++;
    return CS_OK;
}

/* Byte order of (possibly folded) text: a has n bytes, lit is stored. */
static int lit_cmp(const char *a, size_t n, const struct cs_rule_lit *lit,
                   int fold)
{
    size_t m = n < lit->len ? n : lit->len, i;

    for (i = 0; i < m; i++) {
        unsigned char c = (unsigned char)a[i];
        unsigned char d = (unsigned char)lit->text[i];
        if (fold)
            c = cs_ascii_lower(c);
        if (c != d)
            return c < d ? -1 : 1;
    }
    return n < lit->len ? -1 : n > lit->len;
}

static int lit_qsort_cmp(const void *a, const void *b)
{
    const struct cs_rule_lit *x = a;
    return lit_cmp(x->text, x->len, b, 0);
}

void cs_rule_seal(struct cs_rule *r)
{
    if (r->nlits > 1)
        qsort(r->lits, r->nlits, sizeof(*r->lits), lit_qsort_cmp);
}

static int value_allowed(const struct cs_rule *r, const char *v, size_t n)
{
    size_t lo = 0, hi = r->nlits, i;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = lit_cmp(v, n, &r->lits[mid], r->fold);
        if (c == 0)
            return 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (i = 0; i < r->npats; i++)
        if (cs_pattern_match(&r->pats[i], v, n))
            return 1;
    return 0;
}

static int blank(const char *v)
{
    for (; *v; v++)
        if (*v != ' ' && *v != '\t' && *v != '\r' && *v != '\n')
            return 0;
    return 1;
}

/* 2 = the key equals the rule's key, 1 = equal ignoring ASCII case only,
 * 0 = different. Bails at the first differing byte, which is the common
 * case, so scanning a resource's tags stays cheap. */
static int key_match(const struct cs_rule *r, const char *k)
{
    int exact = 1;
    size_t i;

    for (i = 0; i < r->key_len; i++) {
        unsigned char c = (unsigned char)k[i];
        if (c == (unsigned char)r->key[i])
            continue;
        if (c == 0 || cs_ascii_lower(c) != (unsigned char)r->key_lower[i])
            return 0;
        exact = 0;
    }
    if (k[r->key_len] != '\0')
        return 0;
    return exact ? 2 : 1;
}

static int violation(struct cs_violation *out, const struct cs_rule *r,
                     enum cs_violation_kind kind, const char *found)
{
    out->kind = kind;
    out->tag_key = r->key;
    out->found_value = found;
    return 1;
}

int cs_rule_eval(const struct cs_rule *r, const struct cs_rule_target *t,
                 struct cs_violation *out)
{
    const struct cs_tag *exact = NULL, *folded = NULL, *match;
    const char *value;
    size_t i;

    if (!typeset_has(&r->applies, t))
        return 0;
    for (i = 0; i < t->ntags; i++) {
        const char *k = t->tags[i].key;
        int m = k ? key_match(r, k) : 0;
        if (m == 2) {
            exact = &t->tags[i];
            break;
        }
        if (m == 1 && folded == NULL)
            folded = &t->tags[i];
    }
    match = exact ? exact : folded;
    if (match == NULL) {
        if (typeset_has(&r->required, t))
            return violation(out, r, CS_VIOLATION_MISSING_REQUIRED_TAG, NULL);
        return 0;
    }
    if (match != exact && !r->fold)
        return violation(out, r, CS_VIOLATION_WRONG_KEY_CASE, match->key);
    value = match->value ? match->value : "";
    if (blank(value) && typeset_has(&r->required, t)) {
        if (r->allows_empty)
            return 0;
        return violation(out, r, CS_VIOLATION_INVALID_VALUE, value);
    }
    if (r->nallowed > 0 && !value_allowed(r, value, strlen(value)))
        return violation(out, r, CS_VIOLATION_INVALID_VALUE, value);
    return 0;
}

void cs_rule_free(struct cs_rule *r)
{
    size_t i;

    if (r == NULL)
        return;
    free(r->key);
    free(r->key_lower);
    typeset_free(&r->applies);
    typeset_free(&r->required);
    for (i = 0; i < r->nlits; i++)
        free(r->lits[i].text);
    free(r->lits);
    for (i = 0; i < r->npats; i++)
        cs_pattern_free(&r->pats[i]);
    free(r->pats);
    for (i = 0; i < r->nenforced; i++)
        free(r->enforced[i]);
    free(r->enforced);
    memset(r, 0, sizeof(*r));
}
