/* bench_aws_call: CPU microseconds per whole AWS call (build, sign, send
 * over a kept-alive connection, read, parse) in this process, against the
 * AWS simulator on loopback, and boto3's for the same calls. The
 * simulator's own CPU is not counted on either side.
 *
 *   build-x/bench/bench_aws_call [calls]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aws/aws.h"
#include "aws/json.h"
#include "aws/xml.h"
#include "util/config.h"

#include "support.h"

static double cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static cs_rc count_text(void *ud, int id, enum cs_xml_event ev, const char *text,
                        size_t len, struct cs_err *err)
{
    (void)id;
    (void)ev;
    (void)text;
    (void)err;
    *(long *)ud += (long)len;
    return CS_OK;
}

static double ours(cs_aws_client_t *cl, cs_aws_creds_t *cr, int n, int json)
{
    static const struct cs_xml_rule rules[] = {
        {"DescribeInstancesResponse/reservationSet/item/instancesSet/item/instanceId", 1, CS_XML_TEXT},
        {"DescribeInstancesResponse/reservationSet/item/instancesSet/item/tagSet/item/value", 2,
         CS_XML_TEXT}};
    struct cs_aws_param p[] = {{"MaxResults", "5"}};
    struct cs_aws_req ec2 = {.service = "ec2", .operation = "DescribeInstances",
                             .account_id = "333333333333", .params = p, .nparams = 1};
    struct cs_aws_req tag = {.service = "resourcegroupstaggingapi", .operation = "GetResources",
                             .account_id = "333333333333", .body = "{\"ResourcesPerPage\":5}"};
    struct cs_aws_resp resp = CS_AWS_RESP_INIT;
    long sum = 0;
    double t0 = cpu_us();

    for (int i = 0; i < n; i++) {
        if (cs_aws_call(cl, cr, json ? &tag : &ec2, &resp, NULL, NULL, NULL) != CS_OK)
            abort();
        if (json) {
            json_t *j = NULL;
            if (cs_aws_json_parse(resp.body.ptr, resp.body.len, &j, NULL) != CS_OK)
                abort();
            sum += (long)json_array_size(cs_json_array(j, "ResourceTagMappingList"));
            json_decref(j);
        } else if (cs_xml_parse(rules, 2, count_text, &sum, resp.body.ptr, resp.body.len,
                                NULL) != CS_OK) {
            abort();
        }
    }
    cs_aws_resp_free(&resp);
    return sum > 0 ? (cpu_us() - t0) / n : -1;
}

static void boto3(const char *url, int n)
{
    char cmd[4096], line[128];
    FILE *f;

    snprintf(cmd, sizeof(cmd),
             "AWS_ENDPOINT_URL=%s /usr/bin/python3 - 2>&1 <<'EOF'\n"
             "import time, boto3\n"
             "s = boto3.session.Session(aws_access_key_id='AKIAIOSFODNN7EXAMPLE',\n"
             "    aws_secret_access_key='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region_name='us-east-1')\n"
             "c = s.client('sts', endpoint_url='%s').assume_role(\n"
             "    RoleArn='arn:aws:iam::333333333333:role/CellScanReadOnly', RoleSessionName='bench',\n"
             "    ExternalId='cellscan-demo')['Credentials']\n"
             "m = boto3.session.Session(aws_access_key_id=c['AccessKeyId'],\n"
             "    aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken'],\n"
             "    region_name='us-east-1')\n"
             "ec2 = m.client('ec2', endpoint_url='%s')\n"
             "tag = m.client('resourcegroupstaggingapi', endpoint_url='%s')\n"
             "ec2.describe_instances(MaxResults=5); tag.get_resources(ResourcesPerPage=5)\n"
             "t = time.process_time()\n"
             "for i in range(%d): ec2.describe_instances(MaxResults=5)\n"
             "a = (time.process_time() - t) / %d * 1e6\n"
             "t = time.process_time()\n"
             "for i in range(%d): tag.get_resources(ResourcesPerPage=5)\n"
             "print('%%.0f %%.0f' %% (a, (time.process_time() - t) / %d * 1e6))\n"
             "EOF",
             url, url, url, url, n, n, n, n);
    f = popen(cmd, "r");
    if (f && fgets(line, sizeof(line), f)) {
        double a = 0, b = 0;
        if (sscanf(line, "%lf %lf", &a, &b) == 2)
            printf("  boto3:    EC2 DescribeInstances %.0f us/call, tagging GetResources %.0f us/call\n",
                   a, b);
        else
            printf("  boto3: %s", line);
    }
    if (f)
        pclose(f);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    char *cargv[] = {"bench", NULL};
    int cargc = 1;
    cs_aws_t *aws = NULL;
    cs_aws_client_t *cl = NULL;
    cs_aws_creds_t *cr = NULL;
    struct cs_bench_sim sim;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cs_bench_sim_start(&sim, (const char *const[]){"--demo", NULL}) != 0)
        return 1;
    cs_bench_aws_env(sim.aws.url);
    if (cs_config_load(&cfg, CS_PROG_CLI, &cargc, cargv, &err) == CS_OK)
        aws = cs_aws_new(&cfg, &err);
    cs_config_free(&cfg);
    if (aws)
        cl = cs_aws_client_new(aws, &err);
    if (cl == NULL || cs_aws_assume(cl, "333333333333", &cr, NULL, NULL, &err) != CS_OK) {
        fprintf(stderr, "bench_aws_call: %s\n", err.msg);
    } else {
        ours(cl, cr, 20, 0);
        printf("whole call, CPU of the calling process (%d calls each, simulator on loopback):\n", n);
        double a = ours(cl, cr, n, 0), b = ours(cl, cr, n, 1);
        printf("  cellscan: EC2 DescribeInstances %.0f us/call, tagging GetResources %.0f us/call\n",
               a, b);
        boto3(sim.aws.url, n / 4 > 0 ? n / 4 : 1);
    }
    cs_aws_creds_unref(cr);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
    cs_bench_sim_cleanup(&sim, 0);
    curl_global_cleanup();
    return 0;
}
