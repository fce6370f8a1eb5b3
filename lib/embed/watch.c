#include "embed/watch.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus/consumer.h"
#include "bus/topics.h"
#include "util/clock.h"

struct cs_watch_s {
    cs_consumer_t *consumer;
    cs_progress_t *progress;
    char scan_id[CS_PROGRESS_SCAN_ID_MAX + 1];
    char results_topic[CS_TOPIC_NAME_MAX + 1];
    char reports_topic[CS_TOPIC_NAME_MAX + 1];
    Cellscan__V1__ScanReport *report;
    int reported; /* the report was read (it may have been taken since) */
};

/* Watchers of one process get distinct groups. */
static atomic_uint watch_seq;

cs_watch_t *cs_watch_new(const struct cs_config *cfg, char *const *envp,
                         const char *scan_id, struct cs_err *err)
{
    char group[CS_TOPIC_NAME_MAX + 1];
    const char *topics[2];
    struct cs_consumer_opts o;
    cs_watch_t *w = calloc(1, sizeof(*w));

    if (w == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    w->progress = cs_progress_new(scan_id, err);
    if (w->progress == NULL)
        goto fail;
    snprintf(w->scan_id, sizeof(w->scan_id), "%s", scan_id);
    if (cs_topic_name(cfg->topic_prefix, CS_TOPIC_CELL_RESULTS, w->results_topic,
                      sizeof(w->results_topic), err) != CS_OK ||
        cs_topic_name(cfg->topic_prefix, CS_TOPIC_SCAN_RESULTS, w->reports_topic,
                      sizeof(w->reports_topic), err) != CS_OK)
        goto fail;
    if (snprintf(group, sizeof(group), "%srun-watch-%ld-%u", cfg->topic_prefix,
                 (long)getpid(), atomic_fetch_add(&watch_seq, 1)) >=
        (int)sizeof(group)) {
        cs_err_set(err, CS_ERR_INVALID, "topic prefix too long for a group name");
        goto fail;
    }
    topics[0] = w->results_topic;
    topics[1] = w->reports_topic;
    memset(&o, 0, sizeof(o));
    o.group_id = group;
    o.topics = topics;
    o.ntopics = 2;
    w->consumer = cs_consumer_new(cfg, envp, &o, err);
    if (w->consumer == NULL)
        goto fail;
    return w;
fail:
    cs_watch_destroy(w);
    return NULL;
}

static cs_rc on_cell_record(cs_watch_t *w, const rd_kafka_message_t *m,
                            struct cs_err *err)
{
    Cellscan__V1__CellResultsRecord *rec =
        cellscan__v1__cell_results_record__unpack(NULL, m->len, m->payload);
    cs_rc rc = CS_OK;

    if (rec == NULL)
        return CS_OK;
    if (rec->body_case == CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST)
        rc = cs_progress_manifest(w->progress, rec->manifest, err);
    else if (rec->body_case == CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT)
        rc = cs_progress_result(w->progress, rec->result, err);
    cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
    return rc;
}

static void on_report_record(cs_watch_t *w, const rd_kafka_message_t *m)
{
    Cellscan__V1__ScanReport *r =
        cellscan__v1__scan_report__unpack(NULL, m->len, m->payload);

    /* a report published twice (docs/operations.md) is the same report:
     * the first one read is kept */
    if (r == NULL || w->reported || strcmp(r->scan_id, w->scan_id) != 0) {
        if (r)
            cellscan__v1__scan_report__free_unpacked(r, NULL);
        return;
    }
    /* the report was written after every result it counts: it has the
     * last word on the progress, whatever this watcher read of them */
    cs_progress_report(w->progress, r);
    w->report = r;
    w->reported = 1;
}

cs_rc cs_watch_poll(cs_watch_t *w, int timeout_ms, struct cs_err *err)
{
    int64_t until = cs_mono_ms() + timeout_ms;

    while (!w->reported) {
        int64_t left = until - cs_mono_ms();
        rd_kafka_message_t *m = NULL;
        const char *topic;
        cs_rc rc;

        if (left < 0)
            left = 0;
        rc = cs_consumer_poll(w->consumer, (int)left, &m, err);
        if (rc != CS_OK)
            return rc;
        if (m == NULL)
            return CS_OK;
        topic = rd_kafka_topic_name(m->rkt);
        if (m->payload == NULL)
            rc = CS_OK;
        else if (strcmp(topic, w->results_topic) == 0)
            rc = on_cell_record(w, m, err);
        else if (strcmp(topic, w->reports_topic) == 0)
            on_report_record(w, m);
        rd_kafka_message_destroy(m);
        if (rc != CS_OK || left == 0)
            return rc;
    }
    return CS_OK;
}

void cs_watch_progress(const cs_watch_t *w, struct cs_progress_snap *out)
{
    cs_progress_get(w->progress, out);
}

const Cellscan__V1__ScanReport *cs_watch_report(const cs_watch_t *w)
{
    return w->report;
}

Cellscan__V1__ScanReport *cs_watch_take_report(cs_watch_t *w)
{
    Cellscan__V1__ScanReport *r = w->report;

    w->report = NULL;
    return r;
}

void cs_watch_destroy(cs_watch_t *w)
{
    if (w == NULL)
        return;
    if (w->consumer)
        cs_consumer_close(w->consumer, CS_WATCH_CLOSE_MS, NULL);
    cs_progress_destroy(w->progress);
    if (w->report)
        cellscan__v1__scan_report__free_unpacked(w->report, NULL);
    free(w);
}
