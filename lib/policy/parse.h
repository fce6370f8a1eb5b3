/* parse.h: reading a tag policy document (both forms of docs/policy.md)
 * into rules. Internal to lib/policy; callers use cs_policy_parse.
 *
 * Every field is validated before anything is built from it, in document
 * order, so the error names the JSON path of the first problem.
 */
#ifndef CS_POLICY_PARSE_H
#define CS_POLICY_PARSE_H

#include <stddef.h>

#include "policy/policy.h"
#include "policy/rule.h"
#include "util/buf.h"
#include "util/err.h"

struct cs_policy_doc {
    enum cs_policy_form form;
    struct cs_rule *rules;
    size_t nrules;
    struct cs_buf notices;  /* each notice NUL-terminated, back to back */
    size_t nnotices;
};

/* Reads the len bytes at json into doc (which it first empties). Errors
 * as cs_policy_parse. On any return, free doc with cs_policy_doc_free. */
cs_rc cs_policy_doc_read(struct cs_policy_doc *doc, const char *json,
                         size_t len, struct cs_err *err);

/* Frees doc's rules and notices. NULL is a no-op. */
void cs_policy_doc_free(struct cs_policy_doc *doc);

#endif
