/* Configuration: defaults, every range bound, malformed values, flags
 * overriding the environment, and the one-line error message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"

static const char *const all_env[] = {
    "CELLSCAN_KAFKA_BROKERS", "CELLSCAN_TOPIC_PREFIX", "CELLSCAN_REDIS_URL",
    "CELLSCAN_ROLE_NAME", "CELLSCAN_ROLE_ARN_TEMPLATE", "CELLSCAN_EXTERNAL_ID",
    "CELLSCAN_SESSION_DURATION", "CELLSCAN_MAX_CONCURRENT_ACCOUNTS",
    "CELLSCAN_ACCOUNT_CONCURRENCY", "CELLSCAN_CELL_TIMEOUT",
    "CELLSCAN_SCAN_DEADLINE", "CELLSCAN_LOG_LEVEL", "CELLSCAN_METRICS_ADDR",
    "CELLSCAN_WORKER_CONCURRENCY", "CELLSCAN_ORG_ROLE_ARN", "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE", "CELLSCAN_WORKER_ID", NULL,
};

static int clean_env(void **state)
{
    (void)state;
    for (int i = 0; all_env[i]; i++)
        unsetenv(all_env[i]);
    return 0;
}

/* Loads the worker config with env var=value and optional flags. */
static cs_rc load(struct cs_config *cfg, const char *var, const char *value,
                  const char *flag1, const char *flag2, struct cs_err *err)
{
    char *argv[4] = {"worker", (char *)flag1, (char *)flag2, NULL};
    int argc = 1 + (flag1 != NULL) + (flag2 != NULL);

    clean_env(NULL);
    if (var)
        setenv(var, value, 1);
    return cs_config_load(cfg, CS_PROG_WORKER, &argc, argv, err);
}

static void defaults(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    (void)state;
    assert_int_equal(load(&cfg, NULL, NULL, NULL, NULL, &err), CS_OK);
    assert_string_equal(cfg.topic_prefix, "cellscan.");
    assert_string_equal(cfg.role_name, "CellScanReadOnly");
    assert_string_equal(cfg.role_arn_template,
                        "arn:{partition}:iam::{account_id}:role/{role_name}");
    assert_string_equal(cfg.external_id, "");
    assert_int_equal(cfg.session_duration_s, 3600);
    assert_int_equal(cfg.max_concurrent_accounts, 5);
    assert_int_equal(cfg.account_concurrency, 2);
    assert_int_equal(cfg.cell_timeout_s, 120);
    assert_string_equal(cfg.log_level, "info");
    assert_int_equal(cfg.aws_max_attempts, 3);
    assert_string_equal(cfg.aws_retry_mode, "standard");
    assert_true(strlen(cfg.worker_id) > 0);
    cs_config_free(&cfg);
}

struct bound {
    const char *var;
    const char *below, *min, *max, *above;
    size_t offset;
    unsigned prog;
};

static void every_range_bound(void **state)
{
    const struct bound bounds[] = {
        {"CELLSCAN_SESSION_DURATION", "899", "900", "43200", "43201",
         offsetof(struct cs_config, session_duration_s), CS_PROG_WORKER},
        {"CELLSCAN_MAX_CONCURRENT_ACCOUNTS", "0", "1", "20", "21",
         offsetof(struct cs_config, max_concurrent_accounts), CS_PROG_WORKER},
        {"CELLSCAN_ACCOUNT_CONCURRENCY", "0", "1", "8", "9",
         offsetof(struct cs_config, account_concurrency), CS_PROG_WORKER},
        {"CELLSCAN_CELL_TIMEOUT", "29", "30", "600", "601",
         offsetof(struct cs_config, cell_timeout_s), CS_PROG_WORKER},
        {"CELLSCAN_SCAN_DEADLINE", "59", "60", "86400", "86401",
         offsetof(struct cs_config, scan_deadline_s), CS_PROG_DISPATCHER},
        {"CELLSCAN_WORKER_CONCURRENCY", "0", "1", "64", "65",
         offsetof(struct cs_config, worker_concurrency), CS_PROG_WORKER},
        {"AWS_MAX_ATTEMPTS", "0", "1", "20", "21",
         offsetof(struct cs_config, aws_max_attempts), CS_PROG_WORKER},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        const struct bound *b = &bounds[i];
        const char *vals[4] = {b->below, b->min, b->max, b->above};
        for (int k = 0; k < 4; k++) {
            struct cs_config cfg;
            struct cs_err err = CS_ERR_INIT;
            char *argv[2] = {"prog", NULL};
            int argc = 1;
            char expect[64];
            cs_rc rc;

            clean_env(NULL);
            setenv(b->var, vals[k], 1);
            rc = cs_config_load(&cfg, b->prog, &argc, argv, &err);
            if (k == 1 || k == 2) {
                assert_int_equal(rc, CS_OK);
                assert_int_equal(*(int *)((char *)&cfg + b->offset),
                                 atoi(vals[k]));
            } else {
                assert_int_equal(rc, CS_ERR_INVALID);
                /* names the variable, the value and the range */
                assert_non_null(strstr(err.msg, b->var));
                snprintf(expect, sizeof(expect), "=%s ", vals[k]);
                assert_non_null(strstr(err.msg, expect));
                snprintf(expect, sizeof(expect), "%s..%s", b->min, b->max);
                assert_non_null(strstr(err.msg, expect));
                assert_null(strchr(err.msg, '\n'));
            }
            cs_config_free(&cfg);
        }
    }
}

static void malformed_numbers_refused(void **state)
{
    const char *bad[] = {"", "abc", "3600s", " 3600", "36 00", "1e4", "0x100",
                         "99999999999999999999", "-", NULL};
    (void)state;
    for (int i = 0; bad[i]; i++) {
        struct cs_config cfg;
        struct cs_err err = CS_ERR_INIT;
        assert_int_equal(load(&cfg, "CELLSCAN_SESSION_DURATION", bad[i], NULL,
                              NULL, &err),
                         CS_ERR_INVALID);
        assert_non_null(strstr(err.msg, "CELLSCAN_SESSION_DURATION"));
        assert_non_null(strstr(err.msg, "900..43200"));
        cs_config_free(&cfg);
    }
}

static void flags_override_environment(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    (void)state;
    assert_int_equal(load(&cfg, "CELLSCAN_SESSION_DURATION", "1200",
                          "--session-duration=1800", NULL, &err),
                     CS_OK);
    assert_int_equal(cfg.session_duration_s, 1800);
    cs_config_free(&cfg);
    /* "--flag value" form */
    assert_int_equal(load(&cfg, "CELLSCAN_ROLE_NAME", "FromEnv", "--role-name",
                          "FromFlag", &err),
                     CS_OK);
    assert_string_equal(cfg.role_name, "FromFlag");
    cs_config_free(&cfg);
    /* env alone applies */
    assert_int_equal(load(&cfg, "CELLSCAN_ROLE_NAME", "FromEnv", NULL, NULL, &err),
                     CS_OK);
    assert_string_equal(cfg.role_name, "FromEnv");
    cs_config_free(&cfg);
}

static void bad_flag_value_names_flag_and_variable(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    (void)state;
    assert_int_equal(load(&cfg, "CELLSCAN_SESSION_DURATION", "1200",
                          "--session-duration=43201", NULL, &err),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "--session-duration"));
    assert_non_null(strstr(err.msg, "CELLSCAN_SESSION_DURATION"));
    assert_non_null(strstr(err.msg, "43201"));
    assert_non_null(strstr(err.msg, "900..43200"));
    cs_config_free(&cfg);
    assert_int_equal(load(&cfg, NULL, NULL, "--cell-timeout", NULL, &err),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "needs a value"));
    cs_config_free(&cfg);
}

static void enums_and_strings_validated(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    (void)state;
    assert_int_equal(load(&cfg, "CELLSCAN_LOG_LEVEL", "loud", NULL, NULL, &err),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "CELLSCAN_LOG_LEVEL=loud"));
    assert_non_null(strstr(err.msg, "debug|info|warn|error"));
    cs_config_free(&cfg);
    assert_int_equal(load(&cfg, "CELLSCAN_LOG_LEVEL", "debug", NULL, NULL, &err), CS_OK);
    assert_string_equal(cfg.log_level, "debug");
    cs_config_free(&cfg);
    assert_int_equal(load(&cfg, "CELLSCAN_ROLE_NAME", "bad role", NULL, NULL, &err),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "CELLSCAN_ROLE_NAME"));
    cs_config_free(&cfg);
    assert_int_equal(load(&cfg, "CELLSCAN_ROLE_ARN_TEMPLATE",
                          "arn:aws:iam::123:role/x", NULL, NULL, &err),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "{account_id}"));
    cs_config_free(&cfg);
    assert_int_equal(load(&cfg, "CELLSCAN_METRICS_ADDR", "nohost", NULL, NULL, &err),
                     CS_ERR_INVALID);
    cs_config_free(&cfg);
    assert_int_equal(load(&cfg, "CELLSCAN_METRICS_ADDR", "0.0.0.0:9464", NULL, NULL, &err),
                     CS_OK);
    cs_config_free(&cfg);
    assert_int_equal(load(&cfg, "AWS_RETRY_MODE", "adaptive", NULL, NULL, &err), CS_OK);
    assert_string_equal(cfg.aws_retry_mode, "adaptive");
    cs_config_free(&cfg);
}

static void unknown_arguments_are_left_for_the_caller(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    char *argv[] = {"cellscan", "run", "--scope", "s.json", "--cell-timeout=60",
                    "--workers", "3", NULL};
    int argc = 7;
    (void)state;
    clean_env(NULL);
    assert_int_equal(cs_config_load(&cfg, CS_PROG_CLI, &argc, argv, &err), CS_OK);
    assert_int_equal(cfg.cell_timeout_s, 60);
    assert_int_equal(argc, 6);
    assert_string_equal(argv[1], "run");
    assert_string_equal(argv[2], "--scope");
    assert_string_equal(argv[3], "s.json");
    assert_string_equal(argv[4], "--workers");
    assert_string_equal(argv[5], "3");
    assert_null(argv[6]);
    cs_config_free(&cfg);
}

static void settings_of_other_programs_ignored(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    char *argv[] = {"aggregator", NULL};
    int argc = 1;
    (void)state;
    clean_env(NULL);
    /* the aggregator has no session duration: a bad value there is not
     * its business */
    setenv("CELLSCAN_SESSION_DURATION", "1", 1);
    assert_int_equal(cs_config_load(&cfg, CS_PROG_AGGREGATOR, &argc, argv, &err), CS_OK);
    cs_config_free(&cfg);
}

/* `cellscan run` with CELLSCAN_REDIS_URL stores reports as the daemons do,
 * so the CLI has the report TTL too. */
static void cli_has_the_report_ttl(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    char *argv[] = {"cellscan", "run", NULL};
    int argc = 2;
    (void)state;
    clean_env(NULL);
    assert_int_equal(cs_config_load(&cfg, CS_PROG_CLI, &argc, argv, &err), CS_OK);
    assert_int_equal(cfg.report_ttl_s, 604800);
    cs_config_free(&cfg);
    setenv("CELLSCAN_REPORT_TTL", "3600", 1);
    assert_int_equal(cs_config_load(&cfg, CS_PROG_CLI, &argc, argv, &err), CS_OK);
    assert_int_equal(cfg.report_ttl_s, 3600);
    cs_config_free(&cfg);
    unsetenv("CELLSCAN_REPORT_TTL");
}

static void help_is_reported(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    char *argv[] = {"worker", "--help", NULL};
    int argc = 2;
    (void)state;
    clean_env(NULL);
    assert_int_equal(cs_config_load(&cfg, CS_PROG_WORKER, &argc, argv, &err), CS_ERR_HELP);
    cs_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(defaults, clean_env),
        cmocka_unit_test_setup(every_range_bound, clean_env),
        cmocka_unit_test_setup(malformed_numbers_refused, clean_env),
        cmocka_unit_test_setup(flags_override_environment, clean_env),
        cmocka_unit_test_setup(bad_flag_value_names_flag_and_variable, clean_env),
        cmocka_unit_test_setup(enums_and_strings_validated, clean_env),
        cmocka_unit_test_setup(unknown_arguments_are_left_for_the_caller, clean_env),
        cmocka_unit_test_setup(settings_of_other_programs_ignored, clean_env),
        cmocka_unit_test_setup(cli_has_the_report_ttl, clean_env),
        cmocka_unit_test_setup(help_is_reported, clean_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
