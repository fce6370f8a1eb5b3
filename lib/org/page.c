#include "org/page.h"

#include <string.h>

#include <jansson.h>

#include "aws/json.h"

/* n characters of [0-9a-z] at s, lo <= n <= hi, ending at end. */
static int run_of(const char *s, const char *end, size_t lo, size_t hi)
{
    size_t n = (size_t)(end - s);

    return n >= lo && n <= hi && strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz") >= n;
}

int cs_org_is_root_id(const char *s)
{
    return s && strncmp(s, "r-", 2) == 0 && run_of(s + 2, s + strlen(s), 4, 32);
}

int cs_org_is_ou_id(const char *s)
{
    const char *dash;

    if (s == NULL || strncmp(s, "ou-", 3) != 0)
        return 0;
    dash = strchr(s + 3, '-');
    return dash && run_of(s + 3, dash, 4, 32) && run_of(dash + 1, s + strlen(s), 8, 32);
}

int cs_org_is_account_id(const char *s)
{
    return s && strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

static const struct {
    const char *list;
    int (*valid)(const char *id);
} kinds[] = {
    [CS_ORG_PAGE_ROOTS] = {"Roots", cs_org_is_root_id},
    [CS_ORG_PAGE_OUS] = {"OrganizationalUnits", cs_org_is_ou_id},
    [CS_ORG_PAGE_ACCOUNTS] = {"Accounts", cs_org_is_account_id},
};

/* obj[key] as a string, "" when absent or null; CS_ERR_PARSE otherwise. */
static cs_rc opt_str(const json_t *obj, const char *key, const char **out,
                     struct cs_err *err)
{
    const json_t *v = json_object_get(obj, key);

    *out = "";
    if (v == NULL || json_is_null(v))
        return CS_OK;
    if (!json_is_string(v))
        return cs_err_set(err, CS_ERR_PARSE, "Organizations: \"%s\" is not a string", key);
    *out = json_string_value(v);
    return CS_OK;
}

static cs_rc item(enum cs_org_page k, const json_t *v, size_t i,
                  cs_org_item_fn fn, void *ud, struct cs_err *err)
{
    struct cs_org_item it;
    cs_rc rc;

    if (!json_is_object(v))
        return cs_err_set(err, CS_ERR_PARSE, "Organizations: %s[%zu] is not an object",
                          kinds[k].list, i);
    rc = opt_str(v, "Id", &it.id, err);
    if (rc == CS_OK)
        rc = opt_str(v, "Name", &it.name, err);
    if (rc == CS_OK)
        rc = opt_str(v, "Status", &it.status, err);
    if (rc != CS_OK)
        return rc;
    if (!kinds[k].valid(it.id))
        return cs_err_set(err, CS_ERR_PARSE, "Organizations: %s[%zu] has Id \"%.40s\"",
                          kinds[k].list, i, it.id);
    return fn(ud, &it, err);
}

cs_rc cs_org_page_parse(enum cs_org_page k, const char *body, size_t len,
                        cs_org_item_fn fn, void *ud, char *next,
                        size_t nextlen, struct cs_err *err)
{
    json_t *doc = NULL, *list;
    const char *tok;
    size_t i;
    cs_rc rc;

    if (next && nextlen)
        next[0] = '\0';
    if ((size_t)k >= sizeof(kinds) / sizeof(kinds[0]))
        return cs_err_set(err, CS_ERR_INVALID, "Organizations: page kind %d unknown", (int)k);
    rc = cs_aws_json_parse(body, len, &doc, err);
    if (rc != CS_OK)
        return rc;
    rc = opt_str(doc, "NextToken", &tok, err);
    if (rc == CS_OK && next && nextlen) {
        if (strlen(tok) >= nextlen)
            rc = cs_err_set(err, CS_ERR_LIMIT, "Organizations: NextToken longer than %zu bytes",
                            nextlen - 1);
        else
            memcpy(next, tok, strlen(tok) + 1);
    }
    list = json_object_get(doc, kinds[k].list);
    if (rc == CS_OK && list != NULL && !json_is_array(list))
        rc = cs_err_set(err, CS_ERR_PARSE, "Organizations: \"%s\" is not an array",
                        kinds[k].list);
    for (i = 0; rc == CS_OK && i < json_array_size(list); i++)
        rc = item(k, json_array_get(list, i), i, fn, ud, err);
    json_decref(doc);
    return rc;
}
