/* cellscan: the command-line tool. Commands live in cli/cmd_<name>.c and
 * are registered by the build (commands.inc). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/log.h"

#define CS_CLI_CMD(name) extern const struct cs_cli_cmd cs_cmd_##name;
#include "commands.inc"
#undef CS_CLI_CMD

static const struct cs_cli_cmd *const commands[] = {
#define CS_CLI_CMD(name) &cs_cmd_##name,
#include "commands.inc"
#undef CS_CLI_CMD
    NULL,
};

static void print_usage(FILE *out)
{
    fputs("usage: cellscan <command> [options]\n\ncommands:\n", out);
    for (int i = 0; commands[i]; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\n'cellscan <command> --help' shows a command's options.\n\n", out);
}

static const struct cs_cli_cmd *find_command(const char *name)
{
    for (int i = 0; commands[i]; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

/* The first non-flag argument names the command. */
static int command_index(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-')
            return i;
    return -1;
}

int main(int argc, char **argv)
{
    struct cs_config cfg;
    struct cs_err err = CS_ERR_INIT;
    struct cs_cli cli = {&cfg, argv[0]};
    const struct cs_cli_cmd *cmd = NULL;
    enum cs_log_level lvl = CS_LOG_INFO;
    int ci = command_index(argc, argv);
    cs_rc rc;
    int status;

    if (ci > 0) {
        cmd = find_command(argv[ci]);
        if (cmd == NULL) {
            fprintf(stderr, "cellscan: unknown command '%s'\n\n", argv[ci]);
            print_usage(stderr);
            return CS_CLI_USAGE_EXIT;
        }
    }
    rc = cs_config_load(&cfg, CS_PROG_CLI, &argc, argv, &err);
    if (rc == CS_ERR_HELP) {
        if (cmd)
            fputs(cmd->usage, stdout);
        else
            print_usage(stdout);
        cs_config_help(CS_PROG_CLI, stdout);
        cs_config_free(&cfg);
        return 0;
    }
    if (rc != CS_OK) {
        fprintf(stderr, "cellscan: %s\n", err.msg);
        cs_config_free(&cfg);
        return CS_CONFIG_EXIT;
    }
    if (cmd == NULL) {
        print_usage(stderr);
        cs_config_free(&cfg);
        return CS_CLI_USAGE_EXIT;
    }
    cs_log_level_parse(cfg.log_level, &lvl);
    cs_log_setup("cli", lvl, 2);
    /* config flags are gone; argv[1] is the command itself */
    status = cmd->run(&cli, argc - 2, argv + 2);
    cs_config_free(&cfg);
    return status;
}
