/* err.h: return codes and the caller-owned error detail.
 *
 * Every fallible function returns a cs_rc (CS_OK is 0) and, when the caller
 * passes a struct cs_err, writes one human-readable line into it naming what
 * went wrong. Functions return the error; they never also log it.
 */
#ifndef CS_UTIL_ERR_H
#define CS_UTIL_ERR_H

#include <stdarg.h>

typedef enum cs_rc {
    CS_OK = 0,
    CS_ERR_NOMEM,     /* allocation failed */
    CS_ERR_LIMIT,     /* a size cap was reached */
    CS_ERR_INVALID,   /* bad input: argument, config value, document */
    CS_ERR_PARSE,     /* malformed outside input (JSON, XML, protobuf) */
    CS_ERR_IO,        /* file, socket or process error */
    CS_ERR_TIMEOUT,   /* a deadline passed */
    CS_ERR_AWS,       /* AWS answered with an error (see the aws layer) */
    CS_ERR_DENIED,    /* access denied; never retried */
    CS_ERR_NOTFOUND,  /* the thing asked for does not exist */
    CS_ERR_UNAVAILABLE, /* a dependency (Kafka, Redis, HTTP peer) is down */
    CS_ERR_INTERNAL,  /* a bug: an invariant did not hold */
    CS_ERR_HELP       /* not an error: --help was asked for */
} cs_rc;

#define CS_ERR_MSG_MAX 256

struct cs_err {
    cs_rc code;
    char msg[CS_ERR_MSG_MAX];
};

#define CS_ERR_INIT {CS_OK, {0}}

/* Sets err (if not NULL) to code and the formatted message, truncating it
 * to fit. Returns code, so callers can write `return cs_err_set(...)`. */
cs_rc cs_err_set(struct cs_err *err, cs_rc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
cs_rc cs_err_vset(struct cs_err *err, cs_rc code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Prepends "prefix: " to err's message (context added by a caller). */
void cs_err_prefix(struct cs_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Resets err to CS_OK with an empty message. NULL is a no-op. */
void cs_err_clear(struct cs_err *err);

/* Static name of a code, e.g. "invalid". Cannot fail. */
const char *cs_rc_name(cs_rc code);

#endif
