/* eks: ListClusters gives the names, DescribeCluster each ARN and tags. */
#include "extract/category.h"

struct eks {
    struct cs_walk *w;
    struct cs_walk_region *rw;
};

static cs_rc on_clusters(void *ud, const struct cs_strlist *names)
{
    struct eks *e = ud;
    size_t i;
    cs_rc rc = CS_OK;

    for (i = 0; i < names->n && rc == CS_OK; i++) {
        const char *path[] = {"clusters", cs_strlist_at(names, i), NULL};
        struct cs_aws_req req = {.service = "eks", .operation = "DescribeCluster",
                                 .region = e->rw->region,
                                 .account_id = e->w->account, .path = path};
        struct cs_walk_sink sink = {.w = e->w, .rw = e->rw, .type = "eks:cluster"};
        rc = cs_walk_describe(e->w, e->rw, &req, CS_PAGE_EKS_CLUSTER, &sink);
    }
    return rc;
}

cs_rc cs_extract_eks_region(struct cs_walk *w, struct cs_walk_region *rw)
{
    static const char *const path[] = {"clusters", NULL};
    static const struct cs_aws_param params[] = {{"maxResults", "100"}};
    struct cs_walk_listing l = {.service = "eks", .operation = "ListClusters",
                                .token = "nextToken", .params = params,
                                .nparams = 1, .path = path};
    struct cs_strlist names = CS_STRLIST_INIT;
    struct eks ctx = {w, rw};
    cs_rc rc = cs_walk_list_names(w, rw, &l, CS_LIST_EKS_CLUSTERS, &names,
                                  on_clusters, &ctx);

    cs_strlist_free(&names);
    return rc;
}
