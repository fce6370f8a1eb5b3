/* cellscan-worker under failure, as separate processes against `cellscan
 * mock-kafka` and the AWS simulator (every AWS call slowed down so cells
 * are caught mid-run):
 *   - kill -9 of a worker mid-cell: at that moment every committed job has
 *     its result on cell-results (a job's offset is committed only after
 *     its result was acknowledged), some jobs are not committed yet, and a
 *     second worker of the group runs them: every job ends with a result
 *     and the group commits to the end;
 *   - SIGTERM: the worker stops taking jobs, finishes its running cells,
 *     publishes and commits them, exits 0 well within
 *     CELLSCAN_DRAIN_TIMEOUT; the jobs it did not start are left to the
 *     group;
 *   - SIGTERM with cells longer than CELLSCAN_DRAIN_TIMEOUT: they are
 *     cancelled, neither published nor committed, the worker exits 0
 *     within the bound, and the next worker runs them. */
#include "test_worker_env.h"

#define SLOW(ms) "{\"kind\":\"latency\",\"ms\":" #ms "}"

static int teardown(void **state)
{
    (void)state;
    wt_stop();
    return 0;
}

static const char *const accounts4[] = {"333333333333", "444444444444",
                                        "777777777777", "888888888888"};
/* the cheapest cells first (rds makes 4 calls, s3 a dozen): a job's
 * offset is committed only once every job before it in its partition is
 * done */
static const char *const cats4[] = {"rds", "ec2", "tagging", "s3"};

static size_t sixteen_jobs(struct wt_job *jobs, const char *scan)
{
    return wt_jobs_grid(jobs, scan, accounts4, 4, cats4, 4);
}

/* Once ncells cells run, SIGTERM; the worker must exit 0 within
 * bound_ms. */
static void sigterm_when_running(struct wt_worker *w, int ncells, int bound_ms)
{
    int64_t t0, took;
    int rc;

    assert_int_equal(wt_wait_metric(w, "cellscan_cells_in_flight", ncells, 60000), 0);
    t0 = cs_mono_ms();
    kill(w->proc.pid, SIGTERM);
    rc = cs_proc_wait_exit(&w->proc, bound_ms + 15000);
    took = cs_mono_ms() - t0;
    assert_int_equal(rc, 0);
    print_message("%s exited %lld ms after SIGTERM\n", w->proc.name, (long long)took);
    assert_true(took < bound_ms);
}

static size_t below(const struct wt_job *jobs, size_t n,
                    const int64_t committed[WT_PARTITIONS])
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += jobs[i].offset < committed[jobs[i].partition];
    return k;
}

static void kill9_mid_cell_then_takeover(void **state)
{
    const char *const conc[] = {"CELLSCAN_WORKER_CONCURRENCY=4", NULL};
    const char *const assigned[] = {"assigned 3 partition(s)", NULL};
    struct wt_job jobs[16];
    struct wt_worker a, b;
    int64_t committed[WT_PARTITIONS];
    size_t n, covered, nres;
    Cellscan__V1__CellResult **res;
    int64_t until;

    (void)state;
    wt_start(SLOW(250));
    n = sixteen_jobs(jobs, "scan-kill9");
    wt_worker_start(&a, "worker-a", conc);
    until = cs_mono_ms() + 20000;
    while (wt_log_count(&a, assigned) == 0 && cs_mono_ms() < until)
        usleep(100000);
    assert_int_equal(wt_log_count(&a, assigned), 1);
    wt_publish(jobs, n);
    /* mid-scan: some jobs committed, some cells running */
    until = cs_mono_ms() + 60000;
    do {
        usleep(100000);
        wt_committed(committed);
    } while (below(jobs, n, committed) == 0 && cs_mono_ms() < until);
    assert_true(below(jobs, n, committed) > 0);
    assert_int_equal(wt_wait_metric(&a, "cellscan_cells_in_flight", 1, 10000), 0);
    wt_worker_start(&b, "worker-b", conc);
    usleep(500000);
    cs_proc_kill9(&a.proc);

    wt_committed(committed);
    covered = wt_check_commits_covered(jobs, n, committed, NULL);
    print_message("killed mid-scan: %zu of %zu jobs committed\n", covered, n);
    assert_true(covered > 0); /* finished work was committed */
    assert_true(covered < n); /* and some was in flight */

    /* B takes A's partitions once A's session times out */
    wt_wait_results(jobs, n, NULL, 120000);
    wt_wait_committed_all(jobs, n, 30000);
    wt_committed(committed);
    assert_int_equal(wt_check_commits_covered(jobs, n, committed, NULL), n);
    nres = wt_results(&res);
    assert_true(nres >= n); /* duplicates of re-run cells are allowed */
    for (size_t i = 0; i < nres; i++)
        assert_true(strcmp(res[i]->worker_id, "worker-a") == 0 ||
                    strcmp(res[i]->worker_id, "worker-b") == 0);
    wt_results_free(res, nres);
    assert_true(wt_metric(&b, "cellscan_cells_finished_total") >= 1);
    assert_int_equal(cs_proc_stop(&b.proc, 30000), 0);
    wt_jobs_free(jobs, n);
}

static void sigterm_drains_running_cells(void **state)
{
    const char *const conf[] = {"CELLSCAN_WORKER_CONCURRENCY=3",
                                "CELLSCAN_DRAIN_TIMEOUT=30", NULL};
    const char *const started[] = {"\"msg\":\"cell aws_", " started\"", NULL};
    const char *const draining[] = {"\"msg\":\"draining: ", NULL};
    const char *const stopped[] = {"\"msg\":\"stopped\"", NULL};
    struct wt_job jobs[16];
    struct wt_worker w, next;
    int64_t committed[WT_PARTITIONS], end[WT_PARTITIONS];
    Cellscan__V1__CellResult **res;
    size_t n, nres;
    int nstarted;

    (void)state;
    wt_start(SLOW(300));
    n = sixteen_jobs(jobs, "scan-drain");
    wt_worker_start(&w, "worker-d", conf);
    wt_publish(jobs, n);
    sigterm_when_running(&w, 2, 30000);
    assert_int_equal(wt_log_count(&w, draining), 1);
    assert_int_equal(wt_log_count(&w, stopped), 1);

    /* every cell it started was finished and published, and committed as
     * far as offsets are contiguous: each partition up to its first job
     * without a result */
    nstarted = wt_log_count(&w, started);
    nres = wt_results(&res);
    assert_int_equal((int)nres, nstarted);
    assert_true(nres < n); /* it did not take the rest */
    wt_committed(committed);
    wt_ends(jobs, n, end);
    for (int p = 0; p < WT_PARTITIONS; p++) {
        int64_t first = -1, point = end[p];
        for (size_t i = 0; i < n; i++) {
            if (jobs[i].partition != p)
                continue;
            if (first < 0 || jobs[i].offset < first)
                first = jobs[i].offset;
            if (!wt_has_result(res, nres, &jobs[i]) && jobs[i].offset < point)
                point = jobs[i].offset;
        }
        if (first < 0)
            continue;
        if (point == first)
            assert_true(committed[p] == -1 || committed[p] == first);
        else
            assert_int_equal(committed[p], point);
    }
    wt_results_free(res, nres);
    assert_int_equal(wt_check_commits_covered(jobs, n, committed, NULL),
                     below(jobs, n, committed));

    /* the group runs the rest */
    wt_worker_start(&next, "worker-e", conf);
    wt_wait_results(jobs, n, NULL, 120000);
    wt_wait_committed_all(jobs, n, 30000);
    assert_int_equal(cs_proc_stop(&next.proc, 30000), 0);
    wt_jobs_free(jobs, n);
}

static void sigterm_cancels_after_drain_timeout(void **state)
{
    const char *const conf[] = {"CELLSCAN_WORKER_CONCURRENCY=2",
                                "CELLSCAN_DRAIN_TIMEOUT=1", NULL};
    const char *const cancelled[] = {"cancelled; left to the group", NULL};
    struct wt_job jobs[2];
    struct wt_worker w, next;
    int64_t committed[WT_PARTITIONS];
    Cellscan__V1__CellResult **res;
    size_t nres;

    (void)state;
    /* an ec2 cell over three regions makes a dozen calls: ~7 s */
    wt_start(SLOW(600));
    wt_job(&jobs[0], "scan-cancel", "333333333333", "ec2", 0);
    wt_job(&jobs[1], "scan-cancel", "888888888888", "ec2", 0);
    wt_worker_start(&w, "worker-f", conf);
    wt_publish(jobs, 2);
    /* 1 s drain, then a cancelled cell stops at its next call (0.6 s), then
     * bounded close and flush */
    sigterm_when_running(&w, 2, 8000);
    assert_int_equal(wt_log_count(&w, cancelled), 2);
    nres = wt_results(&res);
    assert_int_equal(nres, 0);
    wt_results_free(res, nres);
    wt_committed(committed);
    assert_int_equal(below(jobs, 2, committed), 0);

    wt_sim("DELETE", "/_awssim/faults", NULL);
    wt_worker_start(&next, "worker-g", conf);
    wt_wait_results(jobs, 2, NULL, 60000);
    wt_wait_committed_all(jobs, 2, 30000);
    assert_int_equal(cs_proc_stop(&next.proc, 30000), 0);
    wt_jobs_free(jobs, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(kill9_mid_cell_then_takeover, teardown),
        cmocka_unit_test_teardown(sigterm_drains_running_cells, teardown),
        cmocka_unit_test_teardown(sigterm_cancels_after_drain_timeout, teardown),
    };
    return cmocka_run_group_tests(tests, wt_group_setup, wt_group_teardown);
}
