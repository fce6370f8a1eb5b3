/* watch.h: follows one scan from the outside, as any consumer of the
 * fleet's topics could: reads cell-results (the manifest and the cell
 * results, into a progress tracker, embed/progress.h) and scan-results
 * (the scan's ScanReport, published by the aggregator, or by the
 * dispatcher for a rejected request or a failed discovery).
 *
 * The watcher is a consumer of its own group, <prefix>run-watch-<pid>-<n>,
 * reading both topics from the earliest offset; it never commits, so it
 * leaves no trace on the daemons' groups. Records that do not decode, and
 * records of other scans, are skipped (the aggregator dead-letters the
 * former). One thread owns a watcher.
 *
 *   cs_watch_t *w = cs_watch_new(cfg, envp, "scan-1", &err);
 *   while (!cs_watch_report(w) && !timed_out)
 *       cs_watch_poll(w, 100, &err);
 *   Cellscan__V1__ScanReport *r = cs_watch_take_report(w);
 *   cs_watch_destroy(w);
 */
#ifndef CS_EMBED_WATCH_H
#define CS_EMBED_WATCH_H

#include "cellscan.pb-c.h"
#include "embed/progress.h"
#include "util/config.h"
#include "util/err.h"

typedef struct cs_watch_s cs_watch_t;

/* Bound of cs_watch_destroy's close of the consumer. */
#define CS_WATCH_CLOSE_MS 5000

/* A watcher of scan scan_id (copied) on the cluster of cfg (borrowed for
 * the call) with the passthrough properties of envp (NULL = the process
 * environment). Errors: CS_ERR_INVALID for a bad scan id, topic prefix or
 * Kafka property, CS_ERR_UNAVAILABLE when librdkafka refuses to start,
 * CS_ERR_NOMEM. Caller frees with cs_watch_destroy. */
cs_watch_t *cs_watch_new(const struct cs_config *cfg, char *const *envp,
                         const char *scan_id, struct cs_err *err);

/* Reads records for up to timeout_ms, returning early once the report
 * has arrived; after that it reads nothing. Errors: CS_ERR_UNAVAILABLE for a
 * fatal consumer error, CS_ERR_NOMEM. */
cs_rc cs_watch_poll(cs_watch_t *w, int timeout_ms, struct cs_err *err);

/* The progress so far into *out; once the report was read, the report's
 * own figures (embed/progress.h, cs_progress_report). Cannot fail. */
void cs_watch_progress(const cs_watch_t *w, struct cs_progress_snap *out);

/* The scan's report once read (the first copy: a report published twice
 * is the same report), else NULL. Borrowed: valid until
 * cs_watch_take_report or cs_watch_destroy. Cannot fail. */
const Cellscan__V1__ScanReport *cs_watch_report(const cs_watch_t *w);

/* Hands the report over (NULL when none was read yet): caller frees with
 * cellscan__v1__scan_report__free_unpacked(r, NULL). Cannot fail. */
Cellscan__V1__ScanReport *cs_watch_take_report(cs_watch_t *w);

/* Closes the consumer (within CS_WATCH_CLOSE_MS) and frees w. NULL is a
 * no-op. */
void cs_watch_destroy(cs_watch_t *w);

#endif
