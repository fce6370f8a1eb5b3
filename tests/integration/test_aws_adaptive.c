/* aws adaptive retry mode against the simulator's throttling: with a
 * token bucket of REFILL requests/s on one (account, service, region), four
 * threads calling as fast as they can settle, in adaptive mode, near the
 * refill rate with few throttles; standard mode, for comparison, keeps
 * hitting the limit. Prints the figures (docs/aws.md quotes them). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws_sim.h"
#include "util/clock.h"

#define THREADS 4
#define REFILL 20.0
#define WARMUP_MS 5000
#define STEADY_MS 10000

static struct aws_env env;

struct phase {
    uint64_t requests, ok, throttles, failed;
};

struct worker {
    cs_aws_t *aws;
    cs_aws_creds_t *creds;
    int64_t start_ms;
    struct phase warm, steady;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    struct cs_err err = CS_ERR_INIT;
    cs_aws_client_t *cl = cs_aws_client_new(w->aws, &err);
    struct cs_aws_req req = {.service = "ec2", .operation = "DescribeRegions",
                             .account_id = MEMBER};

    for (;;) {
        int64_t t = cs_mono_ms() - w->start_ms;
        struct cs_aws_stats s = {0};
        struct phase *p = t < WARMUP_MS ? &w->warm : &w->steady;
        cs_rc rc;
        if (t >= WARMUP_MS + STEADY_MS)
            break;
        rc = cs_aws_call(cl, w->creds, &req, NULL, &s, NULL, &err);
        p->requests += s.requests;
        p->throttles += s.throttles;
        if (rc == CS_OK)
            p->ok++;
        else
            p->failed++;
    }
    cs_aws_client_destroy(cl);
    return NULL;
}

static void run(const char *mode, struct phase *steady)
{
    static struct worker w[THREADS];
    pthread_t th[THREADS];
    struct cs_err err = CS_ERR_INIT;
    cs_aws_t *aws;
    cs_aws_client_t *cl;
    cs_aws_creds_t *cr = NULL;
    char fault[256];

    aws_env_vars(&env, 0);
    setenv("AWS_RETRY_MODE", mode, 1);
    aws_admin(&env, "DELETE", "/_awssim/faults", NULL);
    aws_admin(&env, "POST", "/_awssim/reset", NULL);
    snprintf(fault, sizeof(fault),
             "{\"kind\":\"throttle\",\"account\":\"" MEMBER "\",\"service\":\"ec2\","
             "\"operation\":\"DescribeRegions\",\"burst\":5,\"refill_per_s\":%g}", REFILL);
    aws_admin(&env, "POST", "/_awssim/faults", fault);
    aws = aws_env_context(&err);
    assert_non_null(aws);
    cl = cs_aws_client_new(aws, &err);
    assert_int_equal(cs_aws_assume(cl, MEMBER, &cr, NULL, NULL, &err), CS_OK);
    memset(w, 0, sizeof(w));
    for (int i = 0; i < THREADS; i++) {
        w[i].aws = aws;
        w[i].creds = cr;
        w[i].start_ms = cs_mono_ms();
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
    }
    memset(steady, 0, sizeof(*steady));
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        steady->requests += w[i].steady.requests;
        steady->ok += w[i].steady.ok;
        steady->throttles += w[i].steady.throttles;
        steady->failed += w[i].steady.failed;
    }
    printf("%-8s refill %.0f/s: sent %.1f req/s, succeeded %.1f calls/s, "
           "%llu throttles (%.1f%% of requests), %llu calls failed, over %d s "
           "after %d s warm-up, %d threads\n",
           mode, REFILL, steady->requests * 1000.0 / STEADY_MS,
           steady->ok * 1000.0 / STEADY_MS, (unsigned long long)steady->throttles,
           steady->requests ? 100.0 * steady->throttles / steady->requests : 0.0,
           (unsigned long long)steady->failed, STEADY_MS / 1000, WARMUP_MS / 1000,
           THREADS);
    cs_aws_creds_unref(cr);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
}

static void adaptive_settles_near_refill(void **state)
{
    struct phase adaptive, standard;
    double rate;

    (void)state;
    run("adaptive", &adaptive);
    run("standard", &standard);
    rate = adaptive.requests * 1000.0 / STEADY_MS;
    assert_true(rate > 0.8 * REFILL);
    assert_true(rate < 1.2 * REFILL);
    assert_true(adaptive.throttles < 0.05 * adaptive.requests);
    /* without the limiter the same load throttles far more */
    assert_true(standard.throttles > 3 * adaptive.throttles);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adaptive_settles_near_refill),
    };
    int rc;

    aws_env_start(&env);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    aws_env_stop(&env);
    return rc;
}
