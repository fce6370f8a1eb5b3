/* cellscan report SCAN_ID --format json|html|table [--out FILE]: a
 * finished scan's report from Redis, within CELLSCAN_CLIENT_ID's keys
 * only, rendered by lib/report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/read.h"
#include "cli/cli.h"
#include "report/html.h"
#include "report/json.h"
#include "report/table.h"
#include "util/buf.h"

struct report_args {
    const char *scan_id;
    const char *format;
    const char *out;
};

/* "--name VALUE" or "--name=VALUE" at argv[*i]: 1 and *value set, 0 when
 * argv[*i] is something else, -1 when the value is missing. */
static int option(const char *name, int argc, char **argv, int *i,
                  const char **value)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

static int parse_args(int argc, char **argv, struct report_args *a)
{
    memset(a, 0, sizeof(*a));
    a->format = "json";
    for (int i = 0; i < argc; i++) {
        int r = option("--format", argc, argv, &i, &a->format);
        if (r == 0)
            r = option("--out", argc, argv, &i, &a->out);
        if (r < 0) {
            fprintf(stderr, "cellscan report: %s needs a value\n", argv[i]);
            return -1;
        }
        if (r > 0)
            continue;
        if (argv[i][0] == '-' || a->scan_id) {
            fprintf(stderr, "cellscan report: unexpected argument %s\n", argv[i]);
            return -1;
        }
        a->scan_id = argv[i];
    }
    if (a->scan_id == NULL) {
        fprintf(stderr, "cellscan report: SCAN_ID is required\n");
        return -1;
    }
    if (strcmp(a->format, "json") && strcmp(a->format, "html") &&
        strcmp(a->format, "table")) {
        fprintf(stderr, "cellscan report: --format must be json, html or "
                "table, not \"%s\"\n", a->format);
        return -1;
    }
    if (a->out && a->out[0] == '\0') {
        fprintf(stderr, "cellscan report: --out needs a file name\n");
        return -1;
    }
    return 0;
}

/* Renders r in format into *text (caller frees with free()). */
static cs_rc render(const Cellscan__V1__ScanReport *r, const char *format,
                    char **text, size_t *len, struct cs_err *err)
{
    struct cs_buf b = CS_BUF_INIT(CS_MAX_REPORT_TEXT);
    cs_rc rc;

    if (strcmp(format, "json") == 0) {
        rc = cs_report_json_text(r, text, err);
        if (rc == CS_OK)
            *len = strlen(*text);
        return rc;
    }
    rc = strcmp(format, "html") == 0 ? cs_report_html(r, &b, err)
                                     : cs_report_table(r, &b, err);
    if (rc == CS_OK) {
        *text = cs_buf_take(&b, len);
        if (*text == NULL)
            rc = cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    }
    cs_buf_free(&b);
    return rc;
}

static int write_out(const char *path, const char *text, size_t len)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    int ok;

    if (f == NULL) {
        fprintf(stderr, "cellscan report: cannot write %s: %s\n", path,
                strerror(errno));
        return 1;
    }
    ok = fwrite(text, 1, len, f) == len;
    ok = (path ? fclose(f) : fflush(f)) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "cellscan report: cannot write %s: %s\n",
                path ? path : "standard output", strerror(errno));
        return 1;
    }
    return 0;
}

static int run_report(struct cs_cli *cli, int argc, char **argv)
{
    Cellscan__V1__ScanReport *r = NULL;
    struct report_args a;
    struct cs_err err = CS_ERR_INIT;
    char *text = NULL;
    size_t len = 0;
    int status = 1;
    cs_rc rc;

    if (parse_args(argc, argv, &a) != 0)
        return CS_CLI_USAGE_EXIT;
    rc = cs_agg_read_report(cli->cfg, cli->cfg->client_id, a.scan_id, &r, &err);
    if (rc == CS_OK)
        rc = render(r, a.format, &text, &len, &err);
    if (rc != CS_OK) {
        fprintf(stderr, "cellscan report: %s\n", err.msg);
        status = rc == CS_ERR_INVALID ? CS_CLI_USAGE_EXIT : 1;
        goto cleanup;
    }
    status = write_out(a.out, text, len);
cleanup:
    free(text);
    if (r)
        cellscan__v1__scan_report__free_unpacked(r, NULL);
    return status;
}

const struct cs_cli_cmd cs_cmd_report = {
    "report", "print a finished scan's report as json, html or a table (Redis)",
    "usage: cellscan report SCAN_ID [--format json|html|table] [--out FILE]\n"
    "  Reads the report of SCAN_ID stored in Redis (CELLSCAN_REDIS_URL) for\n"
    "  the client CELLSCAN_CLIENT_ID and prints it as report.json (default),\n"
    "  a self-contained report.html, or the terminal summary table, to\n"
    "  standard output or FILE. Exit status 1 when the client has no such\n"
    "  report (unknown scan, not finished yet, or expired), 2 for bad\n"
    "  arguments.\n\n",
    run_report,
};
