#include "compliance/topn.h"

#include <stdlib.h>

struct cs_topn_s {
    size_t cap, n;
    void **heap;   /* max-heap: heap[0] is the greatest kept item */
    cs_topn_cmp_fn cmp;
    void (*drop)(void *);
};

cs_topn_t *cs_topn_new(size_t cap, cs_topn_cmp_fn cmp, void (*drop)(void *),
                       struct cs_err *err)
{
    cs_topn_t *t = calloc(1, sizeof(*t));

    if (t == NULL)
        goto nomem;
    /* cap is bounded by configuration (CELLSCAN_*_VIOLATIONS <= 100000) */
    t->heap = calloc(cap ? cap : 1, sizeof(*t->heap));
    if (t->heap == NULL)
        goto nomem;
    t->cap = cap;
    t->cmp = cmp;
    t->drop = drop;
    return t;
nomem:
    free(t);
    cs_err_set(err, CS_ERR_NOMEM, "topn: out of memory");
    return NULL;
}

void cs_topn_destroy(cs_topn_t *t)
{
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < t->n; i++)
        t->drop(t->heap[i]);
    free(t->heap);
    free(t);
}

int cs_topn_wants(const cs_topn_t *t, const void *probe)
{
    if (t->n < t->cap)
        return 1;
    return t->cap > 0 && t->cmp(probe, t->heap[0]) < 0;
}

static void swap(void **a, void **b)
{
    void *x = *a;
    *a = *b;
    *b = x;
}

static void sift_down(cs_topn_t *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->n && t->cmp(t->heap[l], t->heap[m]) > 0)
            m = l;
        if (r < t->n && t->cmp(t->heap[r], t->heap[m]) > 0)
            m = r;
        if (m == i)
            return;
        swap(&t->heap[i], &t->heap[m]);
        i = m;
    }
}

void cs_topn_push(cs_topn_t *t, void *item)
{
    size_t i;

    if (t->n == t->cap) {
        t->drop(t->heap[0]);
        t->heap[0] = item;
        sift_down(t, 0);
        return;
    }
    i = t->n++;
    t->heap[i] = item;
    while (i > 0 && t->cmp(t->heap[i], t->heap[(i - 1) / 2]) > 0) {
        swap(&t->heap[i], &t->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
}

size_t cs_topn_count(const cs_topn_t *t)
{
    return t->n;
}

void *const *cs_topn_items(const cs_topn_t *t)
{
    return t->heap;
}

void **cs_topn_take_sorted(cs_topn_t *t, size_t *n)
{
    void **items = t->heap;
    size_t k;

    /* heapsort in place: repeatedly move the greatest to the end */
    *n = t->n;
    for (k = t->n; k > 1; k--) {
        swap(&t->heap[0], &t->heap[k - 1]);
        t->n = k - 1;
        sift_down(t, 0);
    }
    t->heap = NULL;
    t->n = 0;
    t->cap = 0;
    if (*n == 0) {
        free(items);
        return NULL;
    }
    return items;
}
