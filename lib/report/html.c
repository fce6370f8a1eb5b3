#include "report/html.h"

#include <stdio.h>
#include <string.h>

#include "report/jsonx.h"
#include "util/clock.h"
#include "wire/names.h"

static const char style[] =
    "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "margin:2em auto;max-width:1200px;padding:0 1em;color:#1d2330;"
    "background:#fafbfc}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;"
    "border-bottom:1px solid #d8dde6;padding-bottom:.3em}\n"
    ".meta{color:#5a6478;font-size:.9em}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:1em;margin:1.5em 0}\n"
    ".card{background:#fff;border:1px solid #d8dde6;border-radius:8px;"
    "padding:.8em 1.2em;min-width:9em}\n"
    ".card .v{font-size:1.6em;font-weight:600}.card .k{color:#5a6478;"
    "font-size:.85em}\n"
    "table{border-collapse:collapse;width:100%;background:#fff;"
    "font-size:.9em}\n"
    "th,td{border:1px solid #d8dde6;padding:.35em .6em;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#eef1f6}td.n{text-align:right;font-variant-numeric:"
    "tabular-nums}\n"
    "td{white-space:nowrap}td.arn{font-family:monospace;white-space:normal;"
    "word-break:break-all}\n"
    ".badge{display:inline-block;padding:.1em .6em;border-radius:1em;"
    "font-weight:600;font-size:.9em}\n"
    ".ok{background:#d9f2e3;color:#11663a}.partial{background:#fff1cc;"
    "color:#7a5500}\n"
    ".failed{background:#fde0e0;color:#9b1c1c}.rejected,.unspecified{"
    "background:#e6e8ec;color:#3b4252}\n"
    ".unavailable_no_access,.unavailable_error{background:#fde0e0;"
    "color:#9b1c1c}\n"
    ".unavailable_not_enabled{background:#e6e8ec;color:#3b4252}\n"
    ".note{color:#5a6478;font-size:.9em}\n"
    "code.fv{white-space:pre;background:#eef1f6;border-radius:3px;"
    "padding:0 .3em}\n";

/* Replaces control characters and invalid UTF-8 with U+FFFD and escapes
 * the five XML specials. */
cs_rc cs_html_escape(struct cs_buf *out, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    cs_rc rc = CS_OK;

    for (size_t i = 0; i < n && rc == CS_OK;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = cs_jsonx_utf8_seq_len(s + i, n - i);

        if (c == '&')
            rc = cs_buf_appends(out, "&amp;");
        else if (c == '<')
            rc = cs_buf_appends(out, "&lt;");
        else if (c == '>')
            rc = cs_buf_appends(out, "&gt;");
        else if (c == '"')
            rc = cs_buf_appends(out, "&quot;");
        else if (c == '\'')
            rc = cs_buf_appends(out, "&#39;");
        else if (k == 0 || (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            rc = cs_buf_appends(out, "\xef\xbf\xbd");
        else
            rc = cs_buf_append(out, s + i, k);
        i += k ? k : 1;
    }
    return rc;
}

/* Appends literal markup of ours (never outside data). */
static cs_rc put(struct cs_buf *out, const char *text)
{
    return cs_buf_appends(out, text);
}

static cs_rc put_esc_tag(struct cs_buf *out, const char *open, const char *s,
                         const char *close)
{
    cs_rc rc = put(out, open);

    if (rc == CS_OK)
        rc = cs_html_escape(out, s);
    if (rc == CS_OK)
        rc = put(out, close);
    return rc;
}

/* <td><span class="badge WORD">WORD</span></td> (WORD is one of ours). */
static cs_rc put_badge(struct cs_buf *out, const char *word, int cell)
{
    return cs_buf_printf(out, "%s<span class=\"badge %s\">%s</span>%s",
                         cell ? "<td>" : "", word, word, cell ? "</td>" : "");
}

static cs_rc put_num(struct cs_buf *out, unsigned long long v)
{
    return cs_buf_printf(out, "<td class=\"n\">%llu</td>", v);
}

static void pct(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%.1f%%", v * 100.0);
}

static const Cellscan__V1__Totals zero_totals = CELLSCAN__V1__TOTALS__INIT;

static cs_rc head(struct cs_buf *out, const Cellscan__V1__ScanReport *r)
{
    char started[CS_RFC3339_MAX] = "-", finished[CS_RFC3339_MAX] = "-";
    cs_rc rc;

    if (r->started_at_ms > 0)
        cs_rfc3339(r->started_at_ms, 0, started, sizeof(started));
    if (r->finished_at_ms > 0)
        cs_rfc3339(r->finished_at_ms, 0, finished, sizeof(finished));
    rc = put(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                  "<meta charset=\"utf-8\"/>\n"
                  "<meta name=\"viewport\" content=\"width=device-width, "
                  "initial-scale=1\"/>\n");
    if (rc == CS_OK)
        rc = put_esc_tag(out, "<title>cellscan report ", r->scan_id, "</title>\n");
    if (rc == CS_OK)
        rc = cs_buf_printf(out, "<style>\n%s</style>\n</head>\n<body>\n", style);
    if (rc == CS_OK)
        rc = put_esc_tag(out, "<h1>Tag compliance scan <code>", r->scan_id,
                         "</code></h1>\n");
    if (rc == CS_OK)
        rc = put_esc_tag(out, "<p class=\"meta\">client <strong>", r->client_id,
                         "</strong>");
    if (rc == CS_OK)
        rc = cs_buf_printf(out, " &#183; started %s &#183; finished %s</p>\n",
                           started, finished);
    return rc;
}

static cs_rc summary(struct cs_buf *out, const Cellscan__V1__ScanReport *r)
{
    const Cellscan__V1__Totals *t = r->overall ? r->overall : &zero_totals;
    char score[32], cov[32];
    cs_rc rc;

    pct(t->score, score, sizeof(score));
    pct(t->coverage, cov, sizeof(cov));
    rc = put(out, "<div class=\"cards\">\n<div class=\"card\"><div class=\"k\">"
                  "status</div><div class=\"v\">");
    if (rc == CS_OK)
        rc = put_badge(out, cs_scan_status_name(r->status), 0);
    if (rc == CS_OK)
        rc = cs_buf_printf(
            out,
            "</div></div>\n"
            "<div class=\"card\"><div class=\"k\">score</div><div class=\"v\">%s"
            "</div><div class=\"k\">%s</div></div>\n"
            "<div class=\"card\"><div class=\"k\">compliant resources</div>"
            "<div class=\"v\">%llu / %llu</div></div>\n"
            "<div class=\"card\"><div class=\"k\">violations</div>"
            "<div class=\"v\">%llu</div></div>\n"
            "<div class=\"card\"><div class=\"k\">coverage</div><div class=\"v\">"
            "%s</div><div class=\"k\">%u of %u cells produced data</div></div>\n"
            "</div>\n",
            score, t->no_data ? "no data" : "compliant / evaluated",
            (unsigned long long)t->compliant, (unsigned long long)t->total,
            (unsigned long long)t->violations, cov, t->cells_with_data,
            t->cells_expected);
    if (rc == CS_OK && r->reason && r->reason[0])
        rc = put_esc_tag(out, "<p><strong>Reason:</strong> ", r->reason, "</p>\n");
    if (rc == CS_OK && t->coverage < 1.0 && t->cells_expected > 0)
        rc = put(out, "<p class=\"note\">Coverage is below 100%: some cells "
                      "produced no data, so this score covers only part of the "
                      "scope.</p>\n");
    return rc;
}

static cs_rc accounts(struct cs_buf *out, const Cellscan__V1__ScanReport *r)
{
    cs_rc rc = put(out, "<h2>Accounts</h2>\n<table>\n<tr><th>account</th>"
                        "<th>status</th><th>resources</th><th>compliant</th>"
                        "<th>violations</th><th>score</th><th>coverage</th></tr>\n");

    for (size_t i = 0; rc == CS_OK && i < r->n_accounts; i++) {
        const Cellscan__V1__AccountReport *a = r->accounts[i];
        const Cellscan__V1__Totals *t = a->totals ? a->totals : &zero_totals;
        char score[32], cov[32];

        pct(t->score, score, sizeof(score));
        pct(t->coverage, cov, sizeof(cov));
        rc = put_esc_tag(out, "<tr><td>", a->account_id, "</td>");
        if (rc == CS_OK)
            rc = put_badge(out, cs_scan_status_name(a->status), 1);
        if (rc == CS_OK)
            rc = put_num(out, t->total);
        if (rc == CS_OK)
            rc = put_num(out, t->compliant);
        if (rc == CS_OK)
            rc = put_num(out, t->violations);
        if (rc == CS_OK)
            rc = cs_buf_printf(out,
                               "<td class=\"n\">%s</td><td class=\"n\">%s "
                               "(%u/%u)</td></tr>\n",
                               t->no_data ? "no data" : score, cov,
                               t->cells_with_data, t->cells_expected);
    }
    if (rc == CS_OK)
        rc = put(out, "</table>\n");
    return rc;
}

static cs_rc evidence_row(struct cs_buf *out, const Cellscan__V1__Evidence *e)
{
    cs_rc rc = put_esc_tag(out, "<tr><td><code>", e->key, "</code></td>");

    if (rc == CS_OK)
        rc = put_badge(out, cs_evidence_status_name(e->status), 1);
    if (rc == CS_OK)
        rc = put_num(out, e->record_count);
    if (rc == CS_OK)
        rc = put_num(out, e->api_call_count);
    if (rc == CS_OK)
        rc = put_num(out, e->retry_count);
    if (rc == CS_OK)
        rc = put_num(out, e->throttle_events);
    if (rc == CS_OK)
        rc = put_num(out, e->wall_time_ms);
    if (rc == CS_OK)
        rc = put_esc_tag(out, "<td>", e->error_code, "</td>");
    if (rc == CS_OK)
        rc = put_esc_tag(out, "<td>", e->reason, "</td></tr>\n");
    return rc;
}

static cs_rc evidence(struct cs_buf *out, const Cellscan__V1__ScanReport *r)
{
    cs_rc rc = put(out, "<h2>Evidence completeness</h2>\n<p class=\"note\">"
                        "One row per cell (account and service category): "
                        "whether its data is complete, and what reading it "
                        "took.</p>\n<table>\n<tr>"
                        "<th>cell</th><th>status</th><th>records</th>"
                        "<th>API calls</th><th>retries</th><th>throttles</th>"
                        "<th>wall time (ms)</th><th>error code</th>"
                        "<th>reason</th></tr>\n");

    for (size_t i = 0; rc == CS_OK && i < r->n_evidence_completeness; i++)
        rc = evidence_row(out, r->evidence_completeness[i]);
    if (rc == CS_OK)
        rc = put(out, "</table>\n");
    return rc;
}

static cs_rc violation_row(struct cs_buf *out, const Cellscan__V1__Violation *v)
{
    cs_rc rc = put_esc_tag(out, "<tr><td>", v->account_id, "</td>");

    if (rc == CS_OK)
        rc = put_esc_tag(out, "<td class=\"arn\">", v->arn, "</td>");
    if (rc == CS_OK)
        rc = put_esc_tag(out, "<td>", v->resource_type, "</td>");
    if (rc == CS_OK)
        rc = put_esc_tag(out, "<td>", v->region, "</td>");
    if (rc == CS_OK)
        rc = put_esc_tag(out, "<td>", v->tag_key, "</td>");
    if (rc == CS_OK)
        rc = cs_buf_printf(out, "<td>%s</td>", cs_violation_kind_name(v->kind));
    /* in a box, so that a blank value (refused as such) can be seen; a
     * missing tag has none */
    if (rc == CS_OK && v->kind == CELLSCAN__V1__VIOLATION_KIND__MISSING_REQUIRED_TAG)
        rc = put(out, "<td></td></tr>\n");
    else if (rc == CS_OK)
        rc = put_esc_tag(out, "<td><code class=\"fv\">", v->found_value,
                         "</code></td></tr>\n");
    return rc;
}

static cs_rc violations(struct cs_buf *out, const Cellscan__V1__ScanReport *r)
{
    size_t shown = r->n_violations < CS_HTML_TOP_VIOLATIONS ? r->n_violations
                                                            : CS_HTML_TOP_VIOLATIONS;
    cs_rc rc = put(out, "<h2>Top violations</h2>\n");

    if (rc == CS_OK && r->n_violations == 0)
        return put(out, "<p>No violations.</p>\n");
    if (rc == CS_OK)
        rc = put(out, "<table>\n<tr><th>account</th><th>resource</th>"
                      "<th>type</th><th>region</th><th>tag key</th><th>kind</th>"
                      "<th>found value</th></tr>\n");
    for (size_t i = 0; rc == CS_OK && i < shown; i++)
        rc = violation_row(out, r->violations[i]);
    if (rc == CS_OK)
        rc = put(out, "</table>\n");
    if (rc == CS_OK && (r->n_violations > shown || r->violations_truncated > 0))
        rc = cs_buf_printf(out,
                           "<p class=\"note\">%zu more listed in report.json; "
                           "%llu more not listed (capped).</p>\n",
                           r->n_violations - shown,
                           (unsigned long long)r->violations_truncated);
    return rc;
}

static cs_rc skipped_and_denied(struct cs_buf *out,
                                const Cellscan__V1__ScanReport *r)
{
    size_t ndenied = r->errors ? r->errors->n_permission_denied : 0;
    cs_rc rc = put(out, "<h2>Permission denied</h2>\n");

    if (rc == CS_OK && ndenied == 0)
        rc = put(out, "<p>None: every account's role could be assumed.</p>\n");
    if (rc == CS_OK && ndenied > 0)
        rc = put(out, "<p class=\"note\">AssumeRole was refused in these "
                      "accounts; their cells failed.</p>\n<ul>\n");
    for (size_t i = 0; rc == CS_OK && i < ndenied; i++)
        rc = put_esc_tag(out, "<li><code>", r->errors->permission_denied[i],
                         "</code></li>\n");
    if (rc == CS_OK && ndenied > 0)
        rc = put(out, "</ul>\n");
    if (rc == CS_OK)
        rc = put(out, "<h2>Skipped accounts</h2>\n");
    if (rc == CS_OK && r->n_skipped_accounts == 0)
        return put(out, "<p>None.</p>\n");
    if (rc == CS_OK)
        rc = put(out, "<table>\n<tr><th>account</th><th>reason</th></tr>\n");
    for (size_t i = 0; rc == CS_OK && i < r->n_skipped_accounts; i++) {
        rc = put_esc_tag(out, "<tr><td>", r->skipped_accounts[i]->account_id,
                         "</td>");
        if (rc == CS_OK)
            rc = put_esc_tag(out, "<td>", r->skipped_accounts[i]->reason,
                             "</td></tr>\n");
    }
    if (rc == CS_OK)
        rc = put(out, "</table>\n");
    return rc;
}

cs_rc cs_report_html(const Cellscan__V1__ScanReport *r, struct cs_buf *out,
                     struct cs_err *err)
{
    cs_rc rc = head(out, r);

    if (rc == CS_OK)
        rc = summary(out, r);
    if (rc == CS_OK)
        rc = accounts(out, r);
    /* what needs attention first; the long per-cell table last */
    if (rc == CS_OK)
        rc = skipped_and_denied(out, r);
    if (rc == CS_OK)
        rc = violations(out, r);
    if (rc == CS_OK)
        rc = evidence(out, r);
    if (rc == CS_OK)
        rc = put(out, "<p class=\"note\">Generated by cellscan.</p>\n"
                      "</body>\n</html>\n");
    if (rc != CS_OK)
        cs_err_set(err, rc, "report.html does not fit in %zu bytes", out->max);
    return rc;
}
