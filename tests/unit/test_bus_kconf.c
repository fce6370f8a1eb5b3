/* librdkafka configuration: bootstrap from CELLSCAN_KAFKA_BROKERS, the
 * CELLSCAN_KAFKA_<PROPERTY> passthrough, the properties file, the order
 * of the layers, clear errors naming the property, the producer's and
 * consumer's non-negotiable properties, and no password in any log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <unistd.h>

#include "bus/consumer.h"
#include "bus/kconf.h"
#include "bus/producer.h"
#include "proc.h"
#include "util/log.h"

static char tmpdir[512];

static void init_cfg(struct cs_config *cfg, const char *props_file)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->kafka_brokers = (char *)"127.0.0.1:1";
    cfg->kafka_properties_file = (char *)(props_file ? props_file : "");
    cfg->max_poll_interval_s = 10;
}

static void get(rd_kafka_conf_t *conf, const char *name, char *out, size_t n)
{
    size_t size = n;

    assert_int_equal(rd_kafka_conf_get(conf, name, out, &size), RD_KAFKA_CONF_OK);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void env_names(void **state)
{
    char prop[64];
    (void)state;

    assert_int_equal(cs_kconf_env_property("CELLSCAN_KAFKA_SECURITY_PROTOCOL",
                                           prop, sizeof(prop)), 1);
    assert_string_equal(prop, "security.protocol");
    assert_int_equal(cs_kconf_env_property("CELLSCAN_KAFKA_SASL_MECHANISM", prop,
                                           sizeof(prop)), 1);
    assert_string_equal(prop, "sasl.mechanism");
    assert_int_equal(cs_kconf_env_property("CELLSCAN_KAFKA_SSL_CA_LOCATION", prop,
                                           sizeof(prop)), 1);
    assert_string_equal(prop, "ssl.ca.location");
    assert_int_equal(cs_kconf_env_property("CELLSCAN_KAFKA_BROKERS", prop,
                                           sizeof(prop)), 0);
    assert_int_equal(cs_kconf_env_property("CELLSCAN_KAFKA_PROPERTIES_FILE", prop,
                                           sizeof(prop)), 0);
    assert_int_equal(cs_kconf_env_property("CELLSCAN_KAFKA_", prop,
                                           sizeof(prop)), 0);
    assert_int_equal(cs_kconf_env_property("CELLSCAN_TOPIC_PREFIX", prop,
                                           sizeof(prop)), 0);
    assert_int_equal(cs_kconf_env_property("KAFKA_SASL_MECHANISM", prop,
                                           sizeof(prop)), 0);
    assert_int_equal(cs_kconf_env_property("CELLSCAN_KAFKA_A_VERY_LONG_NAME",
                                           prop, 8), 0);
}

static void layers(void **state)
{
    struct cs_config cfg;
    char path[600], v[128];
    char *envp[] = {
        "PATH=/usr/bin",
        "CELLSCAN_KAFKA_BROKERS=ignored:9",
        "CELLSCAN_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
        "CELLSCAN_KAFKA_SESSION_TIMEOUT_MS=12000",
        "CELLSCAN_KAFKA_SASL_USERNAME=from-env",
        NULL,
    };
    const struct cs_kprop defaults[] = {
        {"session.timeout.ms", "6000"},
        {"heartbeat.interval.ms", "500"},
        {"socket.timeout.ms", "1234"},
    };
    rd_kafka_conf_t *conf = NULL;
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    snprintf(path, sizeof(path), "%s/layers.properties", tmpdir);
    write_file(path, "# cluster credentials\n"
                     "\n"
                     "  sasl.mechanism = SCRAM-SHA-512  \n"
                     "sasl.username=from-file\r\n"
                     "socket.timeout.ms=4321\n"
                     "   # indented comment\n"
                     "client.id=from=file");
    init_cfg(&cfg, path);
    assert_int_equal(cs_kconf_new(&cfg, envp, defaults, 3, &conf, &err), CS_OK);
    get(conf, "bootstrap.servers", v, sizeof(v));
    assert_string_equal(v, "127.0.0.1:1");
    get(conf, "security.protocol", v, sizeof(v));
    assert_int_equal(strcasecmp(v, "sasl_ssl"), 0);
    get(conf, "sasl.mechanism", v, sizeof(v));
    assert_string_equal(v, "SCRAM-SHA-512");
    /* env beats file beats defaults */
    get(conf, "sasl.username", v, sizeof(v));
    assert_string_equal(v, "from-env");
    get(conf, "session.timeout.ms", v, sizeof(v));
    assert_string_equal(v, "12000");
    get(conf, "socket.timeout.ms", v, sizeof(v));
    assert_string_equal(v, "4321");
    get(conf, "heartbeat.interval.ms", v, sizeof(v));
    assert_string_equal(v, "500");
    /* only the first '=' splits */
    get(conf, "client.id", v, sizeof(v));
    assert_string_equal(v, "from=file");
    rd_kafka_conf_destroy(conf);
}

static void bad_env_property(void **state)
{
    struct cs_config cfg;
    char *unknown[] = {"CELLSCAN_KAFKA_NO_SUCH_THING=1", NULL};
    char *badval[] = {"CELLSCAN_KAFKA_SECURITY_PROTOCOL=carrier_pigeon", NULL};
    rd_kafka_conf_t *conf = NULL;
    struct cs_err err = CS_ERR_INIT;
    (void)state;

    init_cfg(&cfg, NULL);
    assert_int_equal(cs_kconf_new(&cfg, unknown, NULL, 0, &conf, &err),
                     CS_ERR_INVALID);
    assert_null(conf);
    assert_string_equal(err.msg, "CELLSCAN_KAFKA_NO_SUCH_THING: unknown Kafka "
                                 "property \"no.such.thing\"");
    assert_int_equal(cs_kconf_new(&cfg, badval, NULL, 0, &conf, &err),
                     CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "CELLSCAN_KAFKA_SECURITY_PROTOCOL: Kafka "
                                    "property \"security.protocol\""));
    assert_non_null(strstr(err.msg, "carrier_pigeon"));
}

static void bad_file(void **state)
{
    struct cs_config cfg;
    char path[600];
    char *envp[] = {NULL};
    rd_kafka_conf_t *conf = NULL;
    struct cs_err err = CS_ERR_INIT;
    char want[700];
    (void)state;

    snprintf(path, sizeof(path), "%s/bad.properties", tmpdir);
    init_cfg(&cfg, path);
    write_file(path, "acks=all\nthis line has no equals sign\n");
    assert_int_equal(cs_kconf_new(&cfg, envp, NULL, 0, &conf, &err),
                     CS_ERR_INVALID);
    snprintf(want, sizeof(want), "%s:2: expected key=value", path);
    assert_string_equal(err.msg, want);

    write_file(path, "# ok\n = value\n");
    assert_int_equal(cs_kconf_new(&cfg, envp, NULL, 0, &conf, &err),
                     CS_ERR_INVALID);
    snprintf(want, sizeof(want), "%s:2: empty key before '='", path);
    assert_string_equal(err.msg, want);

    write_file(path, "linger.ms=5\nlinger.mss=5\n");
    assert_int_equal(cs_kconf_new(&cfg, envp, NULL, 0, &conf, &err),
                     CS_ERR_INVALID);
    snprintf(want, sizeof(want), "%s:2: unknown Kafka property \"linger.mss\"",
             path);
    assert_string_equal(err.msg, want);

    snprintf(path, sizeof(path), "%s/missing.properties", tmpdir);
    assert_int_equal(cs_kconf_new(&cfg, envp, NULL, 0, &conf, &err), CS_ERR_IO);
    assert_non_null(strstr(err.msg, "missing.properties"));
    assert_null(conf);
}

static void secret_names(void **state)
{
    (void)state;
    assert_true(cs_kconf_is_secret("sasl.password"));
    assert_true(cs_kconf_is_secret("ssl.key.password"));
    assert_true(cs_kconf_is_secret("sasl.oauthbearer.client.secret"));
    assert_true(cs_kconf_is_secret("ssl.key.pem"));
    assert_false(cs_kconf_is_secret("sasl.username"));
    assert_false(cs_kconf_is_secret("ssl.ca.location"));
}

static void producer_guarantees_cannot_be_turned_off(void **state)
{
    struct cs_config cfg;
    char *no_idem[] = {"CELLSCAN_KAFKA_ENABLE_IDEMPOTENCE=false", NULL};
    char *acks1[] = {"CELLSCAN_KAFKA_ACKS=1", NULL};
    char *acks_all[] = {"CELLSCAN_KAFKA_ACKS=all", NULL};
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p;
    (void)state;

    init_cfg(&cfg, NULL);
    assert_null(cs_producer_new(&cfg, no_idem, NULL, &err));
    assert_int_equal(err.code, CS_ERR_INVALID);
    assert_non_null(strstr(err.msg, "enable.idempotence=false is not allowed"));
    assert_null(cs_producer_new(&cfg, acks1, NULL, &err));
    assert_non_null(strstr(err.msg, "acks=1 is not allowed"));
    /* "all" is the same as -1 */
    p = cs_producer_new(&cfg, acks_all, NULL, &err);
    assert_non_null(p);
    cs_producer_destroy(p);
}

static void consumer_defaults_and_auto_commit(void **state)
{
    struct cs_config cfg;
    char *auto_commit[] = {"CELLSCAN_KAFKA_ENABLE_AUTO_COMMIT=true", NULL};
    char *envp[] = {NULL};
    const char *topics[] = {"t"};
    struct cs_consumer_opts o = {"g", topics, 1, NULL, NULL, NULL};
    struct cs_consumer_opts nogroup = {NULL, topics, 1, NULL, NULL, NULL};
    struct cs_err err = CS_ERR_INIT;
    cs_consumer_t *c;
    (void)state;

    init_cfg(&cfg, NULL);
    assert_null(cs_consumer_new(&cfg, auto_commit, &o, &err));
    assert_non_null(strstr(err.msg, "enable.auto.commit=true is not allowed"));
    assert_null(cs_consumer_new(&cfg, envp, &nogroup, &err));
    assert_int_equal(err.code, CS_ERR_INVALID);
    c = cs_consumer_new(&cfg, envp, &o, &err);
    assert_non_null(c);
    assert_string_equal(cs_consumer_group(c), "g");
    /* nothing reachable: the close is bounded anyway */
    assert_int_equal(cs_consumer_close(c, 5000, &err), CS_OK);
}

/* librdkafka's configuration dump (debug=conf) and its SASL lines must not
 * carry the password into our log. */
static void password_never_logged(void **state)
{
    struct cs_config cfg;
    char logpath[600];
    char *envp[] = {
        "CELLSCAN_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT",
        "CELLSCAN_KAFKA_SASL_MECHANISM=PLAIN",
        "CELLSCAN_KAFKA_SASL_USERNAME=svc",
        "CELLSCAN_KAFKA_SASL_PASSWORD=Xq7-pw-Zr9-never-in-logs",
        "CELLSCAN_KAFKA_DEBUG=conf,security,broker",
        NULL,
    };
    struct cs_err err = CS_ERR_INIT;
    cs_producer_t *p;
    char buf[65536];
    ssize_t n;
    int fd;
    (void)state;

    snprintf(logpath, sizeof(logpath), "%s/kafka.log", tmpdir);
    fd = open(logpath, O_CREAT | O_RDWR | O_TRUNC, 0600);
    assert_true(fd >= 0);
    cs_log_setup("test", CS_LOG_DEBUG, fd);
    init_cfg(&cfg, NULL);
    p = cs_producer_new(&cfg, envp, NULL, &err);
    assert_non_null(p);
    cs_producer_poll(p, 300);
    cs_producer_destroy(p);
    cs_log_setup("test", CS_LOG_INFO, 2);
    n = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    assert_true(n > 0);
    buf[n] = '\0';
    /* the dump happened, and names the property */
    assert_non_null(strstr(buf, "sasl.username"));
    assert_null(strstr(buf, "Xq7-pw-Zr9-never-in-logs"));
}

static int setup(void **state)
{
    (void)state;
    return cs_tmpdir_make("test_bus_kconf", tmpdir, sizeof(tmpdir));
}

static int teardown(void **state)
{
    (void)state;
    cs_tmpdir_remove(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(env_names),
        cmocka_unit_test(layers),
        cmocka_unit_test(bad_env_property),
        cmocka_unit_test(bad_file),
        cmocka_unit_test(secret_names),
        cmocka_unit_test(producer_guarantees_cannot_be_turned_off),
        cmocka_unit_test(consumer_defaults_and_auto_commit),
        cmocka_unit_test(password_never_logged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
