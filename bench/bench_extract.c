/* bench_extract: resources extracted and evaluated per CPU-second of this
 * process, against the AWS simulator's synthetic organization: org
 * discovery, then every cell (7 categories x 2 regions) of every account,
 * each resource parsed from the wire, evaluated against the demo tag
 * policy and folded into its CellResult, on a few worker threads. The
 * simulator (a Python child) is the bottleneck in wall time; its CPU is
 * not counted.
 *
 *   build-x/bench/bench_extract [accounts] [resources per account] [threads] [page]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aws/aws.h"
#include "compliance/cell.h"
#include "extract/run.h"
#include "org/org.h"
#include "policy/policy.h"
#include "util/clock.h"
#include "util/config.h"

#include "support.h"

#define SEED 7
#define MAX_THREADS 16

static const char *const categories[] = {"ec2", "s3", "rds", "lambda", "ecs", "eks", "tagging"};
#define NCATEGORIES 7
static const char *const regions[] = {"us-east-1", "eu-west-1"};

static double cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct bench {
    cs_aws_t *aws;
    const cs_policy_t *policy;
    const struct cs_org_result *org;
    size_t ncells;
    atomic_size_t next;
    /* totals, under mu */
    pthread_mutex_t mu;
    unsigned long long resources, violations, calls, retries, failed;
    struct {
        unsigned long long resources, calls;
        double cpu;
    } per[NCATEGORIES];
};

static double thread_cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    struct bench *b = arg;
    struct cs_err err = CS_ERR_INIT;
    cs_aws_client_t *cl = cs_aws_client_new(b->aws, &err);
    const char *const *scan = categories;
    size_t i;

    if (cl == NULL) {
        fprintf(stderr, "client: %s\n", err.msg);
        return NULL;
    }
    while ((i = atomic_fetch_add(&b->next, 1)) < b->ncells) {
        Cellscan__V1__CellJob job = CELLSCAN__V1__CELL_JOB__INIT;
        Cellscan__V1__CellResult *res = NULL;
        struct cs_extract_opts o = {.client = cl, .policy = b->policy, .timeout_s = 600,
                                    .violation_cap = 1000, .worker_id = "bench"};
        job.scan_id = "bench";
        job.account_id = (char *)b->org->accounts[i / NCATEGORIES].id;
        job.category = (char *)categories[i % NCATEGORIES];
        job.cell_id = job.category;
        job.regions = (char **)regions;
        job.n_regions = 2;
        job.scan_categories = (char **)scan;
        job.n_scan_categories = NCATEGORIES;
        double t0 = thread_cpu_s();
        if (cs_extract_run(&job, &o, &res, &err) != CS_OK) {
            fprintf(stderr, "cell: %s\n", err.msg);
            continue;
        }
        double dt = thread_cpu_s() - t0;
        pthread_mutex_lock(&b->mu);
        b->per[i % NCATEGORIES].resources += res->record_count;
        b->per[i % NCATEGORIES].calls += res->api_call_count;
        b->per[i % NCATEGORIES].cpu += dt;
        b->resources += res->record_count;
        b->violations += res->violation_count;
        b->calls += res->api_call_count;
        b->retries += res->retry_count;
        b->failed += res->status == CELLSCAN__V1__CELL_STATUS__CELL_FAILED;
        pthread_mutex_unlock(&b->mu);
        cs_cell_result_free(res);
    }
    cs_aws_client_destroy(cl);
    return NULL;
}

static cs_aws_t *context(const char *url, struct cs_err *err)
{
    struct cs_config cfg;
    char *argv[] = {"bench", NULL};
    int argc = 1;
    cs_aws_t *aws = NULL;

    cs_bench_aws_env(url);
    if (cs_config_load(&cfg, CS_PROG_WORKER, &argc, argv, err) == CS_OK)
        aws = cs_aws_new(&cfg, err);
    cs_config_free(&cfg);
    return aws;
}

static cs_policy_t *load_policy(struct cs_err *err)
{
    char path[1024], buf[65536];
    cs_policy_t *p = NULL;
    size_t n;
    FILE *f;

    snprintf(path, sizeof(path), "%s/tests/awssim/fixtures/demo-policy.json", CS_SOURCE_DIR);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    cs_policy_parse(buf, n, &p, err);
    return p;
}

int main(int argc, char **argv)
{
    int accounts = argc > 1 ? atoi(argv[1]) : 20;
    int resources = argc > 2 ? atoi(argv[2]) : 500;
    int threads = argc > 3 ? atoi(argv[3]) : 4;
    int page = argc > 4 ? atoi(argv[4]) : 100;
    char spec[256], role[128];
    struct cs_err err = CS_ERR_INIT;
    struct cs_org_result *org = NULL;
    struct cs_org_opts oo;
    struct bench b;
    pthread_t th[MAX_THREADS];
    cs_aws_client_t *cl = NULL;
    cs_policy_t *policy = NULL;
    struct rusage ru;
    double c0, c1, c2;
    int64_t w0, w1, w2;
    struct cs_bench_sim sim;
    int rc = 1;

    if (accounts < 1 || resources < 0 || threads < 1 || threads > MAX_THREADS || page < 1) {
        fprintf(stderr, "usage: bench_extract [accounts] [resources] [threads 1..%d] [page]\n",
                MAX_THREADS);
        return 2;
    }
    snprintf(spec, sizeof(spec), "accounts=%d,resources=%d,seed=%d,compliance=0.7,page=%d",
             accounts, resources, SEED, page);
    cs_bench_synthetic_org_role(SEED, role, sizeof(role));
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cs_bench_sim_start(&sim, (const char *const[]){"--synthetic", spec, NULL}) != 0)
        return 1;
    memset(&b, 0, sizeof(b));
    pthread_mutex_init(&b.mu, NULL);
    b.aws = context(sim.aws.url, &err);
    policy = load_policy(&err);
    if (b.aws == NULL || policy == NULL || (cl = cs_aws_client_new(b.aws, &err)) == NULL) {
        fprintf(stderr, "bench_extract: %s\n", err.msg);
        goto cleanup;
    }
    memset(&oo, 0, sizeof(oo));
    oo.org_role_arn = role;
    c0 = cpu_s();
    w0 = cs_mono_ms();
    if (cs_org_discover(cl, &oo, &org, NULL, &err) != CS_OK) {
        fprintf(stderr, "bench_extract: discovery: %s\n", err.msg);
        goto cleanup;
    }
    c1 = cpu_s();
    w1 = cs_mono_ms();
    b.policy = policy;
    b.org = org;
    b.ncells = org->naccounts * NCATEGORIES;
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker, &b);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    c2 = cpu_s();
    w2 = cs_mono_ms();
    getrusage(RUSAGE_SELF, &ru);
    printf("synthetic org: %s; regions us-east-1, eu-west-1; %d threads\n", spec, threads);
    printf("discovery: %zu accounts (%zu skipped), %llu calls, %.3f CPU-s, %.2f s wall\n",
           org->naccounts, org->nskipped, (unsigned long long)org->stats.calls, c1 - c0,
           (double)(w1 - w0) / 1e3);
    printf("cells: %zu (%llu failed), %llu resources, %llu violations, %llu calls, %llu retries\n",
           b.ncells, b.failed, b.resources, b.violations, b.calls, b.retries);
    printf("extraction: %.3f CPU-s, %.2f s wall (the simulator's pace)\n", c2 - c1,
           (double)(w2 - w1) / 1e3);
    printf("  %.0f resources extracted+evaluated per CPU-second (%.1f us CPU each)\n",
           (double)b.resources / (c2 - c1), (c2 - c1) * 1e6 / (double)b.resources);
    printf("  %.0f AWS calls per CPU-second (%.1f us CPU each, page included)\n",
           (double)b.calls / (c2 - c1), (c2 - c1) * 1e6 / (double)b.calls);
    printf("  peak RSS of this process: %ld KiB\n", ru.ru_maxrss);
    printf("per category (CPU of the threads running its cells):\n");
    for (int c = 0; c < NCATEGORIES; c++)
        printf("  %-8s %7llu resources %6llu calls %7.3f CPU-s  %8.0f resources/CPU-s\n",
               categories[c], b.per[c].resources, b.per[c].calls, b.per[c].cpu,
               b.per[c].cpu > 0 ? (double)b.per[c].resources / b.per[c].cpu : 0.0);
    rc = 0;
cleanup:
    cs_org_result_free(org);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(b.aws);
    cs_policy_destroy(policy);
    cs_bench_sim_cleanup(&sim, 0);
    curl_global_cleanup();
    return rc;
}
