/* extract: every category against the simulator (fixtures/extract.yaml:
 * several regions, an opt-in region on in one account and off in the
 * others, pages of 2..4 items) and the demo organization, compared with
 * the oracle exactly; then one fault at a time: a throttled account's ec2
 * slows that cell only, AccessDenied on rds fails only the rds cell, a
 * denied AssumeRole fails every cell of the account with one AssumeRole,
 * the cell time limit keeps what was evaluated, malformed answers fail
 * their region cleanly, an expired session is renewed. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "org/org.h"
#include "test_extract_support.h"
#include "util/clock.h"

static struct aws_env env;
static char *policy_text;

static const char *const all_regions[] = {"us-east-1", "eu-west-1", "af-south-1", "ap-east-1",
                                          "us-west-2"};
#define NREGIONS 5

static int setup(void **state)
{
    static struct ex_client t;

    ex_env_vars(&env, SCANNER_KEY, SCANNER_SECRET, EXTERNAL_ID);
    aws_admin(&env, "DELETE", "/_awssim/faults", NULL);
    aws_admin(&env, "POST", "/_awssim/reset", NULL);
    assert_int_equal(ex_client_open(&t), 0);
    *state = &t;
    return 0;
}

static int teardown(void **state)
{
    struct ex_client *t = *state;

    aws_admin(&env, "DELETE", "/_awssim/faults", NULL);
    ex_client_close(t);
    return 0;
}

static void add_fault(const char *json)
{
    json_t *j = aws_admin_json(&env, "POST", "/_awssim/faults", json);

    assert_non_null(json_object_get(j, "ids"));
    json_decref(j);
}

/* ------------------------------------------------ agreement with the oracle */

/* Strings of a JSON array as a NULL-free C array (borrowed from j). */
static size_t strings(const json_t *a, const char **out, size_t cap)
{
    size_t i, n = 0;

    for (i = 0; i < json_array_size(a) && n < cap; i++)
        out[n++] = json_string_value(json_array_get(a, i));
    return n;
}

/* Runs every cell of the scope's accounts (accounts may come from org
 * discovery: then skipped too), folds them and compares with the oracle
 * on source. */
static void run_scope(cs_aws_client_t *cl, const char *source, const char *scope_path,
                      char **accounts, size_t naccounts,
                      Cellscan__V1__SkippedAccount **skipped, size_t nskipped)
{
    json_t *scope = json_load_file(scope_path, 0, NULL), *expected, *actual;
    const char *cats[EX_NCATEGORIES], *regions[16];
    const char *acct_from_scope[64];
    Cellscan__V1__CellResult *results[EX_MAX_CELLS];
    size_t ncats, nregions, n = 0;
    int shown = 0, bad;

    assert_non_null(scope);
    ncats = strings(json_object_get(scope, "categories"), cats, EX_NCATEGORIES);
    nregions = strings(json_object_get(scope, "regions"), regions, 16);
    if (accounts == NULL) {
        naccounts = strings(json_object_get(scope, "accounts"), acct_from_scope, 64);
        accounts = (char **)acct_from_scope;
    }
    for (size_t a = 0; a < naccounts; a++)
        for (size_t c = 0; c < ncats; c++) {
            results[n] = ex_cell(cl, accounts[a], cats[c], regions, nregions, cats, ncats,
                                 policy_text, 120, NULL);
            assert_non_null(results[n]);
            n++;
        }
    actual = ex_fold(results, n, accounts, naccounts, cats, ncats, skipped, nskipped,
                     json_string_value(json_object_get(scope, "client_id")));
    expected = ex_oracle(source, EX_POLICY, scope_path);
    assert_non_null(actual);
    assert_non_null(expected);
    bad = ex_match(expected, actual, "report", &shown);
    if (bad)
        fail_msg("%d differences from the oracle on %s", bad, scope_path);
    /* the data is not trivial: the comparison covered real numbers */
    assert_true(json_integer_value(json_object_get(json_object_get(actual, "overall"), "total")) > 0);
    for (size_t i = 0; i < n; i++)
        cs_cell_result_free(results[i]);
    json_decref(expected);
    json_decref(actual);
    json_decref(scope);
}

static void fixture_agrees_with_oracle(void **state)
{
    struct ex_client *t = *state;
    static const char *const trusting[] = {"333333333333", "444444444444", "777777777777",
                                           "888888888888", "666666666666"};

    run_scope(t->cl, "--fixture " EX_FIXTURE, EX_SCOPE, NULL, 0, NULL, 0);
    /* one AssumeRole per account across its seven cells (a denial is
     * remembered too) */
    for (size_t i = 0; i < sizeof(trusting) / sizeof(trusting[0]); i++)
        assert_int_equal(aws_sim_assumes(&env, trusting[i]), 1);
    /* every page was followed: more DescribeInstances than regions walked */
    assert_true(aws_sim_count(&env, "333333333333", "ec2", "DescribeInstances", NULL) > 4);
    /* af-south-1 is off in 444444444444: learned, never called there */
    json_t *log = aws_admin_json(&env, "GET",
                           "/_awssim/log?account_id=444444444444&limit=100000", NULL);
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(log, "entries"), i, e) {
        const char *region = json_string_value(json_object_get(e, "region"));
        const char *op = json_string_value(json_object_get(e, "operation"));
        if (region && (strcmp(region, "af-south-1") == 0 || strcmp(region, "ap-east-1") == 0))
            fail_msg("%s called in %s, a region not enabled", op, region);
    }
    json_decref(log);
}

static void tagging_skips_only_the_scan_categories(void **state)
{
    struct ex_client *t = *state;
    char path[600];
    FILE *f;

    snprintf(path, sizeof(path), "%s/scope-tagging.json", env.tmp);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"client_id\": \"extract-test\", \"accounts\": [\"333333333333\", \"444444444444\"],"
          " \"categories\": [\"tagging\", \"ec2\"],"
          " \"regions\": [\"us-east-1\", \"af-south-1\", \"eu-west-1\"],"
          " \"external_id\": \"ext-cellscan-42\"}", f);
    fclose(f);
    run_scope(t->cl, "--fixture " EX_FIXTURE, path, NULL, 0, NULL, 0);
}

/* An organization end to end against the oracle's report of the same
 * scope: discovery (suspended accounts, untrusting roles...), then every
 * cell of every account discovered. */
static void org_agrees_with_oracle(const char *const sim_args[], const char *oracle_source,
                                   const char *scope_path, const char *org_role)
{
    struct aws_env sim;
    struct cs_org_result *org = NULL;
    struct cs_org_opts oo = {.org_role_arn = org_role};
    struct cs_aws_error aerr;
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__SkippedAccount skipped[32], *skp[32];
    char *accounts[32];
    struct ex_client c;

    assert_int_equal(ex_start_args(&sim, sim_args), 0);
    ex_env_vars(&sim, EX_DEMO_KEY, EX_DEMO_SECRET, EX_DEMO_EXTERNAL_ID);
    assert_int_equal(ex_client_open(&c), 0);
    assert_int_equal(cs_org_discover(c.cl, &oo, &org, &aerr, &err), CS_OK);
    assert_true(org->naccounts > 0 && org->naccounts <= 32 && org->nskipped <= 32);
    for (size_t i = 0; i < org->naccounts; i++)
        accounts[i] = org->accounts[i].id;
    for (size_t i = 0; i < org->nskipped; i++) {
        cellscan__v1__skipped_account__init(&skipped[i]);
        skipped[i].account_id = org->skipped[i].id;
        skipped[i].reason = org->skipped[i].reason;
        skp[i] = &skipped[i];
    }
    run_scope(c.cl, oracle_source, scope_path, accounts, org->naccounts, skp, org->nskipped);
    /* one AssumeRole per account; the management account also had the
     * org-discovery role's */
    for (size_t i = 0; i < org->naccounts; i++)
        assert_int_equal(aws_sim_assumes(&sim, accounts[i]),
                         1 + (strstr(org_role, accounts[i]) != NULL));
    cs_org_result_free(org);
    ex_client_close(&c);
    ex_stop(&sim);
    ex_env_vars(&env, SCANNER_KEY, SCANNER_SECRET, EXTERNAL_ID);
}

/* The demo: a suspended account, an untrusting role, throttled EC2, a
 * role denied lambda:*, an opt-in region on in one account. */
static void demo_org_agrees_with_oracle(void **state)
{
    static const char *const args[] = {"--demo", NULL};

    (void)state;
    org_agrees_with_oracle(args, "--demo", EX_DEMO_SCOPE,
                           "arn:aws:iam::111111111111:role/CellScanOrgDiscovery");
}

/* A synthetic organization: pages of 7, suspended and untrusting
 * accounts, an opt-in region off everywhere. */
static void synthetic_org_agrees_with_oracle(void **state)
{
#define SYNTH "accounts=12,resources=150,seed=3,compliance=0.6,page=7,suspended=0.2,denied=0.2"
    static const char *const args[] = {"--synthetic", SYNTH, NULL};
    char path[600], mgmt[13];
    FILE *f;

    (void)state;
    snprintf(mgmt, sizeof(mgmt), "%lld", 100000000000LL + 3 * 1000000LL);
    snprintf(path, sizeof(path), "%s/scope-synthetic.json", env.tmp);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"client_id\": \"synth\", \"organization\": {\"org_role_arn\": "
               "\"arn:aws:iam::%s:role/CellScanOrgDiscovery\"}, \"categories\": "
               "[\"ec2\", \"s3\", \"rds\", \"lambda\", \"ecs\", \"eks\", \"tagging\"], "
               "\"regions\": [\"us-east-1\", \"eu-west-1\", \"af-south-1\"], "
               "\"external_id\": \"cellscan-demo\"}", mgmt);
    fclose(f);
    char role[128];
    snprintf(role, sizeof(role), "arn:aws:iam::%s:role/CellScanOrgDiscovery", mgmt);
    org_agrees_with_oracle(args, "--synthetic " SYNTH, path, role);
#undef SYNTH
}

/* ------------------------------------------------------------------ faults */

struct job {
    cs_aws_t *aws;
    const char *account, *category;
    const char *const *regions;
    size_t nregions;
    Cellscan__V1__CellResult *res;
};

static void *run_job(void *arg)
{
    struct job *j = arg;
    struct cs_err err = CS_ERR_INIT;
    cs_aws_client_t *cl = cs_aws_client_new(j->aws, &err);

    if (cl) {
        j->res = ex_cell(cl, j->account, j->category, j->regions, j->nregions, ex_categories,
                         EX_NCATEGORIES, policy_text, 120, NULL);
        cs_aws_client_destroy(cl);
    }
    return NULL;
}

/* Runs n jobs at once, each on its own thread and client. */
static void run_parallel(struct job *jobs, size_t n)
{
    pthread_t th[8];

    for (size_t i = 0; i < n; i++)
        assert_int_equal(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
    for (size_t i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    for (size_t i = 0; i < n; i++)
        assert_non_null(jobs[i].res);
}

static void same_numbers(const Cellscan__V1__CellResult *a, const Cellscan__V1__CellResult *b)
{
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->record_count, b->record_count);
    assert_int_equal(a->compliant, b->compliant);
    assert_int_equal(a->violation_count, b->violation_count);
    assert_int_equal(a->n_regions, b->n_regions);
    for (size_t i = 0; i < a->n_regions; i++) {
        assert_string_equal(a->regions[i]->region, b->regions[i]->region);
        assert_int_equal(a->regions[i]->status, b->regions[i]->status);
        assert_int_equal(a->regions[i]->record_count, b->regions[i]->record_count);
    }
}

static void free_jobs(struct job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cs_cell_result_free(jobs[i].res);
        jobs[i].res = NULL;
    }
}

/* Runs the three jobs without, then with, a throttle on 444444444444's
 * EC2, and checks the throttled cell against its unthrottled run. */
static void throttle_round(struct ex_client *t, const char *const *regions, size_t nregions,
                           struct job *base, struct job *slow)
{
    const char *const who[3][2] = {{"444444444444", "ec2"}, {"333333333333", "ec2"},
                                   {"444444444444", "rds"}};

    for (int i = 0; i < 3; i++) {
        base[i] = (struct job){t->aws, who[i][0], who[i][1], regions, nregions, NULL};
        slow[i] = base[i];
    }
    aws_admin(&env, "DELETE", "/_awssim/faults", NULL);
    run_parallel(base, 3);
    assert_int_equal(base[0].res->throttle_events, 0);
    add_fault("{\"kind\":\"throttle\",\"account\":\"444444444444\",\"service\":\"ec2\","
              "\"burst\":1,\"refill_per_s\":1}");
    run_parallel(slow, 3);
    /* the throttled cell: slower, its retries and throttles counted, the
     * same resources in the end */
    same_numbers(slow[0].res, base[0].res);
    assert_true(slow[0].res->throttle_events > 0);
    assert_true(slow[0].res->retry_count > 0);
    assert_true(slow[0].res->wall_time_ms > base[0].res->wall_time_ms + 1000);
    for (int i = 1; i < 3; i++)
        same_numbers(slow[i].res, base[i].res);
    print_message("throttled ec2: %llu ms, %llu throttles, %llu retries (unthrottled %llu ms); "
                  "333333333333 ec2 %llu ms, 444444444444 rds %llu ms (%llu throttles)\n",
                  (unsigned long long)slow[0].res->wall_time_ms,
                  (unsigned long long)slow[0].res->throttle_events,
                  (unsigned long long)slow[0].res->retry_count,
                  (unsigned long long)base[0].res->wall_time_ms,
                  (unsigned long long)slow[1].res->wall_time_ms,
                  (unsigned long long)slow[2].res->wall_time_ms,
                  (unsigned long long)slow[2].res->throttle_events);
}

static void unaffected(const struct job *slow, const struct job *base, int i)
{
    assert_int_equal(slow[i].res->throttle_events, 0);
    assert_int_equal(slow[i].res->retry_count, 0);
    if (slow[i].res->wall_time_ms > base[i].res->wall_time_ms + 3000 ||
        slow[i].res->wall_time_ms * 2 > slow[0].res->wall_time_ms)
        fail_msg("cell %s took %llu ms (was %llu ms; the throttled one %llu ms)",
                 slow[i].res->cell_id, (unsigned long long)slow[i].res->wall_time_ms,
                 (unsigned long long)base[i].res->wall_time_ms,
                 (unsigned long long)slow[0].res->wall_time_ms);
}

static void throttled_ec2_slows_only_that_cell(void **state)
{
    static const char *const defaults[] = {"us-east-1", "eu-west-1", "us-west-2"};
    struct ex_client *t = *state;
    struct job base[3], slow[3];

    /* regions that are always enabled: no cell but the ec2 one calls EC2 */
    throttle_round(t, defaults, 3, base, slow);
    unaffected(slow, base, 1);
    unaffected(slow, base, 2);
    free_jobs(base, 3);
    free_jobs(slow, 3);
    /* with opt-in regions each cell asks EC2 DescribeRegions once, which
     * counts against the account's EC2 rate as it does on AWS: the rds
     * cell of the throttled account pays that one call's SDK retries,
     * never the ec2 cell's resumptions; other accounts pay nothing */
    throttle_round(t, all_regions, NREGIONS, base, slow);
    unaffected(slow, base, 1);
    assert_true(slow[2].res->throttle_events <= 3); /* AWS_MAX_ATTEMPTS */
    free_jobs(base, 3);
    free_jobs(slow, 3);
    /* two cells of 444444444444 ran at once, four times: one AssumeRole */
    assert_int_equal(aws_sim_assumes(&env, "444444444444"), 1);
    assert_int_equal(aws_sim_assumes(&env, "333333333333"), 1);
}

static Cellscan__V1__CellResult *cell(struct ex_client *t, const char *account, const char *category)
{
    Cellscan__V1__CellResult *r = ex_cell(t->cl, account, category, all_regions, NREGIONS,
                                          ex_categories, EX_NCATEGORIES, policy_text, 120, NULL);

    assert_non_null(r);
    return r;
}

static void rds_denied_fails_only_rds(void **state)
{
    struct ex_client *t = *state;
    Cellscan__V1__CellResult *before[EX_NCATEGORIES], *after[EX_NCATEGORIES];

    for (int c = 0; c < EX_NCATEGORIES; c++)
        before[c] = cell(t, "444444444444", ex_categories[c]);
    add_fault("{\"kind\":\"access_denied\",\"account\":\"444444444444\",\"service\":\"rds\"}");
    for (int c = 0; c < EX_NCATEGORIES; c++) {
        after[c] = cell(t, "444444444444", ex_categories[c]);
        if (strcmp(ex_categories[c], "rds") != 0) {
            same_numbers(after[c], before[c]);
            continue;
        }
        assert_int_equal(after[c]->status, CELLSCAN__V1__CELL_STATUS__CELL_FAILED);
        assert_int_equal(after[c]->evidence_status,
                         CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS);
        assert_string_equal(after[c]->reason, "region_failures");
        assert_string_equal(after[c]->error_code, "AccessDenied");
        assert_int_equal(after[c]->record_count, 0);
        /* each enabled region asked once and refused; af-south-1 and
         * ap-east-1 not enabled, never asked */
        for (size_t i = 0; i < after[c]->n_regions; i++) {
            const Cellscan__V1__RegionResult *r = after[c]->regions[i];
            int off = !strcmp(r->region, "af-south-1") || !strcmp(r->region, "ap-east-1");
            assert_int_equal(r->status, off ? CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NOT_ENABLED
                                            : CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS);
            assert_int_equal(r->api_call_count, off ? 0 : 1);
        }
    }
    for (int c = 0; c < EX_NCATEGORIES; c++) {
        cs_cell_result_free(before[c]);
        cs_cell_result_free(after[c]);
    }
}

static void assume_denied_fails_every_cell(void **state)
{
    struct ex_client *t = *state;
    int assumed = 0;

    add_fault("{\"kind\":\"access_denied\",\"account\":\"888888888888\",\"service\":\"sts\","
              "\"operation\":\"AssumeRole\"}");
    for (int c = 0; c < EX_NCATEGORIES; c++) {
        Cellscan__V1__CellResult *r = ex_cell(t->cl, "888888888888", ex_categories[c],
                                              all_regions, NREGIONS, ex_categories,
                                              EX_NCATEGORIES, policy_text, 120, &assumed);
        assert_non_null(r);
        assert_int_equal(assumed, c == 0);
        assert_int_equal(r->status, CELLSCAN__V1__CELL_STATUS__CELL_FAILED);
        assert_int_equal(r->evidence_status,
                         CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS);
        assert_string_equal(r->reason, "assume_role_denied");
        assert_string_equal(r->error_code, "AccessDenied");
        assert_int_equal(r->n_regions, 0);
        assert_int_equal(r->api_call_count, c == 0 ? 1 : 0);
        cs_cell_result_free(r);
    }
    assert_int_equal(aws_sim_assumes(&env, "888888888888"), 1);
    assert_int_equal(aws_sim_count(&env, "888888888888", NULL, NULL, NULL), 0);
}

static void cell_timeout_keeps_what_was_evaluated(void **state)
{
    struct ex_client *t = *state;
    Cellscan__V1__CellResult *full = cell(t, "333333333333", "ec2"), *cut;
    int64_t t0;

    add_fault("{\"kind\":\"latency\",\"ms\":400,\"account\":\"333333333333\",\"service\":\"ec2\"}");
    t0 = cs_mono_ms();
    cut = ex_cell(t->cl, "333333333333", "ec2", all_regions, NREGIONS, ex_categories,
                  EX_NCATEGORIES, policy_text, 2, NULL);
    assert_non_null(cut);
    /* stopped at the limit, give or take the call in flight */
    assert_true(cs_mono_ms() - t0 < 2000 + 3000);
    assert_int_equal(cut->status, CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL);
    assert_int_equal(cut->evidence_status, CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_PARTIAL);
    assert_string_equal(cut->reason, "cell_timeout");
    assert_true(cut->record_count > 0);
    assert_true(cut->record_count < full->record_count);
    assert_int_equal(cut->total, cut->record_count);
    assert_true(cut->violation_count > 0 || cut->compliant > 0);
    assert_true(cut->n_regions >= 1 && cut->n_regions < full->n_regions);
    /* the region it stopped in is partial; the ones before are complete */
    assert_int_equal(cut->regions[cut->n_regions - 1]->status,
                     CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_PARTIAL);
    for (size_t i = 0; i + 1 < cut->n_regions; i++)
        assert_int_equal(cut->regions[i]->record_count, full->regions[i]->record_count);
    cs_cell_result_free(full);
    cs_cell_result_free(cut);
}

static void malformed_answers_fail_their_regions(void **state)
{
    struct ex_client *t = *state;
    Cellscan__V1__CellResult *ecs, *lambda, *ec2;

    add_fault("{\"kind\":\"malformed\",\"account\":\"444444444444\",\"service\":\"ecs\"}");
    add_fault("{\"kind\":\"truncated\",\"account\":\"444444444444\",\"service\":\"lambda\"}");
    add_fault("{\"kind\":\"malformed\",\"account\":\"444444444444\",\"service\":\"ec2\","
              "\"operation\":\"DescribeVolumes\"}");
    ecs = cell(t, "444444444444", "ecs");
    lambda = cell(t, "444444444444", "lambda");
    ec2 = cell(t, "444444444444", "ec2");
    for (int k = 0; k < 2; k++) {
        Cellscan__V1__CellResult *r = k ? lambda : ecs;
        assert_int_equal(r->status, CELLSCAN__V1__CELL_STATUS__CELL_FAILED);
        assert_int_equal(r->evidence_status,
                         CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_ERROR);
        assert_string_equal(r->reason, "region_failures");
        assert_int_equal(r->record_count, 0);
    }
    /* instances were read, then the volumes answer did not parse */
    assert_int_equal(ec2->status, CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL);
    for (size_t i = 0; i < ec2->n_regions; i++)
        if (ec2->regions[i]->record_count > 0)
            assert_int_equal(ec2->regions[i]->status,
                             CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_PARTIAL);
    cs_cell_result_free(ecs);
    cs_cell_result_free(lambda);
    cs_cell_result_free(ec2);
}

static void expired_session_is_renewed(void **state)
{
    struct ex_client *t = *state;
    Cellscan__V1__CellResult *a = cell(t, "444444444444", "rds"), *b;

    aws_admin(&env, "POST", "/_awssim/sessions/expire", "{\"account_id\":\"444444444444\"}");
    b = cell(t, "444444444444", "rds");
    same_numbers(b, a);
    assert_int_equal(b->status, CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE);
    assert_int_equal(aws_sim_assumes(&env, "444444444444"), 2);
    cs_cell_result_free(a);
    cs_cell_result_free(b);
}

static void bad_jobs_are_refused(void **state)
{
    struct ex_client *t = *state;
    Cellscan__V1__CellJob job = CELLSCAN__V1__CELL_JOB__INIT;
    Cellscan__V1__CellResult *res = NULL;
    struct cs_extract_opts o = {.client = t->cl, .timeout_s = 10, .violation_cap = 10};
    struct cs_err err = CS_ERR_INIT;
    char *regions[] = {"us-east-1", "not a region"};
    char *cn[] = {"us-east-1", "cn-north-1"};

    job.account_id = "444444444444";
    job.category = "iam";
    job.regions = regions;
    job.n_regions = 1;
    assert_int_equal(cs_extract_run(&job, &o, &res, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "unknown category"));
    job.category = "ec2";
    job.n_regions = 0;
    assert_int_equal(cs_extract_run(&job, &o, &res, &err), CS_ERR_INVALID);
    job.n_regions = 2;
    assert_int_equal(cs_extract_run(&job, &o, &res, &err), CS_ERR_INVALID);
    job.regions = cn;
    assert_int_equal(cs_extract_run(&job, &o, &res, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "partitions"));
    job.n_regions = 1;
    job.account_id = "4444";
    assert_int_equal(cs_extract_run(&job, &o, &res, &err), CS_ERR_INVALID);
    job.account_id = "444444444444";
    job.tag_policy_json = "{\"rules\": [{\"key\": 1}]}";
    assert_int_equal(cs_extract_run(&job, &o, &res, &err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "rules[0]"));
    assert_null(res);
    assert_true(cs_extract_category_known("tagging"));
    assert_false(cs_extract_category_known("iam"));
    assert_false(cs_extract_category_known(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fixture_agrees_with_oracle, setup, teardown),
        cmocka_unit_test_setup_teardown(tagging_skips_only_the_scan_categories, setup, teardown),
        cmocka_unit_test_setup_teardown(throttled_ec2_slows_only_that_cell, setup, teardown),
        cmocka_unit_test_setup_teardown(rds_denied_fails_only_rds, setup, teardown),
        cmocka_unit_test_setup_teardown(assume_denied_fails_every_cell, setup, teardown),
        cmocka_unit_test_setup_teardown(cell_timeout_keeps_what_was_evaluated, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_answers_fail_their_regions, setup, teardown),
        cmocka_unit_test_setup_teardown(expired_session_is_renewed, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_jobs_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(demo_org_agrees_with_oracle, setup, teardown),
        cmocka_unit_test_setup_teardown(synthetic_org_agrees_with_oracle, setup, teardown),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    policy_text = ex_read_file(EX_POLICY);
    if (policy_text == NULL || ex_start(&env, EX_FIXTURE) != 0)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    ex_stop(&env);
    free(policy_text);
    curl_global_cleanup();
    return rc;
}
