/* Fuzz target: JSON from AWS and the credential endpoints: the bounded
 * parser, JSON error answers, and credential documents (IMDS, container,
 * credential_process). Never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "aws/json.h"
#include "aws/metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct cs_aws_error e;
    json_t *j = NULL;
    cs_aws_creds_t *cr = NULL;
    static const enum cs_aws_creds_source src[] = {
        CS_AWS_SRC_IMDS, CS_AWS_SRC_CONTAINER, CS_AWS_SRC_PROCESS};

    if (cs_aws_json_parse(p, size, &j, NULL) == CS_OK) {
        if (!json_is_object(j))
            abort();
        cs_json_str(j, "NextToken");
        cs_json_array(j, "ResourceTagMappingList");
        cs_json_object(j, "cluster");
        json_decref(j);
    }
    cs_aws_error_parse(CS_AWS_PROTO_JSON, 400, p, size, NULL, NULL, &e);
    /* headers arrive as C strings: the same bytes, NUL-terminated */
    char *hdr = malloc(size + 1);
    if (hdr == NULL)
        return 0;
    memcpy(hdr, data, size);
    hdr[size] = '\0';
    cs_aws_error_parse(CS_AWS_PROTO_REST_JSON, 429, p, size, hdr, hdr, &e);
    free(hdr);
    if (strlen(e.code) >= sizeof(e.code))
        abort();
    for (size_t i = 0; i < 3; i++) {
        if (cs_aws_parse_credential_json(p, size, src[i], (int)i == 2, &cr, NULL) == CS_OK &&
            cr == NULL)
            abort();
        cs_aws_creds_unref(cr);
        cr = NULL;
    }
    return 0;
}
