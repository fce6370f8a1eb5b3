/* policy: both policy forms (docs/policy.md), real AWS tag-policy
 * documents, every violation kind, wildcards, case handling, empty values,
 * resource types, malformed policies with their exact messages, limits,
 * ARN → type derivation, category tables, concurrent evaluation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/pattern.h"
#include "policy/policy.h"
#include "policy/restype.h"

#define MAXV CS_POLICY_MAX_RULES

static cs_policy_t *parse_ok(const char *json)
{
    struct cs_err err = CS_ERR_INIT;
    cs_policy_t *p = NULL;
    cs_rc rc = cs_policy_parse(json, strlen(json), &p, &err);

    if (rc != CS_OK)
        fail_msg("policy refused: %s", err.msg);
    assert_non_null(p);
    return p;
}

static void expect_refused(const char *json, cs_rc want, const char *msg)
{
    struct cs_err err = CS_ERR_INIT;
    cs_policy_t *p = (cs_policy_t *)&err; /* must be reset to NULL */
    cs_rc rc = cs_policy_parse(json, strlen(json), &p, &err);

    assert_null(p);
    if (rc != want || strcmp(err.msg, msg) != 0)
        fail_msg("for %s\n got rc %d \"%s\"\nwant rc %d \"%s\"", json, rc,
                 err.msg, want, msg);
}

/* Evaluates a resource of type with tags given as key, value, ..., NULL. */
static size_t eval(const cs_policy_t *p, const char *type,
                   struct cs_violation *v, ...)
{
    struct cs_tag tags[32];
    struct cs_resource r = {"arn:aws:ec2:us-east-1:111111111111:instance/i-1",
                            type, "us-east-1", "111111111111", tags, 0};
    va_list ap;
    const char *k;

    va_start(ap, v);
    while ((k = va_arg(ap, const char *)) != NULL) {
        tags[r.ntags].key = k;
        tags[r.ntags].value = va_arg(ap, const char *);
        r.ntags++;
    }
    va_end(ap);
    return cs_policy_eval(p, &r, v, MAXV);
}

static void assert_violation(const struct cs_violation *v,
                             enum cs_violation_kind kind, const char *key,
                             const char *found)
{
    assert_int_equal(v->kind, kind);
    assert_string_equal(v->tag_key, key);
    if (found == NULL)
        assert_null(v->found_value);
    else
        assert_string_equal(v->found_value, found);
}

#define MISSING CS_VIOLATION_MISSING_REQUIRED_TAG
#define INVALID CS_VIOLATION_INVALID_VALUE
#define WRONG_CASE CS_VIOLATION_WRONG_KEY_CASE

/* ------------------------------------------------------ cellscan form */

static const char doc_cellscan[] =
    "{\n"
    "  \"rules\": [\n"
    "    {\"key\": \"CostCenter\", \"required\": true, \"allowed_values\": [\"100\", \"2*\"],\n"
    "     \"case\": \"exact\", \"resource_types\": [\"ec2:instance\", \"rds:*\"]},\n"
    "    {\"key\": \"Owner\", \"required\": true},\n"
    "    {\"key\": \"Environment\", \"allowed_values\": [\"prod\", \"dev\", \"staging\"],\n"
    "     \"case\": \"insensitive\"}\n"
    "  ]\n"
    "}\n";

static void cellscan_doc_example(void **state)
{
    cs_policy_t *p = parse_ok(doc_cellscan);
    struct cs_violation v[MAXV];
    (void)state;

    assert_int_equal(cs_policy_form(p), CS_POLICY_FORM_CELLSCAN);
    assert_int_equal(cs_policy_rule_count(p), 3);
    assert_string_equal(cs_policy_rule_key(p, 2), "Environment");
    assert_int_equal(cs_policy_notice_count(p), 0);

    /* compliant: a literal, a pattern, and an insensitive value */
    assert_int_equal(eval(p, "ec2:instance", v, "CostCenter", "100", "Owner",
                          "ann", "Environment", "PROD", NULL), 0);
    assert_int_equal(eval(p, "rds:db", v, "CostCenter", "250", "Owner", "bo",
                          NULL), 0);
    assert_int_equal(eval(p, "ec2:instance", v, "environment", "Dev",
                          "CostCenter", "2", "Owner", "x", NULL), 0);

    /* every kind, in rule order */
    assert_int_equal(eval(p, "ec2:instance", v, "costcenter", "100",
                          "Environment", "qa", NULL), 3);
    assert_violation(&v[0], WRONG_CASE, "CostCenter", "costcenter");
    assert_int_equal(v[0].rule, 0);
    assert_violation(&v[1], MISSING, "Owner", NULL);
    assert_int_equal(v[1].rule, 1);
    assert_violation(&v[2], INVALID, "Environment", "qa");

    assert_int_equal(eval(p, "ec2:instance", v, "CostCenter", "300", "Owner",
                          "x", NULL), 1);
    assert_violation(&v[0], INVALID, "CostCenter", "300");
    assert_int_equal(eval(p, "rds:cluster", v, "Owner", "x", NULL), 1);
    assert_violation(&v[0], MISSING, "CostCenter", NULL);

    /* the CostCenter rule does not apply to s3 or to other ec2 types */
    assert_int_equal(eval(p, "s3:bucket", v, "Owner", "x", "costcenter", "9",
                          NULL), 0);
    assert_int_equal(eval(p, "ec2:volume", v, "Owner", "x", NULL), 0);
    cs_policy_destroy(p);
}

static void empty_policies(void **state)
{
    const char *docs[] = {"{\"rules\": []}", "{\"tags\": {}}", " {\"rules\":[]} "};
    struct cs_violation v[MAXV];
    cs_policy_t *p = NULL;
    size_t i;
    (void)state;

    assert_int_equal(cs_policy_parse("", 0, &p, NULL), CS_OK);
    assert_int_equal(cs_policy_form(p), CS_POLICY_FORM_EMPTY);
    assert_int_equal(eval(p, "ec2:instance", v, "a", "b", NULL), 0);
    cs_policy_destroy(p);
    /* no policy at all is the empty policy */
    assert_int_equal(eval(NULL, "ec2:instance", v, NULL), 0);
    assert_int_equal(cs_policy_rule_count(NULL), 0);
    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        p = parse_ok(docs[i]);
        assert_int_equal(cs_policy_rule_count(p), 0);
        assert_int_equal(eval(p, "s3:bucket", v, NULL), 0);
        cs_policy_destroy(p);
    }
    cs_policy_destroy(NULL);
}

/* -------------------------------------------------------- AWS form */

static const char doc_aws[] =
    "{\n"
    "  \"tags\": {\n"
    "    \"costcenter\": {\n"
    "      \"tag_key\": {\"@@assign\": \"CostCenter\"},\n"
    "      \"tag_value\": {\"@@assign\": [\"100\", \"200\", \"300*\"]},\n"
    "      \"enforced_for\": {\"@@assign\": [\"ec2:instance\"]},\n"
    "      \"report_required_tag_for\": {\"@@assign\": [\"ec2:instance\", \"ec2:volume\", \"rds:ALL_SUPPORTED\"]}\n"
    "    }\n"
    "  }\n"
    "}\n";

static void aws_doc_example(void **state)
{
    cs_policy_t *p = parse_ok(doc_aws);
    struct cs_violation v[MAXV];
    const char *const *enforced;
    size_t n;
    (void)state;

    assert_int_equal(cs_policy_form(p), CS_POLICY_FORM_AWS);
    assert_int_equal(cs_policy_rule_count(p), 1);
    assert_string_equal(cs_policy_rule_key(p, 0), "CostCenter");
    enforced = cs_policy_rule_enforced_for(p, 0, &n);
    assert_int_equal(n, 1);
    assert_string_equal(enforced[0], "ec2:instance");

    /* required only for the reported types; rds:ALL_SUPPORTED = rds:* */
    assert_int_equal(eval(p, "ec2:volume", v, NULL), 1);
    assert_violation(&v[0], MISSING, "CostCenter", NULL);
    assert_int_equal(eval(p, "rds:cluster", v, NULL), 1);
    assert_int_equal(eval(p, "ec2:snapshot", v, NULL), 0);
    assert_int_equal(eval(p, "lambda:function", v, NULL), 0);
    /* capitalisation and values are checked on every type */
    assert_int_equal(eval(p, "lambda:function", v, "costcenter", "100", NULL), 1);
    assert_violation(&v[0], WRONG_CASE, "CostCenter", "costcenter");
    assert_int_equal(eval(p, "lambda:function", v, "CostCenter", "999", NULL), 1);
    assert_violation(&v[0], INVALID, "CostCenter", "999");
    /* values are case-sensitive; 300* is a prefix pattern */
    assert_int_equal(eval(p, "ec2:instance", v, "CostCenter", "3001", NULL), 0);
    assert_int_equal(eval(p, "ec2:instance", v, "CostCenter", "300", NULL), 0);
    assert_int_equal(eval(p, "ec2:instance", v, "CostCenter", "30", NULL), 1);
    cs_policy_destroy(p);
}

/* From AWS's "Tag policy syntax and examples": a child-policy operator in
 * a tag_key, then an effective policy with two tags. */
static const char aws_example_operators[] =
    "{\n"
    "    \"tags\": {\n"
    "        \"costcenter\": {\n"
    "            \"tag_key\": {\n"
    "                \"@@assign\": \"CostCenter\",\n"
    "                \"@@operators_allowed_for_child_policies\": [\"@@none\"]\n"
    "            },\n"
    "            \"tag_value\": {\n"
    "                \"@@assign\": [\n"
    "                    \"100\",\n"
    "                    \"200\"\n"
    "                ]\n"
    "            },\n"
    "            \"enforced_for\": {\n"
    "                \"@@assign\": [\n"
    "                    \"secretsmanager:*\"\n"
    "                ]\n"
    "            }\n"
    "        }\n"
    "    }\n"
    "}\n";

static const char aws_example_effective[] =
    "{\n"
    "    \"tags\": {\n"
    "        \"costcenter\": {\n"
    "            \"tag_value\": {\n"
    "                \"@@assign\": [\n"
    "                    \"Production\",\n"
    "                    \"Test\"\n"
    "                ]\n"
    "            },\n"
    "            \"tag_key\": {\n"
    "                \"@@assign\": \"CostCenter\"\n"
    "            },\n"
    "            \"enforced_for\": {\n"
    "                \"@@assign\": [\n"
    "                    \"ec2:instance\"\n"
    "                ]\n"
    "            }\n"
    "        },\n"
    "        \"project\": {\n"
    "            \"tag_value\": {\n"
    "                \"@@assign\": [\n"
    "                    \"Maintenance\",\n"
    "                    \"Escalations\"\n"
    "                ]\n"
    "            },\n"
    "            \"tag_key\": {\n"
    "                \"@@assign\": \"Project\"\n"
    "            }\n"
    "        }\n"
    "    }\n"
    "}\n";

/* ALL_SUPPORTED and a "*" value, as in AWS's required-tag example. */
static const char aws_example_required[] =
    "{\n"
    "    \"tags\": {\n"
    "        \"@@operators_allowed_for_child_policies\": [\"@@none\"],\n"
    "        \"environment\": {\n"
    "            \"@@operators_allowed_for_child_policies\": [\"@@none\"],\n"
    "            \"tag_key\": {\"@@assign\": \"Environment\"},\n"
    "            \"tag_value\": {\"@@assign\": [\"*\"]},\n"
    "            \"report_required_tag_for\": {\"@@assign\": [\"dynamodb:ALL_SUPPORTED\", \"s3:bucket\"]}\n"
    "        }\n"
    "    }\n"
    "}\n";

static void aws_real_documents(void **state)
{
    struct cs_violation v[MAXV];
    cs_policy_t *p;
    (void)state;

    p = parse_ok(aws_example_operators);
    assert_int_equal(cs_policy_notice_count(p), 1);
    assert_string_equal(cs_policy_notice(p, 0),
                        "policy: ignoring @@operators_allowed_for_child_policies "
                        "at tags.costcenter.tag_key");
    /* nothing is required: a missing key is fine, a wrong value is not */
    assert_int_equal(eval(p, "secretsmanager:secret", v, NULL), 0);
    assert_int_equal(eval(p, "secretsmanager:secret", v, "CostCenter", "300", NULL), 1);
    assert_violation(&v[0], INVALID, "CostCenter", "300");
    cs_policy_destroy(p);

    p = parse_ok(aws_example_effective);
    assert_int_equal(cs_policy_rule_count(p), 2);
    assert_string_equal(cs_policy_rule_key(p, 1), "Project");
    assert_int_equal(eval(p, "ec2:instance", v, "CostCenter", "Test", "Project",
                          "Maintenance", NULL), 0);
    assert_int_equal(eval(p, "ec2:instance", v, "CostCenter", "test", "project",
                          "Maintenance", NULL), 2);
    assert_violation(&v[0], INVALID, "CostCenter", "test");
    assert_violation(&v[1], WRONG_CASE, "Project", "project");
    cs_policy_destroy(p);

    p = parse_ok(aws_example_required);
    assert_int_equal(cs_policy_notice_count(p), 2);
    assert_string_equal(cs_policy_notice(p, 0),
                        "policy: ignoring @@operators_allowed_for_child_policies at tags");
    assert_string_equal(cs_policy_notice(p, 1),
                        "policy: ignoring @@operators_allowed_for_child_policies "
                        "at tags.environment");
    assert_int_equal(eval(p, "dynamodb:table", v, NULL), 1);
    assert_violation(&v[0], MISSING, "Environment", NULL);
    assert_int_equal(eval(p, "s3:bucket", v, "Environment", "anything", NULL), 0);
    /* "*" matches any value but not the blank value of a required tag */
    assert_int_equal(eval(p, "s3:bucket", v, "Environment", " ", NULL), 1);
    assert_violation(&v[0], INVALID, "Environment", " ");
    assert_int_equal(eval(p, "sqs:queue", v, "Environment", "", NULL), 0);
    assert_int_equal(eval(p, "sqs:queue", v, NULL), 0);
    cs_policy_destroy(p);
}

static void aws_forms_of_assign(void **state)
{
    struct cs_violation v[MAXV];
    cs_policy_t *p;
    (void)state;

    /* no tag_key: the entry's name is the key; @@assign strings and
     * one-element arrays; top-level operator notice */
    p = parse_ok("{\"@@operators_allowed_for_child_policies\": [\"@@none\"],"
                 " \"tags\": {\"Team\": {\"tag_value\": {\"@@assign\": \"core\"},"
                 " \"report_required_tag_for\": {\"@@assign\": \"ec2:instance\"}},"
                 " \"owner\": {\"tag_key\": {\"@@assign\": [\"Owner\"]}}}}");
    assert_int_equal(cs_policy_notice_count(p), 1);
    assert_string_equal(cs_policy_notice(p, 0),
                        "policy: ignoring @@operators_allowed_for_child_policies "
                        "at the top level");
    assert_string_equal(cs_policy_rule_key(p, 0), "Team");
    assert_string_equal(cs_policy_rule_key(p, 1), "Owner");
    assert_int_equal(eval(p, "ec2:instance", v, "Owner", "x", NULL), 1);
    assert_violation(&v[0], MISSING, "Team", NULL);
    assert_int_equal(eval(p, "ec2:instance", v, "Team", "core", "OWNER", "x", NULL), 1);
    assert_violation(&v[0], WRONG_CASE, "Owner", "OWNER");
    cs_policy_destroy(p);
}

/* ---------------------------------------------------------- wildcards */

/* Reference matcher: plain recursion, obviously right, exponential. */
static int ref_match(const char *p, const char *t, int fold)
{
    if (*p == '\0')
        return *t == '\0';
    if (*p == '*')
        return ref_match(p + 1, t, fold) || (*t && ref_match(p, t + 1, fold));
    if (*t == '\0')
        return 0;
    if (fold ? cs_ascii_lower((unsigned char)*p) != cs_ascii_lower((unsigned char)*t)
             : *p != *t)
        return 0;
    return ref_match(p + 1, t + 1, fold);
}

static int pat_match(const char *pat, const char *text, int fold)
{
    struct cs_pattern p;
    int m;

    assert_int_equal(cs_pattern_compile(&p, pat, strlen(pat), fold), CS_OK);
    m = cs_pattern_match(&p, text, strlen(text));
    cs_pattern_free(&p);
    return m;
}

static void wildcard_cases(void **state)
{
    (void)state;
    assert_true(pat_match("*", "", 0));
    assert_true(pat_match("*", "anything", 0));
    assert_true(pat_match("**", "", 0));
    assert_true(pat_match("", "", 0));
    assert_false(pat_match("", "a", 0));
    assert_true(pat_match("a*", "a", 0));
    assert_false(pat_match("a*", "ba", 0));
    assert_true(pat_match("*a", "ba", 0));
    assert_false(pat_match("a*a", "a", 0));
    assert_true(pat_match("a*a", "aa", 0));
    assert_true(pat_match("*ab*ab*", "abab", 0));
    assert_false(pat_match("*ab*ab*", "aba", 0));
    assert_true(pat_match("a*b*c", "aXbYbZc", 0));
    assert_false(pat_match("a*b*c", "aXcYb", 0));
    assert_true(pat_match("team-*-prod", "team-a-b-prod", 0));
    /* no other wildcard characters */
    assert_false(pat_match("a?c", "abc", 0));
    assert_true(pat_match("a?c", "a?c", 0));
    assert_false(pat_match("[ab]", "a", 0));
    /* case */
    assert_false(pat_match("Prod*", "production", 0));
    assert_true(pat_match("Prod*", "production", 1));
    assert_true(pat_match("*DEV", "my-dev", 1));
    /* UTF-8 bytes match themselves; no folding beyond ASCII */
    assert_true(pat_match("caf\xc3\xa9*", "caf\xc3\xa9-1", 1));
    assert_false(pat_match("\xc3\x89", "\xc3\xa9", 1));
}

static void wildcard_against_reference(void **state)
{
    const char alpha[] = "abAB*";
    char pat[12], text[16];
    unsigned seed = 12345;
    int i, j, fold;
    (void)state;

    for (i = 0; i < 20000; i++) {
        int pl = (int)(rand_r(&seed) % 10), tl = (int)(rand_r(&seed) % 14);
        for (j = 0; j < pl; j++)
            pat[j] = alpha[rand_r(&seed) % 5];
        pat[pl] = '\0';
        for (j = 0; j < tl; j++)
            text[j] = alpha[rand_r(&seed) % 4];
        text[tl] = '\0';
        fold = i & 1;
        if (pat_match(pat, text, fold) != ref_match(pat, text, fold))
            fail_msg("pattern \"%s\" text \"%s\" fold %d", pat, text, fold);
    }
}

static void wildcard_in_rules(void **state)
{
    cs_policy_t *p = parse_ok(
        "{\"rules\": [{\"key\": \"Env\", \"allowed_values\": [\"prod-*\", \"*-dev\", \"qa\"],"
        " \"case\": \"insensitive\"}, {\"key\": \"App\", \"allowed_values\": [\"svc*x\"]}]}");
    struct cs_violation v[MAXV];
    (void)state;

    assert_int_equal(eval(p, "x:y", v, "env", "PROD-eu", "App", "svcx", NULL), 0);
    assert_int_equal(eval(p, "x:y", v, "Env", "team-DEV", "App", "svc-1-x", NULL), 0);
    assert_int_equal(eval(p, "x:y", v, "Env", "QA", NULL), 0);
    assert_int_equal(eval(p, "x:y", v, "Env", "prod", "App", "SVCx", NULL), 2);
    assert_violation(&v[0], INVALID, "Env", "prod");
    assert_violation(&v[1], INVALID, "App", "SVCx");
    cs_policy_destroy(p);
}

/* ------------------------------------------------------------ case */

static void key_case_handling(void **state)
{
    cs_policy_t *p = parse_ok(
        "{\"rules\": [{\"key\": \"CostCenter\", \"required\": true},"
        " {\"key\": \"Team\", \"required\": true, \"case\": \"insensitive\","
        "  \"allowed_values\": [\"Core\"]}]}");
    struct cs_violation v[MAXV];
    (void)state;

    /* an exact match wins over an earlier case match */
    assert_int_equal(eval(p, "x:y", v, "costcenter", "1", "CostCenter", "2",
                          "Team", "core", NULL), 0);
    /* several case matches: the first in tag order is reported */
    assert_int_equal(eval(p, "x:y", v, "COSTCENTER", "1", "costcenter", "2",
                          "team", "CORE", NULL), 1);
    assert_violation(&v[0], WRONG_CASE, "CostCenter", "COSTCENTER");
    /* wrong_key_case does not check the value; insensitive keys match and
     * their value is checked (found_value = the value as found) */
    assert_int_equal(eval(p, "x:y", v, "costCenter", "", "tEAM", "other", NULL), 2);
    assert_violation(&v[0], WRONG_CASE, "CostCenter", "costCenter");
    assert_violation(&v[1], INVALID, "Team", "other");
    /* prefixes and longer keys are not matches */
    assert_int_equal(eval(p, "x:y", v, "CostCente", "1", "CostCenterX", "1",
                          "Team", "Core", NULL), 1);
    assert_violation(&v[0], MISSING, "CostCenter", NULL);
    /* ASCII-only folding */
    cs_policy_destroy(p);
    p = parse_ok("{\"rules\": [{\"key\": \"\xc3\xa9quipe\", \"required\": true}]}");
    assert_int_equal(eval(p, "x:y", v, "\xc3\x89QUIPE", "a", NULL), 1);
    assert_violation(&v[0], MISSING, "\xc3\xa9quipe", NULL);
    assert_int_equal(eval(p, "x:y", v, "\xc3\xa9QUIPE", "a", NULL), 1);
    assert_violation(&v[0], WRONG_CASE, "\xc3\xa9quipe", "\xc3\xa9QUIPE");
    cs_policy_destroy(p);
}

/* ------------------------------------------------------ empty values */

static void empty_and_whitespace_values(void **state)
{
    cs_policy_t *p = parse_ok(
        "{\"rules\": ["
        " {\"key\": \"A\", \"required\": true},"
        " {\"key\": \"B\", \"required\": true, \"allowed_values\": [\"\", \"x\"]},"
        " {\"key\": \"C\"},"
        " {\"key\": \"D\", \"allowed_values\": [\"prod\"]},"
        " {\"key\": \"E\", \"required\": true, \"allowed_values\": [\"*\"]}]}");
    struct cs_violation v[MAXV];
    (void)state;

    assert_int_equal(eval(p, "x:y", v, "A", "a", "B", "", "C", "", "E", "e", NULL), 0);
    assert_int_equal(eval(p, "x:y", v, "A", "", "B", "x", "E", "e", NULL), 1);
    assert_violation(&v[0], INVALID, "A", "");
    assert_int_equal(eval(p, "x:y", v, "A", " \t\r\n", "B", " ", "C", " ", "E",
                          "e", NULL), 1);
    assert_violation(&v[0], INVALID, "A", " \t\r\n");
    /* other characters are not whitespace for this rule */
    assert_int_equal(eval(p, "x:y", v, "A", "\v", "B", "x", "E", "e", NULL), 0);
    /* an optional key with a blank value is checked against its values */
    assert_int_equal(eval(p, "x:y", v, "A", "a", "B", "x", "D", "", "E", "e", NULL), 1);
    assert_violation(&v[0], INVALID, "D", "");
    /* "*" does not allow the blank value of a required tag */
    assert_int_equal(eval(p, "x:y", v, "A", "a", "B", "x", "E", "  ", NULL), 1);
    assert_violation(&v[0], INVALID, "E", "  ");
    /* B: blank is allowed, other values must be listed */
    assert_int_equal(eval(p, "x:y", v, "A", "a", "B", "y", "E", "e", NULL), 1);
    assert_violation(&v[0], INVALID, "B", "y");
    cs_policy_destroy(p);
}

static void null_tags_and_values(void **state)
{
    cs_policy_t *p = parse_ok("{\"rules\": [{\"key\": \"A\", \"required\": true}]}");
    struct cs_tag tags[2] = {{NULL, "x"}, {"A", NULL}};
    struct cs_resource r = {"arn:aws:s3:::b", "s3:bucket", "us-east-1", "1",
                            tags, 2};
    struct cs_violation v[MAXV];
    (void)state;

    /* a NULL value reads as "": blank and required */
    assert_int_equal(cs_policy_eval(p, &r, v, MAXV), 1);
    assert_violation(&v[0], INVALID, "A", "");
    r.tags = NULL;
    r.type = NULL;
    assert_int_equal(cs_policy_eval(p, &r, v, MAXV), 1);
    assert_violation(&v[0], MISSING, "A", NULL);
    cs_policy_destroy(p);
}

static void eval_cap(void **state)
{
    cs_policy_t *p = parse_ok("{\"rules\": [{\"key\": \"A\", \"required\": true},"
                              " {\"key\": \"B\", \"required\": true},"
                              " {\"key\": \"C\", \"required\": true}]}");
    struct cs_resource r = {"arn", "x:y", "r", "a", NULL, 0};
    struct cs_violation v[2];
    (void)state;

    assert_int_equal(cs_policy_eval(p, &r, v, 1), 3);
    assert_string_equal(v[0].tag_key, "A");
    assert_int_equal(cs_policy_eval(p, &r, NULL, 0), 3);
    cs_policy_destroy(p);
}

/* --------------------------------------------------- resource types */

static void resource_type_matching(void **state)
{
    cs_policy_t *p = parse_ok(
        "{\"rules\": ["
        " {\"key\": \"A\", \"required\": true, \"resource_types\": [\"ec2:instance\"]},"
        " {\"key\": \"B\", \"required\": true, \"resource_types\": [\"rds:*\", \"sns:*\"]},"
        " {\"key\": \"C\", \"required\": true, \"resource_types\": [\"*\"]},"
        " {\"key\": \"D\", \"required\": true, \"resource_types\": []}]}");
    struct cs_violation v[MAXV];
    (void)state;

    assert_int_equal(eval(p, "ec2:instance", v, NULL), 3);
    assert_string_equal(v[0].tag_key, "A");
    assert_int_equal(eval(p, "ec2:instances", v, NULL), 2);
    assert_int_equal(eval(p, "ec2", v, NULL), 2);
    assert_int_equal(eval(p, "rds:db", v, NULL), 3);
    assert_string_equal(v[0].tag_key, "B");
    assert_int_equal(eval(p, "rdsx:db", v, NULL), 2);
    assert_int_equal(eval(p, "rd:db", v, NULL), 2);
    /* a type without ':' (derived for unknown bare ARNs) is its service */
    assert_int_equal(eval(p, "sns", v, NULL), 3);
    assert_int_equal(eval(p, "", v, NULL), 2);
    cs_policy_destroy(p);

    p = parse_ok("{\"tags\": {\"a\": {\"tag_key\": {\"@@assign\": \"A\"},"
                 " \"report_required_tag_for\": {\"@@assign\": [\"ec2:ALL_SUPPORTED\","
                 " \"s3:bucket\", \"lambda:*\"]}}}}");
    assert_int_equal(eval(p, "ec2:vpc", v, NULL), 1);
    assert_int_equal(eval(p, "s3:bucket", v, NULL), 1);
    assert_int_equal(eval(p, "lambda:function", v, NULL), 1);
    assert_int_equal(eval(p, "s3:object", v, NULL), 0);
    assert_int_equal(eval(p, "ec2x:vpc", v, NULL), 0);
    cs_policy_destroy(p);
}

/* --------------------------------------------------------- malformed */

static void malformed_policies(void **state)
{
    static const struct {
        const char *json;
        cs_rc rc;
        const char *msg;
    } cases[] = {
        /* the examples of docs/policy.md */
        {"{\"rules\": [{\"key\": \"a\"}, {\"key\": \"b\"}, {\"key\": \"c\", \"case\": \"lower\"}]}",
         CS_ERR_INVALID,
         "policy: rules[2].case: expected \"exact\" or \"insensitive\", got \"lower\""},
        {"{\"tags\": {\"costcenter\": {\"tag_value\": {\"@@assign\": [\"a\", 1]}}}}",
         CS_ERR_INVALID, "policy: tags.costcenter.tag_value.@@assign[1]: expected a string"},
        {"{\"rules\": [{\"key\": \"a\", \"requird\": true}]}", CS_ERR_INVALID,
         "policy: rules[0]: unknown field \"requird\""},
        {"{\n  \"rules\": [\n    {\"key\": \"a\",}\n  ]\n}", CS_ERR_PARSE,
         "policy: line 3 column 17: JSON syntax error: string or '}' expected near '}'"},
        /* top level */
        {"[]", CS_ERR_INVALID,
         "policy: expected a JSON object with \"rules\" (cellscan form) or \"tags\" "
         "(AWS Organizations form), got an array"},
        {"{}", CS_ERR_INVALID,
         "policy: expected \"rules\" (cellscan form) or \"tags\" (AWS Organizations "
         "form) at the top level"},
        {"{\"rules\": [], \"tags\": {}}", CS_ERR_INVALID,
         "policy: both \"rules\" and \"tags\" given; a policy has one form"},
        {"{\"rules\": [], \"version\": 1}", CS_ERR_INVALID,
         "policy: unknown field \"version\""},
        {"{\"rules\": {}}", CS_ERR_INVALID, "policy: rules: expected an array"},
        {"{\"rules\":[{\"key\":\"a\",\"key\":\"b\"}]}", CS_ERR_PARSE,
         "policy: line 1 column 26: JSON syntax error: duplicate object key near '\"key\"'"},
        {"{\"rules\": [", CS_ERR_PARSE,
         "policy: line 1 column 11: JSON syntax error: ']' expected near end of file"},
        /* cellscan rules */
        {"{\"rules\": [5]}", CS_ERR_INVALID, "policy: rules[0]: expected an object"},
        {"{\"rules\": [{\"required\": true}]}", CS_ERR_INVALID,
         "policy: rules[0]: missing field \"key\""},
        {"{\"rules\": [{\"key\": 7}]}", CS_ERR_INVALID,
         "policy: rules[0].key: expected a string"},
        {"{\"rules\": [{\"key\": \"\"}]}", CS_ERR_INVALID,
         "policy: rules[0].key: expected a tag key of 1 to 128 characters, got 0"},
        {"{\"rules\": [{\"key\": \"a\", \"required\": \"yes\"}]}", CS_ERR_INVALID,
         "policy: rules[0].required: expected true or false"},
        {"{\"rules\": [{\"key\": \"a\", \"case\": 1}]}", CS_ERR_INVALID,
         "policy: rules[0].case: expected \"exact\" or \"insensitive\", got a number"},
        {"{\"rules\": [{\"key\": \"a\", \"allowed_values\": \"x\"}]}", CS_ERR_INVALID,
         "policy: rules[0].allowed_values: expected an array of strings"},
        {"{\"rules\": [{\"key\": \"a\", \"allowed_values\": [\"x\", null]}]}", CS_ERR_INVALID,
         "policy: rules[0].allowed_values[1]: expected a string"},
        {"{\"rules\": [{\"key\": \"a\", \"resource_types\": [\"ec2:instance\", \"ec2\"]}]}",
         CS_ERR_INVALID,
         "policy: rules[0].resource_types[1]: expected \"service:type\", \"service:*\" or \"*\", got \"ec2\""},
        {"{\"rules\": [{\"key\": \"a\", \"resource_types\": [\"ec2:inst*\"]}]}", CS_ERR_INVALID,
         "policy: rules[0].resource_types[0]: expected \"service:type\", \"service:*\" or \"*\", got \"ec2:inst*\""},
        {"{\"rules\": [{\"key\": \"a\", \"resource_types\": [\"rds:ALL_SUPPORTED\"]}]}", CS_ERR_INVALID,
         "policy: rules[0].resource_types[0]: expected \"service:type\", \"service:*\" or \"*\", got \"rds:ALL_SUPPORTED\""},
        {"{\"rules\": [{\"key\": \"a\", \"resource_types\": [\":db\"]}]}", CS_ERR_INVALID,
         "policy: rules[0].resource_types[0]: expected \"service:type\", \"service:*\" or \"*\", got \":db\""},
        /* the first problem in document order */
        {"{\"rules\": [{\"key\": \"a\", \"case\": \"x\", \"requird\": 1}, {\"x\": 1}]}", CS_ERR_INVALID,
         "policy: rules[0].case: expected \"exact\" or \"insensitive\", got \"x\""},
        /* AWS form */
        {"{\"tags\": []}", CS_ERR_INVALID, "policy: tags: expected an object"},
        {"{\"tags\": {\"cc\": \"CostCenter\"}}", CS_ERR_INVALID,
         "policy: tags.cc: expected an object"},
        {"{\"tags\": {\"cc\": {\"tag_kee\": {}}}}", CS_ERR_INVALID,
         "policy: tags.cc: unknown field \"tag_kee\""},
        {"{\"tags\": {\"cc\": {\"tag_key\": \"CostCenter\"}}}", CS_ERR_INVALID,
         "policy: tags.cc.tag_key: expected an object with \"@@assign\""},
        {"{\"tags\": {\"cc\": {\"tag_key\": {}}}}", CS_ERR_INVALID,
         "policy: tags.cc.tag_key: missing \"@@assign\""},
        {"{\"tags\": {\"cc\": {\"tag_key\": {\"@@assign\": [\"A\", \"B\"]}}}}", CS_ERR_INVALID,
         "policy: tags.cc.tag_key.@@assign: expected one string"},
        {"{\"tags\": {\"cc\": {\"tag_key\": {\"@@assign\": \"CostCenter\", \"value\": 1}}}}",
         CS_ERR_INVALID, "policy: tags.cc.tag_key: unknown field \"value\""},
        {"{\"tags\": {\"costcenter\": {\"tag_value\": {\"@@append\": [\"Development\"]}}}}",
         CS_ERR_INVALID,
         "policy: tags.costcenter.tag_value: operator \"@@append\" is not accepted here "
         "(an effective tag policy uses only @@assign)"},
        {"{\"tags\": {\"@@remove\": {}}}", CS_ERR_INVALID,
         "policy: tags: operator \"@@remove\" is not accepted here (an effective tag "
         "policy uses only @@assign)"},
        {"{\"tags\": {\"cc\": {\"tag_value\": {\"@@assign\": 100}}}}", CS_ERR_INVALID,
         "policy: tags.cc.tag_value.@@assign: expected a string or an array of strings"},
        {"{\"tags\": {\"cc\": {\"enforced_for\": {\"@@assign\": [true]}}}}", CS_ERR_INVALID,
         "policy: tags.cc.enforced_for.@@assign[0]: expected a string"},
        {"{\"tags\": {\"cc\": {\"report_required_tag_for\": {\"@@assign\": \"ec2\"}}}}",
         CS_ERR_INVALID,
         "policy: tags.cc.report_required_tag_for.@@assign: expected \"service:type\", "
         "\"service:*\", \"service:ALL_SUPPORTED\" or \"*\", got \"ec2\""},
        {"{\"tags\": {\"\": {}}}", CS_ERR_INVALID,
         "policy: tags[\"\"]: expected a tag key of 1 to 128 characters, got 0"},
        {"{\"tags\": {\"cost center\": {\"tag_key\": {\"@@assign\": \"\"}}}}", CS_ERR_INVALID,
         "policy: tags[\"cost center\"].tag_key.@@assign: expected a tag key of 1 to 128 "
         "characters, got 0"},
        {"{\"tags\": {}, \"Tags\": {}}", CS_ERR_INVALID, "policy: unknown field \"Tags\""},
        /* echoed values are escaped and cut */
        {"{\"rules\": [{\"key\": \"a\", \"case\": \"x\\ny\"}]}", CS_ERR_INVALID,
         "policy: rules[0].case: expected \"exact\" or \"insensitive\", got \"x\\u000ay\""},
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_refused(cases[i].json, cases[i].rc, cases[i].msg);
}

/* Builds {"rules": [ n rules ]} or one rule with n values. */
static char *many(const char *head, const char *item, size_t n,
                  const char *tail)
{
    size_t len = strlen(head) + n * (strlen(item) + 16) + strlen(tail) + 1, i;
    char *s = malloc(len), *o = s;

    o += sprintf(o, "%s", head);
    for (i = 0; i < n; i++)
        o += sprintf(o, i ? ",%s" : "%s", item);
    sprintf(o, "%s", tail);
    return s;
}

static void limits(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    cs_policy_t *p = NULL;
    char key[1024], *s, json[1200];
    int i;
    (void)state;

    s = many("{\"rules\": [", "{\"key\": \"k\"}", 256, "]}");
    p = parse_ok(s);
    assert_int_equal(cs_policy_rule_count(p), 256);
    cs_policy_destroy(p);
    free(s);
    s = many("{\"rules\": [", "{\"key\": \"k\"}", 257, "]}");
    expect_refused(s, CS_ERR_LIMIT, "policy: rules: 257 rules, at most 256");
    free(s);

    s = many("{\"rules\": [{\"key\": \"k\", \"allowed_values\": [", "\"v\"", 1024, "]}]}");
    p = parse_ok(s);
    cs_policy_destroy(p);
    free(s);
    s = many("{\"rules\": [{\"key\": \"k\", \"allowed_values\": [", "\"v\"", 1025, "]}]}");
    expect_refused(s, CS_ERR_LIMIT, "policy: rules[0].allowed_values: 1025 values, at most 1024");
    free(s);

    /* 128 characters (two bytes each) pass, 129 do not */
    for (i = 0; i < 128; i++)
        memcpy(key + 2 * i, "\xc3\xa9", 2);
    key[256] = '\0';
    snprintf(json, sizeof(json), "{\"rules\": [{\"key\": \"%s\"}]}", key);
    p = parse_ok(json);
    cs_policy_destroy(p);
    snprintf(json, sizeof(json), "{\"rules\": [{\"key\": \"%sx\"}]}", key);
    expect_refused(json, CS_ERR_INVALID,
                   "policy: rules[0].key: expected a tag key of 1 to 128 characters, got 129");

    /* 64 KiB of JSON */
    s = malloc(CS_POLICY_MAX_JSON + 2);
    memset(s, ' ', CS_POLICY_MAX_JSON + 1);
    memcpy(s, "{\"rules\": []}", 13);
    assert_int_equal(cs_policy_parse(s, CS_POLICY_MAX_JSON, &p, &err), CS_OK);
    cs_policy_destroy(p);
    assert_int_equal(cs_policy_parse(s, CS_POLICY_MAX_JSON + 1, &p, &err), CS_ERR_LIMIT);
    assert_null(p);
    assert_string_equal(err.msg, "policy: 65537 bytes of JSON, at most 65536");
    free(s);
}

static void tag_entry_limit(void **state)
{
    char *s = malloc(257 * 32 + 64), *o = s;
    int i;
    (void)state;

    o += sprintf(o, "{\"tags\": {");
    for (i = 0; i < 257; i++)
        o += sprintf(o, "%s\"k%d\": {}", i ? "," : "", i);
    sprintf(o, "}}");
    expect_refused(s, CS_ERR_LIMIT, "policy: tags: 257 tag entries, at most 256");
    free(s);
}

/* ------------------------------------------------------ resource types */

static void arn_to_type(void **state)
{
    static const struct {
        const char *arn, *type;
    } cases[] = {
        {"arn:aws:dynamodb:us-east-1:111111111111:table/orders", "dynamodb:table"},
        {"arn:aws:rds:us-east-1:111111111111:db:mydb", "rds:db"},
        {"arn:aws:rds:us-east-1:111111111111:cluster:c1", "rds:cluster"},
        {"arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc", "ec2:instance"},
        {"arn:aws:ec2:eu-west-1:111111111111:volume/vol-1", "ec2:volume"},
        {"arn:aws:s3:::my-bucket", "s3:bucket"},
        {"arn:aws:sns:us-east-1:111111111111:alerts", "sns:topic"},
        {"arn:aws:sqs:us-east-1:111111111111:jobs", "sqs:queue"},
        {"arn:aws:lambda:us-east-1:111111111111:function:f", "lambda:function"},
        {"arn:aws:ecs:us-east-1:111111111111:service/c/s", "ecs:service"},
        {"arn:aws:eks:us-east-1:111111111111:cluster/prod", "eks:cluster"},
        {"arn:aws:iam::111111111111:role/x", "iam:role"},
        {"arn:aws-cn:kinesis:cn-north-1:111111111111:stream/s", "kinesis:stream"},
        {"arn:aws:codecommit:us-east-1:111111111111:repo1", "codecommit"},
        {"arn:aws:apigateway:us-east-1::/restapis/a1", "apigateway:"},
    };
    char out[CS_RESTYPE_MAX], small[8];
    struct cs_err err = CS_ERR_INIT;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(cs_restype_from_arn(cases[i].arn, out, sizeof(out), &err), CS_OK);
        assert_string_equal(out, cases[i].type);
    }
    assert_int_equal(cs_restype_from_arn("arn:aws:s3", out, sizeof(out), &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "arn \"arn:aws:s3\": expected "
                                 "arn:partition:service:region:account:resource");
    assert_int_equal(cs_restype_from_arn("urn:aws:s3:::b", out, sizeof(out), NULL), CS_ERR_INVALID);
    assert_int_equal(cs_restype_from_arn("arn::s3:::b", out, sizeof(out), NULL), CS_ERR_INVALID);
    assert_int_equal(cs_restype_from_arn("arn:aws::r:a:x/y", out, sizeof(out), NULL), CS_ERR_INVALID);
    assert_int_equal(cs_restype_from_arn("arn:aws:s3:::", out, sizeof(out), NULL), CS_ERR_INVALID);
    assert_int_equal(cs_restype_from_arn("", out, sizeof(out), NULL), CS_ERR_INVALID);
    assert_int_equal(cs_restype_from_arn(NULL, out, sizeof(out), NULL), CS_ERR_INVALID);
    assert_int_equal(cs_restype_from_arn("arn:aws:dynamodb:r:a:table/t", small, sizeof(small), &err),
                     CS_ERR_LIMIT);
}

static void category_tables(void **state)
{
    const char *const *t;
    const char *scan[] = {"ec2", "tagging", "rds"};
    (void)state;

    t = cs_category_types("ec2");
    assert_string_equal(t[0], "ec2:instance");
    assert_string_equal(t[1], "ec2:volume");
    assert_null(t[2]);
    assert_string_equal(cs_category_types("ecs")[1], "ecs:service");
    assert_null(cs_category_types("tagging")[0]);
    assert_null(cs_category_types("iam"));
    assert_null(cs_category_types(NULL));
    assert_string_equal(cs_restype_category("rds:db"), "rds");
    assert_string_equal(cs_restype_category("s3:bucket"), "s3");
    assert_null(cs_restype_category("rds:cluster"));
    assert_null(cs_restype_category("dynamodb:table"));
    assert_true(cs_restype_covered("ec2:volume", scan, 3));
    assert_true(cs_restype_covered("rds:db", scan, 3));
    assert_false(cs_restype_covered("s3:bucket", scan, 3));
    assert_false(cs_restype_covered("ec2:vpc", scan, 3));
    assert_false(cs_restype_covered("ec2:instance", scan, 0));
}

/* --------------------------------------------------------- threads */

struct thread_job {
    const cs_policy_t *p;
    size_t total;
};

static void *eval_many(void *arg)
{
    struct thread_job *j = arg;
    struct cs_tag tags[] = {{"costcenter", "100"}, {"Owner", ""},
                            {"Environment", "QA"}};
    struct cs_resource r = {"arn", "ec2:instance", "r", "a", tags, 3};
    struct cs_violation v[MAXV];
    int i;

    for (i = 0; i < 20000; i++)
        j->total += cs_policy_eval(j->p, &r, v, MAXV);
    return NULL;
}

static void concurrent_evaluation(void **state)
{
    cs_policy_t *p = parse_ok(doc_cellscan);
    struct thread_job jobs[4];
    pthread_t th[4];
    int i;
    (void)state;

    for (i = 0; i < 4; i++) {
        jobs[i].p = p;
        jobs[i].total = 0;
        assert_int_equal(pthread_create(&th[i], NULL, eval_many, &jobs[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        /* wrong_key_case, invalid Owner (blank, required), invalid Env */
        assert_int_equal(jobs[i].total, 3 * 20000);
    }
    cs_policy_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cellscan_doc_example),
        cmocka_unit_test(empty_policies),
        cmocka_unit_test(aws_doc_example),
        cmocka_unit_test(aws_real_documents),
        cmocka_unit_test(aws_forms_of_assign),
        cmocka_unit_test(wildcard_cases),
        cmocka_unit_test(wildcard_against_reference),
        cmocka_unit_test(wildcard_in_rules),
        cmocka_unit_test(key_case_handling),
        cmocka_unit_test(empty_and_whitespace_values),
        cmocka_unit_test(null_tags_and_values),
        cmocka_unit_test(eval_cap),
        cmocka_unit_test(resource_type_matching),
        cmocka_unit_test(malformed_policies),
        cmocka_unit_test(limits),
        cmocka_unit_test(tag_entry_limit),
        cmocka_unit_test(arn_to_type),
        cmocka_unit_test(category_tables),
        cmocka_unit_test(concurrent_evaluation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
