#include "util/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum setting_type { SET_INT, SET_STR, SET_ENUM, SET_BOOL };

/* Checks a string value; returns NULL when valid, else why not. */
typedef const char *(*str_check_fn)(const char *v);

struct setting {
    const char *env;
    const char *flag;
    enum setting_type type;
    const char *def;      /* default, as text */
    long long min, max;   /* SET_INT */
    const char *choices;  /* SET_ENUM: "a|b|c" */
    str_check_fn check;   /* SET_STR: optional */
    unsigned progs;
    size_t offset;
    const char *help;
};

#define D CS_PROG_DISPATCHER
#define W CS_PROG_WORKER
#define A CS_PROG_AGGREGATOR
#define C CS_PROG_CLI
#define ALL CS_PROG_ALL
#define OFF(f) offsetof(struct cs_config, f)

static const char *check_prefix(const char *v)
{
    for (; *v; v++)
        if (!isalnum((unsigned char)*v) && *v != '.' && *v != '_' && *v != '-')
            return "may hold only letters, digits, '.', '_' and '-'";
    return NULL;
}

static const char *check_role_name(const char *v)
{
    size_t n = strlen(v);

    if (n < 1 || n > 64)
        return "must be 1..64 characters";
    for (; *v; v++)
        if (!isalnum((unsigned char)*v) && !strchr("+=,.@_-", *v))
            return "may hold only letters, digits and +=,.@_-";
    return NULL;
}

static const char *check_template(const char *v)
{
    if (strstr(v, "{account_id}") == NULL)
        return "must contain {account_id}";
    if (strncmp(v, "arn:", 4) != 0)
        return "must start with arn:";
    return NULL;
}

static const char *check_external_id(const char *v)
{
    size_t n = strlen(v);

    if (n == 0)
        return NULL;
    if (n < 2 || n > 1224)
        return "must be 2..1224 characters";
    for (; *v; v++)
        if (!isalnum((unsigned char)*v) && !strchr("+=,.@:/_-", *v))
            return "may hold only letters, digits and +=,.@:/_-";
    return NULL;
}

static const char *check_role_arn(const char *v)
{
    if (*v && strncmp(v, "arn:", 4) != 0)
        return "must be an IAM role ARN (arn:...:role/...)";
    if (*v && strstr(v, ":role/") == NULL)
        return "must be an IAM role ARN (arn:...:role/...)";
    return NULL;
}

static const char *check_hostport(const char *v)
{
    const char *colon;
    char *end;
    long port;

    if (*v == '\0' || strcmp(v, "off") == 0)
        return NULL;
    colon = strrchr(v, ':');
    if (colon == NULL || colon == v)
        return "must be host:port, or off";
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
        return "must be host:port with port 0..65535, or off";
    return NULL;
}

static const char *check_redis_url(const char *v)
{
    if (strncmp(v, "redis://", 8) != 0 && strncmp(v, "unix://", 7) != 0)
        return "must start with redis:// or unix://";
    return NULL;
}

static const char *check_nonempty(const char *v)
{
    return *v ? NULL : "must not be empty";
}

static const char *check_client_id(const char *v)
{
    size_t n = strlen(v);

    if (n < 1 || n > 64)
        return "must be 1..64 characters";
    for (; *v; v++)
        if (!isalnum((unsigned char)*v) && !strchr("._-", *v))
            return "may hold only letters, digits, '.', '_' and '-'";
    return NULL;
}

static const struct setting settings[] = {
    {"CELLSCAN_KAFKA_BROKERS", "kafka-brokers", SET_STR, "127.0.0.1:9092", 0, 0, NULL, check_nonempty, ALL, OFF(kafka_brokers),
     "Kafka bootstrap servers (host:port,...)"},
    {"CELLSCAN_KAFKA_PROPERTIES_FILE", "kafka-properties-file", SET_STR, "", 0, 0, NULL, NULL, ALL, OFF(kafka_properties_file),
     "file of librdkafka properties (key=value lines); CELLSCAN_KAFKA_<PROPERTY> variables also pass through"},
    {"CELLSCAN_KAFKA_MSK_IAM", "kafka-msk-iam", SET_BOOL, "false", 0, 0, NULL, NULL, ALL, OFF(kafka_msk_iam),
     "Amazon MSK IAM authentication: sign OAUTHBEARER tokens for kafka.<AWS_REGION>.amazonaws.com with the base AWS credentials (needs sasl.mechanism=OAUTHBEARER, e.g. CELLSCAN_KAFKA_SASL_MECHANISM=OAUTHBEARER)"},
    {"CELLSCAN_TOPIC_PREFIX", "topic-prefix", SET_STR, "cellscan.", 0, 0, NULL, check_prefix, ALL, OFF(topic_prefix),
     "prefix of the topic names (scan-requests, cell-jobs, cell-results, scan-results, dead-letters)"},
    {"CELLSCAN_REDIS_URL", "redis-url", SET_STR, "redis://127.0.0.1:6379/0", 0, 0, NULL, check_redis_url, D | A | C, OFF(redis_url),
     "Redis for reports and per-client state (redis://[:password@]host:port[/db] or unix://path)"},
    {"CELLSCAN_REPORT_TTL", "report-ttl", SET_INT, "604800", 60, 31536000, NULL, NULL, D | A | C, OFF(report_ttl_s),
     "seconds a report stays in Redis"},
    {"CELLSCAN_STARTUP_TIMEOUT", "startup-timeout", SET_INT, "30", 1, 600, NULL, NULL, ALL, OFF(startup_timeout_s),
     "seconds to wait for Kafka and Redis at start before exiting non-zero"},
    {"CELLSCAN_MAX_POLL_INTERVAL", "max-poll-interval", SET_INT, "10", 1, 3600, NULL, NULL, ALL, OFF(max_poll_interval_s),
     "seconds a Kafka consumer may go without polling before the group drops it (max.poll.interval.ms; also the rebalance timeout)"},
    {"CELLSCAN_ROLE_NAME", "role-name", SET_STR, "CellScanReadOnly", 0, 0, NULL, check_role_name, D | W | C, OFF(role_name),
     "role assumed in every scanned account"},
    {"CELLSCAN_ROLE_ARN_TEMPLATE", "role-arn-template", SET_STR, "arn:{partition}:iam::{account_id}:role/{role_name}", 0, 0, NULL, check_template, D | W | C, OFF(role_arn_template),
     "role ARN template; {partition}, {account_id} and {role_name} are replaced"},
    {"CELLSCAN_EXTERNAL_ID", "external-id", SET_STR, "", 0, 0, NULL, check_external_id, D | W | C, OFF(external_id),
     "sts:ExternalId sent with every AssumeRole (empty = none)"},
    {"CELLSCAN_ORG_ROLE_ARN", "org-role-arn", SET_STR, "", 0, 0, NULL, check_role_arn, D | C, OFF(org_role_arn),
     "organization-discovery role in the management account (required for organization scopes)"},
    {"AWS_REGION", "aws-region", SET_STR, "us-east-1", 0, 0, NULL, check_nonempty, ALL, OFF(aws_region),
     "home region: regional STS endpoint and partition of the scanner"},
    {"AWS_RETRY_MODE", "aws-retry-mode", SET_ENUM, "standard", 0, 0, "standard|adaptive|legacy", NULL, D | W | C, OFF(aws_retry_mode),
     "AWS SDK retry mode; adaptive adds client-side rate limiting per account, service and region"},
    {"AWS_MAX_ATTEMPTS", "aws-max-attempts", SET_INT, "3", 1, 20, NULL, NULL, D | W | C, OFF(aws_max_attempts),
     "attempts per AWS call, the first included"},
    {"AWS_CA_BUNDLE", "ca-bundle", SET_STR, "", 0, 0, NULL, NULL, D | W | C, OFF(ca_bundle),
     "CA bundle for TLS to AWS (empty = system default)"},
    {"CELLSCAN_HTTP_CONNECT_TIMEOUT", "http-connect-timeout", SET_INT, "5", 1, 60, NULL, NULL, D | W | C, OFF(http_connect_timeout_s),
     "seconds to connect to an AWS endpoint"},
    {"CELLSCAN_HTTP_TIMEOUT", "http-timeout", SET_INT, "30", 1, 600, NULL, NULL, D | W | C, OFF(http_timeout_s),
     "seconds for one AWS HTTP request, connect included"},
    {"CELLSCAN_SESSION_DURATION", "session-duration", SET_INT, "3600", 900, 43200, NULL, NULL, D | W | C, OFF(session_duration_s),
     "AssumeRole DurationSeconds"},
    {"CELLSCAN_MAX_CONCURRENT_ACCOUNTS", "max-concurrent-accounts", SET_INT, "5", 1, 20, NULL, NULL, W | C, OFF(max_concurrent_accounts),
     "accounts one worker scans at once"},
    {"CELLSCAN_ACCOUNT_CONCURRENCY", "account-concurrency", SET_INT, "2", 1, 8, NULL, NULL, W | C, OFF(account_concurrency),
     "cells of one account a worker runs at once"},
    {"CELLSCAN_WORKER_CONCURRENCY", "worker-concurrency", SET_INT, "8", 1, 64, NULL, NULL, W | C, OFF(worker_concurrency),
     "cells one worker runs at once, all accounts together"},
    {"CELLSCAN_CELL_TIMEOUT", "cell-timeout", SET_INT, "120", 30, 600, NULL, NULL, W | C, OFF(cell_timeout_s),
     "seconds one cell may run; then it is partial with reason cell_timeout"},
    {"CELLSCAN_SCAN_DEADLINE", "scan-deadline", SET_INT, "3600", 60, 86400, NULL, NULL, D | A | C, OFF(scan_deadline_s),
     "default scan deadline in seconds (a scope's deadline_s overrides)"},
    {"CELLSCAN_DRAIN_TIMEOUT", "drain-timeout", SET_INT, "25", 1, 600, NULL, NULL, ALL, OFF(drain_timeout_s),
     "seconds to finish in-flight work after SIGTERM (keep below the ECS stop timeout)"},
    {"CELLSCAN_CELL_VIOLATIONS", "cell-violations", SET_INT, "1000", 0, 100000, NULL, NULL, W | C, OFF(cell_violations),
     "violations one CellResult carries; the rest are counted as truncated"},
    {"CELLSCAN_REPORT_VIOLATIONS", "report-violations", SET_INT, "1000", 0, 100000, NULL, NULL, A | C, OFF(report_violations),
     "violations one ScanReport carries; the rest are counted as truncated"},
    {"CELLSCAN_WORKER_ID", "worker-id", SET_STR, "", 0, 0, NULL, NULL, ALL, OFF(worker_id),
     "name of this instance in results and metrics (empty = hostname:pid)"},
    {"CELLSCAN_CLIENT_ID", "client-id", SET_STR, "default", 0, 0, NULL, check_client_id, C, OFF(client_id),
     "tenant the CLI acts for (submit, status, report)"},
    {"CELLSCAN_LOG_LEVEL", "log-level", SET_ENUM, "info", 0, 0, "debug|info|warn|error", NULL, ALL, OFF(log_level),
     "minimum level of JSON log lines on stderr"},
    {"CELLSCAN_METRICS_ADDR", "metrics-addr", SET_STR, "127.0.0.1:9464", 0, 0, NULL, check_hostport, D | W | A, OFF(metrics_addr),
     "host:port of /metrics and /healthz (off = disabled; port 0 = any)"},
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static char **str_field(struct cs_config *cfg, const struct setting *s)
{
    return (char **)((char *)cfg + s->offset);
}

static int *int_field(struct cs_config *cfg, const struct setting *s)
{
    return (int *)((char *)cfg + s->offset);
}

/* Names the source of a value in messages: the variable, and the flag when
 * the value came from one. */
static void source_name(const struct setting *s, int from_flag, char *out,
                        size_t outlen)
{
    if (from_flag)
        snprintf(out, outlen, "--%s (%s)", s->flag, s->env);
    else
        snprintf(out, outlen, "%s", s->env);
}

static int enum_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);
    const char *p = choices;

    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0)
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

/* 1 for true, 0 for false, -1 for anything else. */
static int bool_value(const char *v)
{
    static const char *const yes[] = {"true", "1", "yes", "on", NULL};
    static const char *const no[] = {"false", "0", "no", "off", NULL};

    for (int i = 0; yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
    for (int i = 0; no[i]; i++)
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    return -1;
}

static cs_rc set_value(struct cs_config *cfg, const struct setting *s,
                       const char *v, int from_flag, struct cs_err *err)
{
    char src[128];
    char **sp;

    source_name(s, from_flag, src, sizeof(src));
    if (s->type == SET_INT) {
        char *end;
        long long n;

        errno = 0;
        n = strtoll(v, &end, 10);
        if (*v == '\0' || *end != '\0' || errno == ERANGE || isspace((unsigned char)*v))
            return cs_err_set(err, CS_ERR_INVALID,
                              "%s=%s is not an integer: allowed %lld..%lld",
                              src, v, s->min, s->max);
        if (n < s->min || n > s->max)
            return cs_err_set(err, CS_ERR_INVALID,
                              "%s=%s is out of range: allowed %lld..%lld",
                              src, v, s->min, s->max);
        *int_field(cfg, s) = (int)n;
        return CS_OK;
    }
    if (s->type == SET_BOOL) {
        int b = bool_value(v);
        if (b < 0)
            return cs_err_set(err, CS_ERR_INVALID,
                              "%s=%s is not allowed: one of true|false "
                              "(also 1|0, yes|no, on|off)", src, v);
        *int_field(cfg, s) = b;
        return CS_OK;
    }
    if (s->type == SET_ENUM && !enum_ok(s->choices, v))
        return cs_err_set(err, CS_ERR_INVALID, "%s=%s is not allowed: one of %s",
                          src, v, s->choices);
    if (s->type == SET_STR && s->check) {
        const char *why = s->check(v);
        if (why)
            return cs_err_set(err, CS_ERR_INVALID, "%s=%s is invalid: %s",
                              src, v, why);
    }
    sp = str_field(cfg, s);
    free(*sp);
    *sp = strdup(v);
    if (*sp == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    return CS_OK;
}

static const struct setting *find_flag(const char *name, size_t len,
                                       unsigned prog)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];
        if ((s->progs & prog) && strlen(s->flag) == len &&
            strncmp(s->flag, name, len) == 0)
            return s;
    }
    return NULL;
}

/* Parses argv flags, compacting the rest. Returns CS_ERR_HELP for -h. */
static cs_rc load_flags(struct cs_config *cfg, unsigned prog, int *argc,
                        char **argv, struct cs_err *err)
{
    int out = 1;
    int help = 0;

    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const struct setting *s = NULL;
        const char *eq, *value;
        cs_rc rc;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help = 1;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strncmp(a, "--", 2) == 0) {
            eq = strchr(a + 2, '=');
            s = find_flag(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2), prog);
        }
        if (s == NULL) {
            argv[out++] = argv[i];
            continue;
        }
        if (eq) {
            value = eq + 1;
        } else if (i + 1 < *argc) {
            value = argv[++i];
        } else {
            return cs_err_set(err, CS_ERR_INVALID, "--%s (%s) needs a value",
                              s->flag, s->env);
        }
        rc = set_value(cfg, s, value, 1, err);
        if (rc != CS_OK)
            return rc;
    }
    *argc = out;
    argv[out] = NULL;
    return help ? CS_ERR_HELP : CS_OK;
}

/* The sasl.mechanism librdkafka will get, as lib/bus/kconf.c builds it:
 * the properties file, then CELLSCAN_KAFKA_SASL_MECHANISM(S), which win.
 * "" when none is set. A file that cannot be read is left for kconf to
 * report. */
static void kafka_sasl_mechanism(const char *file, char *out, size_t outlen)
{
    const char *env = getenv("CELLSCAN_KAFKA_SASL_MECHANISMS");
    char line[1024];
    FILE *f;

    out[0] = '\0';
    if (env == NULL)
        env = getenv("CELLSCAN_KAFKA_SASL_MECHANISM");
    if (env) {
        snprintf(out, outlen, "%s", env);
        return;
    }
    if (file == NULL || file[0] == '\0' || (f = fopen(file, "r")) == NULL)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *k = line, *eq, *end;
        while (*k == ' ' || *k == '\t')
            k++;
        if (*k == '#' || (eq = strchr(k, '=')) == NULL)
            continue;
        for (end = eq; end > k && (end[-1] == ' ' || end[-1] == '\t');)
            end--;
        if (!((end - k == 14 && strncmp(k, "sasl.mechanism", 14) == 0) ||
              (end - k == 15 && strncmp(k, "sasl.mechanisms", 15) == 0)))
            continue;
        k = eq + 1;
        while (*k == ' ' || *k == '\t')
            k++;
        end = k + strlen(k);
        while (end > k && strchr(" \t\r\n", end[-1]))
            *--end = '\0';
        snprintf(out, outlen, "%s", k);
    }
    fclose(f);
}

/* Settings that only make sense together. */
static cs_rc check_combinations(const struct cs_config *cfg,
                                struct cs_err *err)
{
    char mech[64];

    if (!cfg->kafka_msk_iam)
        return CS_OK;
    kafka_sasl_mechanism(cfg->kafka_properties_file, mech, sizeof(mech));
    if (strcmp(mech, "OAUTHBEARER") != 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "CELLSCAN_KAFKA_MSK_IAM=true needs "
                          "CELLSCAN_KAFKA_SASL_MECHANISM=OAUTHBEARER "
                          "(sasl.mechanism is %s%s%s)",
                          mech[0] ? "\"" : "", mech[0] ? mech : "not set",
                          mech[0] ? "\"" : "");
    return CS_OK;
}

cs_rc cs_config_load(struct cs_config *cfg, unsigned prog, int *argc,
                     char **argv, struct cs_err *err)
{
    cs_rc rc;

    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];
        /* every string field is non-NULL, even for other programs */
        if ((s->type != SET_INT && s->type != SET_BOOL) || (s->progs & prog)) {
            rc = set_value(cfg, s, s->def, 0, err);
            if (rc != CS_OK)
                return rc;
        }
    }
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];
        const char *v = getenv(s->env);
        if (v == NULL || !(s->progs & prog))
            continue;
        rc = set_value(cfg, s, v, 0, err);
        if (rc != CS_OK)
            return rc;
    }
    rc = load_flags(cfg, prog, argc, argv, err);
    if (rc == CS_OK)
        rc = check_combinations(cfg, err);
    if (rc != CS_OK)
        return rc;
    if (cfg->worker_id[0] == '\0') {
        char host[256] = "localhost";
        char id[300];
        gethostname(host, sizeof(host) - 1);
        host[sizeof(host) - 1] = '\0';
        snprintf(id, sizeof(id), "%s:%ld", host, (long)getpid());
        free(cfg->worker_id);
        cfg->worker_id = strdup(id);
        if (cfg->worker_id == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    }
    return CS_OK;
}

void cs_config_free(struct cs_config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (settings[i].type != SET_INT && settings[i].type != SET_BOOL) {
            char **sp = str_field(cfg, &settings[i]);
            free(*sp);
            *sp = NULL;
        }
    }
}

void cs_config_help(unsigned prog, FILE *out)
{
    fprintf(out, "Settings (environment variable, then --flag, which overrides):\n");
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];
        if (!(s->progs & prog))
            continue;
        fprintf(out, "  %-34s --%s\n      %s\n", s->env, s->flag, s->help);
        if (s->type == SET_INT)
            fprintf(out, "      default %s, range %lld..%lld\n", s->def,
                    s->min, s->max);
        else if (s->type == SET_ENUM)
            fprintf(out, "      default %s, one of %s\n", s->def, s->choices);
        else if (s->type == SET_BOOL)
            fprintf(out, "      default %s, one of true|false\n", s->def);
        else
            fprintf(out, "      default \"%s\"\n", s->def);
    }
}

void cs_config_print(const struct cs_config *cfg, unsigned prog, FILE *out)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];
        if (!(s->progs & prog))
            continue;
        if (s->type == SET_INT)
            fprintf(out, "%s=%d\n", s->env,
                    *(const int *)((const char *)cfg + s->offset));
        else if (s->type == SET_BOOL)
            fprintf(out, "%s=%s\n", s->env,
                    *(const int *)((const char *)cfg + s->offset) ? "true"
                                                                  : "false");
        else
            fprintf(out, "%s=%s\n", s->env,
                    *(char *const *)((const char *)cfg + s->offset));
    }
}

int cs_config_main(struct cs_config *cfg, unsigned prog, const char *usage,
                   int *argc, char **argv, int allow_args, int *done)
{
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc = cs_config_load(cfg, prog, argc, argv, &err);

    *done = 1;
    if (rc == CS_ERR_HELP) {
        if (usage)
            fputs(usage, stdout);
        cs_config_help(prog, stdout);
        return 0;
    }
    if (rc != CS_OK) {
        fprintf(stderr, "%s: %s\n", argv[0], err.msg);
        return CS_CONFIG_EXIT;
    }
    if (!allow_args && *argc > 1) {
        fprintf(stderr, "%s: unknown argument %s (see --help)\n", argv[0],
                argv[1]);
        return CS_CONFIG_EXIT;
    }
    *done = 0;
    return 0;
}
