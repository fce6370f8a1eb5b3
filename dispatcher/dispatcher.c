/* The dispatcher core's run thread (dispatcher.h): the consumer of
 * scan-requests, the producer of manifests, jobs, reports and dead
 * letters, and the life of the one request in progress (core.h). */
#include "dispatcher/dispatcher.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/admin.h"
#include "dispatcher/core.h"
#include "scope/scope.h"
#include "store/keys.h"
#include "util/clock.h"

#define POLL_IDLE_MS 100     /* consumer poll while waiting for a request */
/* producer poll while a request is in progress: acknowledgements end it
 * at once; a task of the helper is noticed at the next turn */
#define POLL_BUSY_MS 5
#define HOLD_MAX 32          /* messages read ahead before pausing */
#define RETRY_MS 1000        /* before resending or retrying a task */
#define PROBE_TIMEOUT_MS 2000
#define STARTUP_RETRY_MS 500
#define LAG_EVERY_MS 5000
#define LAG_TIMEOUT_MS 500
#define CLOSE_MS 5000
#define TOKEN_SHIFT 24 /* message tokens: gen << TOKEN_SHIFT | index + 1 */

/* ------------------------------------------------------------ logging */

void cs_disp_log(const struct disp_request *r, enum cs_log_level lvl,
                 const char *fmt, ...)
{
    struct cs_log_ctx ctx = {DISP_COMPONENT, NULL, NULL};
    char msg[1024];
    va_list ap;

    if (r && r->sr && r->ids_valid) {
        ctx.client_id = r->sr->client_id;
        ctx.scan_id = r->sr->scan_id;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cs_log(&ctx, lvl, "%s", msg);
}

#define LOGD(lvl, ...) cs_disp_log(NULL, lvl, __VA_ARGS__)

/* ------------------------------------------------------------ health */

void cs_disp_redis_health(cs_dispatcher_t *d, const char *note)
{
    int64_t since = __atomic_load_n(&d->redis_failing_since, __ATOMIC_ACQUIRE);

    if (note == NULL) {
        if (since)
            LOGD(CS_LOG_INFO, "Redis works again");
        __atomic_store_n(&d->redis_failing_since, 0, __ATOMIC_RELEASE);
        return;
    }
    pthread_mutex_lock(&d->health_mu);
    snprintf(d->health_note, sizeof(d->health_note), "%s", note);
    pthread_mutex_unlock(&d->health_mu);
    if (since == 0)
        __atomic_store_n(&d->redis_failing_since, cs_mono_ms(), __ATOMIC_RELEASE);
}

int cs_dispatcher_healthy(void *ud, char *reason, size_t len)
{
    cs_dispatcher_t *d = ud;
    int64_t now = cs_mono_ms();
    int64_t turn = __atomic_load_n(&d->last_turn_ms, __ATOMIC_ACQUIRE);
    int64_t redis = __atomic_load_n(&d->redis_failing_since, __ATOMIC_ACQUIRE);

    if (__atomic_load_n(&d->fatal, __ATOMIC_ACQUIRE)) {
        snprintf(reason, len, "Kafka client failed");
        return 0;
    }
    if (!__atomic_load_n(&d->kafka_ok, __ATOMIC_ACQUIRE)) {
        snprintf(reason, len, "waiting for Kafka at %s", d->brokers);
        return 0;
    }
    if (now - turn > CS_DISP_STALL_S * 1000) {
        snprintf(reason, len, "dispatch loop stalled for %lld s",
                 (long long)((now - turn) / 1000));
        return 0;
    }
    if (redis && now - redis > CS_DISP_STALL_S * 1000) {
        pthread_mutex_lock(&d->health_mu);
        snprintf(reason, len, "Redis failing for %lld s: %s",
                 (long long)((now - redis) / 1000), d->health_note);
        pthread_mutex_unlock(&d->health_mu);
        return 0;
    }
    return 1;
}

void cs_dispatcher_stats(const cs_dispatcher_t *d,
                         struct cs_dispatcher_stats *out)
{
    const uint64_t *in = (const uint64_t *)&d->stats;
    uint64_t *o = (uint64_t *)out;

    for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
        o[i] = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
}

const char *cs_dispatcher_error(const cs_dispatcher_t *d)
{
    return d->error;
}

static void set_fatal(cs_dispatcher_t *d, const char *why)
{
    if (d->error[0] == '\0')
        snprintf(d->error, sizeof(d->error), "%s", why);
    __atomic_store_n(&d->fatal, 1, __ATOMIC_RELEASE);
    LOGD(CS_LOG_ERROR, "%s", why);
}

/* ------------------------------------------------------------ Kafka hooks */

/* Delivery reports, on the run thread (the only sender). */
static void on_ack(void *ud, void *opaque, rd_kafka_resp_err_t e,
                   int32_t partition, int64_t offset)
{
    cs_dispatcher_t *d = ud;
    struct disp_request *r = d->req;
    uintptr_t token = (uintptr_t)opaque;
    unsigned gen = (unsigned)(token >> TOKEN_SHIFT);
    size_t idx = token & ((1u << TOKEN_SHIFT) - 1);
    int *state;

    (void)partition;
    (void)offset;
    if (r == NULL || gen != (r->gen & 0xffffff))
        return; /* a message of a request already finished or dropped */
    if (idx == 0)
        state = &r->dl_state;
    else if (idx <= r->out.n)
        state = &r->out.msgs[idx - 1].state;
    else
        return;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        *state = CS_DISP_ACKED;
        return;
    }
    *state = CS_DISP_PENDING;
    r->retry_at_ms = cs_mono_ms() + RETRY_MS;
    cs_disp_log(r, CS_LOG_WARN, "publishing to %s failed, will retry: %s",
                idx == 0 ? d->topics[CS_TOPIC_DEAD_LETTERS]
                         : d->topics[r->out.msgs[idx - 1].topic],
                rd_kafka_err2str(e));
}

static int in_list(const rd_kafka_topic_partition_list_t *parts,
                   const char *topic, int32_t partition)
{
    for (int i = 0; i < parts->cnt; i++)
        if (parts->elems[i].partition == partition &&
            strcmp(parts->elems[i].topic, topic) == 0)
            return 1;
    return 0;
}

/* Partitions taken away: the request in progress is finished but not
 * committed (its new owner redoes it, identically); held messages of
 * those partitions are dropped (they are redelivered there). */
static void on_revoke(void *ud, const rd_kafka_topic_partition_list_t *parts,
                      int lost)
{
    cs_dispatcher_t *d = ud;
    struct disp_held **p = &d->held;

    if (d->req && in_list(parts, d->req->topic, d->req->m->partition)) {
        d->req->revoked = 1;
        cs_disp_log(d->req, CS_LOG_INFO,
                    "partition %d %s while its request is in progress; it "
                    "will not be committed here",
                    (int)d->req->m->partition, lost ? "lost" : "revoked");
    }
    while (*p) {
        struct disp_held *h = *p;
        if (in_list(parts, d->topics[CS_TOPIC_SCAN_REQUESTS], h->m->partition)) {
            *p = h->next;
            rd_kafka_message_destroy(h->m);
            free(h);
        } else {
            p = &h->next;
        }
    }
    d->held_tail = NULL;
    d->nheld = 0;
    for (struct disp_held *h = d->held; h; h = h->next) {
        d->held_tail = h;
        d->nheld++;
    }
}

/* ------------------------------------------------------------ requests */

static void request_free(struct disp_request *r)
{
    if (r == NULL)
        return;
    if (r->m)
        rd_kafka_message_destroy(r->m);
    cs_scope_request_free(r->sr);
    cs_disp_out_free(&r->out);
    free(r);
}

/* Decodes and validates; sets valid, ids_valid, reason and dl_code. */
static void examine(cs_dispatcher_t *d, struct disp_request *r)
{
    struct cs_scope_check_opts chk = {1, d->org_role_arn};
    struct cs_err err = CS_ERR_INIT;
    struct cs_buf clean = CS_BUF_INIT(CS_DLQ_REASON_MAX);

    r->sr = cellscan__v1__scan_request__unpack(NULL, r->m->len, r->m->payload);
    if (r->sr == NULL) {
        snprintf(r->reason, sizeof(r->reason),
                 "decode: not a valid cellscan.v1.ScanRequest (%zu bytes)",
                 r->m->len);
        r->dl_code = "decode";
        return;
    }
    r->ids_valid = cs_store_check_client_id(r->sr->client_id, NULL) == CS_OK &&
                   cs_store_check_scan_id(r->sr->scan_id, NULL) == CS_OK;
    if (cs_scope_validate_request(r->sr, &chk, &err) == CS_OK) {
        r->valid = 1;
        return;
    }
    /* the reason goes into a report and a header: no secrets */
    if (cs_log_redact(err.msg, &clean) == CS_OK)
        snprintf(r->reason, sizeof(r->reason), "invalid request: %s",
                 cs_buf_str(&clean));
    else
        snprintf(r->reason, sizeof(r->reason), "invalid request");
    cs_buf_free(&clean);
    r->dl_code = "invalid";
}

static void post(cs_dispatcher_t *d, cs_disp_task_fn fn, enum disp_stage st)
{
    struct cs_err err = CS_ERR_INIT;

    d->req->stage = st;
    if (cs_disp_helper_post(d->helper, fn, d, &err) != CS_OK)
        set_fatal(d, err.msg);
}

static void pause_consumer(cs_dispatcher_t *d)
{
    struct cs_err err = CS_ERR_INIT;

    if (!cs_consumer_paused(d->consumer) &&
        cs_consumer_pause(d->consumer, &err) != CS_OK)
        LOGD(CS_LOG_WARN, "%s", err.msg);
}

static void start_request(cs_dispatcher_t *d, rd_kafka_message_t *m)
{
    struct disp_request *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        rd_kafka_message_destroy(m);
        set_fatal(d, "dispatcher: out of memory");
        return;
    }
    r->m = m;
    snprintf(r->topic, sizeof(r->topic), "%s", rd_kafka_topic_name(m->rkt));
    r->gen = ++d->gen;
    d->req = r;
    DISP_STAT_ADD(d, requests, 1);
    examine(d, r);
    if (r->sr == NULL) {
        cs_disp_log(r, CS_LOG_WARN, "%s[%d]@%lld: %s", r->topic,
                    (int)m->partition, (long long)m->offset, r->reason);
        r->outcome = OUT_DEAD;
        r->stage = ST_SEND;
        return;
    }
    if (!r->valid)
        cs_disp_log(r, CS_LOG_WARN, "rejected: %s", r->reason);
    else if (cs_disp_seen_has(d->seen, r->sr->client_id, r->sr->scan_id)) {
        r->outcome = OUT_SKIP;
        r->stage = ST_COMMIT;
        return;
    }
    post(d, cs_disp_task_prepare, ST_PREPARE);
}

/* The opaque of message idx of r (0 = the dead letter), so that on_ack
 * finds it and ignores acknowledgements of earlier requests. */
static void *token_of(const struct disp_request *r, size_t idx)
{
    return (void *)(((uintptr_t)(r->gen & 0xffffff) << TOKEN_SHIFT) | idx);
}

/* Sends message idx (0 = the dead letter). Returns 0 when it is on its
 * way or must wait, -1 after a permanent failure (fail_reason set). */
static int send_one(cs_dispatcher_t *d, struct disp_request *r, size_t idx)
{
    struct cs_err err = CS_ERR_INIT;
    int *state = idx ? &r->out.msgs[idx - 1].state : &r->dl_state;
    cs_rc rc;

    if (idx == 0) {
        struct cs_deadletter dl;
        cs_deadletter_from_message(r->m, r->reason, &dl);
        rc = cs_deadletter_send(d->producer, d->topics[CS_TOPIC_DEAD_LETTERS],
                                &dl, token_of(r, 0), &err);
    } else {
        const struct cs_disp_msg *m = &r->out.msgs[idx - 1];
        rc = cs_producer_send(d->producer, d->topics[m->topic], m->key,
                              m->keylen, m->value, m->len, NULL,
                              token_of(r, idx), &err);
    }
    if (rc == CS_OK) {
        *state = CS_DISP_IN_FLIGHT;
        return 0;
    }
    if (rc == CS_ERR_UNAVAILABLE) {
        set_fatal(d, err.msg);
        return 0;
    }
    if (rc == CS_ERR_TIMEOUT || idx == 0 || r->outcome != OUT_SCAN) {
        /* a full queue; or a report or dead letter refused, which a
         * failed report would not cure: try again later */
        r->retry_at_ms = cs_mono_ms() + RETRY_MS;
        cs_disp_log(r, rc == CS_ERR_TIMEOUT ? CS_LOG_WARN : CS_LOG_ERROR,
                    "%s; will retry", err.msg);
        return 0;
    }
    snprintf(r->fail_reason, sizeof(r->fail_reason), "cannot publish: %s",
             err.msg);
    return -1;
}

/* Publishes the current phase; moves to the next one when it is all
 * acknowledged. Returns 1 when every phase is acknowledged. */
static int advance_send(cs_dispatcher_t *d, struct disp_request *r)
{
    int64_t now = cs_mono_ms();

    for (;;) {
        int waiting = 0, more = 0;

        if (r->phase == 0 && r->dl_code) {
            if (r->dl_state == CS_DISP_PENDING && now >= r->retry_at_ms &&
                send_one(d, r, 0) < 0)
                return -1;
            waiting |= r->dl_state != CS_DISP_ACKED;
        }
        for (size_t i = 0; i < r->out.n; i++) {
            struct cs_disp_msg *m = &r->out.msgs[i];
            if (m->phase > r->phase)
                more = 1;
            if (m->phase != r->phase)
                continue;
            if (m->state == CS_DISP_PENDING && now >= r->retry_at_ms &&
                send_one(d, r, i + 1) < 0)
                return -1;
            waiting |= m->state != CS_DISP_ACKED;
        }
        if (waiting)
            return 0;
        if (!more)
            return 1;
        r->phase++;
    }
}

static int anything_in_flight(const struct disp_request *r)
{
    if (r->dl_state == CS_DISP_IN_FLIGHT)
        return 1;
    for (size_t i = 0; i < r->out.n; i++)
        if (r->out.msgs[i].state == CS_DISP_IN_FLIGHT)
            return 1;
    return 0;
}

/* Counts what the request published, once it is all acknowledged. */
static void count_published(cs_dispatcher_t *d, const struct disp_request *r)
{
    if (r->dl_code) {
        DISP_STAT_ADD(d, dead_letters, 1);
        if (d->deps.fm) {
            const char *v[] = {r->topic, r->dl_code};
            cs_metric_add(d->deps.fm->dead_letters, v, 1, NULL);
        }
    }
    switch (r->outcome) {
    case OUT_SCAN:
        DISP_STAT_ADD(d, dispatched, 1);
        DISP_STAT_ADD(d, cells, r->out.n ? r->out.n - 1 : 0);
        cs_disp_log(r, CS_LOG_INFO, "dispatched %zu cell(s)",
                    r->out.n ? r->out.n - 1 : 0);
        break;
    case OUT_REJECTED: DISP_STAT_ADD(d, rejected, 1); break;
    case OUT_FAILED: DISP_STAT_ADD(d, failed, 1); break;
    default: break;
    }
}

static void finish_request(cs_dispatcher_t *d)
{
    struct disp_request *r = d->req;
    struct cs_err err = CS_ERR_INIT;

    if (r->outcome == OUT_SKIP) {
        DISP_STAT_ADD(d, duplicates, 1);
        cs_disp_log(r, CS_LOG_INFO,
                    "scan already dispatched; redelivered request skipped");
    }
    if ((r->outcome == OUT_SKIP || r->mark_seen) && r->valid &&
        cs_disp_seen_add(d->seen, r->sr->client_id, r->sr->scan_id, &err) !=
            CS_OK)
        LOGD(CS_LOG_WARN, "%s", err.msg);
    if (!r->revoked &&
        cs_consumer_commit(d->consumer, r->topic, r->m->partition,
                           r->m->offset + 1, 0, &err) != CS_OK)
        cs_disp_log(r, CS_LOG_WARN, "commit: %s", err.msg);
    d->req = NULL;
    request_free(r);
}

/* After the helper's task: retry it later on a transient failure. */
static int task_done(cs_dispatcher_t *d, struct disp_request *r,
                     cs_disp_task_fn fn)
{
    if (!cs_disp_helper_idle(d->helper))
        return 0;
    if (r->task_rc == CS_OK)
        return 1;
    if (r->retry_at_ms == 0) {
        cs_disp_log(r, CS_LOG_WARN, "%s; will retry", r->task_err);
        r->retry_at_ms = cs_mono_ms() + RETRY_MS;
    } else if (cs_mono_ms() >= r->retry_at_ms) {
        r->retry_at_ms = 0;
        r->task_rc = CS_OK;
        post(d, fn, r->stage);
    }
    return 0;
}

/* One step of the request in progress. */
static void advance(cs_dispatcher_t *d)
{
    struct disp_request *r = d->req;
    int sent;

    switch (r->stage) {
    case ST_PREPARE:
        if (!task_done(d, r, cs_disp_task_prepare))
            return;
        r->retry_at_ms = 0;
        r->stage = r->outcome == OUT_SKIP ? ST_COMMIT : ST_SEND;
        return;
    case ST_SEND:
        sent = advance_send(d, r);
        if (sent < 0) {
            /* nothing more of it goes out; once nothing is in flight the
             * request becomes a failed report */
            if (anything_in_flight(r))
                return;
            r->phase = 0;
            post(d, cs_disp_task_fail, ST_PREPARE);
            return;
        }
        if (sent == 0)
            return;
        count_published(d, r);
        r->stage = r->mark_seen && d->deps.store ? ST_FINISH : ST_COMMIT;
        if (r->stage == ST_FINISH)
            post(d, cs_disp_task_finish, ST_FINISH);
        return;
    case ST_FINISH:
        if (task_done(d, r, cs_disp_task_finish))
            r->stage = ST_COMMIT;
        return;
    case ST_COMMIT:
    case ST_DONE:
        finish_request(d);
        return;
    }
}

/* ------------------------------------------------------------ the loop */

/* Keeps a message read while a request is in progress, in order; past
 * HOLD_MAX the consumer pauses (librdkafka then drops what it fetched
 * ahead and, on resume, fetches again after the last message held). */
static void hold(cs_dispatcher_t *d, rd_kafka_message_t *m)
{
    struct disp_held *h = calloc(1, sizeof(*h));

    if (h == NULL) {
        rd_kafka_message_destroy(m);
        set_fatal(d, "dispatcher: out of memory");
        return;
    }
    h->m = m;
    if (d->held_tail)
        d->held_tail->next = h;
    else
        d->held = h;
    d->held_tail = h;
    if (++d->nheld >= HOLD_MAX)
        pause_consumer(d);
}

static rd_kafka_message_t *unhold(cs_dispatcher_t *d)
{
    struct disp_held *h = d->held;
    rd_kafka_message_t *m;

    if (h == NULL)
        return NULL;
    d->held = h->next;
    if (d->held == NULL)
        d->held_tail = NULL;
    m = h->m;
    free(h);
    d->nheld--;
    return m;
}

static void update_lag(cs_dispatcher_t *d)
{
    struct cs_partition_lag *lags = NULL;
    struct cs_err err = CS_ERR_INIT;
    size_t n = 0;

    if (d->deps.fm == NULL)
        return;
    if (cs_consumer_lag(d->consumer, LAG_TIMEOUT_MS, &lags, &n, &err) == CS_OK)
        cs_fleet_metrics_set_lag(d->deps.fm, d->group, lags, n, NULL);
    free(lags);
}

static void turn(cs_dispatcher_t *d, int draining)
{
    rd_kafka_message_t *m = NULL;
    struct cs_err err = CS_ERR_INIT;
    int64_t now;

    cs_producer_poll(d->producer, 0);
    if (d->req == NULL && !draining)
        m = unhold(d);
    /* caught up with what was read ahead (or a rebalance dropped it) */
    if (d->req == NULL && d->held == NULL && m == NULL &&
        cs_consumer_paused(d->consumer) &&
        cs_consumer_resume(d->consumer, &err) != CS_OK)
        LOGD(CS_LOG_WARN, "%s", err.msg);
    if (m == NULL) {
        /* poll even while busy or paused: it keeps this member in the
         * group and serves rebalances */
        int wait = d->req || draining ? 0 : POLL_IDLE_MS;
        if (cs_consumer_poll(d->consumer, wait, &m, &err) != CS_OK) {
            set_fatal(d, err.msg);
            return;
        }
    }
    if (m && (d->req || draining))
        hold(d, m);
    else if (m)
        start_request(d, m);
    if (d->req) {
        advance(d);
        if (d->req)
            cs_producer_poll(d->producer, POLL_BUSY_MS);
    }
    now = cs_mono_ms();
    if (now >= d->next_lag_ms) {
        update_lag(d);
        d->next_lag_ms = cs_mono_ms() + LAG_EVERY_MS;
    }
    __atomic_store_n(&d->last_turn_ms, cs_mono_ms(), __ATOMIC_RELEASE);
}

/* Asks for the metadata of the topics the producer writes, so that the
 * first message to each does not wait for a lookup (about a second). */
static void warm_up(cs_dispatcher_t *d)
{
    static const enum cs_topic out[] = {CS_TOPIC_CELL_RESULTS, CS_TOPIC_CELL_JOBS,
                                        CS_TOPIC_SCAN_RESULTS,
                                        CS_TOPIC_DEAD_LETTERS};
    int n = 0;

    for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
        cs_admin_partition_count(cs_producer_handle(d->producer),
                                 d->topics[out[i]], PROBE_TIMEOUT_MS, &n, NULL);
}

static int wait_kafka(cs_dispatcher_t *d, const volatile sig_atomic_t *stop)
{
    int64_t deadline = cs_mono_ms() + (int64_t)d->startup_timeout_s * 1000;
    const char *topic = d->topics[CS_TOPIC_SCAN_REQUESTS];
    struct cs_err err = CS_ERR_INIT;
    int n = 0;
    cs_rc rc;

    for (;;) {
        rc = cs_admin_partition_count(cs_producer_handle(d->producer), topic,
                                      PROBE_TIMEOUT_MS, &n, &err);
        if (rc == CS_OK || rc == CS_ERR_NOTFOUND) {
            LOGD(rc == CS_OK ? CS_LOG_INFO : CS_LOG_WARN,
                 "Kafka at %s reached; %s %s", d->brokers, topic,
                 rc == CS_OK ? "found" : "does not exist yet");
            warm_up(d);
            return 0;
        }
        if (*stop)
            return 0;
        if (cs_mono_ms() >= deadline) {
            snprintf(d->error, sizeof(d->error),
                     "Kafka at %.200s unreachable after %d s: %s", d->brokers,
                     d->startup_timeout_s, err.msg);
            return -1;
        }
        for (int i = 0; i < STARTUP_RETRY_MS / 50 && !*stop; i++)
            cs_sleep_ms(50, NULL);
    }
}

/* Leaves the group, then flushes the producer, each bounded. */
static void close_kafka(cs_dispatcher_t *d)
{
    struct cs_err err = CS_ERR_INIT;
    int left = 0;

    if (d->closed)
        return;
    d->closed = 1;
    if (cs_consumer_close(d->consumer, CLOSE_MS, &err) != CS_OK)
        LOGD(CS_LOG_WARN, "leaving the group: %s", err.msg);
    d->consumer = NULL;
    if (cs_producer_close(d->producer, CLOSE_MS, &left, &err) != CS_OK)
        LOGD(CS_LOG_WARN, "producer: %s (%d unacknowledged; their request "
                          "was not committed and will be redelivered)",
             err.msg, left);
    d->producer = NULL;
}

int cs_dispatcher_run(cs_dispatcher_t *d, const volatile sig_atomic_t *stop)
{
    int64_t deadline;

    __atomic_store_n(&d->last_turn_ms, cs_mono_ms(), __ATOMIC_RELEASE);
    if (wait_kafka(d, stop) != 0) {
        LOGD(CS_LOG_ERROR, "%s", d->error);
        return 1;
    }
    __atomic_store_n(&d->kafka_ok, 1, __ATOMIC_RELEASE);
    LOGD(CS_LOG_INFO, "dispatching requests of %s as group %s",
         d->topics[CS_TOPIC_SCAN_REQUESTS], d->group);
    while (!*stop && !d->fatal)
        turn(d, 0);
    deadline = cs_mono_ms() + (int64_t)d->drain_timeout_s * 1000;
    if (d->req && !d->fatal)
        cs_disp_log(d->req, CS_LOG_INFO,
                    "stopping: finishing the request in progress (up to %d s)",
                    d->drain_timeout_s);
    while (d->req && !d->fatal && cs_mono_ms() < deadline)
        turn(d, 1);
    if (d->req)
        cs_disp_log(d->req, CS_LOG_WARN,
                    "stopping: request left unfinished and uncommitted; it "
                    "will be redelivered");
    close_kafka(d);
    LOGD(CS_LOG_INFO, "stopped");
    return d->fatal ? 1 : 0;
}

/* ------------------------------------------------------------ life */

static char *dup_or_empty(const char *s, int *nomem)
{
    char *c = strdup(s ? s : "");

    if (c == NULL)
        *nomem = 1;
    return c;
}

static cs_rc copy_config(cs_dispatcher_t *d, const struct cs_config *cfg,
                         struct cs_err *err)
{
    int nomem = 0;
    cs_rc rc = CS_OK;

    snprintf(d->prefix, sizeof(d->prefix), "%s", cfg->topic_prefix);
    for (int t = 0; t < CS_TOPIC_COUNT && rc == CS_OK; t++)
        rc = cs_topic_name(cfg->topic_prefix, (enum cs_topic)t, d->topics[t],
                           sizeof(d->topics[t]), err);
    if (rc == CS_OK)
        rc = cs_group_name(cfg->topic_prefix, CS_GROUP_DISPATCHER, d->group,
                           sizeof(d->group), err);
    if (rc != CS_OK)
        return rc;
    d->brokers = dup_or_empty(cfg->kafka_brokers, &nomem);
    d->org_role_arn = dup_or_empty(cfg->org_role_arn, &nomem);
    d->role_arn_template = dup_or_empty(cfg->role_arn_template, &nomem);
    d->role_name = dup_or_empty(cfg->role_name, &nomem);
    d->external_id = dup_or_empty(cfg->external_id, &nomem);
    d->aws_region = dup_or_empty(cfg->aws_region, &nomem);
    if (nomem)
        return cs_err_set(err, CS_ERR_NOMEM, "dispatcher: out of memory");
    d->settings.role_arn_template = d->role_arn_template;
    d->settings.role_name = d->role_name;
    d->settings.external_id = d->external_id;
    d->settings.aws_region = d->aws_region;
    d->settings.session_duration_s = cfg->session_duration_s;
    d->settings.scan_deadline_s = cfg->scan_deadline_s;
    d->startup_timeout_s = cfg->startup_timeout_s;
    d->drain_timeout_s = cfg->drain_timeout_s;
    d->max_poll_interval_s = cfg->max_poll_interval_s;
    return CS_OK;
}

cs_dispatcher_t *cs_dispatcher_new(const struct cs_config *cfg,
                                   const struct cs_dispatcher_deps *deps,
                                   struct cs_err *err)
{
    cs_dispatcher_t *d = calloc(1, sizeof(*d));
    struct cs_producer_opts po;
    struct cs_consumer_opts co;
    const char *topics[1];

    if (d == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "dispatcher: out of memory");
        return NULL;
    }
    pthread_mutex_init(&d->health_mu, NULL);
    if (deps)
        d->deps = *deps;
    if (copy_config(d, cfg, err) != CS_OK)
        goto fail;
    memset(&po, 0, sizeof(po));
    po.on_ack = on_ack;
    po.ud = d;
    d->producer = cs_producer_new(cfg, d->deps.envp, &po, err);
    if (d->producer == NULL)
        goto fail;
    topics[0] = d->topics[CS_TOPIC_SCAN_REQUESTS];
    memset(&co, 0, sizeof(co));
    co.group_id = d->group;
    co.topics = topics;
    co.ntopics = 1;
    co.on_revoke = on_revoke;
    co.ud = d;
    d->consumer = cs_consumer_new(cfg, d->deps.envp, &co, err);
    if (d->consumer == NULL)
        goto fail;
    d->seen = cs_disp_seen_new(CS_DISP_SEEN_MEMORY, err);
    if (d->seen == NULL)
        goto fail;
    d->helper = cs_disp_helper_new(err);
    if (d->helper == NULL)
        goto fail;
    return d;
fail:
    cs_dispatcher_destroy(d);
    return NULL;
}

void cs_dispatcher_destroy(cs_dispatcher_t *d)
{
    if (d == NULL)
        return;
    /* the helper may still be inside a task on d->req */
    cs_disp_helper_destroy(d->helper);
    if (!d->closed) {
        cs_consumer_destroy(d->consumer);
        cs_producer_destroy(d->producer);
    }
    request_free(d->req);
    while (d->held) {
        rd_kafka_message_t *m = unhold(d);
        rd_kafka_message_destroy(m);
    }
    cs_aws_client_destroy(d->aws_client);
    cs_disp_seen_destroy(d->seen);
    free(d->brokers);
    free(d->org_role_arn);
    free(d->role_arn_template);
    free(d->role_name);
    free(d->external_id);
    free(d->aws_region);
    pthread_mutex_destroy(&d->health_mu);
    free(d);
}
