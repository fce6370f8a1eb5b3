/* strmap.h: a hash map from strings to pointers (separate chaining,
 * FNV-1a, grows as it fills), for the aggregator's open scans and the ids
 * of finished ones.
 *
 * Keys are copied; values are borrowed (the map never frees them). Not
 * thread-safe.
 */
#ifndef CS_AGGREGATOR_STRMAP_H
#define CS_AGGREGATOR_STRMAP_H

#include <stddef.h>

#include "util/err.h"

typedef struct cs_strmap_s cs_strmap_t;

/* Creates an empty map. Returns NULL with err set (CS_ERR_NOMEM). Caller
 * frees with cs_strmap_destroy. */
cs_strmap_t *cs_strmap_new(struct cs_err *err);

/* Frees the map and its keys, not the values. NULL is a no-op. */
void cs_strmap_destroy(cs_strmap_t *m);

/* The value of key, or NULL when absent. Cannot fail. */
void *cs_strmap_get(const cs_strmap_t *m, const char *key);

/* Sets key (copied) to value (not NULL), replacing any value it had.
 * Errors: CS_ERR_INVALID for a NULL value, CS_ERR_NOMEM (m unchanged). */
cs_rc cs_strmap_put(cs_strmap_t *m, const char *key, void *value,
                    struct cs_err *err);

/* Removes key; returns its value, or NULL when absent. Cannot fail. */
void *cs_strmap_remove(cs_strmap_t *m, const char *key);

/* Entries held. Cannot fail. */
size_t cs_strmap_count(const cs_strmap_t *m);

/* Iterates: start with *cursor = 0; each call stores the next entry's
 * value in *value and returns 1, or returns 0 at the end. The map must not
 * change during an iteration. Cannot fail. */
int cs_strmap_next(const cs_strmap_t *m, size_t *cursor, void **value);

#endif
