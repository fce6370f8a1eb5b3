/* `cellscan mock-kafka` as a child process: it prints its bootstrap
 * string, serves the cellscan topics with the asked partition count to
 * clients in other processes (produce, group consume), exits 0 on SIGTERM,
 * and refuses bad arguments with status 2. */
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
#include "bus/producer.h"
#include "proc.h"
#include "util/clock.h"

static char tmpdir[512];

static int start(struct cs_proc *p, const char *const *args, char *bootstrap,
                 size_t len)
{
    char prog[1024];
    char *argv[16];
    char *env[] = {"CELLSCAN_TOPIC_PREFIX=t1.", NULL};
    char line[512];
    int n = 0;

    snprintf(prog, sizeof(prog), "%s/bin/cellscan", cs_test_binary_dir());
    argv[n++] = prog;
    argv[n++] = "mock-kafka";
    for (int i = 0; args[i]; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    assert_int_equal(cs_proc_start(p, "mock-kafka", argv, env, 1, tmpdir), 0);
    if (bootstrap == NULL)
        return 0;
    if (cs_proc_wait_line(p, "bootstrap=", line, sizeof(line), 30000) != 0)
        return -1;
    snprintf(bootstrap, len, "%s", line + strlen("bootstrap="));
    return 0;
}

static void serves_other_processes(void **state)
{
    const char *args[] = {"--brokers", "2", "--partitions=3", NULL};
    struct cs_proc p;
    struct cs_config cfg;
    char bootstrap[512];
    char *no_env[] = {NULL};
    const char *topics[] = {"t1.cell-jobs"};
    struct cs_consumer_opts co = {"t1.workers", topics, 1, NULL, NULL, NULL};
    struct cs_err err = CS_ERR_INIT;
    rd_kafka_message_t *msg = NULL;
    cs_producer_t *prod;
    cs_consumer_t *cons;
    int64_t deadline;
    int parts = 0;
    (void)state;

    assert_int_equal(start(&p, args, bootstrap, sizeof(bootstrap)), 0);
    /* two brokers: two loopback addresses */
    assert_non_null(strstr(bootstrap, "127.0.0.1:"));
    assert_non_null(strchr(bootstrap, ','));
    memset(&cfg, 0, sizeof(cfg));
    cfg.kafka_brokers = bootstrap;
    cfg.kafka_properties_file = (char *)"";
    cfg.max_poll_interval_s = 10;
    prod = cs_producer_new(&cfg, no_env, NULL, &err);
    assert_non_null(prod);
    assert_int_equal(cs_admin_partition_count(cs_producer_handle(prod),
                                              "t1.dead-letters", 10000, &parts,
                                              &err), CS_OK);
    assert_int_equal(parts, 3);
    assert_int_equal(cs_producer_send(prod, "t1.cell-jobs", "k", 1, "hello", 5,
                                      NULL, NULL, &err), CS_OK);
    assert_int_equal(cs_producer_flush(prod, 10000, &err), CS_OK);

    cons = cs_consumer_new(&cfg, no_env, &co, &err);
    assert_non_null(cons);
    deadline = cs_mono_ms() + 30000;
    while (msg == NULL && cs_mono_ms() < deadline)
        assert_int_equal(cs_consumer_poll(cons, 100, &msg, &err), CS_OK);
    assert_non_null(msg);
    assert_int_equal(msg->len, 5);
    assert_memory_equal(msg->payload, "hello", 5);
    rd_kafka_message_destroy(msg);
    assert_int_equal(cs_consumer_close(cons, 10000, &err), CS_OK);
    cs_producer_destroy(prod);
    /* SIGTERM: a clean exit */
    assert_int_equal(cs_proc_stop(&p, 10000), 0);
}

static void bad_arguments(void **state)
{
    static const char *const cases[][3] = {
        {"--brokers", "0", NULL},
        {"--partitions=300", NULL, NULL},
        {"--replicas", "2", NULL},
        {"--brokers", NULL, NULL},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cs_proc p;
        assert_int_equal(start(&p, cases[i], NULL, 0), 0);
        assert_int_equal(cs_proc_wait_exit(&p, 10000), 2);
    }
}

static int setup(void **state)
{
    (void)state;
    return cs_tmpdir_make("test_bus_mock_cli", tmpdir, sizeof(tmpdir));
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
        cmocka_unit_test(serves_other_processes),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
