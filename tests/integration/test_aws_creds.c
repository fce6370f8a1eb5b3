/* aws base credentials against the simulator: each provider of the chain
 * works alone (env, shared credentials file, config-file profile with
 * credential_process, web identity, container full and relative URI with a
 * token or a token file, IMDSv2), the chain picks them in SDK order, a
 * configured provider that fails stops the chain, none configured is a
 * clear "not found", and expiring base credentials are refreshed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/sts.h"
#include "aws_sim.h"
#include "util/clock.h"

static struct aws_env env;

static void write_file(const char *name, const char *text, char *path, size_t len)
{
    FILE *f;

    snprintf(path, len, "%s/%s", env.tmp, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

/* Resolves the base credentials in a fresh context and checks who they
 * are: the provider and the ARN GetCallerIdentity reports. */
static void expect_identity(enum cs_aws_creds_source src, const char *arn_part)
{
    struct cs_err err = CS_ERR_INIT;
    cs_aws_t *aws = aws_env_context(&err);
    cs_aws_client_t *cl;
    cs_aws_creds_t *base = NULL;
    struct cs_aws_identity id;
    char detail[256];

    if (aws == NULL)
        fail_msg("context: %s", err.msg);
    cl = cs_aws_client_new(aws, &err);
    if (cs_aws_base_creds(cl, &base, &err) != CS_OK)
        fail_msg("base credentials: %s", err.msg);
    if (cs_aws_creds_source(base) != src)
        fail_msg("provider %s, want %s", cs_aws_creds_source_name(cs_aws_creds_source(base)),
                 cs_aws_creds_source_name(src));
    assert_int_equal(cs_aws_caller_identity(cl, NULL, NULL, &id, NULL, NULL, &err), CS_OK);
    if (strstr(id.arn, arn_part) == NULL)
        fail_msg("arn %s lacks %s", id.arn, arn_part);
    cs_aws_base_describe(aws, detail, sizeof(detail));
    assert_string_not_equal(detail, "");
    cs_aws_creds_unref(base);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
}

static cs_rc resolve_error(struct cs_err *err)
{
    cs_aws_t *aws = aws_env_context(err);
    cs_aws_client_t *cl;
    cs_aws_creds_t *base = NULL;
    cs_rc rc;

    if (aws == NULL)
        return err->code;
    cl = cs_aws_client_new(aws, err);
    rc = cs_aws_base_creds(cl, &base, err);
    cs_aws_creds_unref(base);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
    return rc;
}

static int bare(void **state)
{
    (void)state;
    aws_env_vars(&env, 1);
    return 0;
}

static void env_alone(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", SCANNER_KEY, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SCANNER_SECRET, 1);
    expect_identity(CS_AWS_SRC_ENV, ":user/cellscan-scanner");
}

static void env_half_set_is_an_error(void **state)
{
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    setenv("AWS_ACCESS_KEY_ID", SCANNER_KEY, 1);
    assert_int_equal(resolve_error(&err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "AWS_SECRET_ACCESS_KEY"));
}

static void shared_credentials_file(void **state)
{
    char path[700];

    (void)state;
    write_file("credentials", "# test\n[default]\naws_access_key_id = nope\n"
               "aws_secret_access_key = nope\n\n[dev]\naws_access_key_id = " PROFILE_KEY "\n"
               "aws_secret_access_key = " PROFILE_SECRET "\n", path, sizeof(path));
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    setenv("AWS_PROFILE", "dev", 1);
    expect_identity(CS_AWS_SRC_PROFILE, ":user/profile-user");
}

static void default_profile_in_home(void **state)
{
    char path[700], dir[600];

    (void)state;
    snprintf(dir, sizeof(dir), "%s/.aws", env.tmp);
    mkdir(dir, 0700);
    write_file(".aws/credentials", "[default]\naws_access_key_id=" PROFILE_KEY "\n"
               "aws_secret_access_key=" PROFILE_SECRET "\n", path, sizeof(path));
    expect_identity(CS_AWS_SRC_PROFILE, ":user/profile-user");
    unlink(path);
    rmdir(dir);
}

static void config_profile_credential_process(void **state)
{
    char path[700];

    (void)state;
    write_file("config", "[default]\nregion = us-east-1\n[profile proc]\n"
               "credential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"" PROFILE_KEY
               "\", \"SecretAccessKey\": \"" PROFILE_SECRET "\"}'\n", path, sizeof(path));
    setenv("AWS_CONFIG_FILE", path, 1);
    setenv("AWS_PROFILE", "proc", 1);
    expect_identity(CS_AWS_SRC_PROCESS, ":user/profile-user");
}

static void missing_profile_is_an_error(void **state)
{
    char path[700];
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    write_file("credentials", "[other]\naws_access_key_id = a\naws_secret_access_key = b\n",
               path, sizeof(path));
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    setenv("AWS_PROFILE", "dev", 1);
    assert_int_equal(resolve_error(&err), CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'dev'"));
}

static void web_identity_env(void **state)
{
    char path[700];

    (void)state;
    write_file("token", WEB_TOKEN "\n", path, sizeof(path));
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::222222222222:role/worker-irsa", 1);
    expect_identity(CS_AWS_SRC_WEB_IDENTITY, ":assumed-role/worker-irsa/");
}

static void web_identity_bad_token_stops_chain(void **state)
{
    char path[700];
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    write_file("token", "forged", path, sizeof(path));
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::222222222222:role/worker-irsa", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", env.sim.url, 1);
    assert_int_equal(resolve_error(&err), CS_ERR_AWS);
    assert_non_null(strstr(err.msg, "InvalidIdentityToken"));
    assert_null(strstr(err.msg, "forged"));
}

static void container_full_uri(void **state)
{
    char uri[300];

    (void)state;
    snprintf(uri, sizeof(uri), "%s/ecs/credentials", env.sim.url);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", CONTAINER_TOKEN, 1);
    expect_identity(CS_AWS_SRC_CONTAINER, ":assumed-role/worker-ecs/");
}

static void container_token_file_and_relative_uri(void **state)
{
    char path[700];
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    write_file("ecs-token", CONTAINER_TOKEN "\n", path, sizeof(path));
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/test-task", 1);
    setenv("CELLSCAN_CONTAINER_CREDENTIALS_ENDPOINT", env.sim.url, 1);
    expect_identity(CS_AWS_SRC_CONTAINER, ":assumed-role/worker-ecs/");
    /* the full URI with the token from a file */
    char uri[300];
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    snprintf(uri, sizeof(uri), "%s/ecs/credentials", env.sim.url);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-but-the-file-wins", 1);
    expect_identity(CS_AWS_SRC_CONTAINER, ":assumed-role/worker-ecs/");
    /* a wrong token is an error, not a fall-through to IMDS */
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", env.sim.url, 1);
    assert_int_equal(resolve_error(&err), CS_ERR_AWS);
    assert_non_null(strstr(err.msg, "container"));
    assert_null(strstr(err.msg, "wrong-but"));
    /* plain http to anything but loopback/ECS is refused at start */
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds", 1);
    assert_null(aws_env_context(&err));
    assert_non_null(strstr(err.msg, "FULL_URI"));
}

static void imds_v2(void **state)
{
    (void)state;
    setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", env.sim.url, 1);
    expect_identity(CS_AWS_SRC_IMDS, ":assumed-role/worker-imds/");
}

static void nothing_configured(void **state)
{
    struct cs_err err = CS_ERR_INIT;

    (void)state;
    assert_int_equal(resolve_error(&err), CS_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "env"));
    assert_non_null(strstr(err.msg, "imds"));
    /* an IMDS that does not answer counts as not configured */
    setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
    assert_int_equal(resolve_error(&err), CS_ERR_NOTFOUND);
}

/* Everything configured, then removed one by one: env, profile, web
 * identity, container, IMDS. */
static void chain_order(void **state)
{
    char creds[700], token[700], uri[300];

    (void)state;
    write_file("credentials", "[default]\naws_access_key_id = " PROFILE_KEY "\n"
               "aws_secret_access_key = " PROFILE_SECRET "\n", creds, sizeof(creds));
    write_file("token", WEB_TOKEN, token, sizeof(token));
    snprintf(uri, sizeof(uri), "%s/ecs/credentials", env.sim.url);
    setenv("AWS_ACCESS_KEY_ID", SCANNER_KEY, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SCANNER_SECRET, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::222222222222:role/worker-irsa", 1);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", CONTAINER_TOKEN, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", env.sim.url, 1);
    expect_identity(CS_AWS_SRC_ENV, ":user/cellscan-scanner");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    expect_identity(CS_AWS_SRC_PROFILE, ":user/profile-user");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    expect_identity(CS_AWS_SRC_WEB_IDENTITY, ":assumed-role/worker-irsa/");
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    expect_identity(CS_AWS_SRC_CONTAINER, ":assumed-role/worker-ecs/");
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    expect_identity(CS_AWS_SRC_IMDS, ":assumed-role/worker-imds/");
}

static int64_t fake_ms;

static int64_t fake_clock(void *ud)
{
    (void)ud;
    return fake_ms;
}

static void expiring_base_refreshed(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    cs_aws_t *aws;
    cs_aws_client_t *cl;
    cs_aws_creds_t *a = NULL, *b = NULL, *c = NULL;
    long before;

    (void)state;
    setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", env.sim.url, 1);
    aws = aws_env_context(&err);
    cl = cs_aws_client_new(aws, &err);
    fake_ms = cs_wall_ms();
    cs_aws_set_clock(aws, fake_clock, NULL);
    before = aws_sim_count(&env, NULL, "imds", NULL, NULL);
    assert_int_equal(cs_aws_base_creds(cl, &a, &err), CS_OK);
    assert_true(cs_aws_creds_expiration_ms(a) > fake_ms);
    long per_fetch = aws_sim_count(&env, NULL, "imds", NULL, NULL) - before;
    assert_int_equal(per_fetch, 3); /* token, role name, credentials */
    fake_ms = cs_aws_creds_expiration_ms(a) - 301 * 1000;
    assert_int_equal(cs_aws_base_creds(cl, &b, &err), CS_OK);
    assert_ptr_equal(a, b);
    fake_ms = cs_aws_creds_expiration_ms(a) - 299 * 1000;
    assert_int_equal(cs_aws_base_creds(cl, &c, &err), CS_OK);
    assert_int_equal(aws_sim_count(&env, NULL, "imds", NULL, NULL) - before, 2 * per_fetch);
    cs_aws_creds_unref(a);
    cs_aws_creds_unref(b);
    cs_aws_creds_unref(c);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(env_alone, bare),
        cmocka_unit_test_setup(env_half_set_is_an_error, bare),
        cmocka_unit_test_setup(shared_credentials_file, bare),
        cmocka_unit_test_setup(default_profile_in_home, bare),
        cmocka_unit_test_setup(config_profile_credential_process, bare),
        cmocka_unit_test_setup(missing_profile_is_an_error, bare),
        cmocka_unit_test_setup(web_identity_env, bare),
        cmocka_unit_test_setup(web_identity_bad_token_stops_chain, bare),
        cmocka_unit_test_setup(container_full_uri, bare),
        cmocka_unit_test_setup(container_token_file_and_relative_uri, bare),
        cmocka_unit_test_setup(imds_v2, bare),
        cmocka_unit_test_setup(nothing_configured, bare),
        cmocka_unit_test_setup(chain_order, bare),
        cmocka_unit_test_setup(expiring_base_refreshed, bare),
    };
    int rc;

    aws_env_start(&env);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    aws_env_stop(&env);
    return rc;
}
