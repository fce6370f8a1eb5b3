#include "aggregator/record.h"

#include "store/keys.h"
#include "wire/names.h"

#define ID_PART_MAX 64

static cs_rc check_ids(const char *what, const char *scan_id,
                       const char *client_id, struct cs_err *err)
{
    cs_rc rc = cs_store_check_scan_id(scan_id ? scan_id : "", err);

    if (rc == CS_OK)
        rc = cs_store_check_client_id(client_id ? client_id : "", err);
    if (rc != CS_OK)
        cs_err_prefix(err, "invalid %s", what);
    return rc;
}

static int cell_id_ok(const char *id)
{
    char cat[ID_PART_MAX], acc[ID_PART_MAX];

    return id != NULL && cs_cell_id_split(id, cat, sizeof(cat), acc,
                                          sizeof(acc)) == 0;
}

static cs_rc check_manifest(const Cellscan__V1__ScanManifest *m,
                            struct cs_err *err)
{
    cs_rc rc = check_ids("manifest", m->scan_id, m->client_id, err);

    if (rc != CS_OK)
        return rc;
    if (m->deadline_at_ms <= 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "invalid manifest: scan %s has no deadline_at_ms",
                          m->scan_id);
    for (size_t i = 0; i < m->n_cell_ids; i++)
        if (!cell_id_ok(m->cell_ids[i]))
            return cs_err_set(err, CS_ERR_INVALID,
                              "invalid manifest: scan %s: cell id \"%.80s\" is "
                              "not aws_<category>:<account_id>",
                              m->scan_id, m->cell_ids[i] ? m->cell_ids[i] : "");
    return CS_OK;
}

static cs_rc check_result(const Cellscan__V1__CellResult *r,
                          struct cs_err *err)
{
    cs_rc rc = check_ids("result", r->scan_id, r->client_id, err);

    if (rc != CS_OK)
        return rc;
    if (!cell_id_ok(r->cell_id))
        return cs_err_set(err, CS_ERR_INVALID,
                          "invalid result: scan %s: cell id \"%.80s\" is not "
                          "aws_<category>:<account_id>",
                          r->scan_id, r->cell_id ? r->cell_id : "");
    switch (r->status) {
    case CELLSCAN__V1__CELL_STATUS__CELL_AVAILABLE:
    case CELLSCAN__V1__CELL_STATUS__CELL_PARTIAL:
    case CELLSCAN__V1__CELL_STATUS__CELL_EMPTY:
    case CELLSCAN__V1__CELL_STATUS__CELL_FAILED:
        return CS_OK;
    default:
        return cs_err_set(err, CS_ERR_INVALID,
                          "invalid result: scan %s cell %s: status %d is not a "
                          "cell status", r->scan_id, r->cell_id, (int)r->status);
    }
}

cs_rc cs_agg_record_decode(const void *data, size_t len,
                           Cellscan__V1__CellResultsRecord **out,
                           struct cs_err *err)
{
    Cellscan__V1__CellResultsRecord *rec;
    cs_rc rc;

    *out = NULL;
    rec = cellscan__v1__cell_results_record__unpack(
        NULL, len, len ? (const uint8_t *)data : (const uint8_t *)"");
    if (rec == NULL)
        return cs_err_set(err, CS_ERR_PARSE,
                          "decode: not a valid cellscan.v1.CellResultsRecord "
                          "(%zu bytes)", len);
    switch (rec->body_case) {
    case CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST:
        rc = check_manifest(rec->manifest, err);
        break;
    case CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT:
        rc = check_result(rec->result, err);
        break;
    default:
        rc = cs_err_set(err, CS_ERR_PARSE,
                        "decode: CellResultsRecord has neither a manifest nor "
                        "a result (%zu bytes)", len);
        break;
    }
    if (rc != CS_OK) {
        cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
        return rc;
    }
    *out = rec;
    return CS_OK;
}

const char *cs_agg_reason_code(cs_rc rc)
{
    return rc == CS_ERR_PARSE ? CS_AGG_REASON_DECODE : CS_AGG_REASON_INVALID;
}
