#include "worker/worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/admin.h"
#include "bus/consumer.h"
#include "bus/deadletter.h"
#include "bus/producer.h"
#include "bus/topics.h"
#include "bus/tracker.h"
#include "compliance/cell.h"
#include "extract/run.h"
#include "util/clock.h"
#include "util/log.h"
#include "wire/names.h"
#include "worker/job.h"
#include "worker/pool.h"
#include "worker/sched.h"

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
#define RESEND_FIRST_MS 500
#define RESEND_MAX_MS 10000
/* Shutdown bounds after the drain window. */
#define CANCEL_WAIT_MS 3000
#define CLOSE_MS 5000
#define FLUSH_MS 3000
/* Offsets one partition's commit window may span (bus/tracker.h). */
#define TRACKER_WINDOW 65536
/* Local queue capacity per cell slot (CELLSCAN_WORKER_CONCURRENCY). */
#define QUEUE_PER_CELL 2
/* cs_extract_run failures other than an invalid job (out of memory) are
 * retried this many times in all before the job is dead-lettered. */
#define EXTRACT_ATTEMPTS 3
/* Room kept below message.max.bytes for key, headers and framing. */
#define RESULT_HEADROOM 4096
#define DEFAULT_MESSAGE_MAX 1000000

enum job_state { J_QUEUED, J_RUNNING, J_OUT };
enum out_kind { OUT_NONE, OUT_RESULT, OUT_DLQ };
enum run_state { S_STARTING, S_RUNNING, S_DRAINING, S_STOPPED };

/* One consumed cell-jobs message, from receipt to the delivery report of
 * what it produced (a result or a dead letter). task is first so a
 * finished task leads back to its job. */
struct job {
    struct cs_wtask task;
    struct job *prev, *next;     /* every job of the core */
    struct job *out_next;        /* waiting to be (re)sent */
    struct job *ack_next;        /* delivery report received */
    int32_t partition;
    int64_t offset;
    uint64_t epoch;              /* assignment it counts for */
    enum job_state state;
    void *key;                   /* the original message, for dead letters */
    size_t keylen;
    void *value;
    size_t len;
    Cellscan__V1__CellJob *msg;  /* NULL when it did not decode */
    int attempts;
    enum out_kind out;
    uint8_t *out_bytes;          /* packed CellResultsRecord */
    size_t out_len;
    char reason[CS_DLQ_REASON_MAX];
    const char *reason_code;     /* dead-letter metric label */
    int64_t resend_at;           /* monotonic ms when queued for sending */
    int backoff_ms;
    rd_kafka_resp_err_t ack_err;
};

/* A partition of cell-jobs this core follows. */
struct part {
    int32_t id;
    int assigned;
    uint64_t epoch;
    int64_t point;  /* last commit point handed to Kafka; -1: none */
};

struct cs_worker_s {
    char jobs_topic[CS_TOPIC_NAME_MAX + 1];
    char results_topic[CS_TOPIC_NAME_MAX + 1];
    char dlq_topic[CS_TOPIC_NAME_MAX + 1];
    char group[CS_TOPIC_NAME_MAX + 1];
    char *brokers;
    int startup_timeout_s;
    int drain_timeout_s;
    int kafka_down_s;
    struct cs_fleet_metrics *fm;
    cs_producer_t *prod;
    cs_consumer_t *cons;
    cs_tracker_t *tracker;
    cs_sched_t *sched;
    cs_wpool_t *pool;
    size_t result_max;
    struct job *jobs;
    struct job *outq, *outq_tail;
    struct job *acked;
    struct part *parts;
    size_t nparts, capparts;
    uint64_t generation;
    rd_kafka_message_t **held;   /* waiting for room in the tracker */
    size_t nheld, capheld;
    int running;                 /* cells on the pool */
    int unacked;                 /* jobs with a message not yet acknowledged */
    int closing;                 /* producer purge: no more resends */
    int64_t next_housekeeping;
    int64_t last_lag_ok;
    /* read by cs_worker_healthy on another thread */
    int state;
    int fatal;
    int64_t last_turn_ms;
    int64_t kafka_down_since_ms;
    char error[CS_ERR_MSG_MAX + 512];
};

static const char *const component = "worker";

/* ---- small helpers ---- */

static void log_job(const struct job *j, enum cs_log_level lvl,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void log_job(const struct job *j, enum cs_log_level lvl,
                    const char *fmt, ...)
{
    struct cs_log_ctx ctx = {component, NULL, NULL};
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

#define LOGW(lvl, ...)                                                       \
    do {                                                                     \
        struct cs_log_ctx ctx_ = {component, NULL, NULL};                    \
        cs_log(&ctx_, (lvl), __VA_ARGS__);                                   \
    } while (0)

static void metric_add(cs_metric_t *f, const char *const *values, double v)
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

static void set_fatal(cs_worker_t *w, const char *why)
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

/* ---- partitions and commits ---- */

static struct part *part_get(cs_worker_t *w, int32_t id, int create)
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
static int job_counts(cs_worker_t *w, const struct job *j)
{
    const struct part *p = part_get(w, j->partition, 0);

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
        LOGW(CS_LOG_WARN, "%s", err.msg);
}

static void commit_all(cs_worker_t *w)
{
    for (size_t i = 0; i < w->nparts; i++)
        commit_partition(w, &w->parts[i], 1);
}

/* The job's result (or dead letter) landed, or it needs none: its offset
 * is done. */
static void mark_done(cs_worker_t *w, const struct job *j)
{
    struct cs_err err = CS_ERR_INIT;

    if (!job_counts(w, j))
        return;
    if (cs_tracker_done(w->tracker, j->partition, j->offset, &err) != CS_OK) {
        LOGW(CS_LOG_WARN, "partition %d: %s", (int)j->partition, err.msg);
        return;
    }
    commit_partition(w, part_get(w, j->partition, 0), 0);
}

/* ---- jobs ---- */

static void job_free(cs_worker_t *w, struct job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else if (w->jobs == j)
        w->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    cs_job_free(j->msg);
    cs_cell_result_free(j->task.result);
    free(j->key);
    free(j->value);
    free(j->out_bytes);
    free(j);
}

static struct job *job_new(cs_worker_t *w, const rd_kafka_message_t *m)
{
    struct job *j = calloc(1, sizeof(*j));
    struct part *p = part_get(w, m->partition, 1);

    if (j == NULL || p == NULL)
        goto fail;
    j->partition = m->partition;
    j->offset = m->offset;
    j->epoch = p->epoch;
    if (m->key_len > 0) {
        j->key = malloc(m->key_len);
        if (j->key == NULL)
            goto fail;
        memcpy(j->key, m->key, m->key_len);
        j->keylen = m->key_len;
    }
    j->value = malloc(m->len ? m->len : 1);
    if (j->value == NULL)
        goto fail;
    if (m->len)
        memcpy(j->value, m->payload, m->len);
    j->len = m->len;
    j->next = w->jobs;
    if (w->jobs)
        w->jobs->prev = j;
    w->jobs = j;
    return j;
fail:
    if (j) {
        free(j->key);
        free(j);
    }
    return NULL;
}

static void queue_send(cs_worker_t *w, struct job *j, int delay_ms)
{
    j->resend_at = cs_mono_ms() + delay_ms;
    j->out_next = NULL;
    if (w->outq_tail)
        w->outq_tail->out_next = j;
    else
        w->outq = j;
    w->outq_tail = j;
}

/* From now on the job ends with a message (result or dead letter) whose
 * delivery report makes its offset done. */
static void job_publish(cs_worker_t *w, struct job *j, enum out_kind kind)
{
    j->state = J_OUT;
    j->out = kind;
    j->backoff_ms = RESEND_FIRST_MS;
    w->unacked++;
    queue_send(w, j, 0);
}

static void dead_letter(cs_worker_t *w, struct job *j, const char *reason,
                        const char *code)
{
    snprintf(j->reason, sizeof(j->reason), "%s", reason);
    j->reason_code = code;
    free(j->out_bytes);
    j->out_bytes = NULL;
    log_job(j, CS_LOG_WARN, "job at %s[%d] offset %lld goes to dead letters: %s",
            w->jobs_topic, (int)j->partition, (long long)j->offset, reason);
    job_publish(w, j, OUT_DLQ);
}

/* ---- producing ---- */

static void on_ack(void *ud, void *opaque, rd_kafka_resp_err_t err,
                   int32_t partition, int64_t offset)
{
    cs_worker_t *w = ud;
    struct job *j = opaque;

    (void)partition;
    (void)offset;
    /* reports can arrive inside a send that polls: only note it here, the
     * main loop handles it outside any walk of its lists */
    j->ack_err = err;
    j->ack_next = w->acked;
    w->acked = j;
}

/* A send the producer refused for good. A result becomes a dead letter
 * (the job cannot be published as it is); a refused dead letter is
 * logged and dropped, so one unpublishable message cannot hold its
 * partition's commit point forever. */
static void send_refused(cs_worker_t *w, struct job *j, const char *why)
{
    char reason[CS_DLQ_REASON_MAX];

    w->unacked--;
    if (j->out == OUT_RESULT) {
        snprintf(reason, sizeof(reason), "cannot publish result: %s", why);
        dead_letter(w, j, reason, "unpublishable");
        return;
    }
    log_job(j, CS_LOG_ERROR,
            "dead letter for %s[%d] offset %lld refused (%s); dropped",
            w->jobs_topic, (int)j->partition, (long long)j->offset, why);
    mark_done(w, j);
    job_free(w, j);
}

static void send_one(cs_worker_t *w, struct job *j)
{
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc;

    if (j->out == OUT_RESULT) {
        rc = cs_producer_send(w->prod, w->results_topic, j->msg->scan_id,
                              strlen(j->msg->scan_id), j->out_bytes,
                              j->out_len, NULL, j, &err);
    } else {
        struct cs_deadletter d = {w->jobs_topic, j->partition, j->offset,
                                  j->key, j->keylen, j->value, j->len,
                                  j->reason};
        rc = cs_deadletter_send(w->prod, w->dlq_topic, &d, j, &err);
    }
    if (rc == CS_OK)
        return;
    if (rc == CS_ERR_INVALID) {
        send_refused(w, j, err.msg);
        return;
    }
    log_job(j, CS_LOG_WARN, "%s; retrying in %d ms", err.msg, j->backoff_ms);
    queue_send(w, j, j->backoff_ms);
    if (j->backoff_ms < RESEND_MAX_MS)
        j->backoff_ms *= 2;
}

static void send_due(cs_worker_t *w)
{
    struct job *list = w->outq, *j;
    int64_t now = cs_mono_ms();

    w->outq = w->outq_tail = NULL;
    while ((j = list) != NULL) {
        list = j->out_next;
        if (j->resend_at <= now && !w->closing) {
            send_one(w, j);
        } else {
            j->out_next = NULL;
            if (w->outq_tail)
                w->outq_tail->out_next = j;
            else
                w->outq = j;
            w->outq_tail = j;
        }
    }
}

static void count_dead_letter(cs_worker_t *w, const struct job *j)
{
    if (w->fm) {
        const char *v[] = {w->jobs_topic, j->reason_code};
        metric_add(w->fm->dead_letters, v, 1);
    }
}

static void reap_acks(cs_worker_t *w)
{
    struct job *j;

    while ((j = w->acked) != NULL) {
        w->acked = j->ack_next;
        if (j->ack_err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            w->unacked--;
            if (j->out == OUT_DLQ)
                count_dead_letter(w, j);
            mark_done(w, j);
            job_free(w, j);
        } else if (w->closing) {
            w->unacked--;
            log_job(j, CS_LOG_WARN,
                    "message for %s[%d] offset %lld not acknowledged (%s); "
                    "the job stays uncommitted",
                    w->jobs_topic, (int)j->partition, (long long)j->offset,
                    rd_kafka_err2str(j->ack_err));
            job_free(w, j);
        } else {
            log_job(j, CS_LOG_WARN,
                    "delivery for %s[%d] offset %lld failed: %s; retrying",
                    w->jobs_topic, (int)j->partition, (long long)j->offset,
                    rd_kafka_err2str(j->ack_err));
            queue_send(w, j, j->backoff_ms);
            if (j->backoff_ms < RESEND_MAX_MS)
                j->backoff_ms *= 2;
        }
    }
}

/* ---- consuming ---- */

static void take_job(cs_worker_t *w, struct job *j)
{
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc = cs_job_decode(j->value, j->len, &j->msg, &err);

    if (rc == CS_OK && !cs_extract_category_known(j->msg->category))
        rc = cs_err_set(&err, CS_ERR_INVALID,
                        "invalid: category \"%.32s\" is not one cellscan "
                        "extracts", j->msg->category);
    if (rc == CS_OK)
        rc = cs_sched_push(w->sched, j->msg->account_id, j, &err);
    if (rc == CS_OK) {
        j->state = J_QUEUED;
        log_job(j, CS_LOG_DEBUG, "job %s queued (%s[%d] offset %lld)",
                j->msg->cell_id, w->jobs_topic, (int)j->partition,
                (long long)j->offset);
        return;
    }
    dead_letter(w, j, err.msg,
                rc == CS_ERR_PARSE     ? "decode"
                : rc == CS_ERR_INVALID ? "invalid"
                                       : "error");
}

/* A message redelivered after a rebalance gave its partition back while
 * its job still runs or awaits its report: the running job now counts for
 * the new assignment instead of running twice. */
static int adopt(cs_worker_t *w, const rd_kafka_message_t *m, uint64_t epoch)
{
    for (struct job *j = w->jobs; j; j = j->next)
        if (j->partition == m->partition && j->offset == m->offset &&
            j->epoch != epoch && j->state != J_QUEUED) {
            j->epoch = epoch;
            return 1;
        }
    return 0;
}

/* Tracks m and turns it into a job. Returns 0 when the tracker has no
 * room (m is left to the caller), 1 when m was consumed. */
static int take_message(cs_worker_t *w, rd_kafka_message_t *m)
{
    struct cs_err err = CS_ERR_INIT;
    struct part *p = part_get(w, m->partition, 1);
    struct job *j;
    cs_rc rc;

    if (p == NULL)
        return 0;
    if (!p->assigned) {
        /* a message can only come from an assigned partition */
        p->assigned = 1;
        p->epoch = ++w->generation;
    }
    rc = cs_tracker_start(w->tracker, m->partition, m->offset, &err);
    if (rc == CS_ERR_LIMIT || rc == CS_ERR_NOMEM)
        return 0;
    if (rc != CS_OK) {
        LOGW(CS_LOG_WARN, "%s[%d] offset %lld skipped: %s", w->jobs_topic,
             (int)m->partition, (long long)m->offset, err.msg);
        rd_kafka_message_destroy(m);
        return 1;
    }
    if (adopt(w, m, p->epoch)) {
        rd_kafka_message_destroy(m);
        return 1;
    }
    j = job_new(w, m);
    if (j == NULL) {
        /* tracked and never done: the offset stays uncommitted and comes
         * back after a restart or rebalance */
        LOGW(CS_LOG_ERROR, "out of memory for %s[%d] offset %lld",
             w->jobs_topic, (int)m->partition, (long long)m->offset);
        rd_kafka_message_destroy(m);
        return 1;
    }
    rd_kafka_message_destroy(m);
    take_job(w, j);
    return 1;
}

static int hold(cs_worker_t *w, rd_kafka_message_t *m)
{
    if (w->nheld == w->capheld) {
        size_t cap = w->capheld ? w->capheld * 2 : 16;
        rd_kafka_message_t **nh = realloc(w->held, cap * sizeof(*nh));

        if (nh == NULL)
            return -1;
        w->held = nh;
        w->capheld = cap;
    }
    w->held[w->nheld++] = m;
    return 0;
}

/* Messages held because a partition's commit window was full, retried in
 * arrival order (per partition, offsets must be tracked in order). */
static void retry_held(cs_worker_t *w)
{
    size_t i = 0;

    while (i < w->nheld && take_message(w, w->held[i]))
        i++;
    memmove(w->held, w->held + i, (w->nheld - i) * sizeof(*w->held));
    w->nheld -= i;
}

static void handle_message(cs_worker_t *w, rd_kafka_message_t *m)
{
    if (w->state == S_DRAINING) {
        /* not tracked: below no commit point, so it comes back */
        rd_kafka_message_destroy(m);
        return;
    }
    if (w->nheld == 0 && take_message(w, m))
        return;
    if (hold(w, m) != 0) {
        LOGW(CS_LOG_ERROR, "out of memory holding %s[%d] offset %lld",
             w->jobs_topic, (int)m->partition, (long long)m->offset);
        rd_kafka_message_destroy(m);
    }
}

static int drop_partition_job(void *ud, void *job)
{
    cs_worker_t *w = ((void **)ud)[0];
    int32_t partition = *(int32_t *)((void **)ud)[1];
    struct job *j = job;

    if (j->partition != partition)
        return 0;
    job_free(w, j);
    return 1;
}

static void forget_partition(cs_worker_t *w, struct part *p)
{
    void *ud[2] = {w, &p->id};
    size_t dropped = cs_sched_drop(w->sched, drop_partition_job, ud);
    size_t k = 0;

    for (size_t i = 0; i < w->nheld; i++) {
        if (w->held[i]->partition == p->id)
            rd_kafka_message_destroy(w->held[i]);
        else
            w->held[k++] = w->held[i];
    }
    w->nheld = k;
    cs_tracker_forget(w->tracker, p->id);
    p->assigned = 0;
    p->point = -1;
    if (dropped)
        LOGW(CS_LOG_INFO, "%s[%d] revoked: %zu queued job(s) left to the group",
             w->jobs_topic, (int)p->id, dropped);
}

static void on_assign(void *ud, const rd_kafka_topic_partition_list_t *parts,
                      int lost)
{
    cs_worker_t *w = ud;

    (void)lost;
    for (int i = 0; i < parts->cnt; i++) {
        struct part *p = part_get(w, parts->elems[i].partition, 1);

        if (p == NULL)
            continue;
        cs_tracker_forget(w->tracker, p->id);
        p->assigned = 1;
        p->epoch = ++w->generation;
        p->point = -1;
    }
    LOGW(CS_LOG_INFO, "assigned %d partition(s) of %s", parts->cnt,
         w->jobs_topic);
}

static void on_revoke(void *ud, const rd_kafka_topic_partition_list_t *parts,
                      int lost)
{
    cs_worker_t *w = ud;

    for (int i = 0; i < parts->cnt; i++) {
        struct part *p = part_get(w, parts->elems[i].partition, 0);

        if (p == NULL || !p->assigned)
            continue;
        /* finished work is committed before the partition moves; a lost
         * partition cannot commit any more */
        if (!lost)
            commit_partition(w, p, 1);
        forget_partition(w, p);
    }
    LOGW(CS_LOG_INFO, "%s %d partition(s) of %s", lost ? "lost" : "revoked",
         parts->cnt, w->jobs_topic);
}

/* ---- cells ---- */

static void on_stats(void *ud, const char *service,
                     const struct cs_aws_stats *delta)
{
    cs_worker_t *w = ud;
    const char *v[] = {service};

    if (w->fm == NULL)
        return;
    metric_add(w->fm->aws_calls, v, (double)delta->requests);
    metric_add(w->fm->aws_retries, v, (double)delta->retries);
    metric_add(w->fm->aws_throttles, v, (double)delta->throttles);
}

static void start_jobs(cs_worker_t *w)
{
    struct job *j;

    while (w->state == S_RUNNING && (j = cs_sched_next(w->sched)) != NULL) {
        if (cs_job_expired(j->msg, cs_wall_ms())) {
            /* the aggregator has finalised the cell as deadline_exceeded,
             * or will at the deadline it also sees: nothing to publish */
            log_job(j, CS_LOG_INFO,
                    "scan deadline passed before cell %s could start; not run",
                    j->msg->cell_id);
            cs_sched_finish(w->sched, j->msg->account_id, NULL);
            mark_done(w, j);
            job_free(w, j);
            continue;
        }
        j->state = J_RUNNING;
        memset(&j->task, 0, sizeof(j->task));
        j->task.job = j->msg;
        w->running++;
        if (w->fm) {
            const char *v[] = {j->msg->category};
            metric_add(w->fm->cells_started, v, 1);
            metric_add(w->fm->cells_in_flight, NULL, 1);
        }
        log_job(j, CS_LOG_DEBUG, "cell %s started", j->msg->cell_id);
        cs_wpool_submit(w->pool, &j->task);
    }
}

static const char *assume_outcome(const Cellscan__V1__CellResult *r)
{
    if (r->reason && strcmp(r->reason, "assume_role_denied") == 0)
        return "denied";
    if (r->reason && strcmp(r->reason, "assume_role_failed") == 0)
        return "error";
    return "ok";
}

static void cell_succeeded(cs_worker_t *w, struct job *j)
{
    const Cellscan__V1__CellResult *r = j->task.result;
    struct cs_err err = CS_ERR_INIT;
    size_t dropped = 0;
    cs_rc rc;

    if (w->fm) {
        const char *v[] = {j->msg->category, cs_cell_status_name(r->status)};
        const char *a[] = {assume_outcome(r)};

        metric_add(w->fm->cells_finished, v, 1);
        if (j->task.assumed)
            metric_add(w->fm->assume_role, a, 1);
    }
    log_job(j, CS_LOG_INFO,
            "cell %s %s: %llu resources, %llu compliant, %llu AWS calls, "
            "%llu ms%s%s",
            r->cell_id, cs_cell_status_name(r->status),
            (unsigned long long)r->total, (unsigned long long)r->compliant,
            (unsigned long long)r->api_call_count,
            (unsigned long long)r->wall_time_ms, r->reason[0] ? ", " : "",
            r->reason);
    rc = cs_job_pack_result(r, w->result_max, &j->out_bytes, &j->out_len,
                            &dropped, &err);
    if (rc != CS_OK) {
        char reason[CS_DLQ_REASON_MAX];

        snprintf(reason, sizeof(reason), "cannot publish result: %s", err.msg);
        dead_letter(w, j, reason, "unpublishable");
        return;
    }
    if (dropped)
        log_job(j, CS_LOG_WARN,
                "result of %s over %zu bytes: %zu more violations counted as "
                "truncated", r->cell_id, w->result_max, dropped);
    job_publish(w, j, OUT_RESULT);
}

static void cell_failed(cs_worker_t *w, struct job *j)
{
    char reason[CS_DLQ_REASON_MAX];
    struct cs_err err = CS_ERR_INIT;

    if (j->task.rc == CS_ERR_INVALID) {
        dead_letter(w, j, j->task.err.msg, "invalid");
        return;
    }
    if (++j->attempts < EXTRACT_ATTEMPTS && w->state == S_RUNNING &&
        job_counts(w, j) &&
        cs_sched_push(w->sched, j->msg->account_id, j, &err) == CS_OK) {
        log_job(j, CS_LOG_WARN, "cell %s failed (%s); queued again",
                j->msg->cell_id, j->task.err.msg);
        j->state = J_QUEUED;
        return;
    }
    if (w->state != S_RUNNING || !job_counts(w, j)) {
        /* left uncommitted for the group */
        job_free(w, j);
        return;
    }
    snprintf(reason, sizeof(reason), "error: %s", j->task.err.msg);
    dead_letter(w, j, reason, "error");
}

static void collect(cs_worker_t *w)
{
    struct cs_wtask *t;

    while ((t = cs_wpool_done(w->pool)) != NULL) {
        struct job *j = (struct job *)t;

        w->running--;
        cs_sched_finish(w->sched, j->msg->account_id, NULL);
        if (w->fm)
            metric_add(w->fm->cells_in_flight, NULL, -1);
        if (t->cancel) {
            /* cancelled at the end of a drain: neither published nor
             * committed, the group runs it again */
            log_job(j, CS_LOG_INFO, "cell %s cancelled; left to the group",
                    j->msg->cell_id);
            job_free(w, j);
        } else if (t->rc == CS_OK && t->result) {
            cell_succeeded(w, j);
        } else {
            cell_failed(w, j);
        }
    }
}

/* ---- the loop ---- */

static void flow_control(cs_worker_t *w)
{
    struct cs_err err = CS_ERR_INIT;
    int want_pause = w->state != S_RUNNING || w->nheld > 0 ||
                     cs_sched_should_pause(w->sched);
    int paused = cs_consumer_paused(w->cons);

    if (want_pause && !paused) {
        if (cs_consumer_pause(w->cons, &err) == CS_OK)
            LOGW(CS_LOG_DEBUG, "paused %s: %zu job(s) queued, %d running",
                 w->jobs_topic, cs_sched_queued(w->sched), w->running);
        else
            LOGW(CS_LOG_WARN, "%s", err.msg);
    } else if (!want_pause && paused && cs_sched_may_resume(w->sched)) {
        if (cs_consumer_resume(w->cons, &err) == CS_OK)
            LOGW(CS_LOG_DEBUG, "resumed %s: %zu job(s) queued, %d running",
                 w->jobs_topic, cs_sched_queued(w->sched), w->running);
        else
            LOGW(CS_LOG_WARN, "%s", err.msg);
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
        LOGW(CS_LOG_WARN, "Kafka at %s not answering: %s", w->brokers, err.msg);
    else if (rc == CS_OK && get_atomic64(&w->kafka_down_since_ms) != 0)
        LOGW(CS_LOG_INFO, "Kafka at %s answers again", w->brokers);
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
            set_fatal(w, err.msg);
            return;
        }
        if (m == NULL)
            return;
        handle_message(w, m);
        if (w->state == S_RUNNING && cs_sched_should_pause(w->sched))
            return;
    }
}

static void turn(cs_worker_t *w)
{
    int64_t now;

    poll_messages(w);
    retry_held(w);
    collect(w);
    start_jobs(w);
    send_due(w);
    cs_producer_poll(w->prod, 0);
    reap_acks(w);
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
            LOGW(CS_LOG_INFO, "Kafka at %s reached; %s has %d partition(s)",
                 w->brokers, w->jobs_topic, n);
            return 0;
        }
        if (rc == CS_ERR_NOTFOUND) {
            LOGW(CS_LOG_WARN, "Kafka at %s reached, but %s does not exist yet",
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
    job_free(ud, job);
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
            LOGW(CS_LOG_WARN, "%s", err.msg);
        w->cons = NULL;
    }
    if (w->prod) {
        w->closing = 1;
        if (cs_producer_close(w->prod, FLUSH_MS, &left, &err) != CS_OK)
            LOGW(CS_LOG_WARN, "%s; %d left uncommitted for the group", err.msg,
                 left);
        w->prod = NULL;
        reap_acks(w);
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
    LOGW(CS_LOG_INFO,
         "draining: %d cell(s) running, %d result(s) unacknowledged, "
         "%zu queued job(s) left to the group; up to %d s",
         w->running, w->unacked, dropped, w->drain_timeout_s);
    while ((w->running > 0 || w->unacked > 0) && cs_mono_ms() < until &&
           !w->fatal)
        turn(w);
    if (w->running > 0) {
        int64_t give_up = cs_mono_ms() + CANCEL_WAIT_MS;

        LOGW(CS_LOG_WARN, "drain timeout: cancelling %d cell(s)", w->running);
        cancel_running(w);
        while (w->running > 0 && cs_mono_ms() < give_up && !w->fatal)
            turn(w);
        if (w->running > 0)
            LOGW(CS_LOG_WARN, "%d cancelled cell(s) still inside an AWS call",
                 w->running);
    }
    /* the last reports, then everything done is committed */
    if (w->unacked > 0 && cs_producer_flush(w->prod, FLUSH_MS, &err) != CS_OK)
        LOGW(CS_LOG_WARN, "%s", err.msg);
    reap_acks(w);
    commit_all(w);
    close_kafka(w);
    LOGW(CS_LOG_INFO, "stopped");
}

int cs_worker_run(cs_worker_t *w, const volatile sig_atomic_t *stop)
{
    if (wait_kafka(w, stop) != 0) {
        LOGW(CS_LOG_ERROR, "%s", w->error);
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
        LOGW(CS_LOG_ERROR, "%s", w->error);
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

/* ---- life cycle ---- */

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
    po.on_ack = on_ack;
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
    po.on_stats = on_stats;
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
        job_free(w, w->jobs);
    for (size_t i = 0; i < w->nheld; i++)
        rd_kafka_message_destroy(w->held[i]);
    free(w->held);
    cs_sched_destroy(w->sched);
    cs_tracker_destroy(w->tracker);
    free(w->parts);
    free(w->brokers);
    free(w);
}
