/* tracker.h: contiguous commit points per partition.
 *
 * A worker runs several jobs of one partition at once and they finish in
 * any order, but a Kafka commit of offset N means "everything below N is
 * done". The tracker records which offsets started and which are done, and
 * yields the highest offset that may be committed: the lowest offset still
 * running, or the last started + 1 when nothing runs. Offsets that were
 * never started (gaps: transaction markers, compaction) are covered.
 *
 *   start(p, 5) start(p, 6) start(p, 7)
 *   done(p, 6)            -> nothing to commit (5 is running)
 *   done(p, 5)            -> commit 7 (6 and 5 done, 7 running)
 *   done(p, 7)            -> commit 8
 *
 * One tracker per topic; pure data, no I/O; not thread-safe (the consumer
 * thread owns it).
 */
#ifndef CS_BUS_TRACKER_H
#define CS_BUS_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct cs_tracker_s cs_tracker_t;

/* Most partitions one tracker follows. */
#define CS_TRACKER_MAX_PARTITIONS 4096

/* Creates a tracker whose window per partition (offsets from the lowest
 * running one to the newest started, finished ones included) holds at
 * most max_window offsets: memory stays bounded even when one slow job
 * holds the commit point while many later ones finish. Returns NULL with
 * err set: CS_ERR_INVALID for max_window 0, CS_ERR_NOMEM. Caller frees
 * with cs_tracker_destroy. */
cs_tracker_t *cs_tracker_new(size_t max_window, struct cs_err *err);

/* Frees t. NULL is a no-op. */
void cs_tracker_destroy(cs_tracker_t *t);

/* Records that the job at offset of partition started. Offsets of one
 * partition must start in increasing order (as the consumer delivers
 * them); after a rebalance call cs_tracker_forget first. Errors:
 * CS_ERR_INVALID for a negative offset or one not above the last started,
 * CS_ERR_LIMIT when the partition's window is full (pause the consumer
 * until jobs finish) or CS_TRACKER_MAX_PARTITIONS partitions are
 * followed, CS_ERR_NOMEM. */
cs_rc cs_tracker_start(cs_tracker_t *t, int32_t partition, int64_t offset,
                       struct cs_err *err);

/* Records that the job at offset finished (its result acknowledged).
 * Errors: CS_ERR_NOTFOUND when offset is not running in partition. */
cs_rc cs_tracker_done(cs_tracker_t *t, int32_t partition, int64_t offset,
                      struct cs_err *err);

/* When partition has a commit point beyond the last one marked with
 * cs_tracker_committed, stores it in *next_offset and returns 1; else
 * returns 0. Cannot fail. */
int cs_tracker_commit_point(const cs_tracker_t *t, int32_t partition,
                            int64_t *next_offset);

/* Marks next_offset of partition as committed. Cannot fail. */
void cs_tracker_committed(cs_tracker_t *t, int32_t partition,
                          int64_t next_offset);

/* Offsets of partition started and not yet done. Cannot fail. */
size_t cs_tracker_inflight(const cs_tracker_t *t, int32_t partition);

/* Forgets partition entirely (revoked or lost). Cannot fail. */
void cs_tracker_forget(cs_tracker_t *t, int32_t partition);

#endif
