/* aws/endpoint: every service cellscan calls resolves, in every partition,
 * to the URL and signing region botocore's resolver gives (regional STS);
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> override as the SDKs
 * spell them; bad values are refused naming the variable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/endpoint.h"

static const char *const regions[] = {
    "us-east-1", "eu-west-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1",
    "us-gov-east-1", "us-iso-east-1", "us-isob-east-1", "af-south-1", NULL};

static void same_as_botocore(void **state)
{
    char cmd[2048], line[512];
    cs_aws_endpoints_t *e;
    struct cs_err err = CS_ERR_INIT;
    int n = 0;
    FILE *f;

    (void)state;
    unsetenv("AWS_ENDPOINT_URL");
    e = cs_aws_endpoints_new(&err);
    assert_non_null(e);
    snprintf(cmd, sizeof(cmd),
             "env -i AWS_STS_REGIONAL_ENDPOINTS=regional "
             "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT=regional /usr/bin/python3 -c \""
             "import botocore.session\n"
             "s = botocore.session.get_session()\n"
             "for svc in %s:\n"
             "  for r in %s:\n"
             "    c = s.create_client(svc, region_name=r, aws_access_key_id='a', aws_secret_access_key='b')\n"
             "    print(svc, r, c.meta.endpoint_url, c._request_signer._region_name)\n\"",
             "['sts','organizations','ec2','s3','rds','lambda','ecs','eks','resourcegroupstaggingapi','iam']",
             "['us-east-1','eu-west-1','cn-north-1','cn-northwest-1','us-gov-west-1','us-gov-east-1',"
             "'us-iso-east-1','us-isob-east-1','af-south-1']");
    f = popen(cmd, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char svc[64], region[32], url[256], signing[32];
        struct cs_aws_endpoint ep;
        assert_int_equal(sscanf(line, "%63s %31s %255s %31s", svc, region, url, signing), 4);
        assert_int_equal(cs_aws_endpoint_resolve(e, cs_aws_service_find(svc), region, &ep, &err),
                         CS_OK);
        if (strcmp(ep.url, url) != 0 || strcmp(ep.signing_region, signing) != 0)
            fail_msg("%s %s: %s %s, botocore %s %s", svc, region, ep.url, ep.signing_region,
                     url, signing);
        assert_false(ep.overridden);
        n++;
    }
    assert_int_equal(pclose(f), 0);
    assert_int_equal(n, 10 * 9);
    cs_aws_endpoints_destroy(e);
}

static void overrides(void **state)
{
    cs_aws_endpoints_t *e;
    struct cs_aws_endpoint ep;
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/", 1);
    setenv("AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API", "https://tagging.local:8443/base", 1);
    e = cs_aws_endpoints_new(&err);
    assert_non_null(e);
    assert_int_equal(cs_aws_endpoint_resolve(e, cs_aws_service_find("ec2"), "eu-west-1", &ep, &err), CS_OK);
    assert_string_equal(ep.url, "http://127.0.0.1:4566");
    assert_string_equal(ep.signing_region, "eu-west-1");
    assert_true(ep.overridden);
    assert_int_equal(cs_aws_endpoint_resolve(e, cs_aws_service_find("resourcegroupstaggingapi"),
                                             "eu-west-1", &ep, &err), CS_OK);
    assert_string_equal(ep.url, "https://tagging.local:8443/base");
    /* a global service keeps its signing region */
    assert_int_equal(cs_aws_endpoint_resolve(e, cs_aws_service_find("organizations"),
                                             "eu-west-1", &ep, &err), CS_OK);
    assert_string_equal(ep.signing_region, "us-east-1");
    cs_aws_endpoints_destroy(e);
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    e = cs_aws_endpoints_new(&err);
    assert_int_equal(cs_aws_endpoint_resolve(e, cs_aws_service_find("ec2"), "eu-west-1", &ep, &err), CS_OK);
    assert_string_equal(ep.url, "https://ec2.eu-west-1.amazonaws.com");
    cs_aws_endpoints_destroy(e);
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    setenv("AWS_ENDPOINT_URL_EKS", "ftp://nope", 1);
    assert_null(cs_aws_endpoints_new(&err));
    assert_non_null(strstr(err.msg, "AWS_ENDPOINT_URL_EKS"));
    unsetenv("AWS_ENDPOINT_URL_EKS");
    setenv("AWS_ENDPOINT_URL", "http://host?x=1", 1);
    assert_null(cs_aws_endpoints_new(&err));
    assert_non_null(strstr(err.msg, "AWS_ENDPOINT_URL"));
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API");
}

static void regions_and_partitions(void **state)
{
    struct cs_aws_endpoint ep;
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    assert_string_equal(cs_aws_partition("us-gov-east-1"), "aws-us-gov");
    assert_string_equal(cs_aws_partition("cn-north-1"), "aws-cn");
    assert_string_equal(cs_aws_partition("us-isob-east-1"), "aws-iso-b");
    assert_string_equal(cs_aws_partition("us-iso-west-1"), "aws-iso");
    assert_string_equal(cs_aws_partition("eu-central-2"), "aws");
    assert_string_equal(cs_aws_partition_dns_suffix("aws-cn"), "amazonaws.com.cn");
    for (int i = 0; regions[i]; i++)
        assert_true(cs_aws_region_valid(regions[i]));
    assert_false(cs_aws_region_valid("US-EAST-1"));
    assert_false(cs_aws_region_valid("useast1"));
    assert_false(cs_aws_region_valid("us-east-1/../x"));
    assert_false(cs_aws_region_valid(""));
    assert_int_equal(cs_aws_endpoint_resolve(NULL, cs_aws_service_find("ec2"), "evil.com/x", &ep,
                                             &err), CS_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_botocore),
        cmocka_unit_test(overrides),
        cmocka_unit_test(regions_and_partitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
