/* lambda: ListFunctions gives the ARNs, ListTags each function's tags. */
#include "extract/category.h"

cs_rc cs_extract_lambda_region(struct cs_walk *w, struct cs_walk_region *rw)
{
    /* "functions/" with its trailing slash, as the SDKs send it */
    static const char *const path[] = {"2015-03-31", "functions", "", NULL};
    static const struct cs_aws_param params[] = {{"MaxItems", "50"}};
    static const struct cs_walk_each e = {
        .list = {.service = "lambda", .operation = "ListFunctions", .token = "Marker",
                 .params = params, .nparams = 1, .path = path},
        .list_kind = CS_LIST_LAMBDA_FUNCTIONS,
        .operation = "ListTags",
        .path = {"2017-03-31", "tags", NULL},
        .kind = CS_PAGE_LAMBDA_TAGS,
        .type = "lambda:function",
        .name_is_arn = 1,
    };

    return cs_walk_list_each(w, rw, &e);
}
