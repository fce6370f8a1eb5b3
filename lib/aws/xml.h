/* xml.h: a small streaming matcher over expat for AWS XML answers.
 *
 * The caller lists element paths it cares about and gets callbacks as the
 * document streams by: the start of a matched element, its complete text
 * (character data of that element, concatenated, entity references
 * already resolved for the five predefined ones), and its end. Nothing is
 * built in memory besides the current path and the text of the element
 * being collected.
 *
 * Paths are element names from the root, separated by '/', with '*'
 * matching any one name:
 *   "DescribeInstancesResponse/reservationSet/item/instancesSet/item"
 *   "* /Buckets/Bucket/Name"          (any root; written without the space)
 * Safety: a DOCTYPE is refused (so no entity can be declared or
 * expanded, no external entity or DTD is ever fetched), as is a document
 * deeper than CS_XML_MAX_DEPTH or an element text above CS_XML_MAX_TEXT.
 *
 *   static const struct cs_xml_rule rules[] = {
 *       {"*" "/Buckets/Bucket", BUCKET, CS_XML_START | CS_XML_END},
 *       {"*" "/Buckets/Bucket/Name", NAME, CS_XML_TEXT},
 *   };
 *   rc = cs_xml_parse(rules, 2, on_event, &state, body, len, err);
 */
#ifndef CS_AWS_XML_H
#define CS_AWS_XML_H

#include <stddef.h>

#include "util/err.h"

#define CS_XML_MAX_RULES 64
#define CS_XML_MAX_DEPTH 64
#define CS_XML_MAX_TEXT (1024 * 1024)

enum cs_xml_event {
    CS_XML_START = 1 << 0, /* element opened: text NULL, len 0 */
    CS_XML_TEXT = 1 << 1,  /* element closed: its whole text (NUL-terminated) */
    CS_XML_END = 1 << 2    /* element closed (after CS_XML_TEXT if both) */
};

struct cs_xml_rule {
    const char *path;  /* see above; borrowed: must outlive the parser */
    int id;            /* passed back to the callback */
    unsigned events;   /* CS_XML_* bits wanted */
};

/* Called for each wanted event of a matched element. text is borrowed:
 * valid during the call only. Return CS_OK to go on; anything else stops
 * the parse and is returned by cs_xml_feed/cs_xml_parse (set err to say
 * why). */
typedef cs_rc (*cs_xml_fn)(void *ud, int id, enum cs_xml_event ev,
                           const char *text, size_t len, struct cs_err *err);

typedef struct cs_xml_s cs_xml_t;

/* A parser for one document. rules (at most CS_XML_MAX_RULES; the array
 * and its strings are borrowed and must outlive the parser) are matched in
 * order; an element may match several rules. CS_ERR_INVALID for a bad
 * rule, CS_ERR_NOMEM. Returns NULL on error. Caller frees with
 * cs_xml_destroy. */
cs_xml_t *cs_xml_new(const struct cs_xml_rule *rules, size_t nrules,
                     cs_xml_fn fn, void *ud, struct cs_err *err);

/* Frees x. NULL is a no-op. */
void cs_xml_destroy(cs_xml_t *x);

/* Feeds the next len bytes; final is set on the last chunk (which may be
 * empty). CS_ERR_PARSE for malformed, truncated or refused XML (err names
 * the line and expat's reason); CS_ERR_LIMIT for depth/text caps; or the
 * callback's code. After an error the parser is finished. */
cs_rc cs_xml_feed(cs_xml_t *x, const char *data, size_t len, int final,
                  struct cs_err *err);

/* One-shot: new, feed everything with final set, destroy. */
cs_rc cs_xml_parse(const struct cs_xml_rule *rules, size_t nrules,
                   cs_xml_fn fn, void *ud, const char *data, size_t len,
                   struct cs_err *err);

#endif
