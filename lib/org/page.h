/* page.h: the AWS Organizations answers discovery reads (ListRoots,
 * ListOrganizationalUnitsForParent, ListAccountsForParent), from bytes to
 * items. Ids are checked against the forms AWS documents (r-..., ou-...,
 * 12 digits); anything else is a malformed answer (CS_ERR_PARSE), never a
 * crash. fuzz_extract_org feeds all three kinds.
 */
#ifndef CS_ORG_PAGE_H
#define CS_ORG_PAGE_H

#include <stddef.h>

#include "util/err.h"

#define CS_ORG_TOKEN_MAX 8192

enum cs_org_page {
    CS_ORG_PAGE_ROOTS,    /* "Roots": [{"Id": "r-..."}] */
    CS_ORG_PAGE_OUS,      /* "OrganizationalUnits": [{"Id": "ou-...", "Name"}] */
    CS_ORG_PAGE_ACCOUNTS  /* "Accounts": [{"Id", "Name", "Status"}] */
};

/* One item of a page; strings borrowed for the callback ("" when absent;
 * status only for accounts). */
struct cs_org_item {
    const char *id;
    const char *name;
    const char *status;
};

/* Return CS_OK to go on; anything else stops the parse and is returned. */
typedef cs_rc (*cs_org_item_fn)(void *ud, const struct cs_org_item *it,
                                struct cs_err *err);

/* Parses one page of kind k (len bytes at body), calling fn per item; the
 * NextToken goes to next ("" on the last page). Errors: CS_ERR_PARSE,
 * CS_ERR_LIMIT (token over nextlen), CS_ERR_NOMEM, or fn's code. */
cs_rc cs_org_page_parse(enum cs_org_page k, const char *body, size_t len,
                        cs_org_item_fn fn, void *ud, char *next,
                        size_t nextlen, struct cs_err *err);

/* 1 when s is a root id (r- and 4..32 of [0-9a-z]). Cannot fail. */
int cs_org_is_root_id(const char *s);

/* 1 when s is an OU id (ou-, 4..32 of [0-9a-z], -, 8..32 of [0-9a-z]).
 * Cannot fail. */
int cs_org_is_ou_id(const char *s);

/* 1 when s is an account id (12 digits). Cannot fail. */
int cs_org_is_account_id(const char *s);

#endif
