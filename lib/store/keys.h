/* keys.h: the Redis keys of cellscan, all under one client's prefix.
 *
 *   client:{client_id}:scan:{scan_id}              the packed ScanReport
 *   client:{client_id}:scans                       sorted set: scan_id by
 *                                                  finished_at_ms
 *   client:{client_id}:seen:{scan_id}              dispatcher idempotency
 *   client:{client_id}:scans_per_hour:{YYYYMMDDHH} plan-limit counter (UTC)
 *   client:{client_id}:admit:{scan_id}             the plan decision of one
 *                                                  scan ("1:7" = admitted
 *                                                  as the 7th of its hour)
 *
 * Ids are validated before any key is built: a client_id cannot contain
 * ':', so one client's prefix never covers another's, and nothing outside
 * these patterns can be addressed through the store's API.
 */
#ifndef CS_STORE_KEYS_H
#define CS_STORE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define CS_CLIENT_ID_MAX 64
#define CS_SCAN_ID_MAX 128
/* Room for any key above, NUL included. */
#define CS_STORE_KEY_MAX 256

/* client_id: [A-Za-z0-9_.-]{1,64}. Errors: CS_ERR_INVALID naming the rule
 * (the id is quoted, cut to 64 characters). */
cs_rc cs_store_check_client_id(const char *client_id, struct cs_err *err);

/* scan_id: [A-Za-z0-9_.:-]{1,128}. Errors: CS_ERR_INVALID as above. */
cs_rc cs_store_check_scan_id(const char *scan_id, struct cs_err *err);

/* Each writes its key into out (at least CS_STORE_KEY_MAX bytes) after
 * validating the ids. Errors: CS_ERR_INVALID from the checks. */
cs_rc cs_store_key_report(const char *client_id, const char *scan_id,
                          char *out, size_t outlen, struct cs_err *err);
cs_rc cs_store_key_index(const char *client_id, char *out, size_t outlen,
                         struct cs_err *err);
cs_rc cs_store_key_seen(const char *client_id, const char *scan_id, char *out,
                        size_t outlen, struct cs_err *err);
cs_rc cs_store_key_admit(const char *client_id, const char *scan_id,
                         char *out, size_t outlen, struct cs_err *err);
/* The hour bucket is the UTC hour of now_ms. */
cs_rc cs_store_key_rate(const char *client_id, int64_t now_ms, char *out,
                        size_t outlen, struct cs_err *err);

#endif
