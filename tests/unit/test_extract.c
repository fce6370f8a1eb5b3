/* extract: the pure parts — region classification (which regions need no
 * DescribeRegions, what OptInStatus means, what a failed call says about
 * its region), the bucket-location mapping, every page parser on answers
 * shaped as AWS sends them (and as it never should), and the bounded
 * tag and name collectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "compliance/cell.h"
#include "extract/parse.h"
#include "extract/regions.h"
#include "extract/strlist.h"
#include "extract/tagset.h"
#include "extract/walk.h"

/* ------------------------------------------------------------- regions */

static void always_enabled_regions(void **state)
{
    static const struct {
        const char *region;
        int always;
    } cases[] = {
        {"us-east-1", 1},     {"eu-west-1", 1},      {"sa-east-1", 1},
        {"ap-northeast-3", 1}, {"af-south-1", 0},    {"ap-east-1", 0},
        {"me-south-1", 0},    {"eu-south-2", 0},     {"us-east-9", 0},
        {"cn-north-1", 1},    {"us-gov-west-1", 1},  {"us-iso-east-1", 1},
        {"US East", 0},       {"", 0},               {NULL, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (cs_region_always_enabled(cases[i].region) != cases[i].always)
            fail_msg("%s: expected %d", cases[i].region ? cases[i].region : "NULL",
                     cases[i].always);
}

static void opt_in_status_words(void **state)
{
    (void)state;
    assert_int_equal(cs_region_opt_in("opt-in-not-required"), CS_REGION_ENABLED);
    assert_int_equal(cs_region_opt_in("opted-in"), CS_REGION_ENABLED);
    assert_int_equal(cs_region_opt_in("not-opted-in"), CS_REGION_NOT_ENABLED);
    assert_int_equal(cs_region_opt_in(""), CS_REGION_UNKNOWN);
    assert_int_equal(cs_region_opt_in("enabling"), CS_REGION_UNKNOWN);
    assert_int_equal(cs_region_opt_in(NULL), CS_REGION_UNKNOWN);
}

static struct cs_aws_error aws_error(const char *code, int status)
{
    struct cs_aws_error e = CS_AWS_ERROR_INIT;

    snprintf(e.code, sizeof(e.code), "%s", code);
    e.http_status = status;
    cs_aws_error_classify(&e);
    return e;
}

#define OK_ CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK
#define PARTIAL CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_PARTIAL
#define NO_ACCESS CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS
#define NOT_ENABLED CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NOT_ENABLED
#define ERROR CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_ERROR

/* tests/awssim/README.md's error table, row "opt-in region not enabled",
 * and the other answers a first call may get. */
static void failure_status_table(void **state)
{
    static const struct {
        const char *service, *code;
        int http, rc, first, always;
        Cellscan__V1__EvidenceStatus want;
    } cases[] = {
        /* a disabled region answers as if the key were unknown */
        {"ec2", "AuthFailure", 401, CS_ERR_AWS, 1, 0, NOT_ENABLED},
        {"rds", "InvalidClientTokenId", 403, CS_ERR_AWS, 1, 0, NOT_ENABLED},
        {"ecs", "UnrecognizedClientException", 400, CS_ERR_AWS, 1, 0, NOT_ENABLED},
        {"resourcegroupstaggingapi", "UnrecognizedClientException", 400, CS_ERR_AWS, 1, 0, NOT_ENABLED},
        {"lambda", "UnrecognizedClientException", 403, CS_ERR_AWS, 1, 0, NOT_ENABLED},
        {"eks", "UnrecognizedClientException", 403, CS_ERR_AWS, 1, 0, NOT_ENABLED},
        {"s3", "InvalidAccessKeyId", 403, CS_ERR_AWS, 1, 0, NOT_ENABLED},
        /* ...but another protocol's word is not that answer */
        {"ec2", "InvalidClientTokenId", 403, CS_ERR_AWS, 1, 0, ERROR},
        {"s3", "UnrecognizedClientException", 400, CS_ERR_AWS, 1, 0, ERROR},
        /* a region that cannot be disabled is not disabled */
        {"ec2", "AuthFailure", 401, CS_ERR_AWS, 1, 1, ERROR},
        /* a service not subscribed, wherever */
        {"ec2", "OptInRequired", 403, CS_ERR_AWS, 1, 1, NOT_ENABLED},
        {"ecs", "SubscriptionRequiredException", 400, CS_ERR_AWS, 1, 0, NOT_ENABLED},
        /* access denied in each protocol's words */
        {"ec2", "UnauthorizedOperation", 403, CS_ERR_DENIED, 1, 1, NO_ACCESS},
        {"rds", "AccessDenied", 403, CS_ERR_DENIED, 1, 1, NO_ACCESS},
        {"lambda", "AccessDeniedException", 403, CS_ERR_DENIED, 1, 0, NO_ACCESS},
        {"rds", "AuthorizationError", 403, CS_ERR_DENIED, 1, 1, NO_ACCESS},
        /* anything else after retries */
        {"ec2", "RequestLimitExceeded", 503, CS_ERR_AWS, 1, 1, ERROR},
        {"ecs", "ServerException", 500, CS_ERR_AWS, 1, 1, ERROR},
        {"ec2", "", 0, CS_ERR_TIMEOUT, 1, 1, ERROR},
        /* after something of the region was read: partial, whatever */
        {"ec2", "UnauthorizedOperation", 403, CS_ERR_DENIED, 0, 1, PARTIAL},
        {"ec2", "AuthFailure", 401, CS_ERR_AWS, 0, 0, PARTIAL},
        {"rds", "Throttling", 400, CS_ERR_AWS, 0, 1, PARTIAL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cs_aws_error e = aws_error(cases[i].code, cases[i].http);
        Cellscan__V1__EvidenceStatus got = cs_region_failure_status(
            cases[i].service, (cs_rc)cases[i].rc, &e, cases[i].first, cases[i].always);
        if (got != cases[i].want)
            fail_msg("case %zu (%s %s first=%d always=%d): status %d, expected %d", i,
                     cases[i].service, cases[i].code, cases[i].first, cases[i].always,
                     (int)got, (int)cases[i].want);
    }
    /* no answer at all (a parse error): an error, never "not enabled" */
    assert_int_equal(cs_region_failure_status("ec2", CS_ERR_PARSE, NULL, 1, 0), ERROR);
    assert_int_equal(cs_region_failure_status("ec2", CS_ERR_PARSE, NULL, 0, 0), PARTIAL);
    assert_false(cs_region_disabled_answer("nosuchservice", NULL));
}

static void bucket_location_mapping(void **state)
{
    char region[64];
    struct cs_err err = CS_ERR_INIT;
    static const char empty[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>";
    static const char eu[] =
        "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">EU</LocationConstraint>";
    static const char cpt[] = "<LocationConstraint>af-south-1</LocationConstraint>";

    (void)state;
    assert_string_equal(cs_s3_location_region(NULL), "us-east-1");
    assert_string_equal(cs_s3_location_region(""), "us-east-1");
    assert_string_equal(cs_s3_location_region("EU"), "eu-west-1");
    assert_string_equal(cs_s3_location_region("eu-west-1"), "eu-west-1");
    assert_string_equal(cs_s3_location_region("ap-southeast-2"), "ap-southeast-2");
    assert_int_equal(cs_page_s3_location(empty, strlen(empty), region, sizeof(region), &err), CS_OK);
    assert_string_equal(region, "us-east-1");
    assert_int_equal(cs_page_s3_location(eu, strlen(eu), region, sizeof(region), &err), CS_OK);
    assert_string_equal(region, "eu-west-1");
    assert_int_equal(cs_page_s3_location(cpt, strlen(cpt), region, sizeof(region), &err), CS_OK);
    assert_string_equal(region, "af-south-1");
    assert_int_equal(cs_page_s3_location(cpt, 20, region, sizeof(region), &err), CS_ERR_PARSE);
    assert_int_equal(cs_page_s3_location(cpt, strlen(cpt), region, 5, &err), CS_ERR_LIMIT);
}

/* --------------------------------------------------------------- pages */

/* What a parser handed over, flattened: "id|k=v|k=v;" per resource. */
struct seen {
    char text[4096];
    int n;
    int stop_at;  /* fail with CS_ERR_INTERNAL at the n-th resource, 0 = never */
};

static cs_rc on_resource(void *ud, const char *id, const struct cs_tag *tags, size_t ntags,
                         struct cs_err *err)
{
    struct seen *s = ud;
    size_t len = strlen(s->text);

    if (++s->n == s->stop_at)
        return cs_err_set(err, CS_ERR_INTERNAL, "stop");
    len += (size_t)snprintf(s->text + len, sizeof(s->text) - len, "%s", id);
    for (size_t i = 0; i < ntags; i++)
        len += (size_t)snprintf(s->text + len, sizeof(s->text) - len, "|%s=%s", tags[i].key,
                                tags[i].value);
    snprintf(s->text + len, sizeof(s->text) - len, ";");
    return CS_OK;
}

static cs_rc on_name(void *ud, const char *name, size_t len, struct cs_err *err)
{
    struct seen *s = ud;
    size_t at = strlen(s->text);

    (void)err;
    assert_int_equal(strlen(name), len);
    snprintf(s->text + at, sizeof(s->text) - at, "%s;", name);
    s->n++;
    return CS_OK;
}

static struct cs_tagset page_tags = CS_TAGSET_INIT;

static cs_rc page(enum cs_page_kind k, const char *body, struct seen *s, char *next,
                  struct cs_err *err)
{
    memset(s->text, 0, sizeof(s->text));
    s->n = 0;
    return cs_page_resources(k, body, strlen(body), &page_tags, on_resource, s, next,
                             next ? CS_PAGE_TOKEN_MAX : 0, err);
}

/* A string literal and its length. */
#define LIT(s) s, sizeof(s) - 1

static void ec2_pages(void **state)
{
    static const char instances[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
        "<requestId>r-1</requestId><reservationSet>"
        "<item><reservationId>r-a</reservationId><instancesSet>"
        "<item><instanceId>i-1</instanceId><tagSet>"
        "<item><key>Owner</key><value>a &amp; &lt;b&gt;</value></item>"
        "<item><key>Empty</key><value/></item>"
        "<item><value>no key first</value><key>Late</key></item>"
        "</tagSet><networkInterfaceSet><item><tagSet><item><key>NotMine</key>"
        "<value>x</value></item></tagSet></item></networkInterfaceSet></item>"
        "<item><instanceId>i-2</instanceId></item>"
        "</instancesSet></item>"
        "<item><instancesSet><item><instanceId>i-3</instanceId><tagSet>"
        "<item><key>Zo\xc3\xab</key><value>\xe2\x98\x83</value></item></tagSet></item>"
        "</instancesSet></item>"
        "</reservationSet><nextToken>tok/en+1==</nextToken></DescribeInstancesResponse>";
    static const char volumes[] =
        "<DescribeVolumesResponse><volumeSet><item><volumeId>vol-1</volumeId>"
        "<tagSet><item><key>K</key><value>V</value></item></tagSet></item></volumeSet>"
        "</DescribeVolumesResponse>";
    char next[CS_PAGE_TOKEN_MAX];
    struct cs_err err = CS_ERR_INIT;
    struct seen s = {{0}, 0, 0};

    (void)state;
    assert_int_equal(page(CS_PAGE_EC2_INSTANCES, instances, &s, next, &err), CS_OK);
    assert_string_equal(s.text, "i-1|Owner=a & <b>|Empty=|Late=no key first;i-2;"
                                "i-3|Zo\xc3\xab=\xe2\x98\x83;");
    assert_string_equal(next, "tok/en+1==");
    assert_int_equal(page(CS_PAGE_EC2_VOLUMES, volumes, &s, next, &err), CS_OK);
    assert_string_equal(s.text, "vol-1|K=V;");
    assert_string_equal(next, "");
    /* cut short: the resources before the cut were handed over */
    assert_int_equal(page(CS_PAGE_EC2_INSTANCES, "<DescribeInstancesResponse><reservationSet>"
                                                 "<item><instancesSet><item><instanceId>i-9"
                                                 "</instanceId></item><item><instanceId>",
                          &s, next, &err), CS_ERR_PARSE);
    assert_string_equal(s.text, "i-9;");
    /* an instance without its id */
    assert_int_equal(page(CS_PAGE_EC2_INSTANCES, "<DescribeInstancesResponse><reservationSet>"
                                                 "<item><instancesSet><item/></instancesSet>"
                                                 "</item></reservationSet>"
                                                 "</DescribeInstancesResponse>",
                          &s, next, &err), CS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "without its id"));
    /* entities are refused, not expanded */
    assert_int_equal(page(CS_PAGE_EC2_VOLUMES, "<!DOCTYPE x [<!ENTITY a \"b\">]>"
                                               "<DescribeVolumesResponse/>", &s, next, &err),
                     CS_ERR_PARSE);
    /* the callback's refusal stops the parse and is returned */
    s.stop_at = 2;
    memset(s.text, 0, sizeof(s.text));
    s.n = 0;
    {
        struct cs_tagset ts = CS_TAGSET_INIT;
        assert_int_equal(cs_page_resources(CS_PAGE_EC2_INSTANCES, instances, strlen(instances),
                                           &ts, on_resource, &s, next, sizeof(next), &err),
                         CS_ERR_INTERNAL);
        cs_tagset_free(&ts);
    }
}

static void rds_and_s3_pages(void **state)
{
    static const char rds[] =
        "<DescribeDBInstancesResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">"
        "<DescribeDBInstancesResult><DBInstances><DBInstance>"
        "<DBInstanceIdentifier>db1</DBInstanceIdentifier>"
        "<DBInstanceArn>arn:aws:rds:eu-west-1:111111111111:db:db1</DBInstanceArn>"
        "<TagList><Tag><Key>Owner</Key><Value>dba</Value></Tag></TagList></DBInstance>"
        "<DBInstance><DBInstanceArn>arn:aws:rds:eu-west-1:111111111111:db:db2</DBInstanceArn>"
        "<TagList/></DBInstance></DBInstances><Marker>m2</Marker>"
        "</DescribeDBInstancesResult></DescribeDBInstancesResponse>";
    static const char tagging[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>"
        "<Tag><Key>A</Key><Value>1</Value></Tag><Tag><Key>B</Key><Value></Value></Tag>"
        "</TagSet></Tagging>";
    char next[CS_PAGE_TOKEN_MAX];
    struct cs_err err = CS_ERR_INIT;
    struct seen s = {{0}, 0, 0};

    (void)state;
    assert_int_equal(page(CS_PAGE_RDS_INSTANCES, rds, &s, next, &err), CS_OK);
    assert_string_equal(s.text, "arn:aws:rds:eu-west-1:111111111111:db:db1|Owner=dba;"
                                "arn:aws:rds:eu-west-1:111111111111:db:db2;");
    assert_string_equal(next, "m2");
    assert_int_equal(page(CS_PAGE_S3_TAGS, tagging, &s, NULL, &err), CS_OK);
    assert_string_equal(s.text, "|A=1|B=;");
}

static void json_pages(void **state)
{
    static const char tagging[] =
        "{\"PaginationToken\":\"p2\",\"ResourceTagMappingList\":["
        "{\"ResourceARN\":\"arn:aws:dynamodb:us-east-1:1:table/t\",\"Tags\":"
        "[{\"Key\":\"Owner\",\"Value\":\"x\"},{\"Key\":\"Empty\"}]},"
        "{\"ResourceARN\":\"arn:aws:s3:::b\",\"Tags\":[]}]}";
    static const char ecs[] =
        "{\"clusters\":[{\"clusterArn\":\"arn:aws:ecs:us-east-1:1:cluster/c\","
        "\"tags\":[{\"key\":\"k\",\"value\":\"v\"}]},{\"clusterArn\":\"arn:aws:ecs:us-east-1:1:cluster/d\"}],"
        "\"failures\":[{\"arn\":\"arn:aws:ecs:us-east-1:1:cluster/gone\",\"reason\":\"MISSING\"}]}";
    static const char eks[] =
        "{\"cluster\":{\"name\":\"k\",\"arn\":\"arn:aws:eks:us-east-1:1:cluster/k\","
        "\"tags\":{\"Owner\":\"p\"}}}";
    static const char lambda[] = "{\"Tags\":{\"A\":\"1\",\"B\":\"\"}}";
    char next[CS_PAGE_TOKEN_MAX];
    struct cs_err err = CS_ERR_INIT;
    struct seen s = {{0}, 0, 0};

    (void)state;
    assert_int_equal(page(CS_PAGE_TAGGING, tagging, &s, next, &err), CS_OK);
    assert_string_equal(s.text, "arn:aws:dynamodb:us-east-1:1:table/t|Owner=x|Empty=;"
                                "arn:aws:s3:::b;");
    assert_string_equal(next, "p2");
    assert_int_equal(page(CS_PAGE_TAGGING, "{\"PaginationToken\":\"\",\"ResourceTagMappingList\":[]}",
                          &s, next, &err), CS_OK);
    assert_string_equal(next, "");
    assert_int_equal(s.n, 0);
    assert_int_equal(page(CS_PAGE_ECS_CLUSTERS, ecs, &s, NULL, &err), CS_OK);
    assert_string_equal(s.text, "arn:aws:ecs:us-east-1:1:cluster/c|k=v;arn:aws:ecs:us-east-1:1:cluster/d;");
    assert_int_equal(page(CS_PAGE_EKS_CLUSTER, eks, &s, NULL, &err), CS_OK);
    assert_string_equal(s.text, "arn:aws:eks:us-east-1:1:cluster/k|Owner=p;");
    assert_int_equal(page(CS_PAGE_LAMBDA_TAGS, lambda, &s, NULL, &err), CS_OK);
    assert_string_equal(s.text, "|A=1|B=;");
    assert_int_equal(page(CS_PAGE_LAMBDA_TAGS, "{}", &s, NULL, &err), CS_OK);
    assert_string_equal(s.text, ";");
}

static void malformed_json_pages(void **state)
{
    static const struct {
        enum cs_page_kind k;
        const char *body;
        cs_rc rc;
    } cases[] = {
        {CS_PAGE_TAGGING, "not json", CS_ERR_PARSE},
        {CS_PAGE_TAGGING, "[1,2]", CS_ERR_PARSE},
        {CS_PAGE_TAGGING, "{\"ResourceTagMappingList\":{}}", CS_ERR_PARSE},
        {CS_PAGE_TAGGING, "{\"ResourceTagMappingList\":[1]}", CS_ERR_PARSE},
        {CS_PAGE_TAGGING, "{\"ResourceTagMappingList\":[{\"Tags\":[]}]}", CS_ERR_PARSE},
        {CS_PAGE_TAGGING, "{\"ResourceTagMappingList\":[{\"ResourceARN\":\"a\",\"Tags\":{}}]}", CS_ERR_PARSE},
        {CS_PAGE_TAGGING, "{\"ResourceTagMappingList\":[{\"ResourceARN\":\"a\",\"Tags\":[{\"Value\":\"v\"}]}]}", CS_ERR_PARSE},
        {CS_PAGE_TAGGING, "{\"ResourceTagMappingList\":[{\"ResourceARN\":\"a\",\"Tags\":[{\"Key\":\"k\",\"Value\":3}]}]}", CS_ERR_PARSE},
        {CS_PAGE_TAGGING, "{\"PaginationToken\":5}", CS_ERR_PARSE},
        {CS_PAGE_EKS_CLUSTER, "{}", CS_ERR_PARSE},
        {CS_PAGE_EKS_CLUSTER, "{\"cluster\":{\"arn\":\"a\",\"tags\":{\"k\":null}}}", CS_ERR_PARSE},
        {CS_PAGE_LAMBDA_TAGS, "{\"Tags\":[]}", CS_ERR_PARSE},
        {CS_PAGE_ECS_SERVICES, "{\"services\":[{\"serviceArn\":\"\"}]}", CS_ERR_PARSE},
    };
    struct cs_err err = CS_ERR_INIT;
    char next[CS_PAGE_TOKEN_MAX];
    struct seen s = {{0}, 0, 0};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cs_rc rc = page(cases[i].k, cases[i].body, &s, next, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): %s, expected %s", i, cases[i].body, cs_rc_name(rc),
                     cs_rc_name(cases[i].rc));
    }
}

static void name_pages(void **state)
{
    static const char buckets[] =
        "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Owner><ID>x</ID></Owner><Buckets><Bucket><Name>b-1</Name><CreationDate>d</CreationDate>"
        "</Bucket><Bucket><Name>b.2</Name></Bucket></Buckets></ListAllMyBucketsResult>";
    static const struct {
        enum cs_list_kind k;
        const char *body, *names, *next;
    } cases[] = {
        {CS_LIST_S3_BUCKETS, buckets, "b-1;b.2;", ""},
        {CS_LIST_LAMBDA_FUNCTIONS,
         "{\"Functions\":[{\"FunctionName\":\"f\",\"FunctionArn\":\"arn:aws:lambda:r:1:function:f\"}],"
         "\"NextMarker\":\"m\"}", "arn:aws:lambda:r:1:function:f;", "m"},
        {CS_LIST_ECS_CLUSTERS, "{\"clusterArns\":[\"a\",\"b\"],\"nextToken\":null}", "a;b;", ""},
        {CS_LIST_ECS_SERVICES, "{\"serviceArns\":[]}", "", ""},
        {CS_LIST_EKS_CLUSTERS, "{\"clusters\":[\"k\"],\"nextToken\":\"t\"}", "k;", "t"},
    };
    char next[CS_PAGE_TOKEN_MAX];
    struct cs_err err = CS_ERR_INIT;
    struct seen s;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&s, 0, sizeof(s));
        assert_int_equal(cs_page_names(cases[i].k, cases[i].body, strlen(cases[i].body), on_name,
                                       &s, next, sizeof(next), &err), CS_OK);
        assert_string_equal(s.text, cases[i].names);
        assert_string_equal(next, cases[i].next);
    }
    assert_int_equal(cs_page_names(CS_LIST_ECS_CLUSTERS, LIT("{\"clusterArns\":[1]}"), on_name,
                                   &s, next, sizeof(next), &err), CS_ERR_PARSE);
    assert_int_equal(cs_page_names(CS_LIST_S3_BUCKETS,
                                   LIT("<ListAllMyBucketsResult><Buckets><Bucket><Name></Name>"
                                       "</Bucket></Buckets></ListAllMyBucketsResult>"),
                                   on_name, &s, next, sizeof(next), &err), CS_ERR_PARSE);
    assert_int_equal(cs_page_names(CS_LIST_LAMBDA_FUNCTIONS, LIT("{\"Functions\":[{}]}"), on_name,
                                   &s, next, sizeof(next), &err), CS_ERR_PARSE);
}

static void token_longer_than_the_cap(void **state)
{
    char body[CS_PAGE_TOKEN_MAX + 200], next[CS_PAGE_TOKEN_MAX];
    struct cs_err err = CS_ERR_INIT;
    struct seen s = {{0}, 0, 0};
    int n = snprintf(body, sizeof(body), "{\"nextToken\":\"");

    (void)state;
    memset(body + n, 'a', CS_PAGE_TOKEN_MAX);
    snprintf(body + n + CS_PAGE_TOKEN_MAX, sizeof(body) - (size_t)n - CS_PAGE_TOKEN_MAX, "\"}");
    assert_int_equal(cs_page_names(CS_LIST_EKS_CLUSTERS, body, strlen(body), on_name, &s, next,
                                   sizeof(next), &err), CS_ERR_LIMIT);
}

struct regions_seen {
    char text[512];
};

static cs_rc on_region(void *ud, const char *region, const char *status, struct cs_err *err)
{
    struct regions_seen *r = ud;
    size_t n = strlen(r->text);

    (void)err;
    snprintf(r->text + n, sizeof(r->text) - n, "%s=%s;", region, status);
    return CS_OK;
}

static void describe_regions_page(void **state)
{
    static const char body[] =
        "<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
        "<requestId>x</requestId><regionInfo>"
        "<item><regionName>us-east-1</regionName><regionEndpoint>ec2.us-east-1.amazonaws.com"
        "</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>"
        "<item><regionName>af-south-1</regionName><optInStatus>not-opted-in</optInStatus></item>"
        "<item><optInStatus>opted-in</optInStatus><regionName>me-south-1</regionName></item>"
        "<item><regionName>cn-north-1</regionName></item>"
        "</regionInfo></DescribeRegionsResponse>";
    struct regions_seen r;
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(cs_page_regions(body, strlen(body), on_region, &r, &err), CS_OK);
    assert_string_equal(r.text, "us-east-1=opt-in-not-required;af-south-1=not-opted-in;"
                                "me-south-1=opted-in;cn-north-1=;");
    assert_int_equal(cs_page_regions(LIT("<DescribeRegionsResponse><regionInfo><item/></regionInfo>"
                                         "</DescribeRegionsResponse>"), on_region, &r, &err),
                     CS_ERR_PARSE);
}

/* -------------------------------------------------------- collectors */

static void tagset_bounds(void **state)
{
    struct cs_tagset ts = CS_TAGSET_INIT;
    struct cs_err err = CS_ERR_INIT;
    const struct cs_tag *tags;
    size_t n;

    (void)state;
    assert_int_equal(cs_tagset_key(&ts, "k", 1, &err), CS_ERR_PARSE);
    assert_int_equal(cs_tagset_view(&ts, &tags, &n, &err), CS_OK);
    assert_null(tags);
    assert_int_equal(n, 0);
    /* the arena moves as it grows: views still point at the right bytes */
    for (int i = 0; i < CS_TAGSET_MAX_TAGS; i++) {
        char k[16], v[16];
        snprintf(k, sizeof(k), "key%d", i);
        snprintf(v, sizeof(v), "value%d", i);
        assert_int_equal(cs_tagset_add(&ts, k, v, &err), CS_OK);
    }
    assert_int_equal(cs_tagset_view(&ts, &tags, &n, &err), CS_OK);
    assert_int_equal(n, CS_TAGSET_MAX_TAGS);
    assert_string_equal(tags[0].key, "key0");
    assert_string_equal(tags[777].value, "value777");
    assert_int_equal(cs_tagset_begin(&ts, &err), CS_ERR_LIMIT);
    /* reset and reused; a tag begun without key or value reads as "" */
    cs_tagset_reset(&ts);
    assert_int_equal(cs_tagset_begin(&ts, &err), CS_OK);
    assert_int_equal(cs_tagset_view(&ts, &tags, &n, &err), CS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(tags[0].key, "");
    assert_string_equal(tags[0].value, "");
    cs_tagset_free(&ts);
    cs_tagset_free(NULL);
}

static void strlist_bounds(void **state)
{
    struct cs_strlist l = CS_STRLIST_INIT;
    struct cs_err err = CS_ERR_INIT;
    char name[32];

    (void)state;
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(name, sizeof(name), "arn:%d", i);
        assert_int_equal(cs_strlist_add(&l, name, (size_t)n, &err), CS_OK);
    }
    assert_int_equal(l.n, 1000);
    assert_string_equal(cs_strlist_at(&l, 0), "arn:0");
    assert_string_equal(cs_strlist_at(&l, 999), "arn:999");
    cs_strlist_reset(&l);
    assert_int_equal(l.n, 0);
    assert_int_equal(cs_strlist_add(&l, "abc", 2, &err), CS_OK);
    assert_string_equal(cs_strlist_at(&l, 0), "ab");
    l.offs.max = sizeof(size_t); /* a tiny cap: the next add is refused, the list emptied */
    assert_int_equal(cs_strlist_add(&l, "x", 1, &err), CS_ERR_LIMIT);
    assert_int_equal(l.n, 0);
    cs_strlist_free(&l);
    cs_strlist_free(NULL);
}

/* The ARNs the walk builds from ids, in the partition of the cell's
 * regions, and the types tagging derives and skips; checked through the
 * violations the accumulator keeps. */
static void arns_are_partition_aware(void **state)
{
    static const char *const regions[] = {"cn-north-1"};
    static const char *const scan[] = {"tagging", "rds"};
    static const char policy_json[] = "{\"rules\": [{\"key\": \"Owner\", \"required\": true}]}";
    struct cs_cell_opts co = {"s", "c", "111111111111", "ec2", "w", regions, 1, 100};
    struct cs_region_outcome ok = {"cn-north-1", CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK,
                                   NULL, 0, 0, 0, 0};
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__CellResult *res = NULL;
    struct cs_walk w;
    struct cs_walk_region rw;
    cs_policy_t *policy = NULL;

    (void)state;
    assert_int_equal(cs_policy_parse(policy_json, strlen(policy_json), &policy, &err), CS_OK);
    memset(&w, 0, sizeof(w));
    cs_walk_init(&w);
    w.account = "111111111111";
    w.partition = "aws-cn";
    w.policy = policy;
    w.scan_categories = scan;
    w.nscan = 2;
    w.cell = cs_cell_new(&co, &err);
    assert_non_null(w.cell);
    cs_walk_region_begin(&w, &rw, "cn-north-1");
    struct cs_walk_sink ec2 = {.w = &w, .rw = &rw, .type = "ec2:instance", .ec2_kind = "instance"};
    struct cs_walk_sink s3 = {.w = &w, .rw = &rw, .type = "s3:bucket",
                              .arn = "arn:aws-cn:s3:::bkt"};
    struct cs_walk_sink tagging = {.w = &w, .rw = &rw, .skip_covered = 1};
    assert_int_equal(cs_walk_resource(&ec2, "i-0abc", NULL, 0, &err), CS_OK);
    assert_int_equal(cs_walk_resource(&s3, "", NULL, 0, &err), CS_OK);
    assert_int_equal(cs_walk_resource(&tagging, "arn:aws-cn:dynamodb:cn-north-1:111111111111:table/t",
                                      NULL, 0, &err), CS_OK);
    /* rds is in the scan: its type is skipped here */
    assert_int_equal(cs_walk_resource(&tagging, "arn:aws-cn:rds:cn-north-1:111111111111:db:d",
                                      NULL, 0, &err), CS_OK);
    assert_int_equal(cs_walk_resource(&tagging, "not-an-arn", NULL, 0, &err), CS_ERR_PARSE);
    assert_int_equal(rw.evaluated, 3);
    assert_int_equal(cs_cell_region(w.cell, &ok, &err), CS_OK);
    assert_int_equal(cs_cell_result(w.cell, 0, 0, &res, &err), CS_OK);
    assert_int_equal(res->n_violations, 3);
    assert_string_equal(res->violations[0]->arn, "arn:aws-cn:dynamodb:cn-north-1:111111111111:table/t");
    assert_string_equal(res->violations[0]->resource_type, "dynamodb:table");
    assert_string_equal(res->violations[1]->arn, "arn:aws-cn:ec2:cn-north-1:111111111111:instance/i-0abc");
    assert_string_equal(res->violations[2]->arn, "arn:aws-cn:s3:::bkt");
    assert_string_equal(res->violations[2]->region, "cn-north-1");
    cs_cell_result_free(res);
    cs_cell_destroy(w.cell);
    cs_walk_release(&w);
    cs_policy_destroy(policy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(always_enabled_regions),
        cmocka_unit_test(opt_in_status_words),
        cmocka_unit_test(failure_status_table),
        cmocka_unit_test(bucket_location_mapping),
        cmocka_unit_test(ec2_pages),
        cmocka_unit_test(rds_and_s3_pages),
        cmocka_unit_test(json_pages),
        cmocka_unit_test(malformed_json_pages),
        cmocka_unit_test(name_pages),
        cmocka_unit_test(token_longer_than_the_cap),
        cmocka_unit_test(describe_regions_page),
        cmocka_unit_test(tagset_bounds),
        cmocka_unit_test(strlist_bounds),
        cmocka_unit_test(arns_are_partition_aware),
    };

    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    cs_tagset_free(&page_tags);
    return rc;
}
