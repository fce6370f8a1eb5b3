/* Fuzz target: `cellscan decode`'s record formatting (lib/report/decode.h)
 * on any bytes, for every topic kind, with any key and headers. Whatever
 * the input, the result must be one line of valid JSON, never a crash.
 *
 * Input layout: kind (1 byte, mod 5), key length (1 byte) and key, header
 * count (1 byte, mod 5) and per header name length, name, value length,
 * value (lengths 1 byte each), then the value bytes. Short input ends the
 * layout early; what is left is the value. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FUZZ_HEADERS 4

/* Takes a length byte and that many bytes from the input. */
static int take(const uint8_t **p, size_t *left, const uint8_t **out,
                size_t *len)
{
    size_t n;

    if (*left < 1)
        return -1;
    n = **p;
    (*p)++;
    (*left)--;
    if (n > *left)
        n = *left;
    *out = *p;
    *len = n;
    *p += n;
    *left -= n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_decode_header hs[MAX_FUZZ_HEADERS];
    char names[MAX_FUZZ_HEADERS][256];
    struct cs_decode_record rec;
    const uint8_t *p = data, *s;
    size_t left = size, n;
    char *line = NULL;
    json_t *j;

    memset(&rec, 0, sizeof(rec));
    rec.topic = size ? (enum cs_topic)(data[0] % CS_TOPIC_COUNT) : CS_TOPIC_CELL_JOBS;
    rec.topic_name = "cellscan.fuzz";
    rec.prefix = "cellscan.";
    rec.offset = (int64_t)size;
    rec.timestamp_ms = (int64_t)size * 1000;
    if (left) {
        p++;
        left--;
    }
    if (take(&p, &left, &s, &n) == 0) {
        rec.key = s;
        rec.keylen = n;
    }
    if (left) {
        size_t nh = *p % (MAX_FUZZ_HEADERS + 1);
        p++;
        left--;
        for (size_t i = 0; i < nh; i++) {
            const uint8_t *v;
            size_t vl;
            if (take(&p, &left, &s, &n) != 0 || take(&p, &left, &v, &vl) != 0)
                break;
            memcpy(names[i], s, n);
            names[i][n] = '\0';
            hs[i].name = names[i];
            hs[i].value = v;
            hs[i].len = vl;
            rec.nheaders = i + 1;
        }
        rec.headers = hs;
    }
    rec.value = p;
    rec.len = left;
    if (cs_decode_record_line(&rec, &line, NULL) != CS_OK)
        abort();
    j = json_loads(line, 0, NULL);
    if (j == NULL || line[strlen(line) - 1] != '\n' || strchr(line, '\n') != line + strlen(line) - 1)
        abort();
    json_decref(j);
    free(line);
    return 0;
}
