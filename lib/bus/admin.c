#include "bus/admin.h"

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "bus/kconf.h"
#include "bus/msk_iam.h"

#define KAFKA_ERRSTR_MAX 512

/* Result of the CreateTopics request: the first refusal, if any. */
static cs_rc check_result(rd_kafka_event_t *ev, struct cs_err *err)
{
    const rd_kafka_CreateTopics_result_t *res;
    const rd_kafka_topic_result_t **topics;
    size_t n = 0;

    if (ev == NULL)
        return cs_err_set(err, CS_ERR_TIMEOUT, "CreateTopics: no answer");
    if (rd_kafka_event_error(ev))
        return cs_err_set(err, rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR__TIMED_OUT
                                   ? CS_ERR_TIMEOUT
                                   : CS_ERR_UNAVAILABLE,
                          "CreateTopics: %s", rd_kafka_event_error_string(ev));
    res = rd_kafka_event_CreateTopics_result(ev);
    if (res == NULL)
        return cs_err_set(err, CS_ERR_UNAVAILABLE,
                          "CreateTopics: unexpected event %s",
                          rd_kafka_event_name(ev));
    topics = rd_kafka_CreateTopics_result_topics(res, &n);
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(topics[i]);
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            return cs_err_set(err, CS_ERR_UNAVAILABLE,
                              "cannot create topic %s: %s",
                              rd_kafka_topic_result_name(topics[i]),
                              rd_kafka_topic_result_error_string(topics[i])
                                  ? rd_kafka_topic_result_error_string(topics[i])
                                  : rd_kafka_err2str(e));
    }
    return CS_OK;
}

static cs_rc new_topics(const struct cs_topic_spec *specs, size_t n,
                        rd_kafka_NewTopic_t **out, struct cs_err *err)
{
    char errstr[KAFKA_ERRSTR_MAX];

    for (size_t i = 0; i < n; i++) {
        if (specs[i].partitions < 1 || specs[i].replication == 0 ||
            specs[i].replication < -1)
            return cs_err_set(err, CS_ERR_INVALID,
                              "topic %s: needs >= 1 partition and replication "
                              ">= 1 (or -1), not %d and %d", specs[i].name,
                              specs[i].partitions, specs[i].replication);
        out[i] = rd_kafka_NewTopic_new(specs[i].name, specs[i].partitions,
                                       specs[i].replication, errstr,
                                       sizeof(errstr));
        if (out[i] == NULL)
            return cs_err_set(err, CS_ERR_INVALID, "topic %s: %s",
                              specs[i].name, errstr);
    }
    return CS_OK;
}

cs_rc cs_admin_create_topics(const struct cs_config *cfg, char *const *envp,
                             const struct cs_topic_spec *specs, size_t n,
                             int timeout_ms, struct cs_err *err)
{
    char errstr[KAFKA_ERRSTR_MAX];
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_t *rk = NULL;
    rd_kafka_NewTopic_t **topics = NULL;
    rd_kafka_AdminOptions_t *opts = NULL;
    rd_kafka_queue_t *q = NULL;
    rd_kafka_event_t *ev = NULL;
    cs_rc rc;

    if (n == 0)
        return CS_OK;
    rc = cs_kconf_new(cfg, envp, NULL, 0, &conf, err);
    if (rc != CS_OK)
        goto cleanup;
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        rc = cs_err_set(err, CS_ERR_UNAVAILABLE,
                        "cannot create Kafka admin client: %s", errstr);
        goto cleanup;
    }
    conf = NULL;
    rc = cs_msk_iam_started(rk, err);
    if (rc != CS_OK)
        goto cleanup;
    topics = calloc(n, sizeof(*topics));
    if (topics == NULL) {
        rc = cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    rc = new_topics(specs, n, topics, err);
    if (rc != CS_OK)
        goto cleanup;
    opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, errstr,
                                              sizeof(errstr));
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, errstr,
                                                sizeof(errstr));
    q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, topics, n, opts, q);
    /* the request times out by itself; the margin covers local queueing */
    ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
    rc = check_result(ev, err);
cleanup:
    if (ev)
        rd_kafka_event_destroy(ev);
    if (q)
        rd_kafka_queue_destroy(q);
    if (opts)
        rd_kafka_AdminOptions_destroy(opts);
    for (size_t i = 0; topics && i < n; i++)
        if (topics[i]) /* a bad spec stops the array half-built */
            rd_kafka_NewTopic_destroy(topics[i]);
    free(topics);
    if (rk)
        rd_kafka_destroy(rk);
    if (conf)
        rd_kafka_conf_destroy(conf);
    return rc;
}

cs_rc cs_admin_partition_count(rd_kafka_t *rk, const char *topic,
                               int timeout_ms, int *partitions,
                               struct cs_err *err)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e;
    cs_rc rc = CS_OK;

    if (rkt == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "topic %s: %s", topic,
                          rd_kafka_err2str(rd_kafka_last_error()));
    e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    if (e)
        rc = cs_err_set(err, e == RD_KAFKA_RESP_ERR__TIMED_OUT ? CS_ERR_TIMEOUT
                                                               : CS_ERR_UNAVAILABLE,
                        "metadata of %s: %s", topic, rd_kafka_err2str(e));
    else if (md->topic_cnt != 1 || md->topics[0].err)
        rc = cs_err_set(err, CS_ERR_NOTFOUND, "topic %s: %s", topic,
                        md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err)
                                           : "not in metadata");
    else
        *partitions = md->topics[0].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return rc;
}
