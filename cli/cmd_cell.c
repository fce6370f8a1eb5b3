/* cellscan cell --account ID --category C --regions R1,R2 [--policy FILE]
 * [--scan-categories c1,c2]: runs one cell in this process, exactly as a
 * worker would (AssumeRole with the configured role and ExternalId, every
 * region, the tag policy), and prints its CellResult as JSON — for
 * operators debugging one account. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "aws/aws.h"
#include "cli/cli.h"
#include "compliance/cell.h"
#include "extract/run.h"
#include "report/pbjson.h"
#include "wire/names.h"

#define CELL_NOT_OK_EXIT 3
#define CELL_MAX_LIST 64
#define CELL_MAX_POLICY (64 * 1024)

struct cell_args {
    const char *account, *category, *regions, *policy, *scan_categories;
};

static int parse_args(int argc, char **argv, struct cell_args *a)
{
    static const struct {
        const char *flag;
        size_t off;
    } flags[] = {
        {"--account", offsetof(struct cell_args, account)},
        {"--category", offsetof(struct cell_args, category)},
        {"--regions", offsetof(struct cell_args, regions)},
        {"--policy", offsetof(struct cell_args, policy)},
        {"--scan-categories", offsetof(struct cell_args, scan_categories)},
    };

    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
        const char **slot = NULL;
        for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
            if (strlen(flags[f].flag) == n && strncmp(argv[i], flags[f].flag, n) == 0)
                slot = (const char **)(void *)((char *)a + flags[f].off);
        if (slot == NULL) {
            fprintf(stderr, "cellscan cell: unknown argument '%s'\n", argv[i]);
            return -1;
        }
        if (eq)
            *slot = eq + 1;
        else if (i + 1 < argc)
            *slot = argv[++i];
        else {
            fprintf(stderr, "cellscan cell: %s needs a value\n", argv[i]);
            return -1;
        }
    }
    if (!a->account || !a->category || !a->regions) {
        fprintf(stderr, "cellscan cell: --account, --category and --regions are required\n");
        return -1;
    }
    return 0;
}

/* Splits a comma-separated list in place into out (at most CELL_MAX_LIST
 * non-empty items). Returns the count, or -1 when there are too many. */
static int split(char *s, char **out)
{
    int n = 0;

    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        if (n == CELL_MAX_LIST)
            return -1;
        out[n++] = tok;
    }
    return n;
}

/* The policy file's text (caller frees), or NULL with a message. */
static char *read_policy(const char *path)
{
    struct cs_buf b = CS_BUF_INIT(CELL_MAX_POLICY);
    char chunk[4096];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        perror(path);
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (cs_buf_append(&b, chunk, n) != CS_OK) {
            fprintf(stderr, "cellscan cell: %s: larger than %d bytes\n", path, CELL_MAX_POLICY);
            fclose(f);
            return NULL;
        }
    }
    fclose(f);
    return cs_buf_take(&b, NULL);
}

static int print_result(const Cellscan__V1__CellResult *res)
{
    struct cs_err err = CS_ERR_INIT;
    json_t *j = NULL;
    int rc;

    if (cs_pbjson_message(&res->base, &j, &err) != CS_OK) {
        fprintf(stderr, "cellscan cell: %s\n", err.msg);
        return 1;
    }
    rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(j);
    return rc == 0 ? 0 : 1;
}

static int run_cell(struct cs_cli *cli, int argc, char **argv)
{
    struct cell_args a;
    struct cs_err err = CS_ERR_INIT;
    char *regions_s = NULL, *cats_s = NULL, *policy = NULL;
    char *regions[CELL_MAX_LIST], *cats[CELL_MAX_LIST];
    char cell_id[128], role_arn[2048];
    Cellscan__V1__CellJob job = CELLSCAN__V1__CELL_JOB__INIT;
    Cellscan__V1__CellResult *res = NULL;
    struct cs_extract_opts o;
    cs_aws_t *aws = NULL;
    cs_aws_client_t *cl = NULL;
    int nregions, ncats = 1, status = CS_CLI_USAGE_EXIT;

    memset(&a, 0, sizeof(a));
    if (parse_args(argc, argv, &a) != 0)
        return CS_CLI_USAGE_EXIT;
    regions_s = strdup(a.regions);
    cats_s = strdup(a.scan_categories ? a.scan_categories : a.category);
    if (regions_s == NULL || cats_s == NULL)
        goto cleanup;
    nregions = split(regions_s, regions);
    ncats = split(cats_s, cats);
    if (nregions <= 0 || ncats < 0) {
        fprintf(stderr, "cellscan cell: --regions needs 1..%d regions, --scan-categories "
                        "at most %d\n", CELL_MAX_LIST, CELL_MAX_LIST);
        goto cleanup;
    }
    if (!cs_extract_category_known(a.category)) {
        fprintf(stderr, "cellscan cell: unknown category '%s' (ec2 s3 rds lambda ecs eks "
                        "tagging)\n", a.category);
        goto cleanup;
    }
    if (a.policy && (policy = read_policy(a.policy)) == NULL)
        goto cleanup;
    if (cs_aws_role_arn(cli->cfg->role_arn_template, a.account, cli->cfg->role_name,
                        regions[0], role_arn, sizeof(role_arn), &err) != CS_OK) {
        fprintf(stderr, "cellscan cell: %s\n", err.msg);
        goto cleanup;
    }
    job.schema_version = CELLSCAN__V1__SCHEMA_VERSION__SCHEMA_VERSION_CURRENT;
    job.scan_id = "cli";
    job.client_id = cli->cfg->client_id;
    job.cell_id = cs_cell_id(a.category, a.account, cell_id, sizeof(cell_id));
    job.account_id = (char *)a.account;
    job.category = (char *)a.category;
    job.regions = regions;
    job.n_regions = (size_t)nregions;
    job.role_arn = role_arn;
    job.external_id = cli->cfg->external_id;
    job.session_duration_s = (uint32_t)cli->cfg->session_duration_s;
    job.tag_policy_json = policy ? policy : "";
    job.scan_categories = cats;
    job.n_scan_categories = (size_t)ncats;

    status = 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    aws = cs_aws_new(cli->cfg, &err);
    if (aws)
        cl = cs_aws_client_new(aws, &err);
    if (cl == NULL) {
        fprintf(stderr, "cellscan cell: %s\n", err.msg);
        goto cleanup_curl;
    }
    memset(&o, 0, sizeof(o));
    o.client = cl;
    o.timeout_s = cli->cfg->cell_timeout_s;
    o.violation_cap = (size_t)cli->cfg->cell_violations;
    o.worker_id = cli->cfg->worker_id[0] ? cli->cfg->worker_id : "cli";
    if (cs_extract_run(&job, &o, &res, &err) != CS_OK) {
        fprintf(stderr, "cellscan cell: %s\n", err.msg);
        status = err.code == CS_ERR_INVALID ? CS_CLI_USAGE_EXIT : 1;
        goto cleanup_curl;
    }
    status = print_result(res);
    if (status == 0 && res->status != CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE &&
        res->status != CELLSCAN__V1__CELL_STATUS__CELL_EMPTY)
        status = CELL_NOT_OK_EXIT;
cleanup_curl:
    cs_cell_result_free(res);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
    curl_global_cleanup();
cleanup:
    free(policy);
    free(regions_s);
    free(cats_s);
    return status;
}

const struct cs_cli_cmd cs_cmd_cell = {
    "cell", "run one cell (account x category) here and print its CellResult",
    "usage: cellscan cell --account ID --category C --regions R1,R2 [--policy FILE]\n"
    "                     [--scan-categories c1,c2]\n"
    "  assumes the configured role in the account (CELLSCAN_ROLE_NAME,\n"
    "  CELLSCAN_ROLE_ARN_TEMPLATE, ExternalId from CELLSCAN_EXTERNAL_ID) with the\n"
    "  base credentials, walks every region with the category's extractor\n"
    "  (ec2 s3 rds lambda ecs eks tagging), evaluates each resource against the\n"
    "  tag policy (none: every resource is compliant) and prints the CellResult\n"
    "  as JSON. --scan-categories lists the scan's other categories, which\n"
    "  'tagging' then skips (default: the category alone). The cell time limit\n"
    "  is CELLSCAN_CELL_TIMEOUT, the violation cap CELLSCAN_CELL_VIOLATIONS.\n"
    "  Exit 0 available or empty, 3 partial or failed (the result is printed),\n"
    "  1 error, 2 bad usage.\n\n",
    run_cell,
};
