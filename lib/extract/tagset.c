#include "extract/tagset.h"

#include <stdint.h>
#include <string.h>

/* Where a tag's key and value live in the arena; NONE = "". Offsets, not
 * pointers, because the arena moves when it grows. */
struct slot {
    size_t key_off, val_off;
};

#define NONE SIZE_MAX

static struct slot *slot_at(struct cs_tagset *ts, size_t i)
{
    return (struct slot *)(void *)ts->slots.ptr + i;
}

void cs_tagset_reset(struct cs_tagset *ts)
{
    cs_buf_reset(&ts->arena);
    cs_buf_reset(&ts->slots);
    cs_buf_reset(&ts->view);
    ts->n = 0;
}

void cs_tagset_free(struct cs_tagset *ts)
{
    if (ts == NULL)
        return;
    cs_buf_free(&ts->arena);
    cs_buf_free(&ts->slots);
    cs_buf_free(&ts->view);
    ts->n = 0;
}

static cs_rc fail(struct cs_tagset *ts, cs_rc rc, struct cs_err *err)
{
    /* a failed append freed its buffer: the set is unusable until reset */
    cs_tagset_reset(ts);
    if (rc == CS_ERR_LIMIT)
        return cs_err_set(err, rc, "tags: more than %d tags or %d bytes on one resource",
                          CS_TAGSET_MAX_TAGS, CS_TAGSET_MAX_BYTES);
    return cs_err_set(err, rc, "tags: out of memory");
}

cs_rc cs_tagset_begin(struct cs_tagset *ts, struct cs_err *err)
{
    struct slot s = {NONE, NONE};
    cs_rc rc;

    if (ts->n >= CS_TAGSET_MAX_TAGS)
        return fail(ts, CS_ERR_LIMIT, err);
    rc = cs_buf_append(&ts->slots, &s, sizeof(s));
    if (rc != CS_OK)
        return fail(ts, rc, err);
    ts->n++;
    return CS_OK;
}

/* Copies len bytes of s, NUL-terminated, to the arena; *off = where. */
static cs_rc keep(struct cs_tagset *ts, const char *s, size_t len, size_t *off,
                  struct cs_err *err)
{
    cs_rc rc;

    *off = ts->arena.len;
    rc = cs_buf_append(&ts->arena, s, len);
    if (rc == CS_OK)
        rc = cs_buf_appendc(&ts->arena, '\0');
    return rc == CS_OK ? CS_OK : fail(ts, rc, err);
}

/* Sets the key (value = 0) or the value of the last tag begun. */
static cs_rc set_part(struct cs_tagset *ts, int value, const char *s,
                      size_t len, struct cs_err *err)
{
    struct slot *sl;
    size_t off;
    cs_rc rc;

    if (ts->n == 0)
        return cs_err_set(err, CS_ERR_PARSE, "tags: a %s outside any tag",
                          value ? "value" : "key");
    rc = keep(ts, s, len, &off, err);
    if (rc != CS_OK)
        return rc;
    sl = slot_at(ts, ts->n - 1);
    if (value)
        sl->val_off = off;
    else
        sl->key_off = off;
    return CS_OK;
}

cs_rc cs_tagset_key(struct cs_tagset *ts, const char *s, size_t len,
                    struct cs_err *err)
{
    return set_part(ts, 0, s, len, err);
}

cs_rc cs_tagset_value(struct cs_tagset *ts, const char *s, size_t len,
                      struct cs_err *err)
{
    return set_part(ts, 1, s, len, err);
}

cs_rc cs_tagset_add(struct cs_tagset *ts, const char *key, const char *value,
                    struct cs_err *err)
{
    cs_rc rc = cs_tagset_begin(ts, err);

    if (rc == CS_OK)
        rc = cs_tagset_key(ts, key, strlen(key), err);
    if (rc == CS_OK && value != NULL)
        rc = cs_tagset_value(ts, value, strlen(value), err);
    return rc;
}

cs_rc cs_tagset_view(struct cs_tagset *ts, const struct cs_tag **tags,
                     size_t *n, struct cs_err *err)
{
    struct cs_tag *out;
    size_t i;
    cs_rc rc;

    *tags = NULL;
    *n = 0;
    if (ts->n == 0)
        return CS_OK;
    cs_buf_reset(&ts->view);
    for (i = 0; i < ts->n; i++) {
        struct cs_tag t = {"", ""};
        rc = cs_buf_append(&ts->view, &t, sizeof(t));
        if (rc != CS_OK)
            return fail(ts, rc, err);
    }
    out = (struct cs_tag *)(void *)ts->view.ptr;
    for (i = 0; i < ts->n; i++) {
        const struct slot *s = slot_at(ts, i);
        if (s->key_off != NONE)
            out[i].key = ts->arena.ptr + s->key_off;
        if (s->val_off != NONE)
            out[i].value = ts->arena.ptr + s->val_off;
    }
    *tags = out;
    *n = ts->n;
    return CS_OK;
}
