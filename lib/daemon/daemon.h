/* daemon.h: what every cellscan daemon's main() does around its core —
 * configuration (exit 2 on a bad value), logger, curl_global_init,
 * SIGTERM/SIGINT → a stop flag, the metrics registry with the fleet
 * metrics, and the /metrics + /healthz server.
 *
 * Daemon cores (dispatcher/, worker/, aggregator/) never depend on this:
 * they take the registry and the stop flag as arguments, so `cellscan run`
 * can run them all in one process with one registry and no server.
 *
 *   struct cs_daemon d;
 *   int done, rc = cs_daemon_init(&d, "worker", CS_PROG_WORKER, usage,
 *                                 argc, argv, &done);
 *   if (done) return rc;
 *   ... core = cs_worker_new(&d.cfg, ..., d.metrics, &d.fm, &err);
 *   cs_daemon_set_health(&d, core_health, core);
 *   rc = cs_worker_run(core, &d.stop);
 *   ...
 *   cs_daemon_fini(&d);
 */
#ifndef CS_DAEMON_DAEMON_H
#define CS_DAEMON_DAEMON_H

#include <signal.h>

#include "metrics/fleet.h"
#include "metrics/registry.h"
#include "metrics/server.h"
#include "util/config.h"

struct cs_daemon {
    struct cs_config cfg;          /* loaded; freed by cs_daemon_fini */
    cs_metrics_t *metrics;
    struct cs_fleet_metrics fm;
    cs_metrics_server_t *server;   /* NULL when CELLSCAN_METRICS_ADDR=off */
    volatile sig_atomic_t stop;    /* set by SIGTERM/SIGINT */
    /* health of the core, read by /healthz; set with cs_daemon_set_health */
    cs_health_fn health;
    void *health_ud;
};

/* Loads the configuration of prog, sets up logging (component name
 * borrowed: a literal), curl, signals, metrics and the metrics server.
 * On --help prints usage and settings and returns 0 with *done set; on a
 * bad configuration prints one line and returns CS_CONFIG_EXIT with *done
 * set; when the metrics server cannot start, prints why and returns 1
 * with *done set. Otherwise returns 0 with *done clear; then call
 * cs_daemon_fini at the end. Call once per process. */
int cs_daemon_init(struct cs_daemon *d, const char *component, unsigned prog,
                   const char *usage, int argc, char **argv, int *done);

/* Sets the health callback /healthz consults (NULL = healthy once
 * started). Cannot fail. */
void cs_daemon_set_health(struct cs_daemon *d, cs_health_fn fn, void *ud);

/* Stops the server, frees the registry and the configuration. */
void cs_daemon_fini(struct cs_daemon *d);

#endif
