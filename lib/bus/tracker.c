#include "bus/tracker.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_CAP 16

/* One partition: the window of started offsets not yet below the commit
 * point, in start order, as a ring that grows up to the tracker's
 * max_window. */
struct part {
    int32_t id;
    int used;             /* slot in use */
    int64_t *offs;
    unsigned char *done;
    size_t head, count, cap;
    int64_t last_started; /* -1: none */
    int64_t point;        /* commit point reached; -1: none */
    int64_t committed;    /* last marked committed; -1: none */
};

struct cs_tracker_s {
    size_t max_window;
    struct part *parts;
    size_t nparts, capparts;
};

cs_tracker_t *cs_tracker_new(size_t max_window, struct cs_err *err)
{
    cs_tracker_t *t;

    if (max_window == 0) {
        cs_err_set(err, CS_ERR_INVALID, "tracker needs a window of >= 1 offset");
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    t->max_window = max_window;
    return t;
}

static void part_clear(struct part *p)
{
    free(p->offs);
    free(p->done);
    memset(p, 0, sizeof(*p));
}

void cs_tracker_destroy(cs_tracker_t *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nparts; i++)
        part_clear(&t->parts[i]);
    free(t->parts);
    free(t);
}

static struct part *find(const cs_tracker_t *t, int32_t partition)
{
    for (size_t i = 0; i < t->nparts; i++)
        if (t->parts[i].used && t->parts[i].id == partition)
            return &t->parts[i];
    return NULL;
}

/* A free slot for a new partition, growing the array when needed. */
static cs_rc slot(cs_tracker_t *t, struct part **out, struct cs_err *err)
{
    struct part *np;
    size_t cap;

    for (size_t i = 0; i < t->nparts; i++) {
        if (!t->parts[i].used) {
            *out = &t->parts[i];
            return CS_OK;
        }
    }
    if (t->nparts == CS_TRACKER_MAX_PARTITIONS)
        return cs_err_set(err, CS_ERR_LIMIT,
                          "tracker follows %d partitions already",
                          CS_TRACKER_MAX_PARTITIONS);
    if (t->nparts == t->capparts) {
        cap = t->capparts ? t->capparts * 2 : 8;
        np = realloc(t->parts, cap * sizeof(*np));
        if (np == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        t->parts = np;
        t->capparts = cap;
    }
    np = &t->parts[t->nparts++];
    memset(np, 0, sizeof(*np));
    *out = np;
    return CS_OK;
}

/* Moves the ring into arrays of cap slots, head first. */
static cs_rc part_resize(struct part *p, size_t cap, struct cs_err *err)
{
    int64_t *offs = calloc(cap, sizeof(*offs));
    unsigned char *done = calloc(cap, 1);

    if (offs == NULL || done == NULL) {
        free(offs);
        free(done);
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < p->count; k++) {
        offs[k] = p->offs[(p->head + k) % p->cap];
        done[k] = p->done[(p->head + k) % p->cap];
    }
    free(p->offs);
    free(p->done);
    p->offs = offs;
    p->done = done;
    p->cap = cap;
    p->head = 0;
    return CS_OK;
}

static cs_rc find_or_add(cs_tracker_t *t, int32_t partition, struct part **out,
                         struct cs_err *err)
{
    struct part *p = find(t, partition);
    cs_rc rc;

    if (p) {
        *out = p;
        return CS_OK;
    }
    rc = slot(t, &p, err);
    if (rc != CS_OK)
        return rc;
    rc = part_resize(p, t->max_window < FIRST_CAP ? t->max_window : FIRST_CAP,
                     err);
    if (rc != CS_OK)
        return rc;
    p->used = 1;
    p->id = partition;
    p->last_started = -1;
    p->point = -1;
    p->committed = -1;
    *out = p;
    return CS_OK;
}

cs_rc cs_tracker_start(cs_tracker_t *t, int32_t partition, int64_t offset,
                       struct cs_err *err)
{
    struct part *p = NULL;
    size_t grow;
    cs_rc rc;

    if (offset < 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "partition %d: offset %lld is negative",
                          (int)partition, (long long)offset);
    rc = find_or_add(t, partition, &p, err);
    if (rc != CS_OK)
        return rc;
    if (offset <= p->last_started)
        return cs_err_set(err, CS_ERR_INVALID,
                          "partition %d: offset %lld started after %lld",
                          (int)partition, (long long)offset,
                          (long long)p->last_started);
    if (p->count == t->max_window)
        return cs_err_set(err, CS_ERR_LIMIT,
                          "partition %d: window of %zu offsets is full "
                          "(offset %lld still running)",
                          (int)partition, p->count, (long long)p->offs[p->head]);
    if (p->count == p->cap) {
        grow = p->cap * 2 < t->max_window ? p->cap * 2 : t->max_window;
        rc = part_resize(p, grow, err);
        if (rc != CS_OK)
            return rc;
    }
    p->offs[(p->head + p->count) % p->cap] = offset;
    p->done[(p->head + p->count) % p->cap] = 0;
    p->count++;
    p->last_started = offset;
    return CS_OK;
}

cs_rc cs_tracker_done(cs_tracker_t *t, int32_t partition, int64_t offset,
                      struct cs_err *err)
{
    struct part *p = find(t, partition);
    size_t k;

    for (k = 0; p && k < p->count; k++) {
        size_t i = (p->head + k) % p->cap;
        if (p->offs[i] == offset && !p->done[i])
            break;
    }
    if (p == NULL || k == p->count)
        return cs_err_set(err, CS_ERR_NOTFOUND,
                          "partition %d: offset %lld is not running",
                          (int)partition, (long long)offset);
    p->done[(p->head + k) % p->cap] = 1;
    /* the front of the ring is the lowest offset not below the point */
    while (p->count > 0 && p->done[p->head]) {
        p->point = p->offs[p->head] + 1;
        p->head = (p->head + 1) % p->cap;
        p->count--;
    }
    return CS_OK;
}

int cs_tracker_commit_point(const cs_tracker_t *t, int32_t partition,
                            int64_t *next_offset)
{
    const struct part *p = find(t, partition);

    if (p == NULL || p->point < 0 || p->point <= p->committed)
        return 0;
    *next_offset = p->point;
    return 1;
}

void cs_tracker_committed(cs_tracker_t *t, int32_t partition,
                          int64_t next_offset)
{
    struct part *p = find(t, partition);

    if (p && next_offset > p->committed)
        p->committed = next_offset;
}

size_t cs_tracker_inflight(const cs_tracker_t *t, int32_t partition)
{
    const struct part *p = find(t, partition);
    size_t n = 0;

    for (size_t k = 0; p && k < p->count; k++)
        n += !p->done[(p->head + k) % p->cap];
    return n;
}

void cs_tracker_forget(cs_tracker_t *t, int32_t partition)
{
    struct part *p = find(t, partition);

    if (p)
        part_clear(p);
}
