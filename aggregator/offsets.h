/* offsets.h: what the aggregator may commit, per partition of
 * cell-results.
 *
 * A scan lives in one partition from its manifest to its last result. The
 * aggregator must be able to rebuild every scan it has not finished, so
 * the group's committed offset of a partition is the offset of the
 * earliest manifest of a scan still open there (its "pin"); when nothing
 * is pinned it is the next offset to read. A message waiting for its
 * dead letter to be acknowledged pins its own offset the same way.
 *
 *   consumed(p, 10) pin(p, 10)          manifest of scan A at 10
 *   consumed(p, 11) ... consumed(p, 15)
 *   commit point: 10                    A is open
 *   pin(p, 13)                          manifest of scan B at 13
 *   unpin(p, 10)                        A published and stored
 *   commit point: 13                    B is open
 *   unpin(p, 13)
 *   commit point: 16                    nothing open
 *
 * Pure data, no I/O; not thread-safe (the consumer thread owns it).
 */
#ifndef CS_AGGREGATOR_OFFSETS_H
#define CS_AGGREGATOR_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct cs_agg_offsets_s cs_agg_offsets_t;

/* Most partitions followed, and most pins per partition. */
#define CS_AGG_MAX_PARTITIONS 4096
#define CS_AGG_MAX_PINS (1u << 20)

/* The commit point of one partition: the smallest of the n pins, or
 * position when n is 0; -1 when nothing was consumed and nothing is
 * pinned (position < 0). Pure. Cannot fail. */
int64_t cs_agg_commit_offset(const int64_t *pins, size_t n, int64_t position);

/* Creates an empty tracker. Returns NULL with err set (CS_ERR_NOMEM).
 * Caller frees with cs_agg_offsets_destroy. */
cs_agg_offsets_t *cs_agg_offsets_new(struct cs_err *err);

/* Frees o. NULL is a no-op. */
void cs_agg_offsets_destroy(cs_agg_offsets_t *o);

/* Records that the message at offset of partition was handled: the
 * position becomes offset + 1 unless it is already beyond. Errors:
 * CS_ERR_INVALID for a negative partition or offset, CS_ERR_LIMIT past
 * CS_AGG_MAX_PARTITIONS partitions, CS_ERR_NOMEM. */
cs_rc cs_agg_offsets_consumed(cs_agg_offsets_t *o, int32_t partition,
                              int64_t offset, struct cs_err *err);

/* Holds the commit point of partition at or below offset until
 * cs_agg_offsets_unpin(offset). Pins are a multiset. Errors as
 * cs_agg_offsets_consumed, and CS_ERR_LIMIT past CS_AGG_MAX_PINS. */
cs_rc cs_agg_offsets_pin(cs_agg_offsets_t *o, int32_t partition,
                         int64_t offset, struct cs_err *err);

/* Releases one pin of offset. Errors: CS_ERR_NOTFOUND when partition has
 * no such pin. */
cs_rc cs_agg_offsets_unpin(cs_agg_offsets_t *o, int32_t partition,
                           int64_t offset, struct cs_err *err);

/* Pins of partition. Cannot fail. */
size_t cs_agg_offsets_pins(const cs_agg_offsets_t *o, int32_t partition);

/* The position of partition (the last handled offset + 1), or -1 when
 * nothing was handled since it was assigned. Cannot fail. */
int64_t cs_agg_offsets_position(const cs_agg_offsets_t *o, int32_t partition);

/* When partition has a commit point other than the last one marked with
 * cs_agg_offsets_committed, stores it in *next_offset and returns 1; else
 * returns 0. Cannot fail. */
int cs_agg_offsets_commit_point(const cs_agg_offsets_t *o, int32_t partition,
                                int64_t *next_offset);

/* Marks next_offset of partition as committed. Cannot fail (an unknown
 * partition is ignored). */
void cs_agg_offsets_committed(cs_agg_offsets_t *o, int32_t partition,
                              int64_t next_offset);

/* Forgets partition entirely: pins, position, last commit (revoked, lost
 * or newly assigned). Cannot fail. */
void cs_agg_offsets_forget(cs_agg_offsets_t *o, int32_t partition);

#endif
