/* core.h: the aggregator's state, shared by aggregator.c (Kafka loop,
 * rebalances, commits, shutdown) and scans.c (what each message does to
 * the open scans, closing, publishing, storing, dead letters). Internal
 * to cs_aggregator.
 */
#ifndef CS_AGGREGATOR_CORE_H
#define CS_AGGREGATOR_CORE_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregator/aggregator.h"
#include "aggregator/closed.h"
#include "aggregator/offsets.h"
#include "aggregator/strmap.h"
#include "bus/consumer.h"
#include "bus/producer.h"
#include "bus/topics.h"
#include "compliance/scan.h"

/* How a scan moves from its manifest to DONE (freed). */
enum agg_state {
    AGG_OPEN = 0, /* collecting results */
    AGG_CHECK,    /* rebuilt from a replay: is its report in Redis? */
    AGG_SEND,     /* report built, to be (re)sent */
    AGG_SENT,     /* waiting for the broker's acknowledgement */
    AGG_STORE     /* acknowledged; to be written to Redis */
};

struct agg_scan {
    char *scan_id, *client_id;
    int32_t partition;
    int64_t offset;          /* of its manifest: the scan's pin */
    int64_t requested_at_ms;
    int64_t deadline_at_ms;
    int replayed;            /* the manifest predates our assignment */
    int checked;             /* Redis said: not reported yet */
    enum agg_state state;
    cs_scan_t *fold;         /* while AGG_OPEN */
    Cellscan__V1__ScanReport *report; /* from the close on */
    uint8_t *packed;         /* the report, as published */
    size_t packed_len;
    uint64_t seq;            /* token of the send in flight */
    int64_t retry_at_ms;     /* monotonic: no new attempt before */
    int attempts;
};

/* A refused message on its way to dead-letters; its offset stays pinned
 * until the dead letter is acknowledged. */
struct agg_dead_letter {
    uint64_t seq;            /* 0 = not in flight */
    int32_t partition;
    int64_t offset;
    void *key, *value;
    size_t keylen, len;
    char *reason;
    const char *code;        /* static reason code for the metric */
    int64_t retry_at_ms;
};

struct agg_ack {
    uint64_t seq;
    rd_kafka_resp_err_t err;
};

/* A partition of cell-results this process owns. */
struct agg_part {
    int32_t id;
    /* offsets below this were in the partition when we got it (its high
     * watermark then), so a previous owner may have reported their scans;
     * -1 = not known yet */
    int64_t replay_end;
    int64_t min_deadline;    /* no open scan of it is due before; cache */
};

struct cs_aggregator_s {
    const struct cs_config *cfg;
    struct cs_aggregator_deps deps;
    char topic_in[CS_TOPIC_NAME_MAX + 1];
    char topic_out[CS_TOPIC_NAME_MAX + 1];
    char topic_dlq[CS_TOPIC_NAME_MAX + 1];
    char group[CS_TOPIC_NAME_MAX + 1];
    cs_producer_t *producer;
    cs_consumer_t *consumer;

    cs_strmap_t *scans;          /* scan_id -> struct agg_scan *, not DONE */
    struct agg_scan **closing;   /* the scans past AGG_OPEN */
    size_t nclosing, closing_cap;
    cs_agg_closed_t *closed;
    cs_agg_offsets_t *offsets;
    struct agg_part *parts;
    size_t nparts, parts_cap;
    struct agg_dead_letter **dlq;
    size_t ndlq, dlq_cap;

    /* delivery reports, queued by the producer callback (which must not
     * change any of the above while a caller iterates) */
    struct agg_ack *acks;
    size_t nacks, acks_cap;
    size_t inflight;             /* sends without their report yet */
    uint64_t next_seq;

    /* Redis back-off after a failure (monotonic ms) */
    int64_t store_retry_at;
    int store_failures;

    int64_t next_deadline_check, next_commit, next_lag;
    int fatal;                   /* a bug or out of memory: stop */

    /* read by other threads (__atomic) */
    int health;                  /* enum agg_health */
    int64_t last_turn_ms;
    struct cs_aggregator_stats stats;
};

enum agg_health { AGG_STARTING = 0, AGG_RUNNING, AGG_STOPPING, AGG_FAILED };

#define AGG_STAT_ADD(a, field, n) \
    __atomic_add_fetch(&(a)->stats.field, (n), __ATOMIC_RELAXED)

/* ---- scans.c ---- */

/* Handles one consumed message (decode, validate, fold, close): any
 * error that is the message's fault is dead-lettered. Errors:
 * CS_ERR_NOMEM or CS_ERR_INTERNAL (the core must stop). */
cs_rc agg_handle_message(cs_aggregator_t *a, const rd_kafka_message_t *m,
                         struct cs_err *err);

/* Closes the open scans that are due: of partition (all when < 0) whose
 * deadline is before bound_ms (wall clock or a message's timestamp).
 * With caught_up_only, only partitions whose every fetched message was
 * handled are considered. Errors as agg_handle_message. */
cs_rc agg_close_due(cs_aggregator_t *a, int32_t partition, int64_t bound_ms,
                    int caught_up_only, struct cs_err *err);

/* Handles queued delivery reports and moves closing scans and dead
 * letters along (Redis lookups, sends, stores, retries). Errors as
 * agg_handle_message. */
cs_rc agg_drive(cs_aggregator_t *a, struct cs_err *err);

/* Reports pending work: closing scans plus dead letters not acknowledged.
 * Cannot fail. */
size_t agg_pending(const cs_aggregator_t *a);

/* Forgets every scan and dead letter of partition (revoked or lost).
 * Cannot fail. */
void agg_drop_partition(cs_aggregator_t *a, int32_t partition);

/* Producer delivery report hook (struct cs_producer_opts.on_ack). */
void agg_on_ack(void *ud, void *msg_opaque, rd_kafka_resp_err_t err,
                int32_t partition, int64_t offset);

/* The owned partition, or NULL. Cannot fail. */
struct agg_part *agg_part(cs_aggregator_t *a, int32_t partition);

/* Frees everything scans.c holds. Cannot fail. */
void agg_scans_free(cs_aggregator_t *a);

/* Sets the open-scans gauge. Cannot fail. */
void agg_gauge_open(cs_aggregator_t *a);

#endif
