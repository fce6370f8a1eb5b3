/* Publishing a ScanRequest (dispatcher.h: cs_dispatcher_submit) and
 * making scan ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "bus/producer.h"
#include "bus/topics.h"
#include "dispatcher/dispatcher.h"
#include "util/clock.h"

#define SUBMIT_POLL_MS 50

struct submit_ack {
    int done;
    rd_kafka_resp_err_t err;
};

static void on_submit_ack(void *ud, void *opaque, rd_kafka_resp_err_t e,
                          int32_t partition, int64_t offset)
{
    struct submit_ack *a = ud;

    (void)opaque;
    (void)partition;
    (void)offset;
    a->done = 1;
    a->err = e;
}

cs_rc cs_dispatcher_submit(const struct cs_config *cfg, char *const *envp,
                           const Cellscan__V1__ScanRequest *r, int timeout_ms,
                           struct cs_err *err)
{
    struct submit_ack ack = {0, RD_KAFKA_RESP_ERR_NO_ERROR};
    struct cs_producer_opts po = {on_submit_ack, &ack, timeout_ms};
    char topic[CS_TOPIC_NAME_MAX + 1];
    cs_producer_t *p = NULL;
    uint8_t *buf = NULL;
    size_t len = cellscan__v1__scan_request__get_packed_size(r);
    int64_t deadline = cs_mono_ms() + timeout_ms;
    cs_rc rc;

    rc = cs_topic_name(cfg->topic_prefix, CS_TOPIC_SCAN_REQUESTS, topic,
                       sizeof(topic), err);
    if (rc != CS_OK)
        return rc;
    buf = malloc(len ? len : 1);
    if (buf == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    cellscan__v1__scan_request__pack(r, buf);
    p = cs_producer_new(cfg, envp, &po, err);
    if (p == NULL) {
        rc = err ? err->code : CS_ERR_UNAVAILABLE;
        goto cleanup;
    }
    rc = cs_producer_send(p, topic, r->client_id, strlen(r->client_id), buf,
                          len, NULL, NULL, err);
    while (rc == CS_OK && !ack.done && cs_mono_ms() < deadline)
        cs_producer_poll(p, SUBMIT_POLL_MS);
    if (rc != CS_OK)
        goto cleanup;
    if (!ack.done)
        rc = cs_err_set(err, CS_ERR_TIMEOUT,
                        "no acknowledgement from Kafka at %.200s within %d ms "
                        "(%s)",
                        cfg->kafka_brokers, timeout_ms, topic);
    else if (ack.err != RD_KAFKA_RESP_ERR_NO_ERROR)
        rc = cs_err_set(err, CS_ERR_UNAVAILABLE,
                        "Kafka at %.200s refused the request on %s: %s",
                        cfg->kafka_brokers, topic, rd_kafka_err2str(ack.err));
cleanup:
    /* an unacknowledged request is purged: it was not submitted */
    cs_producer_destroy(p);
    free(buf);
    return rc;
}

cs_rc cs_dispatcher_new_scan_id(int64_t now_ms, char *out, size_t outlen,
                                struct cs_err *err)
{
    time_t secs = (time_t)(now_ms / 1000);
    unsigned char rnd[4];
    char stamp[32];
    struct tm tm;

    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        return cs_err_set(err, CS_ERR_IO, "no randomness for a scan id");
    gmtime_r(&secs, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    if ((size_t)snprintf(out, outlen, "scan-%s-%02x%02x%02x%02x", stamp, rnd[0],
                         rnd[1], rnd[2], rnd[3]) >= outlen)
        return cs_err_set(err, CS_ERR_LIMIT, "scan id does not fit %zu bytes",
                          outlen);
    return CS_OK;
}
