/* deadletter.h: sending a message that cannot be processed to the
 * dead-letters topic, so the consumer can carry on.
 *
 * The dead letter keeps the original key and bytes unchanged and says
 * where it came from and why in headers:
 *   cellscan-reason     why it was refused (one line, secrets redacted)
 *   cellscan-topic      the topic it was read from
 *   cellscan-partition  its partition, decimal
 *   cellscan-offset     its offset, decimal
 */
#ifndef CS_BUS_DEADLETTER_H
#define CS_BUS_DEADLETTER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "bus/producer.h"
#include "util/err.h"

#define CS_DLQ_HDR_REASON "cellscan-reason"
#define CS_DLQ_HDR_TOPIC "cellscan-topic"
#define CS_DLQ_HDR_PARTITION "cellscan-partition"
#define CS_DLQ_HDR_OFFSET "cellscan-offset"

/* Longest reason kept; longer ones are cut. */
#define CS_DLQ_REASON_MAX 512

/* The refused message. All pointers are borrowed for the call. */
struct cs_deadletter {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const void *key; /* may be NULL */
    size_t keylen;
    const void *value; /* may be NULL */
    size_t len;
    const char *reason;
};

/* Describes consumed message m with reason. Borrowed: out points into m
 * and reason, valid while they are. Cannot fail. */
void cs_deadletter_from_message(const rd_kafka_message_t *m,
                                const char *reason, struct cs_deadletter *out);

/* Builds the headers above for d. Errors: CS_ERR_NOMEM. On success caller
 * frees *out with rd_kafka_headers_destroy (or hands it to
 * cs_producer_send, which takes ownership). */
cs_rc cs_deadletter_headers(const struct cs_deadletter *d,
                            rd_kafka_headers_t **out, struct cs_err *err);

/* Produces d to dlq_topic through p; like every send, it counts as done
 * only when p's on_ack reports msg_opaque acknowledged. Errors as
 * cs_producer_send, and CS_ERR_NOMEM. */
cs_rc cs_deadletter_send(cs_producer_t *p, const char *dlq_topic,
                         const struct cs_deadletter *d, void *msg_opaque,
                         struct cs_err *err);

#endif
