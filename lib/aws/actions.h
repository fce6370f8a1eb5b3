/* actions.h: the allowlist of AWS operations cellscan may call.
 *
 * The list itself is actions.def (one CS_ACTION line per operation); this
 * module expands it once into a table, so there is exactly one list in the
 * code. cs_aws_call refuses any (service, operation) that is not in it
 * before anything is built, signed or sent.
 */
#ifndef CS_AWS_ACTIONS_H
#define CS_AWS_ACTIONS_H

#include <stddef.h>

/* Who calls an action (the scope column of actions.def). */
enum cs_aws_scope {
    CS_AWS_SCOPE_SCANNER = 1 << 0, /* the scanner's own base credentials */
    CS_AWS_SCOPE_ORG = 1 << 1,     /* the org-discovery role */
    CS_AWS_SCOPE_MEMBER = 1 << 2   /* the member role in scanned accounts */
};

struct cs_aws_action {
    enum cs_aws_scope scope;
    const char *iam_action; /* "ec2:DescribeInstances" */
    const char *service;    /* botocore service name, "ec2" */
    const char *operation;  /* botocore operation name, "DescribeInstances" */
};

/* Number of lines in actions.def (an operation listed under two scopes
 * counts twice). Cannot fail. */
size_t cs_aws_action_count(void);

/* The i-th line of actions.def, in file order, or NULL when i is out of
 * range. Borrowed: static storage. Cannot fail. */
const struct cs_aws_action *cs_aws_action_at(size_t i);

/* The first entry for (service, operation), or NULL when the operation is
 * not allowed. Names are compared exactly (botocore spelling). Borrowed:
 * static storage. Cannot fail. */
const struct cs_aws_action *cs_aws_action_find(const char *service,
                                               const char *operation);

/* Scope name as written in actions.def ("SCANNER", "ORG", "MEMBER").
 * Cannot fail. */
const char *cs_aws_scope_name(enum cs_aws_scope scope);

#endif
