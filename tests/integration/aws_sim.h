/* aws_sim.h: what the test_aws_*.c integration tests share: the names in
 * test_aws_fixture.yaml (the simulator's world), starting the simulator
 * (tests/awssim) on it, resetting the credential
 * variables between scenarios, building a cs_aws_t from the environment,
 * and reading the simulator's counters. Included by each test (static
 * functions only). */
#ifndef CS_TEST_AWS_SIM_H
#define CS_TEST_AWS_SIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "aws/aws.h"
#include "proc.h"
#include "util/config.h"

#define SCANNER_KEY "AKIASCANNER000000001"
#define SCANNER_SECRET "scannerSECRET/0123456789+abcdefghijABCDEF"
#define PROFILE_KEY "AKIAPROFILE000000001"
#define PROFILE_SECRET "profileSECRET/0123456789+abcdefghijABCDEF"
#define EXTERNAL_ID "ext-cellscan-42"
#define WEB_TOKEN "eyJhbGciOiJSUzI1NiJ9.web-identity-token-for-tests.sig"
#define CONTAINER_TOKEN "container-auth-token-for-tests-7f3a"
#define MEMBER "333333333333"
#define UNTRUSTING "444444444444"
#define LAMBDA_DENIED "555555555555"

static const char *const aws_vars[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "CELLSCAN_CONTAINER_CREDENTIALS_ENDPOINT", "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_ENDPOINT_URL", "AWS_REGION",
    "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "CELLSCAN_EXTERNAL_ID",
    "CELLSCAN_ORG_ROLE_ARN", "CELLSCAN_HTTP_TIMEOUT", "CELLSCAN_WORKER_ID",
    "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", NULL};

#define AWS_FIXTURE CS_SOURCE_DIR "/tests/integration/test_aws_fixture.yaml"

struct aws_env {
    char tmp[512];
    struct cs_awssim sim;
};

static inline void aws_env_start(struct aws_env *e)
{
    const char *args[] = {"--fixture", AWS_FIXTURE, NULL};

    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cs_tmpdir_make("cs-aws", e->tmp, sizeof(e->tmp)) != 0)
        abort();
    if (cs_awssim_start(&e->sim, e->tmp, args) != 0)
        abort();
}

static inline void aws_env_stop(struct aws_env *e)
{
    cs_awssim_stop(&e->sim);
    cs_tmpdir_remove(e->tmp);
    curl_global_cleanup();
}

/* Only the simulator: every credential variable cleared, IMDS off, no
 * ~/.aws, then the scanner's keys in the environment unless bare. */
static inline void aws_env_vars(const struct aws_env *e, int bare)
{
    for (int i = 0; aws_vars[i]; i++)
        unsetenv(aws_vars[i]);
    setenv("AWS_ENDPOINT_URL", e->sim.url, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("HOME", e->tmp, 1);
    setenv("CELLSCAN_EXTERNAL_ID", EXTERNAL_ID, 1);
    if (!bare) {
        setenv("AWS_ACCESS_KEY_ID", SCANNER_KEY, 1);
        setenv("AWS_SECRET_ACCESS_KEY", SCANNER_SECRET, 1);
    }
}

/* A context from the configuration the environment gives the CLI. */
static cs_aws_t *aws_env_context(struct cs_err *err)
{
    struct cs_config cfg;
    char *argv[] = {"test", NULL};
    int argc = 1;
    cs_aws_t *aws = NULL;

    if (cs_config_load(&cfg, CS_PROG_CLI, &argc, argv, err) == CS_OK)
        aws = cs_aws_new(&cfg, err);
    cs_config_free(&cfg);
    return aws;
}

static json_t *aws_admin_json(const struct aws_env *e, const char *method,
                              const char *path, const char *body)
{
    char *text = cs_awssim_admin(&e->sim, method, path, body);
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;

    free(text);
    return j;
}

static inline void aws_admin(const struct aws_env *e, const char *method,
                      const char *path, const char *body)
{
    json_decref(aws_admin_json(e, method, path, body));
}

/* Requests the simulator counted for (account, service, operation) with
 * outcome (NULL = any). */
static inline long aws_sim_count(const struct aws_env *e, const char *account,
                          const char *service, const char *operation,
                          const char *outcome)
{
    json_t *j = aws_admin_json(e, "GET", "/_awssim/counters", NULL);
    json_t *row;
    size_t i;
    long n = 0;

    json_array_foreach(json_object_get(j, "requests"), i, row) {
        const char *a = json_string_value(json_object_get(row, "account_id"));
        const char *s = json_string_value(json_object_get(row, "service"));
        const char *o = json_string_value(json_object_get(row, "operation"));
        const char *r = json_string_value(json_object_get(row, "outcome"));
        if ((account == NULL || (a && strcmp(a, account) == 0)) &&
            (service == NULL || (s && strcmp(s, service) == 0)) &&
            (operation == NULL || (o && strcmp(o, operation) == 0)) &&
            (outcome == NULL || (r && strcmp(r, outcome) == 0)))
            n += (long)json_integer_value(json_object_get(row, "count"));
    }
    json_decref(j);
    return n;
}

/* AssumeRole calls the simulator saw for a target account. */
static inline long aws_sim_assumes(const struct aws_env *e, const char *account)
{
    json_t *j = aws_admin_json(e, "GET", "/_awssim/counters", NULL);
    long n = (long)json_integer_value(
        json_object_get(json_object_get(j, "assume_role_per_account"), account));

    json_decref(j);
    return n;
}

#endif
