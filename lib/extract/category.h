/* category.h: the extractors, one file per category. Each walks one
 * region of the cell (s3 walks the whole cell: buckets are listed once,
 * globally) with the calls docs/extract.md lists, through the shared
 * skeleton of walk.h. Internal to lib/extract; cs_extract_run picks one.
 */
#ifndef CS_EXTRACT_CATEGORY_H
#define CS_EXTRACT_CATEGORY_H

#include "extract/walk.h"

/* DescribeInstances, then DescribeVolumes (ec2:instance, ec2:volume). */
cs_rc cs_extract_ec2_region(struct cs_walk *w, struct cs_walk_region *rw);

/* DescribeDBInstances with TagList (rds:db). */
cs_rc cs_extract_rds_region(struct cs_walk *w, struct cs_walk_region *rw);

/* ListFunctions, then ListTags per function (lambda:function). */
cs_rc cs_extract_lambda_region(struct cs_walk *w, struct cs_walk_region *rw);

/* ListClusters, DescribeClusters with TAGS, then per cluster ListServices
 * and DescribeServices with TAGS (ecs:cluster, ecs:service). */
cs_rc cs_extract_ecs_region(struct cs_walk *w, struct cs_walk_region *rw);

/* ListClusters, then DescribeCluster per cluster (eks:cluster). */
cs_rc cs_extract_eks_region(struct cs_walk *w, struct cs_walk_region *rw);

/* GetResources, skipping the types another category of the scan covers. */
cs_rc cs_extract_tagging_region(struct cs_walk *w, struct cs_walk_region *rw);

/* ListBuckets once, GetBucketLocation per bucket, GetBucketTagging in the
 * bucket's home region when that region is one of the cell's enabled
 * regions (s3:bucket). Gives every region of the cell its outcome.
 * Returns w->fatal. */
cs_rc cs_extract_s3(struct cs_walk *w);

#endif
