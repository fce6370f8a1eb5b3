/* bench_policy: tag-policy evaluations per second on a realistic policy
 * (8 rules: required keys, literal and wildcard values, both case modes,
 * resource-type scoping) over resources with 6 tags, in both policy
 * forms; plus evaluate-and-count through the cell accumulator (the
 * worker's hot path) and ARN → type derivation.
 *
 *   bench_policy [evaluations]     (default 5,000,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "compliance/cell.h"
#include "policy/policy.h"
#include "policy/restype.h"
#include "util/clock.h"

#define POOL 1024

static const char cellscan_policy[] =
    "{\"rules\": ["
    " {\"key\": \"CostCenter\", \"required\": true, \"allowed_values\": [\"100\", \"200\", \"3*\"]},"
    " {\"key\": \"Owner\", \"required\": true},"
    " {\"key\": \"Environment\", \"required\": true, \"case\": \"insensitive\","
    "  \"allowed_values\": [\"prod\", \"staging\", \"dev\", \"qa\"]},"
    " {\"key\": \"Project\", \"allowed_values\": [\"core-*\", \"edge-*\", \"*-lab\"]},"
    " {\"key\": \"DataClass\", \"required\": true, \"resource_types\": [\"s3:bucket\", \"rds:*\"],"
    "  \"allowed_values\": [\"public\", \"internal\", \"confidential\"]},"
    " {\"key\": \"Backup\", \"resource_types\": [\"ec2:volume\", \"rds:db\"],"
    "  \"allowed_values\": [\"daily\", \"weekly\", \"none\"], \"case\": \"insensitive\"},"
    " {\"key\": \"Team\", \"required\": true, \"case\": \"insensitive\"},"
    " {\"key\": \"Application\", \"resource_types\": [\"lambda:*\", \"ecs:*\", \"ec2:instance\"]}"
    "]}";

static const char aws_policy[] =
    "{\"tags\": {"
    " \"costcenter\": {\"tag_key\": {\"@@assign\": \"CostCenter\"},"
    "  \"tag_value\": {\"@@assign\": [\"100\", \"200\", \"3*\"]},"
    "  \"report_required_tag_for\": {\"@@assign\": [\"ec2:ALL_SUPPORTED\", \"rds:ALL_SUPPORTED\", \"s3:bucket\"]}},"
    " \"owner\": {\"tag_key\": {\"@@assign\": \"Owner\"},"
    "  \"report_required_tag_for\": {\"@@assign\": [\"ec2:instance\", \"lambda:function\"]}},"
    " \"environment\": {\"tag_key\": {\"@@assign\": \"Environment\"},"
    "  \"tag_value\": {\"@@assign\": [\"prod\", \"staging\", \"dev\", \"qa\"]}},"
    " \"project\": {\"tag_key\": {\"@@assign\": \"Project\"},"
    "  \"tag_value\": {\"@@assign\": [\"core-*\", \"edge-*\", \"*-lab\"]}},"
    " \"dataclass\": {\"tag_key\": {\"@@assign\": \"DataClass\"},"
    "  \"report_required_tag_for\": {\"@@assign\": [\"s3:bucket\"]}},"
    " \"backup\": {\"tag_key\": {\"@@assign\": \"Backup\"},"
    "  \"tag_value\": {\"@@assign\": [\"daily\", \"weekly\", \"none\"]}},"
    " \"team\": {\"tag_key\": {\"@@assign\": \"Team\"}},"
    " \"application\": {\"tag_key\": {\"@@assign\": \"Application\"}}"
    "}}";

struct res {
    char arn[96];
    const char *type;
    char values[6][24];
    struct cs_tag tags[6];
};

static const char *const types[] = {"ec2:instance", "ec2:volume", "s3:bucket",
                                    "rds:db", "lambda:function", "ecs:service"};

/* Resources with a share of the usual mistakes: wrong-case keys,
 * unlisted values, missing required keys. */
static void make_pool(struct res *pool)
{
    static const char *const keys[] = {"CostCenter", "Owner", "Environment",
                                       "Project", "Team", "DataClass"};
    static const char *const envs[] = {"prod", "PROD", "dev", "staging", "test"};
    static const char *const centers[] = {"100", "200", "300", "310", "400"};
    unsigned seed = 42;
    int i, k;

    for (i = 0; i < POOL; i++) {
        struct res *r = &pool[i];
        r->type = types[i % 6];
        snprintf(r->arn, sizeof(r->arn),
                 "arn:aws:ec2:us-east-1:111111111111:instance/i-%016x", i);
        snprintf(r->values[0], 24, "%s", centers[rand_r(&seed) % 5]);
        snprintf(r->values[1], 24, "user%d", i % 37);
        snprintf(r->values[2], 24, "%s", envs[rand_r(&seed) % 5]);
        snprintf(r->values[3], 24, "%s-%d", rand_r(&seed) % 5 ? "core" : "misc", i);
        snprintf(r->values[4], 24, "team-%d", i % 11);
        snprintf(r->values[5], 24, "%s", i % 9 ? "internal" : "secret");
        for (k = 0; k < 6; k++) {
            r->tags[k].key = keys[k];
            r->tags[k].value = r->values[k];
        }
        if (i % 17 == 0)
            r->tags[0].key = "costcenter";
        if (i % 23 == 0)
            r->tags[1].key = "Creator";
    }
}

static void run(const char *label, const cs_policy_t *p, struct res *pool,
                long n)
{
    struct cs_violation v[CS_POLICY_MAX_RULES];
    struct cs_resource r = {NULL, NULL, "us-east-1", "111111111111", NULL, 6};
    uint64_t violations = 0, compliant = 0;
    int64_t t0, t1;
    long i;

    t0 = cs_mono_us();
    for (i = 0; i < n; i++) {
        struct res *x = &pool[i % POOL];
        size_t k;
        r.arn = x->arn;
        r.type = x->type;
        r.tags = x->tags;
        k = cs_policy_eval(p, &r, v, CS_POLICY_MAX_RULES);
        violations += k;
        compliant += k == 0;
    }
    t1 = cs_mono_us();
    printf("%-34s %10.0f evaluations/s  %6.1f ns/evaluation  (%.1f%% compliant, %.2f violations/resource)\n",
           label, (double)n * 1e6 / (double)(t1 - t0),
           (double)(t1 - t0) * 1000.0 / (double)n, 100.0 * (double)compliant / (double)n,
           (double)violations / (double)n);
}

static void run_cell(const cs_policy_t *p, struct res *pool, long n)
{
    static const char *const regions[] = {"us-east-1"};
    struct cs_cell_opts o = {"scan", "client", "111111111111", "ec2", "w",
                             regions, 1, 1000};
    struct cs_resource r = {NULL, NULL, "us-east-1", "111111111111", NULL, 6};
    struct cs_err err = CS_ERR_INIT;
    cs_cell_t *c = cs_cell_new(&o, &err);
    int64_t t0, t1;
    long i;

    if (c == NULL) {
        fprintf(stderr, "bench_policy: %s\n", err.msg);
        exit(1);
    }
    t0 = cs_mono_us();
    for (i = 0; i < n; i++) {
        struct res *x = &pool[i % POOL];
        r.arn = x->arn;
        r.type = x->type;
        r.tags = x->tags;
        if (cs_cell_eval(c, p, &r, &err) != CS_OK) {
            fprintf(stderr, "bench_policy: %s\n", err.msg);
            exit(1);
        }
    }
    t1 = cs_mono_us();
    printf("%-34s %10.0f resources/s    %6.1f ns/resource\n",
           "evaluate + count (cs_cell_eval)", (double)n * 1e6 / (double)(t1 - t0),
           (double)(t1 - t0) * 1000.0 / (double)n);
    cs_cell_destroy(c);
}

static void run_arn(long n)
{
    static const char *const arns[] = {
        "arn:aws:dynamodb:us-east-1:111111111111:table/orders",
        "arn:aws:rds:us-east-1:111111111111:db:mydb",
        "arn:aws:s3:::my-bucket",
        "arn:aws:ecs:us-east-1:111111111111:service/cluster/web"};
    char out[CS_RESTYPE_MAX];
    int64_t t0, t1;
    long i;

    t0 = cs_mono_us();
    for (i = 0; i < n; i++)
        if (cs_restype_from_arn(arns[i & 3], out, sizeof(out), NULL) != CS_OK)
            exit(1);
    t1 = cs_mono_us();
    printf("%-34s %10.0f ARNs/s          %6.1f ns/ARN\n", "ARN -> resource type",
           (double)n * 1e6 / (double)(t1 - t0), (double)(t1 - t0) * 1000.0 / (double)n);
}

static cs_policy_t *parse(const char *json)
{
    struct cs_err err = CS_ERR_INIT;
    cs_policy_t *p = NULL;

    if (cs_policy_parse(json, strlen(json), &p, &err) != CS_OK) {
        fprintf(stderr, "bench_policy: %s\n", err.msg);
        exit(1);
    }
    return p;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 5000000;
    struct res *pool = calloc(POOL, sizeof(*pool));
    cs_policy_t *p, *a;
    struct rusage ru;
    int64_t t0, t1;
    int i;

    if (pool == NULL || n <= 0)
        return 1;
    make_pool(pool);
    t0 = cs_mono_us();
    for (i = 0; i < 1000; i++)
        cs_policy_destroy(parse(cellscan_policy));
    t1 = cs_mono_us();
    printf("%-34s %10.1f us/parse\n", "parse + compile (8 rules)",
           (double)(t1 - t0) / 1000.0);
    p = parse(cellscan_policy);
    a = parse(aws_policy);
    printf("policy: 8 rules, resources with 6 tags, %d distinct resources, %ld evaluations\n",
           POOL, n);
    run("cellscan form", p, pool, n);
    run("AWS Organizations form", a, pool, n);
    run_cell(p, pool, n);
    run_arn(n);
    getrusage(RUSAGE_SELF, &ru);
    printf("max RSS %ld KiB\n", ru.ru_maxrss);
    cs_policy_destroy(p);
    cs_policy_destroy(a);
    free(pool);
    return 0;
}
