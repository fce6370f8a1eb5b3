/* scope.h: what a scan covers — the scope file (docs/scope.md) turned into
 * a ScanRequest, and the validation of any ScanRequest, whatever produced
 * it (the dispatcher checks every request it consumes).
 *
 *   Cellscan__V1__ScanRequest *req = NULL;
 *   struct cs_scope_file_opts o = {.client_id = cfg.client_id};
 *   if (cs_scope_parse(text, len, &o, &req, &err) != CS_OK) ...err.msg;
 *   req->scan_id = ...; req->requested_at_ms = ...;
 *   if (cs_scope_validate_request(req, NULL, &err) != CS_OK) ...;
 *   cs_scope_request_free(req);
 *
 * Error messages name the path of the first problem, in the scope file's
 * words (they are the .proto field names too), e.g.
 *   scope: accounts[3]: expected a 12-digit account id, got "12345"
 * Values are quoted JSON-style, cut to CS_SCOPE_QUOTE_MAX bytes, with
 * control and non-ASCII bytes escaped, so a message is always short,
 * printable ASCII.
 */
#ifndef CS_SCOPE_SCOPE_H
#define CS_SCOPE_SCOPE_H

#include <stddef.h>
#include <stdint.h>

#include "cellscan.pb-c.h"
#include "util/err.h"

/* Limits (docs/scope.md). */
#define CS_SCOPE_MAX_FILE (1024 * 1024)   /* bytes of scope JSON */
#define CS_SCOPE_MAX_ACCOUNTS 10000       /* explicit account ids */
#define CS_SCOPE_MAX_EXCLUDES 10000       /* each exclusion list */
#define CS_SCOPE_MAX_CATEGORIES 32
#define CS_SCOPE_MAX_REGIONS 64
#define CS_SCOPE_SESSION_MIN 900
#define CS_SCOPE_SESSION_MAX 43200
#define CS_SCOPE_DEADLINE_MIN 60
#define CS_SCOPE_DEADLINE_MAX 86400
#define CS_SCOPE_ROLE_ARN_MAX 2048
#define CS_SCOPE_QUOTE_MAX 48

/* How cs_scope_parse fills what the file leaves out. */
struct cs_scope_file_opts {
    /* client_id when the file has none (CELLSCAN_CLIENT_ID); NULL or ""
     * makes client_id required in the file. Borrowed for the call. */
    const char *client_id;
    /* the tag policy given separately (--policy FILE): policy_len bytes
     * of JSON text, passed on unchanged; NULL = none. A file with an
     * inline tag_policy as well is refused. Borrowed for the call. */
    const char *policy_json;
    size_t policy_len;
    /* names the separate policy in errors ("policy p.json: ..."); NULL =
     * "--policy". */
    const char *policy_source;
};

/* Parses the len bytes of scope-file JSON at json (need not be
 * NUL-terminated) into a ScanRequest: client_id, plan and scope filled,
 * schema_version 1; scan_id and requested_at_ms are left for the caller.
 * The scope is validated as cs_scope_validate_scope does (without the
 * org-role check) and the tag policy parsed. Errors, each "scope: <path>:
 * <what>" or "policy <source>: <what>": CS_ERR_PARSE for JSON syntax
 * (with line and column), CS_ERR_INVALID for a well-formed file that is
 * not a valid scope (unknown field, wrong type, bad value, missing or
 * both targets, policy given twice), CS_ERR_LIMIT over CS_SCOPE_MAX_FILE
 * or a policy limit, CS_ERR_NOMEM. On success caller frees *out with
 * cs_scope_request_free; *out is NULL on error. */
cs_rc cs_scope_parse(const char *json, size_t len,
                     const struct cs_scope_file_opts *o,
                     Cellscan__V1__ScanRequest **out, struct cs_err *err);

/* Frees a request built by cs_scope_parse or unpacked by protobuf-c with
 * the default allocator (every part heap-allocated). NULL is a no-op. */
void cs_scope_request_free(Cellscan__V1__ScanRequest *r);

/* What the validation may consult beyond the request itself. */
struct cs_scope_check_opts {
    /* when set, an organization scope without organization.org_role_arn
     * needs the configured one (CELLSCAN_ORG_ROLE_ARN) in org_role_arn:
     * without either it is refused, never scanned as a single account */
    int check_org_role;
    const char *org_role_arn; /* borrowed; NULL = "" */
};

/* Validates scope s: exactly one target; explicit lists 1..
 * CS_SCOPE_MAX_ACCOUNTS 12-digit ids; organization role ARN, account and
 * OU exclusions well formed; 1..CS_SCOPE_MAX_CATEGORIES known categories;
 * 1..CS_SCOPE_MAX_REGIONS region names; role name, external id, session
 * duration (0 or 900..43200) and deadline (0 or 60..86400); the tag
 * policy parses. o may be NULL (no org-role check). Errors:
 * CS_ERR_INVALID "<path>: <what>" (no prefix; callers add one),
 * CS_ERR_LIMIT for too many entries or a policy over its limits,
 * CS_ERR_NOMEM. */
cs_rc cs_scope_validate_scope(const Cellscan__V1__ScanScope *s,
                              const struct cs_scope_check_opts *o,
                              struct cs_err *err);

/* Validates a whole request: schema_version 0 or 1, client_id
 * [A-Za-z0-9_.-]{1,64}, scan_id [A-Za-z0-9_.:-]{1,128}, requested_at_ms >
 * 0, plan "", starter, professional or enterprise, a scope, then
 * cs_scope_validate_scope. Errors as cs_scope_validate_scope. */
cs_rc cs_scope_validate_request(const Cellscan__V1__ScanRequest *r,
                                const struct cs_scope_check_opts *o,
                                struct cs_err *err);

/* The element checks the validation uses, for callers that check single
 * values. Each returns NULL when s is valid, else a static phrase saying
 * what was expected ("expected a 12-digit account id"). Cannot fail. */
const char *cs_scope_check_account_id(const char *s);
const char *cs_scope_check_region(const char *s);
const char *cs_scope_check_category(const char *s);
const char *cs_scope_check_ou_id(const char *s);
const char *cs_scope_check_role_arn(const char *s);
const char *cs_scope_check_role_name(const char *s);
const char *cs_scope_check_external_id(const char *s);

/* Writes s as a JSON-style quoted string into out: '"' and '\\'
 * escaped, control and non-ASCII bytes as \xNN, cut after
 * CS_SCOPE_QUOTE_MAX bytes of s with "..." appended. Returns out (always
 * NUL-terminated; outlen >= 1). s NULL quotes as "". Cannot fail. */
char *cs_scope_quote(const char *s, char *out, size_t outlen);

/* Rewrites err's message in place so that it is printable ASCII: control
 * and non-ASCII bytes (e.g. from a JSON parser quoting the input) become
 * \xNN, cut to fit. NULL is a no-op. Cannot fail. */
void cs_scope_err_printable(struct cs_err *err);

/* Room cs_scope_quote needs for any input. */
#define CS_SCOPE_QUOTED_MAX (4 * CS_SCOPE_QUOTE_MAX + 8)

#endif
