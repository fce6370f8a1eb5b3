/* core.h: the dispatcher core's internals, shared by dispatcher.c (the
 * run thread: Kafka) and tasks.c (the helper thread: Redis, AWS). Not a
 * public header. */
#ifndef CS_DISPATCHER_CORE_H
#define CS_DISPATCHER_CORE_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdint.h>

#include "bus/consumer.h"
#include "bus/deadletter.h"
#include "bus/producer.h"
#include "bus/topics.h"
#include "dispatcher/dispatcher.h"
#include "dispatcher/helper.h"
#include "dispatcher/plan.h"
#include "dispatcher/seen.h"
#include "util/log.h"

#define DISP_COMPONENT "dispatcher"

/* Where a request is. */
enum disp_stage {
    ST_PREPARE,  /* helper: seen?, plan, accounts, messages or a report */
    ST_SEND,     /* run thread: publish phase by phase, wait for acks */
    ST_FINISH,   /* helper: Redis seen mark */
    ST_COMMIT,   /* run thread: remember, commit the offset */
    ST_DONE
};

/* What a request came to. */
enum disp_outcome {
    OUT_NONE = 0,
    OUT_SKIP,     /* its scan id was dispatched before */
    OUT_SCAN,     /* manifest and jobs */
    OUT_REJECTED, /* rejected report (invalid, or over the plan) */
    OUT_FAILED,   /* failed report (discovery failed, cannot publish) */
    OUT_DEAD      /* undecodable: dead letter only */
};

/* The one request in progress. Fields below "helper" are written by the
 * helper thread while a task runs, read by the run thread after. */
struct disp_request {
    rd_kafka_message_t *m; /* owned */
    char topic[CS_TOPIC_NAME_MAX + 1];
    Cellscan__V1__ScanRequest *sr; /* NULL when undecodable */
    unsigned gen;                  /* tells its acks from older ones */
    enum disp_stage stage;
    int valid;        /* decoded and validated */
    int ids_valid;    /* client_id and scan_id usable as keys */
    char reason[CS_DLQ_REASON_MAX]; /* why refused (decode, invalid) */
    const char *dl_code;            /* dead letter reason code, or NULL */
    int dl_state;                   /* CS_DISP_PENDING / _IN_FLIGHT / _ACKED */
    int phase;                      /* phase being published */
    int64_t retry_at_ms;            /* no send or task before this */
    int revoked;                    /* its partition was taken away */
    char fail_reason[CS_DLQ_REASON_MAX]; /* a permanent publish failure */
    /* helper */
    enum disp_outcome outcome;
    struct cs_disp_out out;
    int mark_seen;       /* mark the scan id seen once published */
    cs_rc task_rc;       /* CS_OK, or a transient failure to retry */
    char task_err[CS_ERR_MSG_MAX + 64];
};

/* A message consumed while a request was in progress. */
struct disp_held {
    rd_kafka_message_t *m;
    struct disp_held *next;
};

struct cs_dispatcher_s {
    /* configuration, copied */
    char prefix[CS_TOPIC_NAME_MAX + 1];
    char topics[CS_TOPIC_COUNT][CS_TOPIC_NAME_MAX + 1];
    char group[CS_TOPIC_NAME_MAX + 1];
    char *brokers, *org_role_arn, *role_arn_template, *role_name;
    char *external_id, *aws_region;
    struct cs_disp_settings settings;
    int startup_timeout_s, drain_timeout_s, max_poll_interval_s;
    struct cs_dispatcher_deps deps;

    cs_producer_t *producer;
    cs_consumer_t *consumer;
    cs_disp_seen_t *seen;
    cs_disp_helper_t *helper;
    cs_aws_client_t *aws_client; /* helper thread only, made at first use */

    struct disp_request *req; /* in progress, or NULL */
    struct disp_held *held, *held_tail;
    int nheld;
    unsigned gen;
    int64_t next_lag_ms;
    int closed; /* consumer and producer closed by run */
    char error[512];

    /* read by other threads */
    int kafka_ok, fatal;          /* atomics */
    int64_t last_turn_ms;         /* atomic */
    int64_t redis_failing_since;  /* atomic; 0 = fine */
    pthread_mutex_t health_mu;
    char health_note[160];        /* the last Redis failure */
    struct cs_dispatcher_stats stats; /* each field atomic */
};

#define DISP_STAT_ADD(d, field, n) \
    __atomic_add_fetch(&(d)->stats.field, (uint64_t)(n), __ATOMIC_RELAXED)

/* Logs with the request's ids in the context (r may be NULL). */
void cs_disp_log(const struct disp_request *r, enum cs_log_level lvl,
                 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Helper-thread tasks (ud is the core): prepare the request in d->req
 * (outcome and messages), mark it seen, turn it into a failed report
 * after a permanent publish failure. Each sets req->task_rc. */
void cs_disp_task_prepare(void *ud);
void cs_disp_task_finish(void *ud);
void cs_disp_task_fail(void *ud);

/* Records that Redis failed (note says how) or works again (note NULL),
 * for /healthz. Thread-safe. */
void cs_disp_redis_health(cs_dispatcher_t *d, const char *note);

#endif
