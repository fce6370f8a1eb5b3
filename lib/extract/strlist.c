#include "extract/strlist.h"

void cs_strlist_reset(struct cs_strlist *l)
{
    cs_buf_reset(&l->arena);
    cs_buf_reset(&l->offs);
    l->n = 0;
}

void cs_strlist_free(struct cs_strlist *l)
{
    if (l == NULL)
        return;
    cs_buf_free(&l->arena);
    cs_buf_free(&l->offs);
    l->n = 0;
}

cs_rc cs_strlist_add(struct cs_strlist *l, const char *s, size_t len,
                     struct cs_err *err)
{
    size_t off = l->arena.len;
    cs_rc rc = cs_buf_append(&l->offs, &off, sizeof(off));

    if (rc == CS_OK)
        rc = cs_buf_append(&l->arena, s, len);
    if (rc == CS_OK)
        rc = cs_buf_appendc(&l->arena, '\0');
    if (rc != CS_OK) {
        /* a failed append freed one buffer: keep the two in step */
        cs_strlist_reset(l);
        if (rc == CS_ERR_LIMIT)
            return cs_err_set(err, rc, "listing: more than %d names or %d bytes",
                              CS_STRLIST_MAX_ITEMS, CS_STRLIST_MAX_BYTES);
        return cs_err_set(err, rc, "listing: out of memory");
    }
    l->n++;
    return CS_OK;
}

const char *cs_strlist_at(const struct cs_strlist *l, size_t i)
{
    const size_t *offs = (const size_t *)(const void *)l->offs.ptr;

    return l->arena.ptr + offs[i];
}
