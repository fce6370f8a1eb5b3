/* scans.c: what the aggregator does with each record of cell-results, and
 * how a scan goes from open to published and stored. See aggregator.h for
 * the guarantees and core.h for the states. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/core.h"
#include "aggregator/record.h"
#include "bus/deadletter.h"
#include "util/clock.h"
#include "util/log.h"
#include "wire/names.h"

#define COMPONENT "aggregator"
/* retry delays after a failed send or Redis call, doubling up to the max */
#define RETRY_FIRST_MS 500
#define RETRY_MAX_MS 10000
/* a report Redis refuses (not unreachable) this many times is given up */
#define STORE_REFUSED_MAX 30
/* due scans closed per pass (the rest in the next pass) */
#define DUE_BATCH 64

static void log_scan(const struct agg_scan *s, enum cs_log_level lvl,
                     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void log_scan(const struct agg_scan *s, enum cs_log_level lvl,
                     const char *fmt, ...)
{
    struct cs_log_ctx ctx = {COMPONENT, s->client_id, s->scan_id};
    char msg[768];
    va_list ap;

    if (lvl < cs_log_min_level())
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cs_log(&ctx, lvl, "%s", msg);
}

static int64_t backoff_ms(int attempts)
{
    int64_t d = RETRY_FIRST_MS;

    while (attempts-- > 1 && d < RETRY_MAX_MS)
        d *= 2;
    return d < RETRY_MAX_MS ? d : RETRY_MAX_MS;
}

void agg_gauge_open(cs_aggregator_t *a)
{
    size_t n = cs_strmap_count(a->scans);

    __atomic_store_n(&a->stats.open_scans, (uint64_t)n, __ATOMIC_RELAXED);
    if (a->deps.fm)
        cs_metric_set(a->deps.fm->open_scans, NULL, (double)n, NULL);
}

struct agg_part *agg_part(cs_aggregator_t *a, int32_t partition)
{
    for (size_t i = 0; i < a->nparts; i++)
        if (a->parts[i].id == partition)
            return &a->parts[i];
    return NULL;
}

/* ------------------------------------------------------------ lifecycle */

static void scan_free(struct agg_scan *s)
{
    if (s == NULL)
        return;
    cs_scan_destroy(s->fold);
    cs_report_free(s->report);
    free(s->packed);
    free(s->scan_id);
    free(s->client_id);
    free(s);
}

static void closing_remove(cs_aggregator_t *a, const struct agg_scan *s)
{
    for (size_t i = 0; i < a->nclosing; i++) {
        if (a->closing[i] == s) {
            a->closing[i] = a->closing[--a->nclosing];
            return;
        }
    }
}

static cs_rc closing_add(cs_aggregator_t *a, struct agg_scan *s,
                         struct cs_err *err)
{
    if (a->nclosing == a->closing_cap) {
        size_t cap = a->closing_cap ? a->closing_cap * 2 : 16;
        struct agg_scan **v = realloc(a->closing, cap * sizeof(*v));
        if (v == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "aggregator: out of memory");
        a->closing = v;
        a->closing_cap = cap;
    }
    a->closing[a->nclosing++] = s;
    return CS_OK;
}

/* The scan is published and stored (or needs nothing more): it stops
 * holding back its partition's commit and is remembered as finished. */
static void scan_done(cs_aggregator_t *a, struct agg_scan *s)
{
    struct cs_err err = CS_ERR_INIT;

    if (cs_agg_offsets_unpin(a->offsets, s->partition, s->offset, &err) != CS_OK)
        log_scan(s, CS_LOG_WARN, "%s", err.msg);
    /* if even this fails, Redis still answers for the scan on a replay */
    if (cs_agg_closed_add(a->closed, s->scan_id, &err) != CS_OK)
        log_scan(s, CS_LOG_WARN, "cannot remember the scan as finished: %s",
                 err.msg);
    if (s->state != AGG_OPEN)
        closing_remove(a, s);
    cs_strmap_remove(a->scans, s->scan_id);
    scan_free(s);
    agg_gauge_open(a);
}

/* ------------------------------------------------------------ dead letters */

static void dead_letter_free(struct agg_dead_letter *d)
{
    if (d == NULL)
        return;
    free(d->key);
    free(d->value);
    free(d->reason);
    free(d);
}

static cs_rc reserve_ack(cs_aggregator_t *a, struct cs_err *err)
{
    size_t need = a->nacks + a->inflight + 1;

    if (need > a->acks_cap) {
        size_t cap = a->acks_cap ? a->acks_cap : 64;
        struct agg_ack *v;
        while (cap < need)
            cap *= 2;
        v = realloc(a->acks, cap * sizeof(*v));
        if (v == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "aggregator: out of memory");
        a->acks = v;
        a->acks_cap = cap;
    }
    return CS_OK;
}

void agg_on_ack(void *ud, void *msg_opaque, rd_kafka_resp_err_t err,
                int32_t partition, int64_t offset)
{
    cs_aggregator_t *a = ud;

    (void)partition;
    (void)offset;
    /* room was reserved before the send (reserve_ack) */
    if (a->nacks < a->acks_cap) {
        a->acks[a->nacks].seq = (uint64_t)(uintptr_t)msg_opaque;
        a->acks[a->nacks].err = err;
        a->nacks++;
    }
    if (a->inflight > 0)
        a->inflight--;
}

static void dead_letter_send(cs_aggregator_t *a, struct agg_dead_letter *d)
{
    struct cs_deadletter dl = {a->topic_in, d->partition, d->offset, d->key,
                               d->keylen, d->value, d->len, d->reason};
    struct cs_err err = CS_ERR_INIT;
    uint64_t seq;

    if (reserve_ack(a, &err) != CS_OK)
        goto retry;
    seq = a->next_seq++;
    if (cs_deadletter_send(a->producer, a->topic_dlq, &dl,
                           (void *)(uintptr_t)seq, &err) == CS_OK) {
        d->seq = seq;
        a->inflight++;
        return;
    }
retry:
    cs_log(&(struct cs_log_ctx){COMPONENT, NULL, NULL}, CS_LOG_WARN,
           "dead letter for %s[%d]@%lld not sent, will retry: %s",
           a->topic_in, (int)d->partition, (long long)d->offset, err.msg);
    d->retry_at_ms = cs_mono_ms() + RETRY_FIRST_MS;
}

static void *memdup(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);

    if (q && n)
        memcpy(q, p, n);
    return q;
}

/* Copies m and sends it to dead-letters; its offset stays pinned until the
 * dead letter is acknowledged. */
static cs_rc dead_letter(cs_aggregator_t *a, const rd_kafka_message_t *m,
                         const char *reason, const char *code,
                         struct cs_err *err)
{
    struct agg_dead_letter *d = calloc(1, sizeof(*d));
    cs_rc rc;

    cs_log(&(struct cs_log_ctx){COMPONENT, NULL, NULL}, CS_LOG_WARN,
           "%s[%d]@%lld goes to dead-letters: %s", a->topic_in,
           (int)m->partition, (long long)m->offset, reason);
    if (d == NULL)
        goto nomem;
    d->partition = m->partition;
    d->offset = m->offset;
    d->code = code;
    d->keylen = m->key ? m->key_len : 0;
    d->len = m->payload ? m->len : 0;
    d->key = m->key ? memdup(m->key, d->keylen) : NULL;
    d->value = memdup(m->payload, d->len);
    d->reason = strdup(reason);
    if ((m->key && d->key == NULL) || d->value == NULL || d->reason == NULL)
        goto nomem;
    if (a->ndlq == a->dlq_cap) {
        size_t cap = a->dlq_cap ? a->dlq_cap * 2 : 16;
        struct agg_dead_letter **v = realloc(a->dlq, cap * sizeof(*v));
        if (v == NULL)
            goto nomem;
        a->dlq = v;
        a->dlq_cap = cap;
    }
    rc = cs_agg_offsets_pin(a->offsets, m->partition, m->offset, err);
    if (rc != CS_OK) {
        dead_letter_free(d);
        return rc;
    }
    a->dlq[a->ndlq++] = d;
    dead_letter_send(a, d);
    return CS_OK;
nomem:
    dead_letter_free(d);
    return cs_err_set(err, CS_ERR_NOMEM, "aggregator: out of memory");
}

static void dead_letter_acked(cs_aggregator_t *a, size_t i,
                              rd_kafka_resp_err_t e)
{
    struct agg_dead_letter *d = a->dlq[i];

    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        cs_log(&(struct cs_log_ctx){COMPONENT, NULL, NULL}, CS_LOG_WARN,
               "dead letter for %s[%d]@%lld failed, will retry: %s",
               a->topic_in, (int)d->partition, (long long)d->offset,
               rd_kafka_err2str(e));
        d->seq = 0;
        d->retry_at_ms = cs_mono_ms() + RETRY_FIRST_MS;
        return;
    }
    cs_agg_offsets_unpin(a->offsets, d->partition, d->offset, NULL);
    if (a->deps.fm)
        cs_metric_add(a->deps.fm->dead_letters,
                      (const char *[]){a->topic_in, d->code}, 1, NULL);
    AGG_STAT_ADD(a, dead_letters, 1);
    a->dlq[i] = a->dlq[--a->ndlq];
    dead_letter_free(d);
}

/* ------------------------------------------------------------ closing */

/* Redis failed: nothing goes to Redis for a while (it is one dependency
 * for every scan). */
static void store_failed(cs_aggregator_t *a, const struct agg_scan *s,
                         const char *what, const struct cs_err *e)
{
    int64_t delay = backoff_ms(++a->store_failures);

    a->store_retry_at = cs_mono_ms() + delay;
    log_scan(s, CS_LOG_WARN, "%s failed, retrying in %lld ms: %s", what,
             (long long)delay, e->msg);
}

static void store_ok(cs_aggregator_t *a)
{
    if (a->store_failures)
        cs_log(&(struct cs_log_ctx){COMPONENT, NULL, NULL}, CS_LOG_INFO,
               "Redis answers again");
    a->store_failures = 0;
    a->store_retry_at = 0;
}

static int redis_waiting(const cs_aggregator_t *a)
{
    return a->store_retry_at && cs_mono_ms() < a->store_retry_at;
}

/* Looks the scan's report up in Redis. Returns 1 when it is there, 0 when
 * it is not, -1 when Redis could not say (back-off started). */
static int report_in_store(cs_aggregator_t *a, const struct agg_scan *s)
{
    Cellscan__V1__ScanReport *r = NULL;
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc;

    if (redis_waiting(a))
        return -1;
    rc = cs_store_get_report(a->deps.store, s->client_id, s->scan_id, &r, &err);
    if (r)
        cellscan__v1__scan_report__free_unpacked(r, NULL);
    if (rc != CS_ERR_UNAVAILABLE) {
        store_ok(a);
        /* something unreadable there (other bytes, another type): the
         * report is published and overwrites it */
        if (rc != CS_OK && rc != CS_ERR_NOTFOUND)
            log_scan(s, CS_LOG_WARN, "stored report unreadable, replacing it: %s",
                     err.msg);
        return rc == CS_OK;
    }
    store_failed(a, s, "looking the report up in Redis", &err);
    return -1;
}

static void skip_published(cs_aggregator_t *a, struct agg_scan *s)
{
    log_scan(s, CS_LOG_INFO,
             "report already published (found in Redis); not published again");
    AGG_STAT_ADD(a, reports_skipped, 1);
    scan_done(a, s);
}

static void send_report(cs_aggregator_t *a, struct agg_scan *s)
{
    struct cs_err err = CS_ERR_INIT;
    uint64_t seq;

    if (s->retry_at_ms && cs_mono_ms() < s->retry_at_ms)
        return;
    if (reserve_ack(a, &err) == CS_OK) {
        seq = a->next_seq++;
        if (cs_producer_send(a->producer, a->topic_out, s->scan_id,
                             strlen(s->scan_id), s->packed, s->packed_len, NULL,
                             (void *)(uintptr_t)seq, &err) == CS_OK) {
            s->seq = seq;
            s->state = AGG_SENT;
            a->inflight++;
            return;
        }
    }
    s->retry_at_ms = cs_mono_ms() + backoff_ms(++s->attempts);
    log_scan(s, CS_LOG_WARN, "report not sent, will retry: %s", err.msg);
}

static void store_report(cs_aggregator_t *a, struct agg_scan *s)
{
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc;

    if (a->deps.store == NULL) {
        scan_done(a, s);
        return;
    }
    if (redis_waiting(a) || (s->retry_at_ms && cs_mono_ms() < s->retry_at_ms))
        return;
    rc = cs_store_put_report(a->deps.store, s->report, &err);
    if (rc == CS_OK) {
        store_ok(a);
        AGG_STAT_ADD(a, reports_stored, 1);
        log_scan(s, CS_LOG_DEBUG, "report stored in Redis");
        scan_done(a, s);
    } else if (rc == CS_ERR_UNAVAILABLE) {
        /* Redis is down: wait for it as long as it takes */
        store_failed(a, s, "storing the report in Redis", &err);
    } else if (rc == CS_ERR_LIMIT || ++s->attempts >= STORE_REFUSED_MAX) {
        /* too large, or refused again and again (e.g. the client's index
         * key holds another type): the published report is all there is */
        log_scan(s, CS_LOG_ERROR, "report not stored: %s", err.msg);
        scan_done(a, s);
    } else {
        s->retry_at_ms = cs_mono_ms() + backoff_ms(s->attempts);
        log_scan(s, CS_LOG_WARN, "Redis refused the report, retrying: %s",
                 err.msg);
    }
}

/* One step of a closing scan; it may finish (and be freed). */
static void advance(cs_aggregator_t *a, struct agg_scan *s)
{
    if (s->state == AGG_CHECK) {
        int found = report_in_store(a, s);
        if (found < 0)
            return;
        if (found) {
            skip_published(a, s);
            return;
        }
        s->checked = 1;
        s->state = AGG_SEND;
    }
    if (s->state == AGG_SEND)
        send_report(a, s);
    else if (s->state == AGG_STORE)
        store_report(a, s);
}

static cs_rc build_report(cs_aggregator_t *a, struct agg_scan *s,
                          struct cs_err *err)
{
    struct cs_fold_opts o = {1, (size_t)a->cfg->report_violations,
                             cs_wall_ms()};
    cs_rc rc = cs_scan_report(s->fold, &o, &s->report, err);

    if (rc != CS_OK)
        return rc == CS_ERR_NOMEM ? rc : CS_ERR_INTERNAL;
    s->packed_len = cellscan__v1__scan_report__get_packed_size(s->report);
    s->packed = malloc(s->packed_len ? s->packed_len : 1);
    if (s->packed == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "aggregator: out of memory");
    cellscan__v1__scan_report__pack(s->report, s->packed);
    return CS_OK;
}

/* The last cell came in or the deadline passed: build the report and
 * start publishing it. */
static cs_rc close_scan(cs_aggregator_t *a, struct agg_scan *s, int at_deadline,
                        struct cs_err *err)
{
    size_t expected = cs_scan_expected(s->fold);
    size_t received = cs_scan_received(s->fold);
    cs_rc rc = build_report(a, s, err);

    if (rc == CS_OK)
        rc = closing_add(a, s, err);
    if (rc != CS_OK) {
        cs_report_free(s->report);
        s->report = NULL;
        free(s->packed);
        s->packed = NULL;
        return rc;
    }
    cs_scan_destroy(s->fold);
    s->fold = NULL;
    log_scan(s, CS_LOG_INFO, "scan closed %s: %zu of %zu cells, status %s",
             at_deadline ? "at its deadline" : "with its last cell", received,
             expected, cs_scan_status_name(s->report->status));
    s->state = a->deps.store && s->replayed && !s->checked ? AGG_CHECK : AGG_SEND;
    advance(a, s);
    return CS_OK;
}

static void report_acked(cs_aggregator_t *a, struct agg_scan *s,
                         rd_kafka_resp_err_t e)
{
    int64_t now = cs_wall_ms();

    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        s->state = AGG_SEND;
        s->retry_at_ms = cs_mono_ms() + backoff_ms(++s->attempts);
        log_scan(s, CS_LOG_WARN, "report not acknowledged, will resend: %s",
                 rd_kafka_err2str(e));
        return;
    }
    AGG_STAT_ADD(a, reports_published, 1);
    if (a->deps.fm && s->requested_at_ms > 0 && now >= s->requested_at_ms)
        cs_metric_observe(a->deps.fm->report_latency, NULL,
                          (double)(now - s->requested_at_ms) / 1000.0, NULL);
    log_scan(s, CS_LOG_INFO, "report published: status %s, score %.4f, "
             "coverage %.4f", cs_scan_status_name(s->report->status),
             s->report->overall ? s->report->overall->score : 0.0,
             s->report->overall ? s->report->overall->coverage : 0.0);
    if (a->deps.on_report)
        a->deps.on_report(a->deps.report_ud, s->report);
    s->state = AGG_STORE;
    s->attempts = 0;
    s->retry_at_ms = 0;
    advance(a, s);
}

static void handle_ack(cs_aggregator_t *a, const struct agg_ack *k)
{
    for (size_t i = 0; i < a->nclosing; i++) {
        struct agg_scan *s = a->closing[i];
        if (s->state == AGG_SENT && s->seq == k->seq) {
            report_acked(a, s, k->err);
            return;
        }
    }
    for (size_t i = 0; i < a->ndlq; i++) {
        if (a->dlq[i]->seq == k->seq) {
            dead_letter_acked(a, i, k->err);
            return;
        }
    }
    /* a send of a partition given away since: its new owner redoes it */
}

cs_rc agg_drive(cs_aggregator_t *a, struct cs_err *err)
{
    int64_t now;

    (void)err;
    /* handling one may queue more (a send that polls); they are handled
     * in this same pass */
    for (size_t i = 0; i < a->nacks; i++) {
        struct agg_ack k = a->acks[i];
        handle_ack(a, &k);
    }
    a->nacks = 0;
    /* backwards: advance() may remove the current entry (never another) */
    for (size_t i = a->nclosing; i-- > 0;)
        if (i < a->nclosing && a->closing[i]->state != AGG_SENT)
            advance(a, a->closing[i]);
    now = cs_mono_ms();
    for (size_t i = 0; i < a->ndlq; i++)
        if (a->dlq[i]->seq == 0 && now >= a->dlq[i]->retry_at_ms)
            dead_letter_send(a, a->dlq[i]);
    return CS_OK;
}

size_t agg_pending(const cs_aggregator_t *a)
{
    return a->nclosing + a->ndlq;
}

/* ------------------------------------------------------------ records */

static void ignored(cs_aggregator_t *a, const Cellscan__V1__CellResult *r,
                    const char *why)
{
    struct cs_log_ctx ctx = {COMPONENT, r->client_id, r->scan_id};
    uint64_t n = AGG_STAT_ADD(a, results_ignored, 1);

    cs_log(&ctx, CS_LOG_DEBUG, "result for cell %s ignored: %s (%llu ignored "
           "so far)", r->cell_id, why, (unsigned long long)n);
}

static cs_rc open_scan(cs_aggregator_t *a, const rd_kafka_message_t *m,
                       const Cellscan__V1__ScanManifest *man, int replayed,
                       int checked, struct cs_err *err)
{
    struct agg_scan *s = calloc(1, sizeof(*s));
    struct agg_part *p = agg_part(a, m->partition);
    struct cs_err ferr = CS_ERR_INIT;
    cs_rc rc = CS_ERR_NOMEM;

    if (s == NULL || (s->scan_id = strdup(man->scan_id)) == NULL ||
        (s->client_id = strdup(man->client_id)) == NULL)
        goto nomem;
    s->partition = m->partition;
    s->offset = m->offset;
    s->requested_at_ms = man->requested_at_ms;
    s->deadline_at_ms = man->deadline_at_ms;
    s->replayed = replayed;
    s->checked = checked;
    s->fold = cs_scan_new(man, &ferr);
    if (s->fold == NULL) {
        scan_free(s);
        if (ferr.code != CS_ERR_INVALID)
            return cs_err_set(err, CS_ERR_NOMEM, "%s", ferr.msg);
        return dead_letter(a, m, ferr.msg, CS_AGG_REASON_INVALID, err);
    }
    rc = cs_strmap_put(a->scans, s->scan_id, s, err);
    if (rc != CS_OK)
        goto fail;
    rc = cs_agg_offsets_pin(a->offsets, m->partition, m->offset, err);
    if (rc != CS_OK) {
        cs_strmap_remove(a->scans, s->scan_id);
        goto fail;
    }
    if (p && (p->min_deadline < 0 || s->deadline_at_ms < p->min_deadline))
        p->min_deadline = s->deadline_at_ms;
    agg_gauge_open(a);
    log_scan(s, CS_LOG_INFO, "scan opened: %zu cells expected%s",
             cs_scan_expected(s->fold), replayed ? " (rebuilt from a replay)" : "");
    if (cs_scan_complete(s->fold))
        return close_scan(a, s, 0, err);
    return CS_OK;
nomem:
    cs_err_set(err, CS_ERR_NOMEM, "aggregator: out of memory");
fail:
    scan_free(s);
    return rc;
}

static cs_rc on_manifest(cs_aggregator_t *a, const rd_kafka_message_t *m,
                         const Cellscan__V1__ScanManifest *man,
                         struct cs_err *err)
{
    struct cs_log_ctx ctx = {COMPONENT, man->client_id, man->scan_id};
    struct agg_part *p = agg_part(a, m->partition);
    int replayed = p == NULL || m->offset < p->replay_end;
    int checked = 0;

    if (cs_agg_closed_has(a->closed, man->scan_id) ||
        cs_strmap_get(a->scans, man->scan_id)) {
        cs_log(&ctx, CS_LOG_DEBUG, "manifest of a scan already %s ignored",
               cs_agg_closed_has(a->closed, man->scan_id) ? "finished" : "open");
        return CS_OK;
    }
    if (replayed && a->deps.store) {
        struct agg_scan probe = {.scan_id = man->scan_id, .client_id = man->client_id};
        int found = report_in_store(a, &probe);
        if (found > 0) {
            cs_log(&ctx, CS_LOG_INFO, "replayed manifest of a scan already "
                   "reported (found in Redis); not reopened");
            AGG_STAT_ADD(a, reports_skipped, 1);
            return cs_agg_closed_add(a->closed, man->scan_id, err) == CS_ERR_NOMEM
                       ? CS_ERR_NOMEM : CS_OK;
        }
        checked = found == 0;
    }
    return open_scan(a, m, man, replayed, checked, err);
}

static cs_rc on_result(cs_aggregator_t *a, const rd_kafka_message_t *m,
                       const Cellscan__V1__CellResult *r, struct cs_err *err)
{
    struct agg_scan *s = cs_strmap_get(a->scans, r->scan_id);
    enum cs_scan_added added = CS_SCAN_IGNORED;
    char why[CS_ERR_MSG_MAX + 256];
    cs_rc rc;

    if (s == NULL) {
        ignored(a, r, cs_agg_closed_has(a->closed, r->scan_id)
                          ? "scan already finished"
                          : "unknown scan (its manifest was not seen)");
        return CS_OK;
    }
    if (s->state != AGG_OPEN) {
        ignored(a, r, "scan already closed");
        return CS_OK;
    }
    if (strcmp(s->client_id, r->client_id) != 0) {
        snprintf(why, sizeof(why), "invalid result: scan %s cell %s names "
                 "client %.64s, the scan's is %s", s->scan_id, r->cell_id,
                 r->client_id, s->client_id);
        return dead_letter(a, m, why, CS_AGG_REASON_INVALID, err);
    }
    rc = cs_scan_add(s->fold, r, &added, err);
    if (rc == CS_ERR_LIMIT) {
        snprintf(why, sizeof(why), "invalid result: %s", err->msg);
        return dead_letter(a, m, why, CS_AGG_REASON_INVALID, err);
    }
    if (rc != CS_OK)
        return rc == CS_ERR_NOMEM ? rc : CS_ERR_INTERNAL;
    AGG_STAT_ADD(a, results_folded, 1);
    if (added == CS_SCAN_IGNORED)
        log_scan(s, CS_LOG_WARN, "result for cell %s ignored: not a cell of "
                 "the manifest", r->cell_id);
    else if (added == CS_SCAN_UNCHANGED)
        log_scan(s, CS_LOG_DEBUG, "result for cell %s: duplicate or not "
                 "better than the one kept", r->cell_id);
    if (cs_scan_complete(s->fold))
        return close_scan(a, s, 0, err);
    return CS_OK;
}

cs_rc agg_handle_message(cs_aggregator_t *a, const rd_kafka_message_t *m,
                         struct cs_err *err)
{
    Cellscan__V1__CellResultsRecord *rec = NULL;
    struct agg_part *p = agg_part(a, m->partition);
    struct cs_err derr = CS_ERR_INIT;
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    cs_rc rc;

    if (p && p->replay_end < 0) {
        int64_t lo = -1, hi = -1;
        /* the high watermark of the fetch that brought this message */
        if (rd_kafka_get_watermark_offsets(cs_consumer_handle(a->consumer),
                                           a->topic_in, m->partition, &lo,
                                           &hi) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            hi >= 0)
            p->replay_end = hi > m->offset ? hi : m->offset + 1;
        else
            p->replay_end = INT64_MAX;
    }
    /* a scan whose deadline passed before this message was written was
     * finished by then: the same report whether read live or replayed */
    if (ts > 0) {
        rc = agg_close_due(a, m->partition, ts, 0, err);
        if (rc != CS_OK)
            return rc;
    }
    rc = cs_agg_record_decode(m->payload, m->payload ? m->len : 0, &rec, &derr);
    if (rc == CS_ERR_PARSE || rc == CS_ERR_INVALID)
        rc = dead_letter(a, m, derr.msg, cs_agg_reason_code(rc), err);
    else if (rc != CS_OK)
        rc = cs_err_set(err, rc, "%s", derr.msg);
    else if (rec->body_case == CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST)
        rc = on_manifest(a, m, rec->manifest, err);
    else
        rc = on_result(a, m, rec->result, err);
    if (rec)
        cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
    if (rc == CS_OK)
        rc = cs_agg_offsets_consumed(a->offsets, m->partition, m->offset, err);
    return rc;
}

/* ------------------------------------------------------------ deadlines */

/* Whether every message fetched from partition was handled. */
static int caught_up(cs_aggregator_t *a, int32_t partition)
{
    int64_t lo = -1, hi = -1;
    int64_t pos = cs_agg_offsets_position(a->offsets, partition);

    if (rd_kafka_get_watermark_offsets(cs_consumer_handle(a->consumer),
                                       a->topic_in, partition, &lo, &hi) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        hi < 0)
        return 1;
    return pos >= hi;
}

/* Collects up to DUE_BATCH open scans of partition due before bound_ms;
 * returns how many. Also recomputes the partitions' min_deadline caches
 * over the scans not collected. */
static size_t collect_due(cs_aggregator_t *a, int32_t partition,
                          int64_t bound_ms, int caught_up_only,
                          struct agg_scan **due)
{
    size_t cursor = 0, n = 0;
    void *v;

    for (size_t i = 0; i < a->nparts; i++)
        if (partition < 0 || a->parts[i].id == partition)
            a->parts[i].min_deadline = -1;
    while (cs_strmap_next(a->scans, &cursor, &v)) {
        struct agg_scan *s = v;
        struct agg_part *p;
        if (s->state != AGG_OPEN || (partition >= 0 && s->partition != partition))
            continue;
        p = agg_part(a, s->partition);
        if (s->deadline_at_ms < bound_ms && n < DUE_BATCH &&
            (!caught_up_only || caught_up(a, s->partition))) {
            due[n++] = s;
            continue;
        }
        if (p && (p->min_deadline < 0 || s->deadline_at_ms < p->min_deadline))
            p->min_deadline = s->deadline_at_ms;
    }
    return n;
}

cs_rc agg_close_due(cs_aggregator_t *a, int32_t partition, int64_t bound_ms,
                    int caught_up_only, struct cs_err *err)
{
    struct agg_scan *due[DUE_BATCH];
    size_t n;

    if (partition >= 0) {
        struct agg_part *p = agg_part(a, partition);
        if (p && (p->min_deadline < 0 || p->min_deadline >= bound_ms))
            return CS_OK;
    }
    do {
        n = collect_due(a, partition, bound_ms, caught_up_only, due);
        for (size_t i = 0; i < n; i++) {
            cs_rc rc = close_scan(a, due[i], 1, err);
            if (rc != CS_OK)
                return rc;
        }
    } while (n == DUE_BATCH);
    return CS_OK;
}

/* ------------------------------------------------------------ partitions */

void agg_drop_partition(cs_aggregator_t *a, int32_t partition)
{
    struct agg_scan *batch[DUE_BATCH];
    size_t n;

    do {
        size_t cursor = 0;
        void *v;
        n = 0;
        while (n < DUE_BATCH && cs_strmap_next(a->scans, &cursor, &v))
            if (((struct agg_scan *)v)->partition == partition)
                batch[n++] = v;
        for (size_t i = 0; i < n; i++) {
            if (batch[i]->state != AGG_OPEN)
                closing_remove(a, batch[i]);
            cs_strmap_remove(a->scans, batch[i]->scan_id);
            scan_free(batch[i]);
        }
    } while (n == DUE_BATCH);
    for (size_t i = a->ndlq; i-- > 0;) {
        if (a->dlq[i]->partition == partition) {
            dead_letter_free(a->dlq[i]);
            a->dlq[i] = a->dlq[--a->ndlq];
        }
    }
    cs_agg_offsets_forget(a->offsets, partition);
    agg_gauge_open(a);
}

void agg_scans_free(cs_aggregator_t *a)
{
    size_t cursor = 0;
    void *v;

    while (a->scans && cs_strmap_next(a->scans, &cursor, &v))
        scan_free(v);
    cs_strmap_destroy(a->scans);
    a->scans = NULL;
    for (size_t i = 0; i < a->ndlq; i++)
        dead_letter_free(a->dlq[i]);
    free(a->dlq);
    free(a->closing);
    free(a->acks);
}
