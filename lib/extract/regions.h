/* regions.h: whether a region of a cell can be walked, and what a failed
 * call says about its region (docs/compliance.md "Region outcomes",
 * docs/extract.md). Pure functions: no network, no state.
 */
#ifndef CS_EXTRACT_REGIONS_H
#define CS_EXTRACT_REGIONS_H

#include "aws/error.h"
#include "cellscan.pb-c.h"
#include "util/err.h"

enum cs_region_enabled {
    CS_REGION_UNKNOWN = 0,   /* not learned: the region's own answers decide */
    CS_REGION_ENABLED,
    CS_REGION_NOT_ENABLED
};

/* 1 when region can never be disabled for an account: one of the 17
 * regions of the aws partition that predate opt-in regions (every region
 * launched since March 2019 is opt-in), or any region of another
 * partition (they have no opt-in regions). A cell whose regions are all
 * such needs no DescribeRegions. Cannot fail. */
int cs_region_always_enabled(const char *region);

/* What DescribeRegions' OptInStatus says: "opt-in-not-required" and
 * "opted-in" are enabled, "not-opted-in" is not, anything else unknown.
 * Cannot fail. */
enum cs_region_enabled cs_region_opt_in(const char *opt_in_status);

/* 1 when the error e from service is how a region that is not enabled
 * for the account answers: an opt-in error (e->not_enabled), or the
 * unknown-credentials error of the service's protocol — AWS does not
 * replicate an account's credentials into an opt-in region it has not
 * enabled (EC2 AuthFailure, query InvalidClientTokenId, JSON and
 * rest-json UnrecognizedClientException, S3 InvalidAccessKeyId). Cannot
 * fail. */
int cs_region_disabled_answer(const char *service, const struct cs_aws_error *e);

/* The status of a region whose call to service failed with rc and e
 * (e may be NULL when nothing was answered, e.g. a parse error). first:
 * nothing of the region had been read yet (the category's first call),
 * else the region is partial. For a first call: not enabled for an
 * opt-in error (OptInRequired...), or for the other answers of a disabled
 * region when the region is not always enabled; no access when access
 * was denied; else error. Cannot fail. */
Cellscan__V1__EvidenceStatus cs_region_failure_status(const char *service,
                                                      cs_rc rc,
                                                      const struct cs_aws_error *e,
                                                      int first,
                                                      int always_enabled);

#endif
