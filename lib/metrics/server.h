/* server.h: the /metrics and /healthz endpoints of a daemon
 * (libmicrohttpd, its own thread).
 *
 *   GET /metrics  200, Prometheus text format of the registry
 *   GET /healthz  200 "ok\n" when the owner's health callback says so,
 *                 503 "<reason>\n" otherwise
 *   anything else 404 (405 for methods other than GET and HEAD)
 */
#ifndef CS_METRICS_SERVER_H
#define CS_METRICS_SERVER_H

#include <stddef.h>

#include "metrics/registry.h"
#include "util/err.h"

typedef struct cs_metrics_server_s cs_metrics_server_t;

/* Answers whether the owner is healthy: returns 1, or 0 with a short
 * reason written into reason (reasonlen bytes, NUL-terminated). Called on
 * the server's thread: it must be thread-safe and quick. */
typedef int (*cs_health_fn)(void *ud, char *reason, size_t reasonlen);

struct cs_metrics_server_opts {
    const char *addr;       /* host:port (port 0 = any free); "" or "off" = none */
    cs_metrics_t *registry; /* borrowed: must outlive the server */
    cs_health_fn health;    /* NULL = always healthy */
    void *ud;
};

/* Starts serving on o->addr, or does nothing (*out = NULL) when addr is
 * "" or "off". Errors: CS_ERR_INVALID for a malformed address (naming
 * CELLSCAN_METRICS_ADDR), CS_ERR_UNAVAILABLE when the address cannot be
 * bound (in use, not local). On success caller frees *out with
 * cs_metrics_server_stop. */
cs_rc cs_metrics_server_start(const struct cs_metrics_server_opts *o,
                              cs_metrics_server_t **out, struct cs_err *err);

/* The port actually bound (useful with port 0). Cannot fail. */
int cs_metrics_server_port(const cs_metrics_server_t *s);

/* Stops the server and waits for its thread. NULL is a no-op. */
void cs_metrics_server_stop(cs_metrics_server_t *s);

#endif
