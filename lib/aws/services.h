/* services.h: what cellscan knows about each AWS service it talks to.
 *
 * One row per service, keyed by the botocore service name (the directory
 * under botocore/data); the values are copied from botocore's models
 * (metadata.apiVersion, protocol, targetPrefix, signingName,
 * endpointPrefix, serviceId) and checked against them by
 * tests/unit/test_aws_services.c.
 */
#ifndef CS_AWS_SERVICES_H
#define CS_AWS_SERVICES_H

#include <stddef.h>

enum cs_aws_protocol {
    CS_AWS_PROTO_QUERY,     /* sts, rds, iam: form POST, XML answer */
    CS_AWS_PROTO_EC2,       /* ec2: form POST, XML answer, own error shape */
    CS_AWS_PROTO_JSON,      /* JSON 1.1 with X-Amz-Target */
    CS_AWS_PROTO_REST_JSON, /* lambda, eks */
    CS_AWS_PROTO_REST_XML   /* s3 */
};

struct cs_aws_service {
    const char *name;            /* botocore name: "resourcegroupstaggingapi" */
    enum cs_aws_protocol protocol;
    const char *api_version;     /* "2016-11-15" */
    const char *target_prefix;   /* JSON: "AmazonEC2ContainerServiceV20141113"; else NULL */
    const char *signing_name;    /* SigV4 service: "tagging" */
    const char *endpoint_prefix; /* host prefix: "tagging" */
    const char *service_id;      /* "Resource Groups Tagging API" */
    const char *env_suffix;      /* AWS_ENDPOINT_URL_<this>: "RESOURCE_GROUPS_TAGGING_API" */
    int global;                  /* one endpoint per partition (iam, organizations) */
};

/* The row for a botocore service name, or NULL if cellscan does not know
 * it. Borrowed: static storage. Cannot fail. */
const struct cs_aws_service *cs_aws_service_find(const char *name);

/* The i-th row, or NULL past the end. Borrowed: static storage. Cannot
 * fail. */
const struct cs_aws_service *cs_aws_service_at(size_t i);

/* "query", "ec2", "json", "rest-json", "rest-xml" (botocore spelling).
 * Cannot fail. */
const char *cs_aws_protocol_name(enum cs_aws_protocol p);

#endif
