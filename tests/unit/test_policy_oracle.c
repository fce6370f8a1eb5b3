/* policy vs the oracle: lib/policy and the simulator's oracle
 * (tests/awssim/tagpolicy.py, written independently from docs/policy.md)
 * must agree on every generated case: whether a policy is accepted, and
 * each resource's violations (key, kind, found value, in rule order).
 * Random policies in both forms with a fixed seed, a share of them
 * malformed, evaluated over random resources; the oracle runs once, under
 * /usr/bin/python3, over all cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "proc.h"

#define CASES 2500
#define RESOURCES 8

static const char *const keys[] = {"CostCenter", "Owner", "Env", "env", "Team", "Project"};
static const char *const tag_keys[] = {"CostCenter", "costcenter", "COSTCENTER", "Owner",
                                       "owner", "Env", "ENV", "env", "Team", "Other"};
static const char *const values[] = {"", " ", "\t\n", "prod", "PROD", "dev1", "y-x",
                                     "ab", "aXb", "100", "Prod"};
static const char *const patterns[] = {"", "prod", "Prod", "dev*", "*-x", "*", "a*b",
                                       " ", "100", "**"};
static const char *const rtypes[] = {"ec2:instance", "ec2:volume", "rds:db", "s3:bucket",
                                     "sns", "lambda:function"};
static const char *const type_entries[] = {"ec2:instance", "ec2:*", "rds:db", "s3:bucket",
                                           "*", "sns:*", "lambda:function"};
static const char *const aws_required[] = {"ec2:ALL_SUPPORTED", "rds:db", "s3:*",
                                           "lambda:function", "sns:*"};
static const char *const names[] = {"costcenter", "owner", "env", "team"};
/* documents both sides must refuse */
static const char *const broken[] = {
    "{\"rules\": [{\"key\": \"a\", \"case\": \"lower\"}]}",
    "{\"rules\": [{\"key\": \"a\", \"requird\": true}]}",
    "{\"rules\": [{\"key\": \"a\", \"allowed_values\": [1]}]}",
    "{\"rules\": [{\"key\": \"a\", \"resource_types\": [\"ec2\"]}]}",
    "{\"rules\": [{\"required\": true}]}",
    "{\"rules\": [{\"key\": \"\"}]}",
    "{\"tags\": {\"a\": {\"tag_value\": {\"@@append\": [\"x\"]}}}}",
    "{\"tags\": {\"a\": {\"tag_key\": {}}}}",
    "{\"tags\": {\"a\": {\"tag_vale\": {\"@@assign\": \"x\"}}}}",
    "{\"tags\": []}",
    "{\"policy\": {}}",
    "[]",
    "{\"rules\": [",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static unsigned rnd(unsigned *seed, size_t n)
{
    return (unsigned)((size_t)rand_r(seed) % n);
}

static json_t *pick_strings(unsigned *seed, const char *const *from, size_t n,
                            size_t most)
{
    json_t *a = json_array();
    size_t k = rnd(seed, most + 1), i;

    for (i = 0; i < k; i++)
        json_array_append_new(a, json_string(from[rnd(seed, n)]));
    return a;
}

static json_t *cellscan_policy(unsigned *seed)
{
    json_t *rules = json_array();
    size_t n = rnd(seed, 6), i;

    for (i = 0; i < n; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "key", json_string(keys[rnd(seed, N(keys))]));
        if (rnd(seed, 3))
            json_object_set_new(r, "required", json_boolean(rnd(seed, 2)));
        if (rnd(seed, 2))
            json_object_set_new(r, "allowed_values", pick_strings(seed, patterns, N(patterns), 4));
        if (rnd(seed, 2))
            json_object_set_new(r, "case", json_string(rnd(seed, 2) ? "exact" : "insensitive"));
        if (rnd(seed, 2))
            json_object_set_new(r, "resource_types",
                                pick_strings(seed, type_entries, N(type_entries), 3));
        json_array_append_new(rules, r);
    }
    return json_pack("{s:o}", "rules", rules);
}

/* {"@@assign": v}, sometimes with the child-policy operator as well */
static json_t *assign(unsigned *seed, json_t *v)
{
    json_t *o = json_object();

    json_object_set_new(o, "@@assign", v);
    if (rnd(seed, 5) == 0)
        json_object_set_new(o, "@@operators_allowed_for_child_policies",
                            json_pack("[s]", "@@none"));
    return o;
}

static json_t *string_or_list(unsigned *seed, const char *const *from, size_t n)
{
    if (rnd(seed, 3) == 0)
        return json_string(from[rnd(seed, n)]);
    return pick_strings(seed, from, n, 3);
}

static json_t *aws_policy(unsigned *seed)
{
    json_t *tags = json_object();
    size_t i;

    for (i = 0; i < N(names); i++) {
        json_t *e;
        if (rnd(seed, 2))
            continue;
        e = json_object();
        if (rnd(seed, 4))
            json_object_set_new(e, "tag_key", assign(seed, json_string(keys[rnd(seed, N(keys))])));
        if (rnd(seed, 2))
            json_object_set_new(e, "tag_value", assign(seed, string_or_list(seed, patterns, N(patterns))));
        if (rnd(seed, 2))
            json_object_set_new(e, "report_required_tag_for",
                                assign(seed, string_or_list(seed, aws_required, N(aws_required))));
        if (rnd(seed, 3) == 0)
            json_object_set_new(e, "enforced_for", assign(seed, json_pack("[s]", "ec2:instance")));
        if (rnd(seed, 6) == 0)
            json_object_set_new(e, "@@operators_allowed_for_child_policies",
                                json_pack("[s]", "@@none"));
        json_object_set_new(tags, names[i], e);
    }
    return json_pack("{s:o}", "tags", tags);
}

static json_t *resources(unsigned *seed)
{
    json_t *list = json_array();
    size_t i, k;

    for (i = 0; i < RESOURCES; i++) {
        json_t *tags = json_array();
        size_t nt = rnd(seed, 6);
        for (k = 0; k < nt; k++)
            json_array_append_new(tags, json_pack("[ss]", tag_keys[rnd(seed, N(tag_keys))],
                                                  values[rnd(seed, N(values))]));
        json_array_append_new(list, json_pack("{s:s,s:o}", "type",
                                              rtypes[rnd(seed, N(rtypes))], "tags", tags));
    }
    return list;
}

static char *policy_text(unsigned *seed, int i)
{
    json_t *p;
    char *text;

    if (i % 10 == 9)
        return strdup(broken[rnd(seed, N(broken))]);
    p = i % 2 ? aws_policy(seed) : cellscan_policy(seed);
    text = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(p);
    return text;
}

static const char oracle_script[] =
    "import json, sys\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "import tagpolicy\n"
    "with open(sys.argv[2]) as f, open(sys.argv[3], 'w') as out:\n"
    "    for line in f:\n"
    "        case = json.loads(line)\n"
    "        try:\n"
    "            p = tagpolicy.parse(case['policy'])\n"
    "        except tagpolicy.PolicyError as e:\n"
    "            out.write(json.dumps({'error': str(e)}) + '\\n')\n"
    "            continue\n"
    "        res = [[list(v) for v in tagpolicy.evaluate(p, r['type'], [tuple(t) for t in r['tags']])]\n"
    "               for r in case['resources']]\n"
    "        out.write(json.dumps({'violations': res}) + '\\n')\n";

static const char *kind_word(enum cs_violation_kind k)
{
    switch (k) {
    case CS_VIOLATION_MISSING_REQUIRED_TAG:
        return "missing_required_tag";
    case CS_VIOLATION_INVALID_VALUE:
        return "invalid_value";
    default:
        return "wrong_key_case";
    }
}

/* What the comparison covered, so a generator gone dull fails the test. */
static size_t n_accepted, n_refused, n_violations;

/* Compares lib/policy's evaluation of one case with the oracle's line. */
static void compare_case(int i, const json_t *c, const json_t *want)
{
    const char *text = json_string_value(json_object_get(c, "policy"));
    const json_t *res = json_object_get(c, "resources"), *r;
    struct cs_err err = CS_ERR_INIT;
    cs_policy_t *p = NULL;
    cs_rc rc = cs_policy_parse(text, strlen(text), &p, &err);
    size_t ri, k;

    if ((rc == CS_OK) != (json_object_get(want, "violations") != NULL))
        fail_msg("case %d %s\n lib/policy: %s\n oracle: %s", i, text,
                 rc == CS_OK ? "accepted" : err.msg,
                 json_string_value(json_object_get(want, "error")));
    if (rc != CS_OK) {
        n_refused++;
        return;
    }
    n_accepted++;
    json_array_foreach(res, ri, r) {
        struct cs_tag tags[8];
        struct cs_violation v[CS_POLICY_MAX_RULES];
        struct cs_resource x = {"arn", json_string_value(json_object_get(r, "type")),
                                "r", "a", tags, 0};
        const json_t *exp = json_array_get(json_object_get(want, "violations"), ri), *t;
        size_t n, ti;

        json_array_foreach(json_object_get(r, "tags"), ti, t) {
            tags[ti].key = json_string_value(json_array_get(t, 0));
            tags[ti].value = json_string_value(json_array_get(t, 1));
            x.ntags++;
        }
        n = cs_policy_eval(p, &x, v, CS_POLICY_MAX_RULES);
        n_violations += n;
        if (n != json_array_size(exp))
            fail_msg("case %d resource %zu: %zu violations, oracle %zu\n%s", i, ri, n,
                     json_array_size(exp), text);
        for (k = 0; k < n; k++) {
            const json_t *e = json_array_get(exp, k);
            const char *found = json_string_value(json_array_get(e, 2));
            if (strcmp(v[k].tag_key, json_string_value(json_array_get(e, 0))) != 0 ||
                strcmp(kind_word(v[k].kind), json_string_value(json_array_get(e, 1))) != 0 ||
                (found == NULL) != (v[k].found_value == NULL) ||
                (found && strcmp(found, v[k].found_value) != 0))
                fail_msg("case %d resource %zu violation %zu: %s %s %s, oracle %s\n%s", i, ri, k,
                         v[k].tag_key, kind_word(v[k].kind),
                         v[k].found_value ? v[k].found_value : "-", json_dumps(e, 0), text);
        }
    }
    cs_policy_destroy(p);
}

static void agrees_with_oracle(void **state)
{
    char dir[512], cases_path[600], out_path[600], script_path[600], awssim[600];
    char *argv[6];
    struct cs_proc proc;
    json_t **cases = calloc(CASES, sizeof(*cases));
    json_error_t jerr;
    unsigned seed = 20261125;
    FILE *f;
    int i, status;
    (void)state;

    assert_non_null(cases);
    assert_int_equal(cs_tmpdir_make("policy-oracle", dir, sizeof(dir)), 0);
    snprintf(cases_path, sizeof(cases_path), "%s/cases.jsonl", dir);
    snprintf(out_path, sizeof(out_path), "%s/oracle.jsonl", dir);
    snprintf(script_path, sizeof(script_path), "%s/run_oracle.py", dir);
    snprintf(awssim, sizeof(awssim), "%s/tests/awssim", cs_test_source_dir());

    f = fopen(script_path, "w");
    assert_non_null(f);
    fputs(oracle_script, f);
    fclose(f);
    f = fopen(cases_path, "w");
    assert_non_null(f);
    for (i = 0; i < CASES; i++) {
        char *text = policy_text(&seed, i), *line;
        assert_non_null(text);
        cases[i] = json_pack("{s:s,s:o}", "policy", text, "resources", resources(&seed));
        free(text);
        line = json_dumps(cases[i], JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(f, "%s\n", line);
        free(line);
    }
    fclose(f);

    argv[0] = "/usr/bin/python3";
    argv[1] = script_path;
    argv[2] = awssim;
    argv[3] = cases_path;
    argv[4] = out_path;
    argv[5] = NULL;
    assert_int_equal(cs_proc_start(&proc, "policy-oracle", argv, NULL, 0, dir), 0);
    status = cs_proc_wait_exit(&proc, 120000);
    if (status != 0)
        fail_msg("oracle exited with %d (log in %s)", status, proc.log_path);

    f = fopen(out_path, "r");
    assert_non_null(f);
    for (i = 0; i < CASES; i++) {
        char line[1 << 16];
        json_t *want;
        assert_non_null(fgets(line, sizeof(line), f));
        want = json_loads(line, 0, &jerr);
        assert_non_null(want);
        compare_case(i, cases[i], want);
        json_decref(want);
        json_decref(cases[i]);
    }
    fclose(f);
    free(cases);
    cs_tmpdir_remove(dir);
    print_message("%zu policies accepted, %zu refused, %zu violations compared\n",
                  n_accepted, n_refused, n_violations);
    assert_true(n_accepted > CASES / 2);
    assert_true(n_refused >= CASES / 20);
    assert_true(n_violations > 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(agrees_with_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
