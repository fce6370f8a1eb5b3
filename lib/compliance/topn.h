/* topn.h: the N smallest items of a stream under a total order, kept in a
 * bounded max-heap: the capped violation sets of a cell and of a report
 * (docs/compliance.md) hold the smallest N, whatever the arrival order.
 *
 *   if (cs_topn_wants(t, &probe)) cs_topn_push(t, copy_of(&probe));
 *
 * Asking first lets callers copy an item only when it will be kept.
 */
#ifndef CS_COMPLIANCE_TOPN_H
#define CS_COMPLIANCE_TOPN_H

#include <stddef.h>

#include "util/err.h"

typedef struct cs_topn_s cs_topn_t;

/* Total order on items: <0, 0, >0 as for qsort (arguments are the items
 * themselves, not pointers to them). */
typedef int (*cs_topn_cmp_fn)(const void *a, const void *b);

/* Creates an empty set keeping at most cap items (cap may be 0). drop
 * frees an item the set evicts or still holds at destroy. Returns NULL
 * with CS_ERR_NOMEM in err. Caller frees with cs_topn_destroy. */
cs_topn_t *cs_topn_new(size_t cap, cs_topn_cmp_fn cmp, void (*drop)(void *),
                       struct cs_err *err);

/* Destroys t and drops the items it holds. NULL is a no-op. */
void cs_topn_destroy(cs_topn_t *t);

/* 1 when an item equal to probe would be kept by cs_topn_push (the set
 * is not full, or probe is smaller than its greatest item). Cannot fail. */
int cs_topn_wants(const cs_topn_t *t, const void *probe);

/* Adds item, which cs_topn_wants accepted; evicts (drops) the greatest
 * item when full. Takes ownership of item. Cannot fail. */
void cs_topn_push(cs_topn_t *t, void *item);

/* Number of items held. Cannot fail. */
size_t cs_topn_count(const cs_topn_t *t);

/* The items held, in no particular order. Borrowed: valid until the next
 * push, take or destroy. Cannot fail. */
void *const *cs_topn_items(const cs_topn_t *t);

/* Hands the items over sorted ascending: returns the array (NULL when
 * empty) and sets *n. Caller frees the items (with drop) and the array
 * (with free). t is left empty with capacity 0 (it wants nothing more). */
void **cs_topn_take_sorted(cs_topn_t *t, size_t *n);

#endif
