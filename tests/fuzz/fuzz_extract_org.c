/* Fuzz target: the AWS Organizations pages discovery reads (ListRoots,
 * ListOrganizationalUnitsForParent, ListAccountsForParent). Any bytes
 * must give items with well-formed ids or a clean error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "org/page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cs_rc on_item(void *ud, const struct cs_org_item *it, struct cs_err *err)
{
    int *k = ud;

    (void)err;
    if ((*k == CS_ORG_PAGE_ROOTS && !cs_org_is_root_id(it->id)) ||
        (*k == CS_ORG_PAGE_OUS && !cs_org_is_ou_id(it->id)) ||
        (*k == CS_ORG_PAGE_ACCOUNTS && !cs_org_is_account_id(it->id)) || it->name == NULL ||
        it->status == NULL)
        abort();
    return CS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char next[CS_ORG_TOKEN_MAX];
    struct cs_err err = CS_ERR_INIT;

    for (int k = CS_ORG_PAGE_ROOTS; k <= CS_ORG_PAGE_ACCOUNTS; k++)
        if (cs_org_page_parse((enum cs_org_page)k, (const char *)data, size, on_item, &k, next,
                              sizeof(next), &err) == CS_OK &&
            strlen(next) >= sizeof(next))
            abort();
    return 0;
}
