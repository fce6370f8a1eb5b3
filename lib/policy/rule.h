/* rule.h: one compiled rule of a tag policy, and its evaluation against
 * one resource (docs/policy.md "Evaluation"). Internal to lib/policy:
 * parse.c builds rules, policy.c evaluates them.
 *
 * Everything a resource is compared with is prepared at build time: the
 * key and its lowercase form, allowed literal values sorted (folded when
 * the rule ignores case) for binary search, '*' values as compiled
 * patterns, resource types split into "all", whole-service and exact.
 */
#ifndef CS_POLICY_RULE_H
#define CS_POLICY_RULE_H

#include <stddef.h>

#include "policy/pattern.h"
#include "policy/policy.h"
#include "util/err.h"

struct cs_typeset_entry {
    char *text;        /* a whole type, or a service for "service:*" */
    size_t len;
    int service_only;
};

/* Resource types a rule applies to, or is required for. */
struct cs_typeset {
    int all;           /* "*", or the "every type" default */
    size_t n;
    struct cs_typeset_entry *e;
};

struct cs_rule_lit {
    char *text;
    size_t len;
};

struct cs_rule {
    char *key;
    size_t key_len;
    char *key_lower;
    int fold;                  /* case: insensitive */
    struct cs_typeset applies;
    struct cs_typeset required;
    struct cs_rule_lit *lits;  /* allowed values without '*', sorted */
    size_t nlits;
    struct cs_pattern *pats;   /* allowed values with '*' */
    size_t npats;
    size_t nallowed;           /* 0 = any value */
    int allows_empty;          /* "" is an allowed value */
    char **enforced;           /* enforced_for, recorded only */
    size_t nenforced;
};

/* A resource as every rule sees it, computed once per evaluation. */
struct cs_rule_target {
    const char *type;
    size_t type_len;
    size_t service_len;        /* bytes before the first ':' (or all) */
    const struct cs_tag *tags;
    size_t ntags;
};

/* 1 when s (len bytes) is a valid resource type entry: "*",
 * "service:type" or "service:*", plus "service:ALL_SUPPORTED" when aws.
 * Cannot fail. */
int cs_typeset_valid(const char *s, size_t len, int aws);

/* Makes room for n entries in ts. CS_ERR_NOMEM. */
cs_rc cs_typeset_reserve(struct cs_typeset *ts, size_t n);

/* Adds a valid entry (cs_typeset_valid) within the reserved room; with
 * aws, "service:ALL_SUPPORTED" means "service:*". CS_ERR_NOMEM. */
cs_rc cs_typeset_add(struct cs_typeset *ts, const char *s, size_t len,
                     int aws);

/* Sets the key (1..128 characters, validated by the caller) and the case
 * handling. CS_ERR_NOMEM. */
cs_rc cs_rule_set_key(struct cs_rule *r, const char *key, size_t len,
                      int fold);

/* Makes room for n allowed values; call after cs_rule_set_key.
 * CS_ERR_NOMEM. */
cs_rc cs_rule_reserve_allowed(struct cs_rule *r, size_t n);

/* Adds an allowed value within the reserved room. CS_ERR_NOMEM. */
cs_rc cs_rule_add_allowed(struct cs_rule *r, const char *s, size_t len);

/* Makes room for n enforced_for entries. CS_ERR_NOMEM. */
cs_rc cs_rule_reserve_enforced(struct cs_rule *r, size_t n);

/* Records an enforced_for entry within the reserved room. CS_ERR_NOMEM. */
cs_rc cs_rule_add_enforced(struct cs_rule *r, const char *s, size_t len);

/* Finishes building (sorts the literals). Cannot fail. */
void cs_rule_seal(struct cs_rule *r);

/* Evaluates r against t; returns 1 and fills *out when the rule produces
 * a violation, else 0. Allocates nothing. Cannot fail. */
int cs_rule_eval(const struct cs_rule *r, const struct cs_rule_target *t,
                 struct cs_violation *out);

/* Frees r's memory and zeroes it. NULL is a no-op. */
void cs_rule_free(struct cs_rule *r);

#endif
