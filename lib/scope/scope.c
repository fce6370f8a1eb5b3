/* The scope file (docs/scope.md) -> ScanRequest (scope.h). The file is
 * read with jansson (duplicate members refused); each member is checked
 * for its type here, values are checked by the request validation
 * (check.c), which names the same paths. */
#include "scope/scope.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

#define SCHEMA_VERSION 1

/* A path for messages: "accounts[3]", "organization.exclude_ous[0]". */
#define PATH_MAX_LEN 96

static cs_rc nomem(struct cs_err *err)
{
    return cs_err_set(err, CS_ERR_NOMEM, "scope: out of memory");
}

static cs_rc wrong_type(struct cs_err *err, const char *path, const char *what)
{
    return cs_err_set(err, CS_ERR_INVALID, "scope: %s: expected %s", path,
                      what);
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Copies a JSON string member into *dst (replacing protobuf-c's static
 * empty string). */
static cs_rc take_string(const json_t *v, const char *path, char **dst,
                         struct cs_err *err)
{
    char *s;

    if (!json_is_string(v))
        return cs_err_set(err, CS_ERR_INVALID,
                          "scope: %s: expected a string, got %s", path,
                          json_kind(v));
    s = strdup(json_string_value(v));
    if (s == NULL)
        return nomem(err);
    if (*dst != protobuf_c_empty_string)
        free(*dst);
    *dst = s;
    return CS_OK;
}

/* A JSON array of strings into a malloc'd vector (each entry malloc'd);
 * what names one entry ("a region name"), whats all ("region names"). */
static cs_rc take_strings(const json_t *v, const char *path, const char *what,
                          const char *whats, char ***dst, size_t *n,
                          struct cs_err *err)
{
    char elem[PATH_MAX_LEN];
    size_t count, i;

    if (!json_is_array(v))
        return cs_err_set(err, CS_ERR_INVALID,
                          "scope: %s: expected an array of %s, got %s", path,
                          whats, json_kind(v));
    count = json_array_size(v);
    if (count == 0)
        return CS_OK;
    *dst = calloc(count, sizeof(char *));
    if (*dst == NULL)
        return nomem(err);
    for (i = 0; i < count; i++) {
        const json_t *e = json_array_get(v, i);
        if (!json_is_string(e)) {
            snprintf(elem, sizeof(elem), "%s[%zu]", path, i);
            return cs_err_set(err, CS_ERR_INVALID,
                              "scope: %s: expected %s (a string), got %s",
                              elem, what, json_kind(e));
        }
        (*dst)[i] = strdup(json_string_value(e));
        if ((*dst)[i] == NULL)
            return nomem(err);
        (*n)++;
    }
    return CS_OK;
}

static cs_rc take_uint(const json_t *v, const char *path, uint32_t *dst,
                       struct cs_err *err)
{
    json_int_t i;

    if (!json_is_integer(v))
        return cs_err_set(err, CS_ERR_INVALID,
                          "scope: %s: expected a whole number of seconds, got %s",
                          path, json_kind(v));
    i = json_integer_value(v);
    if (i < 0 || i > (json_int_t)UINT32_MAX)
        return cs_err_set(err, CS_ERR_INVALID,
                          "scope: %s: expected a whole number of seconds, got %lld",
                          path, (long long)i);
    *dst = (uint32_t)i;
    return CS_OK;
}

static cs_rc unknown_field(struct cs_err *err, const char *where,
                           const char *key)
{
    char q[CS_SCOPE_QUOTED_MAX];

    return cs_err_set(err, CS_ERR_INVALID, "scope: %s%sunknown field %s",
                      where, where[0] ? ": " : "",
                      cs_scope_quote(key, q, sizeof(q)));
}

static cs_rc read_accounts(const json_t *v, Cellscan__V1__ScanScope *s,
                           struct cs_err *err)
{
    Cellscan__V1__AccountList *a = malloc(sizeof(*a));

    if (a == NULL)
        return nomem(err);
    cellscan__v1__account_list__init(a);
    s->accounts = a;
    s->target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ACCOUNTS;
    return take_strings(v, "accounts", "a 12-digit account id", "account ids",
                        &a->account_ids, &a->n_account_ids, err);
}

static cs_rc read_org(const json_t *v, Cellscan__V1__ScanScope *s,
                      struct cs_err *err)
{
    Cellscan__V1__OrgDiscovery *org;
    const char *key;
    json_t *m;
    cs_rc rc = CS_OK;

    if (!json_is_object(v))
        return cs_err_set(err, CS_ERR_INVALID,
                          "scope: organization: expected an object, got %s",
                          json_kind(v));
    org = malloc(sizeof(*org));
    if (org == NULL)
        return nomem(err);
    cellscan__v1__org_discovery__init(org);
    s->organization = org;
    s->target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ORGANIZATION;
    json_object_foreach((json_t *)v, key, m) {
        if (strcmp(key, "org_role_arn") == 0)
            rc = take_string(m, "organization.org_role_arn", &org->org_role_arn,
                             err);
        else if (strcmp(key, "exclude_account_ids") == 0)
            rc = take_strings(m, "organization.exclude_account_ids",
                              "a 12-digit account id", "account ids",
                              &org->exclude_account_ids,
                              &org->n_exclude_account_ids, err);
        else if (strcmp(key, "exclude_ous") == 0)
            rc = take_strings(m, "organization.exclude_ous", "an OU id", "OU ids",
                              &org->exclude_ous, &org->n_exclude_ous, err);
        else
            rc = unknown_field(err, "organization", key);
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

/* The tag policy: inline (an object, serialised compactly in member
 * order) or the separate text of o, never both; parsed here so that
 * errors name where the policy came from. */
static cs_rc read_policy(const json_t *inline_policy,
                         const struct cs_scope_file_opts *o,
                         Cellscan__V1__ScanScope *s, struct cs_err *err)
{
    const char *src = o && o->policy_source ? o->policy_source : "--policy";
    cs_policy_t *p = NULL;
    char *text = NULL;
    size_t len;
    cs_rc rc;

    if (inline_policy && o && o->policy_json)
        return cs_err_set(err, CS_ERR_INVALID,
                          "scope: tag_policy: the policy is given both in the "
                          "scope and with %s; give it once",
                          src);
    if (inline_policy) {
        if (!json_is_object(inline_policy))
            return cs_err_set(err, CS_ERR_INVALID,
                              "scope: tag_policy: expected an object (the tag "
                              "policy), got %s",
                              json_kind(inline_policy));
        text = json_dumps(inline_policy, JSON_COMPACT | JSON_PRESERVE_ORDER);
        len = text ? strlen(text) : 0;
    } else if (o && o->policy_json) {
        if (memchr(o->policy_json, '\0', o->policy_len))
            return cs_err_set(err, CS_ERR_INVALID,
                              "policy %s: holds a NUL byte", src);
        text = malloc(o->policy_len + 1);
        if (text) {
            memcpy(text, o->policy_json, o->policy_len);
            text[o->policy_len] = '\0';
        }
        len = o->policy_len;
    } else {
        return CS_OK;
    }
    if (text == NULL)
        return nomem(err);
    rc = cs_policy_parse(text, len, &p, err);
    cs_policy_destroy(p);
    if (rc != CS_OK) {
        if (err) {
            char msg[CS_ERR_MSG_MAX];
            const char *m = strncmp(err->msg, "policy: ", 8) == 0
                                ? err->msg + 8
                                : err->msg;
            snprintf(msg, sizeof(msg), "%s", m);
            if (inline_policy)
                cs_err_set(err, rc, "scope: tag_policy: %s", msg);
            else
                cs_err_set(err, rc, "policy %s: %s", src, msg);
            cs_scope_err_printable(err);
        }
        free(text);
        return rc;
    }
    s->tag_policy_json = text;
    return CS_OK;
}

/* One top-level member into r (or *policy for tag_policy). */
static cs_rc read_member(const char *key, const json_t *m,
                         Cellscan__V1__ScanRequest *r, const json_t **policy,
                         struct cs_err *err)
{
    Cellscan__V1__ScanScope *s = r->scope;

    if (strcmp(key, "accounts") == 0 || strcmp(key, "organization") == 0) {
        if (s->target_case != CELLSCAN__V1__SCAN_SCOPE__TARGET__NOT_SET)
            return cs_err_set(err, CS_ERR_INVALID,
                              "scope: accounts and organization are mutually "
                              "exclusive; give one");
        return key[0] == 'a' ? read_accounts(m, s, err) : read_org(m, s, err);
    }
    if (strcmp(key, "categories") == 0)
        return take_strings(m, "categories", "a category", "categories",
                            &s->categories,
                            &s->n_categories, err);
    if (strcmp(key, "regions") == 0)
        return take_strings(m, "regions", "a region name", "region names",
                            &s->regions,
                            &s->n_regions, err);
    if (strcmp(key, "role_name") == 0)
        return take_string(m, "role_name", &s->role_name, err);
    if (strcmp(key, "external_id") == 0)
        return take_string(m, "external_id", &s->external_id, err);
    if (strcmp(key, "session_duration_s") == 0)
        return take_uint(m, "session_duration_s", &s->session_duration_s, err);
    if (strcmp(key, "deadline_s") == 0)
        return take_uint(m, "deadline_s", &s->deadline_s, err);
    if (strcmp(key, "client_id") == 0)
        return take_string(m, "client_id", &r->client_id, err);
    if (strcmp(key, "plan") == 0)
        return take_string(m, "plan", &r->plan, err);
    if (strcmp(key, "tag_policy") == 0) {
        *policy = m;
        return CS_OK;
    }
    return unknown_field(err, "", key);
}

/* Checks client_id and plan with the request rules (scan_id and time are
 * not the file's) and the scope with the scope rules. */
static cs_rc validate(Cellscan__V1__ScanRequest *r, struct cs_err *err)
{
    char *scan_id = r->scan_id;
    int64_t at = r->requested_at_ms;
    cs_rc rc;

    if (r->client_id[0] == '\0')
        return cs_err_set(err, CS_ERR_INVALID,
                          "scope: client_id: missing (set it in the scope or "
                          "CELLSCAN_CLIENT_ID)");
    /* stand-ins for what the caller fills in later */
    r->scan_id = (char *)"x";
    r->requested_at_ms = 1;
    rc = cs_scope_validate_request(r, NULL, err);
    r->scan_id = scan_id;
    r->requested_at_ms = at;
    if (rc != CS_OK)
        cs_err_prefix(err, "scope");
    return rc;
}

static cs_rc new_request(const struct cs_scope_file_opts *o,
                         Cellscan__V1__ScanRequest **out, struct cs_err *err)
{
    Cellscan__V1__ScanRequest *r = malloc(sizeof(*r));

    if (r == NULL)
        return nomem(err);
    cellscan__v1__scan_request__init(r);
    r->schema_version = SCHEMA_VERSION;
    *out = r;
    r->scope = malloc(sizeof(*r->scope));
    if (r->scope == NULL)
        return nomem(err);
    cellscan__v1__scan_scope__init(r->scope);
    if (o && o->client_id && o->client_id[0]) {
        r->client_id = strdup(o->client_id);
        if (r->client_id == NULL) {
            r->client_id = (char *)protobuf_c_empty_string;
            return nomem(err);
        }
    }
    return CS_OK;
}

cs_rc cs_scope_parse(const char *json, size_t len,
                     const struct cs_scope_file_opts *o,
                     Cellscan__V1__ScanRequest **out, struct cs_err *err)
{
    Cellscan__V1__ScanRequest *r = NULL;
    const json_t *policy = NULL;
    json_error_t jerr;
    json_t *root = NULL, *m;
    const char *key;
    cs_rc rc;

    *out = NULL;
    if (len > CS_SCOPE_MAX_FILE)
        return cs_err_set(err, CS_ERR_LIMIT, "scope: %zu bytes, at most %d",
                          len, CS_SCOPE_MAX_FILE);
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        cs_err_set(err, CS_ERR_PARSE,
                   "scope: line %d column %d: JSON syntax error: %s", jerr.line,
                   jerr.column, jerr.text);
        cs_scope_err_printable(err);
        return CS_ERR_PARSE;
    }
    if (!json_is_object(root)) {
        rc = wrong_type(err, "(top level)", "a JSON object");
        goto cleanup;
    }
    rc = new_request(o, &r, err);
    json_object_foreach(root, key, m) {
        if (rc != CS_OK)
            break;
        rc = read_member(key, m, r, &policy, err);
    }
    if (rc == CS_OK)
        rc = read_policy(policy, o, r->scope, err);
    if (rc == CS_OK)
        rc = validate(r, err);
cleanup:
    json_decref(root);
    if (rc != CS_OK) {
        cs_scope_request_free(r);
        return rc;
    }
    *out = r;
    return CS_OK;
}

void cs_scope_request_free(Cellscan__V1__ScanRequest *r)
{
    if (r)
        cellscan__v1__scan_request__free_unpacked(r, NULL);
}
