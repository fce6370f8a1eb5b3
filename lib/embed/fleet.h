/* fleet.h: the whole cellscan fleet in one process, for `cellscan run`
 * and benchmarks: an in-memory Kafka cluster (bus/mock.h) with the
 * fleet's topics, one dispatcher core, N worker cores and one aggregator
 * core (dispatcher/dispatcher.h, worker/worker.h, aggregator/aggregator.h:
 * the code the daemons run), each on its own thread, sharing one metrics
 * registry and one AWS context.
 *
 * Differences from a deployed fleet, all deliberate:
 *   - Kafka is the mock cluster on 127.0.0.1: CELLSCAN_KAFKA_BROKERS,
 *     CELLSCAN_KAFKA_PROPERTIES_FILE and the CELLSCAN_KAFKA_<PROPERTY>
 *     passthrough variables are not used (they describe a real cluster);
 *   - Redis only when asked for (opts.redis): then the dispatcher keeps
 *     plan limits and seen marks there and the aggregator stores reports,
 *     as the daemons do; otherwise neither uses Redis;
 *   - the shutdown drain is bounded by CS_EMBED_DRAIN_S: nothing of the
 *     cluster outlives the process, so unfinished work has nowhere to go;
 *   - the AWS session cache is shared, so a scan costs one AssumeRole per
 *     account even when a rebalance moves an account between workers;
 *   - no /metrics server (the registry is there to read).
 *
 *   cs_embed_t *e = cs_embed_start(&cfg, &opts, &err);
 *   cs_dispatcher_submit(cs_embed_config(e), cs_embed_envp(e), req, ...);
 *   ... watch the topics (embed/watch.h), check cs_embed_failed ...
 *   cs_embed_stop(e, &err);
 *   cs_embed_destroy(e);
 */
#ifndef CS_EMBED_FLEET_H
#define CS_EMBED_FLEET_H

#include <stddef.h>

#include "metrics/fleet.h"
#include "metrics/registry.h"
#include "util/config.h"
#include "util/err.h"

typedef struct cs_embed_s cs_embed_t;

#define CS_EMBED_MAX_WORKERS 64
#define CS_EMBED_DEFAULT_WORKERS 3
/* Partitions of every topic: enough for each worker to own some. */
#define CS_EMBED_MIN_PARTITIONS 4
#define CS_EMBED_MAX_PARTITIONS 256
/* Bound of each core's drain on stop, seconds (CELLSCAN_DRAIN_TIMEOUT
 * when that is shorter). */
#define CS_EMBED_DRAIN_S 5

struct cs_embed_opts {
    int workers;    /* worker cores, 1..CS_EMBED_MAX_WORKERS */
    /* partitions of each topic; 0 = max(CS_EMBED_MIN_PARTITIONS,
     * 2 x workers), at most CS_EMBED_MAX_PARTITIONS */
    int partitions;
    /* use Redis at cfg->redis_url (a connection for the dispatcher and one
     * for the aggregator, each waiting up to CELLSCAN_STARTUP_TIMEOUT) */
    int redis;
};

/* Starts the cluster and the cores from cfg (borrowed: it must outlive
 * the fleet; the fleet's own configuration is a copy of it pointed at the
 * cluster) and o, and runs each core on its thread. Returns NULL with err
 * set: CS_ERR_INVALID for bad options or settings, CS_ERR_UNAVAILABLE when
 * the cluster, a core or Redis cannot start (err names which),
 * CS_ERR_NOMEM, CS_ERR_INTERNAL when a thread cannot start. Call
 * curl_global_init first. Caller frees with cs_embed_destroy (after
 * cs_embed_stop). */
cs_embed_t *cs_embed_start(const struct cs_config *cfg,
                           const struct cs_embed_opts *o, struct cs_err *err);

/* The configuration the cores run with: cfg with the cluster's bootstrap
 * servers and no Kafka properties file. Use it (and cs_embed_envp) for
 * any other client of the cluster. Borrowed: valid until
 * cs_embed_destroy. Cannot fail. */
const struct cs_config *cs_embed_config(const cs_embed_t *e);

/* The environment the cores' Kafka clients read passthrough properties
 * from: empty. Borrowed: valid until cs_embed_destroy. Cannot fail. */
char *const *cs_embed_envp(const cs_embed_t *e);

/* "127.0.0.1:PORT" of the cluster. Borrowed: valid until
 * cs_embed_destroy. Cannot fail. */
const char *cs_embed_bootstrap(const cs_embed_t *e);

/* The shared registry and its fleet metrics. Borrowed: valid until
 * cs_embed_destroy. Cannot fail. */
cs_metrics_t *cs_embed_metrics(const cs_embed_t *e);
const struct cs_fleet_metrics *cs_embed_fleet_metrics(const cs_embed_t *e);

/* Whether a core has stopped by itself (a fatal Kafka error): returns 1
 * and writes which core and why into reason (len bytes), else 0.
 * Thread-safe. Cannot fail. */
int cs_embed_failed(cs_embed_t *e, char *reason, size_t len);

/* Stops every core (each drains for at most CS_EMBED_DRAIN_S) and joins
 * its thread. Errors: CS_ERR_UNAVAILABLE naming the first core that ended
 * with a failure. Idempotent. */
cs_rc cs_embed_stop(cs_embed_t *e, struct cs_err *err);

/* Stops what is still running, frees the cores, Redis connections, the
 * AWS context, the registry and the cluster. NULL is a no-op. */
void cs_embed_destroy(cs_embed_t *e);

#endif
