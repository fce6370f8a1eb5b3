#include "bus/deadletter.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"

void cs_deadletter_from_message(const rd_kafka_message_t *m,
                                const char *reason, struct cs_deadletter *out)
{
    out->topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    out->partition = m->partition;
    out->offset = m->offset;
    out->key = m->key;
    out->keylen = m->key_len;
    out->value = m->payload;
    out->len = m->len;
    out->reason = reason;
}

static cs_rc add(rd_kafka_headers_t *h, const char *name, const char *value,
                 struct cs_err *err)
{
    if (rd_kafka_header_add(h, name, -1, value, -1))
        return cs_err_set(err, CS_ERR_NOMEM, "cannot add header %s", name);
    return CS_OK;
}

cs_rc cs_deadletter_headers(const struct cs_deadletter *d,
                            rd_kafka_headers_t **out, struct cs_err *err)
{
    struct cs_buf reason = CS_BUF_INIT(CS_DLQ_REASON_MAX * 4);
    rd_kafka_headers_t *h = rd_kafka_headers_new(4);
    char cut[CS_DLQ_REASON_MAX + 1];
    char num[32];
    cs_rc rc;

    *out = NULL;
    snprintf(cut, sizeof(cut), "%s", d->reason ? d->reason : "");
    /* a reason is built from our error messages, which carry no secrets;
     * redaction is the second line of defence */
    rc = cs_log_redact(cut, &reason);
    if (rc != CS_OK)
        cs_err_set(err, rc, "cannot build the dead-letter reason");
    cs_buf_truncate(&reason, CS_DLQ_REASON_MAX);
    if (rc == CS_OK)
        rc = add(h, CS_DLQ_HDR_REASON, cs_buf_str(&reason), err);
    if (rc == CS_OK)
        rc = add(h, CS_DLQ_HDR_TOPIC, d->topic ? d->topic : "", err);
    snprintf(num, sizeof(num), "%d", (int)d->partition);
    if (rc == CS_OK)
        rc = add(h, CS_DLQ_HDR_PARTITION, num, err);
    snprintf(num, sizeof(num), "%lld", (long long)d->offset);
    if (rc == CS_OK)
        rc = add(h, CS_DLQ_HDR_OFFSET, num, err);
    cs_buf_free(&reason);
    if (rc != CS_OK) {
        rd_kafka_headers_destroy(h);
        return rc;
    }
    *out = h;
    return CS_OK;
}

cs_rc cs_deadletter_send(cs_producer_t *p, const char *dlq_topic,
                         const struct cs_deadletter *d, void *msg_opaque,
                         struct cs_err *err)
{
    rd_kafka_headers_t *h = NULL;
    cs_rc rc = cs_deadletter_headers(d, &h, err);

    if (rc != CS_OK)
        return rc;
    return cs_producer_send(p, dlq_topic, d->key, d->keylen, d->value, d->len,
                            h, msg_opaque, err);
}
