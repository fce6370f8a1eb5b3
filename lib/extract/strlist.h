/* strlist.h: a bounded list of strings, for the names and ARNs a listing
 * page returns before the describe calls that follow it (ECS cluster and
 * service ARNs, EKS cluster names, Lambda function ARNs, S3 buckets).
 * One arena, reset and reused page after page.
 */
#ifndef CS_EXTRACT_STRLIST_H
#define CS_EXTRACT_STRLIST_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* Caps of one list: a listing page is at most a few thousand names; S3
 * ListBuckets returns every bucket of the account at once. */
#define CS_STRLIST_MAX_ITEMS 100000
#define CS_STRLIST_MAX_BYTES (32 * 1024 * 1024)

struct cs_strlist {
    struct cs_buf arena;  /* the strings, each NUL-terminated */
    struct cs_buf offs;   /* size_t[] offsets into arena */
    size_t n;
};

#define CS_STRLIST_INIT                                                  \
    {CS_BUF_INIT(CS_STRLIST_MAX_BYTES),                                  \
     CS_BUF_INIT(CS_STRLIST_MAX_ITEMS * sizeof(size_t)), 0}

/* Empties l, keeping its memory. Cannot fail. */
void cs_strlist_reset(struct cs_strlist *l);

/* Frees the memory; l stays usable (empty). NULL is a no-op. */
void cs_strlist_free(struct cs_strlist *l);

/* Appends a copy of len bytes of s. CS_ERR_LIMIT beyond the caps (the
 * list is then emptied), CS_ERR_NOMEM. */
cs_rc cs_strlist_add(struct cs_strlist *l, const char *s, size_t len,
                     struct cs_err *err);

/* The i-th string (i < l->n). Borrowed: valid until the next change to
 * l. Cannot fail. */
const char *cs_strlist_at(const struct cs_strlist *l, size_t i);

#endif
