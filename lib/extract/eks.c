/* eks: ListClusters gives the names, DescribeCluster each ARN and tags. */
#include "extract/category.h"

cs_rc cs_extract_eks_region(struct cs_walk *w, struct cs_walk_region *rw)
{
    static const char *const path[] = {"clusters", NULL};
    static const struct cs_aws_param params[] = {{"maxResults", "100"}};
    static const struct cs_walk_each e = {
        .list = {.service = "eks", .operation = "ListClusters", .token = "nextToken",
                 .params = params, .nparams = 1, .path = path},
        .list_kind = CS_LIST_EKS_CLUSTERS,
        .operation = "DescribeCluster",
        .path = {"clusters", NULL},
        .kind = CS_PAGE_EKS_CLUSTER,
        .type = "eks:cluster",
    };

    return cs_walk_list_each(w, rw, &e);
}
