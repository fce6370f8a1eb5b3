#include "metrics/server.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/buf.h"
#include "util/log.h"

#define CONNECTION_LIMIT 32
#define CONNECTION_TIMEOUT_S 10
#define HEALTH_REASON_MAX 256
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define TEXT_CONTENT_TYPE "text/plain; charset=utf-8"

struct cs_metrics_server_s {
    struct MHD_Daemon *d;
    cs_metrics_t *registry;
    cs_health_fn health;
    void *ud;
    int port;
};

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status,
                               const char *type, char *body, size_t len)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    /* body is ours (malloc'd); MHD frees it with the response */
    r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *conn,
                                    unsigned status, const char *text)
{
    char *body = strdup(text);

    if (body == NULL)
        return MHD_NO;
    return respond(conn, status, TEXT_CONTENT_TYPE, body, strlen(body));
}

static enum MHD_Result serve_metrics(struct cs_metrics_server_s *s,
                                     struct MHD_Connection *conn)
{
    struct cs_buf out = CS_BUF_INIT(CS_MAX_METRICS_TEXT);
    size_t len = 0;
    char *body;

    if (cs_metrics_render(s->registry, &out, NULL) != CS_OK)
        return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "metrics exposition too large\n");
    body = cs_buf_take(&out, &len);
    if (body == NULL)
        return MHD_NO;
    return respond(conn, MHD_HTTP_OK, METRICS_CONTENT_TYPE, body, len);
}

static enum MHD_Result serve_health(struct cs_metrics_server_s *s,
                                    struct MHD_Connection *conn)
{
    char reason[HEALTH_REASON_MAX] = "";
    char line[HEALTH_REASON_MAX + 2];

    if (s->health == NULL || s->health(s->ud, reason, sizeof(reason)))
        return respond_text(conn, MHD_HTTP_OK, "ok\n");
    reason[sizeof(reason) - 1] = '\0';
    snprintf(line, sizeof(line), "%s\n", reason[0] ? reason : "unhealthy");
    return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, line);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
                               const char *url, const char *method,
                               const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    struct cs_metrics_server_s *s = cls;

    (void)version;
    (void)upload_data;
    (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        *upload_data_size = 0;
        return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                            "only GET and HEAD\n");
    }
    if (strcmp(url, "/metrics") == 0)
        return serve_metrics(s, conn);
    if (strcmp(url, "/healthz") == 0)
        return serve_health(s, conn);
    return respond_text(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics or /healthz\n");
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    static const struct cs_log_ctx ctx = {"metrics", NULL, NULL};
    char line[512];

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    cs_log(&ctx, CS_LOG_WARN, "http: %s", line);
}

/* Splits "host:port" / "[v6]:port" and resolves it (numeric or a name). */
static cs_rc resolve(const char *addr, struct addrinfo **res,
                     struct cs_err *err)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    const char *h = addr;
    size_t hlen;
    struct addrinfo hints;
    int gai;

    if (colon == NULL || colon[1] == '\0')
        return cs_err_set(err, CS_ERR_INVALID,
                          "CELLSCAN_METRICS_ADDR=%s: expected host:port or off",
                          addr);
    hlen = (size_t)(colon - addr);
    if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
        h = addr + 1;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof(host))
        return cs_err_set(err, CS_ERR_INVALID,
                          "CELLSCAN_METRICS_ADDR=%s: bad host", addr);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    gai = getaddrinfo(host, colon + 1, &hints, res);
    if (gai != 0)
        return cs_err_set(err, CS_ERR_INVALID, "CELLSCAN_METRICS_ADDR=%s: %s",
                          addr, gai_strerror(gai));
    return CS_OK;
}

cs_rc cs_metrics_server_start(const struct cs_metrics_server_opts *o,
                              cs_metrics_server_t **out, struct cs_err *err)
{
    struct addrinfo *ai = NULL;
    struct cs_metrics_server_s *s = NULL;
    const union MHD_DaemonInfo *info;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    cs_rc rc;

    *out = NULL;
    if (o->addr == NULL || o->addr[0] == '\0' || strcmp(o->addr, "off") == 0)
        return CS_OK;
    rc = resolve(o->addr, &ai, err);
    if (rc != CS_OK)
        return rc;
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        rc = cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    s->registry = o->registry;
    s->health = o->health;
    s->ud = o->ud;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* the logger goes first, or MHD logs the other options' problems to
     * stderr itself */
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
                            MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    if (s->d == NULL) {
        rc = cs_err_set(err, CS_ERR_UNAVAILABLE,
                        "CELLSCAN_METRICS_ADDR=%s: cannot listen there (in use?)",
                        o->addr);
        goto cleanup;
    }
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out = s;
    s = NULL;
cleanup:
    free(s);
    if (ai)
        freeaddrinfo(ai);
    return rc;
}

int cs_metrics_server_port(const cs_metrics_server_t *s)
{
    return s->port;
}

void cs_metrics_server_stop(cs_metrics_server_t *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
