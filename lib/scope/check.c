/* The validation of a ScanRequest and its ScanScope (scope.h). */
#include "scope/scope.h"

#include <stdio.h>
#include <string.h>

#include "extract/run.h"
#include "policy/policy.h"
#include "store/keys.h"
#include "store/plan.h"

#define SCHEMA_VERSION 1
#define ACCOUNT_ID_LEN 12

/* The characters IAM allows in role names and STS in ExternalId. */
#define ROLE_NAME_CHARS "+=,.@_-"
#define EXTERNAL_ID_CHARS "+=,.@:/_-"

static int is_lower(int c)
{
    return c >= 'a' && c <= 'z';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(int c)
{
    return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z');
}

/* 1 when s is min..max characters, each alphanumeric or in extra. */
static int word_of(const char *s, size_t min, size_t max, const char *extra)
{
    size_t n = strlen(s);

    if (n < min || n > max)
        return 0;
    for (; *s; s++)
        if (!is_alnum((unsigned char)*s) && !strchr(extra, *s))
            return 0;
    return 1;
}

/* Skips a run of characters accepted by ok; returns its end. */
static const char *skip(const char *s, int (*ok)(int))
{
    while (*s && ok((unsigned char)*s))
        s++;
    return s;
}

static int digits_only(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    return *skip(s, is_digit) == '\0';
}

const char *cs_scope_check_account_id(const char *s)
{
    return digits_only(s, ACCOUNT_ID_LEN) ? NULL
                                          : "expected a 12-digit account id";
}

/* Region names: lower-case words joined by '-', ending in a number:
 * us-east-1, us-gov-west-1, ap-southeast-3, eu-isoe-west-1. */
const char *cs_scope_check_region(const char *s)
{
    static const char *const why =
        "expected a region name such as us-east-1";
    const char *p = s;
    int words = 0;

    if (strlen(s) > 31)
        return why;
    for (;;) {
        const char *e = skip(p, is_lower);
        if (e == p || *e != '-')
            break;
        words++;
        p = e + 1;
    }
    if (words < 2 || !is_digit((unsigned char)*p))
        return why;
    p = skip(p, is_digit);
    return *p == '\0' ? NULL : why;
}

const char *cs_scope_check_category(const char *s)
{
    if (cs_extract_category_known(s))
        return NULL;
    return "unknown category (expected ec2, s3, rds, lambda, ecs, eks or "
           "tagging)";
}

/* ou-<4..32 of [0-9a-z]>-<8..32 of [0-9a-z]>, as Organizations says. */
const char *cs_scope_check_ou_id(const char *s)
{
    static const char *const why = "expected an OU id such as ou-ab12-cd34ef56";
    const char *p, *e;

    if (strncmp(s, "ou-", 3) != 0)
        return why;
    p = s + 3;
    e = skip(p, is_alnum);
    if (e - p < 4 || e - p > 32 || *e != '-')
        return why;
    p = e + 1;
    e = skip(p, is_alnum);
    if (e - p < 8 || e - p > 32 || *e != '\0')
        return why;
    for (p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            return why;
    return NULL;
}

/* arn:<partition>:iam::<account>:role/<path/>name */
const char *cs_scope_check_role_arn(const char *s)
{
    static const char *const why =
        "expected an IAM role ARN such as arn:aws:iam::111111111111:role/Name";
    const char *p, *e, *name;
    char acct[ACCOUNT_ID_LEN + 1];

    if (strlen(s) > CS_SCOPE_ROLE_ARN_MAX || strncmp(s, "arn:", 4) != 0)
        return why;
    p = s + 4;
    e = strchr(p, ':');
    if (e == NULL || e == p || strncmp(e, ":iam::", 6) != 0)
        return why;
    for (; p < e; p++)
        if (!is_lower((unsigned char)*p) && *p != '-')
            return why;
    p = e + 6;
    if (strlen(p) < ACCOUNT_ID_LEN + 6)
        return why;
    memcpy(acct, p, ACCOUNT_ID_LEN);
    acct[ACCOUNT_ID_LEN] = '\0';
    if (!digits_only(acct, ACCOUNT_ID_LEN) ||
        strncmp(p + ACCOUNT_ID_LEN, ":role/", 6) != 0)
        return why;
    p += ACCOUNT_ID_LEN + 6;
    name = strrchr(p, '/');
    name = name ? name + 1 : p;
    for (; p < name; p++)
        if (!is_alnum((unsigned char)*p) && !strchr(ROLE_NAME_CHARS "/", *p))
            return why;
    return word_of(name, 1, 64, ROLE_NAME_CHARS) ? NULL : why;
}

const char *cs_scope_check_role_name(const char *s)
{
    return word_of(s, 1, 64, ROLE_NAME_CHARS)
               ? NULL
               : "expected 1..64 letters, digits or +=,.@_-";
}

const char *cs_scope_check_external_id(const char *s)
{
    return word_of(s, 2, 1224, EXTERNAL_ID_CHARS)
               ? NULL
               : "expected 2..1224 letters, digits or +=,.@:/_-";
}

char *cs_scope_quote(const char *s, char *out, size_t outlen)
{
    size_t o = 0, i;
    char piece[8];

    if (s == NULL)
        s = "";
    out[0] = '\0';
    if (outlen < 2)
        return out;
    out[o++] = '"';
    for (i = 0; s[i] && i < CS_SCOPE_QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t n;

        if (c == '"' || c == '\\')
            n = (size_t)snprintf(piece, sizeof(piece), "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            n = (size_t)snprintf(piece, sizeof(piece), "\\x%02x", c);
        else
            n = (size_t)snprintf(piece, sizeof(piece), "%c", c);
        if (o + n + 5 > outlen)
            break;
        memcpy(out + o, piece, n);
        o += n;
    }
    if (s[i] && o + 4 < outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    if (o + 1 < outlen)
        out[o++] = '"';
    out[o] = '\0';
    return out;
}

void cs_scope_err_printable(struct cs_err *err)
{
    char out[CS_ERR_MSG_MAX];
    size_t o = 0;

    if (err == NULL)
        return;
    for (const unsigned char *p = (const unsigned char *)err->msg; *p; p++) {
        int printable = *p >= 0x20 && *p < 0x7f;
        size_t need = printable ? 1 : 4;
        if (o + need >= sizeof(out))
            break;
        if (printable)
            out[o++] = (char)*p;
        else
            o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", *p);
    }
    out[o] = '\0';
    memcpy(err->msg, out, o + 1);
}

/* "<path>: <why>, got <quoted value>" */
static cs_rc bad_value(struct cs_err *err, const char *path, const char *why,
                       const char *value)
{
    char q[CS_SCOPE_QUOTED_MAX];

    return cs_err_set(err, CS_ERR_INVALID, "%s: %s, got %s", path, why,
                      cs_scope_quote(value, q, sizeof(q)));
}

/* Checks each of the n strings of list (named name) with check. */
static cs_rc check_list(const char *name, char *const *list, size_t n,
                        const char *(*check)(const char *),
                        struct cs_err *err)
{
    char path[96];

    for (size_t i = 0; i < n; i++) {
        const char *why = check(list[i]);
        if (why) {
            snprintf(path, sizeof(path), "%s[%zu]", name, i);
            return bad_value(err, path, why, list[i]);
        }
    }
    return CS_OK;
}

/* A list that must hold 1..max entries. */
static cs_rc check_count(const char *name, size_t n, size_t max,
                         const char *what, struct cs_err *err)
{
    if (n == 0)
        return cs_err_set(err, CS_ERR_INVALID, "%s: at least one %s is needed",
                          name, what);
    if (n > max)
        return cs_err_set(err, CS_ERR_LIMIT, "%s: at most %zu entries, got %zu",
                          name, max, n);
    return CS_OK;
}

static cs_rc check_accounts(const Cellscan__V1__AccountList *a,
                            struct cs_err *err)
{
    size_t n = a ? a->n_account_ids : 0;
    cs_rc rc = check_count("accounts", n, CS_SCOPE_MAX_ACCOUNTS, "account id",
                           err);

    if (rc != CS_OK)
        return rc;
    return check_list("accounts", a->account_ids, n, cs_scope_check_account_id,
                      err);
}

static cs_rc check_org(const Cellscan__V1__OrgDiscovery *org,
                       const struct cs_scope_check_opts *o, struct cs_err *err)
{
    const char *configured = o && o->org_role_arn ? o->org_role_arn : "";
    const char *why;
    cs_rc rc;

    if (org->org_role_arn[0]) {
        why = cs_scope_check_role_arn(org->org_role_arn);
        if (why)
            return bad_value(err, "organization.org_role_arn", why,
                             org->org_role_arn);
    } else if (o && o->check_org_role && configured[0] == '\0') {
        return cs_err_set(err, CS_ERR_INVALID,
                          "organization: no org-discovery role: set "
                          "organization.org_role_arn or CELLSCAN_ORG_ROLE_ARN");
    }
    if (org->n_exclude_account_ids > CS_SCOPE_MAX_EXCLUDES ||
        org->n_exclude_ous > CS_SCOPE_MAX_EXCLUDES)
        return cs_err_set(err, CS_ERR_LIMIT,
                          "organization: at most %d exclusions of each kind",
                          CS_SCOPE_MAX_EXCLUDES);
    rc = check_list("organization.exclude_account_ids",
                    org->exclude_account_ids, org->n_exclude_account_ids,
                    cs_scope_check_account_id, err);
    if (rc == CS_OK)
        rc = check_list("organization.exclude_ous", org->exclude_ous,
                        org->n_exclude_ous, cs_scope_check_ou_id, err);
    return rc;
}

/* A uint32 that is 0 (= configured) or within min..max. */
static cs_rc check_range(const char *name, uint32_t v, uint32_t min,
                         uint32_t max, struct cs_err *err)
{
    if (v == 0 || (v >= min && v <= max))
        return CS_OK;
    return cs_err_set(err, CS_ERR_INVALID,
                      "%s: expected %u..%u (or 0 for the configured value), "
                      "got %u",
                      name, min, max, v);
}

static cs_rc check_policy(const char *json, struct cs_err *err)
{
    cs_policy_t *p = NULL;
    cs_rc rc = cs_policy_parse(json, strlen(json), &p, err);

    cs_policy_destroy(p);
    if (rc != CS_OK && err) {
        /* "policy: rules[2]..." -> "tag_policy_json: rules[2]..." */
        char msg[CS_ERR_MSG_MAX];
        const char *m = err->msg;
        if (strncmp(m, "policy: ", 8) == 0)
            m += 8;
        snprintf(msg, sizeof(msg), "%s", m);
        cs_err_set(err, rc, "tag_policy_json: %s", msg);
        /* the JSON parser may quote the text near the error */
        cs_scope_err_printable(err);
    }
    return rc;
}

cs_rc cs_scope_validate_scope(const Cellscan__V1__ScanScope *s,
                              const struct cs_scope_check_opts *o,
                              struct cs_err *err)
{
    cs_rc rc;

    switch (s->target_case) {
    case CELLSCAN__V1__SCAN_SCOPE__TARGET_ACCOUNTS:
        rc = check_accounts(s->accounts, err);
        break;
    case CELLSCAN__V1__SCAN_SCOPE__TARGET_ORGANIZATION:
        rc = check_org(s->organization, o, err);
        break;
    default:
        rc = cs_err_set(err, CS_ERR_INVALID,
                        "accounts or organization: one of them is needed");
    }
    if (rc == CS_OK)
        rc = check_count("categories", s->n_categories, CS_SCOPE_MAX_CATEGORIES,
                         "category", err);
    if (rc == CS_OK)
        rc = check_list("categories", s->categories, s->n_categories,
                        cs_scope_check_category, err);
    if (rc == CS_OK)
        rc = check_count("regions", s->n_regions, CS_SCOPE_MAX_REGIONS,
                         "region", err);
    if (rc == CS_OK)
        rc = check_list("regions", s->regions, s->n_regions,
                        cs_scope_check_region, err);
    if (rc == CS_OK && s->role_name[0] &&
        cs_scope_check_role_name(s->role_name))
        rc = bad_value(err, "role_name", cs_scope_check_role_name(s->role_name),
                       s->role_name);
    if (rc == CS_OK && s->external_id[0] &&
        cs_scope_check_external_id(s->external_id))
        rc = bad_value(err, "external_id",
                       cs_scope_check_external_id(s->external_id),
                       s->external_id);
    if (rc == CS_OK)
        rc = check_range("session_duration_s", s->session_duration_s,
                         CS_SCOPE_SESSION_MIN, CS_SCOPE_SESSION_MAX, err);
    if (rc == CS_OK)
        rc = check_range("deadline_s", s->deadline_s, CS_SCOPE_DEADLINE_MIN,
                         CS_SCOPE_DEADLINE_MAX, err);
    if (rc == CS_OK)
        rc = check_policy(s->tag_policy_json, err);
    return rc;
}

/* client_id and scan_id, with the store's rules (they become Redis keys). */
static cs_rc check_ids(const Cellscan__V1__ScanRequest *r, struct cs_err *err)
{
    if (cs_store_check_client_id(r->client_id, NULL) != CS_OK)
        return bad_value(err, "client_id", "expected 1..64 of [A-Za-z0-9_.-]",
                         r->client_id);
    if (cs_store_check_scan_id(r->scan_id, NULL) != CS_OK)
        return bad_value(err, "scan_id", "expected 1..128 of [A-Za-z0-9_.:-]",
                         r->scan_id);
    return CS_OK;
}

cs_rc cs_scope_validate_request(const Cellscan__V1__ScanRequest *r,
                                const struct cs_scope_check_opts *o,
                                struct cs_err *err)
{
    struct cs_plan_limits lim;
    cs_rc rc;

    if (r->schema_version > SCHEMA_VERSION)
        return cs_err_set(err, CS_ERR_INVALID,
                          "schema_version: %u is newer than this reader (%d)",
                          r->schema_version, SCHEMA_VERSION);
    rc = check_ids(r, err);
    if (rc != CS_OK)
        return rc;
    if (r->requested_at_ms <= 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "requested_at_ms: expected Unix milliseconds, got %lld",
                          (long long)r->requested_at_ms);
    if (cs_plan_limits(r->plan, &lim, NULL) != CS_OK)
        return bad_value(err, "plan",
                         "expected starter, professional or enterprise",
                         r->plan);
    if (r->scope == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "scope: missing");
    return cs_scope_validate_scope(r->scope, o, err);
}
