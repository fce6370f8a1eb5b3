/* kconf.h: librdkafka configuration from cellscan settings.
 *
 * A conf is built in layers, later ones winning:
 *   1. bootstrap.servers = CELLSCAN_KAFKA_BROKERS, client.id = "cellscan";
 *   2. the caller's defaults (e.g. the consumer's fast-rebalance timeouts);
 *   3. the properties file CELLSCAN_KAFKA_PROPERTIES_FILE (key=value lines,
 *      '#' comments, blank lines ignored);
 *   4. every environment variable CELLSCAN_KAFKA_<PROPERTY> except
 *      CELLSCAN_KAFKA_BROKERS, CELLSCAN_KAFKA_PROPERTIES_FILE and
 *      CELLSCAN_KAFKA_MSK_IAM (settings of ours): the rest
 *      of the name, lower-cased, underscores turned into dots, is the
 *      librdkafka property (CELLSCAN_KAFKA_SASL_MECHANISM -> sasl.mechanism).
 *   5. with CELLSCAN_KAFKA_MSK_IAM=true (and sasl.mechanism=OAUTHBEARER),
 *      the MSK IAM token refresh callback (bus/msk_iam.h); call
 *      cs_msk_iam_started on the client right after rd_kafka_new.
 * So SASL, TLS or MSK IAM setups need no code change. librdkafka's own log
 * lines go through cs_log (component "kafka"), which redacts secrets.
 * Values of secret properties (passwords, client secrets, private keys)
 * never appear in error messages.
 */
#ifndef CS_BUS_KCONF_H
#define CS_BUS_KCONF_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "util/config.h"
#include "util/err.h"

/* One librdkafka property. */
struct cs_kprop {
    const char *name;
    const char *value;
};

/* Largest properties file read, in bytes. */
#define CS_MAX_KAFKA_PROPERTIES_FILE (64 * 1024)

/* Builds a conf from cfg (kafka_brokers, kafka_properties_file), the
 * ndefaults defaults and the environment envp (NULL = the process
 * environment; "NAME=value" entries, NULL-terminated). Errors:
 * CS_ERR_INVALID naming the property and where it came from (variable, or
 * file:line) for an unknown property or a bad value, or naming the file
 * and line for a malformed line; CS_ERR_IO when the file cannot be read;
 * CS_ERR_INVALID from cs_msk_iam_setup (MSK IAM without OAUTHBEARER);
 * CS_ERR_LIMIT for a file over CS_MAX_KAFKA_PROPERTIES_FILE. On success
 * *out is the conf; caller frees with rd_kafka_conf_destroy unless it is
 * handed to rd_kafka_new (which takes ownership). */
cs_rc cs_kconf_new(const struct cs_config *cfg, char *const *envp,
                   const struct cs_kprop *defaults, size_t ndefaults,
                   rd_kafka_conf_t **out, struct cs_err *err);

/* Maps an environment variable name to the librdkafka property it passes
 * through (see above) into out. Returns 1 when env_name is a passthrough
 * variable, 0 when it is not (other prefix, one of our own settings,
 * or nothing after the prefix, or the property does not fit outlen).
 * Cannot fail. */
int cs_kconf_env_property(const char *env_name, char *out, size_t outlen);

/* Parses properties-file text (len bytes, need not be NUL-terminated) and
 * calls fn(ud, name, value, line) for each property, in order; fn returns
 * CS_OK to go on. Keys and values are trimmed of surrounding blanks.
 * Errors: CS_ERR_INVALID "<source>:<line>: ..." for a line without '='
 * or with an empty key or a NUL byte; whatever fn returns. */
cs_rc cs_kconf_parse_properties(const char *text, size_t len,
                                const char *source,
                                cs_rc (*fn)(void *ud, const char *name,
                                            const char *value, int line,
                                            struct cs_err *err),
                                void *ud, struct cs_err *err);

/* Checks that property name of conf has the value required (cellscan
 * relies on it, e.g. enable.idempotence=true). Errors: CS_ERR_INVALID
 * "<name>=<found> is not allowed: <why>" when it differs. */
cs_rc cs_kconf_require(rd_kafka_conf_t *conf, const char *name,
                       const char *required, const char *why,
                       struct cs_err *err);

/* Whether a property's value is a secret (passwords, client secrets,
 * private keys) that must never be logged or put into messages. Cannot
 * fail. */
int cs_kconf_is_secret(const char *name);

#endif
