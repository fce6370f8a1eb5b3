/* A bounded set of (client_id, scan_id): a ring of entries in insertion
 * order (the oldest is overwritten) and an open hash of ring indices with
 * linear probing, rebuilt around a removed entry. */
#include "dispatcher/seen.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY SIZE_MAX

struct cs_disp_seen_s {
    char **ring;   /* "client_id\nscan_id", cap entries */
    size_t cap, n, next;
    size_t *slots; /* nslots = power of two >= 2 * cap */
    size_t nslots;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

cs_disp_seen_t *cs_disp_seen_new(size_t cap, struct cs_err *err)
{
    cs_disp_seen_t *s;

    if (cap == 0) {
        cs_err_set(err, CS_ERR_INVALID, "seen set: capacity must be >= 1");
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto nomem;
    s->cap = cap;
    s->nslots = 16;
    while (s->nslots < 2 * cap)
        s->nslots *= 2;
    s->ring = calloc(cap, sizeof(char *));
    s->slots = malloc(s->nslots * sizeof(size_t));
    if (s->ring == NULL || s->slots == NULL)
        goto nomem;
    for (size_t i = 0; i < s->nslots; i++)
        s->slots[i] = EMPTY;
    return s;
nomem:
    cs_disp_seen_destroy(s);
    cs_err_set(err, CS_ERR_NOMEM, "seen set: out of memory");
    return NULL;
}

void cs_disp_seen_destroy(cs_disp_seen_t *s)
{
    if (s == NULL)
        return;
    if (s->ring)
        for (size_t i = 0; i < s->cap; i++)
            free(s->ring[i]);
    free(s->ring);
    free(s->slots);
    free(s);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find(const cs_disp_seen_t *s, const char *key)
{
    size_t mask = s->nslots - 1, i = (size_t)hash(key) & mask;

    while (s->slots[i] != EMPTY && strcmp(s->ring[s->slots[i]], key) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Removes the entry in slot i and re-inserts the cluster after it, so
 * probing never stops early. */
static void remove_slot(cs_disp_seen_t *s, size_t i)
{
    size_t mask = s->nslots - 1;

    s->slots[i] = EMPTY;
    for (i = (i + 1) & mask; s->slots[i] != EMPTY; i = (i + 1) & mask) {
        size_t idx = s->slots[i];
        s->slots[i] = EMPTY;
        s->slots[find(s, s->ring[idx])] = idx;
    }
}

static char *make_key(const char *client_id, const char *scan_id)
{
    size_t a = strlen(client_id), b = strlen(scan_id);
    char *k = malloc(a + b + 2);

    if (k) {
        memcpy(k, client_id, a);
        k[a] = '\n';
        memcpy(k + a + 1, scan_id, b + 1);
    }
    return k;
}

int cs_disp_seen_has(const cs_disp_seen_t *s, const char *client_id,
                     const char *scan_id)
{
    char *k = make_key(client_id, scan_id);
    int has;

    if (k == NULL)
        return 0;
    has = s->slots[find(s, k)] != EMPTY;
    free(k);
    return has;
}

cs_rc cs_disp_seen_add(cs_disp_seen_t *s, const char *client_id,
                       const char *scan_id, struct cs_err *err)
{
    char *k = make_key(client_id, scan_id);
    size_t slot;

    if (k == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "seen set: out of memory");
    if (s->slots[find(s, k)] != EMPTY) {
        free(k);
        return CS_OK;
    }
    if (s->ring[s->next]) {
        remove_slot(s, find(s, s->ring[s->next]));
        free(s->ring[s->next]);
        s->n--;
    }
    s->ring[s->next] = k;
    slot = find(s, k);
    s->slots[slot] = s->next;
    s->next = (s->next + 1) % s->cap;
    s->n++;
    return CS_OK;
}

size_t cs_disp_seen_count(const cs_disp_seen_t *s)
{
    return s->n;
}
