/* consumer.h: the Kafka group consumer every cellscan daemon uses.
 *
 * Offsets are committed by the caller only (enable.auto.commit=false and
 * enable.auto.offset.store=false are enforced), after the work a message
 * stands for is done. Defaults tuned for fast rebalances, all overridable
 * by passthrough properties (kconf.h): session.timeout.ms=6000,
 * heartbeat.interval.ms=500, max.poll.interval.ms from
 * CELLSCAN_MAX_POLL_INTERVAL, auto.offset.reset=earliest. With librdkafka
 * defaults a rebalance across processes takes ~45 s; with these ~3 s.
 *
 * The rebalance callback assigns and revokes (eager or COOPERATIVE,
 * whichever protocol the assignor chose) and calls the owner's hooks:
 * on_assign after partitions were assigned, on_revoke before they are
 * taken away (the place to commit finished work). Hooks run in the thread
 * that calls cs_consumer_poll, or during cs_consumer_close in its helper
 * thread.
 *
 * One thread owns a consumer (poll, commit, pause, close).
 */
#ifndef CS_BUS_CONSUMER_H
#define CS_BUS_CONSUMER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "bus/topics.h"
#include "util/config.h"
#include "util/err.h"

typedef struct cs_consumer_s cs_consumer_t;

/* A rebalance hook. parts is borrowed for the call. lost is set when the
 * partitions were lost (session timed out) rather than revoked in order:
 * commits for them will fail and their work will be redone elsewhere. */
typedef void (*cs_consumer_rebalance_fn)(
    void *ud, const rd_kafka_topic_partition_list_t *parts, int lost);

struct cs_consumer_opts {
    const char *group_id;        /* required; e.g. from cs_group_name */
    const char *const *topics;   /* required; topic names to subscribe */
    size_t ntopics;
    cs_consumer_rebalance_fn on_assign; /* may be NULL */
    cs_consumer_rebalance_fn on_revoke; /* may be NULL */
    void *ud;                           /* passed to the hooks */
};

/* Default bound of cs_consumer_destroy's close. */
#define CS_CONSUMER_CLOSE_MS 10000

/* Creates a consumer in group o->group_id subscribed to o->topics, from
 * cfg and the passthrough properties (envp NULL = the process
 * environment). Returns NULL with err set: CS_ERR_INVALID for a bad
 * property or one that would turn on auto commit, or a missing group or
 * topic; CS_ERR_UNAVAILABLE when librdkafka refuses to start or to
 * subscribe. Caller frees with cs_consumer_close or cs_consumer_destroy. */
cs_consumer_t *cs_consumer_new(const struct cs_config *cfg, char *const *envp,
                               const struct cs_consumer_opts *o,
                               struct cs_err *err);

/* Waits up to timeout_ms for the next message. *out is the message (caller
 * frees with rd_kafka_message_destroy) or NULL on timeout and after
 * informational errors (a broker went away, a partition reached its end),
 * which are logged as warnings and otherwise ignored, as librdkafka retries
 * by itself. Errors: CS_ERR_UNAVAILABLE for a fatal consumer error. */
cs_rc cs_consumer_poll(cs_consumer_t *c, int timeout_ms,
                       rd_kafka_message_t **out, struct cs_err *err);

/* Commits next_offset (the offset of the first message NOT done, i.e. the
 * last done + 1) for topic/partition, synchronously unless async is set
 * (an async commit that fails later is logged as a warning from
 * cs_consumer_poll; the next commit of the partition covers it). From a
 * rebalance hook during cs_consumer_close the commit is always async, so
 * that the close keeps its bound: commit synchronously before closing.
 * Errors:
 * CS_ERR_UNAVAILABLE naming the partition and librdkafka's reason (e.g. the
 * partition was revoked meanwhile). */
cs_rc cs_consumer_commit(cs_consumer_t *c, const char *topic,
                         int32_t partition, int64_t next_offset, int async,
                         struct cs_err *err);

/* Moves the fetch position of an assigned partition to offset (e.g. the
 * aggregator replaying from the earliest offset of an open scan).
 * Errors: CS_ERR_UNAVAILABLE with librdkafka's reason. */
cs_rc cs_consumer_seek(cs_consumer_t *c, const char *topic, int32_t partition,
                       int64_t offset, int timeout_ms, struct cs_err *err);

/* Stops fetching from every assigned partition (and from partitions
 * assigned later, until resumed), so a full worker does not buffer
 * without bound; resume undoes it. Errors: CS_ERR_UNAVAILABLE. */
cs_rc cs_consumer_pause(cs_consumer_t *c, struct cs_err *err);
cs_rc cs_consumer_resume(cs_consumer_t *c, struct cs_err *err);

/* Whether cs_consumer_pause is in effect. Cannot fail. */
int cs_consumer_paused(const cs_consumer_t *c);

/* Current assignment. Errors: CS_ERR_UNAVAILABLE. On success caller frees
 * *out with rd_kafka_topic_partition_list_destroy. */
cs_rc cs_consumer_assignment(cs_consumer_t *c,
                             rd_kafka_topic_partition_list_t **out,
                             struct cs_err *err);

/* Lag of one partition, for the cellscan_consumer_lag gauge. */
struct cs_partition_lag {
    char topic[CS_TOPIC_NAME_MAX + 1];
    int32_t partition;
    int64_t committed; /* -1 when the group has no commit yet */
    int64_t low, high; /* watermarks */
    int64_t lag;       /* messages not yet committed */
};

/* Lag of one partition from its committed offset and watermarks: high -
 * committed, or high - low when nothing was committed, never negative.
 * Pure. Cannot fail. */
int64_t cs_lag_compute(int64_t committed, int64_t low, int64_t high);

/* Lag of every assigned partition (committed offsets of the group vs
 * watermarks queried from the brokers), waiting up to timeout_ms per
 * query. *out holds *n entries; caller frees with free() (NULL when
 * nothing is assigned). Errors: CS_ERR_UNAVAILABLE naming what failed,
 * CS_ERR_NOMEM. */
cs_rc cs_consumer_lag(cs_consumer_t *c, int timeout_ms,
                      struct cs_partition_lag **out, size_t *n,
                      struct cs_err *err);

/* The group id. Borrowed: valid until the consumer is closed. Cannot
 * fail. */
const char *cs_consumer_group(const cs_consumer_t *c);

/* The librdkafka handle. Borrowed: valid until the consumer is closed. */
rd_kafka_t *cs_consumer_handle(cs_consumer_t *c);

/* Leaves the group (revoking through on_revoke, so finished work can be
 * committed) and destroys the consumer, within timeout_ms: the close runs
 * on a helper thread because rd_kafka_consumer_close can hang after a
 * peer left. On timeout the helper thread keeps the handle and frees it
 * if the close ever returns; no hook runs after this function returned.
 * Errors: CS_ERR_TIMEOUT; CS_ERR_UNAVAILABLE when the close reported an
 * error. c is gone either way. NULL is a no-op. */
cs_rc cs_consumer_close(cs_consumer_t *c, int timeout_ms, struct cs_err *err);

/* cs_consumer_close with CS_CONSUMER_CLOSE_MS, result ignored. NULL is a
 * no-op. */
void cs_consumer_destroy(cs_consumer_t *c);

#endif
