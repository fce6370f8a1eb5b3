/* aws/creds, aws/metadata, aws/sts parsing: credentials handles (copies in
 * secret memory, reference counts, sources), the credential JSON documents
 * of IMDS, the container endpoint and credential_process, and STS
 * credential answers; errors never carry a secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "aws/creds.h"
#include "aws/metadata.h"
#include "aws/sts.h"

static void handles(void **state)
{
    struct cs_err err = CS_ERR_INIT;
    char secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    cs_aws_creds_t *c = cs_aws_creds_new("AKIDEXAMPLE", secret, "tok", 1700000000000LL,
                                         CS_AWS_SRC_IMDS, &err);
    struct cs_sigv4_creds v;

    (void)state;
    assert_non_null(c);
    memset(secret, 'x', sizeof(secret) - 1); /* the handle kept its own copy */
    cs_aws_creds_sign_view(c, &v);
    assert_string_equal(v.secret_access_key, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    assert_string_equal(v.session_token, "tok");
    assert_string_equal(cs_aws_creds_access_key_id(c), "AKIDEXAMPLE");
    assert_true(cs_aws_creds_temporary(c));
    assert_int_equal(cs_aws_creds_expiration_ms(c), 1700000000000LL);
    assert_string_equal(cs_aws_creds_source_name(cs_aws_creds_source(c)), "imds");
    assert_ptr_equal(cs_aws_creds_ref(c), c);
    cs_aws_creds_unref(c);
    assert_string_equal(cs_aws_creds_access_key_id(c), "AKIDEXAMPLE");
    cs_aws_creds_unref(c);
    cs_aws_creds_unref(NULL);
    assert_null(cs_aws_creds_ref(NULL));
    c = cs_aws_creds_new("AKID", "s", "", 0, CS_AWS_SRC_ENV, &err);
    assert_false(cs_aws_creds_temporary(c));
    cs_aws_creds_unref(c);
    assert_null(cs_aws_creds_new("AKID", "", NULL, 0, CS_AWS_SRC_ENV, &err));
    assert_int_equal(err.code, CS_ERR_INVALID);
    assert_null(cs_aws_creds_new(NULL, "s", NULL, 0, CS_AWS_SRC_ENV, &err));
}

static void credential_documents(void **state)
{
    static const char imds[] =
        "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-11-25T22:00:00Z\",\n"
        "  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"ASIAIMDS\",\n"
        "  \"SecretAccessKey\" : \"imds-secret\",\n  \"Token\" : \"imds-token\",\n"
        "  \"Expiration\" : \"2026-11-26T04:00:00Z\"\n}";
    static const char process[] =
        "{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"proc-secret\"}";
    cs_aws_creds_t *c = NULL;
    struct cs_err err = CS_ERR_INIT;
    struct cs_sigv4_creds v;

    (void)state;
    assert_int_equal(cs_aws_parse_credential_json(imds, strlen(imds), CS_AWS_SRC_IMDS, 0, &c,
                                                  &err), CS_OK);
    cs_aws_creds_sign_view(c, &v);
    assert_string_equal(v.session_token, "imds-token");
    assert_int_equal(cs_aws_creds_expiration_ms(c), 1795665600000LL);
    cs_aws_creds_unref(c);
    assert_int_equal(cs_aws_parse_credential_json(process, strlen(process), CS_AWS_SRC_PROCESS,
                                                  1, &c, &err), CS_OK);
    assert_int_equal(cs_aws_creds_expiration_ms(c), 0);
    cs_aws_creds_unref(c);
    /* refusals name the problem, never a value */
    static const char *const bad[] = {
        "{\"Code\":\"Failure\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"hush\"}",
        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"hush\"}",
        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"hush\",\"Expiration\":\"soon\"}",
        "{\"AccessKeyId\":\"A\"}",
        "[\"hush\"]",
        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"hush\",\"Expiration\":\"2026-11-26T04:00:00Z\"",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cs_aws_parse_credential_json(bad[i], strlen(bad[i]), CS_AWS_SRC_CONTAINER,
                                                      0, &c, &err), CS_ERR_PARSE);
        assert_null(c);
        assert_null(strstr(err.msg, "hush"));
    }
    assert_int_equal(cs_aws_parse_credential_json(process, strlen(process) - 1,
                                                  CS_AWS_SRC_PROCESS, 1, &c, &err), CS_ERR_PARSE);
    static const char v2[] = "{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\"}";
    assert_int_equal(cs_aws_parse_credential_json(v2, strlen(v2), CS_AWS_SRC_PROCESS, 1, &c, &err),
                     CS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "Version"));
}

static void sts_answers(void **state)
{
    static const char ok[] =
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<AssumeRoleResult><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/R/s</Arn>"
        "<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser><Credentials>"
        "<AccessKeyId>ASIASTS</AccessKeyId><SecretAccessKey>sts-secret</SecretAccessKey>"
        "<SessionToken>sts-token</SessionToken><Expiration>2026-11-25T23:00:00Z</Expiration>"
        "</Credentials></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId>"
        "</ResponseMetadata></AssumeRoleResponse>";
    static const char no_token[] =
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
        "<SecretAccessKey>hush</SecretAccessKey><Expiration>2026-11-25T23:00:00Z</Expiration>"
        "</Credentials></AssumeRoleResult></AssumeRoleResponse>";
    static const char ident[] =
        "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/u</Arn>"
        "<UserId>AIDA</UserId><Account>111111111111</Account></GetCallerIdentityResult>"
        "</GetCallerIdentityResponse>";
    cs_aws_creds_t *c = NULL;
    struct cs_aws_identity id;
    struct cs_err err = CS_ERR_INIT;
    struct cs_sigv4_creds v;

    (void)state;
    assert_int_equal(cs_aws_sts_parse_credentials(ok, strlen(ok), CS_AWS_SRC_ASSUME_ROLE, &c,
                                                  &err), CS_OK);
    cs_aws_creds_sign_view(c, &v);
    assert_string_equal(v.access_key_id, "ASIASTS");
    assert_string_equal(v.secret_access_key, "sts-secret");
    assert_string_equal(v.session_token, "sts-token");
    assert_int_equal(cs_aws_creds_expiration_ms(c), 1795647600000LL);
    cs_aws_creds_unref(c);
    assert_int_equal(cs_aws_sts_parse_credentials(no_token, strlen(no_token),
                                                  CS_AWS_SRC_ASSUME_ROLE, &c, &err), CS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "SessionToken"));
    assert_null(strstr(err.msg, "hush"));
    assert_int_equal(cs_aws_sts_parse_credentials(ok, strlen(ok) / 2, CS_AWS_SRC_ASSUME_ROLE, &c,
                                                  &err), CS_ERR_PARSE);
    assert_null(c);
    assert_int_equal(cs_aws_sts_parse_identity(ident, strlen(ident), &id, &err), CS_OK);
    assert_string_equal(id.account, "111111111111");
    assert_string_equal(id.arn, "arn:aws:iam::1:user/u");
    assert_string_equal(id.user_id, "AIDA");
    assert_int_equal(cs_aws_sts_parse_identity("<x/>", 4, &id, &err), CS_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(handles),
        cmocka_unit_test(credential_documents),
        cmocka_unit_test(sts_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
