/* decode.h: one Kafka record of a cellscan topic as one JSON object, for
 * `cellscan decode`. The topic decides the message type:
 *
 *   scan-requests  cellscan.v1.ScanRequest
 *   cell-jobs      cellscan.v1.CellJob
 *   cell-results   cellscan.v1.CellResultsRecord
 *   scan-results   cellscan.v1.ScanReport
 *   dead-letters   the original bytes, base64, with the headers; decoded
 *                  too when the cellscan-topic header names a cellscan topic
 *                  and the bytes decode
 *
 *   {"topic":"cellscan.cell-jobs","partition":0,"offset":12,
 *    "timestamp":"2026-11-25T22:00:00.123Z","key":"111111111111",
 *    "type":"cellscan.v1.CellJob","value":{...}}
 *
 * Bytes that do not decode give "error" and "value_base64" instead of
 * "value": never a crash, whatever the input. A key that is not valid
 * UTF-8 is given as "key_base64".
 */
#ifndef CS_REPORT_DECODE_H
#define CS_REPORT_DECODE_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "bus/topics.h"
#include "util/err.h"

struct cs_decode_header {
    const char *name;
    const void *value; /* may be NULL */
    size_t len;
};

/* A consumed record; everything borrowed for the call. */
struct cs_decode_record {
    enum cs_topic topic;     /* what the bytes are */
    const char *topic_name;  /* as read */
    const char *prefix;      /* CELLSCAN_TOPIC_PREFIX, for cellscan-topic */
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms;    /* <= 0: none */
    const void *key;         /* may be NULL */
    size_t keylen;
    const void *value;       /* may be NULL */
    size_t len;
    const struct cs_decode_header *headers;
    size_t nheaders;
};

/* The message type carried by topic t; NULL for dead-letters (raw bytes)
 * or an unknown t. Static. Cannot fail. */
const ProtobufCMessageDescriptor *cs_decode_descriptor(enum cs_topic t);

/* Builds the object above. Undecodable bytes are not an error. Errors:
 * CS_ERR_NOMEM only. On success caller frees *out with json_decref. */
cs_rc cs_decode_record_json(const struct cs_decode_record *rec, json_t **out,
                            struct cs_err *err);

/* Longest line written (a message is at most a few MiB). */
#define CS_MAX_DECODE_LINE (256 * 1024 * 1024)

/* The same as one line of compact JSON, newline included. Errors:
 * CS_ERR_NOMEM, CS_ERR_LIMIT past CS_MAX_DECODE_LINE. On success caller frees *out with free(). */
cs_rc cs_decode_record_line(const struct cs_decode_record *rec, char **out,
                            struct cs_err *err);

#endif
