/* closed.h: the scans this aggregator has finished, remembered by scan_id
 * so that a late or redelivered manifest or result of a finished scan is
 * ignored instead of opening the scan again.
 *
 * The set is bounded: past its capacity the oldest id is forgotten (FIFO).
 * Forgetting is safe: a forgotten scan whose manifest is read again is
 * looked up in Redis before its report could be published a second time
 * (docs/operations.md, "Aggregator").
 *
 * Pure data; not thread-safe (the consumer thread owns it).
 */
#ifndef CS_AGGREGATOR_CLOSED_H
#define CS_AGGREGATOR_CLOSED_H

#include <stddef.h>

#include "util/err.h"

typedef struct cs_agg_closed_s cs_agg_closed_t;

/* Default capacity of the aggregator's set. */
#define CS_AGG_CLOSED_KEEP 65536

/* Creates an empty set of at most cap ids (cap >= 1). Returns NULL with
 * err set: CS_ERR_INVALID for cap 0, CS_ERR_NOMEM. Caller frees with
 * cs_agg_closed_destroy. */
cs_agg_closed_t *cs_agg_closed_new(size_t cap, struct cs_err *err);

/* Frees c. NULL is a no-op. */
void cs_agg_closed_destroy(cs_agg_closed_t *c);

/* Adds id (copied); when full, forgets the oldest first. Adding an id
 * already present changes nothing. Errors: CS_ERR_NOMEM (c unchanged). */
cs_rc cs_agg_closed_add(cs_agg_closed_t *c, const char *id,
                        struct cs_err *err);

/* 1 when id is in the set. Cannot fail. */
int cs_agg_closed_has(const cs_agg_closed_t *c, const char *id);

/* Ids held. Cannot fail. */
size_t cs_agg_closed_count(const cs_agg_closed_t *c);

#endif
