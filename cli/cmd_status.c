/* cellscan status SCAN_ID: the headline of a finished scan's report, read
 * from Redis within CELLSCAN_CLIENT_ID's keys only. */
#include <stdio.h>
#include <string.h>

#include "aggregator/read.h"
#include "cli/cli.h"
#include "util/clock.h"
#include "wire/names.h"

static void print_status(const Cellscan__V1__ScanReport *r)
{
    const Cellscan__V1__Totals *t = r->overall;
    char when[CS_RFC3339_MAX];

    printf("scan_id      %s\n", r->scan_id);
    printf("client_id    %s\n", r->client_id);
    printf("status       %s\n", cs_scan_status_name(r->status));
    if (r->reason && r->reason[0])
        printf("reason       %s\n", r->reason);
    if (t) {
        printf("score        %.4f (%llu of %llu resources compliant%s)\n",
               t->score, (unsigned long long)t->compliant,
               (unsigned long long)t->total, t->no_data ? ", no data" : "");
        printf("coverage     %.4f (%u of %u cells with data)\n", t->coverage,
               t->cells_with_data, t->cells_expected);
        printf("cells        %u done / %u expected\n", cs_agg_cells_done(r),
               t->cells_expected);
    }
    printf("finished_at  %s\n",
           r->finished_at_ms > 0 ? cs_rfc3339(r->finished_at_ms, 0, when,
                                              sizeof(when))
                                 : "-");
}

static int run_status(struct cs_cli *cli, int argc, char **argv)
{
    Cellscan__V1__ScanReport *r = NULL;
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc;

    if (argc != 1 || argv[0][0] == '-') {
        fprintf(stderr, "usage: cellscan status SCAN_ID\n");
        return CS_CLI_USAGE_EXIT;
    }
    rc = cs_agg_read_report(cli->cfg, cli->cfg->client_id, argv[0], &r, &err);
    if (rc != CS_OK) {
        fprintf(stderr, "cellscan status: %s\n", err.msg);
        return rc == CS_ERR_INVALID ? CS_CLI_USAGE_EXIT : 1;
    }
    print_status(r);
    cellscan__v1__scan_report__free_unpacked(r, NULL);
    return 0;
}

const struct cs_cli_cmd cs_cmd_status = {
    "status", "show a finished scan's status, score and coverage (Redis)",
    "usage: cellscan status SCAN_ID\n"
    "  Prints the status, score, coverage, cells done / expected and\n"
    "  finished_at of the report of SCAN_ID stored in Redis\n"
    "  (CELLSCAN_REDIS_URL) for the client CELLSCAN_CLIENT_ID. Exit status 1\n"
    "  when the client has no such report (unknown scan, not finished yet,\n"
    "  or expired), 2 for a malformed SCAN_ID.\n\n",
    run_status,
};
