/* lib/report renderers on a hand-built ScanReport: report.json compared
 * byte for byte with the documented shape, report.html parsed as XML
 * (well-formed) with every outside string escaped (a <script> in an ARN
 * stays text), the terminal table's exact text, and the JSON helpers on
 * hostile input (invalid UTF-8, NaN). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/json.h"
#include "report/jsonx.h"
#include "report/table.h"

/* A two-account scan: one account fine, one whose role was denied, one
 * skipped account, two violations and a truncation. */
struct fixture {
    Cellscan__V1__ScanReport r;
    Cellscan__V1__Totals overall, t1, t5;
    Cellscan__V1__AccountReport a1, a5, *accounts[2];
    Cellscan__V1__TypeCount tc1, tc2, *types[2];
    Cellscan__V1__ReportErrors errors;
    char *denied[1];
    Cellscan__V1__Evidence e1, e5, *evidence[2];
    Cellscan__V1__Violation v1, v2, *violations[2];
    Cellscan__V1__SkippedAccount s1, *skipped[1];
};

static void build(struct fixture *f)
{
    Cellscan__V1__ScanReport r0 = CELLSCAN__V1__SCAN_REPORT__INIT;
    Cellscan__V1__Totals t0 = CELLSCAN__V1__TOTALS__INIT;
    Cellscan__V1__AccountReport a0 = CELLSCAN__V1__ACCOUNT_REPORT__INIT;
    Cellscan__V1__TypeCount tc0 = CELLSCAN__V1__TYPE_COUNT__INIT;
    Cellscan__V1__ReportErrors re0 = CELLSCAN__V1__REPORT_ERRORS__INIT;
    Cellscan__V1__Evidence e0 = CELLSCAN__V1__EVIDENCE__INIT;
    Cellscan__V1__Violation v0 = CELLSCAN__V1__VIOLATION__INIT;
    Cellscan__V1__SkippedAccount s0 = CELLSCAN__V1__SKIPPED_ACCOUNT__INIT;

    f->r = r0;
    f->overall = f->t1 = f->t5 = t0;
    f->a1 = f->a5 = a0;
    f->tc1 = f->tc2 = tc0;
    f->errors = re0;
    f->e1 = f->e5 = e0;
    f->v1 = f->v2 = v0;
    f->s1 = s0;

    f->r.schema_version = 1;
    f->r.scan_id = "scan-20261125-0001";
    f->r.client_id = "demo";
    f->r.status = CELLSCAN__V1__SCAN_STATUS__SCAN_PARTIAL;
    f->overall = (Cellscan__V1__Totals){f->overall.base, 8, 6, 3, 0.75, 0, 0.5, 4, 2};
    f->r.overall = &f->overall;

    f->tc1.resource_type = "ec2:instance";
    f->tc1.total = 4;
    f->tc1.compliant = 3;
    f->tc2.resource_type = "s3:bucket";
    f->tc2.total = 4;
    f->tc2.compliant = 3;
    f->types[0] = &f->tc1;
    f->types[1] = &f->tc2;
    f->t1 = (Cellscan__V1__Totals){f->t1.base, 8, 6, 3, 0.75, 0, 1.0, 2, 2};
    f->a1.account_id = "111111111111";
    f->a1.status = CELLSCAN__V1__SCAN_STATUS__SCAN_OK;
    f->a1.totals = &f->t1;
    f->a1.resource_types = f->types;
    f->a1.n_resource_types = 2;
    f->t5 = (Cellscan__V1__Totals){f->t5.base, 0, 0, 0, 1.0, 1, 0.0, 2, 0};
    f->a5.account_id = "555555555555";
    f->a5.status = CELLSCAN__V1__SCAN_STATUS__SCAN_FAILED;
    f->a5.totals = &f->t5;
    f->accounts[0] = &f->a1;
    f->accounts[1] = &f->a5;
    f->r.accounts = f->accounts;
    f->r.n_accounts = 2;

    f->denied[0] = "555555555555";
    f->errors.permission_denied = f->denied;
    f->errors.n_permission_denied = 1;
    f->r.errors = &f->errors;

    f->e1.key = "aws_ec2:111111111111";
    f->e1.status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_OK;
    f->e1.record_count = 4;
    f->e1.api_call_count = 3;
    f->e1.throttle_events = 1;
    f->e1.wall_time_ms = 31;
    f->e5.key = "aws_ec2:555555555555";
    f->e5.status = CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NO_ACCESS;
    f->e5.error_code = "AccessDenied";
    f->e5.reason = "assume_role_denied";
    f->evidence[0] = &f->e1;
    f->evidence[1] = &f->e5;
    f->r.evidence_completeness = f->evidence;
    f->r.n_evidence_completeness = 2;

    f->v1.account_id = "111111111111";
    f->v1.arn = "arn:aws:ec2:us-east-1:111111111111:instance/i-0abc";
    f->v1.resource_type = "ec2:instance";
    f->v1.region = "us-east-1";
    f->v1.tag_key = "CostCenter";
    f->v1.kind = CELLSCAN__V1__VIOLATION_KIND__WRONG_KEY_CASE;
    f->v1.found_value = "costcenter";
    f->v2.account_id = "111111111111";
    f->v2.arn = "arn:aws:s3:::logs-bucket";
    f->v2.resource_type = "s3:bucket";
    f->v2.region = "us-east-1";
    f->v2.tag_key = "Owner";
    f->v2.kind = CELLSCAN__V1__VIOLATION_KIND__MISSING_REQUIRED_TAG;
    f->violations[0] = &f->v1;
    f->violations[1] = &f->v2;
    f->r.violations = f->violations;
    f->r.n_violations = 2;
    f->r.violations_truncated = 1;

    f->s1.account_id = "666666666666";
    f->s1.reason = "suspended";
    f->skipped[0] = &f->s1;
    f->r.skipped_accounts = f->skipped;
    f->r.n_skipped_accounts = 1;

    f->r.started_at_ms = 1795644000000LL;  /* 2026-11-25T22:00:00Z */
    f->r.finished_at_ms = 1795644004000LL;
}

static const char want_json[] =
    "{\n"
    "  \"schema_version\": 1,\n"
    "  \"scan_id\": \"scan-20261125-0001\",\n"
    "  \"client_id\": \"demo\",\n"
    "  \"status\": \"partial\",\n"
    "  \"reason\": \"\",\n"
    "  \"overall\": {\n"
    "    \"total\": 8,\n"
    "    \"compliant\": 6,\n"
    "    \"violations\": 3,\n"
    "    \"score\": 0.75,\n"
    "    \"no_data\": false,\n"
    "    \"coverage\": 0.5,\n"
    "    \"cells_expected\": 4,\n"
    "    \"cells_with_data\": 2\n"
    "  },\n"
    "  \"accounts\": [\n"
    "    {\n"
    "      \"account_id\": \"111111111111\",\n"
    "      \"status\": \"ok\",\n"
    "      \"total\": 8,\n"
    "      \"compliant\": 6,\n"
    "      \"violations\": 3,\n"
    "      \"score\": 0.75,\n"
    "      \"no_data\": false,\n"
    "      \"coverage\": 1.0,\n"
    "      \"cells_expected\": 2,\n"
    "      \"cells_with_data\": 2,\n"
    "      \"resource_types\": {\n"
    "        \"ec2:instance\": {\n"
    "          \"total\": 4,\n"
    "          \"compliant\": 3\n"
    "        },\n"
    "        \"s3:bucket\": {\n"
    "          \"total\": 4,\n"
    "          \"compliant\": 3\n"
    "        }\n"
    "      }\n"
    "    },\n"
    "    {\n"
    "      \"account_id\": \"555555555555\",\n"
    "      \"status\": \"failed\",\n"
    "      \"total\": 0,\n"
    "      \"compliant\": 0,\n"
    "      \"violations\": 0,\n"
    "      \"score\": 1.0,\n"
    "      \"no_data\": true,\n"
    "      \"coverage\": 0.0,\n"
    "      \"cells_expected\": 2,\n"
    "      \"cells_with_data\": 0,\n"
    "      \"resource_types\": {}\n"
    "    }\n"
    "  ],\n"
    "  \"skipped_accounts\": [\n"
    "    {\n"
    "      \"account_id\": \"666666666666\",\n"
    "      \"reason\": \"suspended\"\n"
    "    }\n"
    "  ],\n"
    "  \"errors\": {\n"
    "    \"permission_denied\": [\n"
    "      \"555555555555\"\n"
    "    ]\n"
    "  },\n"
    "  \"evidence_completeness\": {\n"
    "    \"aws_ec2:111111111111\": {\n"
    "      \"status\": \"ok\",\n"
    "      \"record_count\": 4,\n"
    "      \"api_call_count\": 3,\n"
    "      \"retry_count\": 0,\n"
    "      \"throttle_events\": 1,\n"
    "      \"wall_time_ms\": 31,\n"
    "      \"error_code\": \"\",\n"
    "      \"reason\": \"\"\n"
    "    },\n"
    "    \"aws_ec2:555555555555\": {\n"
    "      \"status\": \"unavailable_no_access\",\n"
    "      \"record_count\": 0,\n"
    "      \"api_call_count\": 0,\n"
    "      \"retry_count\": 0,\n"
    "      \"throttle_events\": 0,\n"
    "      \"wall_time_ms\": 0,\n"
    "      \"error_code\": \"AccessDenied\",\n"
    "      \"reason\": \"assume_role_denied\"\n"
    "    }\n"
    "  },\n"
    "  \"violations\": [\n"
    "    {\n"
    "      \"account_id\": \"111111111111\",\n"
    "      \"arn\": \"arn:aws:ec2:us-east-1:111111111111:instance/i-0abc\",\n"
    "      \"resource_type\": \"ec2:instance\",\n"
    "      \"region\": \"us-east-1\",\n"
    "      \"tag_key\": \"CostCenter\",\n"
    "      \"kind\": \"wrong_key_case\",\n"
    "      \"found_value\": \"costcenter\"\n"
    "    },\n"
    "    {\n"
    "      \"account_id\": \"111111111111\",\n"
    "      \"arn\": \"arn:aws:s3:::logs-bucket\",\n"
    "      \"resource_type\": \"s3:bucket\",\n"
    "      \"region\": \"us-east-1\",\n"
    "      \"tag_key\": \"Owner\",\n"
    "      \"kind\": \"missing_required_tag\"\n"
    "    }\n"
    "  ],\n"
    "  \"violations_truncated\": 1,\n"
    "  \"started_at\": \"2026-11-25T22:00:00Z\",\n"
    "  \"finished_at\": \"2026-11-25T22:00:04Z\"\n"
    "}\n";

static void report_json_exact(void **state)
{
    struct fixture f;
    char *text = NULL;
    (void)state;

    build(&f);
    assert_int_equal(cs_report_json_text(&f.r, &text, NULL), CS_OK);
    assert_string_equal(text, want_json);
    free(text);
}

static void report_json_scores_round_trip(void **state)
{
    struct fixture f;
    json_t *j = NULL;
    char *text = NULL;
    json_error_t jerr;
    (void)state;

    build(&f);
    f.overall.score = 301.0 / 412.0;
    f.overall.coverage = 36.0 / 42.0;
    f.r.finished_at_ms = 0;
    assert_int_equal(cs_report_json_text(&f.r, &text, NULL), CS_OK);
    j = json_loads(text, 0, &jerr);
    assert_non_null(j);
    assert_true(fabs(json_real_value(json_object_get(json_object_get(j, "overall"),
                                                     "score")) - 0.7305825242718447)
                < 1e-9);
    assert_true(json_real_value(json_object_get(json_object_get(j, "overall"),
                                                "coverage")) == 36.0 / 42.0);
    /* a time that was never set is null, not 1970 */
    assert_true(json_is_null(json_object_get(j, "finished_at")));
    json_decref(j);
    free(text);
}

/* A blank tag value that the policy refuses was found all the same: it is
 * given as "", as the oracle gives it; a missing tag has no found_value. */
static void report_json_blank_found_value(void **state)
{
    struct fixture f;
    json_t *j = NULL, *v;
    (void)state;

    build(&f);
    f.v1.kind = CELLSCAN__V1__VIOLATION_KIND__INVALID_VALUE;
    f.v1.found_value = "";
    f.v2.found_value = "";
    assert_int_equal(cs_report_json(&f.r, &j, NULL), CS_OK);
    v = json_object_get(json_array_get(json_object_get(j, "violations"), 0),
                        "found_value");
    assert_non_null(v);
    assert_string_equal(json_string_value(v), "");
    assert_null(json_object_get(
        json_array_get(json_object_get(j, "violations"), 1), "found_value"));
    json_decref(j);
}

static void report_json_hostile_strings(void **state)
{
    struct fixture f;
    json_t *j = NULL;
    (void)state;

    build(&f);
    f.v1.found_value = "bad\xff\xfe utf8";
    f.e1.key = "aws_ec2:\xc3";
    assert_int_equal(cs_report_json(&f.r, &j, NULL), CS_OK);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(j, "violations"), 0), "found_value")),
        "bad\xef\xbf\xbd\xef\xbf\xbd utf8");
    assert_non_null(json_object_get(json_object_get(j, "evidence_completeness"),
                                    "aws_ec2:\xef\xbf\xbd"));
    json_decref(j);
}

/* ---- HTML ---- */

struct xml_check {
    int elements;
    int scripts;
    int in_arn;
    int arns;
    char arn_text[512]; /* text of the first ARN cell */
};

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct xml_check *x = ud;

    x->elements++;
    if (strcmp(name, "script") == 0 || strcmp(name, "link") == 0 ||
        strcmp(name, "img") == 0 || strcmp(name, "iframe") == 0)
        x->scripts++;
    for (int i = 0; attrs[i]; i += 2)
        if (strcmp(attrs[i], "class") == 0 && strcmp(attrs[i + 1], "arn") == 0) {
            x->in_arn = 1;
            x->arns++;
        }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct xml_check *x = ud;

    (void)name;
    x->in_arn = 0;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct xml_check *x = ud;
    size_t have = strlen(x->arn_text);

    if (x->in_arn && x->arns == 1 && have + (size_t)len < sizeof(x->arn_text)) {
        memcpy(x->arn_text + have, s, (size_t)len);
        x->arn_text[have + (size_t)len] = '\0';
    }
}

static void parse_xml(const char *text, struct xml_check *x)
{
    XML_Parser p = XML_ParserCreate("UTF-8");

    memset(x, 0, sizeof(*x));
    XML_SetUserData(p, x);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    if (XML_Parse(p, text, (int)strlen(text), 1) != XML_STATUS_OK)
        fail_msg("report.html is not well-formed: %s at line %lu",
                 XML_ErrorString(XML_GetErrorCode(p)),
                 (unsigned long)XML_GetCurrentLineNumber(p));
    XML_ParserFree(p);
}

static void report_html(void **state)
{
    struct fixture f;
    struct cs_buf b = CS_BUF_INIT(CS_MAX_REPORT_TEXT);
    struct xml_check x;
    const char *html;
    static const char *const want[] = {
        "<title>cellscan report scan-20261125-0001</title>",
        "<span class=\"badge partial\">partial</span>",
        "<div class=\"v\">75.0%</div>",
        "<div class=\"v\">6 / 8</div>",
        "2 of 4 cells produced data",
        "<h2>Accounts</h2>",
        "<tr><td>111111111111</td><td><span class=\"badge ok\">ok</span></td>"
        "<td class=\"n\">8</td><td class=\"n\">6</td><td class=\"n\">3</td>"
        "<td class=\"n\">75.0%</td><td class=\"n\">100.0% (2/2)</td></tr>",
        "<h2>Evidence completeness</h2>",
        "<td><code>aws_ec2:555555555555</code></td><td><span class=\"badge "
        "unavailable_no_access\">unavailable_no_access</span></td>",
        "<td>AccessDenied</td><td>assume_role_denied</td>",
        "<h2>Top violations</h2>",
        "<td>Own\xef\xbf\xbd" "er\xef\xbf\xbd</td><td>missing_required_tag</td>"
        "<td></td></tr>",
        "<h2>Permission denied</h2>",
        "<li><code>555555555555</code></li>",
        "<h2>Skipped accounts</h2>",
        "<tr><td>666666666666</td><td>suspended</td></tr>",
        "1 more not listed (capped)",
        "<td><code class=\"fv\">O&#39;Brien &amp; &quot;Co&quot;</code></td>",
    };
    /* what needs attention first, the long per-cell table last */
    static const char *const order[] = {
        "<h2>Accounts</h2>", "<h2>Permission denied</h2>",
        "<h2>Skipped accounts</h2>", "<h2>Top violations</h2>",
        "<h2>Evidence completeness</h2>",
    };
    const char *at = NULL;
    (void)state;

    build(&f);
    f.v1.arn = "arn:aws:ec2:us-east-1:111111111111:instance/<script>alert(1)</script>";
    f.v1.found_value = "O'Brien & \"Co\"";
    f.v2.tag_key = "Own\x01" "er\xff";
    assert_int_equal(cs_report_html(&f.r, &b, NULL), CS_OK);
    html = cs_buf_str(&b);
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "instance/&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (strstr(html, want[i]) == NULL)
            fail_msg("report.html lacks: %s", want[i]);
    at = html;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *next = strstr(at, order[i]);
        if (next == NULL)
            fail_msg("report.html has %s out of order", order[i]);
        at = next;
    }
    parse_xml(html, &x);
    assert_true(x.elements > 50);
    assert_int_equal(x.scripts, 0);
    assert_int_equal(x.arns, 2);
    /* the ARN is text, as written */
    assert_string_equal(x.arn_text, "arn:aws:ec2:us-east-1:111111111111:instance/"
                                    "<script>alert(1)</script>");
    cs_buf_free(&b);
}

static void report_html_rejected_and_empty(void **state)
{
    Cellscan__V1__ScanReport r = CELLSCAN__V1__SCAN_REPORT__INIT;
    struct cs_buf b = CS_BUF_INIT(CS_MAX_REPORT_TEXT);
    struct cs_buf small = CS_BUF_INIT(100);
    struct cs_err err = CS_ERR_INIT;
    struct xml_check x;
    (void)state;

    r.scan_id = "s-<1>";
    r.client_id = "acme";
    r.status = CELLSCAN__V1__SCAN_STATUS__SCAN_REJECTED;
    r.reason = "scope: accounts[0]: \"12\" is not a 12-digit account id";
    assert_int_equal(cs_report_html(&r, &b, NULL), CS_OK);
    parse_xml(cs_buf_str(&b), &x);
    assert_non_null(strstr(cs_buf_str(&b), "<span class=\"badge rejected\">rejected</span>"));
    assert_non_null(strstr(cs_buf_str(&b),
                           "<strong>Reason:</strong> scope: accounts[0]: &quot;12&quot; "
                           "is not a 12-digit account id"));
    assert_non_null(strstr(cs_buf_str(&b), "<p>No violations.</p>"));
    cs_buf_free(&b);
    assert_int_equal(cs_report_html(&r, &small, &err), CS_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "does not fit"));
}

/* ---- table ---- */

static void report_table_exact(void **state)
{
    struct fixture f;
    struct cs_buf b = CS_BUF_INIT(CS_MAX_REPORT_TEXT);
    (void)state;

    build(&f);
    assert_int_equal(cs_report_table(&f.r, &b, NULL), CS_OK);
    assert_string_equal(
        cs_buf_str(&b),
        "scan scan-20261125-0001 (client demo): partial\n"
        "score 75.0% (6 of 8 resources compliant), 3 violations, coverage 50.0% "
        "(2 of 4 cells)\n"
        "\n"
        "ACCOUNT        STATUS     RESOURCES  COMPLIANT VIOLATIONS    SCORE   COVERAGE\n"
        "111111111111   ok                 8          6          3    75.0%        2/2\n"
        "555555555555   failed             0          0          0        -        0/2\n"
        "\n"
        "permission denied (AssumeRole refused): 555555555555\n"
        "skipped: 666666666666 (suspended)\n"
        "1 violations not listed (capped)\n");
    cs_buf_free(&b);
}

static void report_table_hostile_text(void **state)
{
    struct fixture f;
    struct cs_buf b = CS_BUF_INIT(CS_MAX_REPORT_TEXT);
    (void)state;

    build(&f);
    f.a1.account_id = "\x1b[31mevil-account-id-much-too-long";
    f.r.n_accounts = 1;
    f.r.errors = NULL;
    f.r.n_skipped_accounts = 0;
    f.r.violations_truncated = 0;
    assert_int_equal(cs_report_table(&f.r, &b, NULL), CS_OK);
    /* no escape byte reaches the terminal; the column stays 14 wide */
    assert_null(strchr(cs_buf_str(&b), 0x1b));
    assert_non_null(strstr(cs_buf_str(&b),
                           "\n?[31mevil-acc~ ok                 8"));
    cs_buf_free(&b);
}

/* ---- helpers ---- */

static void jsonx_helpers(void **state)
{
    json_t *j;
    char *line = NULL;
    (void)state;

    j = cs_jsonx_base64("\xff\x00\x13\x37", 4);
    assert_string_equal(json_string_value(j), "/wATNw==");
    json_decref(j);
    j = cs_jsonx_base64("", 0);
    assert_string_equal(json_string_value(j), "");
    json_decref(j);
    j = cs_jsonx_real(NAN);
    assert_string_equal(json_string_value(j), "NaN");
    json_decref(j);
    j = cs_jsonx_real(-INFINITY);
    assert_string_equal(json_string_value(j), "-Infinity");
    json_decref(j);
    j = cs_jsonx_uint(UINT64_MAX);
    assert_true(json_is_real(j));
    json_decref(j);
    j = cs_jsonx_uint(42);
    assert_int_equal(json_integer_value(j), 42);
    json_decref(j);
    assert_true(cs_jsonx_utf8_valid("h\xc3\xa9llo", 6));
    assert_false(cs_jsonx_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(cs_jsonx_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(cs_jsonx_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(cs_jsonx_utf8_valid("a\0b", 3));
    j = cs_jsonx_strn("a\0b\xe2\x82", 5);
    assert_string_equal(json_string_value(j), "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd");
    assert_int_equal(cs_jsonx_dump_line(j, JSON_COMPACT, 1024, &line), CS_OK);
    assert_string_equal(line, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\"\n");
    free(line);
    assert_int_equal(cs_jsonx_dump_line(j, JSON_COMPACT, 4, &line), CS_ERR_LIMIT);
    assert_null(line);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_json_exact),
        cmocka_unit_test(report_json_scores_round_trip),
        cmocka_unit_test(report_json_blank_found_value),
        cmocka_unit_test(report_json_hostile_strings),
        cmocka_unit_test(report_html),
        cmocka_unit_test(report_html_rejected_and_empty),
        cmocka_unit_test(report_table_exact),
        cmocka_unit_test(report_table_hostile_text),
        cmocka_unit_test(jsonx_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
