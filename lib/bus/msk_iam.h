/* msk_iam.h: Amazon MSK IAM authentication for every Kafka client.
 *
 * With CELLSCAN_KAFKA_MSK_IAM=true and sasl.mechanism=OAUTHBEARER,
 * cs_kconf_new installs a SASL/OAUTHBEARER token refresh callback that
 * signs an MSK IAM token (aws/msk.h) for kafka.<AWS_REGION>.amazonaws.com
 * with the base AWS credentials (the provider chain of aws/provider.h:
 * env, profile, web identity, ECS task role, IMDS; cached and refreshed
 * as for the scanner) and hands it to librdkafka with a lifetime of 900 s;
 * librdkafka asks again before it expires. A failure is reported with
 * rd_kafka_oauthbearer_set_token_failure (librdkafka retries) and logged,
 * never with the token or a secret.
 *
 * The callback runs on librdkafka's background thread (the client's SASL
 * queue is forwarded there by cs_msk_iam_started), so connections
 * authenticate whether or not the application polls. One credential
 * cache serves every client of the process.
 */
#ifndef CS_BUS_MSK_IAM_H
#define CS_BUS_MSK_IAM_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "util/config.h"
#include "util/err.h"

/* The principal name given to librdkafka with every token. */
#define CS_MSK_PRINCIPAL "cellscan"

/* Installs MSK IAM on conf when cfg->kafka_msk_iam is set (no-op
 * otherwise): requires sasl.mechanism=OAUTHBEARER in conf, sets the
 * refresh callback and enables the SASL queue, and creates the
 * process-wide AWS context from cfg (region AWS_REGION) on first use.
 * Errors: CS_ERR_INVALID naming CELLSCAN_KAFKA_MSK_IAM and
 * CELLSCAN_KAFKA_SASL_MECHANISM when the mechanism differs; those of
 * cs_aws_new. */
cs_rc cs_msk_iam_setup(const struct cs_config *cfg, rd_kafka_conf_t *conf,
                       struct cs_err *err);

/* Call right after rd_kafka_new on a conf from cs_kconf_new: when that
 * conf uses MSK IAM, forwards rk's SASL queue to librdkafka's background
 * thread (so the first token is fetched at once). No-op otherwise.
 * Errors: CS_ERR_INTERNAL with librdkafka's reason. */
cs_rc cs_msk_iam_started(rd_kafka_t *rk, struct cs_err *err);

/* Counts since the process started, for tests and diagnostics: tokens
 * handed to librdkafka, and refreshes that failed. Either pointer may be
 * NULL. Thread-safe. Cannot fail. */
void cs_msk_iam_counts(uint64_t *tokens, uint64_t *failures);

#endif
