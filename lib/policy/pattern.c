#include "policy/pattern.h"

#include <stdlib.h>
#include <string.h>

cs_rc cs_pattern_compile(struct cs_pattern *p, const char *s, size_t n,
                         int fold)
{
    size_t stars = 0, i, k = 0, start = 0;

    memset(p, 0, sizeof(*p));
    for (i = 0; i < n; i++)
        stars += s[i] == '*';
    p->text = malloc(n + 1);
    p->seg = calloc(stars + 1, sizeof(*p->seg));
    if (p->text == NULL || p->seg == NULL) {
        cs_pattern_free(p);
        return CS_ERR_NOMEM;
    }
    for (i = 0; i < n; i++)
        p->text[i] = fold ? (char)cs_ascii_lower((unsigned char)s[i]) : s[i];
    p->text[n] = '\0';
    p->len = n;
    p->fold = fold;
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == '*') {
            p->seg[k].off = start;
            p->seg[k].len = i - start;
            k++;
            start = i + 1;
        }
    }
    p->nseg = k;
    return CS_OK;
}

/* Compares n bytes of text with the (already folded) pattern bytes. */
static int seg_eq(const char *text, const char *pat, size_t n, int fold)
{
    size_t i;

    if (!fold)
        return memcmp(text, pat, n) == 0;
    for (i = 0; i < n; i++)
        if (cs_ascii_lower((unsigned char)text[i]) != (unsigned char)pat[i])
            return 0;
    return 1;
}

/* Leftmost occurrence of pat[0..m) in text[0..n), or NULL. For '*'-only
 * globs the leftmost occurrence of each middle segment is always a safe
 * choice, which is why no backtracking is needed. */
static const char *seg_find(const char *text, size_t n, const char *pat,
                            size_t m, int fold)
{
    size_t i;

    if (m == 0)
        return text;
    if (m > n)
        return NULL;
    if (!fold)
        return memmem(text, n, pat, m);
    for (i = 0; i + m <= n; i++) {
        if (cs_ascii_lower((unsigned char)text[i]) == (unsigned char)pat[0] &&
            seg_eq(text + i + 1, pat + 1, m - 1, 1))
            return text + i;
    }
    return NULL;
}

int cs_pattern_match(const struct cs_pattern *p, const char *text, size_t n)
{
    const struct cs_pattern_seg *first = &p->seg[0];
    const struct cs_pattern_seg *last = &p->seg[p->nseg - 1];
    size_t pos, end, k;

    if (p->nseg == 1)
        return n == p->len && seg_eq(text, p->text, n, p->fold);
    if (n < first->len + last->len)
        return 0;
    if (!seg_eq(text, p->text + first->off, first->len, p->fold) ||
        !seg_eq(text + n - last->len, p->text + last->off, last->len, p->fold))
        return 0;
    pos = first->len;
    end = n - last->len;
    for (k = 1; k + 1 < p->nseg; k++) {
        const struct cs_pattern_seg *s = &p->seg[k];
        const char *hit = seg_find(text + pos, end - pos, p->text + s->off,
                                   s->len, p->fold);
        if (hit == NULL)
            return 0;
        pos = (size_t)(hit - text) + s->len;
    }
    return 1;
}

void cs_pattern_free(struct cs_pattern *p)
{
    if (p == NULL)
        return;
    free(p->text);
    free(p->seg);
    memset(p, 0, sizeof(*p));
}
