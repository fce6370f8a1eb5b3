/* Fuzz target: every page parser of the extractors (lib/extract/parse.h)
 * on the same bytes — EC2, RDS and S3 XML, Lambda, ECS, EKS and tagging
 * JSON, the listings, DescribeRegions, GetBucketLocation. Any bytes must
 * give resources or a clean error, never a crash, a leak, a token or id
 * over its cap, or a tag that is not a C string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cs_rc on_resource(void *ud, const char *id, const struct cs_tag *tags, size_t ntags,
                         struct cs_err *err)
{
    size_t *n = ud;

    (void)err;
    if (strlen(id) >= CS_PAGE_ID_MAX + 256 || ntags > CS_TAGSET_MAX_TAGS)
        abort();
    for (size_t i = 0; i < ntags; i++)
        *n += strlen(tags[i].key) + strlen(tags[i].value);
    /* stop now and then, as the accumulator might */
    return (++*n % 89 == 7) ? CS_ERR_NOMEM : CS_OK;
}

static cs_rc on_name(void *ud, const char *name, size_t len, struct cs_err *err)
{
    size_t *n = ud;

    (void)err;
    if (strlen(name) != len || len == 0 || len >= CS_PAGE_ID_MAX)
        abort();
    *n += len;
    return CS_OK;
}

static cs_rc on_region(void *ud, const char *region, const char *status, struct cs_err *err)
{
    size_t *n = ud;

    (void)err;
    if (region[0] == '\0' || strlen(region) >= CS_PAGE_WORD_MAX || strlen(status) >= CS_PAGE_WORD_MAX)
        abort();
    *n += strlen(region);
    return CS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cs_tagset ts = CS_TAGSET_INIT;
    const char *p = (const char *)data;
    char next[CS_PAGE_TOKEN_MAX], region[CS_PAGE_WORD_MAX];
    struct cs_err err = CS_ERR_INIT;
    size_t n = 0;
    int k;

    for (k = 0; k < CS_PAGE_RESOURCE_KINDS; k++) {
        next[0] = 'x';
        if (cs_page_resources((enum cs_page_kind)k, p, size, &ts, on_resource, &n, next,
                              sizeof(next), &err) == CS_OK &&
            strlen(next) >= sizeof(next))
            abort();
    }
    for (k = 0; k < CS_LIST_KINDS; k++)
        cs_page_names((enum cs_list_kind)k, p, size, on_name, &n, next, sizeof(next), &err);
    cs_page_regions(p, size, on_region, &n, &err);
    if (cs_page_s3_location(p, size, region, sizeof(region), &err) == CS_OK && region[0] == '\0')
        abort();
    /* memory is kept between inputs, as a walk keeps it between pages */
    if (n % 64 == 0)
        cs_tagset_free(&ts);
    return 0;
}
