/* aws: calls of every protocol against the AWS simulator, parsed with the
 * layer's helpers the way extractors will (EC2 pages with NextToken, S3
 * path-style with the region redirect, RDS TagList, Lambda ARN in the path,
 * ECS/EKS/tagging/Organizations JSON); the allowlist refuses before
 * sending; access denied is final; throttling and transient faults are
 * retried on the same page; malformed and truncated bodies give clean
 * errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/json.h"
#include "aws/sts.h"
#include "aws/xml.h"
#include "aws_sim.h"

static struct aws_env env;

struct t {
    cs_aws_t *aws;
    cs_aws_client_t *cl;
    cs_aws_creds_t *member;
};

static int setup(void **state)
{
    static struct t t;
    struct cs_err err = CS_ERR_INIT;

    aws_env_vars(&env, 0);
    setenv("CELLSCAN_ORG_ROLE_ARN", "arn:aws:iam::111111111111:role/CellScanOrgDiscovery", 1);
    setenv("CELLSCAN_HTTP_TIMEOUT", "2", 1);
    t.aws = aws_env_context(&err);
    assert_non_null(t.aws);
    t.cl = cs_aws_client_new(t.aws, &err);
    assert_non_null(t.cl);
    assert_int_equal(cs_aws_assume(t.cl, MEMBER, &t.member, NULL, NULL, &err), CS_OK);
    aws_admin(&env, "DELETE", "/_awssim/faults", NULL);
    *state = &t;
    return 0;
}

static int teardown(void **state)
{
    struct t *t = *state;

    aws_admin(&env, "DELETE", "/_awssim/faults", NULL);
    cs_aws_creds_unref(t->member);
    cs_aws_client_destroy(t->cl);
    cs_aws_destroy(t->aws);
    return 0;
}

/* ---- EC2: DescribeInstances pages ---- */

struct ec2 {
    char ids[16][32];
    char owners[16][32];
    int n;
    char next[1024];
};

enum { E_INST, E_ID, E_KEY, E_VAL, E_NEXT };

static cs_rc on_ec2(void *ud, int id, enum cs_xml_event ev, const char *text,
                    size_t len, struct cs_err *err)
{
    struct ec2 *s = ud;
    static char key[64];

    (void)err;
    if (id == E_INST && ev == CS_XML_START && s->n < 16)
        s->owners[s->n++][0] = '\0';
    else if (id == E_ID && s->n > 0)
        snprintf(s->ids[s->n - 1], 32, "%.*s", (int)len, text);
    else if (id == E_KEY)
        snprintf(key, sizeof(key), "%.*s", (int)len, text);
    else if (id == E_VAL && strcmp(key, "Owner") == 0 && s->n > 0)
        snprintf(s->owners[s->n - 1], 32, "%.*s", (int)len, text);
    else if (id == E_NEXT)
        snprintf(s->next, sizeof(s->next), "%.*s", (int)len, text);
    return CS_OK;
}

static const struct cs_xml_rule ec2_rules[] = {
    {"DescribeInstancesResponse/reservationSet/item/instancesSet/item", E_INST, CS_XML_START},
    {"DescribeInstancesResponse/reservationSet/item/instancesSet/item/instanceId", E_ID, CS_XML_TEXT},
    {"DescribeInstancesResponse/reservationSet/item/instancesSet/item/tagSet/item/key", E_KEY, CS_XML_TEXT},
    {"DescribeInstancesResponse/reservationSet/item/instancesSet/item/tagSet/item/value", E_VAL, CS_XML_TEXT},
    {"DescribeInstancesResponse/nextToken", E_NEXT, CS_XML_TEXT},
};

/* One page from token (NULL = first); the token is the caller's. */
static cs_rc ec2_page(struct t *t, const char *token, struct ec2 *s,
                      struct cs_aws_stats *stats, struct cs_aws_error *aerr)
{
    struct cs_aws_param p[] = {{"MaxResults", "5"}, {"NextToken", token}};
    struct cs_aws_req req = {.service = "ec2", .operation = "DescribeInstances",
                             .account_id = MEMBER, .params = p,
                             .nparams = token ? 2 : 1};
    struct cs_aws_resp resp = CS_AWS_RESP_INIT;
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc = cs_aws_call(t->cl, t->member, &req, &resp, stats, aerr, &err);

    s->next[0] = '\0';
    if (rc == CS_OK)
        rc = cs_xml_parse(ec2_rules, 5, on_ec2, s, resp.body.ptr, resp.body.len, &err);
    cs_aws_resp_free(&resp);
    return rc;
}

static int ec2_all(struct t *t, struct ec2 *s, struct cs_aws_stats *stats)
{
    char token[1024] = "";
    int pages = 0;

    memset(s, 0, sizeof(*s));
    do {
        assert_int_equal(ec2_page(t, token[0] ? token : NULL, s, stats, NULL), CS_OK);
        snprintf(token, sizeof(token), "%s", s->next);
        pages++;
    } while (token[0]);
    return pages;
}

static void ec2_pages(void **state)
{
    struct t *t = *state;
    struct ec2 s;
    struct cs_aws_stats stats = {0};

    assert_int_equal(ec2_all(t, &s, &stats), 3); /* page size 3 in the fixture */
    assert_int_equal(s.n, 7);
    assert_string_equal(s.ids[0], "i-0000000000000001");
    assert_string_equal(s.owners[0], "alice");
    assert_string_equal(s.owners[2], "");
    assert_string_equal(s.owners[3], "a & <b>");
    assert_string_equal(s.ids[6], "i-0000000000000007");
    assert_int_equal(stats.calls, 3);
    assert_int_equal(stats.requests, 3);
    assert_int_equal(stats.retries, 0);
}

/* ---- S3 ---- */

struct texts {
    char v[8][128];
    int n;
};

static cs_rc collect(void *ud, int id, enum cs_xml_event ev, const char *text,
                     size_t len, struct cs_err *err)
{
    struct texts *x = ud;

    (void)id;
    (void)ev;
    (void)err;
    if (x->n < 8)
        snprintf(x->v[x->n++], 128, "%.*s", (int)len, text);
    return CS_OK;
}

static cs_rc s3_call(struct t *t, const char *op, const char *bucket,
                     const char *sub, struct texts *x, const char *rule,
                     struct cs_aws_error *aerr)
{
    struct cs_aws_param p[] = {{sub, NULL}};
    struct cs_aws_req req = {.service = "s3", .operation = op,
                             .account_id = MEMBER, .bucket = bucket,
                             .params = p, .nparams = sub ? 1 : 0};
    struct cs_xml_rule r[] = {{rule, 1, CS_XML_TEXT}};
    struct cs_aws_resp resp = CS_AWS_RESP_INIT;
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc = cs_aws_call(t->cl, t->member, &req, &resp, NULL, aerr, &err);

    memset(x, 0, sizeof(*x));
    if (rc == CS_OK)
        rc = cs_xml_parse(r, 1, collect, x, resp.body.ptr, resp.body.len, &err);
    cs_aws_resp_free(&resp);
    return rc;
}

static void s3_rest_xml(void **state)
{
    struct t *t = *state;
    struct texts x;
    struct cs_aws_error aerr;

    assert_int_equal(s3_call(t, "ListBuckets", NULL, NULL, &x,
                             "ListAllMyBucketsResult/Buckets/Bucket/Name", NULL), CS_OK);
    assert_int_equal(x.n, 3);
    assert_string_equal(x.v[0], "bucket-home");
    assert_string_equal(x.v[1], "bucket-away");
    assert_string_equal(x.v[2], "bucket-bare");
    assert_int_equal(s3_call(t, "GetBucketLocation", "bucket-away", "location", &x,
                             "LocationConstraint", NULL), CS_OK);
    assert_string_equal(x.v[0], "eu-west-1");
    /* signed for us-east-1, answered after the redirect to eu-west-1 */
    assert_int_equal(s3_call(t, "GetBucketTagging", "bucket-away", "tagging", &x,
                             "Tagging/TagSet/Tag/Value", NULL), CS_OK);
    assert_string_equal(x.v[0], "away");
    assert_int_equal(s3_call(t, "GetBucketTagging", "bucket-bare", "tagging", &x,
                             "Tagging/TagSet/Tag/Value", &aerr), CS_ERR_AWS);
    assert_string_equal(aerr.code, "NoSuchTagSet");
    assert_int_equal(aerr.http_status, 404);
    assert_false(aerr.transient);
}

/* ---- query: RDS ---- */

static void rds_query(void **state)
{
    struct t *t = *state;
    struct cs_aws_param p[] = {{"MaxRecords", "20"}};
    struct cs_aws_req req = {.service = "rds", .operation = "DescribeDBInstances",
                             .account_id = MEMBER, .params = p, .nparams = 1};
    struct cs_xml_rule r[] = {
        {"DescribeDBInstancesResponse/DescribeDBInstancesResult/DBInstances/DBInstance/"
         "DBInstanceIdentifier", 1, CS_XML_TEXT},
        {"DescribeDBInstancesResponse/DescribeDBInstancesResult/DBInstances/DBInstance/"
         "TagList/Tag/Value", 2, CS_XML_TEXT}};
    struct cs_aws_resp resp = CS_AWS_RESP_INIT;
    struct cs_err err = CS_ERR_INIT;
    struct texts x = {{{0}}, 0};

    assert_int_equal(cs_aws_call(t->cl, t->member, &req, &resp, NULL, NULL, &err), CS_OK);
    assert_int_equal(cs_xml_parse(r, 2, collect, &x, resp.body.ptr, resp.body.len, &err), CS_OK);
    assert_int_equal(x.n, 3);
    assert_string_equal(x.v[0], "payments-db");
    assert_string_equal(x.v[1], "dba");
    assert_string_equal(x.v[2], "secret");
    cs_aws_resp_free(&resp);
}

/* ---- JSON protocols ---- */

static json_t *json_call(struct t *t, const cs_aws_creds_t *cr,
                         struct cs_aws_req *req)
{
    struct cs_aws_resp resp = CS_AWS_RESP_INIT;
    struct cs_err err = CS_ERR_INIT;
    json_t *j = NULL;

    if (req->account_id == NULL)
        req->account_id = MEMBER;
    if (cs_aws_call(t->cl, cr, req, &resp, NULL, NULL, &err) != CS_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(cs_aws_json_parse(resp.body.ptr, resp.body.len, &j, &err), CS_OK);
    cs_aws_resp_free(&resp);
    return j;
}

static void lambda_rest_json(void **state)
{
    struct t *t = *state;
    const char *list[] = {"2015-03-31", "functions", "", NULL};
    struct cs_aws_req req = {.service = "lambda", .operation = "ListFunctions", .path = list};
    json_t *j = json_call(t, t->member, &req), *f, *tags;
    const char *arn;

    f = cs_json_array(j, "Functions");
    assert_int_equal(json_array_size(f), 2);
    arn = cs_json_str(json_array_get(f, 0), "FunctionArn");
    assert_string_equal(arn, "arn:aws:lambda:us-east-1:" MEMBER ":function:fn-one");
    /* the ARN goes in the path, ':' and all, encoded for us */
    const char *tagpath[] = {"2017-03-31", "tags", arn, NULL};
    struct cs_aws_req req2 = {.service = "lambda", .operation = "ListTags", .path = tagpath};
    tags = json_call(t, t->member, &req2);
    assert_string_equal(cs_json_str(cs_json_object(tags, "Tags"), "Owner"), "lam");
    json_decref(tags);
    json_decref(j);
}

static void ecs_eks_tagging_json(void **state)
{
    struct t *t = *state;
    struct cs_aws_req lc = {.service = "ecs", .operation = "ListClusters", .body = "{}"};
    json_t *j = json_call(t, t->member, &lc);
    const char *carn = json_string_value(json_array_get(cs_json_array(j, "clusterArns"), 0));
    char body[512];

    assert_non_null(carn);
    snprintf(body, sizeof(body), "{\"clusters\":[\"%s\"],\"include\":[\"TAGS\"]}", carn);
    struct cs_aws_req dc = {.service = "ecs", .operation = "DescribeClusters", .body = body};
    json_t *d = json_call(t, t->member, &dc);
    json_t *c0 = json_array_get(cs_json_array(d, "clusters"), 0);
    assert_string_equal(cs_json_str(c0, "clusterName"), "cl-one");
    assert_string_equal(cs_json_str(json_array_get(cs_json_array(c0, "tags"), 0), "value"), "ops");
    json_decref(d);
    json_decref(j);

    const char *eks_list[] = {"clusters", NULL};
    struct cs_aws_req el = {.service = "eks", .operation = "ListClusters", .path = eks_list};
    j = json_call(t, t->member, &el);
    const char *name = json_string_value(json_array_get(cs_json_array(j, "clusters"), 0));
    assert_string_equal(name, "k8s-one");
    const char *eks_desc[] = {"clusters", name, NULL};
    struct cs_aws_req ed = {.service = "eks", .operation = "DescribeCluster", .path = eks_desc};
    d = json_call(t, t->member, &ed);
    assert_string_equal(cs_json_str(cs_json_object(cs_json_object(d, "cluster"), "tags"), "Owner"),
                        "plat");
    json_decref(d);
    json_decref(j);

    struct cs_aws_req gr = {.service = "resourcegroupstaggingapi", .operation = "GetResources",
                            .body = "{\"ResourcesPerPage\":50}"};
    j = json_call(t, t->member, &gr);
    assert_true(json_array_size(cs_json_array(j, "ResourceTagMappingList")) >= 3);
    json_decref(j);
}

static void organizations_json(void **state)
{
    struct t *t = *state;
    cs_aws_creds_t *org = NULL;
    struct cs_err err = CS_ERR_INIT;
    char token[2048] = "";
    int accounts = 0, pages = 0;

    assert_int_equal(cs_aws_assume_org(t->cl, &org, NULL, NULL, &err), CS_OK);
    struct cs_aws_req roots = {.service = "organizations", .operation = "ListRoots",
                               .account_id = "111111111111"};
    json_t *j = json_call(t, org, &roots);
    assert_non_null(cs_json_str(json_array_get(cs_json_array(j, "Roots"), 0), "Id"));
    json_decref(j);
    do {
        char body[2200];
        snprintf(body, sizeof(body), token[0] ? "{\"NextToken\":\"%s\"}" : "{}%s", token);
        struct cs_aws_req la = {.service = "organizations", .operation = "ListAccounts",
                                .account_id = "111111111111", .body = body};
        j = json_call(t, org, &la);
        accounts += (int)json_array_size(cs_json_array(j, "Accounts"));
        snprintf(token, sizeof(token), "%s",
                 cs_json_str(j, "NextToken") ? cs_json_str(j, "NextToken") : "");
        json_decref(j);
        pages++;
    } while (token[0]);
    assert_int_equal(accounts, 5);
    assert_int_equal(pages, 2);
    cs_aws_creds_unref(org);
}

/* ---- read-only by construction ---- */

static void allowlist_refuses_before_sending(void **state)
{
    struct t *t = *state;
    struct cs_aws_req run = {.service = "ec2", .operation = "RunInstances"};
    struct cs_aws_req iam = {.service = "iam", .operation = "ListUsers"};
    struct cs_aws_req put = {.service = "s3", .operation = "PutBucketTagging", .bucket = "b"};
    struct cs_aws_stats stats = {0};
    struct cs_err err = CS_ERR_INIT;
    long before = aws_sim_count(&env, NULL, NULL, NULL, NULL);

    assert_int_equal(cs_aws_call(t->cl, t->member, &run, NULL, &stats, NULL, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "actions.def"));
    assert_int_equal(cs_aws_call(t->cl, t->member, &iam, NULL, &stats, NULL, &err), CS_ERR_INVALID);
    assert_int_equal(cs_aws_call(t->cl, t->member, &put, NULL, &stats, NULL, &err), CS_ERR_INVALID);
    assert_int_equal(stats.requests, 0);
    assert_int_equal(aws_sim_count(&env, NULL, NULL, NULL, NULL), before);
}

static void access_denied_is_final(void **state)
{
    struct t *t = *state;
    cs_aws_creds_t *cr = NULL;
    const char *list[] = {"2015-03-31", "functions", "", NULL};
    struct cs_aws_req req = {.service = "lambda", .operation = "ListFunctions",
                             .account_id = LAMBDA_DENIED, .path = list};
    struct cs_aws_stats stats = {0};
    struct cs_aws_error aerr;
    struct cs_err err = CS_ERR_INIT;

    assert_int_equal(cs_aws_assume(t->cl, LAMBDA_DENIED, &cr, NULL, NULL, &err), CS_OK);
    assert_int_equal(cs_aws_call(t->cl, cr, &req, NULL, &stats, &aerr, &err), CS_ERR_DENIED);
    assert_string_equal(aerr.code, "AccessDeniedException");
    assert_true(aerr.denied);
    assert_int_equal(stats.requests, 1);
    assert_int_equal(stats.denied, 1);
    assert_non_null(strstr(err.msg, "AccessDeniedException"));
    cs_aws_creds_unref(cr);
}

/* ---- retries ---- */

static void add_fault(const char *json)
{
    json_t *j = aws_admin_json(&env, "POST", "/_awssim/faults", json);

    assert_non_null(json_object_get(j, "ids"));
    json_decref(j);
}

static void throttling_retried(void **state)
{
    struct t *t = *state;
    struct cs_aws_req req = {.service = "ec2", .operation = "DescribeRegions",
                             .account_id = MEMBER};
    struct cs_aws_stats stats = {0};
    struct cs_err err = CS_ERR_INIT;

    add_fault("{\"kind\":\"throttle\",\"service\":\"ec2\",\"operation\":\"DescribeRegions\","
              "\"burst\":0,\"refill_per_s\":0,\"count\":2}");
    assert_int_equal(cs_aws_call(t->cl, t->member, &req, NULL, &stats, NULL, &err), CS_OK);
    assert_int_equal(stats.requests, 3);
    assert_int_equal(stats.retries, 2);
    assert_int_equal(stats.throttles, 2);
    assert_int_equal(stats.errors, 0);
}

static void page_resumes_after_throttle(void **state)
{
    struct t *t = *state;
    struct ec2 s;
    struct cs_aws_stats stats = {0};
    struct cs_aws_error aerr;
    char token[1024];
    long before = aws_sim_count(&env, MEMBER, "ec2", "DescribeInstances", NULL);

    memset(&s, 0, sizeof(s));
    assert_int_equal(ec2_page(t, NULL, &s, &stats, NULL), CS_OK);
    snprintf(token, sizeof(token), "%s", s.next);
    /* more throttles than attempts: the call fails, the caller keeps its
     * token, and a later call with it continues from page 2 */
    add_fault("{\"kind\":\"throttle\",\"service\":\"ec2\",\"operation\":\"DescribeInstances\","
              "\"burst\":0,\"refill_per_s\":0,\"count\":4}");
    assert_int_equal(ec2_page(t, token, &s, &stats, &aerr), CS_ERR_AWS);
    assert_true(aerr.throttle);
    assert_string_equal(aerr.code, "RequestLimitExceeded");
    assert_int_equal(s.n, 3);
    /* one throttle left: retried inside the call */
    assert_int_equal(ec2_page(t, token, &s, &stats, NULL), CS_OK);
    snprintf(token, sizeof(token), "%s", s.next);
    assert_int_equal(ec2_page(t, token, &s, &stats, NULL), CS_OK);
    assert_string_equal(s.next, "");
    assert_int_equal(s.n, 7);
    for (int i = 0; i < 7; i++) {
        char want[32];
        snprintf(want, sizeof(want), "i-000000000000000%d", i + 1);
        assert_string_equal(s.ids[i], want); /* no page twice, none lost */
    }
    /* 1 + 3 failed attempts + 2 (throttle, ok) + 1 */
    assert_int_equal(aws_sim_count(&env, MEMBER, "ec2", "DescribeInstances", NULL) - before, 7);
    assert_int_equal(stats.throttles, 4);
}

static void transient_faults_retried(void **state)
{
    struct t *t = *state;
    struct cs_aws_req req = {.service = "ec2", .operation = "DescribeVolumes",
                             .account_id = MEMBER};
    static const char *const faults[] = {
        "{\"kind\":\"error\",\"status\":500,\"service\":\"ec2\",\"count\":1}",
        "{\"kind\":\"error\",\"status\":503,\"service\":\"ec2\",\"count\":1}",
        "{\"kind\":\"reset\",\"service\":\"ec2\",\"count\":1}",
        "{\"kind\":\"truncated\",\"service\":\"ec2\",\"count\":1}",
        "{\"kind\":\"hang\",\"seconds\":4,\"service\":\"ec2\",\"count\":1}",
    };

    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        struct cs_aws_stats stats = {0};
        struct cs_err err = CS_ERR_INIT;
        add_fault(faults[i]);
        if (cs_aws_call(t->cl, t->member, &req, NULL, &stats, NULL, &err) != CS_OK)
            fail_msg("fault %zu: %s", i, err.msg);
        /* a reset on a reused connection may be re-sent by libcurl itself
         * on a fresh one (no answer had arrived): no retry of ours then */
        if (stats.retries != 1 && !(strstr(faults[i], "reset") && stats.retries == 0))
            fail_msg("fault %zu: %llu retries", i, (unsigned long long)stats.retries);
        aws_admin(&env, "DELETE", "/_awssim/faults", NULL);
    }
}

static void truncated_every_time_fails_cleanly(void **state)
{
    struct t *t = *state;
    struct cs_aws_req req = {.service = "ec2", .operation = "DescribeVolumes",
                             .account_id = MEMBER};
    struct cs_aws_stats stats = {0};
    struct cs_aws_error aerr;
    struct cs_err err = CS_ERR_INIT;

    add_fault("{\"kind\":\"truncated\",\"service\":\"ec2\"}");
    assert_int_equal(cs_aws_call(t->cl, t->member, &req, NULL, &stats, &aerr, &err),
                     CS_ERR_UNAVAILABLE);
    assert_int_equal(stats.requests, 3);
    assert_true(aerr.transient);
    assert_int_equal(aerr.http_status, 0);
    assert_non_null(strstr(err.msg, "DescribeVolumes"));
}

static void malformed_bodies_parse_cleanly(void **state)
{
    struct t *t = *state;
    struct ec2 s;
    struct cs_aws_req lc = {.service = "ecs", .operation = "ListClusters",
                            .account_id = MEMBER};
    struct cs_aws_resp resp = CS_AWS_RESP_INIT;
    struct cs_err err = CS_ERR_INIT;
    json_t *j = NULL;

    add_fault("{\"kind\":\"malformed\"}");
    memset(&s, 0, sizeof(s));
    assert_int_equal(ec2_page(t, NULL, &s, NULL, NULL), CS_ERR_PARSE);
    assert_int_equal(cs_aws_call(t->cl, t->member, &lc, &resp, NULL, NULL, &err), CS_OK);
    assert_int_equal(cs_aws_json_parse(resp.body.ptr, resp.body.len, &j, &err), CS_ERR_PARSE);
    assert_null(j);
    assert_non_null(strstr(err.msg, "JSON"));
    cs_aws_resp_free(&resp);
}

static void caller_identity_of_member(void **state)
{
    struct t *t = *state;
    struct cs_aws_identity id;
    struct cs_err err = CS_ERR_INIT;

    assert_int_equal(cs_aws_caller_identity(t->cl, t->member, NULL, &id, NULL, NULL, &err), CS_OK);
    assert_string_equal(id.account, MEMBER);
    assert_non_null(strstr(id.arn, ":assumed-role/CellScanReadOnly/cellscan-"));
    assert_int_equal(cs_aws_caller_identity(t->cl, NULL, NULL, &id, NULL, NULL, &err), CS_OK);
    assert_string_equal(id.arn, "arn:aws:iam::222222222222:user/cellscan-scanner");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ec2_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(s3_rest_xml, setup, teardown),
        cmocka_unit_test_setup_teardown(rds_query, setup, teardown),
        cmocka_unit_test_setup_teardown(lambda_rest_json, setup, teardown),
        cmocka_unit_test_setup_teardown(ecs_eks_tagging_json, setup, teardown),
        cmocka_unit_test_setup_teardown(organizations_json, setup, teardown),
        cmocka_unit_test_setup_teardown(allowlist_refuses_before_sending, setup, teardown),
        cmocka_unit_test_setup_teardown(access_denied_is_final, setup, teardown),
        cmocka_unit_test_setup_teardown(throttling_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(page_resumes_after_throttle, setup, teardown),
        cmocka_unit_test_setup_teardown(transient_faults_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(truncated_every_time_fails_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_bodies_parse_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(caller_identity_of_member, setup, teardown),
    };
    int rc;

    aws_env_start(&env);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    aws_env_stop(&env);
    return rc;
}
