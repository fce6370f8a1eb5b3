/* Decoding for operators: the protobuf -> JSON converter on real
 * messages, record lines for every topic kind (undecodable bytes and dead
 * letters included), and `cellscan decode` as a child process reading an
 * in-process mock cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/deadletter.h"
#include "bus/mock.h"
#include "bus/producer.h"
#include "cellscan.pb-c.h"
#include "proc.h"
#include "report/decode.h"
#include "report/pbjson.h"

static char tmpdir[512];

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    uint8_t *buf;

    *len = protobuf_c_message_get_packed_size(m);
    buf = malloc(*len ? *len : 1);
    assert_non_null(buf);
    protobuf_c_message_pack(m, buf);
    return buf;
}

static void scan_request_json(void **state)
{
    Cellscan__V1__ScanRequest req = CELLSCAN__V1__SCAN_REQUEST__INIT;
    Cellscan__V1__ScanScope scope = CELLSCAN__V1__SCAN_SCOPE__INIT;
    Cellscan__V1__AccountList list = CELLSCAN__V1__ACCOUNT_LIST__INIT;
    char *ids[] = {"111111111111"};
    char *cats[] = {"ec2", "s3"};
    char *regions[] = {"us-east-1"};
    json_t *j = NULL;
    char *text;
    (void)state;

    list.account_ids = ids;
    list.n_account_ids = 1;
    scope.target_case = CELLSCAN__V1__SCAN_SCOPE__TARGET_ACCOUNTS;
    scope.accounts = &list;
    scope.categories = cats;
    scope.n_categories = 2;
    scope.regions = regions;
    scope.n_regions = 1;
    req.schema_version = 1;
    req.client_id = "acme";
    req.scan_id = "s-1";
    req.requested_at_ms = 1795644000000LL;
    req.scope = &scope;
    req.plan = "starter";
    assert_int_equal(cs_pbjson_message(&req.base, &j, NULL), CS_OK);
    text = json_dumps(j, JSON_COMPACT);
    /* the oneof shows its set member only; proto3 defaults are present */
    assert_string_equal(text,
        "{\"schema_version\":1,\"client_id\":\"acme\",\"scan_id\":\"s-1\","
        "\"requested_at_ms\":1795644000000,\"scope\":{\"accounts\":"
        "{\"account_ids\":[\"111111111111\"]},\"categories\":[\"ec2\",\"s3\"],"
        "\"regions\":[\"us-east-1\"],\"role_name\":\"\",\"external_id\":\"\","
        "\"session_duration_s\":0,\"deadline_s\":0,\"tag_policy_json\":\"\"},"
        "\"plan\":\"starter\"}");
    free(text);
    json_decref(j);
}

static void cell_result_enums_and_oneof(void **state)
{
    Cellscan__V1__CellResultsRecord rec = CELLSCAN__V1__CELL_RESULTS_RECORD__INIT;
    Cellscan__V1__CellResult res = CELLSCAN__V1__CELL_RESULT__INIT;
    Cellscan__V1__Violation v = CELLSCAN__V1__VIOLATION__INIT;
    Cellscan__V1__Violation *vs[] = {&v};
    json_t *j = NULL, *r;
    uint8_t *bytes;
    size_t len;
    (void)state;

    res.cell_id = "aws_ec2:111111111111";
    res.status = CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL;
    res.evidence_status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_PARTIAL;
    res.api_call_count = 9007199254740993ULL; /* > 2^53: stays exact */
    v.kind = CELLSCAN__V1__VIOLATION_KIND__INVALID_VALUE;
    res.violations = vs;
    res.n_violations = 1;
    rec.body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT;
    rec.result = &res;
    bytes = pack(&rec.base, &len);
    assert_int_equal(cs_pbjson_decode(&cellscan__v1__cell_results_record__descriptor,
                                      bytes, len, &j, NULL), CS_OK);
    assert_null(json_object_get(j, "manifest"));
    r = json_object_get(j, "result");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "CELL_PARTIAL");
    assert_string_equal(json_string_value(json_object_get(r, "evidence_status")),
                        "EVIDENCE_PARTIAL");
    assert_true(json_integer_value(json_object_get(r, "api_call_count")) ==
                9007199254740993LL);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r, "violations"), 0), "kind")),
                        "INVALID_VALUE");
    json_decref(j);
    free(bytes);
}

static void unknown_enum_and_fields(void **state)
{
    /* field 4 (status) = 99, plus unknown field 100 (varint 1) */
    static const uint8_t bytes[] = {0x20, 0x63, 0xa0, 0x06, 0x01};
    struct cs_err err = CS_ERR_INIT;
    json_t *j = NULL;
    (void)state;

    assert_int_equal(cs_pbjson_decode(&cellscan__v1__scan_report__descriptor,
                                      bytes, sizeof(bytes), &j, NULL), CS_OK);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 99);
    assert_int_equal(json_integer_value(json_object_get(j, "_unknown_fields")), 1);
    /* a message that is absent is simply not there */
    assert_true(json_is_null(json_object_get(j, "overall")));
    json_decref(j);
    assert_int_equal(cs_pbjson_decode(&cellscan__v1__cell_job__descriptor,
                                      "\xff\xff\xff\xff", 4, &j, &err),
                     CS_ERR_PARSE);
    assert_string_equal(err.msg, "not a valid cellscan.v1.CellJob (4 bytes)");
}

static void record_lines(void **state)
{
    Cellscan__V1__CellJob job = CELLSCAN__V1__CELL_JOB__INIT;
    struct cs_decode_header dl_headers[] = {
        {"cellscan-reason", "decode: bad", 11},
        {"cellscan-topic", "cellscan.cell-jobs", 18},
        {"cellscan-partition", "1", 1},
        {"cellscan-offset", "7", 1},
    };
    struct cs_decode_record rec;
    uint8_t *bytes;
    size_t len;
    char *line = NULL;
    (void)state;

    job.cell_id = "aws_s3:111111111111";
    job.account_id = "111111111111";
    bytes = pack(&job.base, &len);
    memset(&rec, 0, sizeof(rec));
    rec.topic = CS_TOPIC_CELL_JOBS;
    rec.topic_name = "cellscan.cell-jobs";
    rec.prefix = "cellscan.";
    rec.partition = 1;
    rec.offset = 7;
    rec.timestamp_ms = 1795644000123LL;
    rec.key = "111111111111";
    rec.keylen = 12;
    rec.value = bytes;
    rec.len = len;
    assert_int_equal(cs_decode_record_line(&rec, &line, NULL), CS_OK);
    assert_non_null(strstr(line, "{\"topic\":\"cellscan.cell-jobs\",\"partition\":1,"
                                 "\"offset\":7,\"timestamp\":\"2026-11-25T22:00:00.123Z\","
                                 "\"key\":\"111111111111\",\"type\":\"cellscan.v1.CellJob\","
                                 "\"value\":{\"schema_version\":0,\"scan_id\":\"\","
                                 "\"client_id\":\"\",\"cell_id\":\"aws_s3:111111111111\""));
    assert_int_equal(line[strlen(line) - 1], '\n');
    free(line);

    /* garbage on a typed topic, key not UTF-8 */
    rec.topic = CS_TOPIC_SCAN_RESULTS;
    rec.topic_name = "cellscan.scan-results";
    rec.value = "\xff\xff\xff\xff";
    rec.len = 4;
    rec.key = "\xfe";
    rec.keylen = 1;
    rec.timestamp_ms = -1;
    assert_int_equal(cs_decode_record_line(&rec, &line, NULL), CS_OK);
    assert_string_equal(line,
        "{\"topic\":\"cellscan.scan-results\",\"partition\":1,\"offset\":7,"
        "\"timestamp\":null,\"key_base64\":\"/g==\",\"type\":\"cellscan.v1.ScanReport\","
        "\"error\":\"not a valid cellscan.v1.ScanReport (4 bytes)\","
        "\"value_base64\":\"/////w==\"}\n");
    free(line);

    /* a dead letter whose original was a CellJob */
    rec.topic = CS_TOPIC_DEAD_LETTERS;
    rec.topic_name = "cellscan.dead-letters";
    rec.key = NULL;
    rec.value = bytes;
    rec.len = len;
    rec.headers = dl_headers;
    rec.nheaders = 4;
    assert_int_equal(cs_decode_record_line(&rec, &line, NULL), CS_OK);
    {
        json_t *j = json_loads(line, 0, NULL);
        json_t *h = json_object_get(j, "headers");
        json_t *orig = json_object_get(j, "original");
        assert_non_null(j);
        assert_true(json_is_null(json_object_get(j, "key")));
        assert_string_equal(json_string_value(json_object_get(j, "type")), "dead-letter");
        assert_string_equal(json_string_value(json_object_get(h, "cellscan-reason")),
                            "decode: bad");
        assert_string_equal(json_string_value(json_object_get(h, "cellscan-offset")), "7");
        assert_non_null(json_object_get(j, "value_base64"));
        assert_string_equal(json_string_value(json_object_get(orig, "type")),
                            "cellscan.v1.CellJob");
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(orig, "value"), "cell_id")),
                            "aws_s3:111111111111");
        json_decref(j);
    }
    free(line);
    free(bytes);
}

/* ---- cellscan decode against a mock cluster ---- */

static void produce(cs_producer_t *p, const char *topic, const char *key,
                    const void *v, size_t n)
{
    struct cs_err err = CS_ERR_INIT;

    if (cs_producer_send(p, topic, key, key ? strlen(key) : 0, v, n, NULL, NULL,
                         &err) != CS_OK)
        fail_msg("send: %s", err.msg);
}

/* Runs `cellscan decode args...` and collects up to max stdout lines
 * as JSON; returns the exit status. */
static int run_decode(const char *bootstrap, const char *const *args,
                      json_t **lines, int max, int *nlines)
{
    char prog[1024], env_brokers[256];
    char *argv[16];
    char *env[] = {env_brokers, "CELLSCAN_TOPIC_PREFIX=cellscan.",
                   "CELLSCAN_LOG_LEVEL=error", NULL};
    struct cs_proc p;
    char line[65536];
    int n = 0;

    snprintf(prog, sizeof(prog), "%s/bin/cellscan", cs_test_binary_dir());
    snprintf(env_brokers, sizeof(env_brokers), "CELLSCAN_KAFKA_BROKERS=%s", bootstrap);
    argv[n++] = prog;
    argv[n++] = "decode";
    for (int i = 0; args[i]; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    assert_int_equal(cs_proc_start(&p, "decode", argv, env, 1, tmpdir), 0);
    *nlines = 0;
    while (*nlines < max &&
           cs_proc_wait_line(&p, "{", line, sizeof(line), 30000) == 0) {
        lines[*nlines] = json_loads(line, 0, NULL);
        assert_non_null(lines[*nlines]);
        (*nlines)++;
    }
    return cs_proc_wait_exit(&p, 30000);
}

static json_t *by_key(json_t **lines, int n, const char *key)
{
    for (int i = 0; i < n; i++) {
        json_t *k = json_object_get(lines[i], "key");
        if (k && json_is_string(k) && strcmp(json_string_value(k), key) == 0)
            return lines[i];
    }
    fail_msg("no line with key %s", key);
    return NULL;
}

static void cli_decode(void **state)
{
    struct cs_topic_spec specs[CS_TOPIC_COUNT];
    struct cs_err err = CS_ERR_INIT;
    cs_mock_kafka_t *m;
    struct cs_config cfg;
    char *no_env[] = {NULL};
    Cellscan__V1__CellJob job = CELLSCAN__V1__CELL_JOB__INIT;
    struct cs_deadletter d;
    cs_producer_t *p;
    uint8_t *bytes;
    size_t len;
    json_t *lines[8];
    int n = 0;
    (void)state;

    assert_int_equal(cs_topic_specs_fleet("cellscan.", 2, 1, specs, NULL), CS_OK);
    m = cs_mock_kafka_new(1, specs, CS_TOPIC_COUNT, &err);
    assert_non_null(m);
    memset(&cfg, 0, sizeof(cfg));
    cfg.kafka_brokers = (char *)cs_mock_kafka_bootstrap(m);
    cfg.kafka_properties_file = (char *)"";
    p = cs_producer_new(&cfg, no_env, NULL, &err);
    assert_non_null(p);
    job.cell_id = "aws_ec2:222222222222";
    job.account_id = "222222222222";
    job.category = "ec2";
    bytes = pack(&job.base, &len);
    produce(p, "cellscan.cell-jobs", "222222222222", bytes, len);
    produce(p, "cellscan.cell-jobs", "poison", "\x0a\xff\xff", 3);
    memset(&d, 0, sizeof(d));
    d.topic = "cellscan.cell-jobs";
    d.partition = 1;
    d.offset = 42;
    d.key = "poison";
    d.keylen = 6;
    d.value = "\x0a\xff\xff";
    d.len = 3;
    d.reason = "decode: not a valid cellscan.v1.CellJob (3 bytes)";
    assert_int_equal(cs_deadletter_send(p, "cellscan.dead-letters", &d, NULL, &err),
                     CS_OK);
    assert_int_equal(cs_producer_flush(p, 10000, &err), CS_OK);

    {
        const char *args[] = {"--topic", "cell-jobs", "--from-beginning", "--max",
                              "2", "--timeout-ms", "20000", NULL};
        json_t *good, *bad;
        assert_int_equal(run_decode(cs_mock_kafka_bootstrap(m), args, lines, 2, &n), 0);
        assert_int_equal(n, 2);
        good = by_key(lines, n, "222222222222");
        bad = by_key(lines, n, "poison");
        assert_string_equal(json_string_value(json_object_get(good, "type")),
                            "cellscan.v1.CellJob");
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(good, "value"), "cell_id")),
                            "aws_ec2:222222222222");
        assert_string_equal(json_string_value(json_object_get(bad, "error")),
                            "not a valid cellscan.v1.CellJob (3 bytes)");
        assert_string_equal(json_string_value(json_object_get(bad, "value_base64")),
                            "Cv//");
        for (int i = 0; i < n; i++)
            json_decref(lines[i]);
    }
    {
        const char *args[] = {"--topic=cellscan.dead-letters", "--from-beginning",
                              "--timeout-ms=3000", NULL};
        json_t *h;
        /* no --max: it stops after 3 s without a record */
        assert_int_equal(run_decode(cs_mock_kafka_bootstrap(m), args, lines, 8, &n), 0);
        assert_int_equal(n, 1);
        h = json_object_get(lines[0], "headers");
        assert_string_equal(json_string_value(json_object_get(lines[0], "key")), "poison");
        assert_string_equal(json_string_value(json_object_get(h, "cellscan-reason")),
                            "decode: not a valid cellscan.v1.CellJob (3 bytes)");
        assert_string_equal(json_string_value(json_object_get(h, "cellscan-topic")),
                            "cellscan.cell-jobs");
        assert_string_equal(json_string_value(json_object_get(h, "cellscan-partition")),
                            "1");
        assert_string_equal(json_string_value(json_object_get(h, "cellscan-offset")),
                            "42");
        assert_string_equal(json_string_value(json_object_get(lines[0], "value_base64")),
                            "Cv//");
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(lines[0], "original"), "error")),
                            "not a valid cellscan.v1.CellJob (3 bytes)");
        json_decref(lines[0]);
    }
    {
        const char *args[] = {"--topic", "jobs", NULL};
        assert_int_equal(run_decode(cs_mock_kafka_bootstrap(m), args, lines, 1, &n), 2);
        assert_int_equal(n, 0);
    }
    {
        const char *args[] = {"--max", "x", "--topic", "cell-jobs", NULL};
        assert_int_equal(run_decode(cs_mock_kafka_bootstrap(m), args, lines, 1, &n), 2);
    }
    free(bytes);
    cs_producer_destroy(p);
    cs_mock_kafka_destroy(m);
}

static int setup(void **state)
{
    (void)state;
    return cs_tmpdir_make("test_report_decode", tmpdir, sizeof(tmpdir));
}

static int teardown(void **state)
{
    (void)state;
    cs_tmpdir_remove(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scan_request_json),
        cmocka_unit_test(cell_result_enums_and_oneof),
        cmocka_unit_test(unknown_enum_and_fields),
        cmocka_unit_test(record_lines),
        cmocka_unit_test(cli_decode),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
