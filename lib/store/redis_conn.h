/* redis_conn.h: one Redis connection that reconnects by itself.
 *
 * A command that fails on the connection (I/O error, EOF, timeout: Redis
 * restarted or the network blinked) drops the context, reconnects (AUTH
 * and SELECT again) and retries the command once, so a Redis restart
 * costs one slow command, not a crash. A command Redis itself refused
 * (an error reply) is returned as such, never retried.
 *
 * Per STYLE.md one connection belongs to one thread.
 */
#ifndef CS_STORE_REDIS_CONN_H
#define CS_STORE_REDIS_CONN_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "util/err.h"

typedef struct cs_redis_conn_s cs_redis_conn_t;

#define CS_REDIS_IO_TIMEOUT_MS 5000

/* Parses url (see url.h) and prepares a connection; it connects at the
 * first command or cs_redis_conn_wait. io_timeout_ms bounds connect and
 * each command (0 = CS_REDIS_IO_TIMEOUT_MS). Returns NULL with err set:
 * CS_ERR_INVALID for a bad URL, CS_ERR_NOMEM. Caller frees with
 * cs_redis_conn_destroy. */
cs_redis_conn_t *cs_redis_conn_new(const char *url, int io_timeout_ms,
                                   struct cs_err *err);

/* Connects and PINGs, retrying until it works or wait_s seconds passed
 * (the daemons' bounded wait at start). Errors: CS_ERR_UNAVAILABLE
 * "Redis at HOST:PORT/DB unreachable after N s: <last reason>";
 * CS_ERR_DENIED when Redis refused the credentials (not retried). */
cs_rc cs_redis_conn_wait(cs_redis_conn_t *r, int wait_s, struct cs_err *err);

/* Runs one command given as argc arguments (argv[i] of lens[i] bytes;
 * lens may be NULL for NUL-terminated strings). *out is the reply, never
 * of type REDIS_REPLY_ERROR; caller frees with freeReplyObject. Errors:
 * CS_ERR_UNAVAILABLE when the connection failed twice (message names the
 * server, never credentials), CS_ERR_INVALID with Redis's text for an
 * error reply, CS_ERR_DENIED when AUTH was refused. */
cs_rc cs_redis_conn_cmd(cs_redis_conn_t *r, int argc, const char **argv,
                        const size_t *lens, redisReply **out,
                        struct cs_err *err);

/* Runs ncmds commands inside MULTI ... EXEC, pipelined; on a connection
 * failure the whole transaction is retried once on a new connection
 * (callers only send idempotent transactions). *out is EXEC's array reply
 * (one element per command; caller frees with freeReplyObject). Errors as
 * cs_redis_conn_cmd; CS_ERR_INVALID also when a queued command was
 * refused or the transaction aborted. */
cs_rc cs_redis_conn_transaction(cs_redis_conn_t *r, size_t ncmds,
                                const int *argcs, const char *const *const *argvs,
                                const size_t *const *lens, redisReply **out,
                                struct cs_err *err);

/* "host:port/db" of the server, without credentials. Borrowed: valid
 * until destroy. Cannot fail. */
const char *cs_redis_conn_name(const cs_redis_conn_t *r);

/* Closes and frees (zeroing the password). NULL is a no-op. */
void cs_redis_conn_destroy(cs_redis_conn_t *r);

#endif
