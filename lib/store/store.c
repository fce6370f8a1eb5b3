#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/plan.h"
#include "store/redis_conn.h"

/* a bucket lives through its own hour and the next */
#define RATE_BUCKET_TTL "7200"

struct cs_store_s {
    cs_redis_conn_t *conn;
    int ttl_s;
};

cs_store_t *cs_store_new(const struct cs_config *cfg, struct cs_err *err)
{
    cs_store_t *s;

    if (cfg->report_ttl_s < 1) {
        cs_err_set(err, CS_ERR_INVALID, "CELLSCAN_REPORT_TTL must be >= 1 s");
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    s->ttl_s = cfg->report_ttl_s;
    s->conn = cs_redis_conn_new(cfg->redis_url, 0, err);
    if (s->conn == NULL ||
        cs_redis_conn_wait(s->conn, cfg->startup_timeout_s, err) != CS_OK) {
        cs_store_destroy(s);
        return NULL;
    }
    return s;
}

void cs_store_destroy(cs_store_t *s)
{
    if (s == NULL)
        return;
    cs_redis_conn_destroy(s->conn);
    free(s);
}

static cs_rc pack_report(const Cellscan__V1__ScanReport *r, uint8_t **out,
                         size_t *len, struct cs_err *err)
{
    size_t n = cellscan__v1__scan_report__get_packed_size(r);

    if (n > CS_STORE_REPORT_MAX)
        return cs_err_set(err, CS_ERR_LIMIT,
                          "report %s is %zu bytes, more than %d", r->scan_id, n,
                          CS_STORE_REPORT_MAX);
    *out = malloc(n ? n : 1);
    if (*out == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    *len = cellscan__v1__scan_report__pack(r, *out);
    return CS_OK;
}

cs_rc cs_store_put_report(cs_store_t *s, const Cellscan__V1__ScanReport *r,
                          struct cs_err *err)
{
    char key[CS_STORE_KEY_MAX], idx[CS_STORE_KEY_MAX];
    char ttl[24], score[24], trim[24];
    uint8_t *bytes = NULL;
    size_t len = 0;
    redisReply *reply = NULL;
    cs_rc rc;

    rc = cs_store_key_report(r->client_id, r->scan_id, key, sizeof(key), err);
    if (rc == CS_OK)
        rc = cs_store_key_index(r->client_id, idx, sizeof(idx), err);
    if (rc == CS_OK)
        rc = pack_report(r, &bytes, &len, err);
    if (rc != CS_OK)
        goto cleanup;
    snprintf(ttl, sizeof(ttl), "%d", s->ttl_s);
    snprintf(score, sizeof(score), "%lld", (long long)r->finished_at_ms);
    snprintf(trim, sizeof(trim), "%d", -(CS_STORE_INDEX_KEEP + 1));
    {
        const char *set[] = {"SET", key, (const char *)bytes, "EX", ttl};
        const size_t setlen[] = {3, strlen(key), len, 2, strlen(ttl)};
        const char *zadd[] = {"ZADD", idx, score, r->scan_id};
        const char *ztrim[] = {"ZREMRANGEBYRANK", idx, "0", trim};
        const char *expire[] = {"EXPIRE", idx, ttl};
        const char *const *argvs[] = {set, zadd, ztrim, expire};
        const size_t *lens[] = {setlen, NULL, NULL, NULL};
        const int argcs[] = {5, 4, 4, 3};

        rc = cs_redis_conn_transaction(s->conn, 4, argcs, argvs, lens, &reply,
                                       err);
    }
cleanup:
    if (reply)
        freeReplyObject(reply);
    free(bytes);
    return rc;
}

static cs_rc check_owner(const Cellscan__V1__ScanReport *r,
                         const char *client_id, const char *scan_id,
                         struct cs_err *err)
{
    if (strcmp(r->client_id, client_id) != 0 || strcmp(r->scan_id, scan_id) != 0)
        return cs_err_set(err, CS_ERR_PARSE,
                          "stored report for %s/%s names another client or scan",
                          client_id, scan_id);
    return CS_OK;
}

cs_rc cs_store_get_report(cs_store_t *s, const char *client_id,
                          const char *scan_id, Cellscan__V1__ScanReport **out,
                          struct cs_err *err)
{
    char key[CS_STORE_KEY_MAX];
    const char *argv[2] = {"GET", key};
    redisReply *reply = NULL;
    Cellscan__V1__ScanReport *r = NULL;
    cs_rc rc;

    *out = NULL;
    rc = cs_store_key_report(client_id, scan_id, key, sizeof(key), err);
    if (rc == CS_OK)
        rc = cs_redis_conn_cmd(s->conn, 2, argv, NULL, &reply, err);
    if (rc != CS_OK)
        goto cleanup;
    if (reply->type == REDIS_REPLY_NIL) {
        rc = cs_err_set(err, CS_ERR_NOTFOUND, "no report %s for client %s",
                        scan_id, client_id);
        goto cleanup;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        rc = cs_err_set(err, CS_ERR_PARSE, "report %s: unexpected Redis reply type %d",
                        scan_id, reply->type);
        goto cleanup;
    }
    r = cellscan__v1__scan_report__unpack(NULL, reply->len,
                                          (const uint8_t *)reply->str);
    if (r == NULL) {
        rc = cs_err_set(err, CS_ERR_PARSE,
                        "report %s of client %s: stored bytes are not a ScanReport",
                        scan_id, client_id);
        goto cleanup;
    }
    rc = check_owner(r, client_id, scan_id, err);
    if (rc == CS_OK) {
        *out = r;
        r = NULL;
    }
cleanup:
    if (r)
        cellscan__v1__scan_report__free_unpacked(r, NULL);
    if (reply)
        freeReplyObject(reply);
    return rc;
}

static cs_rc fill_refs(const redisReply *reply, struct cs_scan_ref **out,
                       size_t *n, struct cs_err *err)
{
    struct cs_scan_ref *refs;
    size_t k = 0;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2)
        return cs_err_set(err, CS_ERR_PARSE, "scan index: unexpected Redis reply");
    if (reply->elements == 0)
        return CS_OK;
    refs = calloc(reply->elements / 2, sizeof(*refs));
    if (refs == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *id = reply->element[i];
        const redisReply *score = reply->element[i + 1];
        /* the index only ever holds validated ids; skip anything else */
        if (id->type != REDIS_REPLY_STRING || score->type != REDIS_REPLY_STRING ||
            cs_store_check_scan_id(id->str, NULL) != CS_OK)
            continue;
        snprintf(refs[k].scan_id, sizeof(refs[k].scan_id), "%s", id->str);
        refs[k].finished_at_ms = strtoll(score->str, NULL, 10);
        k++;
    }
    *out = refs;
    *n = k;
    return CS_OK;
}

cs_rc cs_store_list_scans(cs_store_t *s, const char *client_id, size_t max,
                          struct cs_scan_ref **out, size_t *n,
                          struct cs_err *err)
{
    char idx[CS_STORE_KEY_MAX], stop[24];
    const char *argv[] = {"ZREVRANGE", idx, "0", stop, "WITHSCORES"};
    redisReply *reply = NULL;
    cs_rc rc;

    *out = NULL;
    *n = 0;
    rc = cs_store_key_index(client_id, idx, sizeof(idx), err);
    if (rc != CS_OK || max == 0)
        return rc;
    snprintf(stop, sizeof(stop), "%zu", max - 1);
    rc = cs_redis_conn_cmd(s->conn, 5, argv, NULL, &reply, err);
    if (rc == CS_OK)
        rc = fill_refs(reply, out, n, err);
    if (reply)
        freeReplyObject(reply);
    return rc;
}

cs_rc cs_store_admit_scan(cs_store_t *s, const char *client_id,
                          const char *plan, int64_t now_ms, int *admitted,
                          long long *count, struct cs_err *err)
{
    char key[CS_STORE_KEY_MAX];
    const char *incr[] = {"INCR", key};
    const char *expire[] = {"EXPIRE", key, RATE_BUCKET_TTL};
    const char *const *argvs[] = {incr, expire};
    const int argcs[] = {2, 3};
    struct cs_plan_limits lim;
    redisReply *reply = NULL;
    cs_rc rc;

    *admitted = 0;
    rc = cs_plan_limits(plan, &lim, err);
    if (rc == CS_OK)
        rc = cs_store_key_rate(client_id, now_ms, key, sizeof(key), err);
    if (rc == CS_OK)
        rc = cs_redis_conn_transaction(s->conn, 2, argcs, argvs, NULL, &reply,
                                       err);
    if (rc != CS_OK)
        goto cleanup;
    if (reply->elements != 2 || reply->element[0]->type != REDIS_REPLY_INTEGER) {
        rc = cs_err_set(err, CS_ERR_PARSE, "scan counter: unexpected Redis reply");
        goto cleanup;
    }
    *admitted = reply->element[0]->integer <= lim.scans_per_hour;
    if (count)
        *count = reply->element[0]->integer;
cleanup:
    if (reply)
        freeReplyObject(reply);
    return rc;
}

cs_rc cs_store_mark_seen(cs_store_t *s, const char *client_id,
                         const char *scan_id, int ttl_s, int *first,
                         struct cs_err *err)
{
    char key[CS_STORE_KEY_MAX], ttl[24];
    const char *argv[] = {"SET", key, "1", "NX", "EX", ttl};
    redisReply *reply = NULL;
    cs_rc rc;

    *first = 0;
    if (ttl_s < 1)
        return cs_err_set(err, CS_ERR_INVALID, "seen marks need a TTL >= 1 s");
    rc = cs_store_key_seen(client_id, scan_id, key, sizeof(key), err);
    if (rc != CS_OK)
        return rc;
    snprintf(ttl, sizeof(ttl), "%d", ttl_s);
    rc = cs_redis_conn_cmd(s->conn, 6, argv, NULL, &reply, err);
    if (rc == CS_OK)
        *first = reply->type == REDIS_REPLY_STATUS;
    if (reply)
        freeReplyObject(reply);
    return rc;
}

/* KEYS[1] the hour bucket, KEYS[2] the scan's decision; ARGV[1] the
 * plan's scans per hour, ARGV[2] the decision's TTL, ARGV[3] the
 * bucket's. Returns {admitted, count, first}. */
static const char admit_once_lua[] =
    "local d = redis.call('GET', KEYS[2])\n"
    "if d then\n"
    "  local sep = string.find(d, ':', 1, true)\n"
    "  return {tonumber(string.sub(d, 1, sep - 1)),"
    " tonumber(string.sub(d, sep + 1)), 0}\n"
    "end\n"
    "local n = redis.call('INCR', KEYS[1])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[3])\n"
    "local ok = 0\n"
    "if n <= tonumber(ARGV[1]) then ok = 1 end\n"
    "redis.call('SET', KEYS[2], ok .. ':' .. n, 'EX', ARGV[2])\n"
    "return {ok, n, 1}\n";

cs_rc cs_store_admit_scan_once(cs_store_t *s, const char *client_id,
                               const char *scan_id, const char *plan,
                               int64_t now_ms, int ttl_s, int *admitted,
                               long long *count, int *first,
                               struct cs_err *err)
{
    char bucket[CS_STORE_KEY_MAX], mark[CS_STORE_KEY_MAX], limit[24], ttl[24];
    const char *argv[] = {"EVAL", admit_once_lua, "2", bucket, mark,
                          limit,  ttl,            RATE_BUCKET_TTL};
    struct cs_plan_limits lim;
    redisReply *reply = NULL;
    cs_rc rc;

    *admitted = 0;
    if (first)
        *first = 0;
    if (ttl_s < 1)
        return cs_err_set(err, CS_ERR_INVALID,
                          "admission marks need a TTL >= 1 s");
    rc = cs_plan_limits(plan, &lim, err);
    if (rc == CS_OK)
        rc = cs_store_key_rate(client_id, now_ms, bucket, sizeof(bucket), err);
    if (rc == CS_OK)
        rc = cs_store_key_admit(client_id, scan_id, mark, sizeof(mark), err);
    if (rc != CS_OK)
        return rc;
    snprintf(limit, sizeof(limit), "%d", lim.scans_per_hour);
    snprintf(ttl, sizeof(ttl), "%d", ttl_s);
    rc = cs_redis_conn_cmd(s->conn, 8, argv, NULL, &reply, err);
    if (rc != CS_OK)
        goto cleanup;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[1]->type != REDIS_REPLY_INTEGER ||
        reply->element[2]->type != REDIS_REPLY_INTEGER) {
        rc = cs_err_set(err, CS_ERR_PARSE, "scan admission: unexpected Redis reply");
        goto cleanup;
    }
    *admitted = reply->element[0]->integer == 1;
    if (count)
        *count = reply->element[1]->integer;
    if (first)
        *first = reply->element[2]->integer == 1;
cleanup:
    if (reply)
        freeReplyObject(reply);
    return rc;
}

cs_rc cs_store_seen(cs_store_t *s, const char *client_id, const char *scan_id,
                    int *seen, struct cs_err *err)
{
    char key[CS_STORE_KEY_MAX];
    const char *argv[] = {"EXISTS", key};
    redisReply *reply = NULL;
    cs_rc rc;

    *seen = 0;
    rc = cs_store_key_seen(client_id, scan_id, key, sizeof(key), err);
    if (rc != CS_OK)
        return rc;
    rc = cs_redis_conn_cmd(s->conn, 2, argv, NULL, &reply, err);
    if (rc == CS_OK && reply->type != REDIS_REPLY_INTEGER)
        rc = cs_err_set(err, CS_ERR_PARSE, "seen mark: unexpected Redis reply");
    if (rc == CS_OK)
        *seen = reply->integer > 0;
    if (reply)
        freeReplyObject(reply);
    return rc;
}
