/* aggregator.c: the aggregator's Kafka side: start-up, the loop,
 * rebalances, commits, lag, health and the bounded shutdown. What each
 * record does is in scans.c. */
#include "aggregator/aggregator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/core.h"
#include "bus/admin.h"
#include "util/clock.h"
#include "util/log.h"

#define POLL_MS 100
#define DEADLINE_CHECK_MS 250
#define COMMIT_EVERY_MS 1000
#define LAG_EVERY_MS 5000
#define LAG_QUERY_MS 1000
#define WATERMARK_QUERY_MS 2000
#define STARTUP_ATTEMPT_MS 2000
/* flush on a revoke: the group waits for us (max.poll.interval.ms) */
#define REVOKE_FLUSH_MS 3000
/* the loop counts as stalled (unhealthy) after this long in one turn */
#define STALL_MS 30000

static const struct cs_log_ctx log_ctx = {"aggregator", NULL, NULL};

static void set_health(cs_aggregator_t *a, enum agg_health h)
{
    __atomic_store_n(&a->health, (int)h, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------ commits */

/* Commits the commit point of partition when it moved (async in the loop,
 * sync on a revoke or at shutdown). */
static void commit_partition(cs_aggregator_t *a, int32_t partition, int async)
{
    struct cs_err err = CS_ERR_INIT;
    int64_t next;

    if (!cs_agg_offsets_commit_point(a->offsets, partition, &next))
        return;
    if (cs_consumer_commit(a->consumer, a->topic_in, partition, next, async,
                           &err) != CS_OK) {
        cs_log(&log_ctx, CS_LOG_WARN, "%s", err.msg);
        return;
    }
    cs_log(&log_ctx, CS_LOG_DEBUG, "committed %s[%d] at %lld (%zu open)",
           a->topic_in, (int)partition, (long long)next,
           cs_agg_offsets_pins(a->offsets, partition));
    cs_agg_offsets_committed(a->offsets, partition, next);
}

static void commit_all(cs_aggregator_t *a, int async)
{
    for (size_t i = 0; i < a->nparts; i++)
        commit_partition(a, a->parts[i].id, async);
}

/* ------------------------------------------------------------ rebalances */

static void parts_add(cs_aggregator_t *a, int32_t id)
{
    struct agg_part *p = agg_part(a, id);

    if (p == NULL) {
        if (a->nparts == a->parts_cap) {
            size_t cap = a->parts_cap ? a->parts_cap * 2 : 16;
            struct agg_part *v = realloc(a->parts, cap * sizeof(*v));
            if (v == NULL) {
                /* its messages count as replayed: only slower */
                cs_log(&log_ctx, CS_LOG_ERROR, "out of memory for partition %d",
                       (int)id);
                return;
            }
            a->parts = v;
            a->parts_cap = cap;
        }
        p = &a->parts[a->nparts++];
    }
    p->id = id;
    p->replay_end = -1;
    p->min_deadline = -1;
}

static void parts_remove(cs_aggregator_t *a, int32_t id)
{
    struct agg_part *p = agg_part(a, id);

    if (p)
        *p = a->parts[--a->nparts];
}

/* The partition's high watermark now: a previous owner can only have
 * handled messages below it. -1 when the broker does not say (then the
 * first fetch decides, which errs towards "replayed"). */
static int64_t high_watermark(cs_aggregator_t *a, int32_t partition)
{
    int64_t lo = -1, hi = -1;

    if (rd_kafka_query_watermark_offsets(cs_consumer_handle(a->consumer),
                                         a->topic_in, partition, &lo, &hi,
                                         WATERMARK_QUERY_MS) !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
        return -1;
    return hi;
}

static void on_assign(void *ud, const rd_kafka_topic_partition_list_t *parts,
                      int lost)
{
    cs_aggregator_t *a = ud;
    struct agg_part *p;

    (void)lost;
    for (int i = 0; i < parts->cnt; i++) {
        int32_t id = parts->elems[i].partition;
        if (strcmp(parts->elems[i].topic, a->topic_in) != 0)
            continue;
        agg_drop_partition(a, id);
        parts_add(a, id);
        p = agg_part(a, id);
        if (p)
            p->replay_end = high_watermark(a, id);
    }
    cs_log(&log_ctx, CS_LOG_INFO, "assigned %d partition(s) of %s; %zu owned",
           parts->cnt, a->topic_in, a->nparts);
}

/* Finishes what can be finished quickly (reports in flight, Redis), so the
 * next owner replays as little as possible, then commits. */
static void settle(cs_aggregator_t *a, int64_t deadline_ms)
{
    struct cs_err err = CS_ERR_INIT;

    while (agg_pending(a) > 0 && cs_mono_ms() < deadline_ms && !a->fatal) {
        cs_producer_poll(a->producer, 50);
        if (agg_drive(a, &err) != CS_OK)
            a->fatal = 1;
    }
}

static void on_revoke(void *ud, const rd_kafka_topic_partition_list_t *parts,
                      int lost)
{
    cs_aggregator_t *a = ud;

    if (!lost) {
        settle(a, cs_mono_ms() + REVOKE_FLUSH_MS);
        commit_all(a, 0);
    }
    for (int i = 0; i < parts->cnt; i++) {
        if (strcmp(parts->elems[i].topic, a->topic_in) != 0)
            continue;
        agg_drop_partition(a, parts->elems[i].partition);
        parts_remove(a, parts->elems[i].partition);
    }
    cs_log(&log_ctx, lost ? CS_LOG_WARN : CS_LOG_INFO,
           "%s %d partition(s) of %s; %zu owned, %zu scans open",
           lost ? "lost" : "revoked", parts->cnt, a->topic_in, a->nparts,
           cs_strmap_count(a->scans));
}

/* ------------------------------------------------------------ start-up */

static cs_rc names(cs_aggregator_t *a, struct cs_err *err)
{
    const char *prefix = a->cfg->topic_prefix;
    cs_rc rc = cs_topic_name(prefix, CS_TOPIC_CELL_RESULTS, a->topic_in,
                             sizeof(a->topic_in), err);

    if (rc == CS_OK)
        rc = cs_topic_name(prefix, CS_TOPIC_SCAN_RESULTS, a->topic_out,
                           sizeof(a->topic_out), err);
    if (rc == CS_OK)
        rc = cs_topic_name(prefix, CS_TOPIC_DEAD_LETTERS, a->topic_dlq,
                           sizeof(a->topic_dlq), err);
    if (rc == CS_OK)
        rc = cs_group_name(prefix, CS_GROUP_AGGREGATOR, a->group,
                           sizeof(a->group), err);
    return rc;
}

/* Waits until the brokers answer a metadata request (a topic that does
 * not exist yet is an answer), at most startup_timeout_s. */
static cs_rc wait_for_kafka(cs_aggregator_t *a, struct cs_err *err)
{
    int64_t deadline = cs_mono_ms() + (int64_t)a->cfg->startup_timeout_s * 1000;
    struct cs_err last = CS_ERR_INIT;
    int partitions = 0;

    for (;;) {
        int64_t left = deadline - cs_mono_ms();
        cs_rc rc;
        if (left <= 0)
            break;
        rc = cs_admin_partition_count(cs_producer_handle(a->producer),
                                      a->topic_in,
                                      (int)(left < STARTUP_ATTEMPT_MS
                                                ? left : STARTUP_ATTEMPT_MS),
                                      &partitions, &last);
        if (rc == CS_OK || rc == CS_ERR_NOTFOUND) {
            if (rc == CS_ERR_NOTFOUND)
                cs_log(&log_ctx, CS_LOG_WARN, "%s", last.msg);
            return CS_OK;
        }
        cs_sleep_ms(100, NULL);
    }
    return cs_err_set(err, CS_ERR_UNAVAILABLE,
                      "Kafka at %s unreachable after %d s: %s",
                      a->cfg->kafka_brokers, a->cfg->startup_timeout_s,
                      last.msg[0] ? last.msg : "no answer");
}

cs_aggregator_t *cs_aggregator_new(const struct cs_config *cfg,
                                   const struct cs_aggregator_deps *deps,
                                   struct cs_err *err)
{
    cs_aggregator_t *a = calloc(1, sizeof(*a));
    struct cs_producer_opts po;
    struct cs_consumer_opts co;
    const char *topics[1];

    if (a == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    a->cfg = cfg;
    if (deps)
        a->deps = *deps;
    a->next_seq = 1;
    if (names(a, err) != CS_OK)
        goto fail;
    a->scans = cs_strmap_new(err);
    a->closed = cs_agg_closed_new(CS_AGG_CLOSED_KEEP, err);
    a->offsets = cs_agg_offsets_new(err);
    if (a->scans == NULL || a->closed == NULL || a->offsets == NULL)
        goto fail;
    memset(&po, 0, sizeof(po));
    po.on_ack = agg_on_ack;
    po.ud = a;
    a->producer = cs_producer_new(cfg, a->deps.envp, &po, err);
    if (a->producer == NULL || wait_for_kafka(a, err) != CS_OK)
        goto fail;
    topics[0] = a->topic_in;
    memset(&co, 0, sizeof(co));
    co.group_id = a->group;
    co.topics = topics;
    co.ntopics = 1;
    co.on_assign = on_assign;
    co.on_revoke = on_revoke;
    co.ud = a;
    a->consumer = cs_consumer_new(cfg, a->deps.envp, &co, err);
    if (a->consumer == NULL)
        goto fail;
    agg_gauge_open(a);
    return a;
fail:
    cs_aggregator_destroy(a);
    return NULL;
}

/* ------------------------------------------------------------ the loop */

static void update_lag(cs_aggregator_t *a)
{
    struct cs_partition_lag *lags = NULL;
    struct cs_err err = CS_ERR_INIT;
    size_t n = 0;

    if (a->deps.fm == NULL)
        return;
    if (cs_consumer_lag(a->consumer, LAG_QUERY_MS, &lags, &n, &err) != CS_OK)
        cs_log(&log_ctx, CS_LOG_DEBUG, "lag: %s", err.msg);
    else
        cs_fleet_metrics_set_lag(a->deps.fm, a->group, lags, n, NULL);
    free(lags);
}

/* The timed duties of a loop turn. */
static cs_rc periodic(cs_aggregator_t *a, struct cs_err *err)
{
    int64_t now = cs_mono_ms();
    cs_rc rc = CS_OK;

    if (now >= a->next_deadline_check) {
        a->next_deadline_check = now + DEADLINE_CHECK_MS;
        rc = agg_close_due(a, -1, cs_wall_ms(), 1, err);
    }
    if (rc == CS_OK && now >= a->next_commit) {
        a->next_commit = now + COMMIT_EVERY_MS;
        commit_all(a, 1);
    }
    if (rc == CS_OK && now >= a->next_lag) {
        a->next_lag = now + LAG_EVERY_MS;
        update_lag(a);
    }
    return rc;
}

/* One turn: a message (or a timeout), delivery reports, closing scans,
 * timers. Returns non-OK only for what must stop the core. */
static cs_rc turn(cs_aggregator_t *a, struct cs_err *err)
{
    rd_kafka_message_t *m = NULL;
    cs_rc rc;

    /* shorter waits while reports are on their way */
    rc = cs_consumer_poll(a->consumer, agg_pending(a) ? 10 : POLL_MS, &m, err);
    if (rc != CS_OK)
        return rc;
    if (m) {
        rc = agg_handle_message(a, m, err);
        rd_kafka_message_destroy(m);
        if (rc != CS_OK)
            return rc;
    }
    cs_producer_poll(a->producer, 0);
    rc = agg_drive(a, err);
    if (rc == CS_OK)
        rc = periodic(a, err);
    return rc;
}

/* Stops reading, finishes what is on its way within the drain bound,
 * commits and leaves the group. */
static void drain(cs_aggregator_t *a)
{
    int64_t deadline = cs_mono_ms() + (int64_t)a->cfg->drain_timeout_s * 1000;
    struct cs_err err = CS_ERR_INIT;
    size_t open;
    int64_t left;
    int unacked = 0;

    set_health(a, AGG_STOPPING);
    if (cs_consumer_pause(a->consumer, &err) != CS_OK)
        cs_log(&log_ctx, CS_LOG_WARN, "%s", err.msg);
    while (agg_pending(a) > 0 && cs_mono_ms() < deadline && !a->fatal) {
        rd_kafka_message_t *m = NULL;
        /* keeps the group membership alive; a message read now is not
         * handled, so the commit stays below it */
        cs_consumer_poll(a->consumer, 10, &m, NULL);
        if (m)
            rd_kafka_message_destroy(m);
        cs_producer_poll(a->producer, 40);
        if (agg_drive(a, &err) != CS_OK)
            a->fatal = 1;
    }
    if (agg_pending(a) > 0)
        cs_log(&log_ctx, CS_LOG_WARN, "%zu report(s) or dead letter(s) not "
               "finished at shutdown; the group will redo them",
               agg_pending(a));
    commit_all(a, 0);
    /* counted now: leaving the group drops them (on_revoke) */
    open = cs_strmap_count(a->scans);
    left = deadline - cs_mono_ms();
    if (cs_consumer_close(a->consumer, left > 1000 ? (int)left : 1000, &err) !=
        CS_OK)
        cs_log(&log_ctx, CS_LOG_WARN, "%s", err.msg);
    a->consumer = NULL;
    left = deadline - cs_mono_ms();
    if (cs_producer_close(a->producer, left > 1000 ? (int)left : 1000, &unacked,
                          &err) != CS_OK)
        cs_log(&log_ctx, CS_LOG_WARN, "%s", err.msg);
    a->producer = NULL;
    cs_log(&log_ctx, CS_LOG_INFO, "stopped; %zu scan(s) left open for the "
           "group, %d message(s) unacknowledged", open, unacked);
}

int cs_aggregator_run(cs_aggregator_t *a, const volatile sig_atomic_t *stop)
{
    struct cs_err err = CS_ERR_INIT;
    int status = 0;

    __atomic_store_n(&a->last_turn_ms, cs_mono_ms(), __ATOMIC_RELAXED);
    set_health(a, AGG_RUNNING);
    cs_log(&log_ctx, CS_LOG_INFO, "consuming %s as group %s; reports to %s%s",
           a->topic_in, a->group, a->topic_out,
           a->deps.store ? " and Redis" : " (no Redis)");
    while (!*stop && !a->fatal) {
        if (turn(a, &err) != CS_OK) {
            cs_log(&log_ctx, CS_LOG_ERROR, "stopping: %s", err.msg);
            a->fatal = 1;
            status = 1;
            break;
        }
        __atomic_store_n(&a->last_turn_ms, cs_mono_ms(), __ATOMIC_RELAXED);
    }
    if (a->fatal)
        status = 1;
    drain(a);
    set_health(a, status ? AGG_FAILED : AGG_STOPPING);
    return status;
}

/* ------------------------------------------------------------ the rest */

int cs_aggregator_healthy(void *ud, char *reason, size_t len)
{
    const cs_aggregator_t *a = ud;
    int h = __atomic_load_n(&a->health, __ATOMIC_ACQUIRE);
    int64_t idle = cs_mono_ms() - __atomic_load_n(&a->last_turn_ms,
                                                  __ATOMIC_RELAXED);

    switch (h) {
    case AGG_RUNNING:
        if (idle <= STALL_MS)
            return 1;
        snprintf(reason, len, "aggregator loop stalled for %lld s",
                 (long long)(idle / 1000));
        return 0;
    case AGG_STARTING:
        snprintf(reason, len, "aggregator starting");
        return 0;
    case AGG_STOPPING:
        snprintf(reason, len, "aggregator stopping");
        return 0;
    default:
        snprintf(reason, len, "aggregator failed (see its log)");
        return 0;
    }
}

void cs_aggregator_stats(const cs_aggregator_t *a,
                         struct cs_aggregator_stats *out)
{
    const uint64_t *from = (const uint64_t *)&a->stats;
    uint64_t *to = (uint64_t *)out;

    /* the struct is uint64_t fields only */
    for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
        to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
}

void cs_aggregator_destroy(cs_aggregator_t *a)
{
    if (a == NULL)
        return;
    cs_consumer_destroy(a->consumer);
    cs_producer_destroy(a->producer);
    agg_scans_free(a);
    cs_agg_closed_destroy(a->closed);
    cs_agg_offsets_destroy(a->offsets);
    free(a->parts);
    free(a);
}
