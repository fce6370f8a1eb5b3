#include "extract/regions.h"

#include <string.h>

#include "aws/endpoint.h"
#include "aws/services.h"

/* The aws partition's regions that are enabled in every account and
 * cannot be disabled (AWS: regions introduced before March 20, 2019). */
static const char *const default_regions[] = {
    "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",
    "ca-central-1",   "eu-west-1",      "eu-west-2",      "eu-west-3",
    "eu-central-1",   "eu-north-1",     "ap-south-1",     "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
    "sa-east-1",      NULL};

int cs_region_always_enabled(const char *region)
{
    size_t i;

    if (region == NULL || !cs_aws_region_valid(region))
        return 0;
    if (strcmp(cs_aws_partition(region), "aws") != 0)
        return 1;
    for (i = 0; default_regions[i]; i++)
        if (strcmp(default_regions[i], region) == 0)
            return 1;
    return 0;
}

enum cs_region_enabled cs_region_opt_in(const char *s)
{
    if (s == NULL)
        return CS_REGION_UNKNOWN;
    if (strcmp(s, "opt-in-not-required") == 0 || strcmp(s, "opted-in") == 0)
        return CS_REGION_ENABLED;
    if (strcmp(s, "not-opted-in") == 0)
        return CS_REGION_NOT_ENABLED;
    return CS_REGION_UNKNOWN;
}

int cs_region_disabled_answer(const char *service, const struct cs_aws_error *e)
{
    const struct cs_aws_service *svc = cs_aws_service_find(service);
    const char *want = NULL;

    if (e == NULL)
        return 0;
    if (e->not_enabled)
        return 1;
    if (svc == NULL)
        return 0;
    switch (svc->protocol) {
    case CS_AWS_PROTO_EC2:
        want = "AuthFailure";
        break;
    case CS_AWS_PROTO_QUERY:
        want = "InvalidClientTokenId";
        break;
    case CS_AWS_PROTO_JSON:
    case CS_AWS_PROTO_REST_JSON:
        want = "UnrecognizedClientException";
        break;
    case CS_AWS_PROTO_REST_XML:
        want = "InvalidAccessKeyId";
        break;
    }
    return want != NULL && strcmp(e->code, want) == 0;
}

Cellscan__V1__EvidenceStatus cs_region_failure_status(const char *service,
                                                      cs_rc rc,
                                                      const struct cs_aws_error *e,
                                                      int first,
                                                      int always_enabled)
{
    if (!first)
        return CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_PARTIAL;
    /* a service not subscribed is not enabled wherever it answers so; the
     * unknown-key answer means "not enabled" only where a region can be */
    if ((e != NULL && e->not_enabled) ||
        (!always_enabled && cs_region_disabled_answer(service, e)))
        return CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NOT_ENABLED;
    if (rc == CS_ERR_DENIED || (e != NULL && e->denied))
        return CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS;
    return CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_ERROR;
}
