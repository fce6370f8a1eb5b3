/* cellscan-dispatcher: loads its configuration and exits (the daemon loop comes
 * with the fleet issue). */
#include <stdio.h>

#include "util/config.h"
#include "util/log.h"

static const char usage[] =
    "usage: cellscan-dispatcher [--flag=value ...]\n"
    "  the dispatcher of the cellscan fleet (see docs/architecture.md)\n\n";

int main(int argc, char **argv)
{
    struct cs_config cfg;
    enum cs_log_level lvl = CS_LOG_INFO;
    int done;
    int rc = cs_config_main(&cfg, CS_PROG_DISPATCHER, usage, &argc, argv, 0, &done);

    if (!done) {
        cs_log_level_parse(cfg.log_level, &lvl);
        cs_log_setup("dispatcher", lvl, 2);
        cs_log(NULL, CS_LOG_INFO, "configuration loaded; brokers %s",
               cfg.kafka_brokers);
    }
    cs_config_free(&cfg);
    return rc;
}
