/* config.h: configuration of every cellscan program.
 *
 * One table (config.c) lists every setting: environment variable, flag,
 * type, default, allowed range and help. Values come from the default,
 * then the environment (ECS-friendly), then command-line flags, which
 * override. An out-of-range or malformed value is refused with one line
 * naming the variable, the value and what is allowed; programs print it and
 * exit with status 2 (CS_CONFIG_EXIT).
 */
#ifndef CS_UTIL_CONFIG_H
#define CS_UTIL_CONFIG_H

#include <stdio.h>

#include "util/err.h"

#define CS_CONFIG_EXIT 2

/* Which programs a setting belongs to. */
enum cs_prog {
    CS_PROG_DISPATCHER = 1 << 0,
    CS_PROG_WORKER = 1 << 1,
    CS_PROG_AGGREGATOR = 1 << 2,
    CS_PROG_CLI = 1 << 3,
    CS_PROG_ALL = 0xf
};

/* The effective configuration. Strings are owned by the struct (never
 * NULL after a successful load; "" when unset) and freed by
 * cs_config_free. */
struct cs_config {
    /* Kafka and Redis */
    char *kafka_brokers;
    char *kafka_properties_file;
    int kafka_msk_iam;          /* CELLSCAN_KAFKA_MSK_IAM (0/1) */
    char *topic_prefix;
    char *redis_url;
    int report_ttl_s;
    int startup_timeout_s;
    int max_poll_interval_s;
    /* AWS access */
    char *role_name;
    char *role_arn_template;
    char *external_id;
    char *org_role_arn;
    char *aws_region;
    char *aws_retry_mode;
    int aws_max_attempts;
    char *ca_bundle;
    int http_connect_timeout_s;
    int http_timeout_s;
    int session_duration_s;
    /* scheduling */
    int max_concurrent_accounts;
    int account_concurrency;
    int worker_concurrency;
    int cell_timeout_s;
    int scan_deadline_s;
    int drain_timeout_s;
    int cell_violations;
    int report_violations;
    /* identity, logs, metrics */
    char *worker_id;
    char *client_id;
    char *log_level;
    char *metrics_addr;
};

/* Loads the configuration of program prog (one CS_PROG_* bit) into cfg
 * (which it first zeroes) from defaults, the environment and argv.
 * Recognised flags (--name=value or --name value) are removed from argv and
 * *argc is updated; anything else is left for the caller, in order, after
 * argv[0]. Returns CS_OK; CS_ERR_HELP when --help or -h was given (cfg
 * still holds defaults, free it); CS_ERR_INVALID with the one-line message
 * in err for a bad value. On any return, free cfg with cs_config_free. */
cs_rc cs_config_load(struct cs_config *cfg, unsigned prog, int *argc,
                     char **argv, struct cs_err *err);

/* Frees the strings of cfg. NULL is a no-op. */
void cs_config_free(struct cs_config *cfg);

/* Writes the settings of prog, each with its variable, flag, default,
 * range and meaning, to out (the --help text). */
void cs_config_help(unsigned prog, FILE *out);

/* Writes the effective value of each setting of prog as VAR=value lines. */
void cs_config_print(const struct cs_config *cfg, unsigned prog, FILE *out);

/* Standard handling for a program's main(): loads the config; on --help
 * prints usage (usage may be NULL) and the settings to stdout and returns
 * 0 with *done set; on a bad value or an unexpected argument prints the
 * message to stderr and returns CS_CONFIG_EXIT with *done set. Otherwise
 * returns 0 with *done clear and cfg loaded. Unrecognised arguments are an
 * error unless allow_args is set. */
int cs_config_main(struct cs_config *cfg, unsigned prog, const char *usage,
                   int *argc, char **argv, int allow_args, int *done);

#endif
