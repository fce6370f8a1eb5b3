/* tagset.h: the tags of the one resource being parsed.
 *
 * Page parsers meet a resource's tags piece by piece (a streamed XML
 * element at a time, or a JSON page's members) and hand them to the policy
 * as one struct cs_tag array when the resource ends. A tagset holds those
 * copies in one bounded arena, is reset for each resource and reused, so
 * parsing a page allocates nothing after the first few resources and
 * nothing of a resource outlives it.
 *
 *   cs_tagset_reset(ts);
 *   cs_tagset_begin(ts, err);  cs_tagset_key(ts, "Owner", 5, err);  ...
 *   cs_tagset_view(ts, &tags, &n, err);      evaluate, then reset
 */
#ifndef CS_EXTRACT_TAGSET_H
#define CS_EXTRACT_TAGSET_H

#include <stddef.h>

#include "policy/policy.h"
#include "util/buf.h"
#include "util/err.h"

/* AWS allows 50 user tags per resource plus aws: system tags; far more
 * than that is a malformed answer, not a resource. */
#define CS_TAGSET_MAX_TAGS 1024
#define CS_TAGSET_MAX_BYTES (1024 * 1024)

struct cs_tagset {
    struct cs_buf arena;  /* "key\0value\0" bytes of every tag */
    struct cs_buf slots;  /* struct cs_tagset_slot[], one per tag */
    struct cs_buf view;   /* struct cs_tag[] built by cs_tagset_view */
    size_t n;
};

#define CS_TAGSET_INIT                                                   \
    {CS_BUF_INIT(CS_TAGSET_MAX_BYTES),                                   \
     CS_BUF_INIT(CS_TAGSET_MAX_TAGS * 2 * sizeof(size_t)),               \
     CS_BUF_INIT(CS_TAGSET_MAX_TAGS * sizeof(struct cs_tag)), 0}

/* Forgets the tags, keeping the memory for the next resource. Cannot
 * fail. */
void cs_tagset_reset(struct cs_tagset *ts);

/* Frees the memory. ts stays usable (empty). NULL is a no-op. */
void cs_tagset_free(struct cs_tagset *ts);

/* Starts a new tag with key "" and value "" (an XML <item> opening).
 * CS_ERR_LIMIT beyond CS_TAGSET_MAX_TAGS; CS_ERR_NOMEM. */
cs_rc cs_tagset_begin(struct cs_tagset *ts, struct cs_err *err);

/* Sets the key or the value of the tag begun last (len bytes of s,
 * copied; s need not be NUL-terminated). CS_ERR_PARSE when no tag was
 * begun; CS_ERR_LIMIT beyond CS_TAGSET_MAX_BYTES; CS_ERR_NOMEM. */
cs_rc cs_tagset_key(struct cs_tagset *ts, const char *s, size_t len,
                    struct cs_err *err);
cs_rc cs_tagset_value(struct cs_tagset *ts, const char *s, size_t len,
                      struct cs_err *err);

/* begin + key + value in one (NUL-terminated strings; value NULL = "").
 * Same errors. */
cs_rc cs_tagset_add(struct cs_tagset *ts, const char *key, const char *value,
                    struct cs_err *err);

/* Points *tags at the tags in the order they were begun and sets *n to
 * their number (*tags NULL when there are none). Borrowed: valid until the
 * next change to ts. CS_ERR_NOMEM. */
cs_rc cs_tagset_view(struct cs_tagset *ts, const struct cs_tag **tags,
                     size_t *n, struct cs_err *err);

#endif
