/* seen.h: the scan ids this dispatcher has dispatched, in memory — the
 * first guard against a redelivered ScanRequest (Redis seen marks are the
 * one that survives a restart). Bounded: past its capacity the oldest
 * entries are forgotten. One thread owns a set; not thread-safe.
 */
#ifndef CS_DISPATCHER_SEEN_H
#define CS_DISPATCHER_SEEN_H

#include <stddef.h>

#include "util/err.h"

typedef struct cs_disp_seen_s cs_disp_seen_t;

/* Creates a set remembering at most cap (>= 1) scans. Returns NULL with
 * err set: CS_ERR_INVALID for cap 0, CS_ERR_NOMEM. Caller frees with
 * cs_disp_seen_destroy. */
cs_disp_seen_t *cs_disp_seen_new(size_t cap, struct cs_err *err);

/* Frees s. NULL is a no-op. */
void cs_disp_seen_destroy(cs_disp_seen_t *s);

/* 1 when (client_id, scan_id) is in s, else 0. Cannot fail. */
int cs_disp_seen_has(const cs_disp_seen_t *s, const char *client_id,
                     const char *scan_id);

/* Adds (client_id, scan_id), forgetting the oldest entry when full; adding
 * one already there changes nothing. Errors: CS_ERR_NOMEM. */
cs_rc cs_disp_seen_add(cs_disp_seen_t *s, const char *client_id,
                       const char *scan_id, struct cs_err *err);

/* Entries held. Cannot fail. */
size_t cs_disp_seen_count(const cs_disp_seen_t *s);

#endif
