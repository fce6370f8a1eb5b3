#include "store/plan.h"

#include <string.h>

static const struct cs_plan_limits plans[] = {
    {"starter", 10, 1000L},
    {"professional", 50, 10000L},
    {"enterprise", 200, 100000L},
};

cs_rc cs_plan_limits(const char *plan, struct cs_plan_limits *out,
                     struct cs_err *err)
{
    if (plan == NULL || plan[0] == '\0')
        plan = "starter";
    for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
        if (strcmp(plan, plans[i].name) == 0) {
            *out = plans[i];
            return CS_OK;
        }
    }
    return cs_err_set(err, CS_ERR_INVALID,
                      "unknown plan \"%.32s\": expected starter, professional "
                      "or enterprise", plan);
}
