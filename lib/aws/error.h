/* error.h: one error value for what AWS answers, whatever the protocol.
 *
 * Query and EC2 (XML <ErrorResponse>/<Response><Errors>), rest-xml (S3
 * <Error>), JSON 1.1 ("__type"/"message") and rest-json (x-amzn-ErrorType
 * header or body "code"/"__type") errors are all read into struct
 * cs_aws_error, with the classification the retry logic and the callers
 * need. A body that does not parse still gives an error value (the HTTP
 * status, code ""), never a crash.
 */
#ifndef CS_AWS_ERROR_H
#define CS_AWS_ERROR_H

#include <stddef.h>

#include "aws/services.h"
#include "util/err.h"

#define CS_AWS_CODE_MAX 128
#define CS_AWS_MESSAGE_MAX 512
#define CS_AWS_REQUEST_ID_MAX 128

struct cs_aws_error {
    char code[CS_AWS_CODE_MAX];       /* "ThrottlingException"; the HTTP status
                                         * ("503") when the body has none, as
                                         * botocore; "" when no answer */
    char message[CS_AWS_MESSAGE_MAX]; /* AWS's message, or what failed locally */
    int http_status;                  /* 0 when no HTTP answer arrived */
    char request_id[CS_AWS_REQUEST_ID_MAX];
    int throttle;    /* a throttling answer (the SDKs' list) */
    int transient;   /* retryable: 5xx, timeouts, connection errors */
    int denied;      /* access denied: never retried */
    int expired;     /* the credentials expired (ExpiredToken...) */
    int not_enabled; /* region or service not enabled/subscribed (OptInRequired...) */
};

#define CS_AWS_ERROR_INIT {{0}, {0}, 0, {0}, 0, 0, 0, 0, 0}

/* Resets e to "no error". NULL is a no-op. */
void cs_aws_error_clear(struct cs_aws_error *e);

/* Reads an error answer: the body of len bytes in protocol p, the HTTP
 * status and the x-amzn-ErrorType / request-id headers (either may be
 * NULL), into e (cleared first), then classifies it
 * (cs_aws_error_classify). Cannot fail: what cannot be parsed is left
 * empty. */
void cs_aws_error_parse(enum cs_aws_protocol p, int http_status,
                        const char *body, size_t len,
                        const char *error_type_header,
                        const char *request_id_header,
                        struct cs_aws_error *e);

/* Sets the flags of e from its code and HTTP status (the SDKs' throttling
 * and transient lists, access-denied, expired-token and not-enabled
 * codes). Cannot fail. */
void cs_aws_error_classify(struct cs_aws_error *e);

/* 1 when code is one of the SDKs' throttling error codes. Cannot fail. */
int cs_aws_error_code_is_throttle(const char *code);

#endif
