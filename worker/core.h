/* core.h: the worker core's state, shared by worker.c (life cycle, the
 * Kafka loop, partitions and commits, drain, health), jobs.c (what a
 * consumed message becomes: a queued job, a running cell, a result or a
 * dead letter) and out.c (publishing results and dead letters and their
 * delivery reports). Internal to cs_worker; one owner thread except where
 * marked.
 */
#ifndef CS_WORKER_CORE_H
#define CS_WORKER_CORE_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "bus/consumer.h"
#include "bus/deadletter.h"
#include "bus/producer.h"
#include "bus/topics.h"
#include "bus/tracker.h"
#include "cellscan.pb-c.h"
#include "metrics/fleet.h"
#include "util/log.h"
#include "worker/pool.h"
#include "worker/sched.h"
#include "worker/worker.h"

#define WK_COMPONENT "worker"

/* A failed send or delivery is retried after this, doubling up to the
 * maximum. */
#define WK_RESEND_FIRST_MS 500
#define WK_RESEND_MAX_MS 10000
/* cs_extract_run failures other than an invalid job (out of memory) are
 * tried this many times in all before the job is dead-lettered. */
#define WK_EXTRACT_ATTEMPTS 3

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

/* A partition of cell-jobs this core follows. Each assignment gets a new
 * epoch: a job counts (its offset can be marked done) only in the
 * assignment it was tracked in. */
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
    /* read by cs_worker_healthy on another thread (__atomic) */
    int state;
    int fatal;
    int64_t last_turn_ms;
    int64_t kafka_down_since_ms;
    char error[CS_ERR_MSG_MAX + 512];
};

/* Logs one line in the worker's component. */
#define WK_LOG(lvl, ...)                                                     \
    do {                                                                     \
        struct cs_log_ctx ctx_ = {WK_COMPONENT, NULL, NULL};                 \
        cs_log(&ctx_, (lvl), __VA_ARGS__);                                   \
    } while (0)

/* ---- worker.c ---- */

/* Logs one line about job j, with its client and scan ids when known.
 * Cannot fail. */
void wk_log_job(const struct job *j, enum cs_log_level lvl, const char *fmt,
                ...) __attribute__((format(printf, 3, 4)));

/* The Kafka client failed for good: the loop ends and cs_worker_run
 * returns 1 with why. Cannot fail. */
void wk_set_fatal(cs_worker_t *w, const char *why);

/* cs_metric_add on a family that may be NULL (no metrics kept), errors
 * ignored. Thread-safe. */
void wk_metric_add(cs_metric_t *f, const char *const *values, double v);

/* The partition id, created (unassigned) when create is set; NULL when
 * unknown or out of memory. */
struct part *wk_part_get(cs_worker_t *w, int32_t id, int create);

/* Whether j's completion still counts: its partition is assigned to this
 * core in the assignment j was tracked in. Cannot fail. */
int wk_job_counts(cs_worker_t *w, const struct job *j);

/* j needs nothing more (its result or dead letter landed, or it was not
 * to run): its offset is done, and the partition's commit point is
 * committed if it moved. Cannot fail (a failed commit is logged). */
void wk_mark_done(cs_worker_t *w, const struct job *j);

/* ---- jobs.c ---- */

/* Takes a consumed message over (m is destroyed or held): tracks its
 * offset, decodes and checks the job, queues it or dead-letters it. */
void wk_handle_message(cs_worker_t *w, rd_kafka_message_t *m);

/* Retries the messages held for room in the tracker, in arrival order. */
void wk_retry_held(cs_worker_t *w);

/* Drops p's queued jobs and held messages and its tracking (revoked or
 * lost); running jobs of p finish, but no longer count. */
void wk_forget_partition(cs_worker_t *w, struct part *p);

/* Starts the queued jobs the limits admit (a job whose scan deadline
 * passed is not run: done at once, nothing published). */
void wk_start_jobs(cs_worker_t *w);

/* Collects finished cells: publishes results, dead-letters invalid jobs,
 * retries failed ones, drops cancelled ones. */
void wk_collect(cs_worker_t *w);

/* cs_extract_opts.on_stats: AWS call metrics by service. Called on cell
 * threads. */
void wk_on_stats(void *ud, const char *service,
                 const struct cs_aws_stats *delta);

/* Unlinks and frees j. Cannot fail. */
void wk_job_free(cs_worker_t *w, struct job *j);

/* ---- out.c ---- */

/* From now on j ends with a message of kind (out_bytes set for a result)
 * whose delivery report makes its offset done; queued for sending. */
void wk_job_publish(cs_worker_t *w, struct job *j, enum out_kind kind);

/* Publishes j's original message to dead-letters with reason, counted
 * under the metric label code (a static string). */
void wk_dead_letter(cs_worker_t *w, struct job *j, const char *reason,
                    const char *code);

/* Sends the messages whose (re)send time came. */
void wk_send_due(cs_worker_t *w);

/* Handles the delivery reports noted by wk_on_ack. */
void wk_reap_acks(cs_worker_t *w);

/* cs_producer_opts.on_ack: notes the report for wk_reap_acks. */
void wk_on_ack(void *ud, void *opaque, rd_kafka_resp_err_t err,
               int32_t partition, int64_t offset);

#endif
