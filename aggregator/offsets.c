#include "aggregator/offsets.h"

#include <stdlib.h>
#include <string.h>

struct part {
    int32_t id;
    int64_t position;  /* last handled + 1; -1 = none */
    int64_t committed; /* last commit marked; -1 = none */
    int64_t *pins;     /* unsorted multiset */
    size_t npins, cap;
};

struct cs_agg_offsets_s {
    struct part *parts;
    size_t nparts, cap;
};

int64_t cs_agg_commit_offset(const int64_t *pins, size_t n, int64_t position)
{
    int64_t point = position;

    for (size_t i = 0; i < n; i++)
        if (point < 0 || pins[i] < point)
            point = pins[i];
    return point;
}

cs_agg_offsets_t *cs_agg_offsets_new(struct cs_err *err)
{
    cs_agg_offsets_t *o = calloc(1, sizeof(*o));

    if (o == NULL)
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    return o;
}

void cs_agg_offsets_destroy(cs_agg_offsets_t *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->nparts; i++)
        free(o->parts[i].pins);
    free(o->parts);
    free(o);
}

static struct part *find(const cs_agg_offsets_t *o, int32_t partition)
{
    for (size_t i = 0; i < o->nparts; i++)
        if (o->parts[i].id == partition)
            return &o->parts[i];
    return NULL;
}

static cs_rc get(cs_agg_offsets_t *o, int32_t partition, int64_t offset,
                 struct part **out, struct cs_err *err)
{
    struct part *p;

    if (partition < 0 || offset < 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "offsets: partition %d offset %lld", (int)partition,
                          (long long)offset);
    p = find(o, partition);
    if (p == NULL) {
        if (o->nparts == CS_AGG_MAX_PARTITIONS)
            return cs_err_set(err, CS_ERR_LIMIT,
                              "offsets: more than %d partitions",
                              CS_AGG_MAX_PARTITIONS);
        if (o->nparts == o->cap) {
            size_t cap = o->cap ? o->cap * 2 : 8;
            struct part *v = realloc(o->parts, cap * sizeof(*v));
            if (v == NULL)
                return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
            o->parts = v;
            o->cap = cap;
        }
        p = &o->parts[o->nparts++];
        memset(p, 0, sizeof(*p));
        p->id = partition;
        p->position = -1;
        p->committed = -1;
    }
    *out = p;
    return CS_OK;
}

cs_rc cs_agg_offsets_consumed(cs_agg_offsets_t *o, int32_t partition,
                              int64_t offset, struct cs_err *err)
{
    struct part *p;
    cs_rc rc = get(o, partition, offset, &p, err);

    if (rc == CS_OK && offset + 1 > p->position)
        p->position = offset + 1;
    return rc;
}

cs_rc cs_agg_offsets_pin(cs_agg_offsets_t *o, int32_t partition,
                         int64_t offset, struct cs_err *err)
{
    struct part *p;
    cs_rc rc = get(o, partition, offset, &p, err);

    if (rc != CS_OK)
        return rc;
    if (p->npins == CS_AGG_MAX_PINS)
        return cs_err_set(err, CS_ERR_LIMIT,
                          "offsets: more than %u open scans in partition %d",
                          CS_AGG_MAX_PINS, (int)partition);
    if (p->npins == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        int64_t *v = realloc(p->pins, cap * sizeof(*v));
        if (v == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        p->pins = v;
        p->cap = cap;
    }
    p->pins[p->npins++] = offset;
    return CS_OK;
}

cs_rc cs_agg_offsets_unpin(cs_agg_offsets_t *o, int32_t partition,
                           int64_t offset, struct cs_err *err)
{
    struct part *p = find(o, partition);

    for (size_t i = 0; p && i < p->npins; i++) {
        if (p->pins[i] == offset) {
            p->pins[i] = p->pins[--p->npins];
            return CS_OK;
        }
    }
    return cs_err_set(err, CS_ERR_NOTFOUND, "offsets: %d/%lld is not pinned",
                      (int)partition, (long long)offset);
}

size_t cs_agg_offsets_pins(const cs_agg_offsets_t *o, int32_t partition)
{
    const struct part *p = find(o, partition);

    return p ? p->npins : 0;
}

int64_t cs_agg_offsets_position(const cs_agg_offsets_t *o, int32_t partition)
{
    const struct part *p = find(o, partition);

    return p ? p->position : -1;
}

int cs_agg_offsets_commit_point(const cs_agg_offsets_t *o, int32_t partition,
                                int64_t *next_offset)
{
    const struct part *p = find(o, partition);
    int64_t point;

    if (p == NULL)
        return 0;
    point = cs_agg_commit_offset(p->pins, p->npins, p->position);
    if (point < 0 || point == p->committed)
        return 0;
    *next_offset = point;
    return 1;
}

void cs_agg_offsets_committed(cs_agg_offsets_t *o, int32_t partition,
                              int64_t next_offset)
{
    struct part *p = find(o, partition);

    if (p)
        p->committed = next_offset;
}

void cs_agg_offsets_forget(cs_agg_offsets_t *o, int32_t partition)
{
    struct part *p = find(o, partition);

    if (p == NULL)
        return;
    free(p->pins);
    *p = o->parts[--o->nparts];
}
