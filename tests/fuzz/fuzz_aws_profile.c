/* Fuzz target: the AWS shared credentials/config file parser. Any text
 * must parse or be refused with a line number, and lookups on what parsed
 * must be safe. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_aws_ini_t *ini = NULL;
    struct cs_err err = CS_ERR_INIT;

    if (cs_aws_ini_parse((const char *)data, size, &ini, &err) == CS_OK) {
        const char *v = cs_aws_ini_get(ini, "default", "aws_access_key_id");
        if (v && strlen(v) > size)
            abort();
        cs_aws_ini_has(ini, "profile dev");
        cs_aws_ini_get(ini, "profile dev", "credential_process");
        cs_aws_ini_destroy(ini);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    return 0;
}
