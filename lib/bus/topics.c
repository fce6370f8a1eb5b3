#include "bus/topics.h"

#include <stdio.h>
#include <string.h>

static const char *const topic_suffixes[CS_TOPIC_COUNT] = {
    "scan-requests", "cell-jobs", "cell-results", "scan-results",
    "dead-letters",
};

static const char *const group_suffixes[CS_GROUP_COUNT] = {
    "dispatcher", "workers", "aggregator",
};

const char *cs_topic_suffix(enum cs_topic t)
{
    if ((int)t < 0 || t >= CS_TOPIC_COUNT)
        return NULL;
    return topic_suffixes[t];
}

const char *cs_group_suffix(enum cs_group g)
{
    if ((int)g < 0 || g >= CS_GROUP_COUNT)
        return NULL;
    return group_suffixes[g];
}

static cs_rc join_name(const char *prefix, const char *suffix, char *out,
                       size_t outlen, struct cs_err *err)
{
    int n = snprintf(out, outlen, "%s%s", prefix ? prefix : "", suffix);

    if (n < 0 || n > CS_TOPIC_NAME_MAX)
        return cs_err_set(err, CS_ERR_LIMIT,
                          "name \"%.40s...%s\" (%d characters) is longer than "
                          "%d characters", prefix ? prefix : "", suffix, n,
                          CS_TOPIC_NAME_MAX);
    if ((size_t)n >= outlen)
        return cs_err_set(err, CS_ERR_LIMIT,
                          "name %s%s does not fit in %zu bytes",
                          prefix ? prefix : "", suffix, outlen);
    return CS_OK;
}

cs_rc cs_topic_name(const char *prefix, enum cs_topic t, char *out,
                    size_t outlen, struct cs_err *err)
{
    const char *suffix = cs_topic_suffix(t);

    if (suffix == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "unknown topic %d", (int)t);
    return join_name(prefix, suffix, out, outlen, err);
}

cs_rc cs_group_name(const char *prefix, enum cs_group g, char *out,
                    size_t outlen, struct cs_err *err)
{
    const char *suffix = cs_group_suffix(g);

    if (suffix == NULL)
        return cs_err_set(err, CS_ERR_INVALID, "unknown consumer group %d",
                          (int)g);
    return join_name(prefix, suffix, out, outlen, err);
}

cs_rc cs_topic_parse(const char *prefix, const char *text, enum cs_topic *out,
                     struct cs_err *err)
{
    size_t plen = prefix ? strlen(prefix) : 0;

    for (int i = 0; i < CS_TOPIC_COUNT; i++) {
        const char *s = topic_suffixes[i];
        if (strcmp(text, s) == 0 ||
            (plen > 0 && strncmp(text, prefix, plen) == 0 &&
             strcmp(text + plen, s) == 0)) {
            *out = (enum cs_topic)i;
            return CS_OK;
        }
    }
    return cs_err_set(err, CS_ERR_INVALID,
                      "unknown topic \"%.100s\": expected scan-requests, "
                      "cell-jobs, cell-results, scan-results or dead-letters "
                      "(optionally with the prefix \"%.40s\")",
                      text, prefix ? prefix : "");
}

cs_rc cs_topic_specs_fleet(const char *prefix, int partitions, int replication,
                           struct cs_topic_spec out[CS_TOPIC_COUNT],
                           struct cs_err *err)
{
    if (partitions < 1)
        return cs_err_set(err, CS_ERR_INVALID,
                          "topics need at least 1 partition, not %d", partitions);
    for (int i = 0; i < CS_TOPIC_COUNT; i++) {
        cs_rc rc = cs_topic_name(prefix, (enum cs_topic)i, out[i].name,
                                 sizeof(out[i].name), err);
        if (rc != CS_OK)
            return rc;
        out[i].partitions = partitions;
        out[i].replication = replication;
    }
    return CS_OK;
}
