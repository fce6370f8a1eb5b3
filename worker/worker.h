/* worker.h: the worker core — runs the cells of cell-jobs and publishes
 * their CellResults to cell-results (docs/operations.md, "Worker").
 *
 * One core is one member of the consumer group <prefix>workers. It
 * decodes each CellJob (bytes that do not decode or a job that fails its
 * checks go to dead-letters with the reason, and count as done), admits
 * jobs under the worker, per-account and distinct-account limits
 * (worker/sched.h), runs them on CELLSCAN_WORKER_CONCURRENCY threads with
 * cs_extract_run, and publishes each CellResult wrapped in a
 * CellResultsRecord with key scan_id. A job's offset becomes committable
 * only in the delivery report of its result, and offsets are committed
 * contiguously per partition (bus/tracker.h), so kill -9 at any moment
 * loses no job; a job run twice yields a duplicate result the aggregator
 * dedupes. When the local queue is full the core pauses its partitions
 * and keeps polling. A job whose scan deadline passed before it could
 * start is not run and publishes nothing (the aggregator alone decides
 * deadline_exceeded).
 *
 * The core uses no globals: `cellscan run` runs several in one process,
 * sharing one metrics registry and one AWS context.
 *
 *   cs_worker_t *w = cs_worker_new(&cfg, &deps, &err);
 *   cs_daemon_set_health(&d, cs_worker_healthy, w);
 *   int rc = cs_worker_run(w, &stop);
 *   cs_worker_destroy(w);
 */
#ifndef CS_WORKER_WORKER_H
#define CS_WORKER_WORKER_H

#include <signal.h>
#include <stddef.h>

#include "aws/aws.h"
#include "metrics/fleet.h"
#include "metrics/registry.h"
#include "util/config.h"
#include "util/err.h"

typedef struct cs_worker_s cs_worker_t;

/* What an embedding process shares with the core. Everything borrowed:
 * it must outlive the core. */
struct cs_worker_deps {
    cs_metrics_t *metrics;         /* the registry fm lives in; may be NULL */
    struct cs_fleet_metrics *fm;   /* fleet metrics; NULL = none kept */
    cs_aws_t *aws;                 /* required: the process's AWS context */
    char *const *envp;             /* Kafka passthrough; NULL = environ */
};

/* Creates a core from cfg (read during the call; values are copied) and
 * deps: the Kafka producer and consumer (not yet connected), the commit
 * tracker, the scheduler and the cell threads with their AWS clients.
 * Returns NULL with err set: CS_ERR_INVALID for a bad Kafka property or
 * topic prefix or a missing dependency; CS_ERR_UNAVAILABLE when
 * librdkafka refuses to start; CS_ERR_NOMEM; CS_ERR_INTERNAL when a
 * thread cannot start. Caller frees with cs_worker_destroy. */
cs_worker_t *cs_worker_new(const struct cs_config *cfg,
                           const struct cs_worker_deps *deps,
                           struct cs_err *err);

/* Waits for Kafka (up to CELLSCAN_STARTUP_TIMEOUT), then consumes and
 * runs jobs until *stop is set. Then drains: stops taking jobs, lets
 * running cells finish and their results be acknowledged and committed
 * for up to CELLSCAN_DRAIN_TIMEOUT, cancels the cells still running
 * without publishing or committing them, leaves the group and flushes the
 * producer, each within a few seconds. Returns 0 after a clean stop; 1
 * when Kafka stayed unreachable at start or the Kafka client failed
 * fatally (cs_worker_error says why). Call once. */
int cs_worker_run(cs_worker_t *w, const volatile sig_atomic_t *stop);

/* Why cs_worker_run returned 1; "" otherwise. Borrowed: valid until
 * cs_worker_destroy. Cannot fail. */
const char *cs_worker_error(const cs_worker_t *w);

/* Health for /healthz (a cs_health_fn; ud is the core). Unhealthy while
 * starting (Kafka not reached yet), after a fatal Kafka error, when the
 * main loop has not turned for CS_WORKER_STALL_S seconds, or when Kafka
 * has been unreachable for more than max(CS_WORKER_KAFKA_DOWN_S,
 * CELLSCAN_STARTUP_TIMEOUT) seconds. Having no partitions is healthy (a
 * group may have more workers than partitions). Thread-safe; never
 * blocks. */
int cs_worker_healthy(void *ud, char *reason, size_t len);

#define CS_WORKER_STALL_S 30
#define CS_WORKER_KAFKA_DOWN_S 60

/* Frees the core: waits for cell threads still inside a cancelled cell
 * (a cell stops at its next AWS call; one call may take up to
 * CELLSCAN_HTTP_TIMEOUT), closes what cs_worker_run did not close. NULL is
 * a no-op. */
void cs_worker_destroy(cs_worker_t *w);

#endif
