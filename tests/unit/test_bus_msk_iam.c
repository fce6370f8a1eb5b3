/* MSK IAM authentication end to end, with clients created by lib/bus from
 * CELLSCAN_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT,
 * CELLSCAN_KAFKA_SASL_MECHANISM=OAUTHBEARER, CELLSCAN_KAFKA_MSK_IAM=true
 * and environment credentials. librdkafka 2.0.2's mock cluster does not
 * answer SaslHandshake, so no message goes through it with SASL; instead:
 * against the mock, a producer's refresh callback runs on the background
 * thread without any poll and librdkafka accepts the token; against a
 * minimal in-test broker that takes SaslHandshake v0 and the OAUTHBEARER
 * client message, a consumer sends "auth=Bearer <token>" whose decoded
 * URL is the one cs_msk_url signs for that second. With every log at
 * debug level (librdkafka's security, broker and protocol debug included)
 * neither the token, nor the secret key, nor the session token is
 * written. Also the
 * configuration checks: MSK IAM without OAUTHBEARER is refused at load
 * (exit 2 from a daemon) naming both settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/msk.h"
#include "b64url.h"

#include "bus/consumer.h"
#include "bus/kconf.h"
#include "bus/mock.h"
#include "bus/msk_iam.h"
#include "bus/producer.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/log.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define SESSION "IQoJb3JpZ2luX2VjEMskTestSessionTokenValue+abc/def=="
/* base64url("https://kafka.") : how every MSK IAM token starts */
#define TOKEN_START "aHR0cHM6Ly9rYWZrYS"

static const char *const own_env[] = {
    "CELLSCAN_KAFKA_BROKERS", "CELLSCAN_KAFKA_SECURITY_PROTOCOL",
    "CELLSCAN_KAFKA_SASL_MECHANISM", "CELLSCAN_KAFKA_SASL_MECHANISMS",
    "CELLSCAN_KAFKA_MSK_IAM", "CELLSCAN_KAFKA_PROPERTIES_FILE",
    "CELLSCAN_KAFKA_DEBUG", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_PROFILE", NULL,
};

static int clean_env(void **state)
{
    (void)state;
    for (int i = 0; own_env[i]; i++)
        unsetenv(own_env[i]);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    return 0;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void load(struct cs_config *cfg, cs_rc want, struct cs_err *err)
{
    char *argv[] = {"test", NULL};
    int argc = 1;

    assert_int_equal(cs_config_load(cfg, CS_PROG_WORKER, &argc, argv, err),
                     want);
}

/* ---- a broker that takes one SASL/OAUTHBEARER authentication ----
 * librdkafka 2.0.2's mock brokers do not answer SaslHandshake ("handshake
 * not supported"), so the token on the wire is checked against this: it
 * answers ApiVersions and SaslHandshake v0, then reads the raw RFC 7628
 * client message. */

struct fake_broker {
    int lfd;
    int port;
    pthread_t thread;
    char mechanism[64];
    char *client_msg; /* "n,,\x01auth=Bearer <token>\x01\x01" */
};

static int read_full(int fd, void *p, size_t n)
{
    size_t got = 0;

    while (got < n) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t r;
        if (poll(&pfd, 1, 20000) <= 0)
            return -1;
        r = read(fd, (char *)p + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* One length-prefixed frame, malloc'd; NULL on EOF or timeout. */
static char *read_frame(int fd, uint32_t *len)
{
    uint32_t be;
    char *buf;

    if (read_full(fd, &be, 4) != 0)
        return NULL;
    *len = ntohl(be);
    if (*len > (1u << 20) || (buf = malloc(*len + 1)) == NULL)
        return NULL;
    if (read_full(fd, buf, *len) != 0) {
        free(buf);
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

/* Writes a response frame: length, correlation id of req, body. */
static int respond(int fd, const char *req, const unsigned char *body,
                   size_t n)
{
    unsigned char buf[256];
    uint32_t len = htonl((uint32_t)(4 + n));

    memcpy(buf, &len, 4);
    memcpy(buf + 4, req + 4, 4);
    memcpy(buf + 8, body, n);
    return write(fd, buf, 8 + n) == (ssize_t)(8 + n) ? 0 : -1;
}

static void *fake_broker_run(void *ud)
{
    /* ApiVersions: a newer version is refused with the v0 list; v0 gets
     * ApiVersions v0 and SaslHandshake v0 (so the client message follows
     * raw, without SaslAuthenticate) */
    static const unsigned char refuse[] = {0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 0};
    static const unsigned char versions[] = {0, 0, 0, 0, 0, 2, 0, 18, 0, 0,
                                             0, 0, 0, 17, 0, 0, 0, 0};
    static const unsigned char handshake[] = {0, 0, 0, 0, 0, 1, 0, 11,
                                              'O', 'A', 'U', 'T', 'H', 'B',
                                              'E', 'A', 'R', 'E', 'R'};
    struct fake_broker *b = ud;
    struct pollfd pfd = {b->lfd, POLLIN, 0};
    uint32_t len;
    char *req;
    int fd;

    if (poll(&pfd, 1, 20000) <= 0 || (fd = accept(b->lfd, NULL, NULL)) < 0)
        return NULL;
    for (int i = 0; i < 4 && (req = read_frame(fd, &len)) != NULL; i++) {
        int key = len >= 10 ? (unsigned char)req[0] << 8 | (unsigned char)req[1] : -1;
        int version = len >= 10 ? (unsigned char)req[2] << 8 | (unsigned char)req[3] : -1;
        int rc = -1;
        if (key == 18) {
            rc = version > 0 ? respond(fd, req, refuse, sizeof(refuse))
                             : respond(fd, req, versions, sizeof(versions));
        } else if (key == 17) {
            /* header: key, version, correlation id, client id; then the
             * mechanism string */
            size_t off = 10 + (size_t)((unsigned char)req[8] << 8 |
                                       (unsigned char)req[9]);
            if (off + 2 <= len) {
                size_t ml = (size_t)((unsigned char)req[off] << 8 |
                                     (unsigned char)req[off + 1]);
                if (off + 2 + ml <= len && ml < sizeof(b->mechanism))
                    memcpy(b->mechanism, req + off + 2, ml);
            }
            rc = respond(fd, req, handshake, sizeof(handshake));
            if (rc == 0) {
                uint32_t zero = 0;
                b->client_msg = read_frame(fd, &len);
                /* an empty server message: authenticated */
                rc = write(fd, &zero, 4) == 4 ? 0 : -1;
                free(req);
                break;
            }
        }
        free(req);
        if (rc != 0)
            break;
    }
    close(fd);
    return NULL;
}

static void fake_broker_start(struct fake_broker *b)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);

    memset(b, 0, sizeof(*b));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    b->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(b->lfd >= 0);
    assert_int_equal(bind(b->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(b->lfd, 4), 0);
    assert_int_equal(getsockname(b->lfd, (struct sockaddr *)&a, &alen), 0);
    b->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&b->thread, NULL, fake_broker_run, b), 0);
}

/* The Unix ms of an X-Amz-Date value. */
static int64_t amz_date_ms(const char *d)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    assert_int_equal(sscanf(d, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon,
                            &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                     6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000;
}

static void set_msk_env(const char *brokers)
{
    setenv("CELLSCAN_KAFKA_BROKERS", brokers, 1);
    setenv("CELLSCAN_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", 1);
    setenv("CELLSCAN_KAFKA_SASL_MECHANISM", "OAUTHBEARER", 1);
    setenv("CELLSCAN_KAFKA_MSK_IAM", "true", 1);
    setenv("CELLSCAN_KAFKA_DEBUG", "security,broker,protocol,generic", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_SESSION_TOKEN", SESSION, 1);
}

static void msk_iam_token_end_to_end(void **state)
{
    struct cs_topic_spec spec;
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    struct fake_broker fb;
    cs_mock_kafka_t *m;
    cs_producer_t *p;
    cs_consumer_t *c;
    const char *topics[] = {"msk"};
    struct cs_consumer_opts co = {"msk-group", topics, 1, NULL, NULL, NULL};
    char logpath[] = "/tmp/test_bus_msk_iam.XXXXXX";
    char brokers[64];
    uint64_t tokens = 0, failures = 0;
    struct cs_sigv4_creds cr = {"AKIAIOSFODNN7EXAMPLE", SECRET, SESSION};
    struct cs_buf want;
    int64_t deadline;
    int fd;
    char *log, *bearer, *end, *url, *date;
    (void)state;

    memset(&spec, 0, sizeof(spec));
    snprintf(spec.name, sizeof(spec.name), "msk");
    spec.partitions = 1;
    spec.replication = 1;
    m = cs_mock_kafka_new(1, &spec, 1, &err);
    if (m == NULL)
        fail_msg("mock: %s", err.msg);
    fd = mkstemp(logpath);
    assert_true(fd >= 0);
    cs_log_setup("test", CS_LOG_DEBUG, fd);

    /* 1. a producer of lib/bus against the mock cluster: the callback runs
     * on librdkafka's background thread at once (nobody polls here) and
     * librdkafka accepts the token */
    set_msk_env(cs_mock_kafka_bootstrap(m));
    load(&cfg, CS_OK, &err);
    assert_int_equal(cfg.kafka_msk_iam, 1);
    p = cs_producer_new(&cfg, NULL, NULL, &err);
    if (p == NULL)
        fail_msg("producer: %s", err.msg);
    deadline = cs_mono_ms() + 10000;
    while (tokens < 1 && cs_mono_ms() < deadline) {
        usleep(20 * 1000);
        cs_msk_iam_counts(&tokens, &failures);
    }
    assert_int_equal(tokens, 1);
    assert_int_equal(failures, 0);
    cs_producer_destroy(p);
    cs_config_free(&cfg);
    cs_mock_kafka_destroy(m);

    /* 2. a consumer of lib/bus against a broker that takes SASL: the
     * token on the wire is the MSK IAM URL signed now */
    fake_broker_start(&fb);
    snprintf(brokers, sizeof(brokers), "127.0.0.1:%d", fb.port);
    set_msk_env(brokers);
    load(&cfg, CS_OK, &err);
    c = cs_consumer_new(&cfg, NULL, &co, &err);
    if (c == NULL)
        fail_msg("consumer: %s", err.msg);
    pthread_join(fb.thread, NULL);
    close(fb.lfd);
    cs_consumer_destroy(c);
    cs_config_free(&cfg);
    cs_msk_iam_counts(&tokens, &failures);
    assert_true(tokens >= 2);
    assert_int_equal(failures, 0);

    assert_string_equal(fb.mechanism, "OAUTHBEARER");
    assert_non_null(fb.client_msg);
    assert_true(strncmp(fb.client_msg, "n,,\x01" "auth=Bearer ", 16) == 0);
    bearer = fb.client_msg + 16;
    end = strchr(bearer, '\x01');
    assert_non_null(end);
    assert_string_equal(end, "\x01\x01");
    assert_true(strncmp(bearer, TOKEN_START, strlen(TOKEN_START)) == 0);
    url = cs_b64url_decode(bearer, (size_t)(end - bearer));
    assert_non_null(url);
    date = strstr(url, "&X-Amz-Date=");
    assert_non_null(date);
    /* what cs_msk_url signs for that second is exactly what was sent */
    cs_buf_init_secret(&want, CS_MAX_MSK_URL);
    assert_int_equal(cs_msk_url(&cr, "us-east-1", NULL,
                                amz_date_ms(date + 12), &want, &err), CS_OK);
    assert_string_equal(url, cs_buf_str(&want));
    assert_true(strncmp(url, "https://kafka.us-east-1.amazonaws.com/?Action="
                             "kafka-cluster%3AConnect&X-Amz-Algorithm=", 84) == 0);
    assert_non_null(strstr(url, "&X-Amz-Security-Token="));
    assert_non_null(strstr(url, "&User-Agent=cellscan%2F0.1"));
    cs_buf_free(&want);
    free(url);
    free(fb.client_msg);

    /* 3. nothing secret in the logs, written at debug level */
    cs_log_setup("test", CS_LOG_INFO, 2);
    close(fd);
    log = read_all(logpath);
    unlink(logpath);
    assert_non_null(strstr(log, "MSK IAM token for cellscan in us-east-1"));
    assert_non_null(strstr(log, "OAUTHBEARER"));
    assert_null(strstr(log, TOKEN_START));
    assert_null(strstr(log, "X-Amz-Signature"));
    assert_null(strstr(log, "X-Amz-Credential"));
    assert_null(strstr(log, SECRET));
    assert_null(strstr(log, "wJalrXUtnFEMI"));
    assert_null(strstr(log, SESSION));
    assert_null(strstr(log, "TestSessionTokenValue"));
    free(log);
    for (int i = 0; own_env[i]; i++)
        unsetenv(own_env[i]);
}

static void msk_iam_needs_oauthbearer(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    char props[] = "/tmp/test_bus_msk_iam_props.XXXXXX";
    int fd;
    (void)state;

    /* off by default */
    load(&cfg, CS_OK, &err);
    assert_int_equal(cfg.kafka_msk_iam, 0);
    cs_config_free(&cfg);

    setenv("CELLSCAN_KAFKA_MSK_IAM", "true", 1);
    load(&cfg, CS_ERR_INVALID, &err);
    assert_non_null(strstr(err.msg, "CELLSCAN_KAFKA_MSK_IAM"));
    assert_non_null(strstr(err.msg, "CELLSCAN_KAFKA_SASL_MECHANISM=OAUTHBEARER"));
    assert_non_null(strstr(err.msg, "not set"));
    cs_config_free(&cfg);

    setenv("CELLSCAN_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", 1);
    load(&cfg, CS_ERR_INVALID, &err);
    assert_non_null(strstr(err.msg, "\"SCRAM-SHA-512\""));
    cs_config_free(&cfg);
    unsetenv("CELLSCAN_KAFKA_SASL_MECHANISM");

    /* the mechanism may come from the properties file */
    fd = mkstemp(props);
    assert_true(fd >= 0);
    assert_true(write(fd, "# msk\n sasl.mechanism = OAUTHBEARER\n", 36) == 36);
    close(fd);
    setenv("CELLSCAN_KAFKA_PROPERTIES_FILE", props, 1);
    load(&cfg, CS_OK, &err);
    assert_int_equal(cfg.kafka_msk_iam, 1);
    cs_config_free(&cfg);
    /* ... and a variable overrides the file */
    setenv("CELLSCAN_KAFKA_SASL_MECHANISMS", "PLAIN", 1);
    load(&cfg, CS_ERR_INVALID, &err);
    cs_config_free(&cfg);
    unsetenv("CELLSCAN_KAFKA_SASL_MECHANISMS");
    unlink(props);
    unsetenv("CELLSCAN_KAFKA_PROPERTIES_FILE");

    setenv("CELLSCAN_KAFKA_MSK_IAM", "maybe", 1);
    load(&cfg, CS_ERR_INVALID, &err);
    assert_non_null(strstr(err.msg, "CELLSCAN_KAFKA_MSK_IAM=maybe"));
    cs_config_free(&cfg);
    setenv("CELLSCAN_KAFKA_MSK_IAM", "off", 1);
    load(&cfg, CS_OK, &err);
    assert_int_equal(cfg.kafka_msk_iam, 0);
    cs_config_free(&cfg);
    unsetenv("CELLSCAN_KAFKA_MSK_IAM");
}

/* kconf checks what librdkafka will really use, and keeps our setting out
 * of the librdkafka properties. */
static void kconf_checks_mechanism(void **state)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    rd_kafka_conf_t *conf = NULL;
    char *plain[] = {"CELLSCAN_KAFKA_MSK_IAM=true",
                     "CELLSCAN_KAFKA_SASL_MECHANISM=PLAIN", NULL};
    char *oauth[] = {"CELLSCAN_KAFKA_MSK_IAM=true",
                     "CELLSCAN_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
                     "CELLSCAN_KAFKA_SASL_MECHANISM=OAUTHBEARER", NULL};
    char prop[64];
    (void)state;

    assert_int_equal(cs_kconf_env_property("CELLSCAN_KAFKA_MSK_IAM", prop,
                                           sizeof(prop)), 0);
    load(&cfg, CS_OK, &err);
    cfg.kafka_msk_iam = 1;
    assert_int_equal(cs_kconf_new(&cfg, plain, NULL, 0, &conf, &err),
                     CS_ERR_INVALID);
    assert_null(conf);
    assert_non_null(strstr(err.msg, "CELLSCAN_KAFKA_MSK_IAM"));
    assert_non_null(strstr(err.msg, "CELLSCAN_KAFKA_SASL_MECHANISM"));
    assert_int_equal(cs_kconf_new(&cfg, oauth, NULL, 0, &conf, &err), CS_OK);
    rd_kafka_conf_destroy(conf);
    cs_config_free(&cfg);
}

/* A daemon refuses the combination at start with exit status 2. */
static void daemon_exits_2(void **state)
{
    char cmd[1024];
    FILE *f;
    char line[1024] = "";
    int status;
    (void)state;

    snprintf(cmd, sizeof(cmd),
             "CELLSCAN_KAFKA_MSK_IAM=true CELLSCAN_METRICS_ADDR=off "
             "%s/bin/cellscan-worker 2>&1", CS_BINARY_DIR);
    f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    status = pclose(f);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), CS_CONFIG_EXIT);
    assert_non_null(strstr(line, "CELLSCAN_KAFKA_MSK_IAM=true needs "
                                 "CELLSCAN_KAFKA_SASL_MECHANISM=OAUTHBEARER"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* first: the process-wide signer reads the credential chain's
         * variables when the first MSK IAM client is configured */
        cmocka_unit_test_setup(msk_iam_token_end_to_end, clean_env),
        cmocka_unit_test_setup(msk_iam_needs_oauthbearer, clean_env),
        cmocka_unit_test_setup(kconf_checks_mechanism, clean_env),
        cmocka_unit_test_setup(daemon_exits_2, clean_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
