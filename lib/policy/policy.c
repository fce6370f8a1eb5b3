#include "policy/policy.h"

#include <stdlib.h>
#include <string.h>

#include "policy/parse.h"
#include "policy/rule.h"

struct cs_policy_s {
    enum cs_policy_form form;
    struct cs_rule *rules;
    size_t nrules;
    char *notice_text;       /* notices back to back, NUL-separated */
    const char **notices;
    size_t nnotices;
};

cs_rc cs_policy_parse(const char *json, size_t len, cs_policy_t **out,
                      struct cs_err *err)
{
    struct cs_policy_doc doc;
    cs_policy_t *p = NULL;
    const char *s;
    size_t i;
    cs_rc rc;

    *out = NULL;
    rc = cs_policy_doc_read(&doc, json, len, err);
    if (rc != CS_OK)
        goto cleanup;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        goto nomem;
    p->notices = calloc(doc.nnotices ? doc.nnotices : 1, sizeof(*p->notices));
    p->notice_text = cs_buf_take(&doc.notices, NULL);
    if (p->notices == NULL || p->notice_text == NULL)
        goto nomem;
    for (i = 0, s = p->notice_text; i < doc.nnotices; i++, s += strlen(s) + 1)
        p->notices[i] = s;
    p->nnotices = doc.nnotices;
    p->form = doc.form;
    /* the rules move into the handle */
    p->rules = doc.rules;
    p->nrules = doc.nrules;
    doc.rules = NULL;
    doc.nrules = 0;
    *out = p;
    p = NULL;
    goto cleanup;
nomem:
    rc = cs_err_set(err, CS_ERR_NOMEM, "policy: out of memory");
cleanup:
    cs_policy_doc_free(&doc);
    cs_policy_destroy(p);
    return rc;
}

void cs_policy_destroy(cs_policy_t *p)
{
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < p->nrules; i++)
        cs_rule_free(&p->rules[i]);
    free(p->rules);
    free(p->notice_text);
    free(p->notices);
    free(p);
}

enum cs_policy_form cs_policy_form(const cs_policy_t *p)
{
    return p ? p->form : CS_POLICY_FORM_EMPTY;
}

size_t cs_policy_rule_count(const cs_policy_t *p)
{
    return p ? p->nrules : 0;
}

const char *cs_policy_rule_key(const cs_policy_t *p, size_t i)
{
    return p->rules[i].key;
}

const char *const *cs_policy_rule_enforced_for(const cs_policy_t *p,
                                               size_t i, size_t *n)
{
    *n = p->rules[i].nenforced;
    return (const char *const *)p->rules[i].enforced;
}

size_t cs_policy_notice_count(const cs_policy_t *p)
{
    return p ? p->nnotices : 0;
}

const char *cs_policy_notice(const cs_policy_t *p, size_t i)
{
    return p->notices[i];
}

size_t cs_policy_eval(const cs_policy_t *p, const struct cs_resource *r,
                      struct cs_violation *out, size_t cap)
{
    struct cs_rule_target t;
    struct cs_violation v;
    const char *colon;
    size_t i, n = 0;

    if (p == NULL)
        return 0;
    t.type = r->type ? r->type : "";
    t.type_len = strlen(t.type);
    colon = memchr(t.type, ':', t.type_len);
    t.service_len = colon ? (size_t)(colon - t.type) : t.type_len;
    t.tags = r->tags;
    t.ntags = r->tags ? r->ntags : 0;
    for (i = 0; i < p->nrules; i++) {
        if (!cs_rule_eval(&p->rules[i], &t, &v))
            continue;
        v.rule = i;
        if (n < cap)
            out[n] = v;
        n++;
    }
    return n;
}
