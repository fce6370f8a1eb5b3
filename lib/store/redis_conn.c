#include "store/redis_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "store/url.h"
#include "util/clock.h"

#define WAIT_RETRY_MS 200
#define ATTEMPTS 2

struct cs_redis_conn_s {
    struct cs_redis_url url;
    char name[CS_REDIS_HOST_MAX + CS_REDIS_PATH_MAX + 32];
    int io_timeout_ms;
    redisContext *c;
    char last_io[128]; /* why the connection last failed */
};

cs_redis_conn_t *cs_redis_conn_new(const char *url, int io_timeout_ms,
                                   struct cs_err *err)
{
    cs_redis_conn_t *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (cs_redis_url_parse(url, &r->url, err) != CS_OK) {
        cs_redis_url_free(&r->url);
        free(r);
        return NULL;
    }
    r->io_timeout_ms = io_timeout_ms > 0 ? io_timeout_ms : CS_REDIS_IO_TIMEOUT_MS;
    cs_redis_url_describe(&r->url, r->name, sizeof(r->name));
    return r;
}

static void drop(cs_redis_conn_t *r)
{
    if (r->c) {
        snprintf(r->last_io, sizeof(r->last_io), "%s",
                 r->c->err ? r->c->errstr : "connection lost");
        redisFree(r->c);
    }
    r->c = NULL;
}

/* Sends one command on the open context; returns the reply, or NULL when
 * the connection failed (r->c->err says why). */
static redisReply *send_argv(cs_redis_conn_t *r, int argc, const char **argv,
                             const size_t *lens)
{
    redisReply *reply = redisCommandArgv(r->c, argc, argv, lens);

    if (reply == NULL || r->c->err) {
        if (reply)
            freeReplyObject(reply);
        return NULL;
    }
    return reply;
}

/* AUTH and SELECT on a fresh context. */
static cs_rc handshake(cs_redis_conn_t *r, struct cs_err *err)
{
    const char *argv[3];
    redisReply *reply;
    char db[16];
    int argc = 0;
    cs_rc rc = CS_OK;

    if (r->url.password) {
        argv[argc++] = "AUTH";
        if (r->url.user)
            argv[argc++] = r->url.user;
        argv[argc++] = r->url.password;
        reply = send_argv(r, argc, argv, NULL);
        if (reply == NULL)
            return cs_err_set(err, CS_ERR_UNAVAILABLE, "Redis at %s: AUTH: %s",
                              r->name, r->c->errstr);
        if (reply->type == REDIS_REPLY_ERROR)
            rc = cs_err_set(err, CS_ERR_DENIED, "Redis at %s refused AUTH: %s",
                            r->name, reply->str);
        freeReplyObject(reply);
        if (rc != CS_OK)
            return rc;
    }
    if (r->url.db == 0)
        return CS_OK;
    snprintf(db, sizeof(db), "%d", r->url.db);
    argv[0] = "SELECT";
    argv[1] = db;
    reply = send_argv(r, 2, argv, NULL);
    if (reply == NULL)
        return cs_err_set(err, CS_ERR_UNAVAILABLE, "Redis at %s: SELECT: %s",
                          r->name, r->c->errstr);
    if (reply->type == REDIS_REPLY_ERROR)
        rc = cs_err_set(err, CS_ERR_INVALID, "Redis at %s: SELECT %s: %s",
                        r->name, db, reply->str);
    freeReplyObject(reply);
    return rc;
}

static cs_rc conn_open(cs_redis_conn_t *r, struct cs_err *err)
{
    struct timeval tv = {r->io_timeout_ms / 1000,
                         (r->io_timeout_ms % 1000) * 1000};
    cs_rc rc;

    if (r->c)
        return CS_OK;
    r->c = r->url.is_unix ? redisConnectUnixWithTimeout(r->url.path, tv)
                          : redisConnectWithTimeout(r->url.host, r->url.port, tv);
    if (r->c == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "Redis at %s: out of memory",
                          r->name);
    if (r->c->err) {
        rc = cs_err_set(err, CS_ERR_UNAVAILABLE, "Redis at %s: connect: %s",
                        r->name, r->c->errstr);
        drop(r);
        return rc;
    }
    redisSetTimeout(r->c, tv);
    rc = handshake(r, err);
    if (rc != CS_OK)
        drop(r);
    return rc;
}

/* Whether a failure is worth a new connection and another attempt. */
static int retryable(cs_rc rc)
{
    return rc == CS_ERR_UNAVAILABLE;
}

cs_rc cs_redis_conn_cmd(cs_redis_conn_t *r, int argc, const char **argv,
                        const size_t *lens, redisReply **out,
                        struct cs_err *err)
{
    cs_rc rc = CS_ERR_UNAVAILABLE;

    *out = NULL;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        redisReply *reply;

        rc = conn_open(r, err);
        if (rc != CS_OK) {
            if (!retryable(rc))
                return rc;
            continue;
        }
        reply = send_argv(r, argc, argv, lens);
        if (reply == NULL) {
            drop(r);
            rc = cs_err_set(err, CS_ERR_UNAVAILABLE, "Redis at %s: %s: %s",
                            r->name, argv[0], r->last_io);
            continue;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            rc = cs_err_set(err, CS_ERR_INVALID, "Redis at %s: %s: %s", r->name,
                            argv[0], reply->str);
            freeReplyObject(reply);
            return rc;
        }
        *out = reply;
        return CS_OK;
    }
    return rc;
}

/* Reads the replies of a pipelined MULTI, n commands, EXEC. Returns
 * CS_ERR_UNAVAILABLE on a connection failure (caller retries). */
static cs_rc read_transaction(cs_redis_conn_t *r, size_t n, const char *first,
                              redisReply **out, struct cs_err *err)
{
    cs_rc rc = CS_OK;

    for (size_t i = 0; i < n + 2; i++) {
        void *p = NULL;
        redisReply *reply;

        if (redisGetReply(r->c, &p) != REDIS_OK || p == NULL) {
            drop(r);
            return cs_err_set(err, CS_ERR_UNAVAILABLE,
                              "Redis at %s: MULTI %s...: %s", r->name, first,
                              r->last_io);
        }
        reply = p;
        if (reply->type == REDIS_REPLY_ERROR && rc == CS_OK)
            rc = cs_err_set(err, CS_ERR_INVALID, "Redis at %s: MULTI %s...: %s",
                            r->name, first, reply->str);
        if (i == n + 1 && rc == CS_OK && reply->type == REDIS_REPLY_ARRAY) {
            *out = reply;
            continue;
        }
        if (i == n + 1 && rc == CS_OK)
            rc = cs_err_set(err, CS_ERR_INVALID,
                            "Redis at %s: MULTI %s...: transaction aborted",
                            r->name, first);
        freeReplyObject(reply);
    }
    return rc;
}

cs_rc cs_redis_conn_transaction(cs_redis_conn_t *r, size_t ncmds,
                                const int *argcs, const char *const *const *argvs,
                                const size_t *const *lens, redisReply **out,
                                struct cs_err *err)
{
    cs_rc rc = CS_ERR_UNAVAILABLE;

    *out = NULL;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        rc = conn_open(r, err);
        if (rc != CS_OK) {
            if (!retryable(rc))
                return rc;
            continue;
        }
        /* appends only buffer locally; errors show up when reading */
        redisAppendCommand(r->c, "MULTI");
        for (size_t i = 0; i < ncmds; i++)
            redisAppendCommandArgv(r->c, argcs[i], (const char **)argvs[i],
                                   lens ? lens[i] : NULL);
        redisAppendCommand(r->c, "EXEC");
        rc = read_transaction(r, ncmds, ncmds ? argvs[0][0] : "", out, err);
        if (!retryable(rc))
            return rc;
    }
    return rc;
}

cs_rc cs_redis_conn_wait(cs_redis_conn_t *r, int wait_s, struct cs_err *err)
{
    int64_t deadline = cs_mono_ms() + (int64_t)wait_s * 1000;
    const char *ping[] = {"PING"};
    struct cs_err last = CS_ERR_INIT;
    redisReply *reply = NULL;
    cs_rc rc;

    for (;;) {
        rc = cs_redis_conn_cmd(r, 1, ping, NULL, &reply, &last);
        if (reply)
            freeReplyObject(reply);
        reply = NULL;
        if (rc == CS_OK || rc == CS_ERR_DENIED || rc == CS_ERR_INVALID ||
            rc == CS_ERR_NOMEM) {
            if (rc != CS_OK && err)
                *err = last;
            return rc;
        }
        if (cs_mono_ms() + WAIT_RETRY_MS > deadline)
            break;
        cs_sleep_ms(WAIT_RETRY_MS, NULL);
    }
    return cs_err_set(err, CS_ERR_UNAVAILABLE, "Redis at %s unreachable after %d s: %s",
                      r->name, wait_s, r->last_io[0] ? r->last_io : last.msg);
}

const char *cs_redis_conn_name(const cs_redis_conn_t *r)
{
    return r->name;
}

void cs_redis_conn_destroy(cs_redis_conn_t *r)
{
    if (r == NULL)
        return;
    if (r->c)
        redisFree(r->c);
    cs_redis_url_free(&r->url);
    free(r);
}
