#include "aggregator/read.h"

#include <string.h>

#include "store/store.h"

cs_rc cs_agg_read_report(const struct cs_config *cfg, const char *client_id,
                         const char *scan_id, Cellscan__V1__ScanReport **out,
                         struct cs_err *err)
{
    struct cs_config c = *cfg;
    cs_store_t *s = NULL;
    cs_rc rc;

    *out = NULL;
    rc = cs_store_check_scan_id(scan_id, err);
    if (rc == CS_OK)
        rc = cs_store_check_client_id(client_id, err);
    if (rc != CS_OK)
        return rc;
    /* the store wants a TTL for what it writes; reading writes nothing */
    if (c.report_ttl_s < 1)
        c.report_ttl_s = 1;
    s = cs_store_new(&c, err);
    if (s == NULL)
        return err ? err->code : CS_ERR_UNAVAILABLE;
    rc = cs_store_get_report(s, client_id, scan_id, out, err);
    if (rc == CS_ERR_NOTFOUND)
        cs_err_set(err, rc, "no report for scan %s (unknown, not finished yet, "
                   "or expired)", scan_id);
    cs_store_destroy(s);
    return rc;
}

unsigned cs_agg_cells_done(const Cellscan__V1__ScanReport *r)
{
    unsigned n = 0;

    for (size_t i = 0; i < r->n_evidence_completeness; i++) {
        const Cellscan__V1__Evidence *e = r->evidence_completeness[i];
        if (e && strcmp(e->reason ? e->reason : "", "deadline_exceeded") != 0)
            n++;
    }
    return n;
}
