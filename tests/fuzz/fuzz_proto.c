/* Fuzz target: decoding every message a cellscan consumer reads from Kafka
 * (ScanRequest, CellJob, CellResultsRecord, ScanReport). Any bytes must
 * give a message or NULL, never a crash; a decoded message must re-encode. */
#include <stdint.h>
#include <stdlib.h>

#include "cellscan.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void try_one(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                    size_t size)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, size, data);
    if (m == NULL)
        return;
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *out = malloc(n ? n : 1);
    if (out && protobuf_c_message_pack(m, out) != n)
        abort();
    free(out);
    protobuf_c_message_free_unpacked(m, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    try_one(&cellscan__v1__scan_request__descriptor, data, size);
    try_one(&cellscan__v1__cell_job__descriptor, data, size);
    try_one(&cellscan__v1__cell_results_record__descriptor, data, size);
    try_one(&cellscan__v1__scan_report__descriptor, data, size);
    return 0;
}
