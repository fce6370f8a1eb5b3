#include "metrics/fleet.h"

#include <stddef.h>
#include <stdio.h>

static const char *const l_category[] = {"category", NULL};
static const char *const l_category_status[] = {"category", "status", NULL};
static const char *const l_service[] = {"service", NULL};
static const char *const l_outcome[] = {"outcome", NULL};
static const char *const l_lag[] = {"group", "topic", "partition", NULL};
static const char *const l_dead[] = {"topic", "reason", NULL};

struct family_def {
    size_t offset;
    char kind; /* c counter, g gauge, h histogram */
    const char *name;
    const char *help;
    const char *const *labels;
};

#define F(field) offsetof(struct cs_fleet_metrics, field)

static const struct family_def defs[] = {
    {F(cells_started), 'c', "cellscan_cells_started_total",
     "Cells a worker started, by category.", l_category},
    {F(cells_finished), 'c', "cellscan_cells_finished_total",
     "Cells a worker finished, by category and cell status "
     "(available, partial, empty, failed).", l_category_status},
    {F(cells_in_flight), 'g', "cellscan_cells_in_flight",
     "Cells running in this worker now.", NULL},
    {F(aws_calls), 'c', "cellscan_aws_calls_total",
     "AWS API calls made, retries included, by service.", l_service},
    {F(aws_retries), 'c', "cellscan_aws_retries_total",
     "AWS API calls retried, by service.", l_service},
    {F(aws_throttles), 'c', "cellscan_aws_throttles_total",
     "AWS API calls answered with a throttling error, by service.", l_service},
    {F(assume_role), 'c', "cellscan_assume_role_total",
     "AssumeRole calls into scanned accounts, by outcome "
     "(ok, denied, error).", l_outcome},
    {F(consumer_lag), 'g', "cellscan_consumer_lag",
     "Messages not yet committed by this consumer group, per partition.",
     l_lag},
    {F(open_scans), 'g', "cellscan_open_scans",
     "Scans the aggregator holds open (manifest seen, report not yet "
     "published).", NULL},
    {F(report_latency), 'h', "cellscan_report_latency_seconds",
     "Time from a scan's request to its published report.", NULL},
    {F(dead_letters), 'c', "cellscan_dead_letters_total",
     "Messages sent to the dead-letter topic, by source topic and reason.",
     l_dead},
};

cs_rc cs_fleet_metrics_register(cs_metrics_t *m, struct cs_fleet_metrics *out,
                                struct cs_err *err)
{
    static const double bounds[] = CS_REPORT_LATENCY_BOUNDS;
    struct cs_err local = CS_ERR_INIT;

    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        const struct family_def *d = &defs[i];
        cs_metric_t **slot = (cs_metric_t **)((char *)out + d->offset);

        if (d->kind == 'c')
            *slot = cs_metrics_counter(m, d->name, d->help, d->labels, &local);
        else if (d->kind == 'g')
            *slot = cs_metrics_gauge(m, d->name, d->help, d->labels, &local);
        else
            *slot = cs_metrics_histogram(m, d->name, d->help, d->labels, bounds,
                                         sizeof(bounds) / sizeof(bounds[0]),
                                         &local);
        if (*slot == NULL) {
            if (err)
                *err = local;
            return local.code;
        }
    }
    return CS_OK;
}

cs_rc cs_fleet_metrics_set_lag(const struct cs_fleet_metrics *fm,
                               const char *group,
                               const struct cs_partition_lag *lags, size_t n,
                               struct cs_err *err)
{
    cs_metric_clear(fm->consumer_lag);
    for (size_t i = 0; i < n; i++) {
        char part[16];
        const char *values[3] = {group, lags[i].topic, part};
        cs_rc rc;

        snprintf(part, sizeof(part), "%d", (int)lags[i].partition);
        rc = cs_metric_set(fm->consumer_lag, values, (double)lags[i].lag, err);
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}
