/* Fuzz target: the scope file (docs/scope.md), which users hand to
 * `cellscan submit`. Any bytes must give a ScanRequest or a one-line
 * error naming the scope or the policy, never a crash. A request that
 * parses must pass the request validation once it has its ids, and must
 * survive protobuf encoding unchanged (what the dispatcher will read).
 * The input is also tried as a scope whose policy is the input itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scope/scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(Cellscan__V1__ScanRequest *r)
{
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__ScanRequest *back;
    size_t n;
    uint8_t *buf;

    r->scan_id = strdup("scan-fuzz");
    r->requested_at_ms = 1764108000000;
    if (r->scan_id == NULL || cs_scope_validate_request(r, NULL, &err) != CS_OK)
        abort();
    n = cellscan__v1__scan_request__get_packed_size(r);
    buf = malloc(n ? n : 1);
    if (buf == NULL)
        abort();
    cellscan__v1__scan_request__pack(r, buf);
    back = cellscan__v1__scan_request__unpack(NULL, n, buf);
    if (back == NULL || cs_scope_validate_request(back, NULL, &err) != CS_OK ||
        strcmp(back->scope->tag_policy_json, r->scope->tag_policy_json) != 0)
        abort();
    cs_scope_request_free(back);
    free(buf);
}

static void try_scope(const char *json, size_t len,
                      const struct cs_scope_file_opts *o)
{
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__ScanRequest *r = NULL;

    if (cs_scope_parse(json, len, o, &r, &err) == CS_OK) {
        round_trip(r);
        cs_scope_request_free(r);
    } else if (r != NULL || (strncmp(err.msg, "scope: ", 7) != 0 &&
                             strncmp(err.msg, "policy ", 7) != 0)) {
        abort();
    } else {
        /* messages reach terminals and reports: printable ASCII only */
        for (const char *p = err.msg; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char scope[] =
        "{\"accounts\": [\"111111111111\"], \"categories\": [\"ec2\"],"
        " \"regions\": [\"us-east-1\"]}";
    struct cs_scope_file_opts o = {.client_id = "fuzz"};

    try_scope((const char *)data, size, &o);
    o.policy_json = (const char *)data;
    o.policy_len = size;
    o.policy_source = "fuzz.json";
    try_scope(scope, strlen(scope), &o);
    return 0;
}
