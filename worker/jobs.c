/* What a consumed cell-jobs message becomes: a tracked offset, a checked
 * job in the local queue, a running cell, then a result or a dead letter
 * (out.c publishes them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/cell.h"
#include "extract/run.h"
#include "util/clock.h"
#include "wire/names.h"
#include "worker/core.h"
#include "worker/job.h"

void wk_job_free(cs_worker_t *w, struct job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else if (w->jobs == j)
        w->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    cs_job_free(j->msg);
    cs_cell_result_free(j->task.result);
    free(j->key);
    free(j->value);
    free(j->out_bytes);
    free(j);
}

static struct job *job_new(cs_worker_t *w, const rd_kafka_message_t *m)
{
    struct job *j = calloc(1, sizeof(*j));
    struct part *p = wk_part_get(w, m->partition, 1);

    if (j == NULL || p == NULL)
        goto fail;
    j->partition = m->partition;
    j->offset = m->offset;
    j->epoch = p->epoch;
    if (m->key_len > 0) {
        j->key = malloc(m->key_len);
        if (j->key == NULL)
            goto fail;
        memcpy(j->key, m->key, m->key_len);
        j->keylen = m->key_len;
    }
    j->value = malloc(m->len ? m->len : 1);
    if (j->value == NULL)
        goto fail;
    if (m->len)
        memcpy(j->value, m->payload, m->len);
    j->len = m->len;
    j->next = w->jobs;
    if (w->jobs)
        w->jobs->prev = j;
    w->jobs = j;
    return j;
fail:
    if (j) {
        free(j->key);
        free(j);
    }
    return NULL;
}

static void take_job(cs_worker_t *w, struct job *j)
{
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc = cs_job_decode(j->value, j->len, &j->msg, &err);

    if (rc == CS_OK && !cs_extract_category_known(j->msg->category))
        rc = cs_err_set(&err, CS_ERR_INVALID,
                        "invalid: category \"%.32s\" is not one cellscan "
                        "extracts", j->msg->category);
    if (rc == CS_OK)
        rc = cs_sched_push(w->sched, j->msg->account_id, j, &err);
    if (rc == CS_OK) {
        j->state = J_QUEUED;
        wk_log_job(j, CS_LOG_DEBUG, "job %s queued (%s[%d] offset %lld)",
                j->msg->cell_id, w->jobs_topic, (int)j->partition,
                (long long)j->offset);
        return;
    }
    wk_dead_letter(w, j, err.msg,
                rc == CS_ERR_PARSE     ? "decode"
                : rc == CS_ERR_INVALID ? "invalid"
                                       : "error");
}

/* A message redelivered after a rebalance gave its partition back while
 * its job still runs or awaits its report: the running job now counts for
 * the new assignment instead of running twice. */
static int adopt(cs_worker_t *w, const rd_kafka_message_t *m, uint64_t epoch)
{
    for (struct job *j = w->jobs; j; j = j->next)
        if (j->partition == m->partition && j->offset == m->offset &&
            j->epoch != epoch && j->state != J_QUEUED) {
            j->epoch = epoch;
            return 1;
        }
    return 0;
}

/* Tracks m and turns it into a job. Returns 0 when the tracker has no
 * room (m is left to the caller), 1 when m was consumed. */
static int take_message(cs_worker_t *w, rd_kafka_message_t *m)
{
    struct cs_err err = CS_ERR_INIT;
    struct part *p = wk_part_get(w, m->partition, 1);
    struct job *j;
    cs_rc rc;

    if (p == NULL)
        return 0;
    if (!p->assigned) {
        /* a message can only come from an assigned partition */
        p->assigned = 1;
        p->epoch = ++w->generation;
    }
    rc = cs_tracker_start(w->tracker, m->partition, m->offset, &err);
    if (rc == CS_ERR_LIMIT || rc == CS_ERR_NOMEM)
        return 0;
    if (rc != CS_OK) {
        WK_LOG(CS_LOG_WARN, "%s[%d] offset %lld skipped: %s", w->jobs_topic,
             (int)m->partition, (long long)m->offset, err.msg);
        rd_kafka_message_destroy(m);
        return 1;
    }
    if (adopt(w, m, p->epoch)) {
        rd_kafka_message_destroy(m);
        return 1;
    }
    j = job_new(w, m);
    if (j == NULL) {
        /* tracked and never done: the offset stays uncommitted and comes
         * back after a restart or rebalance */
        WK_LOG(CS_LOG_ERROR, "out of memory for %s[%d] offset %lld",
             w->jobs_topic, (int)m->partition, (long long)m->offset);
        rd_kafka_message_destroy(m);
        return 1;
    }
    rd_kafka_message_destroy(m);
    take_job(w, j);
    return 1;
}

static int hold(cs_worker_t *w, rd_kafka_message_t *m)
{
    if (w->nheld == w->capheld) {
        size_t cap = w->capheld ? w->capheld * 2 : 16;
        rd_kafka_message_t **nh = realloc(w->held, cap * sizeof(*nh));

        if (nh == NULL)
            return -1;
        w->held = nh;
        w->capheld = cap;
    }
    w->held[w->nheld++] = m;
    return 0;
}

/* Messages held because a partition's commit window was full, retried in
 * arrival order (per partition, offsets must be tracked in order). */
void wk_retry_held(cs_worker_t *w)
{
    size_t i = 0;

    if (w->nheld == 0)
        return;
    while (i < w->nheld && take_message(w, w->held[i]))
        i++;
    memmove(w->held, w->held + i, (w->nheld - i) * sizeof(*w->held));
    w->nheld -= i;
}

void wk_handle_message(cs_worker_t *w, rd_kafka_message_t *m)
{
    if (w->state == S_DRAINING) {
        /* not tracked: below no commit point, so it comes back */
        rd_kafka_message_destroy(m);
        return;
    }
    if (w->nheld == 0 && take_message(w, m))
        return;
    if (hold(w, m) != 0) {
        WK_LOG(CS_LOG_ERROR, "out of memory holding %s[%d] offset %lld",
             w->jobs_topic, (int)m->partition, (long long)m->offset);
        rd_kafka_message_destroy(m);
    }
}

static int drop_partition_job(void *ud, void *job)
{
    cs_worker_t *w = ((void **)ud)[0];
    int32_t partition = *(int32_t *)((void **)ud)[1];
    struct job *j = job;

    if (j->partition != partition)
        return 0;
    wk_job_free(w, j);
    return 1;
}

void wk_forget_partition(cs_worker_t *w, struct part *p)
{
    void *ud[2] = {w, &p->id};
    size_t dropped = cs_sched_drop(w->sched, drop_partition_job, ud);
    size_t k = 0;

    for (size_t i = 0; i < w->nheld; i++) {
        if (w->held[i]->partition == p->id)
            rd_kafka_message_destroy(w->held[i]);
        else
            w->held[k++] = w->held[i];
    }
    w->nheld = k;
    cs_tracker_forget(w->tracker, p->id);
    p->assigned = 0;
    p->point = -1;
    if (dropped)
        WK_LOG(CS_LOG_INFO, "%s[%d] revoked: %zu queued job(s) left to the group",
             w->jobs_topic, (int)p->id, dropped);
}

void wk_on_stats(void *ud, const char *service,
                     const struct cs_aws_stats *delta)
{
    cs_worker_t *w = ud;
    const char *v[] = {service};

    if (w->fm == NULL)
        return;
    wk_metric_add(w->fm->aws_calls, v, (double)delta->requests);
    wk_metric_add(w->fm->aws_retries, v, (double)delta->retries);
    wk_metric_add(w->fm->aws_throttles, v, (double)delta->throttles);
}

void wk_start_jobs(cs_worker_t *w)
{
    struct job *j;

    while (w->state == S_RUNNING && (j = cs_sched_next(w->sched)) != NULL) {
        if (cs_job_expired(j->msg, cs_wall_ms())) {
            /* the aggregator has finalised the cell as deadline_exceeded,
             * or will at the deadline it also sees: nothing to publish */
            wk_log_job(j, CS_LOG_INFO,
                    "scan deadline passed before cell %s could start; not run",
                    j->msg->cell_id);
            cs_sched_finish(w->sched, j->msg->account_id, NULL);
            wk_mark_done(w, j);
            wk_job_free(w, j);
            continue;
        }
        j->state = J_RUNNING;
        memset(&j->task, 0, sizeof(j->task));
        j->task.job = j->msg;
        w->running++;
        if (w->fm) {
            const char *v[] = {j->msg->category};
            wk_metric_add(w->fm->cells_started, v, 1);
            wk_metric_add(w->fm->cells_in_flight, NULL, 1);
        }
        wk_log_job(j, CS_LOG_DEBUG, "cell %s started", j->msg->cell_id);
        cs_wpool_submit(w->pool, &j->task);
    }
}

static const char *assume_outcome(const Cellscan__V1__CellResult *r)
{
    if (r->reason && strcmp(r->reason, "assume_role_denied") == 0)
        return "denied";
    if (r->reason && strcmp(r->reason, "assume_role_failed") == 0)
        return "error";
    return "ok";
}

static void cell_succeeded(cs_worker_t *w, struct job *j)
{
    const Cellscan__V1__CellResult *r = j->task.result;
    struct cs_err err = CS_ERR_INIT;
    size_t dropped = 0;
    cs_rc rc;

    if (w->fm) {
        const char *v[] = {j->msg->category, cs_cell_status_name(r->status)};
        const char *a[] = {assume_outcome(r)};

        wk_metric_add(w->fm->cells_finished, v, 1);
        if (j->task.assumed)
            wk_metric_add(w->fm->assume_role, a, 1);
    }
    wk_log_job(j, CS_LOG_INFO,
            "cell %s %s: %llu resources, %llu compliant, %llu AWS calls, "
            "%llu ms%s%s",
            r->cell_id, cs_cell_status_name(r->status),
            (unsigned long long)r->total, (unsigned long long)r->compliant,
            (unsigned long long)r->api_call_count,
            (unsigned long long)r->wall_time_ms, r->reason[0] ? ", " : "",
            r->reason);
    rc = cs_job_pack_result(r, w->result_max, &j->out_bytes, &j->out_len,
                            &dropped, &err);
    if (rc != CS_OK) {
        char reason[CS_DLQ_REASON_MAX];

        snprintf(reason, sizeof(reason), "cannot publish result: %s", err.msg);
        wk_dead_letter(w, j, reason, "unpublishable");
        return;
    }
    if (dropped)
        wk_log_job(j, CS_LOG_WARN,
                "result of %s over %zu bytes: %zu more violations counted as "
                "truncated", r->cell_id, w->result_max, dropped);
    wk_job_publish(w, j, OUT_RESULT);
}

static void cell_failed(cs_worker_t *w, struct job *j)
{
    char reason[CS_DLQ_REASON_MAX];
    struct cs_err err = CS_ERR_INIT;

    if (j->task.rc == CS_ERR_INVALID) {
        wk_dead_letter(w, j, j->task.err.msg, "invalid");
        return;
    }
    if (++j->attempts < WK_EXTRACT_ATTEMPTS && w->state == S_RUNNING &&
        wk_job_counts(w, j) &&
        cs_sched_push(w->sched, j->msg->account_id, j, &err) == CS_OK) {
        wk_log_job(j, CS_LOG_WARN, "cell %s failed (%s); queued again",
                j->msg->cell_id, j->task.err.msg);
        j->state = J_QUEUED;
        return;
    }
    if (w->state != S_RUNNING || !wk_job_counts(w, j)) {
        /* left uncommitted for the group */
        wk_job_free(w, j);
        return;
    }
    snprintf(reason, sizeof(reason), "error: %s", j->task.err.msg);
    wk_dead_letter(w, j, reason, "error");
}

void wk_collect(cs_worker_t *w)
{
    struct cs_wtask *t;

    while ((t = cs_wpool_done(w->pool)) != NULL) {
        struct job *j = (struct job *)t;

        w->running--;
        cs_sched_finish(w->sched, j->msg->account_id, NULL);
        if (w->fm)
            wk_metric_add(w->fm->cells_in_flight, NULL, -1);
        if (t->cancel) {
            /* cancelled at the end of a drain: neither published nor
             * committed, the group runs it again */
            wk_log_job(j, CS_LOG_INFO, "cell %s cancelled; left to the group",
                    j->msg->cell_id);
            wk_job_free(w, j);
        } else if (t->rc == CS_OK && t->result) {
            cell_succeeded(w, j);
        } else {
            cell_failed(w, j);
        }
    }
}
