#include "aggregator/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_BUCKETS 64

struct entry {
    struct entry *next;
    void *value;
    char key[]; /* NUL-terminated */
};

struct cs_strmap_s {
    struct entry **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t slot(const cs_strmap_t *m, const char *key)
{
    return (size_t)(fnv1a(key) & (m->nbuckets - 1));
}

cs_strmap_t *cs_strmap_new(struct cs_err *err)
{
    cs_strmap_t *m = calloc(1, sizeof(*m));

    if (m)
        m->buckets = calloc(INITIAL_BUCKETS, sizeof(*m->buckets));
    if (m == NULL || m->buckets == NULL) {
        free(m);
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    m->nbuckets = INITIAL_BUCKETS;
    return m;
}

void cs_strmap_destroy(cs_strmap_t *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct entry *e = m->buckets[i];
        while (e) {
            struct entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    free(m);
}

static struct entry **find(const cs_strmap_t *m, const char *key)
{
    struct entry **pp = &m->buckets[slot(m, key)];

    while (*pp && strcmp((*pp)->key, key) != 0)
        pp = &(*pp)->next;
    return pp;
}

void *cs_strmap_get(const cs_strmap_t *m, const char *key)
{
    struct entry *e = *find(m, key);

    return e ? e->value : NULL;
}

/* Doubles the bucket array; on failure the map stays as it was (only
 * slower). */
static void grow(cs_strmap_t *m)
{
    size_t n = m->nbuckets * 2;
    struct entry **b = calloc(n, sizeof(*b));

    if (b == NULL)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct entry *e = m->buckets[i];
        while (e) {
            struct entry *next = e->next;
            size_t k = (size_t)(fnv1a(e->key) & (n - 1));
            e->next = b[k];
            b[k] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
}

cs_rc cs_strmap_put(cs_strmap_t *m, const char *key, void *value,
                    struct cs_err *err)
{
    struct entry **pp;
    struct entry *e;
    size_t len;

    if (value == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "strmap: NULL value");
    pp = find(m, key);
    if (*pp) {
        (*pp)->value = value;
        return CS_OK;
    }
    len = strlen(key);
    e = malloc(sizeof(*e) + len + 1);
    if (e == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    memcpy(e->key, key, len + 1);
    e->value = value;
    e->next = NULL;
    *pp = e;
    m->count++;
    if (m->count > m->nbuckets)
        grow(m);
    return CS_OK;
}

void *cs_strmap_remove(cs_strmap_t *m, const char *key)
{
    struct entry **pp = find(m, key);
    struct entry *e = *pp;
    void *value;

    if (e == NULL)
        return NULL;
    *pp = e->next;
    value = e->value;
    free(e);
    m->count--;
    return value;
}

size_t cs_strmap_count(const cs_strmap_t *m)
{
    return m->count;
}

/* The cursor is (bucket << 32 | position in the chain) + 1 so that 0 can
 * mean "start". */
int cs_strmap_next(const cs_strmap_t *m, size_t *cursor, void **value)
{
    size_t b = 0, pos = 0;

    if (*cursor) {
        b = (size_t)((uint64_t)(*cursor - 1) >> 32);
        pos = (size_t)((uint64_t)(*cursor - 1) & 0xffffffffu) + 1;
    }
    for (; b < m->nbuckets; b++, pos = 0) {
        struct entry *e = m->buckets[b];
        size_t i = 0;
        while (e && i < pos) {
            e = e->next;
            i++;
        }
        if (e) {
            *value = e->value;
            *cursor = (size_t)(((uint64_t)b << 32) | (uint64_t)pos) + 1;
            return 1;
        }
    }
    return 0;
}
