/* cellscan mock-kafka: an in-memory Kafka cluster (librdkafka's mock
 * cluster) with cellscan's topics, for demos and multi-process tests.
 * Prints "bootstrap=127.0.0.1:PORT[,...]" on stdout once it listens, then
 * serves until SIGTERM or SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/mock.h"
#include "bus/topics.h"
#include "cli/cli.h"
#include "util/log.h"

#define MAX_PARTITIONS 256
#define DEFAULT_PARTITIONS 6

static const struct cs_log_ctx log_ctx = {"mock-kafka", NULL, NULL};

/* Parses "--name N" or "--name=N" at argv[*i] into *out within min..max.
 * Returns 1 when argv[*i] was that option, 0 when it is another, -1 on a
 * bad value (message on stderr). */
static int int_option(const char *name, int argc, char **argv, int *i,
                      int min, int max, int *out)
{
    size_t n = strlen(name);
    const char *v;
    char *end;
    long x;

    if (strncmp(argv[*i], name, n) != 0 ||
        (argv[*i][n] != '\0' && argv[*i][n] != '='))
        return 0;
    if (argv[*i][n] == '=')
        v = argv[*i] + n + 1;
    else if (*i + 1 < argc)
        v = argv[++*i];
    else
        v = "";
    x = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || x < min || x > max) {
        fprintf(stderr, "cellscan mock-kafka: %s must be %d..%d, not \"%s\"\n",
                name, min, max, v);
        return -1;
    }
    *out = (int)x;
    return 1;
}

static int run_mock_kafka(struct cs_cli *cli, int argc, char **argv)
{
    struct cs_topic_spec specs[CS_TOPIC_COUNT];
    struct cs_err err = CS_ERR_INIT;
    cs_mock_kafka_t *m;
    int brokers = 1, partitions = DEFAULT_PARTITIONS;
    sigset_t set;
    int sig = 0;

    for (int i = 0; i < argc; i++) {
        int r = int_option("--brokers", argc, argv, &i, 1, CS_MOCK_MAX_BROKERS,
                           &brokers);
        if (r == 0)
            r = int_option("--partitions", argc, argv, &i, 1, MAX_PARTITIONS,
                           &partitions);
        if (r < 0)
            return CS_CLI_USAGE_EXIT;
        if (r == 0) {
            fprintf(stderr, "cellscan mock-kafka: unknown argument %s\n", argv[i]);
            return CS_CLI_USAGE_EXIT;
        }
    }
    if (cs_topic_specs_fleet(cli->cfg->topic_prefix, partitions, -1, specs,
                             &err) != CS_OK) {
        fprintf(stderr, "cellscan mock-kafka: %s\n", err.msg);
        return CS_CLI_USAGE_EXIT;
    }
    /* blocked before the cluster's threads start, so they inherit the mask
     * and only sigwait below sees the signals */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    m = cs_mock_kafka_new(brokers, specs, CS_TOPIC_COUNT, &err);
    if (m == NULL) {
        fprintf(stderr, "cellscan mock-kafka: %s\n", err.msg);
        return 1;
    }
    printf("bootstrap=%s\n", cs_mock_kafka_bootstrap(m));
    fflush(stdout);
    cs_log(&log_ctx, CS_LOG_INFO,
           "mock cluster of %d broker(s) at %s, topics %s* with %d partitions",
           brokers, cs_mock_kafka_bootstrap(m), cli->cfg->topic_prefix,
           partitions);
    sigwait(&set, &sig);
    cs_log(&log_ctx, CS_LOG_INFO, "signal %d: stopping", sig);
    cs_mock_kafka_destroy(m);
    return 0;
}

const struct cs_cli_cmd cs_cmd_mock_kafka = {
    "mock-kafka", "run an in-memory Kafka cluster with cellscan's topics",
    "usage: cellscan mock-kafka [--brokers N] [--partitions P]\n"
    "  Starts librdkafka's mock cluster on 127.0.0.1 with N brokers (1..16,\n"
    "  default 1) and the five cellscan topics (CELLSCAN_TOPIC_PREFIX) with P\n"
    "  partitions each (1..256, default 6), prints bootstrap=HOST:PORT,... on\n"
    "  stdout and serves until SIGTERM or SIGINT. Everything is in memory.\n\n",
    run_mock_kafka,
};
