/* producer.h: the idempotent Kafka producer every cellscan program uses.
 *
 * enable.idempotence=true and acks=all are always on (a passthrough
 * property that turns them off is refused): a message counts as sent only
 * when its delivery report says so, and the on_ack hook is how a caller
 * learns it, per message, with the opaque pointer it gave to
 * cs_producer_send. Delivery reports are served by cs_producer_poll (call
 * it every loop turn), cs_producer_flush and cs_producer_close, in the
 * calling thread.
 *
 * Several threads may send through one producer; poll, flush and close
 * belong to one owner thread. A send that finds the queue full polls, so
 * on_ack may then run in the sending thread: with several senders the hook
 * must be thread-safe.
 */
#ifndef CS_BUS_PRODUCER_H
#define CS_BUS_PRODUCER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "util/config.h"
#include "util/err.h"

typedef struct cs_producer_s cs_producer_t;

/* Called exactly once per message handed to cs_producer_send: err is
 * RD_KAFKA_RESP_ERR_NO_ERROR when every in-sync replica acknowledged it at
 * partition/offset, otherwise the final failure (offset is then -1).
 * Messages still queued when the producer is destroyed are reported with
 * RD_KAFKA_RESP_ERR__PURGE_QUEUE or __PURGE_INFLIGHT. */
typedef void (*cs_producer_ack_fn)(void *ud, void *msg_opaque,
                                   rd_kafka_resp_err_t err, int32_t partition,
                                   int64_t offset);

#define CS_PRODUCER_QUEUE_FULL_WAIT_MS 30000

struct cs_producer_opts {
    cs_producer_ack_fn on_ack; /* may be NULL */
    void *ud;                  /* passed to on_ack */
    /* how long cs_producer_send keeps polling while the local queue is
     * full before giving up; 0 = CS_PRODUCER_QUEUE_FULL_WAIT_MS */
    int queue_full_wait_ms;
};

/* Creates a producer from cfg and the passthrough properties (see
 * kconf.h; envp NULL = the process environment); o may be NULL. Returns
 * NULL with err set: CS_ERR_INVALID for a bad property or one that would
 * turn idempotence or acks=all off, CS_ERR_UNAVAILABLE when librdkafka
 * refuses to start. Caller frees with cs_producer_close or
 * cs_producer_destroy. */
cs_producer_t *cs_producer_new(const struct cs_config *cfg, char *const *envp,
                               const struct cs_producer_opts *o,
                               struct cs_err *err);

/* Queues one message for topic (key may be NULL; key and value are
 * copied). Takes ownership of headers (may be NULL), also on failure.
 * When the local queue is full it polls (serving delivery reports) and
 * retries for up to queue_full_wait_ms. Errors: CS_ERR_TIMEOUT when the
 * queue stayed full, CS_ERR_UNAVAILABLE for a fatal producer error,
 * CS_ERR_INVALID for anything else librdkafka refuses (message too large,
 * unknown topic), each naming the topic. On error on_ack is not called for
 * this message. */
cs_rc cs_producer_send(cs_producer_t *p, const char *topic, const void *key,
                       size_t keylen, const void *value, size_t len,
                       rd_kafka_headers_t *headers, void *msg_opaque,
                       struct cs_err *err);

/* Serves delivery reports and errors for up to timeout_ms (0 = do not
 * wait). Returns the number of events served. Cannot fail. */
int cs_producer_poll(cs_producer_t *p, int timeout_ms);

/* Messages queued or in flight, not yet reported. Cannot fail. */
int cs_producer_outq_len(cs_producer_t *p);

/* Waits up to timeout_ms for every queued message to be reported.
 * Errors: CS_ERR_TIMEOUT "N message(s) not acknowledged after T ms". */
cs_rc cs_producer_flush(cs_producer_t *p, int timeout_ms, struct cs_err *err);

/* Flushes for up to timeout_ms, then destroys the producer; messages
 * still unreported are purged (their on_ack reports the purge). Stores
 * how many were left in *left (may be NULL). Errors: CS_ERR_TIMEOUT as
 * cs_producer_flush; p is destroyed either way. NULL is a no-op. */
cs_rc cs_producer_close(cs_producer_t *p, int timeout_ms, int *left,
                        struct cs_err *err);

/* Destroys without waiting: unreported messages are purged and reported
 * as such. NULL is a no-op. */
void cs_producer_destroy(cs_producer_t *p);

/* The librdkafka handle, for metadata queries. Borrowed: valid until the
 * producer is closed or destroyed. Cannot fail. */
rd_kafka_t *cs_producer_handle(cs_producer_t *p);

#endif
