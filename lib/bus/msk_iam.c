#include "bus/msk_iam.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aws/aws.h"
#include "aws/creds.h"
#include "aws/msk.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/secret.h"

#define MSK_ERRSTR_MAX 512

/* One per process: the AWS context (base credential chain and cache)
 * and the client the callback signs with, under mu (callbacks of several
 * Kafka clients may run at once). Never freed: it lives as long as the
 * Kafka clients that may call back into it. */
static struct {
    pthread_mutex_t mu;
    cs_aws_t *aws;
    cs_aws_client_t *cl;
    char region[72];
    uint64_t tokens, failures;
} msk = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, "", 0, 0};

static const struct cs_log_ctx log_ctx = {"kafka", NULL, NULL};

void cs_msk_iam_counts(uint64_t *tokens, uint64_t *failures)
{
    pthread_mutex_lock(&msk.mu);
    if (tokens)
        *tokens = msk.tokens;
    if (failures)
        *failures = msk.failures;
    pthread_mutex_unlock(&msk.mu);
}

/* Signs one token with the base credentials; under msk.mu. */
static cs_rc make_token(struct cs_buf *token, int64_t *expiry_ms,
                        char *akid, size_t akid_len, struct cs_err *err)
{
    cs_aws_creds_t *cr = NULL;
    struct cs_sigv4_creds view;
    cs_rc rc;

    if (msk.cl == NULL && (msk.cl = cs_aws_client_new(msk.aws, err)) == NULL)
        return err->code ? err->code : CS_ERR_INTERNAL;
    rc = cs_aws_base_creds(msk.cl, &cr, err);
    if (rc != CS_OK)
        return rc;
    cs_aws_creds_sign_view(cr, &view);
    snprintf(akid, akid_len, "%s", view.access_key_id);
    rc = cs_msk_token(&view, msk.region, NULL, cs_wall_ms(), token, expiry_ms,
                      err);
    cs_aws_creds_unref(cr);
    return rc;
}

/* librdkafka's token refresh callback (background thread). */
static void refresh_cb(rd_kafka_t *rk, const char *oauthbearer_config,
                       void *opaque)
{
    struct cs_err err = CS_ERR_INIT;
    struct cs_buf token;
    char errstr[MSK_ERRSTR_MAX] = "";
    char akid[128] = "";
    int64_t expiry_ms = 0;
    rd_kafka_resp_err_t kerr;
    cs_rc rc;

    (void)oauthbearer_config;
    (void)opaque;
    cs_buf_init_secret(&token, CS_MAX_MSK_TOKEN);
    pthread_mutex_lock(&msk.mu);
    rc = make_token(&token, &expiry_ms, akid, sizeof(akid), &err);
    if (rc == CS_OK) {
        kerr = rd_kafka_oauthbearer_set_token(rk, cs_buf_str(&token),
                                              expiry_ms, CS_MSK_PRINCIPAL,
                                              NULL, 0, errstr, sizeof(errstr));
        if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
            /* errstr never quotes the token value */
            rc = cs_err_set(&err, CS_ERR_INTERNAL,
                            "librdkafka refused the MSK IAM token: %s",
                            errstr);
        }
    }
    if (rc == CS_OK)
        msk.tokens++;
    else
        msk.failures++;
    pthread_mutex_unlock(&msk.mu);
    cs_buf_free(&token);

    if (rc == CS_OK) {
        cs_log(&log_ctx, CS_LOG_DEBUG,
               "%s: MSK IAM token for %s in %s (access key %s), valid for "
               "%d s", rd_kafka_name(rk), CS_MSK_PRINCIPAL, msk.region, akid,
               CS_MSK_TOKEN_EXPIRES_S);
        return;
    }
    cs_log(&log_ctx, CS_LOG_ERROR, "%s: MSK IAM token: %s", rd_kafka_name(rk),
           err.msg);
    rd_kafka_oauthbearer_set_token_failure(rk, err.msg);
}

/* The value of property name in conf ("" when unset). */
static void conf_value(const rd_kafka_conf_t *conf, const char *name,
                       char *out, size_t outlen)
{
    size_t size = outlen;

    out[0] = '\0';
    if (rd_kafka_conf_get(conf, name, out, &size) != RD_KAFKA_CONF_OK)
        out[0] = '\0';
}

/* Whether conf authenticates with SASL at all. */
static int uses_sasl(const rd_kafka_conf_t *conf)
{
    char proto[64];

    conf_value(conf, "security.protocol", proto, sizeof(proto));
    return strncasecmp(proto, "sasl_", 5) == 0;
}

cs_rc cs_msk_iam_setup(const struct cs_config *cfg, rd_kafka_conf_t *conf,
                       struct cs_err *err)
{
    char mech[64];
    cs_rc rc = CS_OK;

    if (!cfg->kafka_msk_iam)
        return CS_OK;
    conf_value(conf, "sasl.mechanisms", mech, sizeof(mech));
    if (strcmp(mech, "OAUTHBEARER") != 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "CELLSCAN_KAFKA_MSK_IAM=true needs "
                          "CELLSCAN_KAFKA_SASL_MECHANISM=OAUTHBEARER "
                          "(sasl.mechanism is \"%s\")", mech);
    pthread_mutex_lock(&msk.mu);
    if (msk.aws == NULL) {
        msk.aws = cs_aws_new(cfg, err);
        if (msk.aws == NULL)
            rc = err->code ? err->code : CS_ERR_INTERNAL;
        else
            snprintf(msk.region, sizeof(msk.region), "%s", cfg->aws_region);
    }
    pthread_mutex_unlock(&msk.mu);
    if (rc != CS_OK)
        return rc;
    if (!uses_sasl(conf))
        cs_log(&log_ctx, CS_LOG_WARN,
               "CELLSCAN_KAFKA_MSK_IAM=true but security.protocol is not "
               "SASL_SSL or SASL_PLAINTEXT: no token will be sent (set "
               "CELLSCAN_KAFKA_SECURITY_PROTOCOL=SASL_SSL)");
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, refresh_cb);
    rd_kafka_conf_enable_sasl_queue(conf, 1);
    return CS_OK;
}

cs_rc cs_msk_iam_started(rd_kafka_t *rk, struct cs_err *err)
{
    char mech[64];
    rd_kafka_error_t *e;
    int active;

    pthread_mutex_lock(&msk.mu);
    active = msk.aws != NULL;
    pthread_mutex_unlock(&msk.mu);
    if (!active)
        return CS_OK;
    conf_value(rd_kafka_conf(rk), "sasl.mechanisms", mech, sizeof(mech));
    if (strcmp(mech, "OAUTHBEARER") != 0 || !uses_sasl(rd_kafka_conf(rk)))
        return CS_OK;
    e = rd_kafka_sasl_background_callbacks_enable(rk);
    if (e == NULL)
        return CS_OK;
    cs_err_set(err, CS_ERR_INTERNAL,
               "MSK IAM: cannot serve SASL callbacks in the background: %s",
               rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return CS_ERR_INTERNAL;
}
