/* registry.h: counters, gauges and histograms with labels, rendered in
 * the Prometheus text exposition format (version 0.0.4).
 *
 * A family (one metric name) is registered once with its label names and
 * then updated with label values; each distinct tuple of values is one
 * series, created at first use. Families without labels start at 0.
 * Every function is thread-safe (one lock per registry): workers update
 * from their cell threads while the HTTP server renders.
 *
 *   cs_metric_t *f = cs_metrics_counter(m, "cellscan_cells_started_total",
 *                                       "Cells started.",
 *                                       (const char *[]){"category", NULL}, &err);
 *   cs_metric_add(f, (const char *[]){"ec2"}, 1);
 */
#ifndef CS_METRICS_REGISTRY_H
#define CS_METRICS_REGISTRY_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

typedef struct cs_metrics_s cs_metrics_t;
typedef struct cs_metric_s cs_metric_t;

/* Most series one family holds (cardinality guard). */
#define CS_METRICS_MAX_SERIES 10000
/* Most labels per family, and longest label value. */
#define CS_METRICS_MAX_LABELS 8
#define CS_METRICS_MAX_VALUE_LEN 256
/* Largest exposition rendered. */
#define CS_MAX_METRICS_TEXT (16 * 1024 * 1024)

/* Creates an empty registry. Returns NULL when out of memory (err set).
 * Caller frees with cs_metrics_destroy. */
cs_metrics_t *cs_metrics_new(struct cs_err *err);

/* Frees the registry and every family in it. NULL is a no-op. */
void cs_metrics_destroy(cs_metrics_t *m);

/* Register a family. name must match [a-zA-Z_:][a-zA-Z0-9_:]*, label
 * names [a-zA-Z_][a-zA-Z0-9_]* (not "le" for histograms, none starting
 * "__"); labels is NULL-terminated or NULL for none. Histogram bounds
 * are the nbounds upper bounds, strictly increasing (+Inf is implicit).
 * Returns the family; borrowed: valid until cs_metrics_destroy. Returns
 * NULL with err set: CS_ERR_INVALID for a bad or duplicate name, bad
 * labels or bounds; CS_ERR_NOMEM. */
cs_metric_t *cs_metrics_counter(cs_metrics_t *m, const char *name,
                                const char *help, const char *const *labels,
                                struct cs_err *err);
cs_metric_t *cs_metrics_gauge(cs_metrics_t *m, const char *name,
                              const char *help, const char *const *labels,
                              struct cs_err *err);
cs_metric_t *cs_metrics_histogram(cs_metrics_t *m, const char *name,
                                  const char *help, const char *const *labels,
                                  const double *bounds, size_t nbounds,
                                  struct cs_err *err);

/* Updates the series of values (one per label name, in order; NULL when
 * the family has none). add: counters (v >= 0) and gauges; set: gauges;
 * observe: histograms. Errors: CS_ERR_INVALID for the wrong kind, a
 * negative counter increment, a NULL value or a value longer than
 * CS_METRICS_MAX_VALUE_LEN; CS_ERR_LIMIT when a new series would exceed
 * CS_METRICS_MAX_SERIES; CS_ERR_NOMEM. */
cs_rc cs_metric_add(cs_metric_t *f, const char *const *values, double v,
                    struct cs_err *err);
cs_rc cs_metric_set(cs_metric_t *f, const char *const *values, double v,
                    struct cs_err *err);
cs_rc cs_metric_observe(cs_metric_t *f, const char *const *values, double v,
                        struct cs_err *err);

/* Current value of a counter or gauge series into *out (0 when the series
 * does not exist yet). Errors: CS_ERR_INVALID for a histogram or bad
 * values. */
cs_rc cs_metric_value(cs_metric_t *f, const char *const *values, double *out,
                      struct cs_err *err);

/* Drops every series of the family (e.g. lag gauges of partitions this
 * process no longer owns); a family without labels goes back to 0.
 * Cannot fail. */
void cs_metric_clear(cs_metric_t *f);

/* Appends the exposition text of every family, in registration order,
 * series in creation order. Errors: as cs_buf_append (CS_ERR_LIMIT past
 * out's cap). */
cs_rc cs_metrics_render(cs_metrics_t *m, struct cs_buf *out,
                        struct cs_err *err);

#endif
