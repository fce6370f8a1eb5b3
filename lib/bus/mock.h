/* mock.h: an embedded Kafka cluster (librdkafka's mock cluster) for the
 * one-command embedded run, `cellscan mock-kafka` and tests.
 *
 * The cluster lives on a dedicated librdkafka handle inside this process
 * and listens on 127.0.0.1; any client, in this process or another,
 * connects to it through the bootstrap string like to a real broker. It
 * keeps everything in memory and disappears with its handle.
 */
#ifndef CS_BUS_MOCK_H
#define CS_BUS_MOCK_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stddef.h>

#include "bus/topics.h"
#include "util/err.h"

typedef struct cs_mock_kafka_s cs_mock_kafka_t;

#define CS_MOCK_MAX_BROKERS 16

/* Starts a cluster of brokers brokers (1..CS_MOCK_MAX_BROKERS) and creates
 * the n topics of topics (replication capped at the broker count; -1 =
 * min(brokers, 3)). Returns NULL with err set: CS_ERR_INVALID for a bad
 * count or spec, CS_ERR_UNAVAILABLE when the cluster cannot start. Caller
 * frees with cs_mock_kafka_destroy. */
cs_mock_kafka_t *cs_mock_kafka_new(int brokers,
                                   const struct cs_topic_spec *topics,
                                   size_t n, struct cs_err *err);

/* Creates n more topics (same rules as cs_mock_kafka_new; an existing
 * name keeps its partitions). The mock cluster has no Admin API
 * (CreateTopics); this is how topics appear on it. Errors: CS_ERR_INVALID,
 * CS_ERR_UNAVAILABLE. */
cs_rc cs_mock_kafka_create_topics(cs_mock_kafka_t *m,
                                  const struct cs_topic_spec *topics, size_t n,
                                  struct cs_err *err);

/* "127.0.0.1:PORT,..." of the brokers. Borrowed: valid until
 * cs_mock_kafka_destroy. Cannot fail. */
const char *cs_mock_kafka_bootstrap(const cs_mock_kafka_t *m);

/* The librdkafka mock cluster, for fault injection in tests
 * (rd_kafka_mock_broker_set_down, ...). Borrowed: valid until
 * cs_mock_kafka_destroy. Cannot fail. */
rd_kafka_mock_cluster_t *cs_mock_kafka_cluster(cs_mock_kafka_t *m);

/* Stops the cluster; clients still connected see the brokers go away.
 * NULL is a no-op. */
void cs_mock_kafka_destroy(cs_mock_kafka_t *m);

#endif
