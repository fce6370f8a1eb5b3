#include "report/table.h"

#include <stdio.h>
#include <string.h>

#include "wire/names.h"

#define W_ACCOUNT 14
#define W_STATUS 9
#define W_NUM 10
#define W_SCORE 8
#define W_COVERAGE 10
#define HEADLINE_ID_MAX 64

static const Cellscan__V1__Totals zero_totals = CELLSCAN__V1__TOTALS__INIT;

/* Copies s into out (width + 1 bytes) as printable ASCII, cut to width
 * with a final '~'. */
static void cell_text(const char *s, size_t width, char *out)
{
    size_t n = s ? strlen(s) : 0;
    size_t k = 0;

    for (; k < n && k < width; k++) {
        unsigned char c = (unsigned char)s[k];
        out[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (n > width)
        out[width - 1] = '~';
    out[k] = '\0';
}

static void pct(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%.1f%%", v * 100.0);
}

static cs_rc headline(struct cs_buf *out, const Cellscan__V1__ScanReport *r)
{
    const Cellscan__V1__Totals *t = r->overall ? r->overall : &zero_totals;
    char scan[HEADLINE_ID_MAX + 1], client[HEADLINE_ID_MAX + 1];
    char reason[HEADLINE_ID_MAX * 2 + 1];
    char score[32], cov[32];
    cs_rc rc;

    cell_text(r->scan_id, HEADLINE_ID_MAX, scan);
    cell_text(r->client_id, HEADLINE_ID_MAX, client);
    pct(t->score, score, sizeof(score));
    pct(t->coverage, cov, sizeof(cov));
    rc = cs_buf_printf(out, "scan %s (client %s): %s\n", scan, client,
                       cs_scan_status_name(r->status));
    if (rc == CS_OK && r->reason && r->reason[0]) {
        cell_text(r->reason, sizeof(reason) - 1, reason);
        rc = cs_buf_printf(out, "reason: %s\n", reason);
    }
    if (rc == CS_OK)
        rc = cs_buf_printf(out,
                           "score %s (%llu of %llu resources compliant%s), "
                           "%llu violations, coverage %s (%u of %u cells)\n\n",
                           score, (unsigned long long)t->compliant,
                           (unsigned long long)t->total,
                           t->no_data ? ", no data" : "",
                           (unsigned long long)t->violations, cov,
                           t->cells_with_data, t->cells_expected);
    return rc;
}

static cs_rc account_rows(struct cs_buf *out, const Cellscan__V1__ScanReport *r)
{
    cs_rc rc = cs_buf_printf(out, "%-*s %-*s %*s %*s %*s %*s %*s\n", W_ACCOUNT,
                             "ACCOUNT", W_STATUS, "STATUS", W_NUM, "RESOURCES",
                             W_NUM, "COMPLIANT", W_NUM, "VIOLATIONS", W_SCORE,
                             "SCORE", W_COVERAGE, "COVERAGE");

    for (size_t i = 0; rc == CS_OK && i < r->n_accounts; i++) {
        const Cellscan__V1__AccountReport *a = r->accounts[i];
        const Cellscan__V1__Totals *t = a->totals ? a->totals : &zero_totals;
        char acct[W_ACCOUNT + 1], score[32], cov[32];

        cell_text(a->account_id, W_ACCOUNT, acct);
        if (t->no_data)
            snprintf(score, sizeof(score), "-");
        else
            pct(t->score, score, sizeof(score));
        snprintf(cov, sizeof(cov), "%u/%u", t->cells_with_data, t->cells_expected);
        rc = cs_buf_printf(out, "%-*s %-*s %*llu %*llu %*llu %*s %*s\n",
                           W_ACCOUNT, acct, W_STATUS,
                           cs_scan_status_name(a->status), W_NUM,
                           (unsigned long long)t->total, W_NUM,
                           (unsigned long long)t->compliant, W_NUM,
                           (unsigned long long)t->violations, W_SCORE, score,
                           W_COVERAGE, cov);
    }
    return rc;
}

static cs_rc id_list(struct cs_buf *out, const char *label, char **ids,
                     size_t n)
{
    cs_rc rc;

    if (n == 0)
        return CS_OK;
    rc = cs_buf_printf(out, "%s:", label);
    for (size_t i = 0; rc == CS_OK && i < n; i++) {
        char id[W_ACCOUNT + 1];
        cell_text(ids[i], W_ACCOUNT, id);
        rc = cs_buf_printf(out, " %s", id);
    }
    if (rc == CS_OK)
        rc = cs_buf_appendc(out, '\n');
    return rc;
}

static cs_rc skipped(struct cs_buf *out, const Cellscan__V1__ScanReport *r)
{
    cs_rc rc;

    if (r->n_skipped_accounts == 0)
        return CS_OK;
    rc = cs_buf_appends(out, "skipped:");
    for (size_t i = 0; rc == CS_OK && i < r->n_skipped_accounts; i++) {
        char id[W_ACCOUNT + 1], why[W_ACCOUNT * 2 + 1];
        cell_text(r->skipped_accounts[i]->account_id, W_ACCOUNT, id);
        cell_text(r->skipped_accounts[i]->reason, W_ACCOUNT * 2, why);
        rc = cs_buf_printf(out, " %s (%s)", id, why);
    }
    if (rc == CS_OK)
        rc = cs_buf_appendc(out, '\n');
    return rc;
}

cs_rc cs_report_table(const Cellscan__V1__ScanReport *r, struct cs_buf *out,
                      struct cs_err *err)
{
    cs_rc rc = headline(out, r);

    if (rc == CS_OK)
        rc = account_rows(out, r);
    if (rc == CS_OK && (r->errors && r->errors->n_permission_denied > 0))
        rc = cs_buf_appendc(out, '\n');
    if (rc == CS_OK && r->errors)
        rc = id_list(out, "permission denied (AssumeRole refused)",
                     r->errors->permission_denied,
                     r->errors->n_permission_denied);
    if (rc == CS_OK)
        rc = skipped(out, r);
    if (rc == CS_OK && r->violations_truncated > 0)
        rc = cs_buf_printf(out, "%llu violations not listed (capped)\n",
                           (unsigned long long)r->violations_truncated);
    if (rc != CS_OK)
        cs_err_set(err, rc, "summary table does not fit in %zu bytes", out->max);
    return rc;
}
