/* Fuzz target: the report renderers on any ScanReport a consumer may
 * decode from scan-results or Redis. Whatever the bytes, report.json must
 * be valid JSON, report.html must hold no markup from the data (no
 * "<script"), and the table must hold no control characters but
 * newlines. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cellscan.pb-c.h"
#include "report/html.h"
#include "report/json.h"
#include "report/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_table(const Cellscan__V1__ScanReport *r)
{
    struct cs_buf b = CS_BUF_INIT(CS_MAX_REPORT_TEXT);

    if (cs_report_table(r, &b, NULL) != CS_OK)
        abort();
    for (size_t i = 0; i < b.len; i++) {
        unsigned char c = (unsigned char)b.ptr[i];
        if ((c < 0x20 && c != '\n') || c >= 0x7f)
            abort();
    }
    cs_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Cellscan__V1__ScanReport *r =
        cellscan__v1__scan_report__unpack(NULL, size, data);
    struct cs_buf html = CS_BUF_INIT(CS_MAX_REPORT_TEXT);
    char *text = NULL;
    json_t *j;

    if (r == NULL)
        return 0;
    if (cs_report_json_text(r, &text, NULL) != CS_OK)
        abort();
    j = json_loads(text, 0, NULL);
    if (j == NULL)
        abort();
    json_decref(j);
    free(text);
    if (cs_report_html(r, &html, NULL) != CS_OK)
        abort();
    /* the only elements are ours; ours never include a script */
    if (strstr(cs_buf_str(&html), "<script") || strstr(cs_buf_str(&html), "<img"))
        abort();
    cs_buf_free(&html);
    check_table(r);
    cellscan__v1__scan_report__free_unpacked(r, NULL);
    return 0;
}
