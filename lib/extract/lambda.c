/* lambda: ListFunctions gives the ARNs, ListTags each function's tags. */
#include "extract/category.h"

struct lambda {
    struct cs_walk *w;
    struct cs_walk_region *rw;
};

static cs_rc on_functions(void *ud, const struct cs_strlist *arns)
{
    struct lambda *l = ud;
    size_t i;
    cs_rc rc = CS_OK;

    for (i = 0; i < arns->n && rc == CS_OK; i++) {
        const char *arn = cs_strlist_at(arns, i);
        const char *path[] = {"2017-03-31", "tags", arn, NULL};
        struct cs_aws_req req = {.service = "lambda", .operation = "ListTags",
                                 .region = l->rw->region,
                                 .account_id = l->w->account, .path = path};
        struct cs_walk_sink sink = {.w = l->w, .rw = l->rw,
                                    .type = "lambda:function", .arn = arn};
        rc = cs_walk_describe(l->w, l->rw, &req, CS_PAGE_LAMBDA_TAGS, &sink);
    }
    return rc;
}

cs_rc cs_extract_lambda_region(struct cs_walk *w, struct cs_walk_region *rw)
{
    /* "functions/" with its trailing slash, as the SDKs send it */
    static const char *const path[] = {"2015-03-31", "functions", "", NULL};
    static const struct cs_aws_param params[] = {{"MaxItems", "50"}};
    struct cs_walk_listing l = {.service = "lambda", .operation = "ListFunctions",
                                .token = "Marker", .params = params,
                                .nparams = 1, .path = path};
    struct cs_strlist arns = CS_STRLIST_INIT;
    struct lambda ctx = {w, rw};
    cs_rc rc = cs_walk_list_names(w, rw, &l, CS_LIST_LAMBDA_FUNCTIONS, &arns,
                                  on_functions, &ctx);

    cs_strlist_free(&arns);
    return rc;
}
