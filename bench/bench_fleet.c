/* bench_fleet: a synthetic AWS organization (tests/awssim/synthetic.py)
 * scanned by the embedded fleet, the code path of `cellscan run`
 * (lib/embed/fleet.h: the mock Kafka cluster, the dispatcher, N worker
 * cores and the aggregator on threads of this process). The scan
 * discovers the organization through its org-discovery role, as a user's
 * scope would, and the bench follows it on the topics (embed/watch.h)
 * until the report arrives.
 *
 * Prints wall time, this process's CPU per 1,000 resources scanned, the
 * process's peak RSS (the workers are threads of it), resources and cells
 * from the report, and AssumeRole calls as the simulator's request log and
 * the fleet's metrics count them. The simulator is one Python process on
 * loopback and sets the pace (its latency, more than its CPU); its CPU is
 * measured apart from ours (/proc/<pid>/stat). Exit status 1 when the report is not complete
 * (status ok, every cell with data, every account), when the two
 * AssumeRole counts differ from each other or from the accounts scanned,
 * when no report comes within --timeout (+ 30 s), or when the fleet does
 * not stop within STOP_LIMIT_S; 2 for bad arguments.
 *
 *   build/bench/bench_fleet [--accounts N] [--resources M] [--workers W]
 *                           [--categories ec2,s3,...] [--seed S] [--timeout S]
 *
 * Other settings come from the environment as for `cellscan run`
 * (CELLSCAN_WORKER_CONCURRENCY, CELLSCAN_MAX_CONCURRENT_ACCOUNTS, ...).
 * The fleet's JSON log and the simulator's go to a temporary directory,
 * kept (and named on stderr) when the bench fails or CELLSCAN_KEEP_TMP is
 * set.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "dispatcher/dispatcher.h"
#include "embed/fleet.h"
#include "embed/watch.h"
#include "scope/scope.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/log.h"
#include "wire/names.h"

#include "support.h"

#define DEFAULT_ACCOUNTS 1000
#define DEFAULT_RESOURCES 40
#define DEFAULT_SEED 7
#define DEFAULT_TIMEOUT_S 900
#define ALL_CATEGORIES "ec2,s3,rds,lambda,ecs,eks,tagging"
/* the synthetic organization's regions (synthetic.py's default) */
#define REGIONS "us-east-1:eu-west-1"
#define MEMBER_ROLE "CellScanReadOnly"
#define POLICY_FILE "/tests/awssim/fixtures/demo-policy.json"
#define POLICY_MAX (64 * 1024)
/* as `cellscan run`: after the deadline the aggregator closes the scan */
#define GRACE_S 30
#define SUBMIT_WAIT_MS 10000
#define POLL_MS 100
#define PROGRESS_EVERY_MS 10000
#define LOG_FILE "fleet.log"
/* Every core drains for at most CS_EMBED_DRAIN_S and closes its Kafka
 * clients within a few seconds more: a fleet that has not stopped after
 * this long will not, and the bench exits without it. */
#define STOP_LIMIT_S 60

static char stop_stuck_msg[1200];

struct args {
    int accounts, resources, workers, seed, timeout_s;
    const char *categories;
};

/* A point in time: wall clock, our CPU, the simulator's CPU. */
struct mark {
    int64_t wall_ms;
    double cpu_s, sim_cpu_s;
};

/* AssumeRole calls the simulator answered, from its admin API. */
struct sim_assume {
    long total;          /* every AssumeRole (counters: never truncated) */
    long member_ok;      /* into CellScanReadOnly, answered ok */
    long member_other;   /* into CellScanReadOnly, refused or failed */
    long member_accounts; /* distinct accounts of member_ok */
    long discovery;      /* into the org-discovery role */
    long requests;       /* every request the simulator answered */
};

/* One run of the bench: what it starts, and what it measured. */
struct run {
    struct args a;
    char spec[256]; /* the synthetic organization's */
    struct cs_bench_sim sim;
    struct cs_config cfg;
    Cellscan__V1__ScanRequest *req;
    size_t ncategories;
    cs_embed_t *e;
    cs_watch_t *w;
    Cellscan__V1__ScanReport *report;
    struct mark start, submit, done; /* fleet start, submit, report */
    int64_t manifest_ms;
};

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_fleet [--accounts N] [--resources M] [--workers W]\n"
            "                   [--categories LIST] [--seed S] [--timeout S]\n"
            "  --accounts    accounts in the synthetic organization (default %d)\n"
            "  --resources   resources per account (default %d)\n"
            "  --workers     worker cores, 1..%d (default %d)\n"
            "  --categories  comma-separated (default %s)\n"
            "  --seed        the organization's seed (default %d)\n"
            "  --timeout     scan deadline, seconds, 60..86400 (default %d); the\n"
            "                bench gives up %d s after it\n",
            DEFAULT_ACCOUNTS, DEFAULT_RESOURCES, CS_EMBED_MAX_WORKERS,
            CS_EMBED_DEFAULT_WORKERS, ALL_CATEGORIES, DEFAULT_SEED,
            DEFAULT_TIMEOUT_S, GRACE_S);
}

static int parse_int(const char *name, const char *v, long lo, long hi, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (*v == '\0' || *end != '\0' || n < lo || n > hi) {
        fprintf(stderr, "bench_fleet: %s must be %ld..%ld, not \"%s\"\n", name, lo,
                hi, v);
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* Takes the value of flag argv[*i] ("--x=v" or "--x v"); NULL if none. */
static const char *flag_value(int argc, char **argv, int *i, size_t namelen)
{
    const char *a = argv[*i];

    if (a[namelen] == '=')
        return a + namelen + 1;
    if (a[namelen] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

/* The categories of list (comma-separated), each checked, appended to arr;
 * the count into *n. */
static cs_rc add_categories(const char *list, json_t *arr, size_t *n,
                            struct cs_err *err)
{
    char buf[256], *save = NULL;

    *n = 0;
    if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
        return cs_err_set(err, CS_ERR_INVALID, "--categories: too long");
    for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        const char *why = cs_scope_check_category(c);
        if (why != NULL)
            return cs_err_set(err, CS_ERR_INVALID, "--categories: %s, got \"%.32s\"",
                              why, c);
        /* the scan would count it once, and the bench expect one cell too
         * many per account */
        for (size_t k = 0; k < json_array_size(arr); k++)
            if (strcmp(json_string_value(json_array_get(arr, k)), c) == 0)
                return cs_err_set(err, CS_ERR_INVALID, "--categories: %s given twice", c);
        if (json_array_append_new(arr, json_string(c)) != 0)
            return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        (*n)++;
    }
    if (*n == 0)
        return cs_err_set(err, CS_ERR_INVALID, "--categories: none given");
    return CS_OK;
}

/* Whether --categories is a valid list; prints why not. */
static int check_categories(const char *list)
{
    struct cs_err err = CS_ERR_INIT;
    json_t *arr = json_array();
    size_t n;
    cs_rc rc = arr ? add_categories(list, arr, &n, &err)
                   : cs_err_set(&err, CS_ERR_NOMEM, "out of memory");

    json_decref(arr);
    if (rc != CS_OK)
        fprintf(stderr, "bench_fleet: %s\n", err.msg);
    return rc == CS_OK ? 0 : -1;
}

static int parse_one(int argc, char **argv, int *i, struct args *a)
{
    static const char *const names[] = {"--accounts", "--resources", "--workers",
                                        "--categories", "--seed", "--timeout",
                                        NULL};
    const char *v = NULL;
    int k;

    for (k = 0; names[k]; k++) {
        size_t n = strlen(names[k]);
        if (strncmp(argv[*i], names[k], n) == 0 &&
            (argv[*i][n] == '\0' || argv[*i][n] == '=')) {
            v = flag_value(argc, argv, i, n);
            break;
        }
    }
    if (names[k] == NULL || v == NULL) {
        fprintf(stderr, "bench_fleet: %s %s\n",
                names[k] ? "no value for" : "unknown argument", argv[*i]);
        return -1;
    }
    switch (k) {
    case 0: return parse_int(names[k], v, 1, 1000000, &a->accounts);
    case 1: return parse_int(names[k], v, 0, 100000, &a->resources);
    case 2: return parse_int(names[k], v, 1, CS_EMBED_MAX_WORKERS, &a->workers);
    case 3: a->categories = v; return check_categories(v);
    case 4: return parse_int(names[k], v, 0, 1000000, &a->seed);
    default:
        return parse_int(names[k], v, CS_SCOPE_DEADLINE_MIN,
                         CS_SCOPE_DEADLINE_MAX, &a->timeout_s);
    }
}

static int parse_args(int argc, char **argv, struct args *a)
{
    a->accounts = DEFAULT_ACCOUNTS;
    a->resources = DEFAULT_RESOURCES;
    a->workers = CS_EMBED_DEFAULT_WORKERS;
    a->seed = DEFAULT_SEED;
    a->timeout_s = DEFAULT_TIMEOUT_S;
    a->categories = ALL_CATEGORIES;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            parse_one(argc, argv, &i, a) != 0) {
            usage();
            return -1;
        }
    }
    return 0;
}

/* The scope file a user would write for this organization, as JSON text.
 * Caller frees with free(). */
static char *scope_text(const struct args *a, const char *org_role,
                        size_t *ncategories, struct cs_err *err)
{
    json_t *cats = json_array();
    json_t *scope = NULL;
    char *text = NULL;

    if (cats == NULL || add_categories(a->categories, cats, ncategories, err) != CS_OK) {
        if (cats == NULL)
            cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        json_decref(cats);
        return NULL;
    }
    scope = json_pack("{s:s, s:s, s:{s:s}, s:o, s:[s,s], s:s, s:s, s:i}",
                      "client_id", "bench", "plan", "enterprise",
                      "organization", "org_role_arn", org_role,
                      "categories", cats, "regions", "us-east-1", "eu-west-1",
                      "role_name", MEMBER_ROLE, "external_id", CS_BENCH_EXTERNAL_ID,
                      "deadline_s", a->timeout_s);
    if (scope)
        text = json_dumps(scope, JSON_COMPACT);
    json_decref(scope);
    if (text == NULL)
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    return text;
}

/* tests/awssim/fixtures/demo-policy.json, the policy bench_extract uses. */
static cs_rc read_policy(struct cs_buf *b, struct cs_err *err)
{
    char path[1024], block[4096];
    FILE *f;
    size_t got;
    cs_rc rc = CS_OK;

    snprintf(path, sizeof(path), "%s%s", CS_SOURCE_DIR, POLICY_FILE);
    f = fopen(path, "rb");
    if (f == NULL)
        return cs_err_set(err, CS_ERR_IO, "cannot read %s", path);
    cs_buf_init(b, POLICY_MAX);
    while (rc == CS_OK && (got = fread(block, 1, sizeof(block), f)) > 0)
        rc = cs_buf_append(b, block, got);
    fclose(f);
    if (rc != CS_OK)
        cs_err_set(err, rc, "%s: %s", path,
                   rc == CS_ERR_LIMIT ? "too large" : "out of memory");
    return rc;
}

/* The ScanRequest `cellscan run --scope <scope_text> --policy <demo
 * policy>` would submit, validated as the dispatcher validates it. */
static cs_rc build_request(const struct args *a, const char *org_role,
                           size_t *ncategories, Cellscan__V1__ScanRequest **out,
                           struct cs_err *err)
{
    struct cs_buf policy = CS_BUF_INIT(0);
    struct cs_scope_file_opts fo = {0};
    Cellscan__V1__ScanRequest *r = NULL;
    char id[CS_DISP_SCAN_ID_MAX];
    char *scope = scope_text(a, org_role, ncategories, err);
    int64_t now = cs_wall_ms();
    cs_rc rc = scope ? read_policy(&policy, err) : CS_ERR_INVALID;

    fo.policy_json = cs_buf_str(&policy);
    fo.policy_len = policy.len;
    fo.policy_source = POLICY_FILE + 1;
    if (rc == CS_OK)
        rc = cs_scope_parse(scope, strlen(scope), &fo, &r, err);
    if (rc == CS_OK)
        rc = cs_dispatcher_new_scan_id(now, id, sizeof(id), err);
    if (rc == CS_OK) {
        if (r->scan_id != protobuf_c_empty_string)
            free(r->scan_id);
        r->scan_id = strdup(id);
        r->requested_at_ms = now;
        rc = r->scan_id ? cs_scope_validate_request(r, NULL, err)
                        : cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    }
    free(scope);
    cs_buf_free(&policy);
    if (rc != CS_OK) {
        cs_scope_request_free(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

/* Sends the process's log lines to dir/fleet.log, as `cellscan run` sends
 * them to its output directory. Returns the fd, or -1. */
static int open_log(const struct cs_config *cfg, const char *dir)
{
    char path[1024];
    enum cs_log_level lvl = CS_LOG_INFO;
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, LOG_FILE);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        return -1;
    }
    cs_log_level_parse(cfg->log_level, &lvl);
    cs_log_setup("bench", lvl, fd);
    return fd;
}

static void mark_now(struct mark *m, const struct cs_bench_sim *sim)
{
    m->wall_ms = cs_mono_ms();
    m->cpu_s = cs_bench_cpu_s();
    m->sim_cpu_s = cs_bench_pid_cpu_s(sim->aws.proc.pid);
}

static void print_progress(const cs_watch_t *w, int64_t elapsed_ms)
{
    struct cs_buf line = CS_BUF_INIT(1024);
    struct cs_progress_snap s;

    cs_watch_progress(w, &s);
    if (cs_progress_line(&s, elapsed_ms, CS_PROGRESS_PLAIN, 100, &line) == CS_OK)
        fputs(cs_buf_str(&line), stderr);
    cs_buf_free(&line);
}

/* Follows the scan until its report, a failed core, or the deadline plus
 * GRACE_S; *manifest_ms gets when the manifest was seen (discovery and
 * dispatch done), or stays 0. */
static cs_rc wait_report(cs_embed_t *e, cs_watch_t *w, int deadline_s,
                         int64_t *manifest_ms, struct cs_err *err)
{
    int64_t start = cs_mono_ms(), last = start;
    int64_t until = start + ((int64_t)deadline_s + GRACE_S) * 1000;
    char why[CS_ERR_MSG_MAX];

    while (cs_watch_report(w) == NULL) {
        struct cs_progress_snap s;
        int64_t now = cs_mono_ms();

        if (cs_embed_failed(e, why, sizeof(why)))
            return cs_err_set(err, CS_ERR_UNAVAILABLE, "%s", why);
        if (now >= until)
            return cs_err_set(err, CS_ERR_TIMEOUT, "no report %d s after the deadline",
                              GRACE_S);
        if (cs_watch_poll(w, POLL_MS, err) != CS_OK)
            return err->code;
        cs_watch_progress(w, &s);
        if (*manifest_ms == 0 && s.have_manifest)
            *manifest_ms = cs_mono_ms();
        if (now - last >= PROGRESS_EVERY_MS) {
            print_progress(w, now - start);
            last = now;
        }
    }
    return CS_OK;
}

static double fleet_assume(const cs_embed_t *e, const char *outcome)
{
    double v = 0;

    cs_metric_value(cs_embed_fleet_metrics(e)->assume_role,
                    (const char *const[]){outcome}, &v, NULL);
    return v;
}

/* GET path of the simulator's admin API, parsed. */
static json_t *admin_get(const struct cs_bench_sim *sim, const char *path,
                         struct cs_err *err)
{
    char *body = cs_awssim_admin(&sim->aws, "GET", path, NULL);
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;

    free(body);
    if (j == NULL)
        cs_err_set(err, CS_ERR_UNAVAILABLE, "simulator admin GET %s failed", path);
    return j;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = s ? strlen(s) : 0, t = strlen(tail);

    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* Counts the AssumeRole entries of the request log by role and outcome. */
static void count_log(json_t *entries, struct sim_assume *out)
{
    json_t *seen = json_object(), *e;
    size_t i;

    json_array_foreach(entries, i, e) {
        const char *role = json_string_value(json_object_get(e, "role_arn"));
        const char *outcome = json_string_value(json_object_get(e, "outcome"));
        const char *target = json_string_value(json_object_get(e, "target_account"));
        if (!ends_with(role, ":role/" MEMBER_ROLE)) {
            out->discovery++;
        } else if (outcome && strcmp(outcome, "ok") == 0) {
            out->member_ok++;
            if (seen && target)
                json_object_set_new(seen, target, json_true());
        } else {
            out->member_other++;
        }
    }
    out->member_accounts = seen ? (long)json_object_size(seen) : -1;
    json_decref(seen);
}

/* AssumeRole calls from the simulator: the total from its counters, the
 * split by role from its request log (which keeps the newest 100,000
 * requests: a log that lost some is an error, not a smaller count). */
static cs_rc sim_assume_roles(const struct cs_bench_sim *sim,
                              struct sim_assume *out, struct cs_err *err)
{
    json_t *counters = NULL, *log = NULL, *row;
    size_t i;
    cs_rc rc = CS_OK;

    memset(out, 0, sizeof(*out));
    counters = admin_get(sim, "/_awssim/counters", err);
    if (counters)
        log = admin_get(sim, "/_awssim/log?service=sts&operation=AssumeRole", err);
    if (log == NULL) {
        rc = CS_ERR_UNAVAILABLE;
        goto cleanup;
    }
    out->requests = (long)json_integer_value(json_object_get(counters, "total"));
    json_array_foreach(json_object_get(counters, "assume_role"), i, row)
        out->total += (long)json_integer_value(json_object_get(row, "count"));
    count_log(json_object_get(log, "entries"), out);
    if (out->discovery + out->member_ok + out->member_other != out->total)
        rc = cs_err_set(err, CS_ERR_LIMIT,
                        "the simulator's request log holds %ld of %ld AssumeRole calls "
                        "(it keeps the newest 100,000 requests): scan fewer resources",
                        out->discovery + out->member_ok + out->member_other, out->total);
cleanup:
    json_decref(counters);
    json_decref(log);
    return rc;
}

/* Whether r covers the whole organization: ok, every cell with data,
 * every account, none skipped. Prints what is missing. */
static int report_complete(const Cellscan__V1__ScanReport *r, const struct args *a,
                           size_t ncategories)
{
    const Cellscan__V1__Totals *t = r->overall;
    uint64_t cells = (uint64_t)a->accounts * ncategories;
    int ok = 1;

    if (r->status != CELLSCAN__V1__SCAN_STATUS__SCAN_OK) {
        fprintf(stderr, "bench_fleet: report status %s%s%s\n",
                cs_scan_status_name(r->status), r->reason[0] ? ": " : "", r->reason);
        ok = 0;
    }
    if (t == NULL || t->cells_expected != cells || t->cells_with_data != cells) {
        fprintf(stderr, "bench_fleet: %u of %u cells with data, %llu expected\n",
                t ? t->cells_with_data : 0, t ? t->cells_expected : 0,
                (unsigned long long)cells);
        ok = 0;
    }
    if (r->n_accounts != (size_t)a->accounts || r->n_skipped_accounts != 0) {
        fprintf(stderr, "bench_fleet: %zu accounts in the report (%zu skipped), %d expected\n",
                r->n_accounts, r->n_skipped_accounts, a->accounts);
        ok = 0;
    }
    return ok;
}

/* One AssumeRole per account scanned, by both counts. */
static int assume_roles_agree(const struct sim_assume *s, double fleet_ok,
                              double fleet_bad, size_t scanned)
{
    if (s->member_ok == (long)scanned && s->member_accounts == (long)scanned &&
        s->member_other == 0 && fleet_ok == (double)scanned && fleet_bad == 0)
        return 1;
    fprintf(stderr,
            "bench_fleet: AssumeRole: simulator %ld ok into %ld accounts (%ld not ok), "
            "fleet metric %.0f ok (%.0f not ok), %zu accounts scanned\n",
            s->member_ok, s->member_accounts, s->member_other, fleet_ok, fleet_bad,
            scanned);
    return 0;
}

static void print_figures(const struct run *r, const struct sim_assume *s,
                          double fleet_ok)
{
    const Cellscan__V1__ScanReport *rep = r->report;
    const Cellscan__V1__Totals *t = rep->overall;
    uint64_t res = t ? t->total : 0;
    double k = res ? 1000.0 / (double)res : 0.0;
    double cpu = r->done.cpu_s - r->submit.cpu_s;
    double sim_cpu = r->done.sim_cpu_s - r->submit.sim_cpu_s;
    double wall = (double)(r->done.wall_ms - r->submit.wall_ms) / 1e3;
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    printf("synthetic org:      %s\n", r->spec);
    printf("fleet:              dispatcher, %d worker%s, aggregator: threads of this "
           "process (embedded, as `cellscan run`)\n", r->a.workers,
           r->a.workers == 1 ? "" : "s");
    printf("categories:         %s\n", r->a.categories);
    printf("fleet start:        %.2f s wall, %.2f CPU-s\n",
           (double)(r->submit.wall_ms - r->start.wall_ms) / 1e3,
           r->submit.cpu_s - r->start.cpu_s);
    printf("scan wall time:     %.2f s, submit to report (discovery and dispatch: "
           "%.2f s of it)\n", wall,
           r->manifest_ms ? (double)(r->manifest_ms - r->submit.wall_ms) / 1e3 : -1.0);
    printf("resources scanned:  %llu (%llu compliant, %llu violations)\n",
           (unsigned long long)res, (unsigned long long)(t ? t->compliant : 0),
           (unsigned long long)(t ? t->violations : 0));
    printf("cells:              %u (%u with data) in %zu accounts\n",
           t ? t->cells_expected : 0, t ? t->cells_with_data : 0, rep->n_accounts);
    printf("AWS requests:       %ld answered by the simulator (discovery included)\n",
           s->requests);
    printf("cellscan CPU:       %.2f s user+sys of this process, submit to report "
           "(%.0f%% of one core): %.3f CPU-s per 1,000 resources\n", cpu,
           wall > 0 ? cpu * 100.0 / wall : 0.0, cpu * k);
    printf("simulator CPU:      %.2f s, the Python simulator (pid %d, /proc/pid/stat; "
           "%.0f%% of one core): %.3f CPU-s per 1,000 resources\n", sim_cpu,
           (int)r->sim.aws.proc.pid, wall > 0 ? sim_cpu * 100.0 / wall : 0.0,
           sim_cpu * k);
    printf("peak RSS:           %.1f MiB, ru_maxrss of this process (the workers are "
           "threads in it, beside the dispatcher, the aggregator and the Kafka mock "
           "cluster)\n", (double)ru.ru_maxrss / 1024.0);
    printf("AssumeRole:         %ld (simulator's request log, into %s of %ld accounts), "
           "%.0f (fleet metric cellscan_assume_role_total{outcome=\"ok\"}); %ld more "
           "for discovery\n", s->member_ok, MEMBER_ROLE, s->member_accounts, fleet_ok,
           s->discovery);
}

/* Starts the fleet, submits the scan and waits for its report. */
static cs_rc scan(struct run *r, struct cs_err *err)
{
    struct cs_embed_opts eo = {r->a.workers, 0, 0};

    mark_now(&r->start, &r->sim);
    r->e = cs_embed_start(&r->cfg, &eo, err);
    if (r->e == NULL)
        return err->code;
    r->w = cs_watch_new(cs_embed_config(r->e), cs_embed_envp(r->e), r->req->scan_id, err);
    if (r->w == NULL)
        return err->code;
    mark_now(&r->submit, &r->sim);
    if (cs_dispatcher_submit(cs_embed_config(r->e), cs_embed_envp(r->e), r->req,
                             SUBMIT_WAIT_MS, err) != CS_OK)
        return err->code;
    if (wait_report(r->e, r->w, r->a.timeout_s, &r->manifest_ms, err) != CS_OK)
        return err->code;
    mark_now(&r->done, &r->sim);
    r->report = cs_watch_take_report(r->w);
    return CS_OK;
}

/* Checks and prints; returns the exit status. */
static int judge(struct run *r, struct cs_err *err)
{
    struct sim_assume s;
    double fleet_ok = fleet_assume(r->e, "ok");
    double fleet_bad = fleet_assume(r->e, "denied") + fleet_assume(r->e, "error");
    int complete, agree;

    if (sim_assume_roles(&r->sim, &s, err) != CS_OK)
        return 1;
    print_figures(r, &s, fleet_ok);
    complete = report_complete(r->report, &r->a, r->ncategories);
    agree = assume_roles_agree(&s, fleet_ok, fleet_bad, r->report->n_accounts);
    printf("result:             %s\n",
           complete && agree ? "complete, one AssumeRole per account"
                             : "FAILED (see stderr)");
    return complete && agree ? 0 : 1;
}

static void on_stop_stuck(int sig)
{
    ssize_t n = write(2, stop_stuck_msg, strlen(stop_stuck_msg));

    (void)sig;
    (void)n;
    _exit(1);
}

/* Exits the process (status 1) when the fleet is still stopping after
 * STOP_LIMIT_S, naming the kept logs. */
static void arm_stop_limit(const struct run *r)
{
    snprintf(stop_stuck_msg, sizeof(stop_stuck_msg),
             "bench_fleet: the fleet did not stop within %d s; exiting without "
             "it (logs kept in %s)\n", STOP_LIMIT_S, r->sim.tmpdir);
    signal(SIGALRM, on_stop_stuck);
    alarm(STOP_LIMIT_S);
}

/* Closes the watcher and stops the fleet as `cellscan run` does; prints
 * how long that took. Returns 0, or -1 when a core ended with a failure. */
static int stop_fleet(struct run *r)
{
    struct cs_err err = CS_ERR_INIT;
    int64_t t0 = cs_mono_ms();
    int rc = 0;

    arm_stop_limit(r);
    cs_watch_destroy(r->w);
    r->w = NULL;
    if (r->e != NULL && cs_embed_stop(r->e, &err) != CS_OK) {
        fprintf(stderr, "bench_fleet: stopping the fleet: %s\n", err.msg);
        rc = -1;
    }
    if (r->e != NULL)
        printf("fleet stop:         %.2f s\n", (double)(cs_mono_ms() - t0) / 1e3);
    cs_embed_destroy(r->e);
    r->e = NULL;
    alarm(0);
    return rc;
}

static int bench(struct run *r, struct cs_err *err)
{
    char role[128];
    char *cargv[] = {"bench_fleet", NULL};
    int cargc = 1, status = 1, log_fd = -1;

    snprintf(r->spec, sizeof(r->spec),
             "accounts=%d,resources=%d,seed=%d,compliance=0.7,regions=%s", r->a.accounts,
             r->a.resources, r->a.seed, REGIONS);
    cs_bench_synthetic_org_role(r->a.seed, role, sizeof(role));
    if (cs_bench_sim_start(&r->sim, (const char *const[]){"--synthetic", r->spec, NULL}) != 0)
        return 1;
    cs_bench_aws_env(r->sim.aws.url);
    if (cs_config_load(&r->cfg, CS_PROG_CLI, &cargc, cargv, err) != CS_OK ||
        build_request(&r->a, role, &r->ncategories, &r->req, err) != CS_OK)
        goto cleanup;
    log_fd = open_log(&r->cfg, r->sim.tmpdir);
    if (log_fd < 0)
        goto cleanup;
    fprintf(stderr, "bench_fleet: scan %s of %s, %d workers\n", r->req->scan_id,
            r->spec, r->a.workers);
    if (scan(r, err) == CS_OK)
        status = judge(r, err);
cleanup:
    if (status != 0 && err->msg[0])
        fprintf(stderr, "bench_fleet: %s\n", err->msg);
    /* the figures are out before the fleet stops: they survive a stop that
     * goes wrong, and nothing needs the simulator any more (cells still in
     * flight after a timeout fail at once instead of running on) */
    fflush(stdout);
    cs_bench_sim_stop(&r->sim);
    if (stop_fleet(r) != 0)
        status = 1;
    cs_log_setup("bench", cs_log_min_level(), 2);
    if (log_fd >= 0)
        close(log_fd);
    cs_bench_sim_cleanup(&r->sim, status != 0);
    return status;
}

int main(int argc, char **argv)
{
    struct cs_err err = CS_ERR_INIT;
    struct run r;
    int status;

    memset(&r, 0, sizeof(r));
    if (parse_args(argc, argv, &r.a) != 0)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    status = bench(&r, &err);
    if (r.report)
        cellscan__v1__scan_report__free_unpacked(r.report, NULL);
    cs_scope_request_free(r.req);
    cs_config_free(&r.cfg);
    curl_global_cleanup();
    return status;
}
