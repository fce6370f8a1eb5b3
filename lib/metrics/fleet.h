/* fleet.h: the metrics every cellscan daemon exports. The names and
 * labels are a contract (ECS autoscaling and dashboards are built on
 * them; docs/operations.md lists them); change them only with the deploy
 * templates.
 *
 *   cellscan_cells_started_total{category}               counter
 *   cellscan_cells_finished_total{category,status}       counter
 *   cellscan_cells_in_flight                             gauge
 *   cellscan_aws_calls_total{service}                    counter
 *   cellscan_aws_retries_total{service}                  counter
 *   cellscan_aws_throttles_total{service}                counter
 *   cellscan_assume_role_total{outcome}                  counter
 *   cellscan_consumer_lag{group,topic,partition}         gauge (messages)
 *   cellscan_open_scans                                  gauge
 *   cellscan_report_latency_seconds                      histogram
 *   cellscan_dead_letters_total{topic,reason}            counter
 */
#ifndef CS_METRICS_FLEET_H
#define CS_METRICS_FLEET_H

#include <stddef.h>

#include "bus/consumer.h"
#include "metrics/registry.h"
#include "util/err.h"

/* The families; each borrowed from the registry (valid until
 * cs_metrics_destroy). */
struct cs_fleet_metrics {
    cs_metric_t *cells_started;
    cs_metric_t *cells_finished;
    cs_metric_t *cells_in_flight;
    cs_metric_t *aws_calls;
    cs_metric_t *aws_retries;
    cs_metric_t *aws_throttles;
    cs_metric_t *assume_role;
    cs_metric_t *consumer_lag;
    cs_metric_t *open_scans;
    cs_metric_t *report_latency;
    cs_metric_t *dead_letters;
};

/* Upper bounds (seconds) of cellscan_report_latency_seconds: a scan
 * takes seconds (one account) to an hour (the default deadline). */
#define CS_REPORT_LATENCY_BOUNDS \
    {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}

/* Registers every family above in m and fills out. Errors: those of
 * cs_metrics_counter (e.g. CS_ERR_INVALID when m already has them). */
cs_rc cs_fleet_metrics_register(cs_metrics_t *m, struct cs_fleet_metrics *out,
                                struct cs_err *err);

/* Replaces every cellscan_consumer_lag series with the n lags of group
 * (as from cs_consumer_lag), so partitions no longer owned disappear.
 * Errors: as cs_metric_set. */
cs_rc cs_fleet_metrics_set_lag(const struct cs_fleet_metrics *fm,
                               const char *group,
                               const struct cs_partition_lag *lags, size_t n,
                               struct cs_err *err);

#endif
