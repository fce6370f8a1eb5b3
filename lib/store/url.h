/* url.h: CELLSCAN_REDIS_URL.
 *
 *   redis://[[user]:password@]host[:port][/db]   (port 6379, db 0 default;
 *                                                  host may be [ipv6])
 *   unix://path[?db=N]
 *
 * user and password may be percent-encoded. The password is kept in
 * secret memory and never appears in cs_redis_url_describe or in any
 * error message.
 */
#ifndef CS_STORE_URL_H
#define CS_STORE_URL_H

#include <stddef.h>

#include "util/err.h"

#define CS_REDIS_HOST_MAX 255
#define CS_REDIS_PATH_MAX 107 /* sun_path */
#define CS_REDIS_URL_MAX 2048

struct cs_redis_url {
    int is_unix;
    char host[CS_REDIS_HOST_MAX + 1]; /* without brackets */
    int port;
    char path[CS_REDIS_PATH_MAX + 1];
    int db;
    char *user;     /* NULL when absent; plain memory */
    char *password; /* NULL when absent; secret memory */
};

/* Parses url into out (zeroed first). Errors: CS_ERR_INVALID naming what
 * is wrong (scheme, host, port, db, path, percent-escape), never quoting
 * the password; CS_ERR_NOMEM. After any return free out with
 * cs_redis_url_free. */
cs_rc cs_redis_url_parse(const char *url, struct cs_redis_url *out,
                         struct cs_err *err);

/* Writes "host:port/db" or "unix:path/db" (no credentials) into out for
 * messages and logs; returns out. Cannot fail (truncates). */
char *cs_redis_url_describe(const struct cs_redis_url *u, char *out,
                            size_t outlen);

/* Frees user and password (zeroing the password). NULL is a no-op. */
void cs_redis_url_free(struct cs_redis_url *u);

#endif
