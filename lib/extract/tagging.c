/* tagging: the Resource Groups Tagging API, for the types no other
 * category of the scan covers (so a resource counts once). It only knows
 * resources that have or had tags, which is why the other categories
 * exist. */
#include "extract/category.h"

cs_rc cs_extract_tagging_region(struct cs_walk *w, struct cs_walk_region *rw)
{
    json_t *body = json_pack("{s:i}", "ResourcesPerPage", 100);
    struct cs_walk_listing l = {.service = "resourcegroupstaggingapi",
                                .operation = "GetResources",
                                .token = "PaginationToken", .token_in_body = 1,
                                .body = body};
    struct cs_walk_sink sink = {.w = w, .rw = rw, .skip_covered = 1};
    cs_rc rc;

    if (body == NULL)
        return cs_walk_fail_cell(w, CS_ERR_NOMEM, NULL);
    rc = cs_walk_list_resources(w, rw, &l, CS_PAGE_TAGGING, &sink);
    json_decref(body);
    return rc;
}
