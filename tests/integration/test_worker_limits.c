/* cellscan-worker's admission limits and flow control, as a separate
 * process against `cellscan mock-kafka` and the AWS simulator:
 *   - concurrency: from the simulator's request log (every call slowed
 *     down), the time span of each cell's own calls; at no instant do more
 *     cells overlap than CELLSCAN_WORKER_CONCURRENCY, more cells of one
 *     account than CELLSCAN_ACCOUNT_CONCURRENCY, or more accounts than
 *     CELLSCAN_MAX_CONCURRENT_ACCOUNTS — and the binding limit is reached;
 *   - a full local queue pauses the partitions: with concurrency 1 and many
 *     jobs the worker never holds more than its queue (2 jobs) waiting,
 *     pauses and resumes, and still runs every job. */
#include "test_worker_env.h"

#define SLOW(ms) "{\"kind\":\"latency\",\"ms\":" #ms "}"

static int teardown(void **state)
{
    (void)state;
    wt_stop();
    return 0;
}

/* ---- cell spans from the request log ---- */

#define MAX_SPANS 64

struct span {
    char account[16];
    char service[16];
    double start, end;
};

struct peaks {
    int cells;    /* cells at once */
    int accounts; /* distinct accounts at once */
    int per_account; /* cells of one account at once */
};

/* The calls that belong to one cell for sure: its own service's calls
 * (ec2:DescribeRegions is made by every category's cell, and AssumeRole
 * once per account, so they are left out). A span built from some of a
 * cell's calls lies within the cell's run, so spans that overlap prove
 * that cells overlapped. */
static int cell_call(const char *service, const char *operation)
{
    if (strcmp(service, "ec2") == 0)
        return strcmp(operation, "DescribeInstances") == 0 ||
               strcmp(operation, "DescribeVolumes") == 0;
    return strcmp(service, "s3") == 0 || strcmp(service, "rds") == 0;
}

static size_t spans_since(long since, struct span *out)
{
    char path[128];
    char *text;
    json_t *j, *e;
    size_t n = 0, i;

    snprintf(path, sizeof(path), "/_awssim/log?since=%ld", since);
    text = cs_awssim_admin(&wt.sim, "GET", path, NULL);
    j = text ? json_loads(text, 0, NULL) : NULL;
    assert_non_null(j);
    json_array_foreach(json_object_get(j, "entries"), i, e) {
        const char *acc = json_string_value(json_object_get(e, "account_id"));
        const char *svc = json_string_value(json_object_get(e, "service"));
        const char *op = json_string_value(json_object_get(e, "operation"));
        double end = json_number_value(json_object_get(e, "time"));
        double start = end - json_number_value(json_object_get(e, "latency_ms")) / 1000.0;
        size_t k;

        if (!acc || !svc || !op || !cell_call(svc, op))
            continue;
        for (k = 0; k < n; k++)
            if (strcmp(out[k].account, acc) == 0 && strcmp(out[k].service, svc) == 0)
                break;
        if (k == n) {
            assert_true(n < MAX_SPANS);
            snprintf(out[k].account, sizeof(out[k].account), "%s", acc);
            snprintf(out[k].service, sizeof(out[k].service), "%s", svc);
            out[k].start = start;
            out[k].end = end;
            n++;
        }
        if (start < out[k].start)
            out[k].start = start;
        if (end > out[k].end)
            out[k].end = end;
    }
    json_decref(j);
    free(text);
    return n;
}

static long last_seq(void)
{
    char *text = cs_awssim_admin(&wt.sim, "GET", "/_awssim/log?limit=1", NULL);
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    long seq = (long)json_integer_value(json_object_get(j, "last_seq"));

    json_decref(j);
    free(text);
    return seq;
}

/* The most spans, accounts and spans of one account alive at once, at
 * any span's start (where the count can rise). */
static struct peaks peaks_of(const struct span *s, size_t n)
{
    struct peaks pk = {0, 0, 0};

    for (size_t i = 0; i < n; i++) {
        double t = s[i].start;
        int cells = 0, accounts = 0;
        for (size_t k = 0; k < n; k++) {
            int mine = 0, first = 1;
            if (!(s[k].start <= t && t < s[k].end))
                continue;
            cells++;
            for (size_t m = 0; m < n; m++) {
                if (!(s[m].start <= t && t < s[m].end) ||
                    strcmp(s[m].account, s[k].account) != 0)
                    continue;
                mine++;
                if (m < k)
                    first = 0;
            }
            accounts += first;
            if (mine > pk.per_account)
                pk.per_account = mine;
        }
        if (cells > pk.cells)
            pk.cells = cells;
        if (accounts > pk.accounts)
            pk.accounts = accounts;
    }
    return pk;
}

static const char *const five[] = {"111111111111", "333333333333", "444444444444",
                                   "777777777777", "888888888888"};
static const char *const three_cats[] = {"ec2", "s3", "rds"};

static struct peaks run_with(const char *scan, const char *const *settings,
                             const char *name)
{
    struct wt_job jobs[15];
    struct span spans[MAX_SPANS];
    struct wt_worker w;
    struct peaks pk;
    size_t n = wt_jobs_grid(jobs, scan, five, 5, three_cats, 3), ns;
    long since = last_seq();

    wt_worker_start(&w, name, settings);
    wt_publish(jobs, n);
    wt_wait_results(jobs, n, NULL, 180000);
    ns = spans_since(since, spans);
    assert_int_equal(ns, n); /* every cell made calls of its own */
    pk = peaks_of(spans, ns);
    print_message("%s: at most %d cells, %d accounts, %d cells of one account at once\n",
                  name, pk.cells, pk.accounts, pk.per_account);
    assert_int_equal(cs_proc_stop(&w.proc, 30000), 0);
    wt_jobs_free(jobs, n);
    return pk;
}

static void limits_hold_and_bind(void **state)
{
    const char *const accounts_bind[] = {"CELLSCAN_WORKER_CONCURRENCY=6",
                                         "CELLSCAN_ACCOUNT_CONCURRENCY=1",
                                         "CELLSCAN_MAX_CONCURRENT_ACCOUNTS=2", NULL};
    const char *const worker_binds[] = {"CELLSCAN_WORKER_CONCURRENCY=3",
                                        "CELLSCAN_ACCOUNT_CONCURRENCY=3",
                                        "CELLSCAN_MAX_CONCURRENT_ACCOUNTS=5", NULL};
    struct peaks pk;

    (void)state;
    wt_start(SLOW(150));
    /* one cell per account, two accounts: at most 2 cells */
    pk = run_with("scan-limits-1", accounts_bind, "worker-l1");
    assert_true(pk.per_account <= 1);
    assert_true(pk.accounts <= 2);
    assert_true(pk.cells <= 2);
    assert_int_equal(pk.accounts, 2); /* the limit is what held it back */

    /* three cells in all, of one account or several */
    pk = run_with("scan-limits-2", worker_binds, "worker-l2");
    assert_true(pk.cells <= 3);
    assert_true(pk.per_account <= 3);
    assert_int_equal(pk.cells, 3);
}

static void full_queue_pauses(void **state)
{
    const char *const one[] = {"CELLSCAN_WORKER_CONCURRENCY=1", NULL};
    const char *const paused[] = {"\"msg\":\"paused wt.cell-jobs", NULL};
    const char *const resumed[] = {"\"msg\":\"resumed wt.cell-jobs", NULL};
    struct wt_job jobs[30];
    struct wt_worker w;
    char line[4096];
    FILE *f;
    int backlog = 0, most = 0, queued = 0;
    size_t n;

    (void)state;
    wt_start(SLOW(20));
    n = wt_jobs_grid(jobs, "scan-pause", five, 5, wt_categories, 6);
    wt_worker_start(&w, "worker-p", one);
    wt_publish(jobs, n);
    wt_wait_results(jobs, n, NULL, 180000);
    wt_wait_committed_all(jobs, n, 30000);
    assert_int_equal(cs_proc_stop(&w.proc, 30000), 0);

    /* the log is the main loop's trace: jobs taken in, cells started */
    f = fopen(w.proc.log_path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, "\"msg\":\"job aws_") && strstr(line, " queued (")) {
            backlog++;
            queued++;
        } else if (strstr(line, "\"msg\":\"cell aws_") && strstr(line, " started\"")) {
            backlog--;
        }
        if (backlog > most)
            most = backlog;
    }
    fclose(f);
    print_message("30 jobs, concurrency 1: at most %d waiting; paused %d times\n",
                  most, wt_log_count(&w, paused));
    assert_int_equal(queued, 30); /* each taken once: nothing lost or repeated */
    assert_true(most <= 2);       /* the queue: 2 per cell slot */
    assert_true(wt_log_count(&w, paused) >= 1);
    assert_true(wt_log_count(&w, resumed) >= 1);
    wt_jobs_free(jobs, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(limits_hold_and_bind, teardown),
        cmocka_unit_test_teardown(full_queue_pauses, teardown),
    };
    return cmocka_run_group_tests(tests, wt_group_setup, wt_group_teardown);
}
