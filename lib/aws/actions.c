#include "aws/actions.h"

#include <string.h>

#define MEMBER CS_AWS_SCOPE_MEMBER
#define ORG CS_AWS_SCOPE_ORG
#define SCANNER CS_AWS_SCOPE_SCANNER

static const struct cs_aws_action actions[] = {
#define CS_ACTION(scope, iam, service, operation) {scope, iam, service, operation},
#include "aws/actions.def"
#undef CS_ACTION
};

#undef MEMBER
#undef ORG
#undef SCANNER

#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

size_t cs_aws_action_count(void)
{
    return NACTIONS;
}

const struct cs_aws_action *cs_aws_action_at(size_t i)
{
    return i < NACTIONS ? &actions[i] : NULL;
}

const struct cs_aws_action *cs_aws_action_find(const char *service,
                                               const char *operation)
{
    if (service == NULL || operation == NULL)
        return NULL;
    for (size_t i = 0; i < NACTIONS; i++)
        if (strcmp(actions[i].operation, operation) == 0 &&
            strcmp(actions[i].service, service) == 0)
            return &actions[i];
    return NULL;
}

const char *cs_aws_scope_name(enum cs_aws_scope scope)
{
    switch (scope) {
    case CS_AWS_SCOPE_SCANNER: return "SCANNER";
    case CS_AWS_SCOPE_ORG: return "ORG";
    case CS_AWS_SCOPE_MEMBER: return "MEMBER";
    }
    return "?";
}
