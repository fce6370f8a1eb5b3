/* cellscan config: prints the effective configuration. */
#include <stdio.h>

#include "cli/cli.h"

static int run_config(struct cs_cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc > 0) {
        fprintf(stderr, "cellscan config: takes no arguments\n");
        return CS_CLI_USAGE_EXIT;
    }
    cs_config_print(cli->cfg, CS_PROG_CLI, stdout);
    return 0;
}

const struct cs_cli_cmd cs_cmd_config = {
    "config", "print the effective configuration (VAR=value lines)",
    "usage: cellscan config\n  prints every setting's effective value\n\n",
    run_config,
};
