/* plan.h: per-client limits by plan (DESIGN.md "Tenancy and security").
 *
 *   plan          scans per hour   resources per scan
 *   starter       10               1,000
 *   professional  50               10,000
 *   enterprise    200              100,000
 *
 * An empty plan is starter (proto: "" = starter).
 */
#ifndef CS_STORE_PLAN_H
#define CS_STORE_PLAN_H

#include "util/err.h"

struct cs_plan_limits {
    const char *name;
    int scans_per_hour;
    long resources_per_scan;
};

/* Limits of plan into *out (name is a static string). Errors:
 * CS_ERR_INVALID "unknown plan \"x\": expected starter, professional or
 * enterprise". */
cs_rc cs_plan_limits(const char *plan, struct cs_plan_limits *out,
                     struct cs_err *err);

#endif
