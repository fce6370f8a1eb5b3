/* buf.h: bounded dynamic byte buffer (after curl's lib/dynbuf.c).
 *
 * A cs_buf has a size cap fixed at init, named per use (CS_MAX_*), and is
 * always NUL-terminated once anything was appended. Appends return cs_rc;
 * on failure (CS_ERR_NOMEM or CS_ERR_LIMIT) the buffer is freed and reset,
 * so a half-built value is never used by mistake.
 *
 *   struct cs_buf b = CS_BUF_INIT(CS_MAX_LOG_LINE);
 *   if (cs_buf_printf(&b, "%d", n) != CS_OK) ...;
 *   use(cs_buf_str(&b));
 *   cs_buf_free(&b);
 */
#ifndef CS_UTIL_BUF_H
#define CS_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util/err.h"

struct cs_buf {
    char *ptr;   /* NULL until the first append */
    size_t len;  /* bytes used, excluding the terminating NUL */
    size_t cap;  /* bytes allocated */
    size_t max;  /* most bytes len may reach */
    int secret;  /* zero memory on growth and free (cs_buf_init_secret) */
};

#define CS_BUF_INIT(maxlen) {NULL, 0, 0, (maxlen), 0}

/* Initialises b empty with cap max. Cannot fail. */
void cs_buf_init(struct cs_buf *b, size_t max);

/* Like cs_buf_init, for buffers that will hold secrets (credential
 * documents, signing material): every byte is zeroed before memory is
 * released, on growth as well as on free. Cannot fail. */
void cs_buf_init_secret(struct cs_buf *b, size_t max);

/* Appends n bytes of p. On failure frees b and returns CS_ERR_NOMEM or
 * CS_ERR_LIMIT (len + n would exceed max). */
cs_rc cs_buf_append(struct cs_buf *b, const void *p, size_t n);

/* Appends a NUL-terminated string. Same errors as cs_buf_append. */
cs_rc cs_buf_appends(struct cs_buf *b, const char *s);

/* Appends one byte. Same errors as cs_buf_append. */
cs_rc cs_buf_appendc(struct cs_buf *b, char c);

/* Appends printf output. Same errors as cs_buf_append. */
cs_rc cs_buf_printf(struct cs_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
cs_rc cs_buf_vprintf(struct cs_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Contents as a C string; "" when empty. Borrowed: valid until the next
 * append, reset or free. Cannot fail. */
const char *cs_buf_str(const struct cs_buf *b);

/* Empties b, keeping its memory for reuse. Cannot fail. */
void cs_buf_reset(struct cs_buf *b);

/* Shortens b to len bytes (len <= b->len). Cannot fail. */
void cs_buf_truncate(struct cs_buf *b, size_t len);

/* Hands the memory over: returns the NUL-terminated contents (an empty
 * string, never NULL, if nothing was appended; NULL only when that
 * allocation fails) and stores the length in *len if len is not NULL.
 * Caller frees with free(). b is left empty and reusable. */
char *cs_buf_take(struct cs_buf *b, size_t *len);

/* Frees the memory (zeroing it first for secret buffers); b stays usable
 * (empty). NULL is a no-op. */
void cs_buf_free(struct cs_buf *b);

#endif
