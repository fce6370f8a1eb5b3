/* Publishing: results to cell-results and refused jobs to dead-letters,
 * sent from the main loop and retried until their delivery report says
 * they landed — the only proof that makes a job's offset done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "worker/core.h"

static void outq_append(cs_worker_t *w, struct job *j)
{
    j->out_next = NULL;
    if (w->outq_tail)
        w->outq_tail->out_next = j;
    else
        w->outq = j;
    w->outq_tail = j;
}

static void queue_send(cs_worker_t *w, struct job *j, int delay_ms)
{
    j->resend_at = cs_mono_ms() + delay_ms;
    outq_append(w, j);
}

/* From now on the job ends with a message (result or dead letter) whose
 * delivery report makes its offset done. */
void wk_job_publish(cs_worker_t *w, struct job *j, enum out_kind kind)
{
    j->state = J_OUT;
    j->out = kind;
    j->backoff_ms = WK_RESEND_FIRST_MS;
    w->unacked++;
    queue_send(w, j, 0);
}

void wk_dead_letter(cs_worker_t *w, struct job *j, const char *reason,
                        const char *code)
{
    snprintf(j->reason, sizeof(j->reason), "%s", reason);
    j->reason_code = code;
    free(j->out_bytes);
    j->out_bytes = NULL;
    wk_log_job(j, CS_LOG_WARN, "job at %s[%d] offset %lld goes to dead letters: %s",
            w->jobs_topic, (int)j->partition, (long long)j->offset, reason);
    wk_job_publish(w, j, OUT_DLQ);
}

void wk_on_ack(void *ud, void *opaque, rd_kafka_resp_err_t err,
                   int32_t partition, int64_t offset)
{
    cs_worker_t *w = ud;
    struct job *j = opaque;

    (void)partition;
    (void)offset;
    /* reports can arrive inside a send that polls: only note it here, the
     * main loop handles it outside any walk of its lists */
    j->ack_err = err;
    j->ack_next = w->acked;
    w->acked = j;
}

/* A send the producer refused for good. A result becomes a dead letter
 * (the job cannot be published as it is); a refused dead letter is
 * logged and dropped, so one unpublishable message cannot hold its
 * partition's commit point forever. */
static void send_refused(cs_worker_t *w, struct job *j, const char *why)
{
    char reason[CS_DLQ_REASON_MAX];

    w->unacked--;
    if (j->out == OUT_RESULT) {
        snprintf(reason, sizeof(reason), "cannot publish result: %s", why);
        wk_dead_letter(w, j, reason, "unpublishable");
        return;
    }
    wk_log_job(j, CS_LOG_ERROR,
            "dead letter for %s[%d] offset %lld refused (%s); dropped",
            w->jobs_topic, (int)j->partition, (long long)j->offset, why);
    wk_mark_done(w, j);
    wk_job_free(w, j);
}

static void send_one(cs_worker_t *w, struct job *j)
{
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc;

    if (j->out == OUT_RESULT) {
        rc = cs_producer_send(w->prod, w->results_topic, j->msg->scan_id,
                              strlen(j->msg->scan_id), j->out_bytes,
                              j->out_len, NULL, j, &err);
    } else {
        struct cs_deadletter d = {w->jobs_topic, j->partition, j->offset,
                                  j->key, j->keylen, j->value, j->len,
                                  j->reason};
        rc = cs_deadletter_send(w->prod, w->dlq_topic, &d, j, &err);
    }
    if (rc == CS_OK)
        return;
    if (rc == CS_ERR_INVALID) {
        send_refused(w, j, err.msg);
        return;
    }
    /* a producer that failed fatally (idempotence broken) cannot recover:
     * the core stops, and the job stays uncommitted for the group */
    if (rc == CS_ERR_UNAVAILABLE)
        wk_set_fatal(w, err.msg);
    wk_log_job(j, CS_LOG_WARN, "%s; retrying in %d ms", err.msg, j->backoff_ms);
    queue_send(w, j, j->backoff_ms);
    if (j->backoff_ms < WK_RESEND_MAX_MS)
        j->backoff_ms *= 2;
}

void wk_send_due(cs_worker_t *w)
{
    struct job *list = w->outq, *j;
    int64_t now = cs_mono_ms();

    w->outq = w->outq_tail = NULL;
    while ((j = list) != NULL) {
        list = j->out_next;
        if (j->resend_at <= now && !w->closing)
            send_one(w, j);
        else
            outq_append(w, j);
    }
}

static void count_dead_letter(cs_worker_t *w, const struct job *j)
{
    if (w->fm) {
        const char *v[] = {w->jobs_topic, j->reason_code};
        wk_metric_add(w->fm->dead_letters, v, 1);
    }
}

void wk_reap_acks(cs_worker_t *w)
{
    struct job *j;

    while ((j = w->acked) != NULL) {
        w->acked = j->ack_next;
        if (j->ack_err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            w->unacked--;
            if (j->out == OUT_DLQ)
                count_dead_letter(w, j);
            wk_mark_done(w, j);
            wk_job_free(w, j);
        } else if (w->closing) {
            w->unacked--;
            wk_log_job(j, CS_LOG_WARN,
                    "message for %s[%d] offset %lld not acknowledged (%s); "
                    "the job stays uncommitted",
                    w->jobs_topic, (int)j->partition, (long long)j->offset,
                    rd_kafka_err2str(j->ack_err));
            wk_job_free(w, j);
        } else {
            wk_log_job(j, CS_LOG_WARN,
                    "delivery for %s[%d] offset %lld failed: %s; retrying",
                    w->jobs_topic, (int)j->partition, (long long)j->offset,
                    rd_kafka_err2str(j->ack_err));
            queue_send(w, j, j->backoff_ms);
            if (j->backoff_ms < WK_RESEND_MAX_MS)
                j->backoff_ms *= 2;
        }
    }
}
