/* cellscan-worker: runs the cells of cell-jobs and publishes their results
 * to cell-results (see worker/worker.h and docs/operations.md, "Worker"). */
#include <stdio.h>

#include "aws/aws.h"
#include "daemon/daemon.h"
#include "util/log.h"
#include "worker/worker.h"

static const char usage[] =
    "usage: cellscan-worker [--flag=value ...]\n"
    "  the worker of the cellscan fleet: consumes cell-jobs, runs each cell\n"
    "  (AssumeRole, extract, evaluate) and publishes its CellResult to\n"
    "  cell-results (docs/operations.md, \"Worker\")\n\n";

int main(int argc, char **argv)
{
    struct cs_daemon d;
    struct cs_worker_deps deps = {0};
    struct cs_err err = CS_ERR_INIT;
    cs_worker_t *core = NULL;
    cs_aws_t *aws = NULL;
    int done;
    int rc = cs_daemon_init(&d, "worker", CS_PROG_WORKER, usage, argc, argv,
                            &done);

    if (done)
        return rc;
    rc = 1;
    aws = cs_aws_new(&d.cfg, &err);
    if (aws == NULL)
        goto fail;
    deps.metrics = d.metrics;
    deps.fm = &d.fm;
    deps.aws = aws;
    core = cs_worker_new(&d.cfg, &deps, &err);
    if (core == NULL)
        goto fail;
    cs_daemon_set_health(&d, cs_worker_healthy, core);
    rc = cs_worker_run(core, &d.stop);
    cs_daemon_set_health(&d, NULL, NULL);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", argv[0], cs_worker_error(core));
    goto cleanup;
fail:
    cs_log(NULL, CS_LOG_ERROR, "cannot start: %s", err.msg);
    fprintf(stderr, "%s: %s\n", argv[0], err.msg);
cleanup:
    cs_worker_destroy(core);
    cs_aws_destroy(aws);
    cs_daemon_fini(&d);
    return rc;
}
