#include "extract/run.h"

#include <stdlib.h>
#include <string.h>

#include "aws/endpoint.h"
#include "extract/category.h"
#include "util/clock.h"

/* The categories: which extractor, and the botocore service its calls go
 * to (for on_stats). */
static const struct category {
    const char *name;
    const char *service;
    cs_rc (*region)(struct cs_walk *w, struct cs_walk_region *rw);
    cs_rc (*cell)(struct cs_walk *w); /* walks every region itself */
} categories[] = {
    {"ec2", "ec2", cs_extract_ec2_region, NULL},
    {"s3", "s3", NULL, cs_extract_s3},
    {"rds", "rds", cs_extract_rds_region, NULL},
    {"lambda", "lambda", cs_extract_lambda_region, NULL},
    {"ecs", "ecs", cs_extract_ecs_region, NULL},
    {"eks", "eks", cs_extract_eks_region, NULL},
    {"tagging", "resourcegroupstaggingapi", cs_extract_tagging_region, NULL},
};

#define NCATEGORIES (sizeof(categories) / sizeof(categories[0]))

static const struct category *find_category(const char *name)
{
    size_t i;

    for (i = 0; name && i < NCATEGORIES; i++)
        if (strcmp(categories[i].name, name) == 0)
            return &categories[i];
    return NULL;
}

int cs_extract_category_known(const char *category)
{
    return find_category(category) != NULL;
}

/* ------------------------------------------------------------ the job */

static int is_account_id(const char *s)
{
    return s != NULL && strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

/* The job's regions, each once, in order (a scope that names a region
 * twice still walks it once); all must be region names of one partition,
 * since one STS session serves one partition. */
static cs_rc job_regions(const Cellscan__V1__CellJob *job, const char ***out,
                         size_t *n, struct cs_err *err)
{
    const char **r;
    size_t i, j;

    *out = NULL;
    *n = 0;
    if (job->n_regions == 0)
        return cs_err_set(err, CS_ERR_INVALID, "cell job %s: no regions", job->cell_id);
    r = calloc(job->n_regions, sizeof(*r));
    if (r == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "cell job: out of memory");
    for (i = 0; i < job->n_regions; i++) {
        const char *region = job->regions[i];
        if (!cs_aws_region_valid(region)) {
            free(r);
            return cs_err_set(err, CS_ERR_INVALID, "cell job %s: \"%.40s\" is not a region",
                              job->cell_id, region ? region : "");
        }
        if (strcmp(cs_aws_partition(region), cs_aws_partition(job->regions[0])) != 0) {
            free(r);
            return cs_err_set(err, CS_ERR_INVALID,
                              "cell job %s: regions %s and %s are in different partitions",
                              job->cell_id, job->regions[0], region);
        }
        for (j = 0; j < *n && strcmp(r[j], region) != 0; j++)
            ;
        if (j == *n)
            r[(*n)++] = region;
    }
    *out = r;
    return CS_OK;
}

static cs_rc check_job(const Cellscan__V1__CellJob *job, struct cs_err *err)
{
    if (job == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "cell job: missing");
    if (find_category(job->category) == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "cell job %s: unknown category \"%.40s\"",
                          job->cell_id, job->category ? job->category : "");
    if (!is_account_id(job->account_id))
        return cs_err_set(err, CS_ERR_INVALID, "cell job %s: account id \"%.40s\" is not 12 digits",
                          job->cell_id, job->account_id ? job->account_id : "");
    return CS_OK;
}

static cs_rc job_policy(const Cellscan__V1__CellJob *job, cs_policy_t **own,
                        struct cs_err *err)
{
    const char *text = job->tag_policy_json ? job->tag_policy_json : "";
    cs_rc rc = cs_policy_parse(text, strlen(text), own, err);

    if (rc == CS_OK)
        return CS_OK;
    cs_err_prefix(err, "cell job %s", job->cell_id);
    /* a policy that does not parse makes the job unusable */
    if (rc == CS_ERR_PARSE || rc == CS_ERR_LIMIT)
        rc = CS_ERR_INVALID;
    if (err)
        err->code = rc;
    return rc;
}

/* ------------------------------------------------------------ regions */

struct learned {
    const struct cs_walk *w;
    enum cs_region_enabled *enabled;
    int *listed;
};

static cs_rc on_region(void *ud, const char *region, const char *status,
                       struct cs_err *err)
{
    struct learned *l = ud;
    size_t i;

    (void)err;
    for (i = 0; i < l->w->nregions; i++) {
        if (strcmp(l->w->regions[i], region) == 0) {
            l->listed[i] = 1;
            if (l->enabled[i] == CS_REGION_UNKNOWN)
                l->enabled[i] = cs_region_opt_in(status);
        }
    }
    return CS_OK;
}

/* Which regions of the cell are enabled: the ones that cannot be
 * disabled are; for the others one DescribeRegions (AllRegions) says. If
 * it fails they stay unknown and their own answers decide. */
static void learn_regions(struct cs_walk *w, enum cs_region_enabled *enabled)
{
    static const struct cs_aws_param params[] = {{"AllRegions", "true"}};
    struct cs_aws_req req = {.service = "ec2", .operation = "DescribeRegions",
                             .region = w->global_region, .account_id = w->account,
                             .params = params, .nparams = 1};
    struct cs_aws_error aerr = CS_AWS_ERROR_INIT;
    struct cs_aws_stats st = {0};
    struct cs_err err = CS_ERR_INIT;
    struct learned l = {w, enabled, NULL};
    size_t i, unknown = 0;
    cs_rc rc;

    for (i = 0; i < w->nregions; i++) {
        enabled[i] = cs_region_always_enabled(w->regions[i]) ? CS_REGION_ENABLED
                                                             : CS_REGION_UNKNOWN;
        unknown += enabled[i] == CS_REGION_UNKNOWN;
    }
    if (unknown == 0)
        return;
    l.listed = calloc(w->nregions, sizeof(*l.listed));
    if (l.listed == NULL) {
        cs_walk_fail_cell(w, CS_ERR_NOMEM, NULL);
        return;
    }
    rc = cs_walk_call(w, &req, 0, &st, &aerr, &err);
    cs_aws_stats_add(&w->outside, &st);
    if (w->on_stats && st.calls)
        w->on_stats(w->ud, "ec2", &st);
    if (rc == CS_OK)
        rc = cs_page_regions(w->resp.body.ptr, w->resp.body.len, on_region, &l, &err);
    for (i = 0; i < w->nregions; i++) {
        if (rc == CS_OK && !l.listed[i] && enabled[i] == CS_REGION_UNKNOWN)
            enabled[i] = CS_REGION_NOT_ENABLED; /* the account has no such region */
        else if (rc != CS_OK && enabled[i] != CS_REGION_ENABLED)
            enabled[i] = CS_REGION_UNKNOWN;     /* a partial read decides nothing */
    }
    free(l.listed);
}

/* ------------------------------------------------------------ the run */

struct run {
    const Cellscan__V1__CellJob *job;
    const struct cs_extract_opts *o;
    const struct category *cat;
    const char **regions;
    size_t nregions;
    enum cs_region_enabled *enabled;
    cs_policy_t *own_policy;
    cs_cell_t *cell;
    struct cs_aws_assume_opts assume;
    struct cs_walk w;
};

static void run_free(struct run *r)
{
    cs_walk_release(&r->w);
    cs_cell_destroy(r->cell);
    cs_policy_destroy(r->own_policy);
    free(r->enabled);
    free(r->regions);
}

static cs_rc run_prepare(struct run *r, struct cs_err *err)
{
    const Cellscan__V1__CellJob *job = r->job;
    const struct cs_extract_opts *o = r->o;
    struct cs_cell_opts co;
    struct cs_err cerr = CS_ERR_INIT;
    cs_rc rc;

    rc = job_regions(job, &r->regions, &r->nregions, err);
    if (rc != CS_OK)
        return rc;
    r->enabled = calloc(r->nregions, sizeof(*r->enabled));
    if (r->enabled == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "cell: out of memory");
    if (o->policy == NULL) {
        rc = job_policy(job, &r->own_policy, err);
        if (rc != CS_OK)
            return rc;
    }
    memset(&co, 0, sizeof(co));
    co.scan_id = job->scan_id;
    co.client_id = job->client_id;
    co.account_id = job->account_id;
    co.category = job->category;
    co.worker_id = o->worker_id;
    co.regions = r->regions;
    co.nregions = r->nregions;
    co.violation_cap = o->violation_cap;
    r->cell = cs_cell_new(&co, &cerr);
    if (r->cell == NULL) {
        if (err)
            *err = cerr;
        return cerr.code;
    }
    /* the session the dispatcher resolved; "" fields take the configured */
    r->assume.account_id = job->account_id;
    r->assume.role_arn = job->role_arn && job->role_arn[0] ? job->role_arn : NULL;
    r->assume.external_id = job->external_id && job->external_id[0] ? job->external_id : NULL;
    r->assume.duration_s = (int)job->session_duration_s;
    return CS_OK;
}

static void walk_setup(struct run *r, int64_t started_mono)
{
    const Cellscan__V1__CellJob *job = r->job;
    const struct cs_extract_opts *o = r->o;
    struct cs_walk *w = &r->w;

    w->cl = o->client;
    w->assume = &r->assume;
    w->account = job->account_id;
    w->partition = cs_aws_partition(r->regions[0]);
    /* the calls not tied to a region go where every account can answer */
    w->global_region = strcmp(w->partition, "aws") == 0 ? "us-east-1" : r->regions[0];
    w->policy = o->policy ? o->policy : r->own_policy;
    w->cell = r->cell;
    /* no scan categories: tagging skips nothing */
    w->scan_categories = (const char *const *)job->scan_categories;
    w->nscan = job->n_scan_categories;
    w->regions = r->regions;
    w->enabled = r->enabled;
    w->nregions = r->nregions;
    w->deadline_ms = o->timeout_s > 0 ? started_mono + (int64_t)o->timeout_s * 1000 : 0;
    w->cancel = o->cancel;
    w->on_stats = o->on_stats;
    w->ud = o->ud;
}

/* AssumeRole into the account; a failure is the cell's outcome. Returns 1
 * when the cell can be walked. */
static int run_assume(struct run *r, struct cs_err *err, cs_rc *rc)
{
    struct cs_aws_error aerr = CS_AWS_ERROR_INIT;
    struct cs_aws_stats st = {0};
    struct cs_err aerr_msg = CS_ERR_INIT;

    *rc = cs_aws_assume_ex(r->w.cl, &r->assume, &r->w.creds, &st, &aerr, &aerr_msg);
    cs_aws_stats_add(&r->w.outside, &st);
    if (r->o->on_stats && st.calls)
        r->o->on_stats(r->o->ud, "sts", &st);
    if (r->o->assumed)
        *r->o->assumed = st.calls > 0;
    if (*rc == CS_OK)
        return 1;
    if (*rc == CS_ERR_INVALID) {
        /* a role ARN or duration the job should never have carried */
        cs_err_set(err, CS_ERR_INVALID, "cell job %s: %s", r->job->cell_id, aerr_msg.msg);
        return 0;
    }
    if (*rc == CS_ERR_NOMEM) {
        cs_err_set(err, CS_ERR_NOMEM, "cell: out of memory");
        return 0;
    }
    cs_cell_assume_role_failed(r->cell, *rc == CS_ERR_DENIED,
                               aerr.code[0] ? aerr.code
                               : *rc == CS_ERR_DENIED ? "AccessDenied" : NULL);
    *rc = CS_OK;
    return 0;
}

cs_rc cs_extract_run(const Cellscan__V1__CellJob *job,
                     const struct cs_extract_opts *o,
                     Cellscan__V1__CellResult **out, struct cs_err *err)
{
    struct run r;
    int64_t started_wall = cs_wall_ms(), started_mono = cs_mono_ms();
    cs_rc rc;

    *out = NULL;
    memset(&r, 0, sizeof(r));
    cs_walk_init(&r.w);
    r.job = job;
    r.o = o;
    rc = check_job(job, err);
    if (rc != CS_OK)
        goto cleanup;
    if (o == NULL || o->client == NULL) {
        rc = cs_err_set(err, CS_ERR_INVALID, "cell: no AWS client");
        goto cleanup;
    }
    r.cat = find_category(job->category);
    rc = run_prepare(&r, err);
    if (rc != CS_OK)
        goto cleanup;
    walk_setup(&r, started_mono);
    if (run_assume(&r, err, &rc)) {
        learn_regions(&r.w, r.enabled);
        if (r.w.fatal == CS_OK) {
            if (r.cat->region)
                cs_walk_regions(&r.w, r.cat->service, r.cat->region);
            else
                r.cat->cell(&r.w);
        }
        if (r.w.fatal != CS_OK) {
            rc = r.w.fatal;
            if (err)
                *err = r.w.fatal_err;
            goto cleanup;
        }
        if (r.w.stopped)
            cs_cell_timed_out(r.cell, r.w.stop_code[0] ? r.w.stop_code : NULL);
    } else if (rc != CS_OK) {
        goto cleanup;
    }
    cs_cell_add_cost(r.cell, r.w.outside.calls, r.w.outside.retries, r.w.outside.throttles);
    rc = cs_cell_result(r.cell, started_wall, cs_wall_ms(), out, err);
cleanup:
    run_free(&r);
    return rc;
}
