/* topics.h: the names of cellscan's Kafka topics and consumer groups.
 *
 * Every name is CELLSCAN_TOPIC_PREFIX followed by a fixed suffix, so
 * several fleets can share one cluster: with the default prefix
 * "cellscan." the topics are cellscan.scan-requests ... and the groups
 * cellscan.dispatcher, cellscan.workers, cellscan.aggregator.
 */
#ifndef CS_BUS_TOPICS_H
#define CS_BUS_TOPICS_H

#include <stddef.h>

#include "util/err.h"

enum cs_topic {
    CS_TOPIC_SCAN_REQUESTS = 0,
    CS_TOPIC_CELL_JOBS,
    CS_TOPIC_CELL_RESULTS,
    CS_TOPIC_SCAN_RESULTS,
    CS_TOPIC_DEAD_LETTERS,
    CS_TOPIC_COUNT
};

enum cs_group {
    CS_GROUP_DISPATCHER = 0,
    CS_GROUP_WORKERS,
    CS_GROUP_AGGREGATOR,
    CS_GROUP_COUNT
};

/* Longest topic or group name the helpers below produce (prefix
 * included), NUL excluded; Kafka allows 249. */
#define CS_TOPIC_NAME_MAX 249

/* The fixed suffix of topic t, e.g. "cell-jobs"; NULL when t is out of
 * range. Static string. Cannot fail. */
const char *cs_topic_suffix(enum cs_topic t);

/* Writes prefix + suffix of topic t into out. Errors: CS_ERR_INVALID for
 * an unknown t, CS_ERR_LIMIT when the name does not fit in outlen or
 * exceeds CS_TOPIC_NAME_MAX. */
cs_rc cs_topic_name(const char *prefix, enum cs_topic t, char *out,
                    size_t outlen, struct cs_err *err);

/* Recognises a topic given as its suffix ("cell-jobs") or its full name
 * (prefix + suffix). Errors: CS_ERR_INVALID naming the text and the
 * accepted words. */
cs_rc cs_topic_parse(const char *prefix, const char *text, enum cs_topic *out,
                     struct cs_err *err);

/* The fixed suffix of consumer group g ("dispatcher", "workers",
 * "aggregator"); NULL when out of range. Static string. Cannot fail. */
const char *cs_group_suffix(enum cs_group g);

/* Writes prefix + suffix of group g into out. Errors as cs_topic_name. */
cs_rc cs_group_name(const char *prefix, enum cs_group g, char *out,
                    size_t outlen, struct cs_err *err);

/* A topic to create: name, partition count, replication factor (-1 =
 * the broker's default). */
struct cs_topic_spec {
    char name[CS_TOPIC_NAME_MAX + 1];
    int partitions;
    int replication;
};

/* Fills out with the CS_TOPIC_COUNT fleet topics under prefix, each with
 * partitions partitions and the given replication. Errors: CS_ERR_INVALID
 * for partitions < 1, CS_ERR_LIMIT as cs_topic_name. */
cs_rc cs_topic_specs_fleet(const char *prefix, int partitions, int replication,
                           struct cs_topic_spec out[CS_TOPIC_COUNT],
                           struct cs_err *err);

#endif
