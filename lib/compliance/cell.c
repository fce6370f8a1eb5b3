#include "compliance/cell.h"

#include <stdlib.h>
#include <string.h>

#include "compliance/topn.h"
#include "compliance/typecount.h"
#include "compliance/violation.h"
#include "policy/restype.h"
#include "wire/names.h"

/* AWS error codes are short words; a longer one is cut, not refused. */
#define CODE_MAX 128
#define CELL_ID_MAX 96

struct region {
    char *name;
    int reported;
    Cellscan__V1__EvidenceStatus status;
    char error_code[CODE_MAX];
    uint64_t record_count, api_calls, retries, throttles, wall_ms;
};

struct cs_cell_s {
    char *scan_id, *client_id, *account_id, *category, *worker_id;
    struct region *regions;
    size_t nregions;
    size_t last_region;         /* resources come region by region */
    struct cs_typecount types;
    cs_topn_t *violations;
    uint64_t total, compliant, violation_count;
    uint64_t api_calls, retries, throttles;  /* outside any region */
    enum cs_assume_role assume_role;
    char assume_role_error[CODE_MAX];
    int timed_out;
    char timeout_error[CODE_MAX];
    cs_rc broken;               /* first cs_cell_add failure */
};

static const char *str(const char *s)
{
    return s ? s : "";
}

static void copy_code(char *dst, const char *src)
{
    size_t n = strlen(str(src));

    if (n >= CODE_MAX)
        n = CODE_MAX - 1;
    memcpy(dst, str(src), n);
    dst[n] = '\0';
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static cs_rc copy_regions(cs_cell_t *c, const struct cs_cell_opts *o,
                          struct cs_err *err)
{
    size_t i, j;

    c->regions = calloc(o->nregions ? o->nregions : 1, sizeof(*c->regions));
    if (c->regions == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "cell: out of memory");
    for (i = 0; i < o->nregions; i++) {
        if (o->regions[i] == NULL)
            return cs_err_set(err, CS_ERR_INVALID, "cell: region %zu is NULL", i);
        for (j = 0; j < i; j++)
            if (strcmp(o->regions[i], o->regions[j]) == 0)
                return cs_err_set(err, CS_ERR_INVALID,
                                  "cell: region %s listed twice", o->regions[i]);
        c->regions[i].name = strdup(o->regions[i]);
        if (c->regions[i].name == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "cell: out of memory");
        c->nregions++;
    }
    return CS_OK;
}

cs_cell_t *cs_cell_new(const struct cs_cell_opts *o, struct cs_err *err)
{
    cs_cell_t *c = NULL;

    if (o == NULL || str(o->account_id)[0] == '\0' ||
        str(o->category)[0] == '\0') {
        cs_err_set(err, CS_ERR_INVALID, "cell: account_id and category are required");
        goto fail;
    }
    /* the cell id "aws_<category>:<account_id>" must fit, never be cut */
    if (strlen(o->category) + strlen(o->account_id) + 6 > CELL_ID_MAX) {
        cs_err_set(err, CS_ERR_INVALID, "cell: category and account_id too long for a cell id");
        goto fail;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        goto nomem;
    cs_typecount_init(&c->types, CS_CELL_MAX_TYPES, CS_RESTYPE_MAX);
    c->scan_id = strdup(str(o->scan_id));
    c->client_id = strdup(str(o->client_id));
    c->account_id = strdup(o->account_id);
    c->category = strdup(o->category);
    c->worker_id = strdup(str(o->worker_id));
    if (!c->scan_id || !c->client_id || !c->account_id || !c->category ||
        !c->worker_id)
        goto nomem;
    c->violations = cs_topn_new(o->violation_cap, cs_violation_cmp_cell,
                                cs_violation_free, err);
    if (c->violations == NULL)
        goto fail;
    if (copy_regions(c, o, err) != CS_OK)
        goto fail;
    return c;
nomem:
    cs_err_set(err, CS_ERR_NOMEM, "cell: out of memory");
fail:
    cs_cell_destroy(c);
    return NULL;
}

void cs_cell_destroy(cs_cell_t *c)
{
    size_t i;

    if (c == NULL)
        return;
    free(c->scan_id);
    free(c->client_id);
    free(c->account_id);
    free(c->category);
    free(c->worker_id);
    for (i = 0; i < c->nregions; i++)
        free(c->regions[i].name);
    free(c->regions);
    cs_typecount_free(&c->types);
    cs_topn_destroy(c->violations);
    free(c);
}

static struct region *find_region(cs_cell_t *c, const char *name)
{
    size_t i;

    if (c->last_region < c->nregions &&
        strcmp(c->regions[c->last_region].name, name) == 0)
        return &c->regions[c->last_region];
    for (i = 0; i < c->nregions; i++) {
        if (strcmp(c->regions[i].name, name) == 0) {
            c->last_region = i;
            return &c->regions[i];
        }
    }
    return NULL;
}

static cs_rc keep_violations(cs_cell_t *c, const struct cs_resource *r,
                             const struct cs_violation *v, size_t nv,
                             struct cs_err *err)
{
    Cellscan__V1__Violation probe = CELLSCAN__V1__VIOLATION__INIT;
    Cellscan__V1__Violation *copy;
    size_t i;

    /* the probe only borrows the resource's strings; a copy is made for
     * the violations the capped set keeps */
    probe.arn = (char *)str(r->arn);
    probe.resource_type = (char *)str(r->type);
    probe.region = (char *)str(r->region);
    probe.account_id = (char *)(r->account_id ? r->account_id : c->account_id);
    for (i = 0; i < nv; i++) {
        probe.tag_key = (char *)str(v[i].tag_key);
        probe.kind = (Cellscan__V1__ViolationKind)v[i].kind;
        probe.found_value = (char *)str(v[i].found_value);
        if (!cs_topn_wants(c->violations, &probe))
            continue;
        copy = cs_violation_dup(&probe);
        if (copy == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "cell: out of memory");
        cs_topn_push(c->violations, copy);
    }
    return CS_OK;
}

cs_rc cs_cell_add(cs_cell_t *c, const struct cs_resource *r,
                  const struct cs_violation *v, size_t nv,
                  struct cs_err *err)
{
    struct region *reg;
    cs_rc rc;

    if (c->broken != CS_OK)
        return cs_err_set(err, c->broken, "cell %s/%s: an earlier add failed",
                          c->category, c->account_id);
    rc = cs_typecount_add(&c->types, str(r->type), 1, nv == 0);
    if (rc != CS_OK)
        cs_err_set(err, rc, "cell %s/%s: %s counting resource types",
                   c->category, c->account_id,
                   rc == CS_ERR_LIMIT ? "too many distinct types"
                                      : "out of memory");
    else
        rc = keep_violations(c, r, v, nv, err);
    if (rc != CS_OK) {
        c->broken = rc;
        return rc;
    }
    c->total++;
    c->compliant += nv == 0;
    c->violation_count = sat_add(c->violation_count, nv);
    reg = find_region(c, str(r->region));
    if (reg != NULL)
        reg->record_count++;
    return CS_OK;
}

cs_rc cs_cell_eval(cs_cell_t *c, const cs_policy_t *p,
                   const struct cs_resource *r, struct cs_err *err)
{
    struct cs_violation v[CS_POLICY_MAX_RULES];
    size_t n = cs_policy_eval(p, r, v, CS_POLICY_MAX_RULES);

    return cs_cell_add(c, r, v, n, err);
}

cs_rc cs_cell_region(cs_cell_t *c, const struct cs_region_outcome *o,
                     struct cs_err *err)
{
    struct region *reg = find_region(c, str(o->region));

    if (reg == NULL)
        return cs_err_set(err, CS_ERR_INVALID,
                          "cell %s/%s: region \"%.64s\" is not in the scope",
                          c->category, c->account_id, str(o->region));
    if (reg->reported)
        return cs_err_set(err, CS_ERR_INVALID,
                          "cell %s/%s: region %s already has an outcome",
                          c->category, c->account_id, reg->name);
    if (o->status < CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK ||
        o->status > CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_ERROR)
        return cs_err_set(err, CS_ERR_INVALID,
                          "cell %s/%s: region %s: status %d is not an evidence status",
                          c->category, c->account_id, reg->name, (int)o->status);
    reg->reported = 1;
    reg->status = o->status;
    copy_code(reg->error_code, o->error_code);
    reg->api_calls = o->api_call_count;
    reg->retries = o->retry_count;
    reg->throttles = o->throttle_events;
    reg->wall_ms = o->wall_time_ms;
    return CS_OK;
}

void cs_cell_add_cost(cs_cell_t *c, uint64_t api_calls, uint64_t retries,
                      uint64_t throttle_events)
{
    c->api_calls = sat_add(c->api_calls, api_calls);
    c->retries = sat_add(c->retries, retries);
    c->throttles = sat_add(c->throttles, throttle_events);
}

void cs_cell_assume_role_failed(cs_cell_t *c, int denied,
                                const char *error_code)
{
    c->assume_role = denied ? CS_ASSUME_ROLE_DENIED : CS_ASSUME_ROLE_FAILED;
    copy_code(c->assume_role_error, error_code);
}

void cs_cell_timed_out(cs_cell_t *c, const char *error_code)
{
    c->timed_out = 1;
    copy_code(c->timeout_error, error_code);
}

/* --------------------------------------------------------------- result */

static int set_str(char **field, const char *s)
{
    *field = cs_pb_strdup(s);
    return *field != NULL;
}

static cs_rc decide(const cs_cell_t *c, struct cs_outcome *out,
                    struct cs_err *err)
{
    struct cs_region_status *rs;
    struct cs_outcome_in in;
    size_t i, n = 0;

    memset(&in, 0, sizeof(in));
    in.assume_role = c->assume_role;
    in.assume_role_error = c->assume_role_error;
    in.timed_out = c->timed_out;
    in.timeout_error = c->timeout_error;
    in.record_count = c->total;
    for (i = 0; i < c->nregions; i++) {
        if (!c->regions[i].reported && c->assume_role == CS_ASSUME_ROLE_OK &&
            !c->timed_out)
            return cs_err_set(err, CS_ERR_INVALID,
                              "cell %s/%s: region %s has no outcome",
                              c->category, c->account_id, c->regions[i].name);
    }
    rs = calloc(c->nregions ? c->nregions : 1, sizeof(*rs));
    if (rs == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "cell: out of memory");
    for (i = 0; i < c->nregions; i++) {
        if (!c->regions[i].reported)
            continue;
        rs[n].status = c->regions[i].status;
        rs[n].error_code = c->regions[i].error_code;
        n++;
    }
    in.regions = rs;
    in.nregions = n;
    cs_outcome_decide(&in, out);
    /* out's strings point into c or are static, never into rs */
    free(rs);
    return CS_OK;
}

static int fill_regions(const cs_cell_t *c, Cellscan__V1__CellResult *m)
{
    size_t i;

    m->regions = calloc(c->nregions ? c->nregions : 1, sizeof(*m->regions));
    if (m->regions == NULL)
        return 0;
    for (i = 0; i < c->nregions; i++) {
        const struct region *reg = &c->regions[i];
        Cellscan__V1__RegionResult *rr;
        if (!reg->reported)
            continue;
        rr = malloc(sizeof(*rr));
        if (rr == NULL)
            return 0;
        cellscan__v1__region_result__init(rr);
        m->regions[m->n_regions++] = rr;
        if (!set_str(&rr->region, reg->name) ||
            !set_str(&rr->error_code, reg->error_code))
            return 0;
        rr->status = reg->status;
        rr->record_count = reg->record_count;
        rr->api_call_count = reg->api_calls;
        rr->retry_count = reg->retries;
        rr->throttle_events = reg->throttles;
        rr->wall_time_ms = reg->wall_ms;
        m->api_call_count = sat_add(m->api_call_count, reg->api_calls);
        m->retry_count = sat_add(m->retry_count, reg->retries);
        m->throttle_events = sat_add(m->throttle_events, reg->throttles);
    }
    return 1;
}

static int fill_types(const cs_cell_t *c, Cellscan__V1__CellResult *m)
{
    return cs_typecount_export(&c->types, &m->resource_types,
                               &m->n_resource_types) == CS_OK;
}

static int cmp_violation_ptr(const void *a, const void *b)
{
    return cs_violation_cmp_cell(*(void *const *)a, *(void *const *)b);
}

static int fill_violations(const cs_cell_t *c, Cellscan__V1__CellResult *m)
{
    void *const *items = cs_topn_items(c->violations);
    size_t i, n = cs_topn_count(c->violations);

    m->violations = calloc(n ? n : 1, sizeof(*m->violations));
    if (m->violations == NULL)
        return 0;
    for (i = 0; i < n; i++) {
        m->violations[i] = cs_violation_dup(items[i]);
        if (m->violations[i] == NULL)
            return 0;
        m->n_violations++;
    }
    qsort(m->violations, n, sizeof(*m->violations), cmp_violation_ptr);
    m->violations_truncated = c->violation_count - n;
    return 1;
}

static int fill_identity(const cs_cell_t *c, Cellscan__V1__CellResult *m,
                         const struct cs_outcome *oc)
{
    char id[CELL_ID_MAX];

    cs_cell_id(c->category, c->account_id, id, sizeof(id));
    return set_str(&m->scan_id, c->scan_id) &&
           set_str(&m->client_id, c->client_id) &&
           set_str(&m->cell_id, id) &&
           set_str(&m->account_id, c->account_id) &&
           set_str(&m->category, c->category) &&
           set_str(&m->worker_id, c->worker_id) &&
           set_str(&m->error_code, oc->error_code) &&
           set_str(&m->reason, oc->reason);
}

cs_rc cs_cell_result(const cs_cell_t *c, int64_t started_at_ms,
                     int64_t finished_at_ms, Cellscan__V1__CellResult **out,
                     struct cs_err *err)
{
    Cellscan__V1__CellResult *m = NULL;
    struct cs_outcome oc;
    cs_rc rc;

    *out = NULL;
    if (c->broken != CS_OK) {
        rc = cs_err_set(err, c->broken, "cell %s/%s: an earlier add failed",
                        c->category, c->account_id);
        goto cleanup;
    }
    rc = decide(c, &oc, err);
    if (rc != CS_OK)
        goto cleanup;
    m = malloc(sizeof(*m));
    if (m == NULL)
        goto nomem;
    cellscan__v1__cell_result__init(m);
    m->schema_version = CELLSCAN__V1__SCHEMA_VERSION__SCHEMA_VERSION_CURRENT;
    m->status = oc.status;
    m->evidence_status = oc.evidence;
    m->record_count = c->total;
    m->total = c->total;
    m->compliant = c->compliant;
    m->violation_count = c->violation_count;
    m->started_at_ms = started_at_ms;
    m->finished_at_ms = finished_at_ms;
    m->wall_time_ms = finished_at_ms > started_at_ms
                          ? (uint64_t)(finished_at_ms - started_at_ms)
                          : 0;
    if (!fill_identity(c, m, &oc) || !fill_regions(c, m) ||
        !fill_types(c, m) || !fill_violations(c, m))
        goto nomem;
    m->api_call_count = sat_add(m->api_call_count, c->api_calls);
    m->retry_count = sat_add(m->retry_count, c->retries);
    m->throttle_events = sat_add(m->throttle_events, c->throttles);
    *out = m;
    m = NULL;
    goto cleanup;
nomem:
    rc = cs_err_set(err, CS_ERR_NOMEM, "cell: out of memory");
cleanup:
    cs_cell_result_free(m);
    return rc;
}

void cs_cell_result_free(Cellscan__V1__CellResult *r)
{
    protobuf_c_message_free_unpacked((ProtobufCMessage *)r, NULL);
}
