/* cellscan verify --account ID: assumes the configured role in an account
 * and tries every MEMBER action of lib/aws/actions.def with a harmless dry
 * call, printing for each whether it is permitted and AWS's error code when
 * not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "aws/actions.h"
#include "aws/aws.h"
#include "aws/json.h"
#include "aws/xml.h"
#include "cli/cli.h"

#define VERIFY_DENIED_EXIT 3
#define NAME_MAX_LEN 512

struct verify {
    cs_aws_client_t *cl;
    cs_aws_creds_t *creds;
    const char *account;
    /* names found by the listing probes, used by the describe probes */
    char bucket[NAME_MAX_LEN];
    char function_arn[NAME_MAX_LEN];
    char cluster[NAME_MAX_LEN];
    char eks_cluster[NAME_MAX_LEN];
    int permitted, denied, other;
};

/* A dry call: what to send for one operation. */
typedef void (*probe_fn)(struct verify *v, struct cs_aws_req *req,
                         struct cs_buf *body, const char **path);

static void p_none(struct verify *v, struct cs_aws_req *req,
                   struct cs_buf *body, const char **path)
{
    (void)v;
    (void)req;
    (void)body;
    (void)path;
}

static const struct cs_aws_param max5[] = {{"MaxResults", "5"}};

static void p_ec2_max5(struct verify *v, struct cs_aws_req *req,
                       struct cs_buf *body, const char **path)
{
    (void)v;
    (void)body;
    (void)path;
    req->params = max5;
    req->nparams = 1;
}

static void p_rds(struct verify *v, struct cs_aws_req *req,
                  struct cs_buf *body, const char **path)
{
    static const struct cs_aws_param p[] = {{"MaxRecords", "20"}};

    (void)v;
    (void)body;
    (void)path;
    req->params = p;
    req->nparams = 1;
}

static void p_s3_bucket(struct verify *v, struct cs_aws_req *req,
                        struct cs_buf *body, const char **path)
{
    static const struct cs_aws_param loc[] = {{"location", NULL}};
    static const struct cs_aws_param tag[] = {{"tagging", NULL}};

    (void)body;
    (void)path;
    req->bucket = v->bucket;
    req->params = strcmp(req->operation, "GetBucketLocation") == 0 ? loc : tag;
    req->nparams = 1;
}

static void p_lambda_list(struct verify *v, struct cs_aws_req *req,
                          struct cs_buf *body, const char **path)
{
    static const struct cs_aws_param p[] = {{"MaxItems", "5"}};

    (void)v;
    (void)body;
    path[0] = "2015-03-31";
    path[1] = "functions";
    path[2] = "";
    req->params = p;
    req->nparams = 1;
}

static void p_lambda_tags(struct verify *v, struct cs_aws_req *req,
                          struct cs_buf *body, const char **path)
{
    (void)req;
    (void)body;
    path[0] = "2017-03-31";
    path[1] = "tags";
    path[2] = v->function_arn;
}

static void p_json(struct cs_buf *body, const char *fmt, const char *arg)
{
    cs_buf_printf(body, fmt, arg);
}

static void p_ecs(struct verify *v, struct cs_aws_req *req, struct cs_buf *body,
                  const char **path)
{
    const char *c = v->cluster[0] ? v->cluster : "default";

    (void)path;
    if (strcmp(req->operation, "ListClusters") == 0)
        p_json(body, "{\"maxResults\":5%s}", "");
    else if (strcmp(req->operation, "DescribeClusters") == 0)
        p_json(body, "{\"clusters\":[\"%s\"]}", c);
    else if (strcmp(req->operation, "ListServices") == 0)
        p_json(body, "{\"cluster\":\"%s\",\"maxResults\":5}", c);
    else
        p_json(body, "{\"cluster\":\"%s\",\"services\":[\"cellscan-verify\"]}", c);
    req->body = cs_buf_str(body);
}

static void p_eks(struct verify *v, struct cs_aws_req *req, struct cs_buf *body,
                  const char **path)
{
    static const struct cs_aws_param p[] = {{"maxResults", "5"}};

    (void)body;
    path[0] = "clusters";
    if (strcmp(req->operation, "ListClusters") == 0) {
        req->params = p;
        req->nparams = 1;
    } else {
        path[1] = v->eks_cluster[0] ? v->eks_cluster : "cellscan-verify";
    }
}

static void p_tagging(struct verify *v, struct cs_aws_req *req,
                      struct cs_buf *body, const char **path)
{
    (void)v;
    (void)path;
    p_json(body, "{\"ResourcesPerPage\":5%s}", "");
    req->body = cs_buf_str(body);
}

static const struct {
    const char *service, *operation;
    probe_fn probe;
    int needs; /* 1: a bucket, 2: a function ARN */
} probes[] = {
    {"sts", "GetCallerIdentity", p_none, 0},
    {"ec2", "DescribeRegions", p_none, 0},
    {"ec2", "DescribeInstances", p_ec2_max5, 0},
    {"ec2", "DescribeVolumes", p_ec2_max5, 0},
    {"s3", "ListBuckets", p_none, 0},
    {"s3", "GetBucketLocation", p_s3_bucket, 1},
    {"s3", "GetBucketTagging", p_s3_bucket, 1},
    {"rds", "DescribeDBInstances", p_rds, 0},
    {"lambda", "ListFunctions", p_lambda_list, 0},
    {"lambda", "ListTags", p_lambda_tags, 2},
    {"ecs", "ListClusters", p_ecs, 0},
    {"ecs", "DescribeClusters", p_ecs, 0},
    {"ecs", "ListServices", p_ecs, 0},
    {"ecs", "DescribeServices", p_ecs, 0},
    {"eks", "ListClusters", p_eks, 0},
    {"eks", "DescribeCluster", p_eks, 0},
    {"resourcegroupstaggingapi", "GetResources", p_tagging, 0},
};

static cs_rc on_bucket(void *ud, int id, enum cs_xml_event ev, const char *text,
                       size_t len, struct cs_err *err)
{
    struct verify *v = ud;

    (void)id;
    (void)ev;
    (void)err;
    if (v->bucket[0] == '\0')
        snprintf(v->bucket, sizeof(v->bucket), "%.*s", (int)len, text);
    return CS_OK;
}

/* Remembers the first name a listing returned, for the describe probes. */
static void learn(struct verify *v, const struct cs_aws_req *req,
                  const struct cs_aws_resp *resp)
{
    static const struct cs_xml_rule bucket_rule[] = {
        {"ListAllMyBucketsResult/Buckets/Bucket/Name", 1, CS_XML_TEXT}};
    json_t *j = NULL;
    json_t *a;
    const char *s = NULL;

    if (strcmp(req->operation, "ListBuckets") == 0) {
        cs_xml_parse(bucket_rule, 1, on_bucket, v, resp->body.ptr,
                     resp->body.len, NULL);
        return;
    }
    if (resp->body.len == 0 ||
        cs_aws_json_parse(resp->body.ptr, resp->body.len, &j, NULL) != CS_OK)
        return;
    if (strcmp(req->service, "lambda") == 0 &&
        (a = cs_json_array(j, "Functions")) && json_array_size(a) > 0)
        s = cs_json_str(json_array_get(a, 0), "FunctionArn");
    if (s)
        snprintf(v->function_arn, sizeof(v->function_arn), "%s", s);
    if (strcmp(req->service, "ecs") == 0 &&
        (a = cs_json_array(j, "clusterArns")) && json_array_size(a) > 0 &&
        (s = json_string_value(json_array_get(a, 0))))
        snprintf(v->cluster, sizeof(v->cluster), "%s", s);
    if (strcmp(req->service, "eks") == 0 &&
        (a = cs_json_array(j, "clusters")) && json_array_size(a) > 0 &&
        (s = json_string_value(json_array_get(a, 0))))
        snprintf(v->eks_cluster, sizeof(v->eks_cluster), "%s", s);
    json_decref(j);
}

static void try_action(struct verify *v, const struct cs_aws_action *act)
{
    const char *path[4] = {NULL, NULL, NULL, NULL};
    struct cs_buf body = CS_BUF_INIT(4096);
    struct cs_aws_resp resp = CS_AWS_RESP_INIT;
    struct cs_aws_error aerr;
    struct cs_err err = CS_ERR_INIT;
    struct cs_aws_req req = {.service = act->service,
                             .operation = act->operation,
                             .account_id = v->account};
    size_t i;
    cs_rc rc;

    for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
        if (strcmp(probes[i].service, act->service) == 0 &&
            strcmp(probes[i].operation, act->operation) == 0)
            break;
    printf("  %-34s ", act->iam_action);
    if (i == sizeof(probes) / sizeof(probes[0])) {
        printf("not checked (no dry call known for %s %s)\n", act->service,
               act->operation);
        v->other++;
        return;
    }
    if ((probes[i].needs == 1 && v->bucket[0] == '\0') ||
        (probes[i].needs == 2 && v->function_arn[0] == '\0')) {
        printf("not checked (nothing listed to try it on)\n");
        v->other++;
        return;
    }
    probes[i].probe(v, &req, &body, path);
    if (path[0])
        req.path = path;
    rc = cs_aws_call(v->cl, v->creds, &req, &resp, NULL, &aerr, &err);
    if (rc == CS_OK) {
        printf("permitted\n");
        v->permitted++;
        learn(v, &req, &resp);
    } else if (rc == CS_ERR_DENIED) {
        printf("DENIED (%s)\n", aerr.code);
        v->denied++;
    } else if (rc == CS_ERR_AWS) {
        /* authorisation comes first: any other answer means allowed */
        printf("permitted (answered %s)\n", aerr.code);
        v->permitted++;
    } else {
        printf("error: %s\n", err.msg);
        v->other++;
    }
    cs_aws_resp_free(&resp);
    cs_buf_free(&body);
}

static int parse_args(int argc, char **argv, struct cs_aws_assume_opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char **slot = NULL;
        const char *name = argv[i];
        const char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        if (n == 9 && strncmp(name, "--account", n) == 0)
            slot = &o->account_id;
        else if (n == 11 && strncmp(name, "--role-name", n) == 0)
            slot = &o->role_name;
        else if (n == 13 && strncmp(name, "--external-id", n) == 0)
            slot = &o->external_id;
        if (slot == NULL) {
            fprintf(stderr, "cellscan verify: unknown argument '%s'\n", name);
            return -1;
        }
        if (eq)
            *slot = eq + 1;
        else if (i + 1 < argc)
            *slot = argv[++i];
        else {
            fprintf(stderr, "cellscan verify: %s needs a value\n", name);
            return -1;
        }
    }
    if (o->account_id == NULL) {
        fprintf(stderr, "cellscan verify: --account ID is required\n");
        return -1;
    }
    return 0;
}

static int run_verify(struct cs_cli *cli, int argc, char **argv)
{
    struct cs_aws_assume_opts o;
    struct cs_err err = CS_ERR_INIT;
    struct cs_aws_error aerr;
    struct verify v;
    cs_aws_t *aws = NULL;
    char arn[2048];
    int status = 1;

    memset(&o, 0, sizeof(o));
    memset(&v, 0, sizeof(v));
    if (parse_args(argc, argv, &o) != 0)
        return CS_CLI_USAGE_EXIT;
    if (cs_aws_role_arn(cli->cfg->role_arn_template, o.account_id,
                        o.role_name ? o.role_name : cli->cfg->role_name,
                        cli->cfg->aws_region, arn, sizeof(arn), &err) != CS_OK) {
        fprintf(stderr, "cellscan verify: %s\n", err.msg);
        return CS_CLI_USAGE_EXIT;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    aws = cs_aws_new(cli->cfg, &err);
    if (aws)
        v.cl = cs_aws_client_new(aws, &err);
    if (v.cl == NULL) {
        fprintf(stderr, "cellscan verify: %s\n", err.msg);
        goto cleanup;
    }
    v.account = o.account_id;
    printf("account %s, role %s, external id %s\n", o.account_id, arn,
           (o.external_id ? o.external_id : cli->cfg->external_id)[0]
               ? "set" : "none");
    if (cs_aws_assume_ex(v.cl, &o, &v.creds, NULL, &aerr, &err) != CS_OK) {
        printf("assume role: FAILED (%s)\n  %s\n",
               aerr.code[0] ? aerr.code : cs_rc_name(err.code), err.msg);
        goto cleanup;
    }
    printf("assume role: ok (session expires in %lld s)\nactions:\n",
           (long long)(cs_aws_creds_expiration_ms(v.creds) / 1000 -
                       (long long)time(NULL)));
    for (size_t i = 0; i < cs_aws_action_count(); i++)
        if (cs_aws_action_at(i)->scope == CS_AWS_SCOPE_MEMBER)
            try_action(&v, cs_aws_action_at(i));
    printf("%d permitted, %d denied, %d not checked or failed\n", v.permitted,
           v.denied, v.other);
    status = v.denied ? VERIFY_DENIED_EXIT : 0;
cleanup:
    cs_aws_creds_unref(v.creds);
    cs_aws_client_destroy(v.cl);
    cs_aws_destroy(aws);
    curl_global_cleanup();
    return status;
}

const struct cs_cli_cmd cs_cmd_verify = {
    "verify", "check that the scan role can be assumed in an account and what it may do",
    "usage: cellscan verify --account ID [--role-name NAME] [--external-id X]\n"
    "  assumes the configured role (CELLSCAN_ROLE_ARN_TEMPLATE, ExternalId from\n"
    "  CELLSCAN_EXTERNAL_ID unless given) with the base credentials, then tries\n"
    "  each member action of the allowed list with a harmless dry call\n"
    "  (MaxResults=5 and the like) and prints 'permitted' or AWS's error code.\n"
    "  Exit 0 all permitted, 1 the role cannot be assumed, 3 some action denied.\n\n",
    run_verify,
};
