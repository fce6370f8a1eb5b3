#include "compliance/typecount.h"

#include <stdlib.h>
#include <string.h>

#include "compliance/violation.h"

struct cs_typecount_entry {
    size_t name_off, name_len;
    uint64_t total, compliant;
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void cs_typecount_init(struct cs_typecount *tc, size_t max_types,
                       size_t name_max)
{
    cs_buf_init(&tc->entries, max_types * sizeof(struct cs_typecount_entry));
    cs_buf_init(&tc->names, max_types * name_max);
    tc->last = 0;
}

static struct cs_typecount_entry *entry(const struct cs_typecount *tc,
                                        size_t i)
{
    return (struct cs_typecount_entry *)(void *)tc->entries.ptr + i;
}

size_t cs_typecount_n(const struct cs_typecount *tc)
{
    return tc->entries.len / sizeof(struct cs_typecount_entry);
}

static int entry_is(const struct cs_typecount *tc, size_t i, const char *type,
                    size_t len)
{
    const struct cs_typecount_entry *e = entry(tc, i);
    return e->name_len == len &&
           memcmp(tc->names.ptr + e->name_off, type, len) == 0;
}

cs_rc cs_typecount_add(struct cs_typecount *tc, const char *type,
                       uint64_t total, uint64_t compliant)
{
    struct cs_typecount_entry *e, fresh;
    size_t len = strlen(type), n = cs_typecount_n(tc), i = tc->last;
    cs_rc rc;

    if (i >= n || !entry_is(tc, i, type, len)) {
        for (i = 0; i < n && !entry_is(tc, i, type, len); i++)
            ;
    }
    if (i == n) {
        fresh.name_off = tc->names.len;
        fresh.name_len = len;
        fresh.total = fresh.compliant = 0;
        rc = cs_buf_append(&tc->names, type, len + 1);
        if (rc == CS_OK)
            rc = cs_buf_append(&tc->entries, &fresh, sizeof(fresh));
        if (rc != CS_OK) {
            cs_typecount_free(tc);
            return rc;
        }
    }
    tc->last = i;
    e = entry(tc, i);
    e->total = sat_add(e->total, total);
    e->compliant = sat_add(e->compliant, compliant);
    return CS_OK;
}

static int cmp_type_ptr(const void *a, const void *b)
{
    return strcmp((*(Cellscan__V1__TypeCount *const *)a)->resource_type,
                  (*(Cellscan__V1__TypeCount *const *)b)->resource_type);
}

cs_rc cs_typecount_export(const struct cs_typecount *tc,
                          Cellscan__V1__TypeCount ***out, size_t *n)
{
    size_t i, count = cs_typecount_n(tc), made = 0;
    Cellscan__V1__TypeCount **v = NULL;

    *out = NULL;
    *n = 0;
    if (count == 0)
        return CS_OK;
    v = calloc(count, sizeof(*v));
    if (v == NULL)
        goto nomem;
    for (made = 0; made < count; made++) {
        const struct cs_typecount_entry *e = entry(tc, made);
        Cellscan__V1__TypeCount *t = malloc(sizeof(*t));
        if (t == NULL)
            goto nomem;
        cellscan__v1__type_count__init(t);
        v[made] = t;
        t->total = e->total;
        t->compliant = e->compliant;
        t->resource_type = cs_pb_strdup(tc->names.ptr + e->name_off);
        if (t->resource_type == NULL) {
            made++;
            goto nomem;
        }
    }
    qsort(v, count, sizeof(*v), cmp_type_ptr);
    *out = v;
    *n = count;
    return CS_OK;
nomem:
    for (i = 0; v && i < made; i++)
        protobuf_c_message_free_unpacked((ProtobufCMessage *)v[i], NULL);
    free(v);
    return CS_ERR_NOMEM;
}

void cs_typecount_free(struct cs_typecount *tc)
{
    if (tc == NULL)
        return;
    cs_buf_free(&tc->entries);
    cs_buf_free(&tc->names);
    tc->last = 0;
}
