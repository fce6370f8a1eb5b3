/* aws/services and aws/actions: the services table matches botocore's
 * models (protocol, API version, JSON target prefix, signing name, endpoint
 * prefix, service id and its AWS_ENDPOINT_URL_ suffix); every line of
 * actions.def names a service in the table and an operation of its model
 * that only reads (Describe*, List*, Get*, or an STS credential call);
 * lookups refuse what is not listed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "aws/actions.h"
#include "aws/services.h"

static void table_matches_botocore(void **state)
{
    char cmd[2048], line[512];
    FILE *f;
    size_t n = 0;

    (void)state;
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c \""
             "import botocore.session\n"
             "s = botocore.session.get_session()\n"
             "for name in s.get_available_services():\n"
             "  if name not in ('sts','organizations','ec2','s3','rds','lambda','ecs','eks',"
             "'resourcegroupstaggingapi','iam'): continue\n"
             "  m = s.get_service_model(name).metadata\n"
             "  print(name, m['protocol'], m['apiVersion'], m.get('targetPrefix') or '-',"
             " m.get('signingName') or m['endpointPrefix'], m['endpointPrefix'],"
             " m['serviceId'].replace(' ', '_'))\n\"");
    f = popen(cmd, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char name[64], proto[32], ver[32], target[128], signing[64], prefix[64], sid[128];
        char want_env[128];
        const struct cs_aws_service *s;
        assert_int_equal(sscanf(line, "%63s %31s %31s %127s %63s %63s %127s", name, proto,
                                ver, target, signing, prefix, sid), 7);
        s = cs_aws_service_find(name);
        assert_non_null(s);
        assert_string_equal(cs_aws_protocol_name(s->protocol), proto);
        assert_string_equal(s->api_version, ver);
        assert_string_equal(s->target_prefix ? s->target_prefix : "-", target);
        assert_string_equal(s->signing_name, signing);
        assert_string_equal(s->endpoint_prefix, prefix);
        /* AWS_ENDPOINT_URL_<service id, upper case, '_' for ' '> */
        for (size_t i = 0; i <= strlen(sid); i++)
            want_env[i] = (char)toupper((unsigned char)sid[i]);
        assert_string_equal(s->env_suffix, want_env);
        n++;
    }
    assert_int_equal(pclose(f), 0);
    while (cs_aws_service_at(n))
        fail_msg("service %s is not in botocore", cs_aws_service_at(n)->name);
    assert_int_equal(n, 10);
}

static void actions_are_read_only_operations(void **state)
{
    char cmd[4096], line[512];
    FILE *f;
    size_t checked = 0;
    int n;

    (void)state;
    n = snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c \""
                 "import botocore.session, sys\n"
                 "s = botocore.session.get_session()\n"
                 "for a in sys.argv[1:]:\n"
                 "  svc, op = a.split('/')\n"
                 "  print(svc, op, op in s.get_service_model(svc).operation_names)\n\"");
    for (size_t i = 0; i < cs_aws_action_count(); i++)
        n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " %s/%s", cs_aws_action_at(i)->service,
                      cs_aws_action_at(i)->operation);
    assert_true(n < (int)sizeof(cmd));
    f = popen(cmd, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char svc[64], op[128], exists[16];
        assert_int_equal(sscanf(line, "%63s %127s %15s", svc, op, exists), 3);
        if (strcmp(exists, "True") != 0)
            fail_msg("%s %s is not an operation of botocore's model", svc, op);
        checked++;
    }
    assert_int_equal(pclose(f), 0);
    assert_int_equal(checked, cs_aws_action_count());
    for (size_t i = 0; i < cs_aws_action_count(); i++) {
        const struct cs_aws_action *a = cs_aws_action_at(i);
        const char *op = a->operation;
        assert_non_null(cs_aws_service_find(a->service));
        assert_true(strncmp(op, "Describe", 8) == 0 || strncmp(op, "List", 4) == 0 ||
                    strncmp(op, "Get", 3) == 0 || strncmp(op, "AssumeRole", 10) == 0);
        assert_non_null(strchr(a->iam_action, ':'));
        assert_ptr_equal(cs_aws_action_find(a->service, op) != NULL, 1);
    }
}

static void lookups(void **state)
{
    const struct cs_aws_action *a;

    (void)state;
    a = cs_aws_action_find("s3", "ListBuckets");
    assert_non_null(a);
    assert_string_equal(a->iam_action, "s3:ListAllMyBuckets");
    assert_int_equal(a->scope, CS_AWS_SCOPE_MEMBER);
    assert_string_equal(cs_aws_scope_name(a->scope), "MEMBER");
    a = cs_aws_action_find("sts", "AssumeRole");
    assert_int_equal(a->scope, CS_AWS_SCOPE_SCANNER);
    assert_null(cs_aws_action_find("ec2", "RunInstances"));
    assert_null(cs_aws_action_find("s3", "listbuckets"));
    assert_null(cs_aws_action_find(NULL, "ListBuckets"));
    assert_null(cs_aws_action_at(cs_aws_action_count()));
    assert_null(cs_aws_service_find("dynamodb"));
    assert_string_equal(cs_aws_service_find("resourcegroupstaggingapi")->signing_name, "tagging");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_matches_botocore),
        cmocka_unit_test(actions_are_read_only_operations),
        cmocka_unit_test(lookups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
