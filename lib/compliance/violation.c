#include "compliance/violation.h"

#include <stdlib.h>
#include <string.h>

#include "wire/names.h"

/* Absent strings of hand-built messages may be NULL; they read as "". */
static const char *str(const char *s)
{
    return s ? s : "";
}

static int strcmp0(const char *a, const char *b)
{
    return strcmp(str(a), str(b));
}

int cs_violation_cmp_cell(const void *a, const void *b)
{
    const Cellscan__V1__Violation *x = a, *y = b;
    int c;

    if ((c = strcmp0(x->arn, y->arn)) != 0 ||
        (c = strcmp0(x->tag_key, y->tag_key)) != 0 ||
        (c = strcmp(cs_violation_kind_name(x->kind),
                    cs_violation_kind_name(y->kind))) != 0 ||
        (c = strcmp0(x->found_value, y->found_value)) != 0 ||
        (c = strcmp0(x->resource_type, y->resource_type)) != 0 ||
        (c = strcmp0(x->region, y->region)) != 0 ||
        (c = strcmp0(x->account_id, y->account_id)) != 0)
        return c;
    /* unknown kinds share the word "unspecified" */
    return (x->kind > y->kind) - (x->kind < y->kind);
}

int cs_violation_cmp_report(const void *a, const void *b)
{
    const Cellscan__V1__Violation *x = a, *y = b;
    int c = strcmp0(x->account_id, y->account_id);

    return c != 0 ? c : cs_violation_cmp_cell(a, b);
}

char *cs_pb_strdup(const char *s)
{
    return strdup(str(s));
}

Cellscan__V1__Violation *cs_violation_dup(const Cellscan__V1__Violation *v)
{
    Cellscan__V1__Violation *d = malloc(sizeof(*d));

    if (d == NULL)
        return NULL;
    cellscan__v1__violation__init(d);
    d->kind = v->kind;
    d->arn = cs_pb_strdup(v->arn);
    d->resource_type = cs_pb_strdup(v->resource_type);
    d->region = cs_pb_strdup(v->region);
    d->account_id = cs_pb_strdup(v->account_id);
    d->tag_key = cs_pb_strdup(v->tag_key);
    d->found_value = cs_pb_strdup(v->found_value);
    if (!d->arn || !d->resource_type || !d->region || !d->account_id ||
        !d->tag_key || !d->found_value) {
        cs_violation_free(d);
        return NULL;
    }
    return d;
}

void cs_violation_free(void *v)
{
    protobuf_c_message_free_unpacked(v, NULL);
}
