/* aws/error: error answers of every protocol (bodies in the shapes AWS and
 * botocore's parsers use) become one cs_aws_error with the right code,
 * message, request id and classification; unparseable bodies still give a
 * clean value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "aws/error.h"

struct example {
    enum cs_aws_protocol p;
    int status;
    const char *body;
    const char *type_header;
    const char *rid_header;
    const char *code, *message, *rid;
    int throttle, transient, denied, expired, not_enabled;
};

static const struct example examples[] = {
    {CS_AWS_PROTO_QUERY, 403,
     "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
     "<Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::"
     "111111111111:user/s is not authorized to perform: sts:AssumeRole</Message>"
     "</Error><RequestId>4b3c1f5e-0000</RequestId></ErrorResponse>",
     NULL, NULL, "AccessDenied",
     "User: arn:aws:iam::111111111111:user/s is not authorized to perform: sts:AssumeRole",
     "4b3c1f5e-0000", 0, 0, 1, 0, 0},
    {CS_AWS_PROTO_QUERY, 400,
     "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
     "<Message>Rate exceeded</Message></Error><RequestId>r2</RequestId></ErrorResponse>",
     NULL, "ignored-when-body-has-one", "Throttling", "Rate exceeded", "r2", 1, 0, 0, 0, 0},
    {CS_AWS_PROTO_QUERY, 403,
     "<ErrorResponse><Error><Code>ExpiredToken</Code><Message>The security token "
     "included in the request is expired</Message></Error></ErrorResponse>",
     NULL, "hdr-rid", "ExpiredToken", "The security token included in the request is expired",
     "hdr-rid", 0, 0, 0, 1, 0},
    {CS_AWS_PROTO_EC2, 503,
     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
     "<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
     "</Error></Errors><RequestID>ec2-rid</RequestID></Response>",
     NULL, NULL, "RequestLimitExceeded", "Request limit exceeded.", "ec2-rid", 1, 1, 0, 0, 0},
    {CS_AWS_PROTO_EC2, 403,
     "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are "
     "not authorized to perform this operation.</Message></Error></Errors>"
     "<RequestID>x</RequestID></Response>",
     NULL, NULL, "UnauthorizedOperation", "You are not authorized to perform this operation.",
     "x", 0, 0, 1, 0, 0},
    {CS_AWS_PROTO_EC2, 400,
     "<Response><Errors><Error><Code>OptInRequired</Code><Message>You are not "
     "subscribed to this service.</Message></Error></Errors><RequestID>y</RequestID></Response>",
     NULL, NULL, "OptInRequired", "You are not subscribed to this service.", "y", 0, 0, 0, 0, 1},
    {CS_AWS_PROTO_REST_XML, 503,
     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
     "<Message>Please reduce your request rate.</Message><RequestId>S3RID</RequestId>"
     "<HostId>h</HostId></Error>",
     NULL, "S3RID", "SlowDown", "Please reduce your request rate.", "S3RID", 1, 1, 0, 0, 0},
    {CS_AWS_PROTO_REST_XML, 404,
     "<Error><Code>NoSuchTagSet</Code><Message>The TagSet does not exist</Message>"
     "<BucketName>b</BucketName><RequestId>q</RequestId></Error>",
     NULL, NULL, "NoSuchTagSet", "The TagSet does not exist", "q", 0, 0, 0, 0, 0},
    {CS_AWS_PROTO_REST_XML, 403, "", NULL, "head-rid", "403", "", "head-rid", 0, 0, 0, 0, 0},
    {CS_AWS_PROTO_JSON, 400,
     "{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\",\"message\":"
     "\"The security token included in the request is expired\"}",
     NULL, "json-rid", "ExpiredTokenException",
     "The security token included in the request is expired", "json-rid", 0, 0, 0, 1, 0},
    {CS_AWS_PROTO_JSON, 400,
     "{\"__type\":\"ThrottledException\",\"Message\":\"Rate exceeded\"}",
     NULL, NULL, "ThrottledException", "Rate exceeded", "", 1, 0, 0, 0, 0},
    {CS_AWS_PROTO_JSON, 400,
     "{\"__type\":\"AWSOrganizationsNotInUseException\",\"Message\":\"Your account "
     "is not a member of an organization.\"}",
     NULL, NULL, "AWSOrganizationsNotInUseException",
     "Your account is not a member of an organization.", "", 0, 0, 0, 0, 1},
    {CS_AWS_PROTO_JSON, 400,
     "{\"__type\":\"AccessDeniedException\",\"message\":\"You don't have permissions\"}",
     NULL, NULL, "AccessDeniedException", "You don't have permissions", "", 0, 0, 1, 0, 0},
    {CS_AWS_PROTO_REST_JSON, 403, "{\"Message\":\"User is not authorized\"}",
     "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/",
     "rj-rid", "AccessDeniedException", "User is not authorized", "rj-rid", 0, 0, 1, 0, 0},
    {CS_AWS_PROTO_REST_JSON, 429, "{\"message\":\"Rate exceeded\",\"Type\":\"User\"}",
     "TooManyRequestsException", NULL, "TooManyRequestsException", "Rate exceeded", "", 1, 0, 0, 0, 0},
    {CS_AWS_PROTO_REST_JSON, 400,
     "{\"code\":\"ResourceNotFoundException\",\"message\":\"No cluster found\"}",
     NULL, NULL, "ResourceNotFoundException", "No cluster found", "", 0, 0, 0, 0, 0},
    /* bodies that do not parse: the status is all there is */
    {CS_AWS_PROTO_QUERY, 500, "<ErrorResponse><Error><Code>Internal", NULL, NULL,
     "500", "", "", 0, 1, 0, 0, 0},
    {CS_AWS_PROTO_JSON, 502, "{\"__type\": \"Throttl", NULL, NULL, "502", "", "", 0, 1, 0, 0, 0},
    {CS_AWS_PROTO_REST_JSON, 504, "<html>gateway</html>", NULL, NULL, "504", "", "", 0, 1, 0, 0, 0},
    {CS_AWS_PROTO_JSON, 400, "[1,2]", NULL, NULL, "400", "", "", 0, 0, 0, 0, 0},
    {CS_AWS_PROTO_QUERY, 400,
     "<!DOCTYPE e [<!ENTITY x \"AccessDenied\">]><ErrorResponse><Error><Code>&x;</Code>"
     "</Error></ErrorResponse>", NULL, NULL, "400", "", "", 0, 0, 0, 0, 0},
};

static void every_protocol(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
        const struct example *x = &examples[i];
        struct cs_aws_error e;
        cs_aws_error_parse(x->p, x->status, x->body, strlen(x->body),
                           x->type_header, x->rid_header, &e);
        if (strcmp(e.code, x->code) != 0)
            fail_msg("example %zu: code %s, want %s", i, e.code, x->code);
        assert_string_equal(e.message, x->message);
        assert_string_equal(e.request_id, x->rid);
        assert_int_equal(e.http_status, x->status);
        assert_int_equal(e.throttle, x->throttle);
        assert_int_equal(e.transient, x->transient);
        assert_int_equal(e.denied, x->denied);
        assert_int_equal(e.expired, x->expired);
        assert_int_equal(e.not_enabled, x->not_enabled);
    }
}

static void long_fields_truncate(void **state)
{
    char body[4096];
    struct cs_aws_error e;

    (void)state;
    memset(body, 0, sizeof(body));
    strcpy(body, "{\"__type\":\"");
    memset(body + strlen(body), 'C', 600);
    strcat(body, "\",\"message\":\"");
    memset(body + strlen(body), 'm', 2000);
    strcat(body, "\"}");
    cs_aws_error_parse(CS_AWS_PROTO_JSON, 400, body, strlen(body), NULL, NULL, &e);
    assert_int_equal(strlen(e.code), CS_AWS_CODE_MAX - 1);
    assert_int_equal(strlen(e.message), CS_AWS_MESSAGE_MAX - 1);
}

static void throttle_list(void **state)
{
    (void)state;
    assert_true(cs_aws_error_code_is_throttle("SlowDown"));
    assert_true(cs_aws_error_code_is_throttle("EC2ThrottledException"));
    assert_false(cs_aws_error_code_is_throttle("AccessDenied"));
    assert_false(cs_aws_error_code_is_throttle(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_protocol),
        cmocka_unit_test(long_fields_truncate),
        cmocka_unit_test(throttle_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
