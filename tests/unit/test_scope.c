/* lib/scope: the scope file -> ScanRequest (every field, every error with
 * its path), the validation of decoded requests, the element checks and
 * the quoting of values in messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scope/scope.h"

static const char *const policy_text =
    "{\"rules\":[{\"key\":\"CostCenter\",\"required\":true}]}";

static Cellscan__V1__ScanRequest *parse_ok(const char *json,
                                           const struct cs_scope_file_opts *o)
{
    Cellscan__V1__ScanRequest *r = NULL;
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc = cs_scope_parse(json, strlen(json), o, &r, &err);

    if (rc != CS_OK)
        fail_msg("parse %s: %s", json, err.msg);
    assert_non_null(r);
    return r;
}

static void every_field(void **state)
{
    const char *json =
        "{\"client_id\": \"acme\", \"plan\": \"professional\","
        " \"accounts\": [\"111111111111\", \"222222222222\"],"
        " \"categories\": [\"ec2\", \"s3\", \"rds\", \"lambda\", \"ecs\", \"eks\", \"tagging\"],"
        " \"regions\": [\"us-east-1\", \"eu-west-1\", \"us-gov-west-1\"],"
        " \"role_name\": \"CellScanReadOnly\", \"external_id\": \"cellscan-demo\","
        " \"session_duration_s\": 900, \"deadline_s\": 600,"
        " \"tag_policy\": {\"rules\": [{\"key\": \"Owner\", \"required\": true}]}}";
    Cellscan__V1__ScanRequest *r;
    (void)state;

    r = parse_ok(json, NULL);
    assert_int_equal(r->schema_version, 1);
    assert_string_equal(r->client_id, "acme");
    assert_string_equal(r->plan, "professional");
    assert_string_equal(r->scan_id, "");
    assert_int_equal(r->requested_at_ms, 0);
    assert_int_equal(r->scope->target_case, CELLSCAN__V1__SCAN_SCOPE__TARGET_ACCOUNTS);
    assert_int_equal(r->scope->accounts->n_account_ids, 2);
    assert_string_equal(r->scope->accounts->account_ids[0], "111111111111");
    assert_string_equal(r->scope->accounts->account_ids[1], "222222222222");
    assert_int_equal(r->scope->n_categories, 7);
    assert_string_equal(r->scope->categories[6], "tagging");
    assert_int_equal(r->scope->n_regions, 3);
    assert_string_equal(r->scope->regions[2], "us-gov-west-1");
    assert_string_equal(r->scope->role_name, "CellScanReadOnly");
    assert_string_equal(r->scope->external_id, "cellscan-demo");
    assert_int_equal(r->scope->session_duration_s, 900);
    assert_int_equal(r->scope->deadline_s, 600);
    /* the inline policy travels as compact JSON, members in order */
    assert_string_equal(r->scope->tag_policy_json,
                        "{\"rules\":[{\"key\":\"Owner\",\"required\":true}]}");
    cs_scope_request_free(r);
}

static void organization_and_defaults(void **state)
{
    const char *json =
        "{\"organization\": {\"org_role_arn\": \"arn:aws:iam::111111111111:role/CellScanOrgDiscovery\","
        " \"exclude_account_ids\": [\"888888888888\"], \"exclude_ous\": [\"ou-demo-12345678\"]},"
        " \"categories\": [\"ec2\"], \"regions\": [\"us-east-1\"]}";
    struct cs_scope_file_opts o = {.client_id = "from-config"};
    Cellscan__V1__ScanRequest *r;
    Cellscan__V1__OrgDiscovery *org;
    (void)state;

    r = parse_ok(json, &o);
    assert_string_equal(r->client_id, "from-config");
    assert_string_equal(r->plan, "");
    assert_int_equal(r->scope->target_case, CELLSCAN__V1__SCAN_SCOPE__TARGET_ORGANIZATION);
    org = r->scope->organization;
    assert_string_equal(org->org_role_arn,
                        "arn:aws:iam::111111111111:role/CellScanOrgDiscovery");
    assert_int_equal(org->n_exclude_account_ids, 1);
    assert_string_equal(org->exclude_account_ids[0], "888888888888");
    assert_int_equal(org->n_exclude_ous, 1);
    assert_string_equal(org->exclude_ous[0], "ou-demo-12345678");
    /* left to the configuration */
    assert_string_equal(r->scope->role_name, "");
    assert_string_equal(r->scope->external_id, "");
    assert_int_equal(r->scope->session_duration_s, 0);
    assert_int_equal(r->scope->deadline_s, 0);
    assert_string_equal(r->scope->tag_policy_json, "");
    cs_scope_request_free(r);

    /* the file's client_id wins over the configured one; an org role may
     * come from the configuration */
    r = parse_ok("{\"client_id\": \"mine\", \"organization\": {},"
                 " \"categories\": [\"s3\"], \"regions\": [\"eu-west-1\"]}", &o);
    assert_string_equal(r->client_id, "mine");
    assert_string_equal(r->scope->organization->org_role_arn, "");
    assert_int_equal(r->scope->organization->n_exclude_ous, 0);
    cs_scope_request_free(r);
}

static void separate_policy(void **state)
{
    const char *json = "{\"client_id\": \"a\", \"accounts\": [\"111111111111\"],"
                       " \"categories\": [\"ec2\"], \"regions\": [\"us-east-1\"]}";
    /* passed on byte for byte, whitespace and all */
    const char *text = "{ \"tags\": {\"costcenter\": {\"tag_key\": {\"@@assign\": \"CostCenter\"}}} }\n";
    struct cs_scope_file_opts o = {.policy_json = text, .policy_len = strlen(text),
                                   .policy_source = "p.json"};
    Cellscan__V1__ScanRequest *r;
    (void)state;

    r = parse_ok(json, &o);
    assert_string_equal(r->scope->tag_policy_json, text);
    cs_scope_request_free(r);
    /* an empty policy file is the empty policy */
    o.policy_json = "";
    o.policy_len = 0;
    r = parse_ok(json, &o);
    assert_string_equal(r->scope->tag_policy_json, "");
    cs_scope_request_free(r);
}

struct bad {
    const char *json;
    cs_rc rc;
    const char *msg; /* the whole message */
};

#define HEAD "{\"client_id\": \"a\", "
#define CATS "\"categories\": [\"ec2\"], "
#define REGS "\"regions\": [\"us-east-1\"]"
#define ONE "\"accounts\": [\"111111111111\"], "

static const struct bad bad_files[] = {
    {"", CS_ERR_PARSE, NULL},
    {"{\"accounts\": [}", CS_ERR_PARSE, NULL},
    {"[1]", CS_ERR_INVALID, "scope: (top level): expected a JSON object"},
    {HEAD ONE CATS REGS ", \"acounts\": []}", CS_ERR_INVALID,
     "scope: unknown field \"acounts\""},
    {HEAD ONE ONE CATS REGS "}", CS_ERR_PARSE, NULL}, /* duplicate member */
    {HEAD ONE "\"organization\": {}, " CATS REGS "}", CS_ERR_INVALID,
     "scope: accounts and organization are mutually exclusive; give one"},
    {HEAD CATS REGS "}", CS_ERR_INVALID,
     "scope: accounts or organization: one of them is needed"},
    {HEAD "\"accounts\": \"111111111111\", " CATS REGS "}", CS_ERR_INVALID,
     "scope: accounts: expected an array of account ids, got a string"},
    {HEAD "\"accounts\": [\"111111111111\", 222222222222], " CATS REGS "}",
     CS_ERR_INVALID,
     "scope: accounts[1]: expected a 12-digit account id (a string), got an integer"},
    {HEAD "\"accounts\": [\"111111111111\", \"1\", \"2\", \"12345\"], " CATS REGS "}",
     CS_ERR_INVALID,
     "scope: accounts[1]: expected a 12-digit account id, got \"1\""},
    {HEAD "\"accounts\": [\"111111111111\", \"11111111111a\"], " CATS REGS "}",
     CS_ERR_INVALID,
     "scope: accounts[1]: expected a 12-digit account id, got \"11111111111a\""},
    {HEAD "\"accounts\": [], " CATS REGS "}", CS_ERR_INVALID,
     "scope: accounts: at least one account id is needed"},
    {HEAD "\"organization\": [], " CATS REGS "}", CS_ERR_INVALID,
     "scope: organization: expected an object, got an array"},
    {HEAD "\"organization\": {\"role\": \"x\"}, " CATS REGS "}", CS_ERR_INVALID,
     "scope: organization: unknown field \"role\""},
    {HEAD "\"organization\": {\"org_role_arn\": 5}, " CATS REGS "}", CS_ERR_INVALID,
     "scope: organization.org_role_arn: expected a string, got an integer"},
    {HEAD "\"organization\": {\"org_role_arn\": \"arn:aws:iam::1:role/x\"}, " CATS REGS "}",
     CS_ERR_INVALID,
     "scope: organization.org_role_arn: expected an IAM role ARN such as "
     "arn:aws:iam::111111111111:role/Name, got \"arn:aws:iam::1:role/x\""},
    {HEAD "\"organization\": {\"exclude_account_ids\": [\"x\"]}, " CATS REGS "}",
     CS_ERR_INVALID,
     "scope: organization.exclude_account_ids[0]: expected a 12-digit account id, got \"x\""},
    {HEAD "\"organization\": {\"exclude_ous\": [\"ou-demo-12345678\", \"r-demo\"]}, " CATS REGS "}",
     CS_ERR_INVALID,
     "scope: organization.exclude_ous[1]: expected an OU id such as ou-ab12-cd34ef56, got \"r-demo\""},
    {HEAD "\"organization\": {\"exclude_ous\": {}}, " CATS REGS "}", CS_ERR_INVALID,
     "scope: organization.exclude_ous: expected an array of OU ids, got an object"},
    {HEAD ONE "\"categories\": [], " REGS "}", CS_ERR_INVALID,
     "scope: categories: at least one category is needed"},
    {HEAD ONE "\"categories\": [\"ec2\", \"ec3\"], " REGS "}", CS_ERR_INVALID,
     "scope: categories[1]: unknown category (expected ec2, s3, rds, lambda, ecs, "
     "eks or tagging), got \"ec3\""},
    {HEAD ONE "\"categories\": [\"EC2\"], " REGS "}", CS_ERR_INVALID,
     "scope: categories[0]: unknown category (expected ec2, s3, rds, lambda, ecs, "
     "eks or tagging), got \"EC2\""},
    {HEAD ONE REGS "}", CS_ERR_INVALID,
     "scope: categories: at least one category is needed"},
    {HEAD ONE CATS "\"regions\": []}", CS_ERR_INVALID,
     "scope: regions: at least one region is needed"},
    {HEAD ONE CATS "\"regions\": [\"US-EAST-1\"]}", CS_ERR_INVALID,
     "scope: regions[0]: expected a region name such as us-east-1, got \"US-EAST-1\""},
    {HEAD ONE CATS "\"regions\": [\"us-east-1\", \"useast1\"]}", CS_ERR_INVALID,
     "scope: regions[1]: expected a region name such as us-east-1, got \"useast1\""},
    {HEAD ONE CATS "\"regions\": [null]}", CS_ERR_INVALID,
     "scope: regions[0]: expected a region name (a string), got null"},
    {HEAD ONE CATS REGS ", \"role_name\": \"bad role\"}", CS_ERR_INVALID,
     "scope: role_name: expected 1..64 letters, digits or +=,.@_-, got \"bad role\""},
    {HEAD ONE CATS REGS ", \"role_name\": true}", CS_ERR_INVALID,
     "scope: role_name: expected a string, got a boolean"},
    {HEAD ONE CATS REGS ", \"external_id\": \"x\"}", CS_ERR_INVALID,
     "scope: external_id: expected 2..1224 letters, digits or +=,.@:/_-, got \"x\""},
    {HEAD ONE CATS REGS ", \"session_duration_s\": 100}", CS_ERR_INVALID,
     "scope: session_duration_s: expected 900..43200 (or 0 for the configured "
     "value), got 100"},
    {HEAD ONE CATS REGS ", \"session_duration_s\": 43201}", CS_ERR_INVALID,
     "scope: session_duration_s: expected 900..43200 (or 0 for the configured "
     "value), got 43201"},
    {HEAD ONE CATS REGS ", \"session_duration_s\": 3600.5}", CS_ERR_INVALID,
     "scope: session_duration_s: expected a whole number of seconds, got a number"},
    {HEAD ONE CATS REGS ", \"deadline_s\": -1}", CS_ERR_INVALID,
     "scope: deadline_s: expected a whole number of seconds, got -1"},
    {HEAD ONE CATS REGS ", \"deadline_s\": 59}", CS_ERR_INVALID,
     "scope: deadline_s: expected 60..86400 (or 0 for the configured value), got 59"},
    {HEAD ONE CATS REGS ", \"deadline_s\": \"600\"}", CS_ERR_INVALID,
     "scope: deadline_s: expected a whole number of seconds, got a string"},
    {HEAD ONE CATS REGS ", \"plan\": \"gold\"}", CS_ERR_INVALID,
     "scope: plan: expected starter, professional or enterprise, got \"gold\""},
    {"{\"client_id\": \"a:b\", " ONE CATS REGS "}", CS_ERR_INVALID,
     "scope: client_id: expected 1..64 of [A-Za-z0-9_.-], got \"a:b\""},
    {"{" ONE CATS REGS "}", CS_ERR_INVALID,
     "scope: client_id: missing (set it in the scope or CELLSCAN_CLIENT_ID)"},
    {HEAD ONE CATS REGS ", \"tag_policy\": \"{}\"}", CS_ERR_INVALID,
     "scope: tag_policy: expected an object (the tag policy), got a string"},
    {HEAD ONE CATS REGS ", \"tag_policy\": {\"rules\": [{\"key\": \"A\", \"requird\": true}]}}",
     CS_ERR_INVALID, "scope: tag_policy: rules[0]: unknown field \"requird\""},
    {HEAD ONE CATS REGS ", \"tag_policy\": {\"nope\": 1}}", CS_ERR_INVALID, NULL},
};

static void bad_scope_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
        const struct bad *b = &bad_files[i];
        Cellscan__V1__ScanRequest *r = (void *)1;
        struct cs_err err = CS_ERR_INIT;
        cs_rc rc = cs_scope_parse(b->json, strlen(b->json), NULL, &r, &err);

        if (rc != b->rc)
            fail_msg("case %zu %s: rc %s, want %s (%s)", i, b->json,
                     cs_rc_name(rc), cs_rc_name(b->rc), err.msg);
        assert_null(r);
        assert_int_equal(strncmp(err.msg, "scope: ", 7), 0);
        if (b->msg && strcmp(err.msg, b->msg) != 0)
            fail_msg("case %zu: got\n  %s\nwant\n  %s", i, err.msg, b->msg);
    }
}

static void syntax_errors_have_position(void **state)
{
    const char *json = "{\n  \"accounts\": [\"111111111111\",]\n}";
    Cellscan__V1__ScanRequest *r = NULL;
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    assert_int_equal(cs_scope_parse(json, strlen(json), NULL, &r, &err), CS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "scope: line 2 column"));
    assert_non_null(strstr(err.msg, "JSON syntax error"));
    /* bytes after the document */
    assert_int_equal(cs_scope_parse("{} x", 4, NULL, &r, &err), CS_ERR_PARSE);
    /* not NUL-terminated: only len bytes are read */
    assert_int_equal(cs_scope_parse("{}garbage", 2, NULL, &r, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "scope: client_id: missing (set it in the scope "
                                 "or CELLSCAN_CLIENT_ID)");
}

static void policy_given_twice_or_bad(void **state)
{
    const char *json = HEAD ONE CATS REGS ", \"tag_policy\": {\"rules\": []}}";
    const char *plain = HEAD ONE CATS REGS "}";
    struct cs_scope_file_opts o = {.policy_json = policy_text,
                                   .policy_len = strlen(policy_text),
                                   .policy_source = "p.json"};
    Cellscan__V1__ScanRequest *r = NULL;
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    assert_int_equal(cs_scope_parse(json, strlen(json), &o, &r, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "scope: tag_policy: the policy is given both in "
                                 "the scope and with p.json; give it once");
    o.policy_json = "{\"rules\": [\n  {\"key\": \"A\",}\n]}";
    o.policy_len = strlen(o.policy_json);
    assert_int_equal(cs_scope_parse(plain, strlen(plain), &o, &r, &err), CS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "policy p.json: line 2 column"));
    o.policy_json = "{\"rules\": [{\"key\": \"A\", \"case\": \"lower\"}]}";
    o.policy_len = strlen(o.policy_json);
    assert_int_equal(cs_scope_parse(plain, strlen(plain), &o, &r, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "policy p.json: rules[0].case: expected \"exact\" "
                                 "or \"insensitive\", got \"lower\"");
    /* NUL bytes in the policy text would be cut by C strings */
    o.policy_json = "{}\0{}";
    o.policy_len = 5;
    o.policy_source = NULL;
    assert_int_equal(cs_scope_parse(plain, strlen(plain), &o, &r, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "policy --policy: holds a NUL byte");
    assert_null(r);
}

static void limits(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__ScanRequest *r = NULL;
    size_t n = CS_SCOPE_MAX_ACCOUNTS + 1, cap = n * 17 + 256, len = 0;
    char *json = malloc(cap);
    (void)state;

    assert_int_equal(cs_scope_parse("{}", CS_SCOPE_MAX_FILE + 1, NULL, &r, &err),
                     CS_ERR_LIMIT);
    len += (size_t)snprintf(json + len, cap - len, HEAD CATS REGS ", \"accounts\": [");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s\"%012zu\"", i ? "," : "",
                                i + 1);
    len += (size_t)snprintf(json + len, cap - len, "]}");
    assert_int_equal(cs_scope_parse(json, len, NULL, &r, &err), CS_ERR_LIMIT);
    assert_string_equal(err.msg, "scope: accounts: at most 10000 entries, got 10001");
    /* exactly the limit is fine */
    len = (size_t)(strrchr(json, ',') - json);
    memcpy(json + len, "]}", 3);
    r = parse_ok(json, NULL);
    assert_int_equal(r->scope->accounts->n_account_ids, CS_SCOPE_MAX_ACCOUNTS);
    cs_scope_request_free(r);
    free(json);
}

/* A valid decoded request to break one field at a time. */
struct req_parts {
    Cellscan__V1__ScanRequest r;
    Cellscan__V1__ScanScope s;
    Cellscan__V1__AccountList a;
    Cellscan__V1__OrgDiscovery o;
    char *accounts[2], *cats[2], *regions[2], *ex_acc[1], *ex_ou[1];
};

static void make_request(struct req_parts *p)
{
    cellscan__v1__scan_request__init(&p->r);
    cellscan__v1__scan_scope__init(&p->s);
    cellscan__v1__account_list__init(&p->a);
    cellscan__v1__org_discovery__init(&p->o);
    p->r.schema_version = 1;
    p->r.client_id = "acme";
    p->r.scan_id = "scan-20261125T220000Z-0a1b2c3d";
    p->r.requested_at_ms = 1764108000000;
    p->r.plan = "enterprise";
    p->r.scope = &p->s;
    p->accounts[0] = "111111111111";
    p->accounts[1] = "333333333333";
    p->a.account_ids = p->accounts;
    p->a.n_account_ids = 2;
    p->s.target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ACCOUNTS;
    p->s.accounts = &p->a;
    p->cats[0] = "ec2";
    p->cats[1] = "tagging";
    p->s.categories = p->cats;
    p->s.n_categories = 2;
    p->regions[0] = "us-east-1";
    p->regions[1] = "af-south-1";
    p->s.regions = p->regions;
    p->s.n_regions = 2;
    p->s.tag_policy_json = (char *)policy_text;
}

static void use_org(struct req_parts *p, const char *arn)
{
    p->o.org_role_arn = (char *)arn;
    p->ex_acc[0] = "888888888888";
    p->ex_ou[0] = "ou-demo-12345678";
    p->o.exclude_account_ids = p->ex_acc;
    p->o.n_exclude_account_ids = 1;
    p->o.exclude_ous = p->ex_ou;
    p->o.n_exclude_ous = 1;
    p->s.target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ORGANIZATION;
    p->s.organization = &p->o;
}

static void expect_invalid(const struct req_parts *p,
                           const struct cs_scope_check_opts *o, cs_rc want,
                           const char *msg)
{
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc = cs_scope_validate_request(&p->r, o, &err);

    if (rc != want)
        fail_msg("rc %s (%s), want %s", cs_rc_name(rc), err.msg, cs_rc_name(want));
    if (msg && strcmp(err.msg, msg) != 0)
        fail_msg("got\n  %s\nwant\n  %s", err.msg, msg);
}

static void request_validation(void **state)
{
    struct req_parts p;
    struct cs_err err = CS_ERR_INIT;
    char *bad_utf8 = "acme\xff";
    (void)state;

    make_request(&p);
    assert_int_equal(cs_scope_validate_request(&p.r, NULL, &err), CS_OK);
    p.r.schema_version = 0; /* not set by the producer: read as 1 */
    assert_int_equal(cs_scope_validate_request(&p.r, NULL, &err), CS_OK);
    p.r.schema_version = 2;
    expect_invalid(&p, NULL, CS_ERR_INVALID, "schema_version: 2 is newer than this reader (1)");
    make_request(&p);
    p.r.client_id = "";
    expect_invalid(&p, NULL, CS_ERR_INVALID, "client_id: expected 1..64 of [A-Za-z0-9_.-], got \"\"");
    p.r.client_id = bad_utf8;
    expect_invalid(&p, NULL, CS_ERR_INVALID,
                   "client_id: expected 1..64 of [A-Za-z0-9_.-], got \"acme\\xff\"");
    make_request(&p);
    p.r.scan_id = "scan 1";
    expect_invalid(&p, NULL, CS_ERR_INVALID, "scan_id: expected 1..128 of [A-Za-z0-9_.:-], got \"scan 1\"");
    make_request(&p);
    p.r.requested_at_ms = 0;
    expect_invalid(&p, NULL, CS_ERR_INVALID, "requested_at_ms: expected Unix milliseconds, got 0");
    make_request(&p);
    p.r.plan = "";
    assert_int_equal(cs_scope_validate_request(&p.r, NULL, &err), CS_OK);
    p.r.plan = "platinum";
    expect_invalid(&p, NULL, CS_ERR_INVALID,
                   "plan: expected starter, professional or enterprise, got \"platinum\"");
    make_request(&p);
    p.r.scope = NULL;
    expect_invalid(&p, NULL, CS_ERR_INVALID, "scope: missing");
    make_request(&p);
    p.s.target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET__NOT_SET;
    expect_invalid(&p, NULL, CS_ERR_INVALID, "accounts or organization: one of them is needed");
    make_request(&p);
    p.s.accounts = NULL; /* an empty AccountList decodes as a NULL-free message; be safe */
    expect_invalid(&p, NULL, CS_ERR_INVALID, "accounts: at least one account id is needed");
    make_request(&p);
    p.s.tag_policy_json = "{\"rules\": 1}";
    assert_int_equal(cs_scope_validate_request(&p.r, NULL, &err), CS_ERR_INVALID);
    assert_int_equal(strncmp(err.msg, "tag_policy_json: rules", 22), 0);
    p.s.tag_policy_json = "";
    assert_int_equal(cs_scope_validate_request(&p.r, NULL, &err), CS_OK);
    p.s.tag_policy_json = "{";
    assert_int_equal(cs_scope_validate_request(&p.r, NULL, &err), CS_ERR_PARSE);
    assert_int_equal(strncmp(err.msg, "tag_policy_json: line 1 column", 30), 0);
    p.s.session_duration_s = 43200;
    p.s.deadline_s = 86400;
    p.s.tag_policy_json = "";
    assert_int_equal(cs_scope_validate_request(&p.r, NULL, &err), CS_OK);
    p.s.deadline_s = 86401;
    expect_invalid(&p, NULL, CS_ERR_INVALID,
                   "deadline_s: expected 60..86400 (or 0 for the configured value), got 86401");
}

static void org_role_required_when_asked(void **state)
{
    struct req_parts p;
    struct cs_err err = CS_ERR_INIT;
    struct cs_scope_check_opts none = {.check_org_role = 1, .org_role_arn = ""};
    struct cs_scope_check_opts configured = {
        .check_org_role = 1,
        .org_role_arn = "arn:aws:iam::111111111111:role/CellScanOrgDiscovery"};
    (void)state;

    make_request(&p);
    use_org(&p, "");
    /* no role anywhere: refused, never a single-account scan */
    expect_invalid(&p, &none, CS_ERR_INVALID,
                   "organization: no org-discovery role: set "
                   "organization.org_role_arn or CELLSCAN_ORG_ROLE_ARN");
    assert_int_equal(cs_scope_validate_request(&p.r, &configured, &err), CS_OK);
    /* not checked when the caller does not know the configuration */
    assert_int_equal(cs_scope_validate_request(&p.r, NULL, &err), CS_OK);
    use_org(&p, "arn:aws-us-gov:iam::111111111111:role/path/to/Disc");
    assert_int_equal(cs_scope_validate_request(&p.r, &none, &err), CS_OK);
    p.ex_ou[0] = "ou-DEMO-12345678";
    expect_invalid(&p, &none, CS_ERR_INVALID,
                   "organization.exclude_ous[0]: expected an OU id such as "
                   "ou-ab12-cd34ef56, got \"ou-DEMO-12345678\"");
}

static void element_checks(void **state)
{
    static const char *const regions_ok[] = {"us-east-1", "af-south-1", "us-gov-west-1",
                                             "ap-southeast-3", "eu-isoe-west-1",
                                             "cn-northwest-1", "me-central-12", NULL};
    static const char *const regions_bad[] = {"", "us", "us-east", "us-east-", "us-east-1a",
                                              "-us-east-1", "us--east-1", "us_east_1",
                                              "us-east-1 ", "us-1",
                                              "aaaaaaaaaaaa-bbbbbbbbbbbb-cccccc-1", NULL};
    static const char *const arns_bad[] = {
        "", "arn:aws:iam::111111111111:user/x", "arn:aws:sts::111111111111:role/x",
        "arn:AWS:iam::111111111111:role/x", "arn:aws:iam::11111111111:role/x",
        "arn:aws:iam::111111111111:role/", "arn:aws:iam::111111111111:role/a b",
        "arn::iam::111111111111:role/x", "arn:aws:iam:us-east-1:111111111111:role/x", NULL};
    static const char *const ous_bad[] = {"ou-abc-12345678", "ou-abcd-1234567", "ou-abcd",
                                          "ou-abcd-12345678-", "r-abcd", "ou-ab_d-12345678",
                                          NULL};
    (void)state;

    for (int i = 0; regions_ok[i]; i++)
        if (cs_scope_check_region(regions_ok[i]))
            fail_msg("region %s refused", regions_ok[i]);
    for (int i = 0; regions_bad[i]; i++)
        if (cs_scope_check_region(regions_bad[i]) == NULL)
            fail_msg("region %s accepted", regions_bad[i]);
    assert_null(cs_scope_check_role_arn("arn:aws:iam::111111111111:role/CellScanOrgDiscovery"));
    assert_null(cs_scope_check_role_arn("arn:aws-cn:iam::111111111111:role/a/b/C+=,.@_-"));
    for (int i = 0; arns_bad[i]; i++)
        if (cs_scope_check_role_arn(arns_bad[i]) == NULL)
            fail_msg("role ARN %s accepted", arns_bad[i]);
    assert_null(cs_scope_check_ou_id("ou-abcd-12345678"));
    assert_null(cs_scope_check_ou_id("ou-0123456789abcdef0123456789abcdef-0123456789abcdef0123456789abcdef"));
    for (int i = 0; ous_bad[i]; i++)
        if (cs_scope_check_ou_id(ous_bad[i]) == NULL)
            fail_msg("OU %s accepted", ous_bad[i]);
    assert_null(cs_scope_check_account_id("000000000000"));
    assert_non_null(cs_scope_check_account_id("0000000000000"));
    assert_non_null(cs_scope_check_account_id("-00000000000"));
    assert_null(cs_scope_check_role_name("a"));
    assert_non_null(cs_scope_check_role_name(""));
    assert_non_null(cs_scope_check_role_name(
        "x234567890123456789012345678901234567890123456789012345678901234"
        "5"));
    assert_null(cs_scope_check_external_id("ab"));
    assert_null(cs_scope_check_external_id("a:b/c=d"));
    assert_non_null(cs_scope_check_external_id("a b"));
    for (const char *c = "ec2 s3 rds lambda ecs eks tagging"; *c;) {
        char word[16];
        size_t n = strcspn(c, " ");
        snprintf(word, sizeof(word), "%.*s", (int)n, c);
        assert_null(cs_scope_check_category(word));
        c += n + (c[n] == ' ');
    }
    assert_non_null(cs_scope_check_category("iam"));
    assert_non_null(cs_scope_check_category(""));
}

static void messages_are_printable(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    struct req_parts p;
    Cellscan__V1__ScanRequest *r = NULL;
    const char *json = "{\"accounts\": [\"\xc3\xa9\x01\"}";
    (void)state;

    cs_err_set(&err, CS_ERR_INVALID, "near '\xc6\xa4\n'");
    cs_scope_err_printable(&err);
    assert_string_equal(err.msg, "near '\\xc6\\xa4\\x0a'");
    cs_scope_err_printable(NULL);
    /* a policy whose syntax error quotes non-ASCII bytes */
    make_request(&p);
    p.s.tag_policy_json = "{\"rules\"\xc6\xa4\x84\xe2key\"}";
    assert_int_equal(cs_scope_validate_request(&p.r, NULL, &err), CS_ERR_PARSE);
    for (const char *c = err.msg; *c; c++)
        assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
    /* and a scope file's */
    assert_int_equal(cs_scope_parse(json, strlen(json), NULL, &r, &err), CS_ERR_PARSE);
    for (const char *c = err.msg; *c; c++)
        assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
}

static void quoting(void **state)
{
    char q[CS_SCOPE_QUOTED_MAX], small[8];
    char long_value[200];
    (void)state;

    assert_string_equal(cs_scope_quote("abc", q, sizeof(q)), "\"abc\"");
    assert_string_equal(cs_scope_quote(NULL, q, sizeof(q)), "\"\"");
    assert_string_equal(cs_scope_quote("a\"b\\c\n\x01\xc3\xa9", q, sizeof(q)),
                        "\"a\\\"b\\\\c\\x0a\\x01\\xc3\\xa9\"");
    memset(long_value, 'x', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    cs_scope_quote(long_value, q, sizeof(q));
    assert_int_equal(strlen(q), CS_SCOPE_QUOTE_MAX + 5);
    assert_non_null(strstr(q, "xxx...\""));
    /* the worst case fits the documented room */
    memset(long_value, '\x80', sizeof(long_value) - 1);
    cs_scope_quote(long_value, q, sizeof(q));
    assert_true(strlen(q) < sizeof(q));
    assert_non_null(strstr(q, "...\""));
    /* a small buffer is cut, still terminated */
    cs_scope_quote("abcdefghij", small, sizeof(small));
    assert_true(strlen(small) < sizeof(small));
    assert_int_equal(small[0], '"');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_field),
        cmocka_unit_test(organization_and_defaults),
        cmocka_unit_test(separate_policy),
        cmocka_unit_test(bad_scope_files),
        cmocka_unit_test(syntax_errors_have_position),
        cmocka_unit_test(policy_given_twice_or_bad),
        cmocka_unit_test(limits),
        cmocka_unit_test(request_validation),
        cmocka_unit_test(org_role_required_when_asked),
        cmocka_unit_test(element_checks),
        cmocka_unit_test(messages_are_printable),
        cmocka_unit_test(quoting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
