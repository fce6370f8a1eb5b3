/* org: AWS Organizations discovery against the simulator
 * (fixtures/org.yaml: OUs four deep, suspended accounts at two depths, an
 * account outside the organization, pages of two), compared with the
 * oracle's reading of the same scope: nested OUs, suspended accounts,
 * an excluded OU's whole subtree, excluded accounts, the root excluded;
 * org mode without a role is CS_ERR_INVALID before any call, a role that
 * cannot be assumed or may not list the organization is CS_ERR_DENIED,
 * malformed exclusions are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "org/org.h"
#include "test_extract_support.h"

#define ORG_FIXTURE CS_SOURCE_DIR "/tests/integration/fixtures/org.yaml"
#define ORG_ROLE "arn:aws:iam::100000000001:role/CellScanOrgDiscovery"
#define MANAGEMENT "100000000001"

static struct aws_env env;

static int setup(void **state)
{
    static struct ex_client t;

    ex_env_vars(&env, SCANNER_KEY, SCANNER_SECRET, EXTERNAL_ID);
    aws_admin(&env, "POST", "/_awssim/reset", NULL);
    assert_int_equal(ex_client_open(&t), 0);
    *state = &t;
    return 0;
}

static int teardown(void **state)
{
    struct ex_client *t = *state;

    ex_client_close(t);
    unsetenv("CELLSCAN_ORG_ROLE_ARN");
    return 0;
}

static struct cs_org_result *discover(struct ex_client *t, const char *const *ex_accounts, size_t na,
                                      const char *const *ex_ous, size_t no)
{
    struct cs_org_opts o = {ORG_ROLE, ex_accounts, na, ex_ous, no};
    struct cs_org_result *r = NULL;
    struct cs_aws_error aerr;
    struct cs_err err = CS_ERR_INIT;

    if (cs_org_discover(t->cl, &o, &r, &aerr, &err) != CS_OK)
        fail_msg("discovery: %s", err.msg);
    return r;
}

/* The oracle's accounts and skipped accounts for the same exclusions. */
static void agrees_with_oracle(const struct cs_org_result *r, const char *const *ex_accounts,
                               size_t na, const char *const *ex_ous, size_t no)
{
    json_t *scope = json_pack("{s:s, s:{s:s, s:[], s:[]}, s:[], s:[s], s:s}", "client_id", "c",
                              "organization", "org_role_arn", ORG_ROLE, "exclude_account_ids",
                              "exclude_ous", "categories", "regions", "us-east-1",
                              "external_id", EXTERNAL_ID);
    json_t *org = json_object_get(scope, "organization"), *exp, *a;
    char path[600];
    size_t i;

    for (i = 0; i < na; i++)
        json_array_append_new(json_object_get(org, "exclude_account_ids"), json_string(ex_accounts[i]));
    for (i = 0; i < no; i++)
        json_array_append_new(json_object_get(org, "exclude_ous"), json_string(ex_ous[i]));
    snprintf(path, sizeof(path), "%s/org-scope.json", env.tmp);
    assert_int_equal(json_dump_file(scope, path, 0), 0);
    exp = ex_oracle("--fixture " ORG_FIXTURE, EX_POLICY, path);
    assert_non_null(exp);
    a = json_object_get(exp, "accounts");
    assert_int_equal(json_array_size(a), r->naccounts);
    for (i = 0; i < r->naccounts; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(a, i), "account_id")),
                            r->accounts[i].id);
    a = json_object_get(exp, "skipped_accounts");
    assert_int_equal(json_array_size(a), r->nskipped);
    for (i = 0; i < r->nskipped; i++) {
        assert_string_equal(json_string_value(json_object_get(json_array_get(a, i), "account_id")),
                            r->skipped[i].id);
        assert_string_equal(json_string_value(json_object_get(json_array_get(a, i), "reason")),
                            r->skipped[i].reason);
    }
    json_decref(exp);
    json_decref(scope);
}

static const struct cs_org_account *account(const struct cs_org_result *r, const char *id)
{
    for (size_t i = 0; i < r->naccounts; i++)
        if (strcmp(r->accounts[i].id, id) == 0)
            return &r->accounts[i];
    return NULL;
}

static const char *skipped(const struct cs_org_result *r, const char *id)
{
    for (size_t i = 0; i < r->nskipped; i++)
        if (strcmp(r->skipped[i].id, id) == 0)
            return r->skipped[i].reason;
    return NULL;
}

static void nested_ous_and_suspended_accounts(void **state)
{
    struct ex_client *t = *state;
    struct cs_org_result *r = discover(t, NULL, 0, NULL, 0);

    agrees_with_oracle(r, NULL, 0, NULL, 0);
    assert_int_equal(r->naccounts, 14);
    for (size_t i = 1; i < r->naccounts; i++)
        assert_true(strcmp(r->accounts[i - 1].id, r->accounts[i].id) < 0);
    /* four levels down, with its name and its own parent */
    assert_non_null(account(r, "100000000008"));
    assert_string_equal(account(r, "100000000008")->name, "prod-eu-legacy");
    assert_non_null(strstr(account(r, "100000000008")->parent_id, "ou-"));
    assert_string_equal(account(r, MANAGEMENT)->parent_id, "r-org1");
    assert_string_equal(skipped(r, "100000000003"), "suspended");
    assert_string_equal(skipped(r, "100000000007"), "suspended");
    assert_int_equal(r->nskipped, 2);
    assert_null(account(r, "100000000099"));
    assert_null(skipped(r, "100000000099"));
    /* every page followed: six Sandbox accounts in pages of two */
    /* 8 parents, Sandbox in 3 pages */
    assert_int_equal(aws_sim_count(&env, MANAGEMENT, "organizations", "ListAccountsForParent", NULL), 10);
    /* one AssumeRole of the discovery role, counted in the stats */
    assert_int_equal(aws_sim_assumes(&env, MANAGEMENT), 1);
    assert_int_equal(r->stats.calls,
                     (uint64_t)aws_sim_count(&env, MANAGEMENT, "organizations", NULL, NULL) + 1);
    cs_org_result_free(r);
}

static void excluded_ou_excludes_its_subtree(void **state)
{
    struct ex_client *t = *state;
    struct cs_org_result *all = discover(t, NULL, 0, NULL, 0), *r;
    char prod[72], sandbox[72];
    const char *ous[2] = {prod, sandbox};
    const char *accts[] = {"100000000010", "100000000003"};

    /* the OU ids, from where discovery placed known accounts */
    snprintf(prod, sizeof(prod), "%s", account(all, "100000000004")->parent_id);
    snprintf(sandbox, sizeof(sandbox), "%s", account(all, "100000000011")->parent_id);
    r = discover(t, accts, 2, ous, 2);
    agrees_with_oracle(r, accts, 2, ous, 2);
    /* Prod and everything under it (EU, EU/Legacy), Sandbox */
    for (const char *const *id = (const char *const[]){"100000000004", "100000000005",
                                                        "100000000006", "100000000008",
                                                        "100000000011", "100000000016", NULL};
         *id; id++)
        assert_string_equal(skipped(r, *id), "excluded_ou");
    /* suspended wins over excluded, in an excluded OU or by id */
    assert_string_equal(skipped(r, "100000000007"), "suspended");
    assert_string_equal(skipped(r, "100000000003"), "suspended");
    assert_string_equal(skipped(r, "100000000010"), "excluded_account");
    assert_int_equal(r->naccounts, 3); /* management, security, dev-a */
    assert_non_null(account(r, "100000000009"));
    cs_org_result_free(all);
    cs_org_result_free(r);
}

static void excluded_root_excludes_everyone(void **state)
{
    struct ex_client *t = *state;
    const char *ous[] = {"r-org1"};
    struct cs_org_result *r = discover(t, NULL, 0, ous, 1);

    agrees_with_oracle(r, NULL, 0, ous, 1);
    assert_int_equal(r->naccounts, 0);
    assert_null(r->accounts);
    assert_int_equal(r->nskipped, 16);
    cs_org_result_free(r);
}

static void configured_role_is_used(void **state)
{
    struct cs_org_result *r = NULL;
    struct cs_err err = CS_ERR_INIT;
    struct ex_client c;

    (void)state;
    setenv("CELLSCAN_ORG_ROLE_ARN", ORG_ROLE, 1);
    assert_int_equal(ex_client_open(&c), 0);
    assert_int_equal(cs_org_discover(c.cl, NULL, &r, NULL, &err), CS_OK);
    assert_int_equal(r->naccounts, 14);
    cs_org_result_free(r);
    ex_client_close(&c);
}

static void no_role_is_an_error(void **state)
{
    struct ex_client *t = *state;
    struct cs_org_opts o = {NULL, NULL, 0, NULL, 0};
    struct cs_org_result *r = NULL;
    struct cs_aws_error aerr;
    struct cs_err err = CS_ERR_INIT;

    assert_int_equal(cs_org_discover(t->cl, &o, &r, &aerr, &err), CS_ERR_INVALID);
    assert_null(r);
    assert_non_null(strstr(err.msg, "CELLSCAN_ORG_ROLE_ARN"));
    o.org_role_arn = "";
    assert_int_equal(cs_org_discover(t->cl, &o, &r, &aerr, &err), CS_ERR_INVALID);
    /* never a silent scan of anything: nothing was asked */
    assert_int_equal(aws_sim_count(&env, NULL, NULL, NULL, NULL), 0);
}

static void denied_role_is_denied(void **state)
{
    struct ex_client *t = *state;
    struct cs_org_opts untrusted = {"arn:aws:iam::100000000001:role/CellScanUntrusted", NULL, 0,
                                    NULL, 0};
    /* a member account's role: Organizations refuses it */
    struct cs_org_opts member = {"arn:aws:iam::100000000002:role/MemberDiscovery", NULL, 0, NULL,
                                 0};
    struct cs_org_result *r = NULL;
    struct cs_aws_error aerr;
    struct cs_err err = CS_ERR_INIT;

    assert_int_equal(cs_org_discover(t->cl, &untrusted, &r, &aerr, &err), CS_ERR_DENIED);
    assert_string_equal(aerr.code, "AccessDenied");
    assert_null(r);
    assert_int_equal(cs_org_discover(t->cl, &member, &r, &aerr, &err), CS_ERR_DENIED);
    assert_string_equal(aerr.code, "AccessDeniedException");
    assert_null(r);
}

static void organizations_failure_is_aws_error(void **state)
{
    struct ex_client *t = *state;
    struct cs_org_result *r = NULL;
    struct cs_aws_error aerr;
    struct cs_err err = CS_ERR_INIT;
    struct cs_org_opts o = {ORG_ROLE, NULL, 0, NULL, 0};
    json_t *ids = aws_admin_json(&env, "POST", "/_awssim/faults",
                           "{\"kind\":\"malformed\",\"service\":\"organizations\","
                           "\"operation\":\"ListOrganizationalUnitsForParent\"}");

    assert_non_null(ids);
    assert_int_equal(cs_org_discover(t->cl, &o, &r, &aerr, &err), CS_ERR_AWS);
    assert_null(r);
    assert_non_null(strstr(err.msg, "JSON"));
    aws_admin(&env, "DELETE", "/_awssim/faults", NULL);
    json_decref(ids);
}

static void malformed_exclusions_are_refused(void **state)
{
    struct ex_client *t = *state;
    const char *bad_account[] = {"10000000001"};
    const char *bad_ou[] = {"Workloads/Prod"};
    struct cs_org_opts o = {ORG_ROLE, bad_account, 1, NULL, 0};
    struct cs_org_result *r = NULL;
    struct cs_err err = CS_ERR_INIT;

    assert_int_equal(cs_org_discover(t->cl, &o, &r, NULL, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "exclude_account_ids[0]"));
    o.nexclude_accounts = 0;
    o.exclude_ous = bad_ou;
    o.nexclude_ous = 1;
    assert_int_equal(cs_org_discover(t->cl, &o, &r, NULL, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "exclude_ous[0]"));
    assert_null(r);
    assert_int_equal(aws_sim_count(&env, NULL, NULL, NULL, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(nested_ous_and_suspended_accounts, setup, teardown),
        cmocka_unit_test_setup_teardown(excluded_ou_excludes_its_subtree, setup, teardown),
        cmocka_unit_test_setup_teardown(excluded_root_excludes_everyone, setup, teardown),
        cmocka_unit_test_setup_teardown(configured_role_is_used, setup, teardown),
        cmocka_unit_test_setup_teardown(no_role_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(denied_role_is_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(organizations_failure_is_aws_error, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_exclusions_are_refused, setup, teardown),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (ex_start(&env, ORG_FIXTURE) != 0)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    ex_stop(&env);
    curl_global_cleanup();
    return rc;
}
