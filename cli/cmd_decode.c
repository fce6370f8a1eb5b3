/* cellscan decode: reads a cellscan topic and prints each record as one
 * JSON line (lib/report/decode.h), for operators. It assigns itself every
 * partition of the topic instead of joining a consumer group, so it never
 * disturbs the daemons' groups and commits nothing. */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus/admin.h"
#include "bus/kconf.h"
#include "bus/msk_iam.h"
#include "bus/topics.h"
#include "cli/cli.h"
#include "report/decode.h"
#include "util/clock.h"

#define POLL_MS 100
#define METADATA_TIMEOUT_MS 10000
#define MAX_HEADERS 64
#define KAFKA_ERRSTR_MAX 512

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

struct decode_args {
    const char *topic;
    int from_beginning;
    long max;        /* 0 = no limit */
    long timeout_ms; /* idle time before stopping; 0 = never */
};

static int parse_long(const char *opt, const char *v, long *out)
{
    char *end;

    *out = strtol(v ? v : "", &end, 10);
    if (v == NULL || *v == '\0' || *end != '\0' || *out < 0) {
        fprintf(stderr, "cellscan decode: %s needs a number >= 0\n", opt);
        return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct decode_args *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
        int takes = !eq;

        if (n == 7 && strncmp(arg, "--topic", n) == 0) {
            a->topic = v;
        } else if (strcmp(arg, "--from-beginning") == 0) {
            a->from_beginning = 1;
            takes = 0;
        } else if (n == 5 && strncmp(arg, "--max", n) == 0) {
            if (parse_long("--max", v, &a->max) != 0)
                return -1;
        } else if (n == 12 && strncmp(arg, "--timeout-ms", n) == 0) {
            if (parse_long("--timeout-ms", v, &a->timeout_ms) != 0)
                return -1;
        } else {
            fprintf(stderr, "cellscan decode: unknown argument %s\n", arg);
            return -1;
        }
        i += takes;
    }
    if (a->topic == NULL || a->topic[0] == '\0') {
        fprintf(stderr, "cellscan decode: --topic is required\n");
        return -1;
    }
    return 0;
}

/* A consumer that is never part of a group: the group id only satisfies
 * librdkafka's consumer queue; nothing is committed or joined. */
static rd_kafka_t *new_reader(const struct cs_config *cfg, struct cs_err *err)
{
    char group[64], errstr[KAFKA_ERRSTR_MAX];
    const struct cs_kprop defaults[] = {
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"enable.partition.eof", "false"},
    };
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_t *rk;

    snprintf(group, sizeof(group), "cellscan-decode-%ld", (long)getpid());
    if (cs_kconf_new(cfg, NULL, defaults, 3, &conf, err) != CS_OK)
        return NULL;
    rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr));
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf);
        cs_err_set(err, CS_ERR_UNAVAILABLE, "cannot create Kafka consumer: %s",
                   errstr);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    if (cs_msk_iam_started(rk, err) != CS_OK) {
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

static cs_rc assign_all(rd_kafka_t *rk, const char *topic, int from_beginning,
                        struct cs_err *err)
{
    rd_kafka_topic_partition_list_t *l;
    rd_kafka_resp_err_t e;
    int parts = 0;
    cs_rc rc;

    rc = cs_admin_partition_count(rk, topic, METADATA_TIMEOUT_MS, &parts, err);
    if (rc != CS_OK)
        return rc;
    l = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; p++)
        rd_kafka_topic_partition_list_add(l, topic, p)->offset =
            from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    e = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return cs_err_set(err, CS_ERR_UNAVAILABLE, "cannot read %s: %s", topic,
                          rd_kafka_err2str(e));
    return CS_OK;
}

/* Prints m as one line; undecodable bytes print as an error object. */
static cs_rc print_record(const rd_kafka_message_t *m, enum cs_topic kind,
                          const char *prefix, struct cs_err *err)
{
    struct cs_decode_header hs[MAX_HEADERS];
    struct cs_decode_record rec;
    rd_kafka_headers_t *h = NULL;
    rd_kafka_timestamp_type_t tstype;
    char *line = NULL;
    size_t nh = 0;
    cs_rc rc;

    memset(&rec, 0, sizeof(rec));
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *v;
        size_t len;
        while (nh < MAX_HEADERS &&
               rd_kafka_header_get_all(h, nh, &name, &v, &len) ==
                   RD_KAFKA_RESP_ERR_NO_ERROR) {
            hs[nh].name = name;
            hs[nh].value = v;
            hs[nh].len = len;
            nh++;
        }
    }
    rec.topic = kind;
    rec.topic_name = rd_kafka_topic_name(m->rkt);
    rec.prefix = prefix;
    rec.partition = m->partition;
    rec.offset = m->offset;
    rec.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
    rec.key = m->key;
    rec.keylen = m->key_len;
    rec.value = m->payload;
    rec.len = m->len;
    rec.headers = hs;
    rec.nheaders = nh;
    rc = cs_decode_record_line(&rec, &line, err);
    if (rc == CS_OK) {
        fputs(line, stdout);
        fflush(stdout);
    }
    free(line);
    return rc;
}

static int consume(rd_kafka_t *rk, const struct decode_args *a,
                   enum cs_topic kind, const char *prefix)
{
    int64_t last = cs_mono_ms();
    struct cs_err err = CS_ERR_INIT;
    long printed = 0;

    while (!stop && (a->max == 0 || printed < a->max)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, POLL_MS);

        if (m == NULL) {
            if (a->timeout_ms > 0 && cs_mono_ms() - last >= a->timeout_ms)
                break;
            continue;
        }
        if (m->err) {
            fprintf(stderr, "cellscan decode: %s\n", rd_kafka_message_errstr(m));
        } else if (print_record(m, kind, prefix, &err) != CS_OK) {
            fprintf(stderr, "cellscan decode: %s\n", err.msg);
        } else {
            printed++;
            last = cs_mono_ms();
        }
        rd_kafka_message_destroy(m);
    }
    return 0;
}

static int run_decode(struct cs_cli *cli, int argc, char **argv)
{
    struct decode_args a;
    struct cs_err err = CS_ERR_INIT;
    char topic[CS_TOPIC_NAME_MAX + 1];
    enum cs_topic kind;
    rd_kafka_t *rk = NULL;
    int status = 1;

    if (parse_args(argc, argv, &a) != 0)
        return CS_CLI_USAGE_EXIT;
    if (cs_topic_parse(cli->cfg->topic_prefix, a.topic, &kind, &err) != CS_OK) {
        fprintf(stderr, "cellscan decode: %s\n", err.msg);
        return CS_CLI_USAGE_EXIT;
    }
    /* a bare suffix means the topic under our prefix */
    if (strcmp(a.topic, cs_topic_suffix(kind)) == 0)
        cs_topic_name(cli->cfg->topic_prefix, kind, topic, sizeof(topic), NULL);
    else
        snprintf(topic, sizeof(topic), "%s", a.topic);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rk = new_reader(cli->cfg, &err);
    if (rk == NULL || assign_all(rk, topic, a.from_beginning, &err) != CS_OK) {
        fprintf(stderr, "cellscan decode: %s\n", err.msg);
        goto cleanup;
    }
    status = consume(rk, &a, kind, cli->cfg->topic_prefix);
cleanup:
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    return status;
}

const struct cs_cli_cmd cs_cmd_decode = {
    "decode", "print the messages of a cellscan topic as JSON lines",
    "usage: cellscan decode --topic T [--from-beginning] [--max N] "
    "[--timeout-ms MS]\n"
    "  T is scan-requests, cell-jobs, cell-results, scan-results or\n"
    "  dead-letters (under CELLSCAN_TOPIC_PREFIX), or a full topic name.\n"
    "  Prints one JSON object per record: topic, partition, offset,\n"
    "  timestamp, key and the decoded message (dead letters: headers and\n"
    "  base64 bytes). Bytes that do not decode print as an object with\n"
    "  \"error\". Reads new records (all with --from-beginning), stops after\n"
    "  N records (--max) or MS milliseconds without a record (--timeout-ms),\n"
    "  else runs until SIGINT. Joins no consumer group, commits nothing.\n\n",
    run_decode,
};
