/* cli.h: what every `cellscan <command>` implementation gets.
 *
 * A command is one file cli/cmd_<name>.c defining
 *
 *   const struct cs_cli_cmd cs_cmd_<name> = {"<name>", "<one-line summary>",
 *                                             "<usage text>", run_fn};
 *
 * cli/CMakeLists.txt finds the files and registers the commands; nothing
 * else needs editing. run_fn gets the loaded configuration and the
 * arguments after the command name (config flags already removed), and
 * returns the process exit status (0 ok, 1 failure, 2 bad usage).
 */
#ifndef CS_CLI_H
#define CS_CLI_H

#include "util/config.h"

#define CS_CLI_USAGE_EXIT 2

struct cs_cli {
    struct cs_config *cfg;  /* borrowed, loaded */
    const char *argv0;
};

struct cs_cli_cmd {
    const char *name;
    const char *summary;
    const char *usage;
    int (*run)(struct cs_cli *cli, int argc, char **argv);
};

#endif
