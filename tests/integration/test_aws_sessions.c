/* aws sessions against the simulator: AssumeRole with the right ExternalId
 * works, without it or with a wrong one is the AccessDenied outcome (not
 * retried, remembered); 50 concurrent requests for one account make one
 * AssumeRole; a session is refreshed when 5 minutes remain and not
 * before; AssumeRole is made from the base credentials, never chained. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/sts.h"
#include "aws_sim.h"
#include "util/clock.h"

static struct aws_env env;

static int reset(void **state)
{
    (void)state;
    aws_env_vars(&env, 0);
    aws_admin(&env, "DELETE", "/_awssim/faults", NULL);
    aws_admin(&env, "POST", "/_awssim/reset", NULL);
    return 0;
}

static void external_id_outcomes(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    struct cs_aws_error aerr;
    struct cs_aws_stats stats = {0};
    cs_aws_creds_t *cr = NULL;
    cs_aws_t *aws;
    cs_aws_client_t *cl;

    (void)state;
    aws = aws_env_context(&err);
    cl = cs_aws_client_new(aws, &err);
    assert_int_equal(cs_aws_assume(cl, MEMBER, &cr, &stats, &aerr, &err), CS_OK);
    assert_true(cs_aws_creds_temporary(cr));
    assert_int_equal(cs_aws_creds_source(cr), CS_AWS_SRC_ASSUME_ROLE);
    assert_int_equal(stats.calls, 1);
    cs_aws_creds_unref(cr);

    /* no ExternalId: a distinct, final outcome */
    struct cs_aws_assume_opts none = {.account_id = MEMBER, .external_id = ""};
    memset(&stats, 0, sizeof(stats));
    assert_int_equal(cs_aws_assume_ex(cl, &none, &cr, &stats, &aerr, &err), CS_ERR_DENIED);
    assert_null(cr);
    assert_string_equal(aerr.code, "AccessDenied");
    assert_true(aerr.denied);
    assert_int_equal(stats.requests, 1);
    assert_int_equal(stats.retries, 0);
    /* a wrong one */
    struct cs_aws_assume_opts wrong = {.account_id = MEMBER, .external_id = "not-it"};
    assert_int_equal(cs_aws_assume_ex(cl, &wrong, &cr, NULL, &aerr, &err), CS_ERR_DENIED);
    assert_string_equal(aerr.code, "AccessDenied");
    /* an untrusting role */
    assert_int_equal(cs_aws_assume(cl, UNTRUSTING, &cr, NULL, &aerr, &err), CS_ERR_DENIED);
    assert_non_null(strstr(err.msg, "AccessDenied"));
    /* remembered: asking again costs no AssumeRole */
    long before = aws_sim_assumes(&env, UNTRUSTING);
    assert_int_equal(cs_aws_assume(cl, UNTRUSTING, &cr, NULL, &aerr, &err), CS_ERR_DENIED);
    assert_string_equal(aerr.code, "AccessDenied");
    assert_int_equal(aws_sim_assumes(&env, UNTRUSTING), before);
    assert_int_equal(aws_sim_assumes(&env, MEMBER), 3);
    /* a malformed account never reaches STS */
    assert_int_equal(cs_aws_assume(cl, "12345", &cr, NULL, &aerr, &err), CS_ERR_INVALID);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
}

#define THREADS 50

struct racer {
    cs_aws_t *aws;
    pthread_barrier_t *go;
    char akid[64];
    cs_rc rc;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct cs_err err = CS_ERR_INIT;
    cs_aws_client_t *cl = cs_aws_client_new(r->aws, &err);
    cs_aws_creds_t *cr = NULL;

    pthread_barrier_wait(r->go);
    r->rc = cs_aws_assume(cl, MEMBER, &cr, NULL, NULL, &err);
    if (cr)
        snprintf(r->akid, sizeof(r->akid), "%s", cs_aws_creds_access_key_id(cr));
    cs_aws_creds_unref(cr);
    cs_aws_client_destroy(cl);
    return NULL;
}

static void fifty_concurrent_one_assume(void **state)
{
    static struct racer r[THREADS];
    pthread_t th[THREADS];
    pthread_barrier_t go;
    struct cs_err err = CS_ERR_INIT;
    cs_aws_t *aws;

    (void)state;
    /* a slow STS widens the window in which the 50 overlap */
    aws_admin(&env, "POST", "/_awssim/faults",
              "{\"kind\":\"latency\",\"ms\":300,\"service\":\"sts\",\"operation\":\"AssumeRole\"}");
    aws = aws_env_context(&err);
    assert_non_null(aws);
    pthread_barrier_init(&go, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        r[i].aws = aws;
        r[i].go = &go;
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(r[i].rc, CS_OK);
        assert_string_equal(r[i].akid, r[0].akid);
    }
    assert_int_equal(aws_sim_assumes(&env, MEMBER), 1);
    pthread_barrier_destroy(&go);
    cs_aws_destroy(aws);
}

static int64_t fake_ms;

static int64_t fake_clock(void *ud)
{
    (void)ud;
    return fake_ms;
}

static void refreshed_when_five_minutes_remain(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    cs_aws_t *aws = aws_env_context(&err);
    cs_aws_client_t *cl = cs_aws_client_new(aws, &err);
    cs_aws_creds_t *a = NULL, *b = NULL, *c = NULL;
    int64_t exp;
    char first[64];

    (void)state;
    fake_ms = cs_wall_ms();
    cs_aws_set_clock(aws, fake_clock, NULL);
    assert_int_equal(cs_aws_assume(cl, MEMBER, &a, NULL, NULL, &err), CS_OK);
    snprintf(first, sizeof(first), "%s", cs_aws_creds_access_key_id(a));
    exp = cs_aws_creds_expiration_ms(a);
    /* the configured duration, 3600 s by default */
    assert_true(exp - fake_ms > 3590 * 1000LL && exp - fake_ms <= 3601 * 1000LL);
    fake_ms = exp - 300 * 1000 - 1000;  /* 5 min + 1 s left: cached */
    assert_int_equal(cs_aws_assume(cl, MEMBER, &b, NULL, NULL, &err), CS_OK);
    assert_string_equal(cs_aws_creds_access_key_id(b), first);
    assert_int_equal(aws_sim_assumes(&env, MEMBER), 1);
    fake_ms = exp - 300 * 1000 + 1000;  /* less than 5 min: a new session */
    assert_int_equal(cs_aws_assume(cl, MEMBER, &c, NULL, NULL, &err), CS_OK);
    assert_string_not_equal(cs_aws_creds_access_key_id(c), first);
    assert_int_equal(aws_sim_assumes(&env, MEMBER), 2);
    /* holders of the old handle keep valid memory */
    assert_string_equal(cs_aws_creds_access_key_id(a), first);
    cs_aws_creds_unref(a);
    cs_aws_creds_unref(b);
    cs_aws_creds_unref(c);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
}

static void forget_and_expired_session(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    struct cs_aws_error aerr;
    cs_aws_t *aws = aws_env_context(&err);
    cs_aws_client_t *cl = cs_aws_client_new(aws, &err);
    cs_aws_creds_t *a = NULL, *b = NULL;
    struct cs_aws_req req = {.service = "ec2", .operation = "DescribeRegions",
                             .account_id = MEMBER};
    char body[256];

    (void)state;
    assert_int_equal(cs_aws_assume(cl, MEMBER, &a, NULL, NULL, &err), CS_OK);
    snprintf(body, sizeof(body), "{\"access_key_id\":\"%s\"}", cs_aws_creds_access_key_id(a));
    aws_admin(&env, "POST", "/_awssim/sessions/expire", body);
    assert_int_equal(cs_aws_call(cl, a, &req, NULL, NULL, &aerr, &err), CS_ERR_AWS);
    assert_true(aerr.expired);
    assert_false(aerr.transient);
    cs_aws_forget(aws, a);
    assert_int_equal(cs_aws_assume(cl, MEMBER, &b, NULL, NULL, &err), CS_OK);
    assert_string_not_equal(cs_aws_creds_access_key_id(a), cs_aws_creds_access_key_id(b));
    assert_int_equal(cs_aws_call(cl, b, &req, NULL, NULL, NULL, &err), CS_OK);
    assert_int_equal(aws_sim_assumes(&env, MEMBER), 2);
    cs_aws_creds_unref(a);
    cs_aws_creds_unref(b);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
}

/* Every AssumeRole the simulator logged came from the base identity. */
static void assert_never_chained(const char *caller_source)
{
    json_t *log = aws_admin_json(&env, "GET", "/_awssim/log?operation=AssumeRole", NULL);
    json_t *e;
    size_t i, n = 0;

    json_array_foreach(json_object_get(log, "entries"), i, e) {
        assert_true(json_is_false(json_object_get(e, "chained")));
        assert_string_equal(json_string_value(json_object_get(e, "caller_source")),
                            caller_source);
        n++;
    }
    assert_true(n >= 1);
    json_decref(log);
}

static void never_chained(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    char path[700];
    FILE *f;
    cs_aws_t *aws;
    cs_aws_client_t *cl;
    cs_aws_creds_t *a = NULL, *b = NULL;
    struct cs_aws_identity id;

    (void)state;
    /* base credentials from web identity: a role session themselves */
    aws_env_vars(&env, 1);
    snprintf(path, sizeof(path), "%s/web-token", env.tmp);
    f = fopen(path, "w");
    fputs(WEB_TOKEN "\n", f);
    fclose(f);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::222222222222:role/worker-irsa", 1);
    aws = aws_env_context(&err);
    cl = cs_aws_client_new(aws, &err);
    assert_int_equal(cs_aws_assume(cl, MEMBER, &a, NULL, NULL, &err), CS_OK);
    assert_int_equal(cs_aws_assume(cl, LAMBDA_DENIED, &b, NULL, NULL, &err), CS_OK);
    /* the member session itself works */
    assert_int_equal(cs_aws_caller_identity(cl, b, NULL, &id, NULL, NULL, &err), CS_OK);
    assert_string_equal(id.account, LAMBDA_DENIED);
    assert_never_chained("web_identity");
    cs_aws_creds_unref(a);
    cs_aws_creds_unref(b);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
    /* and from long-term keys */
    aws_env_vars(&env, 0);
    aws_admin(&env, "POST", "/_awssim/reset", NULL);
    aws = aws_env_context(&err);
    cl = cs_aws_client_new(aws, &err);
    assert_int_equal(cs_aws_assume(cl, MEMBER, &a, NULL, NULL, &err), CS_OK);
    assert_never_chained("static");
    cs_aws_creds_unref(a);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
}

static void role_arn_template(void **state)
{
    char arn[256];
    struct cs_err err = CS_ERR_INIT;
    const char *t = "arn:{partition}:iam::{account_id}:role/{role_name}";

    (void)state;
    assert_int_equal(cs_aws_role_arn(t, MEMBER, "R", "us-east-1", arn, sizeof(arn), &err), CS_OK);
    assert_string_equal(arn, "arn:aws:iam::" MEMBER ":role/R");
    assert_int_equal(cs_aws_role_arn(t, MEMBER, "R", "cn-north-1", arn, sizeof(arn), &err), CS_OK);
    assert_string_equal(arn, "arn:aws-cn:iam::" MEMBER ":role/R");
    assert_int_equal(cs_aws_role_arn(t, MEMBER, "R", "us-gov-west-1", arn, sizeof(arn), &err), CS_OK);
    assert_string_equal(arn, "arn:aws-us-gov:iam::" MEMBER ":role/R");
    assert_int_equal(cs_aws_role_arn(t, "33333333333x", "R", "us-east-1", arn, sizeof(arn), &err),
                     CS_ERR_INVALID);
    assert_int_equal(cs_aws_role_arn("arn:aws:s3:::{account_id}", MEMBER, "R", "us-east-1", arn,
                                     sizeof(arn), &err), CS_ERR_INVALID);
    assert_int_equal(cs_aws_role_arn(t, MEMBER, "R", "us-east-1", arn, 10, &err), CS_ERR_LIMIT);
}

static void session_names(void **state)
{
    char name[80];

    (void)state;
    assert_string_equal(cs_aws_session_name("worker 7/a", 1700000000, name),
                        "cellscan-worker-7-a-1700000000");
    cs_aws_session_name("wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww",
                        1700000000, name);
    assert_int_equal(strlen(name), 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(external_id_outcomes, reset),
        cmocka_unit_test_setup(fifty_concurrent_one_assume, reset),
        cmocka_unit_test_setup(refreshed_when_five_minutes_remain, reset),
        cmocka_unit_test_setup(forget_and_expired_session, reset),
        cmocka_unit_test_setup(never_chained, reset),
        cmocka_unit_test(role_arn_template),
        cmocka_unit_test(session_names),
    };
    int rc;

    aws_env_start(&env);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    aws_env_stop(&env);
    return rc;
}
