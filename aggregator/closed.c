#include "aggregator/closed.h"

#include <stdlib.h>
#include <string.h>

#include "aggregator/strmap.h"

struct cs_agg_closed_s {
    cs_strmap_t *ids;  /* id -> its slot in ring */
    char **ring;       /* insertion order; ring[oldest] is forgotten first */
    size_t cap, count, oldest;
};

cs_agg_closed_t *cs_agg_closed_new(size_t cap, struct cs_err *err)
{
    cs_agg_closed_t *c;

    if (cap == 0) {
        cs_err_set(err, CS_ERR_INVALID, "closed set: capacity 0");
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL || (c->ring = calloc(cap, sizeof(*c->ring))) == NULL ||
        (c->ids = cs_strmap_new(err)) == NULL) {
        cs_agg_closed_destroy(c);
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    c->cap = cap;
    return c;
}

void cs_agg_closed_destroy(cs_agg_closed_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; c->ring && i < c->cap; i++)
        free(c->ring[i]);
    free(c->ring);
    cs_strmap_destroy(c->ids);
    free(c);
}

cs_rc cs_agg_closed_add(cs_agg_closed_t *c, const char *id, struct cs_err *err)
{
    size_t at;
    char *copy;
    cs_rc rc;

    if (cs_strmap_get(c->ids, id))
        return CS_OK;
    copy = strdup(id);
    if (copy == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    /* the map holds the ring entry's address, which never moves */
    at = (c->oldest + c->count) % c->cap;
    if (c->count == c->cap)
        at = c->oldest;
    rc = cs_strmap_put(c->ids, copy, &c->ring[at], err);
    if (rc != CS_OK) {
        free(copy);
        return rc;
    }
    if (c->count == c->cap) {
        cs_strmap_remove(c->ids, c->ring[at]);
        free(c->ring[at]);
        c->oldest = (c->oldest + 1) % c->cap;
    } else {
        c->count++;
    }
    c->ring[at] = copy;
    return CS_OK;
}

int cs_agg_closed_has(const cs_agg_closed_t *c, const char *id)
{
    return cs_strmap_get(c->ids, id) != NULL;
}

size_t cs_agg_closed_count(const cs_agg_closed_t *c)
{
    return c->count;
}
