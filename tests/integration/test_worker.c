/* cellscan-worker as a separate process against `cellscan mock-kafka` and
 * the AWS simulator (demo organization):
 *   - jobs in, CellResults out: each equals what cs_extract_run (the code
 *     behind `cellscan cell`) gives for the same job, timings and call
 *     counts aside; key = scan_id; offsets committed to the end; metrics
 *     and /healthz;
 *   - one AssumeRole per account, and throttling counted by service, with
 *     the demo's throttled account (EC2 of 444444444444);
 *   - a poison message, an invalid job and a job of an unknown category go
 *     to dead-letters with their reason and origin, a job whose scan
 *     deadline passed is not run and publishes nothing, and the worker
 *     carries on and commits past all of them;
 *   - Kafka unreachable at start: exit 1 with a clear message after
 *     CELLSCAN_STARTUP_TIMEOUT. */
#include "test_worker_env.h"

static int setup(void **state)
{
    (void)state;
    wt_start(NULL);
    return 0;
}

/* The demo's fault: EC2 of 444444444444 throttled. */
static int setup_throttled(void **state)
{
    (void)state;
    wt_start("{\"account\":\"444444444444\",\"service\":\"ec2\",\"kind\":\"throttle\","
             "\"burst\":4,\"refill_per_s\":2}");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wt_stop();
    return 0;
}

/* The fields that depend on the run (when, where, how many calls the
 * session cache and retries took) are left out of the comparison. */
static void drop_volatile(json_t *r)
{
    static const char *const cell[] = {"worker_id", "started_at_ms", "finished_at_ms",
                                       "wall_time_ms", "api_call_count",
                                       "retry_count", "throttle_events", NULL};
    static const char *const region[] = {"wall_time_ms", "api_call_count",
                                         "retry_count", "throttle_events", NULL};
    json_t *reg;
    size_t i;

    for (int k = 0; cell[k]; k++)
        json_object_del(r, cell[k]);
    json_array_foreach(json_object_get(r, "regions"), i, reg)
        for (int k = 0; region[k]; k++)
            json_object_del(reg, region[k]);
}

static int wait_lag_zero(const struct wt_worker *w, int timeout_ms)
{
    int64_t until = cs_mono_ms() + timeout_ms;
    const char *series = "cellscan_consumer_lag{group=\"wt.workers\",topic=\"wt.cell-jobs\"";

    while (cs_mono_ms() < until) {
        long status;
        char *text = cs_http_get(w->port, "/metrics", &status);
        int present = text && strstr(text, series) != NULL;

        free(text);
        if (present && wt_metric(w, series) == 0)
            return 0;
        usleep(200000);
    }
    return -1;
}

static json_t *result_json(const Cellscan__V1__CellResult *r)
{
    struct cs_err err = CS_ERR_INIT;
    json_t *j = NULL;

    assert_int_equal(cs_pbjson_message(&r->base, &j, &err), CS_OK);
    drop_volatile(j);
    return j;
}

/* The CellResult the extraction library gives for the job, in this
 * process. */
static json_t *expected(cs_aws_client_t *cl, const struct wt_job *job)
{
    Cellscan__V1__CellJob *m = cellscan__v1__cell_job__unpack(NULL, job->len, job->bytes);
    Cellscan__V1__CellResult *r = NULL;
    struct cs_extract_opts o;
    struct cs_err err = CS_ERR_INIT;
    json_t *j;

    assert_non_null(m);
    memset(&o, 0, sizeof(o));
    o.client = cl;
    o.timeout_s = 120;
    o.violation_cap = 1000;
    o.worker_id = "test";
    if (cs_extract_run(m, &o, &r, &err) != CS_OK)
        fail_msg("%s: %s", job->cell_id, err.msg);
    j = result_json(r);
    cs_cell_result_free(r);
    cellscan__v1__cell_job__free_unpacked(m, NULL);
    return j;
}

static cs_aws_client_t *test_client(cs_aws_t **aws)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    char *argv[] = {"test", NULL};
    int argc = 1;

    assert_int_equal(cs_config_load(&cfg, CS_PROG_WORKER, &argc, argv, &err), CS_OK);
    *aws = cs_aws_new(&cfg, &err);
    cs_config_free(&cfg);
    assert_non_null(*aws);
    return cs_aws_client_new(*aws, &err);
}

static void results_equal_extraction(void **state)
{
    static const char *const accounts[] = {"333333333333", "444444444444",
                                           "555555555555", "777777777777"};
    struct wt_job jobs[28];
    struct wt_worker w;
    Cellscan__V1__CellResult **res;
    cs_aws_client_t *cl;
    cs_aws_t *aws;
    size_t n, nres;
    long status;
    char *body;

    (void)state;
    n = wt_jobs_grid(jobs, "scan-results-1", accounts, 4, wt_categories, 7);
    wt_worker_start(&w, "worker-a", NULL);
    wt_publish(jobs, n);
    wt_wait_results(jobs, n, NULL, 120000);
    wt_wait_committed_all(jobs, n, 20000);

    nres = wt_results(&res);
    assert_int_equal(nres, n); /* one worker, no failure: no duplicates */
    cl = test_client(&aws);
    for (size_t i = 0; i < n; i++) {
        json_t *want = expected(cl, &jobs[i]), *got = NULL;
        for (size_t k = 0; k < nres; k++)
            if (strcmp(res[k]->cell_id, jobs[i].cell_id) == 0) {
                assert_string_equal(res[k]->worker_id, "worker-a");
                assert_true(res[k]->finished_at_ms >= res[k]->started_at_ms);
                got = result_json(res[k]);
            }
        assert_non_null(got);
        if (!json_equal(want, got)) {
            char *a = json_dumps(want, JSON_SORT_KEYS), *b = json_dumps(got, JSON_SORT_KEYS);
            print_error("want %.1500s\ngot  %.1500s\n", a, b);
            fail_msg("%s differs", jobs[i].cell_id);
        }
        json_decref(want);
        json_decref(got);
    }
    wt_results_free(res, nres);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);

    /* metrics */
    assert_true(wt_metric(&w, "cellscan_cells_started_total") == 28);
    assert_true(wt_metric(&w, "cellscan_cells_started_total{category=\"tagging\"") == 4);
    assert_true(wt_metric(&w, "cellscan_cells_finished_total") == 28);
    assert_true(wt_metric(&w, "cellscan_cells_finished_total{category=\"lambda\",status=\"failed\"") == 2); /* 555: AssumeRole denied; 777: lambda:* denied */
    assert_true(wt_metric(&w, "cellscan_cells_in_flight") == 0);
    assert_true(wt_metric(&w, "cellscan_assume_role_total{outcome=\"ok\"") == 3);
    assert_true(wt_metric(&w, "cellscan_assume_role_total{outcome=\"denied\"") == 1);
    assert_true(wt_metric(&w, "cellscan_aws_calls_total{service=\"ec2\"") > 0);
    assert_true(wt_metric(&w, "cellscan_dead_letters_total") == 0);
    /* the lag gauge of the owned partitions reaches 0 once all is committed */
    assert_int_equal(wait_lag_zero(&w, 15000), 0);
    body = cs_http_get(w.port, "/healthz", &status);
    assert_int_equal(status, 200);
    free(body);
    assert_int_equal(cs_proc_stop(&w.proc, 20000), 0);
    wt_jobs_free(jobs, n);
}

static int one_assume_per_account(void)
{
    char *text = cs_awssim_admin(&wt.sim, "GET", "/_awssim/counters", NULL);
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    json_t *per = json_object_get(j, "assume_role_per_account");
    const char *k;
    json_t *v;
    int ok = json_object_size(per) > 0;

    json_object_foreach(per, k, v)
        if (json_integer_value(v) != 1)
            ok = 0;
    json_decref(j);
    free(text);
    return ok;
}

static void one_assume_role_per_account(void **state)
{
    struct wt_job jobs[14];
    struct wt_worker w;
    size_t n = 0;

    (void)state;
    for (size_t c = 0; c < 7; c++) {
        wt_job(&jobs[n++], "scan-assume", "333333333333", wt_categories[c], 0);
        wt_job(&jobs[n++], "scan-assume", "444444444444", wt_categories[c], 0);
    }
    wt_worker_start(&w, "worker-b", NULL);
    wt_publish(jobs, n);
    wt_wait_results(jobs, n, NULL, 120000);
    assert_true(one_assume_per_account());
    /* the throttling answers are counted by service */
    assert_true(wt_metric(&w, "cellscan_aws_throttles_total{service=\"ec2\"") > 0);
    assert_true(wt_metric(&w, "cellscan_aws_retries_total{service=\"ec2\"") > 0);
    assert_true(wt_metric(&w, "cellscan_assume_role_total{outcome=\"ok\"") == 2);
    assert_int_equal(cs_proc_stop(&w.proc, 20000), 0);
    wt_jobs_free(jobs, n);
}

static int never(const struct wt_job *j)
{
    (void)j;
    return 0;
}

static void poison_invalid_and_expired(void **state)
{
    struct wt_job jobs[7];
    struct wt_worker w;
    struct wt_rec *dl;
    Cellscan__V1__CellResult **res;
    int want[7] = {0, 0, 0, 0, 1, 1, 1};
    size_t ndl, nres;
    int64_t committed[WT_PARTITIONS];
    Cellscan__V1__CellJob *m;

    (void)state;
    /* every job of one account: one partition, in this order */
    memset(&jobs[0], 0, sizeof(jobs[0]));
    snprintf(jobs[0].account, sizeof(jobs[0].account), "333333333333");
    snprintf(jobs[0].cell_id, sizeof(jobs[0].cell_id), "poison");
    jobs[0].bytes = (uint8_t *)strdup("\xff\xff\xff not a CellJob");
    jobs[0].len = strlen((char *)jobs[0].bytes);
    wt_job(&jobs[1], "scan-poison", "333333333333", "ec2", 0);
    m = cellscan__v1__cell_job__unpack(NULL, jobs[1].len, jobs[1].bytes);
    m->cell_id[4] = 'x'; /* aws_xc2:... no longer matches the category */
    jobs[1].len = cellscan__v1__cell_job__pack(m, jobs[1].bytes);
    cellscan__v1__cell_job__free_unpacked(m, NULL);
    wt_job(&jobs[2], "scan-poison", "333333333333", "iam", 0);
    wt_job(&jobs[3], "scan-poison", "333333333333", "rds", cs_wall_ms() - 1000);
    wt_job(&jobs[4], "scan-poison", "333333333333", "s3", 0);
    wt_job(&jobs[5], "scan-poison", "333333333333", "lambda", 0);
    wt_job(&jobs[6], "scan-poison", "333333333333", "tagging", 0);
    wt_worker_start(&w, "worker-c", NULL);
    wt_publish(jobs, 7);
    wt_wait_results(jobs, 7, want, 60000);
    wt_wait_committed_all(jobs, 7, 20000);

    /* the expired job published nothing, the rest one result each */
    nres = wt_results(&res);
    assert_int_equal(nres, 3);
    assert_false(wt_has_result(res, nres, &jobs[3])); /* the expired rds job */
    wt_results_free(res, nres);
    wt_committed(committed);
    /* everything is below the commit point, and only valid jobs have results */
    assert_int_equal(wt_check_commits_covered(jobs + 4, 3, committed, NULL), 3);
    assert_int_equal(wt_check_commits_covered(jobs, 4, committed, never), 4);

    ndl = wt_read(WT_PREFIX "dead-letters", &dl);
    assert_int_equal(ndl, 3);
    for (size_t i = 0; i < 3; i++) {
        /* original key and bytes, origin in headers, in job order */
        assert_string_equal(dl[i].key, "333333333333");
        assert_int_equal(dl[i].len, jobs[i].len);
        assert_memory_equal(dl[i].value, jobs[i].bytes, jobs[i].len);
        assert_int_equal(dl[i].origin_offset, jobs[i].offset);
        assert_int_equal(dl[i].origin_partition, jobs[i].partition);
    }
    {
        char decode[96];
        snprintf(decode, sizeof(decode), "decode: not a valid cellscan.v1.CellJob (%zu bytes)",
                 jobs[0].len);
        assert_string_equal(dl[0].reason, decode);
    }
    assert_non_null(strstr(dl[1].reason, "invalid: cell_id \"aws_xc2:333333333333\" is not aws_ec2:333333333333"));
    assert_non_null(strstr(dl[2].reason, "invalid: category \"iam\" is not one cellscan extracts"));
    wt_recs_free(dl, ndl);

    assert_true(wt_metric(&w, "cellscan_dead_letters_total{topic=\"wt.cell-jobs\",reason=\"decode\"") == 1);
    assert_true(wt_metric(&w, "cellscan_dead_letters_total{topic=\"wt.cell-jobs\",reason=\"invalid\"") == 2);
    assert_true(wt_metric(&w, "cellscan_cells_started_total") == 3);
    {
        const char *const expired[] = {"scan deadline passed", "aws_rds:333333333333",
                                       "\"scan_id\":\"scan-poison\"", NULL};
        assert_int_equal(wt_log_count(&w, expired), 1);
    }
    assert_int_equal(cs_proc_stop(&w.proc, 20000), 0);
    wt_jobs_free(jobs, 7);
}

static void kafka_unreachable_at_start(void **state)
{
    const char *const extra[] = {"CELLSCAN_STARTUP_TIMEOUT=2", NULL};
    struct wt_worker w;
    int64_t t0;
    int port = cs_free_port(), rc;
    char brokers[64];
    const char *const msg[] = {"unreachable after 2 s", NULL};

    (void)state;
    /* a port nobody listens on */
    snprintf(brokers, sizeof(brokers), "127.0.0.1:%d", port);
    snprintf(wt.bootstrap, sizeof(wt.bootstrap), "%s", brokers);
    t0 = cs_mono_ms();
    wt_worker_start(&w, "worker-nokafka", extra);
    rc = cs_proc_wait_exit(&w.proc, 20000);
    assert_int_equal(rc, 1);
    assert_true(cs_mono_ms() - t0 >= 2000);
    assert_true(cs_mono_ms() - t0 < 15000);
    assert_true(wt_log_count(&w, msg) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(results_equal_extraction, setup, teardown),
        cmocka_unit_test_setup_teardown(one_assume_role_per_account, setup_throttled, teardown),
        cmocka_unit_test_setup_teardown(poison_invalid_and_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(kafka_unreachable_at_start, setup, teardown),
    };
    return cmocka_run_group_tests(tests, wt_group_setup, wt_group_teardown);
}
