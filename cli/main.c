/* cellscan: the command-line tool. */
#include <stdio.h>
#include <string.h>

#include "util/config.h"
#include "util/log.h"

static const char usage[] =
    "usage: cellscan <command> [options]\n"
    "commands:\n"
    "  config     print the effective configuration\n"
    "\n";

int main(int argc, char **argv)
{
    struct cs_config cfg;
    enum cs_log_level lvl = CS_LOG_INFO;
    int done;
    int rc = cs_config_main(&cfg, CS_PROG_CLI, usage, &argc, argv, 1, &done);

    if (done)
        goto out;
    cs_log_level_parse(cfg.log_level, &lvl);
    cs_log_setup("cli", lvl, 2);
    if (argc < 2) {
        fputs(usage, stderr);
        rc = CS_CONFIG_EXIT;
    } else if (strcmp(argv[1], "config") == 0) {
        cs_config_print(&cfg, CS_PROG_CLI, stdout);
    } else {
        fprintf(stderr, "cellscan: unknown command %s (see --help)\n", argv[1]);
        rc = CS_CONFIG_EXIT;
    }
out:
    cs_config_free(&cfg);
    return rc;
}
