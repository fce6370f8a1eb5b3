/* log.h: JSON-lines logger with secret redaction.
 *
 * One line per call on the process's log fd (stderr by default):
 *   {"ts":"2026-11-25T22:00:00.123Z","level":"info","component":"worker",
 *    "client_id":"acme","scan_id":"s-1","msg":"cell done"}
 * client_id and scan_id appear when the context carries them. Before a
 * line is written, anything that looks like a secret access key, a session
 * token, a password or a signature is replaced by "[REDACTED]", so a
 * careless format string cannot leak credentials. Lines are written with
 * one write(2) each, so threads do not interleave within a line.
 */
#ifndef CS_UTIL_LOG_H
#define CS_UTIL_LOG_H

#include "util/buf.h"

enum cs_log_level {
    CS_LOG_DEBUG = 0,
    CS_LOG_INFO = 1,
    CS_LOG_WARN = 2,
    CS_LOG_ERROR = 3
};

/* Who is logging. All fields may be NULL; strings are borrowed for the
 * duration of the cs_log call only. */
struct cs_log_ctx {
    const char *component; /* NULL = the process default from cs_log_setup */
    const char *client_id;
    const char *scan_id;
};

/* Sets the process-wide minimum level, default component name (borrowed:
 * must outlive all logging, e.g. a string literal) and output fd. Call
 * once from main before threads start. Cannot fail. */
void cs_log_setup(const char *component, enum cs_log_level min, int fd);

/* Current minimum level. Cannot fail. */
enum cs_log_level cs_log_min_level(void);

/* Parses "debug", "info", "warn" or "error". Returns 0, or -1 if unknown. */
int cs_log_level_parse(const char *s, enum cs_log_level *out);

/* Logs one line if lvl >= the minimum level. Never fails visibly: a line
 * that cannot be built or written is dropped. */
void cs_log(const struct cs_log_ctx *ctx, enum cs_log_level lvl,
            const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Appends text to out with secrets replaced by "[REDACTED]" (see above).
 * Exposed for tests and for other writers of operator-visible text (error
 * messages in reports). Errors as cs_buf_append. */
cs_rc cs_log_redact(const char *text, struct cs_buf *out);

/* Appends s as a JSON string literal (quotes included) to out. Errors as
 * cs_buf_append. */
cs_rc cs_json_quote(struct cs_buf *out, const char *s);

#endif
