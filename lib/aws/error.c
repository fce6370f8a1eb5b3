#include "aws/error.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "aws/xml.h"

/* botocore/retries/standard.py ThrottledRetryableChecker. */
static const char *const throttle_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
    "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", NULL};

/* TransientRetryableChecker codes, plus STS's IDPCommunicationError
 * (botocore/retries/special.py). */
static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    "IDPCommunicationError", NULL};

static const char *const denied_codes[] = {
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
    "UnauthorizedAccess", "AuthorizationError", "AllAccessDisabled", NULL};

static const char *const expired_codes[] = {
    "ExpiredToken", "ExpiredTokenException", "RequestExpired", NULL};

static const char *const not_enabled_codes[] = {
    "OptInRequired", "SubscriptionRequiredException",
    "AWSOrganizationsNotInUseException", NULL};

static int in_list(const char *code, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(code, *list) == 0)
            return 1;
    return 0;
}

int cs_aws_error_code_is_throttle(const char *code)
{
    return code && in_list(code, throttle_codes);
}

void cs_aws_error_clear(struct cs_aws_error *e)
{
    if (e)
        memset(e, 0, sizeof(*e));
}

void cs_aws_error_classify(struct cs_aws_error *e)
{
    int s = e->http_status;

    e->throttle = in_list(e->code, throttle_codes);
    e->transient = in_list(e->code, transient_codes) || s == 500 ||
                   s == 502 || s == 503 || s == 504;
    e->denied = in_list(e->code, denied_codes);
    e->expired = in_list(e->code, expired_codes);
    e->not_enabled = in_list(e->code, not_enabled_codes);
}

/* Copies n bytes of s into a fixed field, truncating. */
static void set_field(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

enum { X_CODE, X_MESSAGE, X_REQUEST_ID };

static cs_rc on_xml(void *ud, int id, enum cs_xml_event ev, const char *text,
                    size_t len, struct cs_err *err)
{
    struct cs_aws_error *e = ud;

    (void)ev;
    (void)err;
    if (id == X_CODE && e->code[0] == '\0')
        set_field(e->code, sizeof(e->code), text, len);
    else if (id == X_MESSAGE && e->message[0] == '\0')
        set_field(e->message, sizeof(e->message), text, len);
    else if (id == X_REQUEST_ID && e->request_id[0] == '\0')
        set_field(e->request_id, sizeof(e->request_id), text, len);
    return CS_OK;
}

/* Query: <ErrorResponse><Error>..</Error><RequestId>; EC2:
 * <Response><Errors><Error>..</Error></Errors><RequestID>; S3: <Error>
 * with Code, Message, RequestId as children. */
static void parse_xml(const char *body, size_t len, struct cs_aws_error *e)
{
    static const struct cs_xml_rule rules[] = {
        {"Error/Code", X_CODE, CS_XML_TEXT},
        {"Error/Message", X_MESSAGE, CS_XML_TEXT},
        {"Error/RequestId", X_REQUEST_ID, CS_XML_TEXT},
        {"*/Error/Code", X_CODE, CS_XML_TEXT},
        {"*/Error/Message", X_MESSAGE, CS_XML_TEXT},
        {"*/Errors/Error/Code", X_CODE, CS_XML_TEXT},
        {"*/Errors/Error/Message", X_MESSAGE, CS_XML_TEXT},
        {"*/RequestId", X_REQUEST_ID, CS_XML_TEXT},
        {"*/RequestID", X_REQUEST_ID, CS_XML_TEXT},
    };
    struct cs_aws_error got;

    /* fields of a document that turns out malformed are not trusted */
    cs_aws_error_clear(&got);
    if (cs_xml_parse(rules, sizeof(rules) / sizeof(rules[0]), on_xml, &got,
                     body, len, NULL) != CS_OK)
        return;
    memcpy(e->code, got.code, sizeof(e->code));
    memcpy(e->message, got.message, sizeof(e->message));
    if (got.request_id[0])
        memcpy(e->request_id, got.request_id, sizeof(e->request_id));
}

/* "aws.protocoltests#ValidationException" and
 * "ValidationException:http://internal..." both mean ValidationException. */
static void set_code(struct cs_aws_error *e, const char *code, int from_header)
{
    const char *hash = strrchr(code, '#');
    size_t n;

    if (hash)
        code = hash + 1;
    n = strlen(code);
    if (from_header) {
        const char *colon = strchr(code, ':');
        if (colon)
            n = (size_t)(colon - code);
    }
    set_field(e->code, sizeof(e->code), code, n);
}

static void parse_json(enum cs_aws_protocol p, const char *body, size_t len,
                       const char *type_header, struct cs_aws_error *e)
{
    json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
    const char *code = NULL, *msg = NULL;

    if (json_is_object(j)) {
        code = json_string_value(json_object_get(j, "__type"));
        if (p == CS_AWS_PROTO_REST_JSON || code == NULL) {
            const char *c = json_string_value(json_object_get(j, "code"));
            if (c == NULL)
                c = json_string_value(json_object_get(j, "Code"));
            if (c)
                code = c;
        }
        msg = json_string_value(json_object_get(j, "message"));
        if (msg == NULL)
            msg = json_string_value(json_object_get(j, "Message"));
    }
    if (type_header && type_header[0])
        set_code(e, type_header, 1);
    else if (code)
        set_code(e, code, 0);
    if (msg)
        set_field(e->message, sizeof(e->message), msg, strlen(msg));
    json_decref(j);
}

void cs_aws_error_parse(enum cs_aws_protocol p, int http_status,
                        const char *body, size_t len,
                        const char *error_type_header,
                        const char *request_id_header,
                        struct cs_aws_error *e)
{
    cs_aws_error_clear(e);
    e->http_status = http_status;
    if (request_id_header)
        set_field(e->request_id, sizeof(e->request_id), request_id_header,
                  strlen(request_id_header));
    if (body == NULL)
        len = 0;
    switch (p) {
    case CS_AWS_PROTO_QUERY:
    case CS_AWS_PROTO_EC2:
    case CS_AWS_PROTO_REST_XML:
        if (len > 0)
            parse_xml(body, len, e);
        break;
    case CS_AWS_PROTO_JSON:
    case CS_AWS_PROTO_REST_JSON:
        parse_json(p, body, len, error_type_header, e);
        break;
    }
    /* botocore's generic parse: no code in the body means the status */
    if (e->code[0] == '\0')
        snprintf(e->code, sizeof(e->code), "%d", http_status);
    cs_aws_error_classify(e);
}
