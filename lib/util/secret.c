#include "util/secret.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A secret string is preceded by its allocation size so that
 * cs_secret_strfree can zero exactly what was allocated. */
struct secret_hdr {
    size_t size;
    max_align_t align;
};

#define SECRET_HDR offsetof(struct secret_hdr, align)

void cs_memzero(void *p, size_t n)
{
    if (p == NULL || n == 0)
        return;
    explicit_bzero(p, n);
}

static size_t page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);

    return ps > 0 ? (size_t)ps : 4096;
}

/* Secrets get whole pages so MADV_DONTDUMP covers nothing else. */
void *cs_secret_alloc(size_t n)
{
    size_t ps = page_size();
    size_t total;
    void *p = NULL;

    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - ps)
        return NULL;
    total = (n + ps - 1) / ps * ps;
    if (posix_memalign(&p, ps, total) != 0)
        return NULL;
    memset(p, 0, total);
#ifdef MADV_DONTDUMP
    (void)madvise(p, total, MADV_DONTDUMP);
#endif
    return p;
}

void cs_secret_free(void *p, size_t n)
{
    size_t ps = page_size();
    size_t total;

    if (p == NULL)
        return;
    if (n == 0)
        n = 1;
    total = (n + ps - 1) / ps * ps;
    cs_memzero(p, total);
#ifdef MADV_DODUMP
    (void)madvise(p, total, MADV_DODUMP);
#endif
    free(p);
}

char *cs_secret_strndup(const char *s, size_t n)
{
    size_t size;
    char *block;

    if (s == NULL || n > SIZE_MAX - SECRET_HDR - 1)
        return NULL;
    size = SECRET_HDR + n + 1;
    block = cs_secret_alloc(size);
    if (block == NULL)
        return NULL;
    memcpy(block, &size, sizeof(size));
    memcpy(block + SECRET_HDR, s, n);
    block[SECRET_HDR + n] = '\0';
    return block + SECRET_HDR;
}

char *cs_secret_strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    return cs_secret_strndup(s, strlen(s));
}

void cs_secret_strfree(char *s)
{
    char *block;
    size_t size;

    if (s == NULL)
        return;
    block = s - SECRET_HDR;
    memcpy(&size, block, sizeof(size));
    cs_secret_free(block, size);
}
