/* Fuzz target: what the aggregator does with one message of cell-results.
 * Any bytes are decoded and validated (aggregator/record.h); a valid
 * manifest opens a scan and reports it, a valid result is folded into a
 * fixed open scan and reported, both finalised. Never a crash, and a
 * report always re-encodes. */
#include <stdint.h>
#include <stdlib.h>

#include "aggregator/record.h"
#include "compliance/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void report(const cs_scan_t *s)
{
    const struct cs_fold_opts o = {1, 5, 1795645800000LL};
    Cellscan__V1__ScanReport *r = NULL;
    uint8_t *out;
    size_t n;

    if (cs_scan_report(s, &o, &r, NULL) != CS_OK)
        return;
    n = cellscan__v1__scan_report__get_packed_size(r);
    out = malloc(n ? n : 1);
    if (out && cellscan__v1__scan_report__pack(r, out) != n)
        abort();
    free(out);
    cs_report_free(r);
}

static void fold_result(const Cellscan__V1__CellResult *res)
{
    char *cells[2] = {res->cell_id, "aws_s3:111111111111"};
    Cellscan__V1__ScanManifest m = CELLSCAN__V1__SCAN_MANIFEST__INIT;
    cs_scan_t *s;

    m.scan_id = res->scan_id;
    m.client_id = res->client_id;
    m.cell_ids = cells;
    m.n_cell_ids = 2;
    m.deadline_at_ms = 1;
    s = cs_scan_new(&m, NULL);
    if (s && cs_scan_add(s, res, NULL, NULL) == CS_OK)
        report(s);
    cs_scan_destroy(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Cellscan__V1__CellResultsRecord *rec = NULL;
    cs_scan_t *s;

    if (cs_agg_record_decode(data, size, &rec, NULL) != CS_OK)
        return 0;
    if (rec->body_case == CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_MANIFEST) {
        s = cs_scan_new(rec->manifest, NULL);
        if (s)
            report(s);
        cs_scan_destroy(s);
    } else {
        fold_result(rec->result);
    }
    cellscan__v1__cell_results_record__free_unpacked(rec, NULL);
    return 0;
}
