/* admin.h: creating cellscan's topics through the Kafka Admin API (the
 * embedded mode, demos and tests; production clusters usually create
 * topics by their own tooling).
 */
#ifndef CS_BUS_ADMIN_H
#define CS_BUS_ADMIN_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "bus/topics.h"
#include "util/config.h"
#include "util/err.h"

/* Creates the n topics of specs on the cluster of cfg (passthrough
 * properties apply; envp NULL = the process environment), waiting up to
 * timeout_ms. A topic that already exists is fine, whatever its partition
 * count. Errors: CS_ERR_INVALID for a bad property or spec,
 * CS_ERR_TIMEOUT, CS_ERR_UNAVAILABLE naming the first topic the cluster
 * refused and why. */
cs_rc cs_admin_create_topics(const struct cs_config *cfg, char *const *envp,
                             const struct cs_topic_spec *specs, size_t n,
                             int timeout_ms, struct cs_err *err);

/* Partition count of topic as the cluster reports it, into *partitions.
 * Errors: CS_ERR_NOTFOUND for an unknown topic, CS_ERR_UNAVAILABLE,
 * CS_ERR_TIMEOUT. rk is any client handle (borrowed). */
cs_rc cs_admin_partition_count(rd_kafka_t *rk, const char *topic,
                               int timeout_ms, int *partitions,
                               struct cs_err *err);

#endif
