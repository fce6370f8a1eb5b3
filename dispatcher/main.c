/* cellscan-dispatcher: the dispatcher daemon (dispatcher/dispatcher.h) —
 * configuration, logs, metrics and health (lib/daemon), Redis, AWS
 * access for organization discovery, then the core until SIGTERM. */
#include <stdio.h>

#include "daemon/daemon.h"
#include "dispatcher/dispatcher.h"
#include "util/log.h"

static const char usage[] =
    "usage: cellscan-dispatcher [--flag=value ...]\n"
    "  the dispatcher of the cellscan fleet: reads ScanRequests, validates\n"
    "  them, resolves the accounts and publishes the manifest and one\n"
    "  CellJob per cell (docs/operations.md)\n\n";

int main(int argc, char **argv)
{
    struct cs_daemon d;
    struct cs_dispatcher_deps deps = {0};
    struct cs_err err = CS_ERR_INIT;
    cs_dispatcher_t *core = NULL;
    cs_store_t *store = NULL;
    cs_aws_t *aws = NULL;
    int done, rc = cs_daemon_init(&d, "dispatcher", CS_PROG_DISPATCHER, usage,
                                  argc, argv, &done);

    if (done)
        return rc;
    rc = 1;
    aws = cs_aws_new(&d.cfg, &err);
    if (aws == NULL)
        goto fail;
    store = cs_store_new(&d.cfg, &err);
    if (store == NULL)
        goto fail;
    deps.metrics = d.metrics;
    deps.fm = &d.fm;
    deps.store = store;
    deps.aws = aws;
    core = cs_dispatcher_new(&d.cfg, &deps, &err);
    if (core == NULL)
        goto fail;
    cs_daemon_set_health(&d, cs_dispatcher_healthy, core);
    rc = cs_dispatcher_run(core, &d.stop);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", argv[0], cs_dispatcher_error(core));
    goto cleanup;
fail:
    cs_log(NULL, CS_LOG_ERROR, "%s", err.msg);
    fprintf(stderr, "%s: %s\n", argv[0], err.msg);
cleanup:
    cs_daemon_set_health(&d, NULL, NULL);
    cs_dispatcher_destroy(core);
    cs_store_destroy(store);
    cs_aws_destroy(aws);
    cs_daemon_fini(&d);
    return rc;
}
