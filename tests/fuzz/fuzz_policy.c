/* Fuzz target: tag policy JSON (docs/policy.md), which arrives from
 * outside in ScanScope.tag_policy_json. Any bytes must give a policy or a
 * one-line error, never a crash; a policy must evaluate resources built
 * from the input itself without fault, within its violation bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void evaluate(const cs_policy_t *p, const uint8_t *data, size_t size)
{
    static const char *const types[] = {"ec2:instance", "rds:db", "s3:bucket",
                                        "sns", "", "dynamodb:table"};
    struct cs_violation v[CS_POLICY_MAX_RULES];
    char text[64];
    struct cs_tag tags[4];
    struct cs_resource r = {"arn:aws:ec2:us-east-1:1:instance/i", NULL,
                            "us-east-1", "1", tags, 4};
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1, i, k;

    /* tag keys and values cut from the input reach every comparison path */
    memcpy(text, data, n);
    text[n] = '\0';
    for (i = 0; i < 4; i++) {
        tags[i].key = text + (n * i) / 4;
        tags[i].value = text + (n * (3 - i)) / 4;
    }
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        r.type = types[i];
        k = cs_policy_eval(p, &r, v, CS_POLICY_MAX_RULES);
        if (k > cs_policy_rule_count(p))
            abort();
    }
    for (i = 0; i < cs_policy_notice_count(p); i++)
        if (cs_policy_notice(p, i)[0] == '\0')
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_err err = CS_ERR_INIT;
    cs_policy_t *p = NULL;

    if (cs_policy_parse((const char *)data, size, &p, &err) == CS_OK) {
        evaluate(p, data, size);
        cs_policy_destroy(p);
    } else if (p != NULL || strncmp(err.msg, "policy: ", 8) != 0) {
        abort();
    }
    return 0;
}
