/* The producer, consumer, dead-letter, admin and lag helpers against an
 * in-process librdkafka mock cluster: acknowledgements per message,
 * QUEUE_FULL handling, bounded flush on close, manual commits that a new
 * group member resumes from, pause/resume, rebalance hooks across two
 * members, dead-letter headers, topic creation, lag, and a close that
 * stays bounded when the cluster is gone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/admin.h"
#include "bus/consumer.h"
#include "bus/deadletter.h"
#include "bus/mock.h"
#include "bus/producer.h"
#include "util/clock.h"

static char *no_env[] = {NULL};

struct acks {
    int n;
    int ok;
    int failed;
    void *opaque[256];
    int64_t offset[256];
    rd_kafka_resp_err_t err[256];
};

static void on_ack(void *ud, void *msg_opaque, rd_kafka_resp_err_t err,
                   int32_t partition, int64_t offset)
{
    struct acks *a = ud;

    (void)partition;
    if (a->n < 256) {
        a->opaque[a->n] = msg_opaque;
        a->offset[a->n] = offset;
        a->err[a->n] = err;
    }
    a->n++;
    if (err)
        a->failed++;
    else
        a->ok++;
}

static void init_cfg(struct cs_config *cfg, const char *bootstrap)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->kafka_brokers = (char *)bootstrap;
    cfg->kafka_properties_file = (char *)"";
    cfg->max_poll_interval_s = 10;
}

static cs_mock_kafka_t *mock_with(const char *topic, int partitions)
{
    struct cs_topic_spec spec;
    struct cs_err err = CS_ERR_INIT;
    cs_mock_kafka_t *m;

    memset(&spec, 0, sizeof(spec));
    snprintf(spec.name, sizeof(spec.name), "%s", topic);
    spec.partitions = partitions;
    spec.replication = 1;
    m = cs_mock_kafka_new(1, &spec, 1, &err);
    if (m == NULL)
        fail_msg("mock: %s", err.msg);
    return m;
}

static void produce_n(cs_producer_t *p, const char *topic, int from, int n,
                      struct acks *a)
{
    struct cs_err err = CS_ERR_INIT;

    for (int i = from; i < from + n; i++) {
        char key[16], val[32];
        snprintf(key, sizeof(key), "k%d", i);
        snprintf(val, sizeof(val), "value-%d", i);
        if (cs_producer_send(p, topic, key, strlen(key), val, strlen(val), NULL,
                             (void *)(intptr_t)(i + 1), &err) != CS_OK)
            fail_msg("send: %s", err.msg);
    }
    assert_int_equal(cs_producer_flush(p, 10000, &err), CS_OK);
    assert_int_equal(a->ok, from + n);
}

/* Polls c until want messages arrived or timeout_ms passed; stores their
 * values' numbers in got. Returns the count. */
static int consume(cs_consumer_t *c, int want, int timeout_ms, int *got,
                   int32_t *parts, int64_t *offs)
{
    int64_t deadline = cs_mono_ms() + timeout_ms;
    int n = 0;

    while (n < want && cs_mono_ms() < deadline) {
        rd_kafka_message_t *m = NULL;
        struct cs_err err = CS_ERR_INIT;

        assert_int_equal(cs_consumer_poll(c, 100, &m, &err), CS_OK);
        if (m == NULL)
            continue;
        if (got)
            got[n] = atoi((const char *)m->payload + strlen("value-"));
        if (parts)
            parts[n] = m->partition;
        if (offs)
            offs[n] = m->offset;
        n++;
        rd_kafka_message_destroy(m);
    }
    return n;
}

static void acks_per_message(void **state)
{
    cs_mock_kafka_t *m = mock_with("acks", 1);
    struct cs_config cfg;
    struct acks a;
    struct cs_producer_opts o = {on_ack, &a, 0};
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p;
    int left = -1;
    (void)state;

    memset(&a, 0, sizeof(a));
    init_cfg(&cfg, cs_mock_kafka_bootstrap(m));
    p = cs_producer_new(&cfg, no_env, &o, &err);
    assert_non_null(p);
    produce_n(p, "acks", 0, 10, &a);
    assert_int_equal(a.n, 10);
    assert_int_equal(a.failed, 0);
    for (int i = 0; i < 10; i++) {
        /* one partition: acknowledged in order, offsets 0..9 */
        assert_ptr_equal(a.opaque[i], (void *)(intptr_t)(i + 1));
        assert_int_equal(a.offset[i], i);
    }
    assert_int_equal(cs_producer_outq_len(p), 0);
    assert_int_equal(cs_producer_close(p, 5000, &left, &err), CS_OK);
    assert_int_equal(left, 0);
    cs_mock_kafka_destroy(m);
}

static void queue_full_is_retried(void **state)
{
    cs_mock_kafka_t *m = mock_with("qf", 2);
    struct cs_config cfg;
    char *small_queue[] = {"CELLSCAN_KAFKA_QUEUE_BUFFERING_MAX_MESSAGES=3",
                           NULL};
    struct acks a;
    struct cs_producer_opts o = {on_ack, &a, 0};
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p;
    (void)state;

    memset(&a, 0, sizeof(a));
    init_cfg(&cfg, cs_mock_kafka_bootstrap(m));
    p = cs_producer_new(&cfg, small_queue, &o, &err);
    assert_non_null(p);
    /* 40 messages through a queue of 3: send polls until room appears */
    produce_n(p, "qf", 0, 40, &a);
    assert_int_equal(a.ok, 40);
    assert_int_equal(a.failed, 0);
    cs_producer_destroy(p);
    cs_mock_kafka_destroy(m);
}

static void close_reports_unacknowledged(void **state)
{
    struct cs_config cfg;
    char *small_queue[] = {"CELLSCAN_KAFKA_QUEUE_BUFFERING_MAX_MESSAGES=3",
                           NULL};
    struct acks a;
    struct cs_producer_opts o = {on_ack, &a, 300};
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p;
    int left = -1;
    int64_t t0;
    (void)state;

    memset(&a, 0, sizeof(a));
    /* nothing listens there: nothing is ever acknowledged */
    init_cfg(&cfg, "127.0.0.1:1");
    p = cs_producer_new(&cfg, small_queue, &o, &err);
    assert_non_null(p);
    for (int i = 0; i < 3; i++)
        assert_int_equal(cs_producer_send(p, "nowhere", NULL, 0, "x", 1, NULL,
                                          NULL, &err), CS_OK);
    assert_int_equal(cs_producer_send(p, "nowhere", NULL, 0, "x", 1, NULL, NULL,
                                      &err), CS_ERR_TIMEOUT);
    assert_non_null(strstr(err.msg, "queue for nowhere still full after 300 ms"));
    assert_int_equal(cs_producer_outq_len(p), 3);
    t0 = cs_mono_ms();
    assert_int_equal(cs_producer_close(p, 500, &left, &err), CS_ERR_TIMEOUT);
    assert_true(cs_mono_ms() - t0 < 5000);
    assert_int_equal(left, 3);
    assert_string_equal(err.msg, "3 Kafka message(s) not acknowledged after 500 ms");
    /* every message is reported exactly once: purged, not acknowledged */
    assert_int_equal(a.n, 3);
    assert_int_equal(a.failed, 3);
    assert_int_equal(a.err[0], RD_KAFKA_RESP_ERR__PURGE_QUEUE);
}

static void commits_resume_and_lag(void **state)
{
    cs_mock_kafka_t *m = mock_with("work", 1);
    struct cs_config cfg;
    struct acks a;
    struct cs_producer_opts po = {on_ack, &a, 0};
    const char *topics[] = {"work"};
    struct cs_consumer_opts co = {"g-commit", topics, 1, NULL, NULL, NULL};
    struct cs_err err = CS_ERR_INIT;
    struct cs_partition_lag *lag = NULL;
    size_t nlag = 0;
    cs_producer_t *p;
    cs_consumer_t *c;
    int got[10];
    (void)state;

    memset(&a, 0, sizeof(a));
    init_cfg(&cfg, cs_mock_kafka_bootstrap(m));
    p = cs_producer_new(&cfg, no_env, &po, &err);
    produce_n(p, "work", 0, 10, &a);

    c = cs_consumer_new(&cfg, no_env, &co, &err);
    assert_non_null(c);
    assert_int_equal(consume(c, 10, 30000, got, NULL, NULL), 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(got[i], i);
    /* messages 0..4 are done: the next to process is offset 5 */
    assert_int_equal(cs_consumer_commit(c, "work", 0, 5, 0, &err), CS_OK);
    assert_int_equal(cs_consumer_lag(c, 5000, &lag, &nlag, &err), CS_OK);
    assert_int_equal(nlag, 1);
    assert_string_equal(lag[0].topic, "work");
    assert_int_equal(lag[0].partition, 0);
    assert_int_equal(lag[0].committed, 5);
    assert_int_equal(lag[0].high, 10);
    assert_int_equal(lag[0].lag, 5);
    free(lag);
    assert_int_equal(cs_consumer_close(c, 10000, &err), CS_OK);

    /* a new member of the group starts at the commit, not at 0 or 10 */
    c = cs_consumer_new(&cfg, no_env, &co, &err);
    assert_non_null(c);
    assert_int_equal(consume(c, 5, 30000, got, NULL, NULL), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(got[i], 5 + i);
    assert_int_equal(consume(c, 1, 500, got, NULL, NULL), 0);
    assert_int_equal(cs_consumer_close(c, 10000, &err), CS_OK);
    cs_producer_destroy(p);
    cs_mock_kafka_destroy(m);
}

static void lag_arithmetic(void **state)
{
    (void)state;
    assert_int_equal(cs_lag_compute(5, 0, 10), 5);
    assert_int_equal(cs_lag_compute(-1, 3, 10), 7);  /* nothing committed */
    assert_int_equal(cs_lag_compute(-1, -1, 10), 10);
    assert_int_equal(cs_lag_compute(12, 0, 10), 0);  /* never negative */
    assert_int_equal(cs_lag_compute(10, 0, 10), 0);
}

static void pause_and_resume(void **state)
{
    cs_mock_kafka_t *m = mock_with("pz", 2);
    struct cs_config cfg;
    struct acks a;
    struct cs_producer_opts po = {on_ack, &a, 0};
    const char *topics[] = {"pz"};
    struct cs_consumer_opts co = {"g-pause", topics, 1, NULL, NULL, NULL};
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p;
    cs_consumer_t *c;
    (void)state;

    memset(&a, 0, sizeof(a));
    init_cfg(&cfg, cs_mock_kafka_bootstrap(m));
    p = cs_producer_new(&cfg, no_env, &po, &err);
    produce_n(p, "pz", 0, 4, &a);
    c = cs_consumer_new(&cfg, no_env, &co, &err);
    assert_non_null(c);
    assert_int_equal(consume(c, 4, 30000, NULL, NULL, NULL), 4);
    assert_int_equal(cs_consumer_pause(c, &err), CS_OK);
    assert_true(cs_consumer_paused(c));
    produce_n(p, "pz", 4, 4, &a);
    assert_int_equal(consume(c, 1, 1500, NULL, NULL, NULL), 0);
    assert_int_equal(cs_consumer_resume(c, &err), CS_OK);
    assert_false(cs_consumer_paused(c));
    assert_int_equal(consume(c, 4, 30000, NULL, NULL, NULL), 4);
    assert_int_equal(cs_consumer_close(c, 10000, &err), CS_OK);
    cs_producer_destroy(p);
    cs_mock_kafka_destroy(m);
}

struct member {
    int assigned[8]; /* partition -> currently owned */
    int assigns, revokes;
};

static void hook_assign(void *ud, const rd_kafka_topic_partition_list_t *parts,
                        int lost)
{
    struct member *mb = ud;

    assert_false(lost);
    mb->assigns++;
    for (int i = 0; i < parts->cnt; i++)
        mb->assigned[parts->elems[i].partition] = 1;
}

static void hook_revoke(void *ud, const rd_kafka_topic_partition_list_t *parts,
                        int lost)
{
    struct member *mb = ud;

    (void)lost;
    mb->revokes++;
    for (int i = 0; i < parts->cnt; i++)
        mb->assigned[parts->elems[i].partition] = 0;
}

static int owned(const struct member *mb)
{
    int n = 0;

    for (int i = 0; i < 8; i++)
        n += mb->assigned[i];
    return n;
}

/* Polls both members until each owns some partitions and together all
 * nparts, disjointly; or until timeout_ms. Returns 1 when reached. */
static int wait_split(int nparts, cs_consumer_t *c1, struct member *m1,
                      cs_consumer_t *c2, struct member *m2, int timeout_ms)
{
    int64_t deadline = cs_mono_ms() + timeout_ms;

    while (cs_mono_ms() < deadline) {
        int disjoint = 1;
        consume(c1, 1, 50, NULL, NULL, NULL);
        if (c2)
            consume(c2, 1, 50, NULL, NULL, NULL);
        for (int i = 0; i < nparts; i++)
            disjoint &= m1->assigned[i] + (m2 ? m2->assigned[i] : 0) == 1;
        if (disjoint && owned(m1) > 0 && (!m2 || owned(m2) > 0))
            return 1;
    }
    return 0;
}

static void rebalance_hooks(void **state)
{
    cs_mock_kafka_t *m = mock_with("rb", 4);
    struct cs_config cfg;
    const char *topics[] = {"rb"};
    struct member m1, m2;
    struct cs_consumer_opts o1 = {"g-rb", topics, 1, hook_assign, hook_revoke, &m1};
    struct cs_consumer_opts o2 = {"g-rb", topics, 1, hook_assign, hook_revoke, &m2};
    struct cs_err err = CS_ERR_INIT;
    cs_consumer_t *c1, *c2;
    (void)state;

    memset(&m1, 0, sizeof(m1));
    memset(&m2, 0, sizeof(m2));
    init_cfg(&cfg, cs_mock_kafka_bootstrap(m));
    c1 = cs_consumer_new(&cfg, no_env, &o1, &err);
    assert_non_null(c1);
    assert_true(wait_split(4, c1, &m1, NULL, NULL, 30000));
    assert_int_equal(owned(&m1), 4);
    c2 = cs_consumer_new(&cfg, no_env, &o2, &err);
    assert_non_null(c2);
    assert_true(wait_split(4, c1, &m1, c2, &m2, 30000));
    assert_int_equal(owned(&m1) + owned(&m2), 4);
    assert_true(m1.revokes >= 1);
    /* the leaving member's partitions are revoked through its hook and
     * move to the one that stays */
    assert_int_equal(cs_consumer_close(c2, 10000, &err), CS_OK);
    assert_int_equal(owned(&m2), 0);
    assert_true(wait_split(4, c1, &m1, NULL, NULL, 30000));
    assert_int_equal(owned(&m1), 4);
    assert_int_equal(cs_consumer_close(c1, 10000, &err), CS_OK);
    cs_mock_kafka_destroy(m);
}

static const char *header(const rd_kafka_message_t *msg, const char *name,
                          char *out, size_t outlen)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;

    if (rd_kafka_message_headers(msg, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(h, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return NULL;
    snprintf(out, outlen, "%.*s", (int)n, (const char *)v);
    return out;
}

static void dead_letter_keeps_key_bytes_and_origin(void **state)
{
    struct cs_topic_spec specs[2] = {{"jobs", 3, 1}, {"dlq", 1, 1}};
    struct cs_err err = CS_ERR_INIT;
    cs_mock_kafka_t *m = cs_mock_kafka_new(1, specs, 2, &err);
    struct cs_config cfg;
    struct acks a;
    struct cs_producer_opts po = {on_ack, &a, 0};
    const char *jobs[] = {"jobs"};
    const char *dlq[] = {"dlq"};
    struct cs_consumer_opts cj = {"g-jobs", jobs, 1, NULL, NULL, NULL};
    struct cs_consumer_opts cd = {"g-dlq", dlq, 1, NULL, NULL, NULL};
    const unsigned char poison[] = {0xff, 0x00, 0x13, 0x37};
    struct cs_deadletter d;
    rd_kafka_message_t *msg = NULL, *dead = NULL;
    cs_producer_t *p;
    cs_consumer_t *c;
    char v[128], want[32];
    int64_t deadline;
    int32_t part;
    int64_t off;
    (void)state;

    assert_non_null(m);
    memset(&a, 0, sizeof(a));
    init_cfg(&cfg, cs_mock_kafka_bootstrap(m));
    p = cs_producer_new(&cfg, no_env, &po, &err);
    assert_int_equal(cs_producer_send(p, "jobs", "111111111111", 12, poison,
                                      sizeof(poison), NULL, NULL, &err), CS_OK);
    assert_int_equal(cs_producer_flush(p, 10000, &err), CS_OK);

    c = cs_consumer_new(&cfg, no_env, &cj, &err);
    deadline = cs_mono_ms() + 30000;
    while (msg == NULL && cs_mono_ms() < deadline)
        assert_int_equal(cs_consumer_poll(c, 100, &msg, &err), CS_OK);
    assert_non_null(msg);
    part = msg->partition;
    off = msg->offset;
    cs_deadletter_from_message(msg, "decode: not a cellscan.v1.CellJob "
                                    "(SecretAccessKey=abc123 ignored)", &d);
    assert_int_equal(cs_deadletter_send(p, "dlq", &d, (void *)0x1, &err), CS_OK);
    assert_int_equal(cs_producer_flush(p, 10000, &err), CS_OK);
    assert_int_equal(a.ok, 2);
    assert_ptr_equal(a.opaque[1], (void *)0x1);
    rd_kafka_message_destroy(msg);
    assert_int_equal(cs_consumer_close(c, 10000, &err), CS_OK);

    c = cs_consumer_new(&cfg, no_env, &cd, &err);
    deadline = cs_mono_ms() + 30000;
    while (dead == NULL && cs_mono_ms() < deadline)
        assert_int_equal(cs_consumer_poll(c, 100, &dead, &err), CS_OK);
    assert_non_null(dead);
    assert_int_equal(dead->key_len, 12);
    assert_memory_equal(dead->key, "111111111111", 12);
    assert_int_equal(dead->len, sizeof(poison));
    assert_memory_equal(dead->payload, poison, sizeof(poison));
    assert_string_equal(header(dead, CS_DLQ_HDR_TOPIC, v, sizeof(v)), "jobs");
    snprintf(want, sizeof(want), "%d", (int)part);
    assert_string_equal(header(dead, CS_DLQ_HDR_PARTITION, v, sizeof(v)), want);
    snprintf(want, sizeof(want), "%lld", (long long)off);
    assert_string_equal(header(dead, CS_DLQ_HDR_OFFSET, v, sizeof(v)), want);
    assert_string_equal(header(dead, CS_DLQ_HDR_REASON, v, sizeof(v)),
                        "decode: not a cellscan.v1.CellJob "
                        "(SecretAccessKey=[REDACTED] ignored)");
    rd_kafka_message_destroy(dead);
    assert_int_equal(cs_consumer_close(c, 10000, &err), CS_OK);
    cs_producer_destroy(p);
    cs_mock_kafka_destroy(m);
}

/* The mock cluster has no CreateTopics API, so the admin path is checked
 * for its errors: a bad spec, and a cluster that cannot create topics,
 * each answered within the timeout with a message saying what failed. */
static void admin_errors(void **state)
{
    cs_mock_kafka_t *m = mock_with("existing", 2);
    struct cs_config cfg;
    struct cs_topic_spec specs[CS_TOPIC_COUNT];
    struct cs_err err = CS_ERR_INIT;
    int64_t t0;
    cs_rc rc;
    (void)state;

    init_cfg(&cfg, cs_mock_kafka_bootstrap(m));
    assert_int_equal(cs_topic_specs_fleet("adm.", 6, 1, specs, &err), CS_OK);
    specs[1].partitions = 0;
    assert_int_equal(cs_admin_create_topics(&cfg, no_env, specs, 2, 5000, &err),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "topic adm.cell-jobs"));
    specs[1].partitions = 6;
    t0 = cs_mono_ms();
    rc = cs_admin_create_topics(&cfg, no_env, specs, 2, 1500, &err);
    assert_true(rc == CS_ERR_TIMEOUT || rc == CS_ERR_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "CreateTopics"));
    assert_true(cs_mono_ms() - t0 < 1500 + 3000);
    assert_int_equal(cs_admin_create_topics(&cfg, no_env, specs, 0, 1500, &err),
                     CS_OK);
    cs_mock_kafka_destroy(m);
}

static void mock_topics_and_partition_count(void **state)
{
    cs_mock_kafka_t *m = mock_with("existing", 2);
    struct cs_config cfg;
    struct cs_topic_spec specs[CS_TOPIC_COUNT + 1];
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p;
    int parts = 0;
    (void)state;

    init_cfg(&cfg, cs_mock_kafka_bootstrap(m));
    assert_int_equal(cs_topic_specs_fleet("mk.", 6, -1, specs, &err), CS_OK);
    snprintf(specs[CS_TOPIC_COUNT].name, sizeof(specs[0].name), "existing");
    specs[CS_TOPIC_COUNT].partitions = 9;
    specs[CS_TOPIC_COUNT].replication = 1;
    assert_int_equal(cs_mock_kafka_create_topics(m, specs, CS_TOPIC_COUNT + 1,
                                                 &err), CS_OK);
    p = cs_producer_new(&cfg, no_env, NULL, &err);
    assert_int_equal(cs_admin_partition_count(cs_producer_handle(p),
                                              "mk.cell-jobs", 5000, &parts,
                                              &err), CS_OK);
    assert_int_equal(parts, 6);
    /* an existing topic keeps its partitions */
    assert_int_equal(cs_admin_partition_count(cs_producer_handle(p), "existing",
                                              5000, &parts, &err), CS_OK);
    assert_int_equal(parts, 2);
    cs_producer_destroy(p);
    cs_mock_kafka_destroy(m);
}

static void mock_arguments(void **state)
{
    struct cs_topic_spec bad = {"t", 0, 1};
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    assert_null(cs_mock_kafka_new(0, NULL, 0, &err));
    assert_non_null(strstr(err.msg, "brokers must be 1..16, not 0"));
    assert_null(cs_mock_kafka_new(1, &bad, 1, &err));
    assert_non_null(strstr(err.msg, "topic t: needs at least 1 partition"));
    cs_mock_kafka_destroy(NULL);
}

static void close_is_bounded_when_cluster_vanished(void **state)
{
    cs_mock_kafka_t *m = mock_with("gone", 2);
    struct cs_config cfg;
    const char *topics[] = {"gone"};
    struct member mb;
    struct cs_consumer_opts o = {"g-gone", topics, 1, hook_assign, hook_revoke, &mb};
    struct cs_err err = CS_ERR_INIT;
    cs_consumer_t *c;
    int64_t t0, took;
    cs_rc rc;
    (void)state;

    memset(&mb, 0, sizeof(mb));
    init_cfg(&cfg, cs_mock_kafka_bootstrap(m));
    c = cs_consumer_new(&cfg, no_env, &o, &err);
    assert_true(wait_split(2, c, &mb, NULL, NULL, 30000));
    cs_mock_kafka_destroy(m);
    t0 = cs_mono_ms();
    rc = cs_consumer_close(c, 1500, &err);
    took = cs_mono_ms() - t0;
    /* whichever way the close ends, it ends near the bound */
    assert_true(rc == CS_OK || rc == CS_ERR_TIMEOUT || rc == CS_ERR_UNAVAILABLE);
    assert_true(took < 1500 + 1000);
    if (rc == CS_ERR_TIMEOUT)
        assert_non_null(strstr(err.msg, "did not finish within 1500 ms"));
}

/* A broker that answers slowly makes the close outlast its bound: the
 * close returns at the bound, the helper thread finishes on its own, and
 * no hook runs after the close returned. */
static void close_abandons_at_the_bound(void **state)
{
    cs_mock_kafka_t *m = mock_with("slow", 2);
    struct cs_config cfg;
    const char *topics[] = {"slow"};
    struct member mb;
    struct cs_consumer_opts o = {"g-slow", topics, 1, hook_assign, hook_revoke, &mb};
    struct cs_err err = CS_ERR_INIT;
    cs_consumer_t *c;
    int64_t t0, took;
    int revokes;
    (void)state;

    memset(&mb, 0, sizeof(mb));
    init_cfg(&cfg, cs_mock_kafka_bootstrap(m));
    c = cs_consumer_new(&cfg, no_env, &o, &err);
    assert_true(wait_split(2, c, &mb, NULL, NULL, 30000));
    assert_int_equal(rd_kafka_mock_broker_set_rtt(cs_mock_kafka_cluster(m), 1, 4000),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    t0 = cs_mono_ms();
    assert_int_equal(cs_consumer_close(c, 500, &err), CS_ERR_TIMEOUT);
    took = cs_mono_ms() - t0;
    revokes = mb.revokes;
    assert_true(took >= 500 && took < 1500);
    assert_string_equal(err.msg, "Kafka consumer close did not finish within "
                                 "500 ms; left to a background thread");
    /* let the helper thread finish (it frees the consumer) */
    rd_kafka_mock_broker_set_rtt(cs_mock_kafka_cluster(m), 1, 0);
    cs_sleep_ms(3000, NULL);
    assert_int_equal(mb.revokes, revokes);
    cs_mock_kafka_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acks_per_message),
        cmocka_unit_test(queue_full_is_retried),
        cmocka_unit_test(close_reports_unacknowledged),
        cmocka_unit_test(commits_resume_and_lag),
        cmocka_unit_test(lag_arithmetic),
        cmocka_unit_test(pause_and_resume),
        cmocka_unit_test(rebalance_hooks),
        cmocka_unit_test(dead_letter_keeps_key_bytes_and_origin),
        cmocka_unit_test(admin_errors),
        cmocka_unit_test(mock_topics_and_partition_count),
        cmocka_unit_test(mock_arguments),
        cmocka_unit_test(close_is_bounded_when_cluster_vanished),
        cmocka_unit_test(close_abandons_at_the_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
