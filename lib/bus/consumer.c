#include "bus/consumer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus/kconf.h"
#include "bus/msk_iam.h"
#include "util/log.h"

#define KAFKA_ERRSTR_MAX 512
#define DEFAULT_MAX_POLL_MS 10000

struct cs_consumer_s {
    rd_kafka_t *rk;
    char *group;
    cs_consumer_rebalance_fn on_assign, on_revoke;
    void *ud;
    int paused;
    /* closing: set by the owner before the close thread starts; the rest
     * is shared with that thread under mu */
    int closing;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int abandoned;
    int done;
    rd_kafka_resp_err_t close_err;
};

static const struct cs_log_ctx log_ctx = {"kafka", NULL, NULL};

/* The close wait is measured on the monotonic clock. */
static void init_sync(cs_consumer_t *c)
{
    pthread_condattr_t ca;

    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
}

static void free_consumer(cs_consumer_t *c)
{
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c->group);
    free(c);
}

/* During a close the helper thread runs the hooks; once the owner gave up
 * waiting (abandoned) its ud may be gone, so no hook may run. */
static void run_hook(cs_consumer_t *c, cs_consumer_rebalance_fn fn,
                     const rd_kafka_topic_partition_list_t *parts, int lost)
{
    if (fn == NULL)
        return;
    if (!c->closing) {
        fn(c->ud, parts, lost);
        return;
    }
    pthread_mutex_lock(&c->mu);
    if (!c->abandoned)
        fn(c->ud, parts, lost);
    pthread_mutex_unlock(&c->mu);
}

static void log_error(const char *what, rd_kafka_error_t *e)
{
    if (e == NULL)
        return;
    cs_log(&log_ctx, CS_LOG_WARN, "%s: %s", what, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    cs_consumer_t *c = opaque;
    /* NULL when no protocol is in effect (the group was left or is being
     * closed): then it is not cooperative */
    const char *protocol = rd_kafka_rebalance_protocol(rk);
    int coop = protocol != NULL && strcmp(protocol, "COOPERATIVE") == 0;

    switch (err) {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        if (coop)
            log_error("incremental assign", rd_kafka_incremental_assign(rk, parts));
        else
            rd_kafka_assign(rk, parts);
        if (c->paused)
            rd_kafka_pause_partitions(rk, parts);
        run_hook(c, c->on_assign, parts, 0);
        break;
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        run_hook(c, c->on_revoke, parts, rd_kafka_assignment_lost(rk));
        if (coop)
            log_error("incremental unassign",
                      rd_kafka_incremental_unassign(rk, parts));
        else
            rd_kafka_assign(rk, NULL);
        break;
    default:
        cs_log(&log_ctx, CS_LOG_WARN, "rebalance failed: %s",
               rd_kafka_err2str(err));
        rd_kafka_assign(rk, NULL);
        break;
    }
}

/* Async commits have no caller waiting: their failures surface here, in
 * the polling thread. A later commit of the same partition covers the
 * failed one, so logging is all there is to do. */
static void commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    cs_consumer_t *c = opaque;

    (void)rk;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET)
        return;
    /* while closing, these are the hooks' repeats of commits the owner
     * made synchronously before the close (cs_consumer_commit) */
    cs_log(&log_ctx, c->closing ? CS_LOG_INFO : CS_LOG_WARN,
           "commit of %d partition(s) failed: %s",
           offsets ? offsets->cnt : 0, rd_kafka_err2str(err));
}

static cs_rc build_conf(const struct cs_config *cfg, char *const *envp,
                        const char *group, rd_kafka_conf_t **conf,
                        struct cs_err *err)
{
    char max_poll[32];
    char errstr[KAFKA_ERRSTR_MAX];
    const struct cs_kprop defaults[] = {
        {"session.timeout.ms", "6000"},
        {"heartbeat.interval.ms", "500"},
        {"max.poll.interval.ms", max_poll},
        {"auto.offset.reset", "earliest"},
        {"enable.partition.eof", "false"},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
    };
    cs_rc rc;

    snprintf(max_poll, sizeof(max_poll), "%d",
             cfg->max_poll_interval_s > 0 ? cfg->max_poll_interval_s * 1000
                                          : DEFAULT_MAX_POLL_MS);
    rc = cs_kconf_new(cfg, envp, defaults, sizeof(defaults) / sizeof(defaults[0]),
                      conf, err);
    if (rc == CS_OK)
        rc = cs_kconf_require(*conf, "enable.auto.commit", "false",
                              "cellscan commits offsets only after the work is done",
                              err);
    /* the group is the daemon's identity, not a tunable */
    if (rc == CS_OK &&
        rd_kafka_conf_set(*conf, "group.id", group, errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK)
        rc = cs_err_set(err, CS_ERR_INVALID, "group id \"%s\": %s", group,
                        errstr);
    if (rc != CS_OK && *conf) {
        rd_kafka_conf_destroy(*conf);
        *conf = NULL;
    }
    return rc;
}

static cs_rc subscribe(cs_consumer_t *c, const struct cs_consumer_opts *o,
                       struct cs_err *err)
{
    rd_kafka_topic_partition_list_t *topics =
        rd_kafka_topic_partition_list_new((int)o->ntopics);
    rd_kafka_resp_err_t e;

    for (size_t i = 0; i < o->ntopics; i++)
        rd_kafka_topic_partition_list_add(topics, o->topics[i],
                                          RD_KAFKA_PARTITION_UA);
    e = rd_kafka_subscribe(c->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e)
        return cs_err_set(err, CS_ERR_UNAVAILABLE, "cannot subscribe to %s: %s",
                          o->topics[0], rd_kafka_err2str(e));
    return CS_OK;
}

cs_consumer_t *cs_consumer_new(const struct cs_config *cfg, char *const *envp,
                               const struct cs_consumer_opts *o,
                               struct cs_err *err)
{
    char errstr[KAFKA_ERRSTR_MAX];
    rd_kafka_conf_t *conf = NULL;
    cs_consumer_t *c;

    if (o == NULL || o->group_id == NULL || o->group_id[0] == '\0' ||
        o->ntopics == 0 || o->topics == NULL) {
        cs_err_set(err, CS_ERR_INVALID, "consumer needs a group id and topics");
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL || (c->group = strdup(o->group_id)) == NULL) {
        free(c);
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    init_sync(c);
    c->on_assign = o->on_assign;
    c->on_revoke = o->on_revoke;
    c->ud = o->ud;
    if (build_conf(cfg, envp, o->group_id, &conf, err) != CS_OK)
        goto fail;
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(conf, commit_cb);
    rd_kafka_conf_set_opaque(conf, c);
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (c->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        cs_err_set(err, CS_ERR_UNAVAILABLE, "cannot create Kafka consumer: %s",
                   errstr);
        goto fail;
    }
    /* one queue for messages, rebalances and errors */
    rd_kafka_poll_set_consumer(c->rk);
    if (cs_msk_iam_started(c->rk, err) != CS_OK ||
        subscribe(c, o, err) != CS_OK) {
        rd_kafka_destroy(c->rk);
        goto fail;
    }
    return c;
fail:
    free_consumer(c);
    return NULL;
}

cs_rc cs_consumer_poll(cs_consumer_t *c, int timeout_ms,
                       rd_kafka_message_t **out, struct cs_err *err)
{
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout_ms);
    char errstr[KAFKA_ERRSTR_MAX];

    *out = NULL;
    if (m == NULL)
        return CS_OK;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        *out = m;
        return CS_OK;
    }
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_message_destroy(m);
        rd_kafka_fatal_error(c->rk, errstr, sizeof(errstr));
        return cs_err_set(err, CS_ERR_UNAVAILABLE,
                          "Kafka consumer failed fatally: %s", errstr);
    }
    if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
        cs_log(&log_ctx, CS_LOG_WARN, "consumer %s: %s", c->group,
               rd_kafka_message_errstr(m));
    rd_kafka_message_destroy(m);
    return CS_OK;
}

/* A one-partition list; NULL only when out of memory (librdkafka aborts
 * then anyway). */
static rd_kafka_topic_partition_list_t *one_partition(const char *topic,
                                                      int32_t partition,
                                                      int64_t offset)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);

    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = offset;
    return l;
}

cs_rc cs_consumer_commit(cs_consumer_t *c, const char *topic,
                         int32_t partition, int64_t next_offset, int async,
                         struct cs_err *err)
{
    rd_kafka_topic_partition_list_t *l = one_partition(topic, partition,
                                                       next_offset);
    rd_kafka_resp_err_t e;
    cs_rc rc = CS_OK;

    /* A revoke hook that commits while the consumer closes runs inside
     * rd_kafka_consumer_close, holding mu; a synchronous commit there can
     * wait forever (the group rebalancing as its other members leave) and
     * the close would no longer be bounded. The owner commits
     * synchronously before closing; from the close, send it and go. */
    if (c->closing)
        async = 1;
    e = rd_kafka_commit(c->rk, l, async);

    if (e == RD_KAFKA_RESP_ERR_NO_ERROR && !async)
        e = l->elems[0].err;
    if (e)
        rc = cs_err_set(err, CS_ERR_UNAVAILABLE,
                        "commit of %s[%d] offset %lld failed: %s", topic,
                        (int)partition, (long long)next_offset,
                        rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

cs_rc cs_consumer_seek(cs_consumer_t *c, const char *topic, int32_t partition,
                       int64_t offset, int timeout_ms, struct cs_err *err)
{
    rd_kafka_topic_partition_list_t *l = one_partition(topic, partition, offset);
    rd_kafka_error_t *e = rd_kafka_seek_partitions(c->rk, l, timeout_ms);
    cs_rc rc = CS_OK;

    if (e) {
        rc = cs_err_set(err, CS_ERR_UNAVAILABLE, "seek of %s[%d] to %lld: %s",
                        topic, (int)partition, (long long)offset,
                        rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    } else if (l->elems[0].err) {
        rc = cs_err_set(err, CS_ERR_UNAVAILABLE, "seek of %s[%d] to %lld: %s",
                        topic, (int)partition, (long long)offset,
                        rd_kafka_err2str(l->elems[0].err));
    }
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

cs_rc cs_consumer_assignment(cs_consumer_t *c,
                             rd_kafka_topic_partition_list_t **out,
                             struct cs_err *err)
{
    rd_kafka_resp_err_t e = rd_kafka_assignment(c->rk, out);

    if (e) {
        *out = NULL;
        return cs_err_set(err, CS_ERR_UNAVAILABLE, "consumer %s: assignment: %s",
                          c->group, rd_kafka_err2str(e));
    }
    return CS_OK;
}

static cs_rc set_paused(cs_consumer_t *c, int pause, struct cs_err *err)
{
    rd_kafka_topic_partition_list_t *l = NULL;
    rd_kafka_resp_err_t e;
    cs_rc rc;

    rc = cs_consumer_assignment(c, &l, err);
    if (rc != CS_OK)
        return rc;
    e = pause ? rd_kafka_pause_partitions(c->rk, l)
              : rd_kafka_resume_partitions(c->rk, l);
    for (int i = 0; e == RD_KAFKA_RESP_ERR_NO_ERROR && i < l->cnt; i++)
        e = l->elems[i].err;
    if (e)
        rc = cs_err_set(err, CS_ERR_UNAVAILABLE, "consumer %s: %s: %s", c->group,
                        pause ? "pause" : "resume", rd_kafka_err2str(e));
    else
        c->paused = pause;
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

cs_rc cs_consumer_pause(cs_consumer_t *c, struct cs_err *err)
{
    return set_paused(c, 1, err);
}

cs_rc cs_consumer_resume(cs_consumer_t *c, struct cs_err *err)
{
    return set_paused(c, 0, err);
}

int cs_consumer_paused(const cs_consumer_t *c)
{
    return c->paused;
}

int64_t cs_lag_compute(int64_t committed, int64_t low, int64_t high)
{
    int64_t from = committed >= 0 ? committed : low;

    if (from < 0)
        from = 0;
    return high > from ? high - from : 0;
}

static cs_rc fill_lag(cs_consumer_t *c, const rd_kafka_topic_partition_t *tp,
                      int timeout_ms, struct cs_partition_lag *out,
                      struct cs_err *err)
{
    rd_kafka_resp_err_t e;

    snprintf(out->topic, sizeof(out->topic), "%s", tp->topic);
    out->partition = tp->partition;
    out->committed = tp->offset >= 0 ? tp->offset : -1;
    e = rd_kafka_query_watermark_offsets(c->rk, tp->topic, tp->partition,
                                         &out->low, &out->high, timeout_ms);
    if (e)
        return cs_err_set(err, CS_ERR_UNAVAILABLE,
                          "watermarks of %s[%d]: %s", tp->topic,
                          (int)tp->partition, rd_kafka_err2str(e));
    out->lag = cs_lag_compute(out->committed, out->low, out->high);
    return CS_OK;
}

cs_rc cs_consumer_lag(cs_consumer_t *c, int timeout_ms,
                      struct cs_partition_lag **out, size_t *n,
                      struct cs_err *err)
{
    rd_kafka_topic_partition_list_t *l = NULL;
    struct cs_partition_lag *lags = NULL;
    rd_kafka_resp_err_t e;
    cs_rc rc;

    *out = NULL;
    *n = 0;
    rc = cs_consumer_assignment(c, &l, err);
    if (rc != CS_OK || l->cnt == 0)
        goto cleanup;
    e = rd_kafka_committed(c->rk, l, timeout_ms);
    if (e) {
        rc = cs_err_set(err, CS_ERR_UNAVAILABLE,
                        "committed offsets of group %s: %s", c->group,
                        rd_kafka_err2str(e));
        goto cleanup;
    }
    lags = calloc((size_t)l->cnt, sizeof(*lags));
    if (lags == NULL) {
        rc = cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (int i = 0; rc == CS_OK && i < l->cnt; i++)
        rc = fill_lag(c, &l->elems[i], timeout_ms, &lags[i], err);
    if (rc == CS_OK) {
        *out = lags;
        *n = (size_t)l->cnt;
        lags = NULL;
    }
cleanup:
    free(lags);
    if (l)
        rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

const char *cs_consumer_group(const cs_consumer_t *c)
{
    return c->group;
}

rd_kafka_t *cs_consumer_handle(cs_consumer_t *c)
{
    return c->rk;
}

static void *close_main(void *arg)
{
    cs_consumer_t *c = arg;
    rd_kafka_resp_err_t e = rd_kafka_consumer_close(c->rk);
    int abandoned;

    rd_kafka_destroy(c->rk);
    pthread_mutex_lock(&c->mu);
    c->done = 1;
    c->close_err = e;
    abandoned = c->abandoned;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    /* the owner left: this thread holds the last reference */
    if (abandoned)
        free_consumer(c);
    return NULL;
}

/* Waits for the close thread until deadline; returns 1 when it finished.
 * On timeout marks the consumer abandoned, under the same lock, so the
 * thread frees it. */
static int wait_closed(cs_consumer_t *c, const struct timespec *deadline)
{
    int finished;

    pthread_mutex_lock(&c->mu);
    while (!c->done &&
           pthread_cond_timedwait(&c->cv, &c->mu, deadline) != ETIMEDOUT)
        ;
    finished = c->done;
    if (!finished)
        c->abandoned = 1;
    pthread_mutex_unlock(&c->mu);
    return finished;
}

cs_rc cs_consumer_close(cs_consumer_t *c, int timeout_ms, struct cs_err *err)
{
    struct timespec deadline;
    pthread_t th;
    rd_kafka_resp_err_t e;

    if (c == NULL)
        return CS_OK;
    c->closing = 1;
    if (pthread_create(&th, NULL, close_main, c) != 0) {
        /* no thread: close inline rather than leak the group membership */
        close_main(c);
        e = c->close_err;
        free_consumer(c);
        goto result;
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    if (!wait_closed(c, &deadline)) {
        pthread_detach(th);
        return cs_err_set(err, CS_ERR_TIMEOUT,
                          "Kafka consumer close did not finish within %d ms; "
                          "left to a background thread", timeout_ms);
    }
    pthread_join(th, NULL);
    e = c->close_err;
    free_consumer(c);
result:
    if (e)
        return cs_err_set(err, CS_ERR_UNAVAILABLE, "Kafka consumer close: %s",
                          rd_kafka_err2str(e));
    return CS_OK;
}

void cs_consumer_destroy(cs_consumer_t *c)
{
    cs_consumer_close(c, CS_CONSUMER_CLOSE_MS, NULL);
}
