#include "policy/parse.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Paths and echoed values are cut to keep an error to one readable line. */
#define PATH_LEN 160
#define GOT_LEN 64
#define NOTICES_MAX (1u << 20)
#define OPERATORS_CHILD "@@operators_allowed_for_child_policies"

struct ctx {
    struct cs_policy_doc *doc;
    struct cs_err *err;
};

static cs_rc fail(struct ctx *c, cs_rc code, const char *path,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static cs_rc fail(struct ctx *c, cs_rc code, const char *path,
                  const char *fmt, ...)
{
    char what[CS_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (path[0] == '\0')
        return cs_err_set(c->err, code, "policy: %s", what);
    return cs_err_set(c->err, code, "policy: %s: %s", path, what);
}

static cs_rc nomem(struct ctx *c)
{
    return cs_err_set(c->err, CS_ERR_NOMEM, "policy: out of memory");
}

/* Writes s as a JSON string literal into out, cut (with "...") so the
 * echo of a hostile value stays short; never splits a UTF-8 sequence. */
static void quote(char *out, size_t outlen, const char *s)
{
    size_t o = 0, i;

    out[o++] = '"';
    for (i = 0; s[i] && o + 12 < outlen; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (o + 16 >= outlen && (ch & 0xc0) != 0x80) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            o += (size_t)snprintf(out + o, outlen - o, "\\u%04x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* How a JSON value reads in "got ..." of an error. */
static const char *describe(const json_t *v, char *buf, size_t n)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        quote(buf, n, json_string_value(v));
        return buf;
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    default:
        return "null";
    }
}

static int plain_name(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || strchr("_-@:/+=", ch)))
            return 0;
    }
    return 1;
}

/* parent.name, or parent["odd name"] when name would be ambiguous. */
static void path_field(char *out, const char *parent, const char *name)
{
    char q[GOT_LEN];

    if (plain_name(name)) {
        snprintf(out, PATH_LEN, "%s%s%s", parent, parent[0] ? "." : "", name);
    } else {
        quote(q, sizeof(q), name);
        snprintf(out, PATH_LEN, "%s[%s]", parent, q);
    }
}

static void path_index(char *out, const char *parent, size_t i)
{
    snprintf(out, PATH_LEN, "%s[%zu]", parent, i);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static cs_rc check_key_text(struct ctx *c, const char *path, const char *s)
{
    size_t n = utf8_chars(s);

    if (n < 1 || n > CS_POLICY_MAX_KEY_CHARS)
        return fail(c, CS_ERR_INVALID, path,
                    "expected a tag key of 1 to %d characters, got %zu",
                    CS_POLICY_MAX_KEY_CHARS, n);
    return CS_OK;
}

static cs_rc notice(struct ctx *c, const char *path)
{
    struct cs_buf *b = &c->doc->notices;
    cs_rc rc;

    rc = cs_buf_printf(b, "policy: ignoring " OPERATORS_CHILD " at %s",
                       path[0] ? path : "the top level");
    if (rc == CS_OK)
        rc = cs_buf_append(b, "", 1);
    if (rc != CS_OK) {
        c->doc->nnotices = 0;
        return rc == CS_ERR_NOMEM ? nomem(c)
                                  : fail(c, rc, path, "too many notices");
    }
    c->doc->nnotices++;
    return CS_OK;
}

/* A "@@..." member of an AWS-form object: the child-policy operator is
 * ignored with a notice; the inheritance operators only occur in parent
 * policies, never in the effective policy this scanner evaluates. */
static cs_rc operator_member(struct ctx *c, const char *path,
                             const char *name)
{
    char q[GOT_LEN];

    if (strcmp(name, OPERATORS_CHILD) == 0)
        return notice(c, path);
    quote(q, sizeof(q), name);
    return fail(c, CS_ERR_INVALID, path,
                "operator %s is not accepted here (an effective tag policy "
                "uses only @@assign)", q);
}

static cs_rc unknown_field(struct ctx *c, const char *path, const char *name)
{
    char q[GOT_LEN];

    quote(q, sizeof(q), name);
    return fail(c, CS_ERR_INVALID, path, "unknown field %s", q);
}

/* String lists: the cellscan form takes arrays; an AWS @@assign takes a
 * string or an array. */
enum list_kind { LIST_ARRAY, LIST_ASSIGN };

static size_t list_len(const json_t *v)
{
    return json_is_string(v) ? 1 : json_array_size(v);
}

static const json_t *list_at(const json_t *v, size_t i)
{
    return json_is_string(v) ? v : json_array_get(v, i);
}

static cs_rc check_type_entry(struct ctx *c, const char *path,
                              const json_t *item, int aws)
{
    const char *s = json_string_value(item);
    char got[GOT_LEN];

    if (cs_typeset_valid(s, json_string_length(item), aws))
        return CS_OK;
    return fail(c, CS_ERR_INVALID, path,
                "expected \"service:type\", \"service:*\"%s or \"*\", got %s",
                aws ? ", \"service:ALL_SUPPORTED\"" : "",
                describe(item, got, sizeof(got)));
}

/* Validates a list of strings; max 0 = no count limit beyond the JSON
 * size; types = each entry is a resource type entry. */
static cs_rc check_list(struct ctx *c, const char *path, const json_t *v,
                        enum list_kind kind, size_t max, int types)
{
    char ipath[PATH_LEN];
    size_t i, n;
    cs_rc rc;

    if (!json_is_array(v) && !(kind == LIST_ASSIGN && json_is_string(v)))
        return fail(c, CS_ERR_INVALID, path, "expected %s",
                    kind == LIST_ASSIGN ? "a string or an array of strings"
                                        : "an array of strings");
    n = list_len(v);
    if (max > 0 && n > max)
        return fail(c, CS_ERR_LIMIT, path, "%zu values, at most %zu", n, max);
    for (i = 0; i < n; i++) {
        const json_t *item = list_at(v, i);
        if (json_is_array(v))
            path_index(ipath, path, i);
        else
            snprintf(ipath, sizeof(ipath), "%s", path);
        if (!json_is_string(item))
            return fail(c, CS_ERR_INVALID, ipath, "expected a string");
        if (types) {
            rc = check_type_entry(c, ipath, item, kind == LIST_ASSIGN);
            if (rc != CS_OK)
                return rc;
        }
    }
    return CS_OK;
}

/* Where the strings of a validated list go: the room is made first (the
 * list length is known), then each string is added. */
enum list_target { TO_ALLOWED, TO_ENFORCED, TO_APPLIES, TO_REQUIRED_AWS };

static cs_rc reserve_for(struct cs_rule *r, enum list_target to, size_t n)
{
    switch (to) {
    case TO_ALLOWED:
        return cs_rule_reserve_allowed(r, n);
    case TO_ENFORCED:
        return cs_rule_reserve_enforced(r, n);
    case TO_APPLIES:
        return cs_typeset_reserve(&r->applies, n);
    default:
        return cs_typeset_reserve(&r->required, n);
    }
}

static cs_rc add_to(struct cs_rule *r, enum list_target to, const json_t *s)
{
    const char *text = json_string_value(s);
    size_t len = json_string_length(s);

    switch (to) {
    case TO_ALLOWED:
        return cs_rule_add_allowed(r, text, len);
    case TO_ENFORCED:
        return cs_rule_add_enforced(r, text, len);
    case TO_APPLIES:
        return cs_typeset_add(&r->applies, text, len, 0);
    default:
        return cs_typeset_add(&r->required, text, len, 1);
    }
}

/* Builds part of r from a validated list (v NULL = absent). */
static cs_rc build_list(struct ctx *c, struct cs_rule *r, enum list_target to,
                        const json_t *v)
{
    size_t i, n = v ? list_len(v) : 0;

    if (n > 0 && reserve_for(r, to, n) != CS_OK)
        return nomem(c);
    for (i = 0; i < n; i++)
        if (add_to(r, to, list_at(v, i)) != CS_OK)
            return nomem(c);
    return CS_OK;
}

/* ------------------------------------------------------- cellscan form */

struct cellscan_fields {
    const json_t *key, *required, *allowed, *types;
    int fold;
};

static cs_rc check_case(struct ctx *c, const char *path, const json_t *v,
                        int *fold)
{
    const char *s = json_string_value(v);
    char got[GOT_LEN];

    if (s && strcmp(s, "exact") == 0 && json_string_length(v) == 5) {
        *fold = 0;
        return CS_OK;
    }
    if (s && strcmp(s, "insensitive") == 0 && json_string_length(v) == 11) {
        *fold = 1;
        return CS_OK;
    }
    return fail(c, CS_ERR_INVALID, path,
                "expected \"exact\" or \"insensitive\", got %s",
                describe(v, got, sizeof(got)));
}

static cs_rc check_cellscan_field(struct ctx *c, const char *rpath,
                                  const char *name, const json_t *v,
                                  struct cellscan_fields *f)
{
    char path[PATH_LEN];

    path_field(path, rpath, name);
    if (strcmp(name, "key") == 0) {
        f->key = v;
        if (!json_is_string(v))
            return fail(c, CS_ERR_INVALID, path, "expected a string");
        return check_key_text(c, path, json_string_value(v));
    }
    if (strcmp(name, "required") == 0) {
        f->required = v;
        if (!json_is_boolean(v))
            return fail(c, CS_ERR_INVALID, path, "expected true or false");
        return CS_OK;
    }
    if (strcmp(name, "allowed_values") == 0) {
        f->allowed = v;
        return check_list(c, path, v, LIST_ARRAY, CS_POLICY_MAX_VALUES, 0);
    }
    if (strcmp(name, "case") == 0)
        return check_case(c, path, v, &f->fold);
    if (strcmp(name, "resource_types") == 0) {
        f->types = v;
        return check_list(c, path, v, LIST_ARRAY, 0, 1);
    }
    return unknown_field(c, rpath, name);
}

static cs_rc read_cellscan_rule(struct ctx *c, const char *path,
                                const json_t *obj, struct cs_rule *r)
{
    struct cellscan_fields f = {NULL, NULL, NULL, NULL, 0};
    const char *name;
    json_t *v;
    cs_rc rc;

    if (!json_is_object(obj))
        return fail(c, CS_ERR_INVALID, path, "expected an object");
    json_object_foreach((json_t *)obj, name, v) {
        rc = check_cellscan_field(c, path, name, v, &f);
        if (rc != CS_OK)
            return rc;
    }
    if (f.key == NULL)
        return fail(c, CS_ERR_INVALID, path, "missing field \"key\"");
    if (cs_rule_set_key(r, json_string_value(f.key),
                        json_string_length(f.key), f.fold) != CS_OK)
        return nomem(c);
    rc = build_list(c, r, TO_ALLOWED, f.allowed);
    if (rc == CS_OK)
        rc = build_list(c, r, TO_APPLIES, f.types);
    /* no resource_types (or []) means every type */
    r->applies.all |= f.types == NULL || list_len(f.types) == 0;
    /* required holds for every type the rule applies to */
    r->required.all = f.required != NULL && json_is_true(f.required);
    cs_rule_seal(r);
    return rc;
}

static cs_rc read_cellscan(struct ctx *c, const json_t *root)
{
    const json_t *rules = json_object_get(root, "rules");
    char path[PATH_LEN];
    const char *name;
    json_t *v;
    size_t i, n;
    cs_rc rc;

    json_object_foreach((json_t *)root, name, v) {
        if (strcmp(name, "rules") != 0)
            return unknown_field(c, "", name);
    }
    if (!json_is_array(rules))
        return fail(c, CS_ERR_INVALID, "rules", "expected an array");
    n = json_array_size(rules);
    if (n > CS_POLICY_MAX_RULES)
        return fail(c, CS_ERR_LIMIT, "rules", "%zu rules, at most %d", n,
                    CS_POLICY_MAX_RULES);
    c->doc->rules = calloc(n ? n : 1, sizeof(*c->doc->rules));
    if (c->doc->rules == NULL)
        return nomem(c);
    for (i = 0; i < n; i++) {
        path_index(path, "rules", i);
        c->doc->nrules++;
        rc = read_cellscan_rule(c, path, json_array_get(rules, i),
                                &c->doc->rules[i]);
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

/* ------------------------------------------------------------ AWS form */

/* An operator object {"@@assign": ...}; *assign receives the operand. */
static cs_rc read_operand(struct ctx *c, const char *path, const json_t *obj,
                          const json_t **assign)
{
    const char *name;
    json_t *v;
    cs_rc rc;

    *assign = NULL;
    if (!json_is_object(obj))
        return fail(c, CS_ERR_INVALID, path,
                    "expected an object with \"@@assign\"");
    json_object_foreach((json_t *)obj, name, v) {
        rc = CS_OK;
        if (strcmp(name, "@@assign") == 0)
            *assign = v;
        else if (strncmp(name, "@@", 2) == 0)
            rc = operator_member(c, path, name);
        else
            rc = unknown_field(c, path, name);
        if (rc != CS_OK)
            return rc;
    }
    if (*assign == NULL)
        return fail(c, CS_ERR_INVALID, path, "missing \"@@assign\"");
    return CS_OK;
}

static cs_rc check_tag_key(struct ctx *c, const char *path, const json_t *v,
                           const json_t **key)
{
    if (json_is_array(v) && json_array_size(v) == 1 &&
        json_is_string(json_array_get(v, 0)))
        v = json_array_get(v, 0);
    if (!json_is_string(v))
        return fail(c, CS_ERR_INVALID, path, "expected one string");
    *key = v;
    return check_key_text(c, path, json_string_value(v));
}

struct aws_fields {
    const json_t *key, *values, *enforced, *required;
};

static cs_rc check_aws_field(struct ctx *c, const char *epath,
                             const char *name, const json_t *v,
                             struct aws_fields *f)
{
    char path[PATH_LEN], apath[PATH_LEN];
    const json_t *assign;
    cs_rc rc;

    if (strncmp(name, "@@", 2) == 0)
        return operator_member(c, epath, name);
    path_field(path, epath, name);
    path_field(apath, path, "@@assign");
    if (strcmp(name, "tag_key") == 0) {
        rc = read_operand(c, path, v, &assign);
        return rc != CS_OK ? rc : check_tag_key(c, apath, assign, &f->key);
    }
    if (strcmp(name, "tag_value") == 0) {
        rc = read_operand(c, path, v, &f->values);
        return rc != CS_OK ? rc : check_list(c, apath, f->values, LIST_ASSIGN,
                                             CS_POLICY_MAX_VALUES, 0);
    }
    if (strcmp(name, "enforced_for") == 0) {
        rc = read_operand(c, path, v, &f->enforced);
        return rc != CS_OK ? rc
                           : check_list(c, apath, f->enforced, LIST_ASSIGN, 0, 0);
    }
    if (strcmp(name, "report_required_tag_for") == 0) {
        rc = read_operand(c, path, v, &f->required);
        return rc != CS_OK ? rc
                           : check_list(c, apath, f->required, LIST_ASSIGN, 0, 1);
    }
    return unknown_field(c, epath, name);
}

static cs_rc read_aws_entry(struct ctx *c, const char *path,
                            const char *entry, const json_t *obj,
                            struct cs_rule *r)
{
    struct aws_fields f = {NULL, NULL, NULL, NULL};
    const char *name, *key;
    size_t key_len;
    json_t *v;
    cs_rc rc;

    if (!json_is_object(obj))
        return fail(c, CS_ERR_INVALID, path, "expected an object");
    json_object_foreach((json_t *)obj, name, v) {
        rc = check_aws_field(c, path, name, v, &f);
        if (rc != CS_OK)
            return rc;
    }
    if (f.key != NULL) {
        key = json_string_value(f.key);
        key_len = json_string_length(f.key);
    } else {
        rc = check_key_text(c, path, entry);
        if (rc != CS_OK)
            return rc;
        key = entry;
        key_len = strlen(entry);
    }
    /* AWS checks key capitalisation and values case-sensitively, on every
     * resource; only "required" depends on the type */
    if (cs_rule_set_key(r, key, key_len, 0) != CS_OK)
        return nomem(c);
    r->applies.all = 1;
    rc = build_list(c, r, TO_ALLOWED, f.values);
    if (rc == CS_OK)
        rc = build_list(c, r, TO_REQUIRED_AWS, f.required);
    if (rc == CS_OK)
        rc = build_list(c, r, TO_ENFORCED, f.enforced);
    cs_rule_seal(r);
    return rc;
}

static cs_rc read_aws(struct ctx *c, const json_t *root)
{
    const json_t *tags = json_object_get(root, "tags");
    char path[PATH_LEN];
    const char *name;
    json_t *v;
    size_t n = 0;
    cs_rc rc;

    json_object_foreach((json_t *)root, name, v) {
        if (strncmp(name, "@@", 2) == 0)
            rc = operator_member(c, "", name);
        else if (strcmp(name, "tags") != 0)
            rc = unknown_field(c, "", name);
        else
            rc = CS_OK;
        if (rc != CS_OK)
            return rc;
    }
    if (!json_is_object(tags))
        return fail(c, CS_ERR_INVALID, "tags", "expected an object");
    json_object_foreach((json_t *)tags, name, v)
        n += strncmp(name, "@@", 2) != 0;
    if (n > CS_POLICY_MAX_RULES)
        return fail(c, CS_ERR_LIMIT, "tags", "%zu tag entries, at most %d", n,
                    CS_POLICY_MAX_RULES);
    c->doc->rules = calloc(n ? n : 1, sizeof(*c->doc->rules));
    if (c->doc->rules == NULL)
        return nomem(c);
    json_object_foreach((json_t *)tags, name, v) {
        if (strncmp(name, "@@", 2) == 0) {
            rc = operator_member(c, "tags", name);
        } else {
            path_field(path, "tags", name);
            rc = read_aws_entry(c, path, name, v,
                                &c->doc->rules[c->doc->nrules++]);
        }
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

/* ------------------------------------------------------------ document */

cs_rc cs_policy_doc_read(struct cs_policy_doc *doc, const char *json,
                         size_t len, struct cs_err *err)
{
    struct ctx c = {doc, err};
    json_error_t jerr;
    json_t *root = NULL;
    const json_t *rules, *tags;
    char got[GOT_LEN];
    cs_rc rc;

    memset(doc, 0, sizeof(*doc));
    cs_buf_init(&doc->notices, NOTICES_MAX);
    if (len == 0)
        return CS_OK;
    if (len > CS_POLICY_MAX_JSON)
        return fail(&c, CS_ERR_LIMIT, "", "%zu bytes of JSON, at most %d",
                    len, CS_POLICY_MAX_JSON);
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return fail(&c, CS_ERR_PARSE, "",
                    "line %d column %d: JSON syntax error: %s", jerr.line,
                    jerr.column, jerr.text);
    rules = json_object_get(root, "rules");
    tags = json_object_get(root, "tags");
    if (!json_is_object(root)) {
        rc = fail(&c, CS_ERR_INVALID, "",
                  "expected a JSON object with \"rules\" (cellscan form) or "
                  "\"tags\" (AWS Organizations form), got %s",
                  describe(root, got, sizeof(got)));
    } else if (rules == NULL && tags == NULL) {
        rc = fail(&c, CS_ERR_INVALID, "",
                  "expected \"rules\" (cellscan form) or \"tags\" (AWS "
                  "Organizations form) at the top level");
    } else if (rules != NULL && tags != NULL) {
        rc = fail(&c, CS_ERR_INVALID, "",
                  "both \"rules\" and \"tags\" given; a policy has one form");
    } else if (rules != NULL) {
        doc->form = CS_POLICY_FORM_CELLSCAN;
        rc = read_cellscan(&c, root);
    } else {
        doc->form = CS_POLICY_FORM_AWS;
        rc = read_aws(&c, root);
    }
    json_decref(root);
    return rc;
}

void cs_policy_doc_free(struct cs_policy_doc *doc)
{
    size_t i;

    if (doc == NULL)
        return;
    for (i = 0; i < doc->nrules; i++)
        cs_rule_free(&doc->rules[i]);
    free(doc->rules);
    cs_buf_free(&doc->notices);
    memset(doc, 0, sizeof(*doc));
}
