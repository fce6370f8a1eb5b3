/* pbjson.h: any protobuf-c message as JSON, driven by its descriptor, for
 * `cellscan decode` and debugging. Field names are the .proto names;
 * enums are their value names (a number when unknown); bytes are base64;
 * 64-bit integers are JSON numbers; every field of a proto3 message is
 * present, defaults included; a oneof shows only its set member; unknown
 * fields are counted in "_unknown_fields".
 */
#ifndef CS_REPORT_PBJSON_H
#define CS_REPORT_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "util/err.h"

/* Deepest nesting converted (deeper messages become null). */
#define CS_PBJSON_MAX_DEPTH 32

/* Converts m. Errors: CS_ERR_NOMEM. On success caller frees *out with
 * json_decref. */
cs_rc cs_pbjson_message(const ProtobufCMessage *m, json_t **out,
                        struct cs_err *err);

/* Unpacks len bytes as a desc message and converts it. Errors:
 * CS_ERR_PARSE "not a valid <full name> (N bytes)" for bytes that do not
 * decode, CS_ERR_NOMEM. On success caller frees *out with json_decref. */
cs_rc cs_pbjson_decode(const ProtobufCMessageDescriptor *desc,
                       const void *data, size_t len, json_t **out,
                       struct cs_err *err);

#endif
