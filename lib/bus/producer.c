#include "bus/producer.h"

#include <stdlib.h>
#include <string.h>

#include "bus/kconf.h"
#include "bus/msk_iam.h"
#include "util/clock.h"
#include "util/log.h"

#define QUEUE_FULL_POLL_MS 50
#define KAFKA_ERRSTR_MAX 512

struct cs_producer_s {
    rd_kafka_t *rk;
    cs_producer_ack_fn on_ack;
    void *ud;
    int queue_full_wait_ms;
};

/* The properties cellscan's delivery guarantees rest on. */
static const struct cs_kprop producer_required[] = {
    {"enable.idempotence", "true"},
    {"acks", "-1"},
};

static const char *const required_why =
    "cellscan producers must be idempotent with acks=all";

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
                      void *opaque)
{
    cs_producer_t *p = opaque;

    (void)rk;
    if (p->on_ack)
        p->on_ack(p->ud, m->_private, m->err, m->partition,
                  m->err ? -1 : m->offset);
}

/* Errors outside a message's life (brokers down, fatal idempotence
 * errors); fatal ones also surface from the next send. */
static void error_cb(rd_kafka_t *rk, int code, const char *reason,
                     void *opaque)
{
    static const struct cs_log_ctx ctx = {"kafka", NULL, NULL};

    (void)opaque;
    cs_log(&ctx, code == RD_KAFKA_RESP_ERR__FATAL ? CS_LOG_ERROR : CS_LOG_WARN,
           "%s: %s: %s", rd_kafka_name(rk),
           rd_kafka_err2name((rd_kafka_resp_err_t)code), reason);
}

cs_producer_t *cs_producer_new(const struct cs_config *cfg, char *const *envp,
                               const struct cs_producer_opts *o,
                               struct cs_err *err)
{
    char errstr[KAFKA_ERRSTR_MAX];
    rd_kafka_conf_t *conf = NULL;
    cs_producer_t *p = calloc(1, sizeof(*p));
    cs_rc rc;

    if (p == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (o) {
        p->on_ack = o->on_ack;
        p->ud = o->ud;
        p->queue_full_wait_ms = o->queue_full_wait_ms;
    }
    if (p->queue_full_wait_ms <= 0)
        p->queue_full_wait_ms = CS_PRODUCER_QUEUE_FULL_WAIT_MS;
    rc = cs_kconf_new(cfg, envp, producer_required,
                      sizeof(producer_required) / sizeof(producer_required[0]),
                      &conf, err);
    for (size_t i = 0; rc == CS_OK && i < 2; i++)
        rc = cs_kconf_require(conf, producer_required[i].name,
                              producer_required[i].value, required_why, err);
    if (rc != CS_OK)
        goto fail;
    rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_opaque(conf, p);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (p->rk == NULL) {
        cs_err_set(err, CS_ERR_UNAVAILABLE, "cannot create Kafka producer: %s",
                   errstr);
        goto fail;
    }
    if (cs_msk_iam_started(p->rk, err) != CS_OK) {
        rd_kafka_destroy(p->rk);
        free(p);
        return NULL;
    }
    return p;
fail:
    rd_kafka_conf_destroy(conf);
    free(p);
    return NULL;
}

cs_rc cs_producer_send(cs_producer_t *p, const char *topic, const void *key,
                       size_t keylen, const void *value, size_t len,
                       rd_kafka_headers_t *headers, void *msg_opaque,
                       struct cs_err *err)
{
    int64_t deadline = cs_mono_ms() + p->queue_full_wait_ms;
    rd_kafka_resp_err_t e;
    char errstr[KAFKA_ERRSTR_MAX];

    for (;;) {
        e = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(topic),
            RD_KAFKA_V_KEY(key, key ? keylen : 0),
            RD_KAFKA_V_VALUE((void *)value, len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(msg_opaque),
            RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            return CS_OK; /* librdkafka owns headers now */
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || cs_mono_ms() >= deadline)
            break;
        /* room appears only as delivery reports are served */
        rd_kafka_poll(p->rk, QUEUE_FULL_POLL_MS);
    }
    if (headers)
        rd_kafka_headers_destroy(headers);
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return cs_err_set(err, CS_ERR_TIMEOUT,
                          "Kafka producer queue for %s still full after %d ms",
                          topic, p->queue_full_wait_ms);
    if (e == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_fatal_error(p->rk, errstr, sizeof(errstr));
        return cs_err_set(err, CS_ERR_UNAVAILABLE,
                          "Kafka producer failed fatally: %s", errstr);
    }
    return cs_err_set(err, CS_ERR_INVALID, "cannot produce to %s: %s", topic,
                      rd_kafka_err2str(e));
}

int cs_producer_poll(cs_producer_t *p, int timeout_ms)
{
    return rd_kafka_poll(p->rk, timeout_ms);
}

int cs_producer_outq_len(cs_producer_t *p)
{
    return rd_kafka_outq_len(p->rk);
}

cs_rc cs_producer_flush(cs_producer_t *p, int timeout_ms, struct cs_err *err)
{
    rd_kafka_flush(p->rk, timeout_ms);
    /* flush serves the reports; what is left was not acknowledged */
    if (rd_kafka_outq_len(p->rk) > 0)
        return cs_err_set(err, CS_ERR_TIMEOUT,
                          "%d Kafka message(s) not acknowledged after %d ms",
                          rd_kafka_outq_len(p->rk), timeout_ms);
    return CS_OK;
}

static void purge_and_free(cs_producer_t *p)
{
    rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    /* purged messages are reported through the normal path */
    rd_kafka_poll(p->rk, 0);
    rd_kafka_destroy(p->rk);
    free(p);
}

cs_rc cs_producer_close(cs_producer_t *p, int timeout_ms, int *left,
                        struct cs_err *err)
{
    cs_rc rc;

    if (left)
        *left = 0;
    if (p == NULL)
        return CS_OK;
    rc = cs_producer_flush(p, timeout_ms, err);
    if (left)
        *left = rd_kafka_outq_len(p->rk);
    purge_and_free(p);
    return rc;
}

void cs_producer_destroy(cs_producer_t *p)
{
    if (p)
        purge_and_free(p);
}

rd_kafka_t *cs_producer_handle(cs_producer_t *p)
{
    return p->rk;
}
