#include "daemon/daemon.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

/* Signals can only reach a static flag; one daemon per process. */
static struct cs_daemon *signalled;

static void on_signal(int sig)
{
    (void)sig;
    if (signalled)
        signalled->stop = 1;
}

static int daemon_health(void *ud, char *reason, size_t reasonlen)
{
    struct cs_daemon *d = ud;
    cs_health_fn fn = __atomic_load_n(&d->health, __ATOMIC_ACQUIRE);

    if (fn == NULL) {
        snprintf(reason, reasonlen, "starting");
        return 0;
    }
    return fn(d->health_ud, reason, reasonlen);
}

void cs_daemon_set_health(struct cs_daemon *d, cs_health_fn fn, void *ud)
{
    d->health_ud = ud;
    __atomic_store_n(&d->health, fn, __ATOMIC_RELEASE);
}

int cs_daemon_init(struct cs_daemon *d, const char *component, unsigned prog,
                   const char *usage, int argc, char **argv, int *done)
{
    struct cs_metrics_server_opts so;
    struct sigaction sa;
    struct cs_err err = CS_ERR_INIT;
    enum cs_log_level lvl = CS_LOG_INFO;
    int rc;

    memset(d, 0, sizeof(*d));
    rc = cs_config_main(&d->cfg, prog, usage, &argc, argv, 0, done);
    if (*done) {
        cs_config_free(&d->cfg);
        return rc;
    }
    *done = 1;
    cs_log_level_parse(d->cfg.log_level, &lvl);
    cs_log_setup(component, lvl, 2);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    signalled = d;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    d->metrics = cs_metrics_new(&err);
    if (d->metrics == NULL ||
        cs_fleet_metrics_register(d->metrics, &d->fm, &err) != CS_OK)
        goto fail;
    memset(&so, 0, sizeof(so));
    so.addr = d->cfg.metrics_addr;
    so.registry = d->metrics;
    so.health = daemon_health;
    so.ud = d;
    if (cs_metrics_server_start(&so, &d->server, &err) != CS_OK)
        goto fail;
    if (d->server)
        cs_log(NULL, CS_LOG_INFO, "metrics and health on port %d",
               cs_metrics_server_port(d->server));
    *done = 0;
    return 0;
fail:
    fprintf(stderr, "%s: %s\n", argv[0], err.msg);
    cs_daemon_fini(d);
    return 1;
}

void cs_daemon_fini(struct cs_daemon *d)
{
    cs_metrics_server_stop(d->server);
    d->server = NULL;
    cs_metrics_destroy(d->metrics);
    d->metrics = NULL;
    cs_config_free(&d->cfg);
    if (signalled == d)
        signalled = NULL;
    curl_global_cleanup();
}
