#include "policy/restype.h"

#include <stdio.h>
#include <string.h>

struct category {
    const char *name;
    const char *const *types;
};

static const char *const ec2_types[] = {"ec2:instance", "ec2:volume", NULL};
static const char *const s3_types[] = {"s3:bucket", NULL};
static const char *const rds_types[] = {"rds:db", NULL};
static const char *const lambda_types[] = {"lambda:function", NULL};
static const char *const ecs_types[] = {"ecs:cluster", "ecs:service", NULL};
static const char *const eks_types[] = {"eks:cluster", NULL};
static const char *const tagging_types[] = {NULL};

static const struct category categories[] = {
    {"ec2", ec2_types},       {"s3", s3_types},   {"rds", rds_types},
    {"lambda", lambda_types}, {"ecs", ecs_types}, {"eks", eks_types},
    {"tagging", tagging_types},
};

#define NCATEGORIES (sizeof(categories) / sizeof(categories[0]))

/* ARNs whose resource part is a bare name. */
static const struct {
    const char *service;
    const char *type;
} bare_types[] = {
    {"s3", "s3:bucket"},
    {"sns", "sns:topic"},
    {"sqs", "sqs:queue"},
};

static cs_rc bad_arn(const char *arn, struct cs_err *err)
{
    return cs_err_set(err, CS_ERR_INVALID,
                      "arn \"%.100s\": expected "
                      "arn:partition:service:region:account:resource",
                      arn);
}

cs_rc cs_restype_from_arn(const char *arn, char *out, size_t outlen,
                          struct cs_err *err)
{
    const char *field[5], *p = arn, *service, *resource;
    size_t svc_len, res_len, i;
    int n;

    if (arn == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "arn: missing");
    /* field[k] = the k-th ':' of "arn:partition:service:region:account:" */
    for (i = 0; i < 5; i++) {
        p = strchr(p, ':');
        if (p == NULL)
            return bad_arn(arn, err);
        field[i] = p++;
    }
    service = field[1] + 1;
    svc_len = (size_t)(field[2] - service);
    resource = field[4] + 1;
    if ((size_t)(field[0] - arn) != 3 || memcmp(arn, "arn", 3) != 0 ||
        field[1] == field[0] + 1 || svc_len == 0 || *resource == '\0')
        return bad_arn(arn, err);
    res_len = strcspn(resource, "/:");
    if (resource[res_len] != '\0') {
        n = snprintf(out, outlen, "%.*s:%.*s", (int)svc_len, service,
                     (int)res_len, resource);
    } else {
        n = snprintf(out, outlen, "%.*s", (int)svc_len, service);
        for (i = 0; i < sizeof(bare_types) / sizeof(bare_types[0]); i++) {
            if (strlen(bare_types[i].service) == svc_len &&
                memcmp(bare_types[i].service, service, svc_len) == 0) {
                n = snprintf(out, outlen, "%s", bare_types[i].type);
                break;
            }
        }
    }
    if (n < 0 || (size_t)n >= outlen)
        return cs_err_set(err, CS_ERR_LIMIT,
                          "arn \"%.100s\": resource type longer than %zu bytes",
                          arn, outlen ? outlen - 1 : 0);
    return CS_OK;
}

const char *const *cs_category_types(const char *category)
{
    size_t i;

    for (i = 0; category && i < NCATEGORIES; i++)
        if (strcmp(categories[i].name, category) == 0)
            return categories[i].types;
    return NULL;
}

const char *cs_restype_category(const char *type)
{
    size_t i, j;

    for (i = 0; type && i < NCATEGORIES; i++)
        for (j = 0; categories[i].types[j]; j++)
            if (strcmp(categories[i].types[j], type) == 0)
                return categories[i].name;
    return NULL;
}

int cs_restype_covered(const char *type, const char *const *scan_categories,
                       size_t n)
{
    const char *owner = cs_restype_category(type);
    size_t i;

    for (i = 0; owner && i < n; i++)
        if (scan_categories[i] && strcmp(scan_categories[i], owner) == 0)
            return 1;
    return 0;
}
