/* cellscan-aggregator: folds cell results into scan reports (see
 * aggregator/aggregator.h and docs/operations.md, "Aggregator"). */
#include <stdio.h>

#include "aggregator/aggregator.h"
#include "daemon/daemon.h"
#include "store/store.h"
#include "util/log.h"

static const char usage[] =
    "usage: cellscan-aggregator [--flag=value ...]\n"
    "  the aggregator of the cellscan fleet: consumes cell-results, publishes\n"
    "  each scan's report to scan-results and stores it in Redis\n"
    "  (docs/operations.md, \"Aggregator\")\n\n";

int main(int argc, char **argv)
{
    struct cs_daemon d;
    struct cs_aggregator_deps deps = {0};
    struct cs_err err = CS_ERR_INIT;
    cs_aggregator_t *core = NULL;
    cs_store_t *store = NULL;
    int done;
    int rc = cs_daemon_init(&d, "aggregator", CS_PROG_AGGREGATOR, usage, argc,
                            argv, &done);

    if (done)
        return rc;
    rc = 1;
    store = cs_store_new(&d.cfg, &err);
    if (store == NULL)
        goto fail;
    deps.metrics = d.metrics;
    deps.fm = &d.fm;
    deps.store = store;
    core = cs_aggregator_new(&d.cfg, &deps, &err);
    if (core == NULL)
        goto fail;
    cs_daemon_set_health(&d, cs_aggregator_healthy, core);
    rc = cs_aggregator_run(core, &d.stop);
    cs_daemon_set_health(&d, NULL, NULL);
    goto cleanup;
fail:
    cs_log(NULL, CS_LOG_ERROR, "cannot start: %s", err.msg);
    fprintf(stderr, "%s: %s\n", argv[0], err.msg);
cleanup:
    cs_aggregator_destroy(core);
    cs_store_destroy(store);
    cs_daemon_fini(&d);
    return rc;
}
