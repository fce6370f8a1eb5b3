/* endpoint.h: where a request for (service, region) goes, and how it is
 * signed.
 *
 * Standard endpoints are https://<endpoint_prefix>.<region>.<dns suffix>,
 * with the partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b) derived
 * from the region name; global services (IAM, Organizations) have one
 * endpoint and one signing region per partition. Overrides follow the AWS
 * SDKs: AWS_ENDPOINT_URL_<SERVICE> (the service id upper-cased, spaces as
 * underscores, e.g. AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API) wins over
 * AWS_ENDPOINT_URL; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true disables both.
 */
#ifndef CS_AWS_ENDPOINT_H
#define CS_AWS_ENDPOINT_H

#include <stddef.h>

#include "aws/services.h"
#include "util/err.h"

#define CS_AWS_URL_MAX 512
#define CS_AWS_REGION_MAX 32
#define CS_AWS_PARTITION_MAX 16

typedef struct cs_aws_endpoints_s cs_aws_endpoints_t;

struct cs_aws_endpoint {
    char url[CS_AWS_URL_MAX];               /* scheme://host[:port][/base], no trailing '/' */
    char signing_region[CS_AWS_REGION_MAX]; /* region in the credential scope */
    int overridden;                         /* url came from AWS_ENDPOINT_URL* */
};

/* Reads the override variables from the environment (getenv, once).
 * Returns NULL with err set on a malformed override URL (it names the
 * variable) or when out of memory. Caller frees with
 * cs_aws_endpoints_destroy. */
cs_aws_endpoints_t *cs_aws_endpoints_new(struct cs_err *err);

/* Frees e. NULL is a no-op. */
void cs_aws_endpoints_destroy(cs_aws_endpoints_t *e);

/* Resolves the endpoint of svc in region into out. CS_ERR_INVALID when
 * the region is not a well-formed region name. Thread-safe (e is read
 * only after creation). */
cs_rc cs_aws_endpoint_resolve(const cs_aws_endpoints_t *e,
                            const struct cs_aws_service *svc,
                            const char *region, struct cs_aws_endpoint *out,
                            struct cs_err *err);

/* The partition of a region ("aws", "aws-cn", "aws-us-gov", "aws-iso",
 * "aws-iso-b"). Borrowed: static storage. Cannot fail (unknown prefixes
 * are "aws"). */
const char *cs_aws_partition(const char *region);

/* DNS suffix of a partition ("amazonaws.com", "amazonaws.com.cn", ...).
 * Borrowed: static storage. Cannot fail. */
const char *cs_aws_partition_dns_suffix(const char *partition);

/* 1 when s looks like a region name (lower-case letters, digits and '-',
 * 1..31 characters, at least one '-'), else 0. Cannot fail. */
int cs_aws_region_valid(const char *s);

#endif
