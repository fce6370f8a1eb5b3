/* lib/embed/watch against an in-process mock cluster: a watcher follows
 * its scan's manifest and results on cell-results into the progress and
 * takes its ScanReport from scan-results, whose figures then settle the
 * progress; another scan's records, bytes that do not decode and a second
 * copy of the report change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/mock.h"
#include "bus/producer.h"
#include "bus/topics.h"
#include "embed/watch.h"
#include "util/clock.h"

#define PREFIX "wt."

static char *no_env[] = {NULL};

struct world {
    cs_mock_kafka_t *mock;
    struct cs_config cfg;
    cs_producer_t *producer;
    char results[CS_TOPIC_NAME_MAX + 1];
    char reports[CS_TOPIC_NAME_MAX + 1];
};

static int setup(void **state)
{
    struct cs_topic_spec specs[CS_TOPIC_COUNT];
    struct cs_err err = CS_ERR_INIT;
    struct world *w = calloc(1, sizeof(*w));

    assert_non_null(w);
    assert_int_equal(cs_topic_specs_fleet(PREFIX, 3, 1, specs, &err), CS_OK);
    w->mock = cs_mock_kafka_new(1, specs, CS_TOPIC_COUNT, &err);
    if (w->mock == NULL)
        fail_msg("mock: %s", err.msg);
    w->cfg.kafka_brokers = (char *)cs_mock_kafka_bootstrap(w->mock);
    w->cfg.kafka_properties_file = (char *)"";
    w->cfg.topic_prefix = (char *)PREFIX;
    w->cfg.max_poll_interval_s = 10;
    w->producer = cs_producer_new(&w->cfg, no_env, NULL, &err);
    if (w->producer == NULL)
        fail_msg("producer: %s", err.msg);
    cs_topic_name(PREFIX, CS_TOPIC_CELL_RESULTS, w->results, sizeof(w->results), NULL);
    cs_topic_name(PREFIX, CS_TOPIC_SCAN_RESULTS, w->reports, sizeof(w->reports), NULL);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;

    cs_producer_destroy(w->producer);
    cs_mock_kafka_destroy(w->mock);
    free(w);
    return 0;
}

static void publish(struct world *w, const char *topic, const char *key,
                 const ProtobufCMessage *m, const void *raw, size_t rawlen)
{
    struct cs_err err = CS_ERR_INIT;
    size_t len = m ? protobuf_c_message_get_packed_size(m) : rawlen;
    uint8_t *buf = malloc(len ? len : 1);

    assert_non_null(buf);
    if (m)
        protobuf_c_message_pack(m, buf);
    else
        memcpy(buf, raw, rawlen);
    if (cs_producer_send(w->producer, topic, key, strlen(key), buf, len, NULL,
                         NULL, &err) != CS_OK)
        fail_msg("send: %s", err.msg);
    free(buf);
}

static void send_manifest(struct world *w, const char *scan_id)
{
    char *cells[] = {"aws_ec2:111111111111", "aws_s3:111111111111",
                     "aws_ec2:222222222222", "aws_s3:222222222222"};
    Cellscan__V1__ScanManifest m = CELLSCAN__V1__SCAN_MANIFEST__INIT;
    Cellscan__V1__CellResultsRecord rec = CELLSCAN__V1__CELL_RESULTS_RECORD__INIT;

    m.scan_id = (char *)scan_id;
    m.client_id = "acme";
    m.cell_ids = cells;
    m.n_cell_ids = 4;
    rec.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST;
    rec.manifest = &m;
    publish(w, w->results, scan_id, &rec.base, NULL, 0);
}

static void send_result(struct world *w, const char *scan_id, const char *cell,
                        uint64_t throttles)
{
    Cellscan__V1__CellResult r = CELLSCAN__V1__CELL_RESULT__INIT;
    Cellscan__V1__CellResultsRecord rec = CELLSCAN__V1__CELL_RESULTS_RECORD__INIT;

    r.scan_id = (char *)scan_id;
    r.client_id = "acme";
    r.cell_id = (char *)cell;
    r.status = CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE;
    r.throttle_events = throttles;
    rec.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT;
    rec.result = &r;
    publish(w, w->results, scan_id, &rec.base, NULL, 0);
}

/* A report of scan_id over the four cells of send_manifest, the last one
 * missed (deadline_exceeded); total tells copies apart. */
static void send_report(struct world *w, const char *scan_id,
                        Cellscan__V1__ScanStatus status, uint64_t total)
{
    static const char *const keys[] = {"aws_ec2:111111111111", "aws_s3:111111111111",
                                       "aws_ec2:222222222222", "aws_s3:222222222222"};
    Cellscan__V1__ScanReport r = CELLSCAN__V1__SCAN_REPORT__INIT;
    Cellscan__V1__Totals t = CELLSCAN__V1__TOTALS__INIT;
    Cellscan__V1__AccountReport a[2], *ap[2] = {&a[0], &a[1]};
    Cellscan__V1__Evidence e[4], *ep[4];

    for (int i = 0; i < 4; i++) {
        cellscan__v1__evidence__init(&e[i]);
        e[i].key = (char *)keys[i];
        e[i].status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK;
        e[i].throttle_events = (uint64_t)i;
        ep[i] = &e[i];
    }
    e[2].status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS;
    e[3].status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_ERROR;
    e[3].reason = "deadline_exceeded";
    for (int i = 0; i < 2; i++)
        cellscan__v1__account_report__init(&a[i]);
    a[0].account_id = "111111111111";
    a[1].account_id = "222222222222";
    r.scan_id = (char *)scan_id;
    r.client_id = "acme";
    r.status = status;
    t.total = total;
    t.cells_expected = 4;
    r.overall = &t;
    r.accounts = ap;
    r.n_accounts = 2;
    r.evidence_completeness = ep;
    r.n_evidence_completeness = 4;
    publish(w, w->reports, scan_id, &r.base, NULL, 0);
}

/* Polls until cond holds for the watcher, or 20 s. */
#define POLL_UNTIL(wt, cond)                                                  \
    do {                                                                      \
        int64_t until_ = cs_mono_ms() + 20000;                                \
        struct cs_err perr_ = CS_ERR_INIT;                                    \
        while (!(cond) && cs_mono_ms() < until_)                              \
            assert_int_equal(cs_watch_poll((wt), 100, &perr_), CS_OK);        \
        assert_true(cond);                                                    \
    } while (0)

static void follows_one_scan(void **state)
{
    struct world *w = *state;
    struct cs_err err = CS_ERR_INIT;
    struct cs_progress_snap s;
    Cellscan__V1__ScanReport *r;
    cs_watch_t *wt;

    /* records already there when the watcher starts are read too */
    send_manifest(w, "scan-a");
    send_manifest(w, "scan-b");
    publish(w, w->results, "scan-a", NULL, "\xff\xff\xff", 3);
    send_result(w, "scan-a", "aws_ec2:111111111111", 3);
    send_result(w, "scan-b", "aws_ec2:111111111111", 7);
    assert_int_equal(cs_producer_flush(w->producer, 10000, &err), CS_OK);

    wt = cs_watch_new(&w->cfg, no_env, "scan-a", &err);
    if (wt == NULL)
        fail_msg("watch: %s", err.msg);
    POLL_UNTIL(wt, (cs_watch_progress(wt, &s), s.cells_done == 1));
    assert_int_equal(s.cells_total, 4);
    assert_int_equal(s.accounts_total, 2);
    assert_int_equal(s.throttles, 3);
    assert_null(cs_watch_report(wt));

    send_result(w, "scan-a", "aws_ec2:111111111111", 3);
    send_result(w, "scan-a", "aws_s3:111111111111", 1);
    send_report(w, "scan-b", CELLSCAN__V1__SCAN_STATUS__SCAN_OK, 5);
    publish(w, w->reports, "scan-a", NULL, "\x0a\xff", 2);
    send_result(w, "scan-a", "aws_ec2:222222222222", 0);
    send_result(w, "scan-a", "aws_s3:222222222222", 0);
    send_report(w, "scan-a", CELLSCAN__V1__SCAN_STATUS__SCAN_PARTIAL, 42);
    send_report(w, "scan-a", CELLSCAN__V1__SCAN_STATUS__SCAN_OK, 43);
    assert_int_equal(cs_producer_flush(w->producer, 10000, &err), CS_OK);

    POLL_UNTIL(wt, cs_watch_report(wt) != NULL);
    /* the report has the last word on the progress, whatever was read of
     * cell-results (another topic) by then: 3 of 4 cells reported, one of
     * them failed, one account complete, 0 + 1 + 2 throttles */
    cs_watch_progress(wt, &s);
    assert_int_equal(s.cells_total, 4);
    assert_int_equal(s.cells_done, 3);
    assert_int_equal(s.cells_failed, 1);
    assert_int_equal(s.accounts_total, 2);
    assert_int_equal(s.accounts_done, 1);
    assert_int_equal(s.throttles, 3);
    r = cs_watch_take_report(wt);
    assert_non_null(r);
    assert_null(cs_watch_take_report(wt));
    assert_string_equal(r->scan_id, "scan-a");
    assert_int_equal(r->status, CELLSCAN__V1__SCAN_STATUS__SCAN_PARTIAL);
    assert_int_equal(r->overall->total, 42);
    cellscan__v1__scan_report__free_unpacked(r, NULL);
    /* the second copy of the report is not taken for a new one */
    assert_int_equal(cs_watch_poll(wt, 200, &err), CS_OK);
    assert_null(cs_watch_report(wt));
    cs_watch_destroy(wt);
}

static void bad_arguments(void **state)
{
    struct world *w = *state;
    struct cs_err err = CS_ERR_INIT;

    assert_null(cs_watch_new(&w->cfg, no_env, "", &err));
    assert_int_equal(err.code, CS_ERR_INVALID);
    cs_watch_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(follows_one_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
