/* ec2: instances and volumes, built into ARNs from their ids. */
#include "extract/category.h"

cs_rc cs_extract_ec2_region(struct cs_walk *w, struct cs_walk_region *rw)
{
    /* the largest pages EC2 allows: fewer calls against its rate limit */
    static const struct cs_aws_param instances[] = {{"MaxResults", "1000"}};
    static const struct cs_aws_param volumes[] = {{"MaxResults", "500"}};
    struct cs_walk_listing l = {.service = "ec2", .operation = "DescribeInstances",
                                .token = "NextToken", .params = instances,
                                .nparams = 1};
    struct cs_walk_sink sink = {.w = w, .rw = rw, .type = "ec2:instance",
                                .ec2_kind = "instance"};
    cs_rc rc = cs_walk_list_resources(w, rw, &l, CS_PAGE_EC2_INSTANCES, &sink);

    if (rc != CS_OK)
        return rc;
    l.operation = "DescribeVolumes";
    l.params = volumes;
    sink.type = "ec2:volume";
    sink.ec2_kind = "volume";
    return cs_walk_list_resources(w, rw, &l, CS_PAGE_EC2_VOLUMES, &sink);
}
