/* policy.h: tag policies (docs/policy.md): parsing both accepted forms
 * into an immutable compiled policy, and evaluating resources against it.
 *
 *   cs_policy_t *p = NULL;
 *   if (cs_policy_parse(json, len, &p, &err) != CS_OK) ...refuse err.msg;
 *   struct cs_violation v[CS_POLICY_MAX_RULES];
 *   size_t n = cs_policy_eval(p, &resource, v, CS_POLICY_MAX_RULES);
 *   ...
 *   cs_policy_destroy(p);
 *
 * A compiled policy never changes after cs_policy_parse returns, so any
 * number of threads may evaluate resources against one policy at once.
 * Evaluation allocates nothing: violations point into the policy (keys)
 * and into the caller's resource (found values).
 */
#ifndef CS_POLICY_POLICY_H
#define CS_POLICY_POLICY_H

#include <stddef.h>

#include "util/err.h"

/* Limits of docs/policy.md. */
#define CS_POLICY_MAX_JSON 65536
#define CS_POLICY_MAX_RULES 256
#define CS_POLICY_MAX_VALUES 1024
#define CS_POLICY_MAX_KEY_CHARS 128

typedef struct cs_policy_s cs_policy_t;

/* Same numbers as cellscan.v1.ViolationKind, so the two convert by cast. */
enum cs_violation_kind {
    CS_VIOLATION_MISSING_REQUIRED_TAG = 1,
    CS_VIOLATION_INVALID_VALUE = 2,
    CS_VIOLATION_WRONG_KEY_CASE = 3
};

/* Which form a policy was written in. */
enum cs_policy_form {
    CS_POLICY_FORM_EMPTY = 0,    /* "" (no policy) */
    CS_POLICY_FORM_CELLSCAN = 1, /* {"rules": [...]} */
    CS_POLICY_FORM_AWS = 2       /* {"tags": {...}} */
};

/* One tag of a resource. NUL-terminated UTF-8; a NULL key never matches
 * and a NULL value reads as "". */
struct cs_tag {
    const char *key;
    const char *value;
};

/* A resource to evaluate. All strings are borrowed for the call. type is
 * "service:type" (see cs_restype_from_arn); NULL reads as "". arn, region
 * and account_id are not read by evaluation but travel with it. */
struct cs_resource {
    const char *arn;
    const char *type;
    const char *region;
    const char *account_id;
    const struct cs_tag *tags;  /* in the resource's own tag order */
    size_t ntags;
};

/* One violation. tag_key is the rule's canonical key (Borrowed: valid
 * until the policy is destroyed). found_value is the key as found for
 * wrong_key_case, the value as found for invalid_value, NULL for
 * missing_required_tag (Borrowed: points into the resource's tags). */
struct cs_violation {
    enum cs_violation_kind kind;
    const char *tag_key;
    const char *found_value;
    size_t rule;  /* index of the rule, in policy order */
};

/* Parses and compiles the len bytes at json (not necessarily
 * NUL-terminated; len 0 = the empty policy). On success *out is the
 * policy; Caller frees with cs_policy_destroy. Errors: CS_ERR_PARSE for
 * JSON syntax ("policy: line L column C: JSON syntax error: ..."),
 * CS_ERR_INVALID for a well-formed document that is not a valid policy,
 * CS_ERR_LIMIT beyond the limits above; the message names the JSON path of
 * the first problem, e.g. "policy: rules[2].case: expected \"exact\" or
 * \"insensitive\", got \"lower\"". CS_ERR_NOMEM. *out is NULL on error. */
cs_rc cs_policy_parse(const char *json, size_t len, cs_policy_t **out,
                      struct cs_err *err);

/* Destroys p. NULL is a no-op. */
void cs_policy_destroy(cs_policy_t *p);

/* The form p was written in. Cannot fail. */
enum cs_policy_form cs_policy_form(const cs_policy_t *p);

/* Number of rules (at most CS_POLICY_MAX_RULES); also the most violations
 * one resource can have. NULL = the empty policy. Cannot fail. */
size_t cs_policy_rule_count(const cs_policy_t *p);

/* Canonical key of rule i (< cs_policy_rule_count). Borrowed: valid until
 * p is destroyed. Cannot fail. */
const char *cs_policy_rule_key(const cs_policy_t *p, size_t i);

/* The recorded enforced_for.@@assign entries of rule i (AWS form; none for
 * the cellscan form), *n set to their number. They do not change
 * compliance. Borrowed: valid until p is destroyed. Cannot fail. */
const char *const *cs_policy_rule_enforced_for(const cs_policy_t *p,
                                               size_t i, size_t *n);

/* Notices from parsing (e.g. "policy: ignoring
 * @@operators_allowed_for_child_policies at tags.costcenter"), for the
 * caller to log or return; the library never logs. Borrowed: valid until
 * p is destroyed. Cannot fail. */
size_t cs_policy_notice_count(const cs_policy_t *p);
const char *cs_policy_notice(const cs_policy_t *p, size_t i);

/* Evaluates resource r against p (NULL = the empty policy) per
 * docs/policy.md "Evaluation". Writes the first min(result, cap)
 * violations, in rule order, to out and returns how many the resource has
 * (0 = compliant); cap >= cs_policy_rule_count(p) always suffices.
 * Thread-safe; allocates nothing. Cannot fail. */
size_t cs_policy_eval(const cs_policy_t *p, const struct cs_resource *r,
                      struct cs_violation *out, size_t cap);

#endif
