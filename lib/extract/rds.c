/* rds: DB instances, their ARN and TagList in the same answer. */
#include "extract/category.h"

cs_rc cs_extract_rds_region(struct cs_walk *w, struct cs_walk_region *rw)
{
    static const struct cs_aws_param params[] = {{"MaxRecords", "100"}};
    struct cs_walk_listing l = {.service = "rds", .operation = "DescribeDBInstances",
                                .token = "Marker", .params = params, .nparams = 1};
    struct cs_walk_sink sink = {.w = w, .rw = rw, .type = "rds:db"};

    return cs_walk_list_resources(w, rw, &l, CS_PAGE_RDS_INSTANCES, &sink);
}
