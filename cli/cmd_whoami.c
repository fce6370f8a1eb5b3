/* cellscan whoami: the base identity (sts:GetCallerIdentity with the base
 * credentials) and which provider of the chain supplied them. */
#include <stdio.h>

#include <curl/curl.h>

#include "aws/aws.h"
#include "aws/sts.h"
#include "cli/cli.h"

static int run_whoami(struct cs_cli *cli, int argc, char **argv)
{
    struct cs_err err = CS_ERR_INIT;
    struct cs_aws_identity id;
    cs_aws_t *aws = NULL;
    cs_aws_client_t *cl = NULL;
    cs_aws_creds_t *base = NULL;
    char detail[256];
    int status = 1;

    (void)argv;
    if (argc > 0) {
        fprintf(stderr, "cellscan whoami: takes no arguments\n");
        return CS_CLI_USAGE_EXIT;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    aws = cs_aws_new(cli->cfg, &err);
    if (aws)
        cl = cs_aws_client_new(aws, &err);
    if (cl && cs_aws_base_creds(cl, &base, &err) == CS_OK &&
        cs_aws_caller_identity(cl, base, NULL, &id, NULL, NULL, &err) == CS_OK) {
        cs_aws_base_describe(aws, detail, sizeof(detail));
        printf("account:  %s\narn:      %s\nuser id:  %s\nprovider: %s\n"
               "source:   %s\naccess key id: %s%s\n",
               id.account, id.arn, id.user_id,
               cs_aws_creds_source_name(cs_aws_creds_source(base)), detail,
               cs_aws_creds_access_key_id(base),
               cs_aws_creds_temporary(base) ? " (temporary)" : "");
        status = 0;
    } else {
        fprintf(stderr, "cellscan whoami: %s\n", err.msg);
    }
    cs_aws_creds_unref(base);
    cs_aws_client_destroy(cl);
    cs_aws_destroy(aws);
    curl_global_cleanup();
    return status;
}

const struct cs_cli_cmd cs_cmd_whoami = {
    "whoami", "show the base AWS identity and which credential provider supplied it",
    "usage: cellscan whoami\n"
    "  calls sts:GetCallerIdentity with the base credentials (environment,\n"
    "  shared files, web identity, container, IMDS: the first configured) and\n"
    "  prints the account, ARN and the provider. Exit 1 when there are no\n"
    "  usable credentials.\n\n",
    run_whoami,
};
