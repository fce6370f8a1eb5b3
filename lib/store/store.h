/* store.h: cellscan's state in Redis (keys in keys.h).
 *
 * Reports: the ScanReport, protobuf-encoded (cellscan.v1.ScanReport, no
 * framing), under client:{client_id}:scan:{scan_id} with a TTL of
 * CELLSCAN_REPORT_TTL, plus the client's index of recent scans
 * client:{client_id}:scans (sorted set, score = finished_at_ms, the last
 * CS_STORE_INDEX_KEEP kept, same TTL), written in one MULTI/EXEC. Every
 * read takes a client_id and a validated scan_id, never a raw key, so a
 * client can only reach its own prefix.
 *
 * One cs_store_t per thread (it owns one Redis connection); it reconnects
 * by itself after errors (redis_conn.h).
 */
#ifndef CS_STORE_STORE_H
#define CS_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "cellscan.pb-c.h"
#include "store/keys.h"
#include "util/config.h"
#include "util/err.h"

typedef struct cs_store_s cs_store_t;

/* Scans kept in a client's index. */
#define CS_STORE_INDEX_KEEP 1000
/* Largest report stored or read. */
#define CS_STORE_REPORT_MAX (64 * 1024 * 1024)

/* Connects to cfg->redis_url, waiting up to cfg->startup_timeout_s for
 * Redis to answer; reports get cfg->report_ttl_s. Returns NULL with err
 * set: CS_ERR_INVALID for a bad URL or TTL, CS_ERR_UNAVAILABLE naming the
 * server when it stayed unreachable, CS_ERR_DENIED for refused
 * credentials. Caller frees with cs_store_destroy. */
cs_store_t *cs_store_new(const struct cs_config *cfg, struct cs_err *err);

/* Stores r (its client_id and scan_id name the key; finished_at_ms orders
 * the index) with the TTL and trims the index. Idempotent: storing the
 * same report again changes nothing. Errors: CS_ERR_INVALID for a bad id
 * or a Redis refusal, CS_ERR_LIMIT for a report over CS_STORE_REPORT_MAX,
 * CS_ERR_UNAVAILABLE. */
cs_rc cs_store_put_report(cs_store_t *s, const Cellscan__V1__ScanReport *r,
                          struct cs_err *err);

/* Reads the report scan_id of client_id. *out: caller frees with
 * cellscan__v1__scan_report__free_unpacked(*out, NULL). Errors:
 * CS_ERR_INVALID for a bad id, CS_ERR_NOTFOUND when there is none (never
 * stored, expired, or another client's), CS_ERR_PARSE when the stored
 * bytes are not a ScanReport of that client and scan, CS_ERR_UNAVAILABLE. */
cs_rc cs_store_get_report(cs_store_t *s, const char *client_id,
                          const char *scan_id, Cellscan__V1__ScanReport **out,
                          struct cs_err *err);

/* One entry of a client's index. */
struct cs_scan_ref {
    char scan_id[CS_SCAN_ID_MAX + 1];
    int64_t finished_at_ms;
};

/* Up to max most recent scans of client_id, newest first. *out holds *n
 * entries (NULL when none); caller frees with free(). Errors:
 * CS_ERR_INVALID for a bad id, CS_ERR_UNAVAILABLE, CS_ERR_NOMEM. */
cs_rc cs_store_list_scans(cs_store_t *s, const char *client_id, size_t max,
                          struct cs_scan_ref **out, size_t *n,
                          struct cs_err *err);

/* Counts one scan of client_id in the hourly bucket of now_ms (INCR, and
 * EXPIRE so the bucket outlives its hour by one more) and tells whether
 * it is within the plan's scans per hour: *admitted = count <= limit,
 * *count = the scans of this hour including this one (may be NULL).
 * Errors: CS_ERR_INVALID for a bad id or unknown plan, CS_ERR_UNAVAILABLE. */
cs_rc cs_store_admit_scan(cs_store_t *s, const char *client_id,
                          const char *plan, int64_t now_ms, int *admitted,
                          long long *count, struct cs_err *err);

/* Marks scan_id of client_id as seen for ttl_s seconds (SET NX EX):
 * *first is 1 when this call marked it, 0 when it was already seen (a
 * redelivered request). Errors: CS_ERR_INVALID for a bad id or ttl_s < 1,
 * CS_ERR_UNAVAILABLE. */
cs_rc cs_store_mark_seen(cs_store_t *s, const char *client_id,
                         const char *scan_id, int ttl_s, int *first,
                         struct cs_err *err);

/* Like cs_store_admit_scan, but once per scan: the first call for
 * (client_id, scan_id) counts the scan in the hour bucket of now_ms and
 * records the decision and count for ttl_s seconds under
 * client:{client_id}:admit:{scan_id}; a later call (a redelivered
 * request, also after a crash) returns the recorded decision and count
 * without counting again. Count and record change in one Lua script, so
 * nothing is counted twice. *first (may be NULL) is 1 when this call
 * counted; count may be NULL. Errors: as cs_store_admit_scan;
 * CS_ERR_INVALID also for a bad scan_id or ttl_s < 1. */
cs_rc cs_store_admit_scan_once(cs_store_t *s, const char *client_id,
                               const char *scan_id, const char *plan,
                               int64_t now_ms, int ttl_s, int *admitted,
                               long long *count, int *first,
                               struct cs_err *err);

/* Whether scan_id of client_id is marked seen (cs_store_mark_seen), into
 * *seen (1 or 0), without marking it. Errors: CS_ERR_INVALID for a bad
 * id, CS_ERR_UNAVAILABLE. */
cs_rc cs_store_seen(cs_store_t *s, const char *client_id, const char *scan_id,
                    int *seen, struct cs_err *err);

/* Closes the connection and frees s. NULL is a no-op. */
void cs_store_destroy(cs_store_t *s);

#endif
