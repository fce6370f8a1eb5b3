/* typecount.h: counts {total, compliant} per resource type, bounded, for
 * a cell's result and an account's report (docs/compliance.md).
 *
 * Entries are plain data in bounded buffers, so a failed append loses no
 * owned memory. Lookups remember the last type hit: resources of one type
 * tend to come in runs.
 */
#ifndef CS_COMPLIANCE_TYPECOUNT_H
#define CS_COMPLIANCE_TYPECOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "cellscan.pb-c.h"
#include "util/buf.h"
#include "util/err.h"

struct cs_typecount {
    struct cs_buf entries;  /* struct cs_typecount_entry[] */
    struct cs_buf names;    /* NUL-terminated names back to back */
    size_t last;
};

/* Initialises tc empty, holding at most max_types types of at most
 * name_max bytes each on average. Cannot fail. */
void cs_typecount_init(struct cs_typecount *tc, size_t max_types,
                       size_t name_max);

/* Adds total and compliant (saturating) to type's counts, creating it.
 * Errors: CS_ERR_LIMIT (too many types), CS_ERR_NOMEM; after an error tc
 * is empty (its buffers were freed) and must not be used to report. */
cs_rc cs_typecount_add(struct cs_typecount *tc, const char *type,
                       uint64_t total, uint64_t compliant);

/* Number of types counted. Cannot fail. */
size_t cs_typecount_n(const struct cs_typecount *tc);

/* Builds the TypeCount messages, sorted by type, with malloc'd strings
 * (protobuf-c frees them with their message). *out is NULL when there are
 * none. Errors: CS_ERR_NOMEM (nothing is returned). Caller frees each
 * element with protobuf_c_message_free_unpacked and the array with free,
 * or hands both to a message. */
cs_rc cs_typecount_export(const struct cs_typecount *tc,
                          Cellscan__V1__TypeCount ***out, size_t *n);

/* Frees tc's memory; tc stays usable (empty). NULL is a no-op. */
void cs_typecount_free(struct cs_typecount *tc);

#endif
