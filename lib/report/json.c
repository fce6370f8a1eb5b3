#include "report/json.h"

#include <stdlib.h>
#include <string.h>

#include "report/jsonx.h"
#include "wire/names.h"

static const Cellscan__V1__Totals no_totals = CELLSCAN__V1__TOTALS__INIT;

/* The Totals fields, into o (the overall object or an account's). */
static int put_totals(json_t *o, const Cellscan__V1__Totals *t)
{
    int bad = 0;

    if (t == NULL)
        t = &no_totals;
    bad |= cs_jsonx_set(o, "total", cs_jsonx_uint(t->total));
    bad |= cs_jsonx_set(o, "compliant", cs_jsonx_uint(t->compliant));
    bad |= cs_jsonx_set(o, "violations", cs_jsonx_uint(t->violations));
    bad |= cs_jsonx_set(o, "score", cs_jsonx_real(t->score));
    bad |= cs_jsonx_set(o, "no_data", json_boolean(t->no_data));
    bad |= cs_jsonx_set(o, "coverage", cs_jsonx_real(t->coverage));
    bad |= cs_jsonx_set(o, "cells_expected", cs_jsonx_uint(t->cells_expected));
    bad |= cs_jsonx_set(o, "cells_with_data", cs_jsonx_uint(t->cells_with_data));
    return bad;
}

/* resource_types: {type: {total, compliant}}; repeated types add up. */
static json_t *resource_types(const Cellscan__V1__AccountReport *a)
{
    json_t *o = json_object();
    int bad = o == NULL;

    for (size_t i = 0; !bad && i < a->n_resource_types; i++) {
        const Cellscan__V1__TypeCount *tc = a->resource_types[i];
        json_t *key = cs_jsonx_str(tc->resource_type);
        json_t *prev = key ? json_object_get(o, json_string_value(key)) : NULL;
        uint64_t total = tc->total, compliant = tc->compliant;
        json_t *e = json_object();

        json_decref(key);
        if (prev) {
            total += (uint64_t)json_integer_value(json_object_get(prev, "total"));
            compliant +=
                (uint64_t)json_integer_value(json_object_get(prev, "compliant"));
        }
        bad |= e == NULL;
        bad |= !bad && cs_jsonx_set(e, "total", cs_jsonx_uint(total));
        bad |= !bad && cs_jsonx_set(e, "compliant", cs_jsonx_uint(compliant));
        bad |= cs_jsonx_set_key(o, tc->resource_type, e);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *account(const Cellscan__V1__AccountReport *a)
{
    json_t *o = json_object();
    int bad = o == NULL;

    if (bad)
        return NULL;
    bad |= cs_jsonx_set(o, "account_id", cs_jsonx_str(a->account_id));
    bad |= cs_jsonx_set(o, "status", json_string(cs_scan_status_name(a->status)));
    bad |= put_totals(o, a->totals);
    bad |= cs_jsonx_set(o, "resource_types", resource_types(a));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *evidence(const Cellscan__V1__Evidence *e)
{
    json_t *o = json_object();
    int bad = o == NULL;

    if (bad)
        return NULL;
    bad |= cs_jsonx_set(o, "status", json_string(cs_evidence_status_name(e->status)));
    bad |= cs_jsonx_set(o, "record_count", cs_jsonx_uint(e->record_count));
    bad |= cs_jsonx_set(o, "api_call_count", cs_jsonx_uint(e->api_call_count));
    bad |= cs_jsonx_set(o, "retry_count", cs_jsonx_uint(e->retry_count));
    bad |= cs_jsonx_set(o, "throttle_events", cs_jsonx_uint(e->throttle_events));
    bad |= cs_jsonx_set(o, "wall_time_ms", cs_jsonx_uint(e->wall_time_ms));
    bad |= cs_jsonx_set(o, "error_code", cs_jsonx_str(e->error_code));
    bad |= cs_jsonx_set(o, "reason", cs_jsonx_str(e->reason));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *violation(const Cellscan__V1__Violation *v)
{
    json_t *o = json_object();
    int bad = o == NULL;

    if (bad)
        return NULL;
    bad |= cs_jsonx_set(o, "account_id", cs_jsonx_str(v->account_id));
    bad |= cs_jsonx_set(o, "arn", cs_jsonx_str(v->arn));
    bad |= cs_jsonx_set(o, "resource_type", cs_jsonx_str(v->resource_type));
    bad |= cs_jsonx_set(o, "region", cs_jsonx_str(v->region));
    bad |= cs_jsonx_set(o, "tag_key", cs_jsonx_str(v->tag_key));
    bad |= cs_jsonx_set(o, "kind", json_string(cs_violation_kind_name(v->kind)));
    /* a blank value that is not allowed is still a value that was found:
     * only a missing tag has none (docs/compliance.md) */
    if ((v->found_value && v->found_value[0]) ||
        v->kind != CELLSCAN__V1__VIOLATION_KIND__MISSING_REQUIRED_TAG)
        bad |= cs_jsonx_set(o, "found_value", cs_jsonx_str(v->found_value));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *skipped(const Cellscan__V1__SkippedAccount *s)
{
    json_t *o = json_object();
    int bad = o == NULL;

    if (bad)
        return NULL;
    bad |= cs_jsonx_set(o, "account_id", cs_jsonx_str(s->account_id));
    bad |= cs_jsonx_set(o, "reason", cs_jsonx_str(s->reason));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *errors(const Cellscan__V1__ReportErrors *e)
{
    json_t *o = json_object();
    json_t *denied = json_array();
    int bad = o == NULL || denied == NULL;

    for (size_t i = 0; !bad && e && i < e->n_permission_denied; i++)
        bad |= cs_jsonx_append(denied, cs_jsonx_str(e->permission_denied[i]));
    if (bad) {
        json_decref(o);
        json_decref(denied);
        return NULL;
    }
    if (cs_jsonx_set(o, "permission_denied", denied)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The four lists of the report, each built by one of the functions above. */
static int put_lists(json_t *root, const Cellscan__V1__ScanReport *r)
{
    json_t *accounts = json_array(), *skips = json_array();
    json_t *ev = json_object(), *viols = json_array();
    int bad = !accounts || !skips || !ev || !viols;

    for (size_t i = 0; !bad && i < r->n_accounts; i++)
        bad |= cs_jsonx_append(accounts, account(r->accounts[i]));
    for (size_t i = 0; !bad && i < r->n_skipped_accounts; i++)
        bad |= cs_jsonx_append(skips, skipped(r->skipped_accounts[i]));
    for (size_t i = 0; !bad && i < r->n_evidence_completeness; i++)
        bad |= cs_jsonx_set_key(ev, r->evidence_completeness[i]->key,
                           evidence(r->evidence_completeness[i]));
    for (size_t i = 0; !bad && i < r->n_violations; i++)
        bad |= cs_jsonx_append(viols, violation(r->violations[i]));
    /* the order of the document: accounts, skipped, errors, evidence,
     * violations */
    bad |= cs_jsonx_set(root, "accounts", accounts);
    bad |= cs_jsonx_set(root, "skipped_accounts", skips);
    bad |= cs_jsonx_set(root, "errors", errors(r->errors));
    bad |= cs_jsonx_set(root, "evidence_completeness", ev);
    bad |= cs_jsonx_set(root, "violations", viols);
    return bad;
}

cs_rc cs_report_json(const Cellscan__V1__ScanReport *r, json_t **out,
                     struct cs_err *err)
{
    json_t *root = json_object();
    json_t *overall = json_object();
    int bad = root == NULL || overall == NULL;

    *out = NULL;
    if (!bad) {
        bad |= cs_jsonx_set(root, "schema_version", cs_jsonx_uint(r->schema_version));
        bad |= cs_jsonx_set(root, "scan_id", cs_jsonx_str(r->scan_id));
        bad |= cs_jsonx_set(root, "client_id", cs_jsonx_str(r->client_id));
        bad |= cs_jsonx_set(root, "status", json_string(cs_scan_status_name(r->status)));
        bad |= cs_jsonx_set(root, "reason", cs_jsonx_str(r->reason));
        bad |= put_totals(overall, r->overall);
        bad |= cs_jsonx_set(root, "overall", overall);
        overall = NULL;
        bad |= put_lists(root, r);
        bad |= cs_jsonx_set(root, "violations_truncated",
                           cs_jsonx_uint(r->violations_truncated));
        bad |= cs_jsonx_set(root, "started_at", cs_jsonx_time(r->started_at_ms, 0));
        bad |= cs_jsonx_set(root, "finished_at", cs_jsonx_time(r->finished_at_ms, 0));
    }
    json_decref(overall);
    if (bad) {
        json_decref(root);
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory building report.json");
    }
    *out = root;
    return CS_OK;
}

cs_rc cs_report_json_text(const Cellscan__V1__ScanReport *r, char **out,
                          struct cs_err *err)
{
    json_t *root = NULL;
    cs_rc rc;

    *out = NULL;
    rc = cs_report_json(r, &root, err);
    if (rc != CS_OK)
        return rc;
    /* doubles print with 17 digits: exact, if not the shortest form */
    rc = cs_jsonx_dump_line(root, JSON_INDENT(2), CS_MAX_REPORT_TEXT, out);
    json_decref(root);
    if (rc != CS_OK)
        return cs_err_set(err, rc, "report.json: %s",
                          rc == CS_ERR_LIMIT ? "larger than 64 MiB" : "out of memory");
    return CS_OK;
}
