#include "bus/mock.h"

#include <stdlib.h>

#define KAFKA_ERRSTR_MAX 512
#define DEFAULT_REPLICATION 3

struct cs_mock_kafka_s {
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mc;
    int brokers;
};

/* The handle only hosts the cluster; it never connects anywhere, so its
 * "no bootstrap.servers" notices are noise. */
static void quiet_log(const rd_kafka_t *rk, int level, const char *fac,
                      const char *buf)
{
    (void)rk;
    (void)level;
    (void)fac;
    (void)buf;
}

cs_rc cs_mock_kafka_create_topics(cs_mock_kafka_t *m,
                                  const struct cs_topic_spec *topics, size_t n,
                                  struct cs_err *err)
{
    int brokers = m->brokers;

    for (size_t i = 0; i < n; i++) {
        int repl = topics[i].replication;
        rd_kafka_resp_err_t e;

        if (repl < 1)
            repl = DEFAULT_REPLICATION;
        if (repl > brokers)
            repl = brokers;
        if (topics[i].partitions < 1)
            return cs_err_set(err, CS_ERR_INVALID,
                              "topic %s: needs at least 1 partition",
                              topics[i].name);
        e = rd_kafka_mock_topic_create(m->mc, topics[i].name,
                                       topics[i].partitions, repl);
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            return cs_err_set(err, CS_ERR_UNAVAILABLE,
                              "mock cluster: cannot create topic %s: %s",
                              topics[i].name, rd_kafka_err2str(e));
    }
    return CS_OK;
}

cs_mock_kafka_t *cs_mock_kafka_new(int brokers,
                                   const struct cs_topic_spec *topics,
                                   size_t n, struct cs_err *err)
{
    char errstr[KAFKA_ERRSTR_MAX];
    rd_kafka_conf_t *conf;
    cs_mock_kafka_t *m;

    if (brokers < 1 || brokers > CS_MOCK_MAX_BROKERS) {
        cs_err_set(err, CS_ERR_INVALID, "mock cluster: brokers must be 1..%d, not %d",
                   CS_MOCK_MAX_BROKERS, brokers);
        return NULL;
    }
    m = calloc(1, sizeof(*m));
    conf = rd_kafka_conf_new();
    if (m == NULL || conf == NULL) {
        free(m);
        if (conf)
            rd_kafka_conf_destroy(conf);
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (m->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        cs_err_set(err, CS_ERR_UNAVAILABLE, "mock cluster: %s", errstr);
        goto fail;
    }
    m->mc = rd_kafka_mock_cluster_new(m->rk, brokers);
    if (m->mc == NULL) {
        cs_err_set(err, CS_ERR_UNAVAILABLE,
                   "mock cluster: cannot start %d broker(s)", brokers);
        goto fail;
    }
    m->brokers = brokers;
    if (cs_mock_kafka_create_topics(m, topics, n, err) != CS_OK)
        goto fail;
    return m;
fail:
    cs_mock_kafka_destroy(m);
    return NULL;
}

const char *cs_mock_kafka_bootstrap(const cs_mock_kafka_t *m)
{
    return rd_kafka_mock_cluster_bootstraps(m->mc);
}

rd_kafka_mock_cluster_t *cs_mock_kafka_cluster(cs_mock_kafka_t *m)
{
    return m->mc;
}

void cs_mock_kafka_destroy(cs_mock_kafka_t *m)
{
    if (m == NULL)
        return;
    if (m->mc)
        rd_kafka_mock_cluster_destroy(m->mc);
    if (m->rk)
        rd_kafka_destroy(m->rk);
    free(m);
}
