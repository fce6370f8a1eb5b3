#include "aws/services.h"

#include <string.h>

/* Values from botocore/data/<name>/<version>/service-2.json metadata;
 * signing_name is metadata.signingName or, when absent, endpointPrefix. */
static const struct cs_aws_service services[] = {
    {"sts", CS_AWS_PROTO_QUERY, "2011-06-15", NULL, "sts", "sts", "STS", "STS", 0},
    {"organizations", CS_AWS_PROTO_JSON, "2016-11-28", "AWSOrganizationsV20161128",
     "organizations", "organizations", "Organizations", "ORGANIZATIONS", 1},
    {"ec2", CS_AWS_PROTO_EC2, "2016-11-15", NULL, "ec2", "ec2", "EC2", "EC2", 0},
    {"s3", CS_AWS_PROTO_REST_XML, "2006-03-01", NULL, "s3", "s3", "S3", "S3", 0},
    {"rds", CS_AWS_PROTO_QUERY, "2014-10-31", NULL, "rds", "rds", "RDS", "RDS", 0},
    {"lambda", CS_AWS_PROTO_REST_JSON, "2015-03-31", NULL, "lambda", "lambda", "Lambda",
     "LAMBDA", 0},
    {"ecs", CS_AWS_PROTO_JSON, "2014-11-13", "AmazonEC2ContainerServiceV20141113", "ecs",
     "ecs", "ECS", "ECS", 0},
    {"eks", CS_AWS_PROTO_REST_JSON, "2017-11-01", NULL, "eks", "eks", "EKS", "EKS", 0},
    {"resourcegroupstaggingapi", CS_AWS_PROTO_JSON, "2017-01-26",
     "ResourceGroupsTaggingAPI_20170126", "tagging", "tagging",
     "Resource Groups Tagging API", "RESOURCE_GROUPS_TAGGING_API", 0},
    {"iam", CS_AWS_PROTO_QUERY, "2010-05-08", NULL, "iam", "iam", "IAM", "IAM", 1},
};

#define NSERVICES (sizeof(services) / sizeof(services[0]))

const struct cs_aws_service *cs_aws_service_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < NSERVICES; i++)
        if (strcmp(services[i].name, name) == 0)
            return &services[i];
    return NULL;
}

const struct cs_aws_service *cs_aws_service_at(size_t i)
{
    return i < NSERVICES ? &services[i] : NULL;
}

const char *cs_aws_protocol_name(enum cs_aws_protocol p)
{
    switch (p) {
    case CS_AWS_PROTO_QUERY: return "query";
    case CS_AWS_PROTO_EC2: return "ec2";
    case CS_AWS_PROTO_JSON: return "json";
    case CS_AWS_PROTO_REST_JSON: return "rest-json";
    case CS_AWS_PROTO_REST_XML: return "rest-xml";
    }
    return "?";
}
