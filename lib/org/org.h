/* org.h: AWS Organizations discovery — which accounts an organization
 * scope covers.
 *
 * Assumes the org-discovery role once (from the base credentials), walks
 * the OU tree (ListRoots, ListOrganizationalUnitsForParent,
 * ListAccountsForParent, following every NextToken), keeps ACTIVE
 * accounts, then applies exclude_account_ids and exclude_ous (an excluded
 * OU excludes its whole subtree). Suspended and excluded accounts are
 * reported as skipped with reason "suspended", "excluded_account" or
 * "excluded_ou" (a suspended account is "suspended" even if also
 * excluded).
 */
#ifndef CS_ORG_ORG_H
#define CS_ORG_ORG_H

#include <stddef.h>

#include "aws/aws.h"
#include "util/err.h"

struct cs_org_account {
    char id[13];        /* 12 digits */
    char name[128];
    char parent_id[72]; /* r-xxxx or ou-xxxx-xxxxxxxx */
};

struct cs_org_skipped {
    char id[13];
    char reason[24];    /* suspended | excluded_account | excluded_ou */
};

struct cs_org_result {
    struct cs_org_account *accounts; /* to scan, sorted by id */
    size_t naccounts;
    struct cs_org_skipped *skipped;  /* sorted by id */
    size_t nskipped;
    struct cs_aws_stats stats;       /* calls made by the discovery */
};

struct cs_org_opts {
    const char *org_role_arn;                /* NULL/"" = CELLSCAN_ORG_ROLE_ARN */
    const char *const *exclude_account_ids;
    size_t nexclude_accounts;
    const char *const *exclude_ous;
    size_t nexclude_ous;
};

/* Discovers the accounts of the organization. Errors: CS_ERR_INVALID when
 * no org-discovery role is configured or given (never a silent
 * single-account scan) or an exclusion is malformed; CS_ERR_DENIED when
 * the role cannot be assumed or Organizations refuses (aerr has the AWS
 * code); CS_ERR_AWS for other AWS failures after retries; CS_ERR_NOMEM.
 * Caller frees *out with cs_org_result_free. */
cs_rc cs_org_discover(cs_aws_client_t *cl, const struct cs_org_opts *o,
                      struct cs_org_result **out, struct cs_aws_error *aerr,
                      struct cs_err *err);

/* Frees r. NULL is a no-op. */
void cs_org_result_free(struct cs_org_result *r);

#endif
