/* cellscan run: the embedded default. One process runs the whole fleet
 * (lib/embed/fleet.h: a mock Kafka cluster, the dispatcher, N workers and
 * the aggregator, the daemons' own cores), submits the scan of a scope
 * file, follows it on the topics (lib/embed/watch.h) with a progress bar
 * on a terminal or plain lines otherwise, prints the summary table and
 * writes report.json, report.html and the JSON log into the output
 * directory (docs/operations.md, "cellscan run"). */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "dispatcher/dispatcher.h"
#include "embed/fleet.h"
#include "embed/watch.h"
#include "report/html.h"
#include "report/json.h"
#include "report/table.h"
#include "scope/scope.h"
#include "store/keys.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "wire/names.h"

#define RUN_DEFAULT_OUT "cellscan-out"
#define RUN_LOG_FILE "cellscan.log"
/* the policy's own limit is checked when it is parsed */
#define RUN_POLICY_FILE_MAX (1024 * 1024)
/* after the deadline the aggregator closes the scan and publishes: this
 * long is left for that before giving up */
#define RUN_GRACE_S 30
#define RUN_SUBMIT_WAIT_MS 10000
#define RUN_POLL_MS 100
#define RUN_BAR_EVERY_MS 200
#define RUN_PLAIN_EVERY_MS 5000
#define RUN_DEFAULT_WIDTH 80
#define RUN_PATH_MAX 4096
#define RUN_EXIT_INTERRUPTED 130

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

struct run_args {
    const char *scope;
    const char *policy;
    const char *out;
    const char *scan_id;
    int workers;
};

static int parse_workers(const char *v, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (*v == '\0' || *end != '\0' || n < 1 || n > CS_EMBED_MAX_WORKERS) {
        fprintf(stderr, "cellscan run: --workers must be 1..%d, not \"%s\"\n",
                CS_EMBED_MAX_WORKERS, v);
        return -1;
    }
    *out = (int)n;
    return 0;
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
    static const char *const names[] = {"--scope", "--policy", "--out",
                                        "--scan-id", "--workers", NULL};

    memset(a, 0, sizeof(*a));
    a->out = RUN_DEFAULT_OUT;
    a->workers = CS_EMBED_DEFAULT_WORKERS;
    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
        int k = 0;

        while (names[k] && (strlen(names[k]) != n || strncmp(argv[i], names[k], n)))
            k++;
        if (names[k] == NULL) {
            fprintf(stderr, "cellscan run: unknown argument %s\n", argv[i]);
            return -1;
        }
        if (v == NULL || v[0] == '\0') {
            fprintf(stderr, "cellscan run: %s needs a value\n", names[k]);
            return -1;
        }
        i += !eq;
        if (k == 0)
            a->scope = v;
        else if (k == 1)
            a->policy = v;
        else if (k == 2)
            a->out = v;
        else if (k == 3)
            a->scan_id = v;
        else if (parse_workers(v, &a->workers) != 0)
            return -1;
    }
    if (a->scope == NULL) {
        fprintf(stderr, "cellscan run: --scope FILE is required\n");
        return -1;
    }
    return 0;
}

/* The whole of a regular file of at most max bytes, into b. */
static cs_rc slurp(const char *path, size_t max, struct cs_buf *b,
                   struct cs_err *err)
{
    FILE *f = fopen(path, "rb");
    char block[16384];
    cs_rc rc = CS_OK;

    if (f == NULL)
        return cs_err_set(err, CS_ERR_IO, "%s: %s", path, strerror(errno));
    cs_buf_init(b, max);
    for (;;) {
        size_t got = fread(block, 1, sizeof(block), f);
        if (got == 0)
            break;
        if ((rc = cs_buf_append(b, block, got)) != CS_OK) {
            cs_err_set(err, rc, "%s: %s", path,
                       rc == CS_ERR_LIMIT ? "file too large" : "out of memory");
            break;
        }
    }
    if (rc == CS_OK && ferror(f))
        rc = cs_err_set(err, CS_ERR_IO, "%s: read error", path);
    fclose(f);
    return rc;
}

/* The ScanRequest of the scope (and policy) file, with its scan id and
 * request time, validated as the dispatcher will validate it. */
static cs_rc build_request(const struct cs_config *cfg, const struct run_args *a,
                           Cellscan__V1__ScanRequest **out, struct cs_err *err)
{
    struct cs_buf scope = CS_BUF_INIT(0), policy = CS_BUF_INIT(0);
    struct cs_scope_file_opts fo = {0};
    struct cs_scope_check_opts co = {1, cfg->org_role_arn};
    Cellscan__V1__ScanRequest *r = NULL;
    char id[CS_DISP_SCAN_ID_MAX];
    int64_t now = cs_wall_ms();
    cs_rc rc;

    fo.client_id = cfg->client_id;
    rc = slurp(a->scope, CS_SCOPE_MAX_FILE, &scope, err);
    if (rc == CS_OK && a->policy) {
        rc = slurp(a->policy, RUN_POLICY_FILE_MAX, &policy, err);
        fo.policy_json = cs_buf_str(&policy);
        fo.policy_len = policy.len;
        fo.policy_source = a->policy;
    }
    if (rc == CS_OK)
        rc = cs_scope_parse(cs_buf_str(&scope), scope.len, &fo, &r, err);
    if (rc == CS_OK && a->scan_id)
        rc = cs_store_check_scan_id(a->scan_id, err);
    else if (rc == CS_OK)
        rc = cs_dispatcher_new_scan_id(now, id, sizeof(id), err);
    if (rc == CS_OK) {
        char *dup = strdup(a->scan_id ? a->scan_id : id);
        if (dup == NULL) {
            rc = cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        } else {
            if (r->scan_id != protobuf_c_empty_string)
                free(r->scan_id);
            r->scan_id = dup;
            r->requested_at_ms = now;
            rc = cs_scope_validate_request(r, &co, err);
        }
    }
    cs_buf_free(&scope);
    cs_buf_free(&policy);
    if (rc != CS_OK) {
        cs_scope_request_free(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

/* With Redis, the dispatcher remembers every scan id it dispatched and
 * skips a request that reuses one: refuse it here rather than wait for a
 * report that will not come. */
static cs_rc check_new_scan_id(const struct cs_config *cfg,
                               const Cellscan__V1__ScanRequest *r,
                               struct cs_err *err)
{
    cs_store_t *s = cs_store_new(cfg, err);
    int seen = 0;
    cs_rc rc;

    if (s == NULL)
        return err->code;
    rc = cs_store_seen(s, r->client_id, r->scan_id, &seen, err);
    cs_store_destroy(s);
    if (rc == CS_OK && seen)
        rc = cs_err_set(err, CS_ERR_INVALID,
                        "scan %s of client %s was dispatched before (Redis "
                        "remembers its id); give another --scan-id",
                        r->scan_id, r->client_id);
    return rc;
}

/* Redis only when asked for in the environment (docs/operations.md). */
static int want_redis(void)
{
    const char *url = getenv("CELLSCAN_REDIS_URL");

    return url != NULL && url[0] != '\0';
}

/* mkdir -p */
static cs_rc make_dirs(const char *path, struct cs_err *err)
{
    char p[RUN_PATH_MAX];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof(p))
        return cs_err_set(err, CS_ERR_INVALID, "--out: bad directory name");
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return cs_err_set(err, CS_ERR_IO, "cannot create %s: %s", p,
                              strerror(errno));
        p[i] = i < n ? '/' : '\0';
    }
    return CS_OK;
}

static cs_rc out_path(const char *dir, const char *name, char *out, size_t len,
                      struct cs_err *err)
{
    if (snprintf(out, len, "%s/%s", dir, name) >= (int)len)
        return cs_err_set(err, CS_ERR_INVALID, "--out: directory name too long");
    return CS_OK;
}

/* Writes len bytes of text to dir/name, through a temporary file renamed
 * into place, so a reader never sees half a report. */
static cs_rc write_file(const char *dir, const char *name, const char *text,
                        size_t len, struct cs_err *err)
{
    char path[RUN_PATH_MAX], tmp[RUN_PATH_MAX + 8];
    FILE *f;
    int ok;

    if (out_path(dir, name, path, sizeof(path), err) != CS_OK)
        return CS_ERR_INVALID;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL)
        return cs_err_set(err, CS_ERR_IO, "cannot write %s: %s", tmp,
                          strerror(errno));
    ok = fwrite(text, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return cs_err_set(err, CS_ERR_IO, "cannot write %s: %s", path,
                          strerror(errno));
    }
    return CS_OK;
}

/* report.json and report.html into dir. */
static cs_rc write_reports(const Cellscan__V1__ScanReport *r, const char *dir,
                           struct cs_err *err)
{
    struct cs_buf html = CS_BUF_INIT(CS_MAX_REPORT_TEXT);
    char *json = NULL;
    cs_rc rc = cs_report_json_text(r, &json, err);

    if (rc == CS_OK)
        rc = write_file(dir, "report.json", json, strlen(json), err);
    if (rc == CS_OK)
        rc = cs_report_html(r, &html, err);
    if (rc == CS_OK)
        rc = write_file(dir, "report.html", cs_buf_str(&html), html.len, err);
    free(json);
    cs_buf_free(&html);
    return rc;
}

static void print_table(const Cellscan__V1__ScanReport *r)
{
    struct cs_buf t = CS_BUF_INIT(CS_MAX_REPORT_TEXT);
    struct cs_err err = CS_ERR_INIT;

    if (cs_report_table(r, &t, &err) == CS_OK)
        fputs(cs_buf_str(&t), stdout);
    else
        fprintf(stderr, "cellscan run: %s\n", err.msg);
    cs_buf_free(&t);
}

/* What the terminal looks like: a bar redrawn in place, or plain lines. */
struct display {
    int tty;
    int width;
    int64_t started;  /* monotonic ms */
    int64_t last;     /* last drawn */
};

static void display_init(struct display *d)
{
    struct winsize ws;

    memset(d, 0, sizeof(*d));
    d->tty = isatty(STDOUT_FILENO);
    d->width = RUN_DEFAULT_WIDTH;
    if (d->tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        d->width = ws.ws_col - 1;
    d->started = cs_mono_ms();
    d->last = d->started - RUN_PLAIN_EVERY_MS;
}

/* Draws the progress when it is time to (always when final). */
static void display_progress(struct display *d, const cs_watch_t *w, int final)
{
    struct cs_buf line = CS_BUF_INIT(1024);
    struct cs_progress_snap s;
    int64_t now = cs_mono_ms();

    if (!final && now - d->last < (d->tty ? RUN_BAR_EVERY_MS : RUN_PLAIN_EVERY_MS))
        return;
    d->last = now;
    cs_watch_progress(w, &s);
    if (cs_progress_line(&s, now - d->started,
                         d->tty ? CS_PROGRESS_BAR : CS_PROGRESS_PLAIN, d->width,
                         &line) != CS_OK)
        return;
    if (d->tty) {
        printf("\r%s\033[K%s", cs_buf_str(&line), final ? "\n" : "");
    } else {
        fputs(cs_buf_str(&line), stdout);
    }
    fflush(stdout);
    cs_buf_free(&line);
}

/* How the wait for the report ended. */
enum wait_end { WAIT_REPORT, WAIT_TIMEOUT, WAIT_INTERRUPTED, WAIT_FAILED };

static enum wait_end wait_report(cs_embed_t *e, cs_watch_t *w, int deadline_s,
                                 struct display *d, struct cs_err *err)
{
    int64_t until = cs_mono_ms() + ((int64_t)deadline_s + RUN_GRACE_S) * 1000;
    char why[CS_ERR_MSG_MAX];

    while (cs_watch_report(w) == NULL) {
        if (interrupted)
            return WAIT_INTERRUPTED;
        if (cs_embed_failed(e, why, sizeof(why))) {
            cs_err_set(err, CS_ERR_UNAVAILABLE, "%s", why);
            return WAIT_FAILED;
        }
        if (cs_mono_ms() >= until) {
            cs_err_set(err, CS_ERR_TIMEOUT,
                       "no report %d s after the scan's deadline", RUN_GRACE_S);
            return WAIT_TIMEOUT;
        }
        if (cs_watch_poll(w, RUN_POLL_MS, err) != CS_OK)
            return WAIT_FAILED;
        display_progress(d, w, 0);
    }
    return WAIT_REPORT;
}

/* AssumeRole calls into scanned accounts, by outcome, from the shared
 * registry. */
static void print_assume_roles(const cs_embed_t *e)
{
    const struct cs_fleet_metrics *fm = cs_embed_fleet_metrics(e);
    static const char *const outcomes[] = {"ok", "denied", "error"};
    double n[3] = {0, 0, 0};

    for (int i = 0; i < 3; i++)
        cs_metric_value(fm->assume_role, (const char *const[]){outcomes[i]},
                        &n[i], NULL);
    printf("AssumeRole   %.0f ok, %.0f denied, %.0f failed\n", n[0], n[1], n[2]);
}

static void print_outputs(const char *dir, int with_reports)
{
    if (with_reports) {
        printf("report.json  %s/report.json\n", dir);
        printf("report.html  %s/report.html\n", dir);
    }
    printf("log          %s/%s\n", dir, RUN_LOG_FILE);
}

/* Opens dir/cellscan.log and sends the process's log lines there. */
static int open_log(const struct cs_config *cfg, const char *dir,
                    struct cs_err *err)
{
    char path[RUN_PATH_MAX];
    enum cs_log_level lvl = CS_LOG_INFO;
    int fd;

    if (out_path(dir, RUN_LOG_FILE, path, sizeof(path), err) != CS_OK)
        return -1;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        cs_err_set(err, CS_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    cs_log_level_parse(cfg->log_level, &lvl);
    cs_log_setup("run", lvl, fd);
    return fd;
}

static void set_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Exit status for a scan that ended with report r. */
static int report_status(const Cellscan__V1__ScanReport *r)
{
    if (r->status == CELLSCAN__V1__SCAN_STATUS__SCAN_OK ||
        r->status == CELLSCAN__V1__SCAN_STATUS__SCAN_PARTIAL)
        return 0;
    if (r->reason && r->reason[0])
        fprintf(stderr, "cellscan run: scan %s: %s\n",
                cs_scan_status_name(r->status), r->reason);
    return 1;
}

/* Starts the fleet, submits r, waits for its report and shows it. */
static int run_scan(const struct cs_config *cfg, const struct run_args *a,
                    const Cellscan__V1__ScanRequest *r)
{
    struct cs_embed_opts eo = {a->workers, 0, 0};
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__ScanReport *report = NULL;
    cs_embed_t *e = NULL;
    cs_watch_t *w = NULL;
    struct display d;
    int deadline_s = r->scope->deadline_s ? (int)r->scope->deadline_s
                                          : cfg->scan_deadline_s;
    int status = 1;
    enum wait_end end = WAIT_FAILED;

    eo.redis = want_redis();
    e = cs_embed_start(cfg, &eo, &err);
    if (e == NULL)
        goto fail;
    w = cs_watch_new(cs_embed_config(e), cs_embed_envp(e), r->scan_id, &err);
    if (w == NULL)
        goto fail;
    printf("scan         %s (client %s)\n", r->scan_id, r->client_id);
    printf("fleet        dispatcher, %d worker%s, aggregator; Kafka in process at "
           "%s%s\n",
           a->workers, a->workers == 1 ? "" : "s", cs_embed_bootstrap(e),
           eo.redis ? "; reports also in Redis" : "");
    fflush(stdout);
    if (cs_dispatcher_submit(cs_embed_config(e), cs_embed_envp(e), r,
                             RUN_SUBMIT_WAIT_MS, &err) != CS_OK)
        goto fail;
    display_init(&d);
    end = wait_report(e, w, deadline_s, &d, &err);
    display_progress(&d, w, 1);
    report = cs_watch_take_report(w);
    if (report) {
        putchar('\n');
        print_table(report);
        putchar('\n');
        print_assume_roles(e);
        if (write_reports(report, a->out, &err) != CS_OK)
            goto fail;
        status = report_status(report);
    } else if (end == WAIT_INTERRUPTED) {
        fprintf(stderr, "cellscan run: interrupted\n");
        status = RUN_EXIT_INTERRUPTED;
    } else {
        goto fail;
    }
    print_outputs(a->out, report != NULL);
    goto cleanup;
fail:
    fprintf(stderr, "cellscan run: %s (log: %s/%s)\n", err.msg, a->out,
            RUN_LOG_FILE);
    status = 1;
cleanup:
    fflush(stdout);
    cs_watch_destroy(w);
    if (e && cs_embed_stop(e, &err) != CS_OK && status == 0)
        cs_log(NULL, CS_LOG_WARN, "stopping the fleet: %s", err.msg);
    cs_embed_destroy(e);
    if (report)
        cellscan__v1__scan_report__free_unpacked(report, NULL);
    return status;
}

static int run_run(struct cs_cli *cli, int argc, char **argv)
{
    Cellscan__V1__ScanRequest *r = NULL;
    struct cs_err err = CS_ERR_INIT;
    struct run_args a;
    int status, log_fd;

    if (parse_args(argc, argv, &a) != 0)
        return CS_CLI_USAGE_EXIT;
    /* a scope that cannot be read or is not valid is a bad argument; a
     * scan id Redis has seen too, Redis not answering is not */
    if (build_request(cli->cfg, &a, &r, &err) != CS_OK) {
        fprintf(stderr, "cellscan run: %s\n", err.msg);
        return err.code == CS_ERR_NOMEM ? 1 : CS_CLI_USAGE_EXIT;
    }
    if (want_redis() && check_new_scan_id(cli->cfg, r, &err) != CS_OK) {
        fprintf(stderr, "cellscan run: %s\n", err.msg);
        cs_scope_request_free(r);
        return err.code == CS_ERR_INVALID ? CS_CLI_USAGE_EXIT : 1;
    }
    if (make_dirs(a.out, &err) != CS_OK ||
        (log_fd = open_log(cli->cfg, a.out, &err)) < 0) {
        fprintf(stderr, "cellscan run: %s\n", err.msg);
        cs_scope_request_free(r);
        return 1;
    }
    set_signals();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    status = run_scan(cli->cfg, &a, r);
    curl_global_cleanup();
    cs_log_setup("cli", cs_log_min_level(), 2);
    close(log_fd);
    cs_scope_request_free(r);
    return status;
}

const struct cs_cli_cmd cs_cmd_run = {
    "run", "run a scan with the whole fleet in this process (the default)",
    "usage: cellscan run --scope FILE [--policy FILE] [--workers N] [--out DIR]\n"
    "                    [--scan-id ID]\n"
    "  Starts an in-process Kafka cluster, the dispatcher, N workers (1..64,\n"
    "  default 3) and the aggregator (the daemons' own code, on threads),\n"
    "  submits the scan of the scope file (docs/scope.md; the tag policy\n"
    "  inline or --policy FILE) and follows it: a progress bar on a terminal,\n"
    "  plain progress lines every 5 s otherwise. Then prints the summary\n"
    "  table and writes report.json and report.html into DIR (default\n"
    "  ./cellscan-out, created if missing); the JSON log goes to\n"
    "  DIR/cellscan.log. AWS credentials and endpoints come from the usual\n"
    "  AWS variables; Kafka settings are not used. Redis is used only when\n"
    "  CELLSCAN_REDIS_URL is set in the environment (then `cellscan report`\n"
    "  can read the report later). Exit status: 0 the scan finished (ok or\n"
    "  partial), 1 it failed, was rejected, or no report came by the\n"
    "  deadline + 30 s, 2 bad arguments, an invalid scope, or (with Redis)\n"
    "  a --scan-id dispatched before, 130 interrupted.\n\n",
    run_run,
};
