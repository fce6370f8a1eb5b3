#include "worker/worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/admin.h"
#include "util/clock.h"
#include "worker/core.h"

/* Main loop timing. The consumer is polled every turn (heartbeats,
 * rebalances); while cells run or results await their delivery report the
 * turn is short so finished cells are published promptly. */
#define POLL_IDLE_MS 100
#define POLL_BUSY_MS 10
#define MAX_MESSAGES_PER_TURN 64
#define HOUSEKEEPING_MS 5000
#define LAG_TIMEOUT_MS 500
#define PROBE_TIMEOUT_MS 1000
#define STARTUP_RETRY_MS 500
/* A send that finds the producer queue full waits this long, then the
 * message is retried from the main loop (which keeps polling). */
#define SEND_WAIT_MS 100
/* Shutdown bounds after the drain window. */
#define CANCEL_WAIT_MS 3000
#define CLOSE_MS 5000
#define FLUSH_MS 3000
/* Offsets one partition's commit window may span (bus/tracker.h). */
#define TRACKER_WINDOW 65536
/* Local queue capacity per cell slot (CELLSCAN_WORKER_CONCURRENCY). */
#define QUEUE_PER_CELL 2
/* Room kept below message.max.bytes for key, headers and framing. */
#define RESULT_HEADROOM 4096
#define DEFAULT_MESSAGE_MAX 1000000

void wk_log_job(const struct job *j, enum cs_log_level lvl, const char *fmt,
                ...)
{
    struct cs_log_ctx ctx = {WK_COMPONENT, NULL, NULL};
    char line[1024];
    va_list ap;

    if (lvl < cs_log_min_level())
        return;
    if (j && j->msg) {
        ctx.client_id = j->msg->client_id;
        ctx.scan_id = j->msg->scan_id;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    cs_log(&ctx, lvl, "%s", line);
}

void wk_metric_add(cs_metric_t *f, const char *const *values, double v)
{
    if (f)
        cs_metric_add(f, values, v, NULL);
}

static void set_atomic64(int64_t *p, int64_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static int64_t get_atomic64(const int64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void set_state(cs_worker_t *w, int s)
{
    __atomic_store_n(&w->state, s, __ATOMIC_RELEASE);
}

void wk_set_fatal(cs_worker_t *w, const char *why)
{
    snprintf(w->error, sizeof(w->error), "%s", why);
    __atomic_store_n(&w->fatal, 1, __ATOMIC_RELEASE);
}

static void kafka_reachable(cs_worker_t *w, int up)
{
    if (up)
        set_atomic64(&w->kafka_down_since_ms, 0);
    else if (get_atomic64(&w->kafka_down_since_ms) == 0)
        set_atomic64(&w->kafka_down_since_ms, cs_mono_ms());
}

struct part *wk_part_get(cs_worker_t *w, int32_t id, int create)
{
    struct part *np;

    for (size_t i = 0; i < w->nparts; i++)
        if (w->parts[i].id == id)
            return &w->parts[i];
    if (!create)
        return NULL;
    if (w->nparts == w->capparts) {
        size_t cap = w->capparts ? w->capparts * 2 : 16;

        np = realloc(w->parts, cap * sizeof(*np));
        if (np == NULL)
            return NULL;
        w->parts = np;
        w->capparts = cap;
    }
    np = &w->parts[w->nparts++];
    memset(np, 0, sizeof(*np));
    np->id = id;
    np->point = -1;
    return np;
}

/* Whether a job's completion still counts for its partition: assigned to
 * this core, in the same assignment the job was tracked in. */
int wk_job_counts(cs_worker_t *w, const struct job *j)
{
    const struct part *p = wk_part_get(w, j->partition, 0);

    return p && p->assigned && p->epoch == j->epoch;
}

/* Commits the partition's commit point if it moved; async from the loop,
 * sync on revoke and shutdown (sync also re-commits the last point, in
 * case an async commit of it failed). */
static void commit_partition(cs_worker_t *w, struct part *p, int sync)
{
    struct cs_err err = CS_ERR_INIT;
    int64_t next;

    if (w->cons == NULL || !p->assigned)
        return;
    if (cs_tracker_commit_point(w->tracker, p->id, &next)) {
        p->point = next;
        cs_tracker_committed(w->tracker, p->id, next);
    } else if (!sync || p->point < 0) {
        return;
    }
    if (cs_consumer_commit(w->cons, w->jobs_topic, p->id, p->point, !sync,
                           &err) != CS_OK)
        WK_LOG(CS_LOG_WARN, "%s", err.msg);
}

static void commit_all(cs_worker_t *w)
{
    for (size_t i = 0; i < w->nparts; i++)
        commit_partition(w, &w->parts[i], 1);
}

/* The job's result (or dead letter) landed, or it needs none: its offset
 * is done. */
void wk_mark_done(cs_worker_t *w, const struct job *j)
{
    struct cs_err err = CS_ERR_INIT;

    if (!wk_job_counts(w, j))
        return;
    if (cs_tracker_done(w->tracker, j->partition, j->offset, &err) != CS_OK) {
        WK_LOG(CS_LOG_WARN, "partition %d: %s", (int)j->partition, err.msg);
        return;
    }
    commit_partition(w, wk_part_get(w, j->partition, 0), 0);
}

static void on_assign(void *ud, const rd_kafka_topic_partition_list_t *parts,
                      int lost)
{
    cs_worker_t *w = ud;

    (void)lost;
    for (int i = 0; i < parts->cnt; i++) {
        struct part *p = wk_part_get(w, parts->elems[i].partition, 1);

        if (p == NULL)
            continue;
        cs_tracker_forget(w->tracker, p->id);
        p->assigned = 1;
        p->epoch = ++w->generation;
        p->point = -1;
    }
    WK_LOG(CS_LOG_INFO, "assigned %d partition(s) of %s", parts->cnt,
         w->jobs_topic);
}

static void on_revoke(void *ud, const rd_kafka_topic_partition_list_t *parts,
                      int lost)
{
    cs_worker_t *w = ud;

    for (int i = 0; i < parts->cnt; i++) {
        struct part *p = wk_part_get(w, parts->elems[i].partition, 0);

        if (p == NULL || !p->assigned)
            continue;
        /* finished work is committed before the partition moves; a lost
         * partition cannot commit any more */
        if (!lost)
            commit_partition(w, p, 1);
        wk_forget_partition(w, p);
    }
    WK_LOG(CS_LOG_INFO, "%s %d partition(s) of %s", lost ? "lost" : "revoked",
         parts->cnt, w->jobs_topic);
}

static void flow_control(cs_worker_t *w)
{
    struct cs_err err = CS_ERR_INIT;
    int want_pause = w->state != S_RUNNING || w->nheld > 0 ||
                     cs_sched_should_pause(w->sched);
    int paused = cs_consumer_paused(w->cons);

    if (want_pause && !paused) {
        if (cs_consumer_pause(w->cons, &err) == CS_OK)
            WK_LOG(CS_LOG_DEBUG, "paused %s: %zu job(s) queued, %d running",
                 w->jobs_topic, cs_sched_queued(w->sched), w->running);
        else
            WK_LOG(CS_LOG_WARN, "%s", err.msg);
    } else if (!want_pause && paused && cs_sched_may_resume(w->sched)) {
        if (cs_consumer_resume(w->cons, &err) == CS_OK)
            WK_LOG(CS_LOG_DEBUG, "resumed %s: %zu job(s) queued, %d running",
                 w->jobs_topic, cs_sched_queued(w->sched), w->running);
        else
            WK_LOG(CS_LOG_WARN, "%s", err.msg);
    }
}

/* Every few seconds: the lag gauge, which doubles as the probe of whether
 * Kafka answers (a metadata request when nothing is assigned). */
static void housekeeping(cs_worker_t *w)
{
    struct cs_err err = CS_ERR_INIT;
    rd_kafka_topic_partition_list_t *a = NULL;
    struct cs_partition_lag *lags = NULL;
    size_t n = 0;
    int count = 0;
    int assigned = 0;
    cs_rc rc;

    if (cs_consumer_assignment(w->cons, &a, NULL) == CS_OK) {
        assigned = a->cnt;
        rd_kafka_topic_partition_list_destroy(a);
    }
    if (assigned > 0 && get_atomic64(&w->kafka_down_since_ms) == 0) {
        rc = cs_consumer_lag(w->cons, LAG_TIMEOUT_MS, &lags, &n, &err);
        if (rc == CS_OK && w->fm)
            cs_fleet_metrics_set_lag(w->fm, w->group, lags, n, NULL);
        free(lags);
    } else {
        rc = cs_admin_partition_count(cs_consumer_handle(w->cons),
                                      w->jobs_topic, PROBE_TIMEOUT_MS, &count,
                                      &err);
        if (rc == CS_ERR_NOTFOUND)
            rc = CS_OK;
        if (rc == CS_OK && assigned == 0 && w->fm)
            cs_fleet_metrics_set_lag(w->fm, w->group, NULL, 0, NULL);
    }
    if (rc != CS_OK && get_atomic64(&w->kafka_down_since_ms) == 0)
        WK_LOG(CS_LOG_WARN, "Kafka at %s not answering: %s", w->brokers, err.msg);
    else if (rc == CS_OK && get_atomic64(&w->kafka_down_since_ms) != 0)
        WK_LOG(CS_LOG_INFO, "Kafka at %s answers again", w->brokers);
    kafka_reachable(w, rc == CS_OK);
}

static void poll_messages(cs_worker_t *w)
{
    struct cs_err err = CS_ERR_INIT;
    int busy = w->running > 0 || w->outq || w->unacked > 0 || w->nheld > 0;
    int timeout = busy ? POLL_BUSY_MS : POLL_IDLE_MS;

    for (int i = 0; i < MAX_MESSAGES_PER_TURN; i++) {
        rd_kafka_message_t *m = NULL;

        if (cs_consumer_poll(w->cons, i == 0 ? timeout : 0, &m, &err) != CS_OK) {
            wk_set_fatal(w, err.msg);
            return;
        }
        if (m == NULL)
            return;
        wk_handle_message(w, m);
        if (w->state == S_RUNNING && cs_sched_should_pause(w->sched))
            return;
    }
}

static void turn(cs_worker_t *w)
{
    int64_t now;

    poll_messages(w);
    wk_retry_held(w);
    wk_collect(w);
    wk_start_jobs(w);
    wk_send_due(w);
    cs_producer_poll(w->prod, 0);
    wk_reap_acks(w);
    flow_control(w);
    now = cs_mono_ms();
    if (now >= w->next_housekeeping) {
        housekeeping(w);
        w->next_housekeeping = cs_mono_ms() + HOUSEKEEPING_MS;
    }
    set_atomic64(&w->last_turn_ms, cs_mono_ms());
}

static int wait_kafka(cs_worker_t *w, const volatile sig_atomic_t *stop)
{
    int64_t deadline = cs_mono_ms() + (int64_t)w->startup_timeout_s * 1000;
    struct cs_err err = CS_ERR_INIT;
    int n = 0;
    cs_rc rc;

    for (;;) {
        rc = cs_admin_partition_count(cs_consumer_handle(w->cons),
                                      w->jobs_topic, PROBE_TIMEOUT_MS, &n,
                                      &err);
        if (rc == CS_OK) {
            WK_LOG(CS_LOG_INFO, "Kafka at %s reached; %s has %d partition(s)",
                 w->brokers, w->jobs_topic, n);
            return 0;
        }
        if (rc == CS_ERR_NOTFOUND) {
            WK_LOG(CS_LOG_WARN, "Kafka at %s reached, but %s does not exist yet",
                 w->brokers, w->jobs_topic);
            return 0;
        }
        if (*stop)
            return 0;
        if (cs_mono_ms() >= deadline) {
            snprintf(w->error, sizeof(w->error),
                     "Kafka at %.200s unreachable after %d s: %s", w->brokers,
                     w->startup_timeout_s, err.msg);
            return -1;
        }
        for (int i = 0; i < STARTUP_RETRY_MS / 50 && !*stop; i++)
            cs_sleep_ms(50, NULL);
    }
}

static int drop_queued(void *ud, void *job)
{
    wk_job_free(ud, job);
    return 1;
}

static void cancel_running(cs_worker_t *w)
{
    for (struct job *j = w->jobs; j; j = j->next)
        if (j->state == J_RUNNING)
            cs_wpool_cancel(&j->task);
}

/* Leaves the group and closes the producer, each within its bound. */
static void close_kafka(cs_worker_t *w)
{
    struct cs_err err = CS_ERR_INIT;
    int left = 0;

    if (w->cons) {
        /* revokes through on_revoke, which commits once more */
        if (cs_consumer_close(w->cons, CLOSE_MS, &err) != CS_OK)
            WK_LOG(CS_LOG_WARN, "%s", err.msg);
        w->cons = NULL;
    }
    if (w->prod) {
        w->closing = 1;
        if (cs_producer_close(w->prod, FLUSH_MS, &left, &err) != CS_OK)
            WK_LOG(CS_LOG_WARN, "%s; %d left uncommitted for the group", err.msg,
                 left);
        w->prod = NULL;
        wk_reap_acks(w);
    }
}

static void drain(cs_worker_t *w)
{
    struct cs_err err = CS_ERR_INIT;
    int64_t until = cs_mono_ms() + (int64_t)w->drain_timeout_s * 1000;
    size_t dropped;

    set_state(w, S_DRAINING);
    flow_control(w);
    dropped = cs_sched_drop(w->sched, drop_queued, w);
    for (size_t i = 0; i < w->nheld; i++)
        rd_kafka_message_destroy(w->held[i]);
    w->nheld = 0;
    WK_LOG(CS_LOG_INFO,
         "draining: %d cell(s) running, %d result(s) unacknowledged, "
         "%zu queued job(s) left to the group; up to %d s",
         w->running, w->unacked, dropped, w->drain_timeout_s);
    while ((w->running > 0 || w->unacked > 0) && cs_mono_ms() < until &&
           !w->fatal)
        turn(w);
    if (w->running > 0) {
        int64_t give_up = cs_mono_ms() + CANCEL_WAIT_MS;

        WK_LOG(CS_LOG_WARN, "drain timeout: cancelling %d cell(s)", w->running);
        cancel_running(w);
        while (w->running > 0 && cs_mono_ms() < give_up && !w->fatal)
            turn(w);
        if (w->running > 0)
            WK_LOG(CS_LOG_WARN, "%d cancelled cell(s) still inside an AWS call",
                 w->running);
    }
    /* the last reports, then everything done is committed */
    if (w->unacked > 0 && cs_producer_flush(w->prod, FLUSH_MS, &err) != CS_OK)
        WK_LOG(CS_LOG_WARN, "%s", err.msg);
    wk_reap_acks(w);
    commit_all(w);
    close_kafka(w);
    WK_LOG(CS_LOG_INFO, "stopped");
}

int cs_worker_run(cs_worker_t *w, const volatile sig_atomic_t *stop)
{
    if (wait_kafka(w, stop) != 0) {
        WK_LOG(CS_LOG_ERROR, "%s", w->error);
        close_kafka(w);
        set_state(w, S_STOPPED);
        return 1;
    }
    kafka_reachable(w, 1);
    set_atomic64(&w->last_turn_ms, cs_mono_ms());
    w->next_housekeeping = cs_mono_ms() + HOUSEKEEPING_MS;
    set_state(w, S_RUNNING);
    while (!*stop && !w->fatal)
        turn(w);
    if (w->fatal)
        WK_LOG(CS_LOG_ERROR, "%s", w->error);
    drain(w);
    set_state(w, S_STOPPED);
    return w->fatal ? 1 : 0;
}

const char *cs_worker_error(const cs_worker_t *w)
{
    return w->error;
}

int cs_worker_healthy(void *ud, char *reason, size_t len)
{
    cs_worker_t *w = ud;
    int state = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);
    int64_t now = cs_mono_ms();
    int64_t last = get_atomic64(&w->last_turn_ms);
    int64_t down = get_atomic64(&w->kafka_down_since_ms);

    if (__atomic_load_n(&w->fatal, __ATOMIC_ACQUIRE)) {
        snprintf(reason, len, "Kafka client failed: %s", w->error);
        return 0;
    }
    if (state == S_STARTING) {
        snprintf(reason, len, "starting: waiting for Kafka");
        return 0;
    }
    if (state == S_STOPPED) {
        snprintf(reason, len, "stopped");
        return 0;
    }
    if (now - last > (int64_t)CS_WORKER_STALL_S * 1000) {
        snprintf(reason, len, "main loop stalled for %lld s",
                 (long long)((now - last) / 1000));
        return 0;
    }
    if (down != 0 && now - down > (int64_t)w->kafka_down_s * 1000) {
        snprintf(reason, len, "Kafka at %s unreachable for %lld s", w->brokers,
                 (long long)((now - down) / 1000));
        return 0;
    }
    return 1;
}

static cs_rc topic_names(cs_worker_t *w, const char *prefix,
                         struct cs_err *err)
{
    cs_rc rc = cs_topic_name(prefix, CS_TOPIC_CELL_JOBS, w->jobs_topic,
                             sizeof(w->jobs_topic), err);

    if (rc == CS_OK)
        rc = cs_topic_name(prefix, CS_TOPIC_CELL_RESULTS, w->results_topic,
                           sizeof(w->results_topic), err);
    if (rc == CS_OK)
        rc = cs_topic_name(prefix, CS_TOPIC_DEAD_LETTERS, w->dlq_topic,
                           sizeof(w->dlq_topic), err);
    if (rc == CS_OK)
        rc = cs_group_name(prefix, CS_GROUP_WORKERS, w->group,
                           sizeof(w->group), err);
    return rc;
}

/* The largest result the producer accepts (message.max.bytes less room
 * for key, headers and framing). */
static size_t result_limit(cs_producer_t *p)
{
    char value[32];
    size_t size = sizeof(value);
    long v = DEFAULT_MESSAGE_MAX;

    if (rd_kafka_conf_get(rd_kafka_conf(cs_producer_handle(p)),
                          "message.max.bytes", value, &size) == RD_KAFKA_CONF_OK)
        v = strtol(value, NULL, 10);
    if (v <= RESULT_HEADROOM * 2)
        return (size_t)v / 2;
    return (size_t)v - RESULT_HEADROOM;
}

static cs_rc open_kafka(cs_worker_t *w, const struct cs_config *cfg,
                        char *const *envp, struct cs_err *err)
{
    const char *topics[] = {w->jobs_topic};
    struct cs_producer_opts po;
    struct cs_consumer_opts co;

    memset(&po, 0, sizeof(po));
    po.on_ack = wk_on_ack;
    po.ud = w;
    po.queue_full_wait_ms = SEND_WAIT_MS;
    w->prod = cs_producer_new(cfg, envp, &po, err);
    if (w->prod == NULL)
        return err ? err->code : CS_ERR_UNAVAILABLE;
    w->result_max = result_limit(w->prod);
    memset(&co, 0, sizeof(co));
    co.group_id = w->group;
    co.topics = topics;
    co.ntopics = 1;
    co.on_assign = on_assign;
    co.on_revoke = on_revoke;
    co.ud = w;
    w->cons = cs_consumer_new(cfg, envp, &co, err);
    if (w->cons == NULL)
        return err ? err->code : CS_ERR_UNAVAILABLE;
    return CS_OK;
}

static cs_rc open_cells(cs_worker_t *w, const struct cs_config *cfg,
                        cs_aws_t *aws, struct cs_err *err)
{
    struct cs_sched_limits lim;
    struct cs_wpool_opts po;

    lim.cells = cfg->worker_concurrency;
    lim.per_account = cfg->account_concurrency;
    lim.accounts = cfg->max_concurrent_accounts;
    lim.queue = (size_t)cfg->worker_concurrency * QUEUE_PER_CELL;
    w->sched = cs_sched_new(&lim, err);
    if (w->sched == NULL)
        return err ? err->code : CS_ERR_INVALID;
    w->tracker = cs_tracker_new(TRACKER_WINDOW, err);
    if (w->tracker == NULL)
        return err ? err->code : CS_ERR_NOMEM;
    memset(&po, 0, sizeof(po));
    po.aws = aws;
    po.threads = cfg->worker_concurrency;
    po.timeout_s = cfg->cell_timeout_s;
    po.violation_cap = (size_t)cfg->cell_violations;
    po.worker_id = cfg->worker_id;
    po.on_stats = wk_on_stats;
    po.ud = w;
    w->pool = cs_wpool_new(&po, err);
    if (w->pool == NULL)
        return err ? err->code : CS_ERR_INTERNAL;
    return CS_OK;
}

cs_worker_t *cs_worker_new(const struct cs_config *cfg,
                           const struct cs_worker_deps *deps,
                           struct cs_err *err)
{
    cs_worker_t *w;

    if (cfg == NULL || deps == NULL || deps->aws == NULL) {
        cs_err_set(err, CS_ERR_INVALID, "worker needs a configuration and an "
                                        "AWS context");
        return NULL;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL || (w->brokers = strdup(cfg->kafka_brokers)) == NULL) {
        free(w);
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    w->fm = deps->fm;
    w->startup_timeout_s = cfg->startup_timeout_s;
    w->drain_timeout_s = cfg->drain_timeout_s;
    w->kafka_down_s = cfg->startup_timeout_s > CS_WORKER_KAFKA_DOWN_S
                          ? cfg->startup_timeout_s
                          : CS_WORKER_KAFKA_DOWN_S;
    if (topic_names(w, cfg->topic_prefix, err) != CS_OK ||
        open_cells(w, cfg, deps->aws, err) != CS_OK ||
        open_kafka(w, cfg, deps->envp, err) != CS_OK) {
        cs_worker_destroy(w);
        return NULL;
    }
    return w;
}

void cs_worker_destroy(cs_worker_t *w)
{
    if (w == NULL)
        return;
    if (w->pool) {
        cancel_running(w);
        cs_wpool_destroy(w->pool);
        w->pool = NULL;
    }
    close_kafka(w);
    if (w->sched)
        cs_sched_drop(w->sched, drop_queued, w);
    while (w->jobs)
        wk_job_free(w, w->jobs);
    for (size_t i = 0; i < w->nheld; i++)
        rd_kafka_message_destroy(w->held[i]);
    free(w->held);
    cs_sched_destroy(w->sched);
    cs_tracker_destroy(w->tracker);
    free(w->parts);
    free(w->brokers);
    free(w);
}
