/* dispatcher.h: the dispatcher core — turns each ScanRequest of
 * scan-requests into a ScanManifest and CellJobs (docs/operations.md,
 * "Dispatcher").
 *
 * One core is one member of the consumer group <prefix>dispatcher. For
 * each request, in order, one at a time:
 *   1. decode; bytes that are not a ScanRequest go to dead-letters
 *      (reason "decode: ...");
 *   2. validate (scope/scope.h, with the configured org role); an invalid
 *      request gets a ScanReport with status rejected and the reason on
 *      scan-results (and in Redis), and its bytes go to dead-letters;
 *   3. skip it when its scan_id was dispatched before (in-memory set,
 *      then the Redis seen mark): a redelivery starts no second scan;
 *   4. admit it under the client's plan (scans per hour, counted once per
 *      scan id); over the limit it is rejected like an invalid request,
 *      without a dead letter;
 *   5. resolve the accounts: the explicit list, or organization discovery
 *      (lib/org) on the core's helper thread while the consumer, paused,
 *      keeps polling — a slow discovery never exceeds
 *      max.poll.interval.ms; a discovery failure gives a ScanReport with
 *      status failed and the reason;
 *   6. publish the ScanManifest (cell-results, key scan_id) and wait for
 *      its acknowledgement, then one CellJob per cell (cell-jobs, key
 *      account_id) and wait for all of them;
 *   7. mark the scan id seen (Redis, with CS_DISP_SEEN_TTL_S, and in
 *      memory), then commit the request's offset.
 * Every message is built from the request alone (deadline = requested_at
 * + deadline), so a request redelivered after kill -9 between 6 and 7 is
 * dispatched again byte for byte and downstream dedupes it by cell id.
 * Redis and AWS are used only from the helper thread; the run thread only
 * talks to Kafka.
 *
 * The core uses no globals: `cellscan run` runs it beside workers and an
 * aggregator in one process, sharing one metrics registry and one AWS
 * context.
 *
 *   cs_dispatcher_t *d = cs_dispatcher_new(&cfg, &deps, &err);
 *   cs_daemon_set_health(&daemon, cs_dispatcher_healthy, d);
 *   int rc = cs_dispatcher_run(d, &stop);
 *   cs_dispatcher_destroy(d);
 */
#ifndef CS_DISPATCHER_DISPATCHER_H
#define CS_DISPATCHER_DISPATCHER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws.h"
#include "cellscan.pb-c.h"
#include "metrics/fleet.h"
#include "metrics/registry.h"
#include "store/store.h"
#include "util/config.h"
#include "util/err.h"

typedef struct cs_dispatcher_s cs_dispatcher_t;

/* How long Redis remembers a dispatched scan id (and a plan decision): 7
 * days, Kafka's default retention, so any redelivery finds it. */
#define CS_DISP_SEEN_TTL_S (7 * 24 * 3600)
/* Scan ids remembered in memory. */
#define CS_DISP_SEEN_MEMORY 65536
/* /healthz turns unhealthy when the loop has not turned for this long. */
#define CS_DISP_STALL_S 30

/* What an embedding process shares with the core. Everything borrowed:
 * it must outlive the core. */
struct cs_dispatcher_deps {
    cs_metrics_t *metrics;             /* the registry fm lives in; may be NULL */
    const struct cs_fleet_metrics *fm; /* NULL = no metrics kept */
    /* Redis (plan limits, seen marks, rejected reports); NULL = none
     * (embedded mode: no plan limits, idempotency in memory only). Used
     * only from the core's helper thread, as a store is one connection. */
    cs_store_t *store;
    /* AWS, for organization discovery; NULL = organization scopes fail
     * with a clear reason. Thread-safe; the core makes its own client. */
    cs_aws_t *aws;
    char *const *envp; /* Kafka passthrough; NULL = environ */
};

/* Counters since the core started, for progress displays and tests. */
struct cs_dispatcher_stats {
    uint64_t requests;      /* ScanRequests read (redeliveries included) */
    uint64_t dispatched;    /* scans whose manifest and jobs were acknowledged */
    uint64_t cells;         /* CellJobs acknowledged */
    uint64_t duplicates;    /* requests skipped: scan id already dispatched */
    uint64_t rejected;      /* rejected reports acknowledged */
    uint64_t failed;        /* failed reports acknowledged (discovery failed) */
    uint64_t dead_letters;  /* dead letters acknowledged */
};

/* Creates a core from cfg (read during the call; values copied) and deps:
 * the producer and the consumer (not yet connected), the in-memory seen
 * set and the helper thread with its AWS client. Returns NULL with err
 * set: CS_ERR_INVALID for a bad Kafka property or topic prefix,
 * CS_ERR_UNAVAILABLE when librdkafka refuses to start, CS_ERR_NOMEM,
 * CS_ERR_INTERNAL when the thread cannot start. Caller frees with
 * cs_dispatcher_destroy. */
cs_dispatcher_t *cs_dispatcher_new(const struct cs_config *cfg,
                                   const struct cs_dispatcher_deps *deps,
                                   struct cs_err *err);

/* Waits for Kafka (up to CELLSCAN_STARTUP_TIMEOUT), then dispatches
 * requests until *stop is set. Then drains: takes no new request, lets
 * the one in progress finish (acknowledged and committed) for up to
 * CELLSCAN_DRAIN_TIMEOUT, abandons it otherwise (uncommitted: it is
 * redelivered), leaves the group and flushes the producer, each within a
 * bounded time. Returns 0 after a clean stop; 1 when Kafka stayed
 * unreachable at start or the Kafka client failed fatally
 * (cs_dispatcher_error says why). Call once. */
int cs_dispatcher_run(cs_dispatcher_t *d, const volatile sig_atomic_t *stop);

/* Why cs_dispatcher_run returned 1; "" otherwise. Borrowed: valid until
 * cs_dispatcher_destroy. Cannot fail. */
const char *cs_dispatcher_error(const cs_dispatcher_t *d);

/* Health for /healthz (a cs_health_fn; ud is the core): unhealthy while
 * Kafka has not been reached, after a fatal Kafka error, when the loop
 * has not turned for CS_DISP_STALL_S, or while Redis keeps failing (the
 * request waits and is retried). Thread-safe; never blocks. */
int cs_dispatcher_healthy(void *ud, char *reason, size_t len);

/* Copies the counters into *out. Thread-safe. Cannot fail. */
void cs_dispatcher_stats(const cs_dispatcher_t *d,
                         struct cs_dispatcher_stats *out);

/* Frees the core: waits for the helper thread (an organization discovery
 * in progress ends at its next AWS call's timeout at worst), closes what
 * cs_dispatcher_run did not. NULL is a no-op. */
void cs_dispatcher_destroy(cs_dispatcher_t *d);

/* Publishes request r (packed as is) to <prefix>scan-requests with key
 * client_id and waits up to timeout_ms for the broker's acknowledgement:
 * what `cellscan submit` and `cellscan run` do. envp as in deps. Errors:
 * CS_ERR_INVALID for a bad Kafka property, CS_ERR_TIMEOUT when no
 * acknowledgement came, CS_ERR_UNAVAILABLE when the broker refused it,
 * naming the brokers. */
cs_rc cs_dispatcher_submit(const struct cs_config *cfg, char *const *envp,
                           const Cellscan__V1__ScanRequest *r, int timeout_ms,
                           struct cs_err *err);

/* A new scan id, "scan-<UTC yyyymmddThhmmssZ of now_ms>-<8 random hex>",
 * into out (at least CS_DISP_SCAN_ID_MAX bytes). Errors: CS_ERR_IO when
 * no randomness is available. */
#define CS_DISP_SCAN_ID_MAX 40
cs_rc cs_dispatcher_new_scan_id(int64_t now_ms, char *out, size_t outlen,
                                struct cs_err *err);

#endif
