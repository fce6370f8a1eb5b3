/* parse.h: the answers the extractors read, from bytes to resources.
 *
 * Every page an extractor receives goes through one of these parsers,
 * which know nothing of the network: XML pages (EC2, RDS, S3) are
 * streamed through the lib/aws matcher and each resource is handed over
 * as soon as its element closes; JSON pages (Lambda, ECS, EKS, tagging)
 * are parsed whole, handed over resource by resource and dropped. Tags
 * are borrowed for the callback only, so nothing of a resource outlives
 * it. Malformed input of any kind is CS_ERR_PARSE (or CS_ERR_LIMIT for
 * oversize pieces) with a one-line reason, never a crash; fuzz_extract
 * feeds every kind.
 */
#ifndef CS_EXTRACT_PARSE_H
#define CS_EXTRACT_PARSE_H

#include <stddef.h>

#include "extract/tagset.h"
#include "policy/policy.h"
#include "util/err.h"

/* Longest pagination token kept (EC2's are about 1 KiB). */
#define CS_PAGE_TOKEN_MAX 8192
/* Longest resource id or ARN accepted (AWS ARNs are at most 2048). */
#define CS_PAGE_ID_MAX 2048
/* Longest region name or opt-in status accepted. */
#define CS_PAGE_WORD_MAX 64

/* Pages that carry resources with their tags. */
enum cs_page_kind {
    CS_PAGE_EC2_INSTANCES, /* DescribeInstances: id = instance id */
    CS_PAGE_EC2_VOLUMES,   /* DescribeVolumes: id = volume id */
    CS_PAGE_RDS_INSTANCES, /* DescribeDBInstances: id = DBInstanceArn */
    CS_PAGE_S3_TAGS,       /* GetBucketTagging: one resource, id "" */
    CS_PAGE_LAMBDA_TAGS,   /* ListTags: one resource, id "" */
    CS_PAGE_ECS_CLUSTERS,  /* DescribeClusters (include TAGS): id = clusterArn */
    CS_PAGE_ECS_SERVICES,  /* DescribeServices (include TAGS): id = serviceArn */
    CS_PAGE_EKS_CLUSTER,   /* DescribeCluster: one resource, id = arn */
    CS_PAGE_TAGGING,       /* GetResources: id = ResourceARN */
    CS_PAGE_RESOURCE_KINDS
};

/* Pages that list names for later describe calls. */
enum cs_list_kind {
    CS_LIST_S3_BUCKETS,       /* ListBuckets: bucket names */
    CS_LIST_LAMBDA_FUNCTIONS, /* ListFunctions: FunctionArn */
    CS_LIST_ECS_CLUSTERS,     /* ListClusters: clusterArns */
    CS_LIST_ECS_SERVICES,     /* ListServices: serviceArns */
    CS_LIST_EKS_CLUSTERS,     /* ListClusters: cluster names */
    CS_LIST_KINDS
};

/* One resource of a page. id and tags are borrowed for the call. Return
 * CS_OK to go on; anything else stops the parse and is returned. */
typedef cs_rc (*cs_page_resource_fn)(void *ud, const char *id,
                                     const struct cs_tag *tags, size_t ntags,
                                     struct cs_err *err);

/* One name of a listing page (NUL-terminated, len bytes). Borrowed for
 * the call. Same return convention. */
typedef cs_rc (*cs_page_name_fn)(void *ud, const char *name, size_t len,
                                 struct cs_err *err);

/* One region of DescribeRegions with its OptInStatus ("" when absent).
 * Borrowed for the call. Same return convention. */
typedef cs_rc (*cs_page_region_fn)(void *ud, const char *region,
                                   const char *opt_in_status,
                                   struct cs_err *err);

/* Parses a resource page of kind k (len bytes at body), calling fn for
 * each resource in page order, with ts (the caller's, reused) holding its
 * tags. The next-page token goes to next (nextlen bytes; "" on the last
 * page or for kinds without one). Errors: CS_ERR_PARSE, CS_ERR_LIMIT
 * (token, id or tags over their caps), CS_ERR_NOMEM, or fn's code. */
cs_rc cs_page_resources(enum cs_page_kind k, const char *body, size_t len,
                        struct cs_tagset *ts, cs_page_resource_fn fn,
                        void *ud, char *next, size_t nextlen,
                        struct cs_err *err);

/* Parses a listing page of kind k, calling fn for each name. Same
 * token and error contract as cs_page_resources. */
cs_rc cs_page_names(enum cs_list_kind k, const char *body, size_t len,
                    cs_page_name_fn fn, void *ud, char *next, size_t nextlen,
                    struct cs_err *err);

/* Parses an EC2 DescribeRegions answer, calling fn per region. Errors as
 * above. */
cs_rc cs_page_regions(const char *body, size_t len, cs_page_region_fn fn,
                      void *ud, struct cs_err *err);

/* Parses a GetBucketLocation answer into the bucket's home region (out,
 * outlen bytes), mapped per cs_s3_location_region. Errors as above. */
cs_rc cs_page_s3_location(const char *body, size_t len, char *out,
                          size_t outlen, struct cs_err *err);

/* The home region a GetBucketLocation LocationConstraint names: ""
 * (and NULL) is us-east-1, "EU" is eu-west-1, anything else is itself.
 * Borrowed: static or constraint. Cannot fail. */
const char *cs_s3_location_region(const char *constraint);

#endif
