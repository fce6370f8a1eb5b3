/* test_extract_support.h: what the extract and org integration tests
 * share, on top of aws_sim.h (environment, admin API, counters): the
 * simulator on fixtures/extract.yaml (or the demo), a fresh context and
 * client, the oracle (tests/awssim/oracle.py) and a comparison of its
 * report with ours, running cells and folding them. Included by each
 * test (static inline functions only). */
#ifndef CS_TEST_EXTRACT_SUPPORT_H
#define CS_TEST_EXTRACT_SUPPORT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "aws/aws.h"
#include "aws_sim.h"
#include "compliance/cell.h"
#include "compliance/scan.h"
#include "extract/run.h"
#include "proc.h"
#include "report/json.h"
#include "util/config.h"
#include "wire/names.h"

#define EX_FIXTURE CS_SOURCE_DIR "/tests/integration/fixtures/extract.yaml"
#define EX_SCOPE CS_SOURCE_DIR "/tests/integration/fixtures/extract-scope.json"
#define EX_POLICY CS_SOURCE_DIR "/tests/awssim/fixtures/demo-policy.json"
#define EX_DEMO_SCOPE CS_SOURCE_DIR "/tests/awssim/fixtures/demo-scope.json"
#define EX_DEMO_KEY "AKIAIOSFODNN7EXAMPLE"
#define EX_DEMO_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EX_DEMO_EXTERNAL_ID "cellscan-demo"
#define EX_SCAN_ID "it-extract-scan"
#define EX_MAX_CELLS 256

static const char *const ex_categories[] = {"ec2", "s3", "rds", "lambda", "ecs", "eks",
                                            "tagging"};
#define EX_NCATEGORIES 7

/* The simulator (as the test_aws_* tests hold it: aws_sim.h), started
 * with args (e.g. "--fixture", F; NULL-terminated). */
static inline int ex_start_args(struct aws_env *e, const char *const args[])
{
    if (cs_tmpdir_make("cs-extract", e->tmp, sizeof(e->tmp)) != 0)
        return -1;
    return cs_awssim_start(&e->sim, e->tmp, args);
}

/* ... on fixture (NULL = the demo). */
static inline int ex_start(struct aws_env *e, const char *fixture)
{
    const char *fx[] = {"--fixture", fixture, NULL};
    const char *demo[] = {"--demo", NULL};

    return ex_start_args(e, fixture ? fx : demo);
}

static inline void ex_stop(struct aws_env *e)
{
    cs_awssim_stop(&e->sim);
    cs_tmpdir_remove(e->tmp);
}

/* Only the simulator (aws_env_vars), with the given scanner keys and
 * ExternalId. */
static inline void ex_env_vars(const struct aws_env *e, const char *key,
                               const char *secret, const char *external_id)
{
    aws_env_vars(e, 1);
    setenv("AWS_ACCESS_KEY_ID", key, 1);
    setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
    setenv("CELLSCAN_EXTERNAL_ID", external_id, 1);
}

/* A fresh context (empty session cache) and one client of it. */
struct ex_client {
    cs_aws_t *aws;
    cs_aws_client_t *cl;
};

static inline int ex_client_open(struct ex_client *c)
{
    struct cs_err err = CS_ERR_INIT;

    c->cl = NULL;
    c->aws = aws_env_context(&err);
    if (c->aws)
        c->cl = cs_aws_client_new(c->aws, &err);
    if (c->cl == NULL)
        fprintf(stderr, "client: %s\n", err.msg);
    return c->cl ? 0 : -1;
}

static inline void ex_client_close(struct ex_client *c)
{
    cs_aws_client_destroy(c->cl);
    cs_aws_destroy(c->aws);
    c->cl = NULL;
    c->aws = NULL;
}

static inline char *ex_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = calloc(1, (size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

/* The oracle's report: source is "--fixture F" or "--demo". */
static inline json_t *ex_oracle(const char *source, const char *policy, const char *scope)
{
    char cmd[4096];
    json_error_t jerr;
    json_t *j;
    FILE *p;

    snprintf(cmd, sizeof(cmd),
             "/usr/bin/python3 %s/tests/awssim/oracle.py %s --policy %s --scope %s "
             "--report-violations 1000000",
             CS_SOURCE_DIR, source, policy, scope);
    p = popen(cmd, "r");
    if (p == NULL)
        return NULL;
    j = json_loadf(p, 0, &jerr);
    if (pclose(p) != 0 || j == NULL) {
        fprintf(stderr, "oracle failed: %s\n", j ? "exit status" : jerr.text);
        json_decref(j);
        return NULL;
    }
    return j;
}

/* Compares what the oracle prints (exp) with ours (act): every member of
 * exp must be in act with the same value (numbers: doubles within 1e-9);
 * act may have more (api_call_count...); a found_value the oracle gives
 * as "" may be omitted (report.json omits empty ones). Prints up to 20
 * differences; returns their number. */
static inline int ex_match(const json_t *exp, const json_t *act, const char *path, int *shown)
{
    char sub[1024];
    const char *key;
    json_t *v;
    size_t i;
    int bad = 0;

    if (json_is_object(exp)) {
        if (!json_is_object(act))
            goto differ;
        json_object_foreach((json_t *)exp, key, v) {
            json_t *a = json_object_get(act, key);
            snprintf(sub, sizeof(sub), "%s.%s", path, key);
            if (a == NULL && json_is_string(v) && json_string_length(v) == 0)
                continue;
            if (a == NULL) {
                if ((*shown)++ < 20)
                    fprintf(stderr, "  %s: missing (expected %s)\n", sub,
                            json_is_string(v) ? json_string_value(v) : "a value");
                bad++;
                continue;
            }
            bad += ex_match(v, a, sub, shown);
        }
        return bad;
    }
    if (json_is_array(exp)) {
        if (!json_is_array(act) || json_array_size(act) != json_array_size(exp)) {
            if ((*shown)++ < 20)
                fprintf(stderr, "  %s: %zu items, expected %zu\n", path,
                        json_is_array(act) ? json_array_size(act) : 0, json_array_size(exp));
            return 1;
        }
        json_array_foreach(exp, i, v) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            bad += ex_match(v, json_array_get(act, i), sub, shown);
        }
        return bad;
    }
    if (json_is_number(exp) && json_is_number(act) &&
        fabs(json_number_value(exp) - json_number_value(act)) <= 1e-9)
        return 0;
    if (json_equal(exp, act))
        return 0;
differ:
    if ((*shown)++ < 20) {
        char *e = json_dumps(exp, JSON_ENCODE_ANY | JSON_COMPACT);
        char *a = act ? json_dumps(act, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        fprintf(stderr, "  %s: %s, expected %s\n", path, a ? a : "(none)", e ? e : "?");
        free(e);
        free(a);
    }
    return 1;
}

/* One cell, run as a worker runs it. policy_json is put in the job. */
static inline Cellscan__V1__CellResult *ex_cell(cs_aws_client_t *cl, const char *account,
                                                const char *category,
                                                const char *const *regions, size_t nregions,
                                                const char *const *scan_cats, size_t ncats,
                                                const char *policy_json, int timeout_s,
                                                int *assumed)
{
    Cellscan__V1__CellJob job = CELLSCAN__V1__CELL_JOB__INIT;
    Cellscan__V1__CellResult *res = NULL;
    struct cs_extract_opts o;
    struct cs_err err = CS_ERR_INIT;
    char cell_id[96];

    job.schema_version = 1;
    job.scan_id = EX_SCAN_ID;
    job.client_id = "extract-test";
    job.cell_id = cs_cell_id(category, account, cell_id, sizeof(cell_id));
    job.account_id = (char *)account;
    job.category = (char *)category;
    job.regions = (char **)regions;
    job.n_regions = nregions;
    job.tag_policy_json = (char *)policy_json;
    job.scan_categories = (char **)scan_cats;
    job.n_scan_categories = ncats;
    memset(&o, 0, sizeof(o));
    o.client = cl;
    o.timeout_s = timeout_s;
    o.violation_cap = 1000;
    o.worker_id = "it-worker";
    o.assumed = assumed;
    if (cs_extract_run(&job, &o, &res, &err) != CS_OK)
        fprintf(stderr, "cell %s: %s\n", cell_id, err.msg);
    return res;
}

/* Folds n results for the given accounts and categories (skipped may be
 * NULL) into report.json. */
static inline json_t *ex_fold(Cellscan__V1__CellResult *const *results, size_t n,
                              char **accounts, size_t naccounts,
                              const char *const *categories, size_t ncats,
                              Cellscan__V1__SkippedAccount **skipped, size_t nskipped,
                              const char *client_id)
{
    Cellscan__V1__ScanManifest m = CELLSCAN__V1__SCAN_MANIFEST__INIT;
    Cellscan__V1__ScanReport *r = NULL;
    struct cs_fold_opts fo = {1, 1000000, 1};
    struct cs_err err = CS_ERR_INIT;
    char *cell_ids[EX_MAX_CELLS], ids[EX_MAX_CELLS][96];
    json_t *j = NULL;
    size_t k = 0;

    for (size_t a = 0; a < naccounts; a++)
        for (size_t c = 0; c < ncats && k < EX_MAX_CELLS; c++, k++)
            cell_ids[k] = cs_cell_id(categories[c], accounts[a], ids[k], sizeof(ids[k]));
    m.schema_version = 1;
    m.scan_id = EX_SCAN_ID;
    m.client_id = (char *)client_id;
    m.cell_ids = cell_ids;
    m.n_cell_ids = k;
    m.account_ids = accounts;
    m.n_account_ids = naccounts;
    m.skipped = skipped;
    m.n_skipped = nskipped;
    m.requested_at_ms = 1;
    if (cs_fold(&m, (const Cellscan__V1__CellResult *const *)results, n, &fo, &r, &err) != CS_OK ||
        cs_report_json(r, &j, &err) != CS_OK)
        fprintf(stderr, "fold: %s\n", err.msg);
    cs_report_free(r);
    return j;
}

#endif
