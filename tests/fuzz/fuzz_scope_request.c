/* Fuzz target: the validation every ScanRequest read from scan-requests
 * goes through before the dispatcher acts on it. Any bytes that decode
 * must be accepted or refused with a one-line reason that is printable
 * ASCII (it becomes a rejected report's reason and a dead-letter header),
 * never a crash; with and without the org-role check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scope/scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reason(const char *msg)
{
    if (msg[0] == '\0')
        abort();
    for (const char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_scope_check_opts strict = {.check_org_role = 1, .org_role_arn = ""};
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__ScanRequest *r =
        cellscan__v1__scan_request__unpack(NULL, size, data);

    if (r == NULL)
        return 0;
    if (cs_scope_validate_request(r, NULL, &err) != CS_OK)
        check_reason(err.msg);
    cs_err_clear(&err);
    if (cs_scope_validate_request(r, &strict, &err) != CS_OK)
        check_reason(err.msg);
    cs_scope_request_free(r);
    return 0;
}
