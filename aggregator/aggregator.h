/* aggregator.h: the aggregator core (docs/architecture.md, step 4;
 * docs/operations.md, "Aggregator").
 *
 * It consumes cell-results (group <prefix>aggregator), keeps the open
 * scans (a manifest and the results seen, deduplicated by cell through
 * lib/compliance's incremental fold), and closes a scan at its last
 * expected cell or at its deadline (missing cells become failed /
 * deadline_exceeded). Closing builds the ScanReport, publishes it to
 * scan-results (key = scan_id) and, once the broker acknowledged it,
 * stores it in Redis (when a store is given). Only then does the scan stop
 * holding back the partition's committed offset, which is always the
 * offset of the earliest manifest of a scan still open there: after a
 * crash the group replays from it and rebuilds every open scan.
 *
 * A report is published once: a finished scan is remembered in memory,
 * and a scan rebuilt from a replay (its manifest was already in the
 * partition when this process got it) is looked up in Redis first. The one
 * window that can publish a report twice is a crash (or a lost partition)
 * after the broker took the report and before Redis recorded it: the
 * replay then publishes it again. Never the other way round, so no report
 * is ever lost.
 *
 * Messages that do not decode or fail validation (aggregator/record.h) go
 * to dead-letters and are counted; the aggregator carries on.
 *
 * Everything runs in the thread that calls cs_aggregator_run; several
 * cores may run in one process (no globals). cs_aggregator_healthy may be
 * called from any thread.
 */
#ifndef CS_AGGREGATOR_AGGREGATOR_H
#define CS_AGGREGATOR_AGGREGATOR_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cellscan.pb-c.h"
#include "metrics/fleet.h"
#include "metrics/registry.h"
#include "store/store.h"
#include "util/config.h"
#include "util/err.h"

typedef struct cs_aggregator_s cs_aggregator_t;

/* Called on the run thread when the broker acknowledged a report (before
 * it is stored). r is borrowed for the call. */
typedef void (*cs_aggregator_report_fn)(void *ud,
                                        const Cellscan__V1__ScanReport *r);

/* What an embedding process shares with the core. All borrowed: each must
 * outlive the core. */
struct cs_aggregator_deps {
    cs_metrics_t *metrics;              /* may be NULL */
    const struct cs_fleet_metrics *fm;  /* may be NULL: no metrics */
    /* Redis; NULL = reports are not stored (embedded mode). Used only from
     * the run thread, as a store is one connection (store.h). */
    cs_store_t *store;
    char *const *envp;                  /* Kafka passthrough; NULL = environ */
    cs_aggregator_report_fn on_report;  /* may be NULL */
    void *report_ud;
};

/* Counters since the core started; a consistent-enough snapshot for
 * progress displays and tests. */
struct cs_aggregator_stats {
    uint64_t open_scans;
    uint64_t reports_published;   /* acknowledged by the broker */
    uint64_t reports_stored;      /* written to Redis */
    uint64_t reports_skipped;     /* rebuilt scans already in Redis */
    uint64_t results_folded;      /* results offered to an open scan */
    uint64_t results_ignored;     /* unknown or finished scan */
    uint64_t dead_letters;        /* acknowledged dead letters */
};

/* Creates the core from cfg (borrowed: must outlive the core): the
 * producer and the consumer, and checks that Kafka answers within
 * cfg->startup_timeout_s. Returns NULL with err set: CS_ERR_INVALID for a
 * bad Kafka property or topic prefix, CS_ERR_UNAVAILABLE "Kafka at
 * <brokers> unreachable after N s: <reason>", CS_ERR_NOMEM. Caller frees
 * with cs_aggregator_destroy. */
cs_aggregator_t *cs_aggregator_new(const struct cs_config *cfg,
                                   const struct cs_aggregator_deps *deps,
                                   struct cs_err *err);

/* Runs until *stop is set, then drains within cfg->drain_timeout_s:
 * finishes the reports already on their way (acknowledgement, Redis),
 * commits, leaves the group and flushes the producer. Open scans are left
 * to the group (rebuilt from the committed offsets). Returns 0, or 1 after
 * a fatal Kafka error (logged). Call once. */
int cs_aggregator_run(cs_aggregator_t *a, const volatile sig_atomic_t *stop);

/* cs_health_fn for /healthz: healthy while the loop turns; ud is the
 * core. Thread-safe. */
int cs_aggregator_healthy(void *ud, char *reason, size_t len);

/* Copies the counters into *out. Thread-safe. Cannot fail. */
void cs_aggregator_stats(const cs_aggregator_t *a,
                         struct cs_aggregator_stats *out);

/* Frees the core (closing Kafka handles that are still open). NULL is a
 * no-op. */
void cs_aggregator_destroy(cs_aggregator_t *a);

#endif
