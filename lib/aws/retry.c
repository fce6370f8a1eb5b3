#include "aws/retry.h"

#include <math.h>
#include <string.h>

int cs_aws_retry_mode_parse(const char *s, enum cs_aws_retry_mode *out)
{
    if (s && strcmp(s, "standard") == 0)
        *out = CS_AWS_RETRY_STANDARD;
    else if (s && strcmp(s, "adaptive") == 0)
        *out = CS_AWS_RETRY_ADAPTIVE;
    else if (s && strcmp(s, "legacy") == 0)
        *out = CS_AWS_RETRY_LEGACY;
    else
        return -1;
    return 0;
}

const char *cs_aws_retry_mode_name(enum cs_aws_retry_mode m)
{
    switch (m) {
    case CS_AWS_RETRY_STANDARD: return "standard";
    case CS_AWS_RETRY_ADAPTIVE: return "adaptive";
    case CS_AWS_RETRY_LEGACY: return "legacy";
    }
    return "?";
}

struct legacy_policy {
    const char *service; /* NULL = every service */
    const char *code;    /* NULL = any code */
    int status;          /* 0 = any status */
};

/* botocore/data/_retry.json: "__default__" policies and the service
 * sections of the services cellscan calls. */
static const struct legacy_policy legacy[] = {
    {NULL, NULL, 500}, {NULL, NULL, 502}, {NULL, NULL, 503},
    {NULL, NULL, 504}, {NULL, NULL, 509}, {NULL, NULL, 429},
    {NULL, "Throttling", 400}, {NULL, "ThrottlingException", 400},
    {NULL, "ThrottledException", 400}, {NULL, "RequestThrottledException", 400},
    {NULL, "ProvisionedThroughputExceededException", 400},
    {"organizations", "TooManyRequestsException", 400},
    {"ec2", "RequestLimitExceeded", 503}, {"ec2", "EC2ThrottledException", 503},
    {"s3", "RequestTimeout", 400}, {"s3", "BadDigest", 400},
    {"sts", "IDPCommunicationError", 400},
};

static int legacy_retryable(const char *service, const struct cs_aws_error *e)
{
    if (e->http_status == 0)
        return e->transient; /* "general_socket_errors" */
    for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
        const struct legacy_policy *p = &legacy[i];
        if (p->service && (service == NULL || strcmp(p->service, service)))
            continue;
        if (p->code && strcmp(p->code, e->code) != 0)
            continue;
        if (p->status && p->status != e->http_status)
            continue;
        return 1;
    }
    return 0;
}

int cs_aws_retry_retryable(enum cs_aws_retry_mode mode, const char *service,
                           const struct cs_aws_error *e)
{
    if (mode == CS_AWS_RETRY_LEGACY)
        return legacy_retryable(service, e);
    /* no operation cellscan calls has a modeled retryable error shape, so
     * the standard conditions are the throttling and transient lists */
    return e->throttle || e->transient;
}

double cs_aws_retry_delay_s(int attempt, double rand01)
{
    double d;

    if (attempt < 1)
        attempt = 1;
    d = rand01 * pow(2.0, attempt - 1);
    return d < CS_AWS_RETRY_MAX_BACKOFF_S ? d : CS_AWS_RETRY_MAX_BACKOFF_S;
}

void cs_aws_retry_quota_init(struct cs_aws_retry_quota *q)
{
    pthread_mutex_init(&q->mu, NULL);
    q->available = q->max = CS_AWS_RETRY_QUOTA;
}

void cs_aws_retry_quota_destroy(struct cs_aws_retry_quota *q)
{
    if (q)
        pthread_mutex_destroy(&q->mu);
}

int cs_aws_retry_quota_acquire(struct cs_aws_retry_quota *q, int timeout)
{
    int cost = timeout ? CS_AWS_RETRY_TIMEOUT_COST : CS_AWS_RETRY_COST;

    pthread_mutex_lock(&q->mu);
    if (cost > q->available)
        cost = 0;
    else
        q->available -= cost;
    pthread_mutex_unlock(&q->mu);
    return cost;
}

void cs_aws_retry_quota_release(struct cs_aws_retry_quota *q, int amount)
{
    pthread_mutex_lock(&q->mu);
    q->available += amount;
    if (q->available > q->max)
        q->available = q->max;
    pthread_mutex_unlock(&q->mu);
}
