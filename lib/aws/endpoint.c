#include "aws/endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ENV_PREFIX "AWS_ENDPOINT_URL"

struct partition {
    const char *name;
    const char *region_prefix; /* regions of the partition start with this */
    const char *dns_suffix;
};

/* Longest prefixes first: "us-isob-" before "us-iso-" before "us-". */
static const struct partition partitions[] = {
    {"aws-iso-b", "us-isob-", "sc2s.sgov.gov"},
    {"aws-iso", "us-iso-", "c2s.ic.gov"},
    {"aws-us-gov", "us-gov-", "amazonaws.com"},
    {"aws-cn", "cn-", "amazonaws.com.cn"},
    {"aws", "", "amazonaws.com"},
};

/* Global services: one endpoint and signing region per partition, from
 * botocore's endpoints.json (checked by tests/unit/test_aws_endpoint.c). */
static const struct global {
    const char *service, *partition, *host, *region;
} globals[] = {
    {"iam", "aws", "iam.amazonaws.com", "us-east-1"},
    {"iam", "aws-cn", "iam.cn-north-1.amazonaws.com.cn", "cn-north-1"},
    {"iam", "aws-us-gov", "iam.us-gov.amazonaws.com", "us-gov-west-1"},
    {"iam", "aws-iso", "iam.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"},
    {"iam", "aws-iso-b", "iam.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1"},
    {"organizations", "aws", "organizations.us-east-1.amazonaws.com", "us-east-1"},
    {"organizations", "aws-cn", "organizations.cn-northwest-1.amazonaws.com.cn",
     "cn-northwest-1"},
    {"organizations", "aws-us-gov", "organizations.us-gov-west-1.amazonaws.com",
     "us-gov-west-1"},
    {"organizations", "aws-iso", "organizations.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"},
    {"organizations", "aws-iso-b", "organizations.us-isob-east-1.sc2s.sgov.gov",
     "us-isob-east-1"},
};

static const struct global *global_of(const struct cs_aws_service *svc,
                                      const struct partition *part)
{
    for (size_t i = 0; svc->global && i < sizeof(globals) / sizeof(globals[0]);
         i++)
        if (strcmp(globals[i].service, svc->name) == 0 &&
            strcmp(globals[i].partition, part->name) == 0)
            return &globals[i];
    return NULL;
}

#define NPARTITIONS (sizeof(partitions) / sizeof(partitions[0]))

struct override {
    char *env_suffix; /* NULL for the AWS_ENDPOINT_URL default */
    char *url;
};

struct cs_aws_endpoints_s {
    struct override *o;
    size_t n;
    char *all; /* AWS_ENDPOINT_URL, or NULL */
};

static const struct partition *partition_of(const char *region)
{
    for (size_t i = 0; i < NPARTITIONS; i++)
        if (strncmp(region, partitions[i].region_prefix,
                    strlen(partitions[i].region_prefix)) == 0)
            return &partitions[i];
    return &partitions[NPARTITIONS - 1];
}

const char *cs_aws_partition(const char *region)
{
    return partition_of(region ? region : "")->name;
}

const char *cs_aws_partition_dns_suffix(const char *partition)
{
    for (size_t i = 0; i < NPARTITIONS; i++)
        if (partition && strcmp(partitions[i].name, partition) == 0)
            return partitions[i].dns_suffix;
    return "amazonaws.com";
}

int cs_aws_region_valid(const char *s)
{
    size_t n;

    if (s == NULL)
        return 0;
    n = strlen(s);
    if (n < 1 || n >= CS_AWS_REGION_MAX || strchr(s, '-') == NULL ||
        s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
            *s != '-')
            return 0;
    return 1;
}

/* An override must be an absolute http(s) URL with a host; the trailing
 * '/' is dropped so paths can be appended. */
static char *check_url(const char *var, const char *v, struct cs_err *err)
{
    const char *host;
    size_t n;
    char *copy;

    if (strncmp(v, "http://", 7) == 0)
        host = v + 7;
    else if (strncmp(v, "https://", 8) == 0)
        host = v + 8;
    else {
        cs_err_set(err, CS_ERR_INVALID,
                   "%s must be an http:// or https:// URL", var);
        return NULL;
    }
    if (*host == '\0' || *host == '/' || *host == ':' || strchr(v, '?') ||
        strchr(v, '#') || strchr(v, ' ')) {
        cs_err_set(err, CS_ERR_INVALID,
                   "%s must be scheme://host[:port][/path] without query",
                   var);
        return NULL;
    }
    n = strlen(v);
    while (n > 0 && v[n - 1] == '/')
        n--;
    if (n >= CS_AWS_URL_MAX) {
        cs_err_set(err, CS_ERR_INVALID, "%s is too long", var);
        return NULL;
    }
    copy = strndup(v, n);
    if (copy == NULL)
        cs_err_set(err, CS_ERR_NOMEM, "endpoints: out of memory");
    return copy;
}

static int env_true(const char *name)
{
    const char *v = getenv(name);

    return v && strcasecmp(v, "true") == 0;
}

cs_aws_endpoints_t *cs_aws_endpoints_new(struct cs_err *err)
{
    cs_aws_endpoints_t *e = calloc(1, sizeof(*e));
    const struct cs_aws_service *svc;
    size_t nsvc = 0;

    if (e == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "endpoints: out of memory");
        return NULL;
    }
    if (env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
        return e;
    while (cs_aws_service_at(nsvc))
        nsvc++;
    e->o = calloc(nsvc, sizeof(*e->o));
    if (e->o == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "endpoints: out of memory");
        goto fail;
    }
    if (getenv(ENV_PREFIX) && getenv(ENV_PREFIX)[0] &&
        (e->all = check_url(ENV_PREFIX, getenv(ENV_PREFIX), err)) == NULL)
        goto fail;
    for (size_t i = 0; (svc = cs_aws_service_at(i)) != NULL; i++) {
        char var[128];
        const char *v;
        snprintf(var, sizeof(var), ENV_PREFIX "_%s", svc->env_suffix);
        v = getenv(var);
        if (v == NULL || v[0] == '\0')
            continue;
        e->o[e->n].env_suffix = strdup(svc->env_suffix);
        e->o[e->n].url = check_url(var, v, err);
        if (e->o[e->n].env_suffix == NULL || e->o[e->n].url == NULL) {
            if (e->o[e->n].env_suffix == NULL)
                cs_err_set(err, CS_ERR_NOMEM, "endpoints: out of memory");
            e->n++;
            goto fail;
        }
        e->n++;
    }
    return e;
fail:
    cs_aws_endpoints_destroy(e);
    return NULL;
}

void cs_aws_endpoints_destroy(cs_aws_endpoints_t *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n; i++) {
        free(e->o[i].env_suffix);
        free(e->o[i].url);
    }
    free(e->o);
    free(e->all);
    free(e);
}

static const char *override_for(const cs_aws_endpoints_t *e,
                                 const struct cs_aws_service *svc)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->o[i].env_suffix, svc->env_suffix) == 0)
            return e->o[i].url;
    return e->all;
}

cs_rc cs_aws_endpoint_resolve(const cs_aws_endpoints_t *e,
                              const struct cs_aws_service *svc,
                              const char *region, struct cs_aws_endpoint *out,
                              struct cs_err *err)
{
    const struct partition *part;
    const struct global *g;
    const char *url;
    int n;

    if (svc == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "endpoint: no service");
    if (!cs_aws_region_valid(region))
        return cs_err_set(err, CS_ERR_INVALID,
                          "endpoint: '%.40s' is not a region name",
                          region ? region : "");
    part = partition_of(region);
    g = global_of(svc, part);
    snprintf(out->signing_region, sizeof(out->signing_region), "%s",
             g ? g->region : region);
    url = e ? override_for(e, svc) : NULL;
    out->overridden = url != NULL;
    if (url)
        n = snprintf(out->url, sizeof(out->url), "%s", url);
    else if (g)
        n = snprintf(out->url, sizeof(out->url), "https://%s", g->host);
    else
        n = snprintf(out->url, sizeof(out->url), "https://%s.%s.%s",
                     svc->endpoint_prefix, region, part->dns_suffix);
    if (n < 0 || (size_t)n >= sizeof(out->url))
        return cs_err_set(err, CS_ERR_LIMIT, "endpoint: URL too long");
    return CS_OK;
}
