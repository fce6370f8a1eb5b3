/* pattern.h: allowed-value patterns of a tag policy rule (docs/policy.md,
 * "Pattern match"): '*' matches any run of characters (including none),
 * every other byte matches itself, optionally ignoring ASCII case.
 *
 * A pattern is compiled once into its literal segments (the runs between
 * stars), so matching is a prefix check, a suffix check and a left-to-right
 * search for the middle segments: linear in the text for short segments,
 * with no allocation and no backtracking.
 */
#ifndef CS_POLICY_PATTERN_H
#define CS_POLICY_PATTERN_H

#include <stddef.h>

#include "util/err.h"

struct cs_pattern_seg {
    size_t off;  /* into text */
    size_t len;
};

struct cs_pattern {
    char *text;                  /* the pattern, lowercased when fold */
    size_t len;
    int fold;                    /* ignore ASCII case */
    size_t nseg;                 /* number of stars + 1 */
    struct cs_pattern_seg *seg;
};

/* ASCII lowercase of one byte; other bytes (UTF-8 included) unchanged.
 * Locale independent. Cannot fail. */
static inline unsigned char cs_ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Compiles the n bytes at s into p (fold = ignore ASCII case). Returns
 * CS_OK or CS_ERR_NOMEM (p is then left empty). Caller frees with
 * cs_pattern_free. */
cs_rc cs_pattern_compile(struct cs_pattern *p, const char *s, size_t n,
                         int fold);

/* 1 when the n bytes at text match p, else 0. Thread-safe on a shared p;
 * allocates nothing. Cannot fail. */
int cs_pattern_match(const struct cs_pattern *p, const char *text, size_t n);

/* Frees what cs_pattern_compile allocated and empties p. NULL is a
 * no-op. */
void cs_pattern_free(struct cs_pattern *p);

#endif
