/* cellscan submit: reads a scope file (docs/scope.md), builds the
 * ScanRequest, publishes it to <prefix>scan-requests on
 * CELLSCAN_KAFKA_BROKERS (key client_id), waits for the broker's
 * acknowledgement and prints the scan id. Nothing is sent unless the
 * whole scope is valid. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "dispatcher/dispatcher.h"
#include "scope/scope.h"
#include "store/keys.h"
#include "util/buf.h"
#include "util/clock.h"

#define SUBMIT_MIN_WAIT_MS 10000
/* the policy's own limit is checked when it is parsed */
#define POLICY_FILE_MAX (1024 * 1024)

struct submit_args {
    const char *scope;
    const char *policy;
    const char *scan_id;
};

static int parse_args(int argc, char **argv, struct submit_args *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
        const char **dst = NULL;

        if (n == 7 && strncmp(arg, "--scope", n) == 0)
            dst = &a->scope;
        else if (n == 8 && strncmp(arg, "--policy", n) == 0)
            dst = &a->policy;
        else if (n == 9 && strncmp(arg, "--scan-id", n) == 0)
            dst = &a->scan_id;
        if (dst == NULL) {
            fprintf(stderr, "cellscan submit: unknown argument %s\n", arg);
            return -1;
        }
        if (v == NULL || v[0] == '\0') {
            fprintf(stderr, "cellscan submit: %.*s needs a value\n", (int)n, arg);
            return -1;
        }
        *dst = v;
        i += !eq;
    }
    if (a->scope == NULL) {
        fprintf(stderr, "cellscan submit: --scope FILE is required\n");
        return -1;
    }
    return 0;
}

/* Reads a whole file of at most max bytes into b. */
static cs_rc read_file(const char *path, size_t max, struct cs_buf *b,
                       struct cs_err *err)
{
    char chunk[65536];
    FILE *f = fopen(path, "rb");
    size_t n;
    cs_rc rc = CS_OK;

    if (f == NULL)
        return cs_err_set(err, CS_ERR_IO, "%s: %s", path, strerror(errno));
    cs_buf_init(b, max);
    while (rc == CS_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = cs_buf_append(b, chunk, n);
    if (rc == CS_OK && ferror(f))
        rc = cs_err_set(err, CS_ERR_IO, "%s: read error", path);
    else if (rc == CS_ERR_LIMIT)
        rc = cs_err_set(err, rc, "%s: larger than %zu bytes", path, max);
    else if (rc != CS_OK)
        rc = cs_err_set(err, rc, "%s: out of memory", path);
    fclose(f);
    return rc;
}

static int run_submit(struct cs_cli *cli, int argc, char **argv)
{
    struct submit_args a;
    struct cs_buf scope = CS_BUF_INIT(0), policy = CS_BUF_INIT(0);
    struct cs_scope_file_opts o;
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__ScanRequest *r = NULL;
    char scan_id[CS_SCAN_ID_MAX + 1];
    int64_t now = cs_wall_ms();
    int wait_ms, status = CS_CLI_USAGE_EXIT;

    if (parse_args(argc, argv, &a) != 0)
        return CS_CLI_USAGE_EXIT;
    memset(&o, 0, sizeof(o));
    o.client_id = cli->cfg->client_id;
    if (read_file(a.scope, CS_SCOPE_MAX_FILE, &scope, &err) != CS_OK)
        goto fail;
    if (a.policy) {
        if (read_file(a.policy, POLICY_FILE_MAX, &policy, &err) != CS_OK)
            goto fail;
        o.policy_json = cs_buf_str(&policy);
        o.policy_len = policy.len;
        o.policy_source = a.policy;
    }
    if (cs_scope_parse(cs_buf_str(&scope), scope.len, &o, &r, &err) != CS_OK)
        goto fail;
    if (a.scan_id) {
        if (cs_store_check_scan_id(a.scan_id, &err) != CS_OK)
            goto fail;
        snprintf(scan_id, sizeof(scan_id), "%s", a.scan_id);
    } else if (cs_dispatcher_new_scan_id(now, scan_id, sizeof(scan_id), &err) !=
               CS_OK) {
        goto fail;
    }
    if (r->scan_id != protobuf_c_empty_string)
        free(r->scan_id);
    r->scan_id = strdup(scan_id);
    r->requested_at_ms = now;
    if (r->scan_id == NULL) {
        r->scan_id = (char *)protobuf_c_empty_string;
        cs_err_set(&err, CS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (cs_scope_validate_request(r, NULL, &err) != CS_OK)
        goto fail;
    status = 1;
    wait_ms = cli->cfg->startup_timeout_s * 1000;
    if (wait_ms < SUBMIT_MIN_WAIT_MS)
        wait_ms = SUBMIT_MIN_WAIT_MS;
    if (cs_dispatcher_submit(cli->cfg, NULL, r, wait_ms, &err) != CS_OK)
        goto fail;
    printf("%s\n", scan_id);
    fflush(stdout);
    status = 0;
    goto cleanup;
fail:
    fprintf(stderr, "cellscan submit: %s\n", err.msg);
cleanup:
    cs_scope_request_free(r);
    cs_buf_free(&scope);
    cs_buf_free(&policy);
    return status;
}

const struct cs_cli_cmd cs_cmd_submit = {
    "submit", "publish a scan request from a scope file; prints its scan id",
    "usage: cellscan submit --scope FILE [--policy FILE] [--scan-id ID]\n"
    "  reads the scope file (docs/scope.md) and the tag policy (inline as\n"
    "  \"tag_policy\", or --policy FILE), publishes the ScanRequest to\n"
    "  <prefix>scan-requests on CELLSCAN_KAFKA_BROKERS (key client_id), waits\n"
    "  for the broker's acknowledgement and prints the scan id\n"
    "  (scan-<UTC time>-<8 hex> unless --scan-id is given). client_id comes\n"
    "  from the scope, else CELLSCAN_CLIENT_ID. Exit status: 0 submitted,\n"
    "  1 Kafka failed, 2 bad arguments or an invalid scope or policy.\n\n",
    run_submit};
