/* Fuzz target: every XML an AWS endpoint (or something pretending to be
 * one) can send cellscan: the streaming matcher, error answers of the XML
 * protocols, STS credentials and GetCallerIdentity. Any bytes must give a
 * value or a clean error, never a crash, a leak or unbounded work. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "aws/sts.h"
#include "aws/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cs_rc on_ev(void *ud, int id, enum cs_xml_event ev, const char *text,
                   size_t len, struct cs_err *err)
{
    size_t *n = ud;

    (void)ev;
    (void)err;
    if (text && len && text[len] != '\0')
        abort(); /* text is NUL-terminated */
    *n += (size_t)id + len;
    /* stop now and then, as a caller might */
    return (*n % 97 == 13) ? CS_ERR_INVALID : CS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct cs_xml_rule rules[] = {
        {"*/reservationSet/item/instancesSet/item", 1, CS_XML_START | CS_XML_END},
        {"*/reservationSet/item/instancesSet/item/tagSet/item/key", 2, CS_XML_TEXT},
        {"*/*/*", 3, CS_XML_TEXT | CS_XML_START},
        {"ListAllMyBucketsResult/Buckets/Bucket/Name", 4, CS_XML_TEXT},
        {"*", 5, CS_XML_END},
    };
    const char *p = (const char *)data;
    size_t n = 0;
    struct cs_aws_error e;
    struct cs_aws_identity id;
    cs_aws_creds_t *cr = NULL;
    cs_xml_t *x;

    cs_xml_parse(rules, 5, on_ev, &n, p, size, NULL);
    /* the same bytes in two chunks */
    x = cs_xml_new(rules, 5, on_ev, &n, NULL);
    if (x) {
        if (cs_xml_feed(x, p, size / 2, 0, NULL) == CS_OK)
            cs_xml_feed(x, p + size / 2, size - size / 2, 1, NULL);
        cs_xml_destroy(x);
    }
    cs_aws_error_parse(CS_AWS_PROTO_QUERY, 400, p, size, NULL, "rid", &e);
    cs_aws_error_parse(CS_AWS_PROTO_EC2, 503, p, size, NULL, NULL, &e);
    cs_aws_error_parse(CS_AWS_PROTO_REST_XML, 301, p, size, NULL, NULL, &e);
    if (strlen(e.code) >= sizeof(e.code) || strlen(e.message) >= sizeof(e.message))
        abort();
    if (cs_aws_sts_parse_credentials(p, size, CS_AWS_SRC_ASSUME_ROLE, &cr, NULL) == CS_OK &&
        cr == NULL)
        abort();
    cs_aws_creds_unref(cr);
    cs_aws_sts_parse_identity(p, size, &id, NULL);
    return 0;
}
