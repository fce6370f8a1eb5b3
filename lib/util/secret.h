/* secret.h: memory for secrets (secret access keys, session tokens,
 * signing keys) that is zeroed before it is released.
 *
 * Secret allocations are also excluded from core dumps where the kernel
 * supports it (madvise MADV_DONTDUMP on whole pages), so a crash does not
 * spill credentials into a core file.
 */
#ifndef CS_UTIL_SECRET_H
#define CS_UTIL_SECRET_H

#include <stddef.h>

/* Zeroes n bytes at p in a way the compiler may not elide. NULL is a
 * no-op. Cannot fail. */
void cs_memzero(void *p, size_t n);

/* Allocates n zeroed bytes of secret memory. Returns NULL when out of
 * memory. Caller frees with cs_secret_free(p, n). */
void *cs_secret_alloc(size_t n);

/* Zeroes then frees a cs_secret_alloc block of n bytes. NULL is a no-op. */
void cs_secret_free(void *p, size_t n);

/* Copies s (NUL-terminated) into secret memory. Returns NULL when out of
 * memory or s is NULL. Caller frees with cs_secret_strfree(). */
char *cs_secret_strdup(const char *s);

/* Copies n bytes of s into secret memory and NUL-terminates. Returns NULL
 * when out of memory. Caller frees with cs_secret_strfree(). */
char *cs_secret_strndup(const char *s, size_t n);

/* Zeroes then frees a string from cs_secret_strdup/strndup. NULL is a
 * no-op. */
void cs_secret_strfree(char *s);

#endif
