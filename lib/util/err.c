#include "util/err.h"

#include <stdio.h>
#include <string.h>

cs_rc cs_err_vset(struct cs_err *err, cs_rc code, const char *fmt, va_list ap)
{
    if (err == NULL)
        return code;
    err->code = code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    return code;
}

cs_rc cs_err_set(struct cs_err *err, cs_rc code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cs_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void cs_err_prefix(struct cs_err *err, const char *fmt, ...)
{
    char old[CS_ERR_MSG_MAX];
    size_t n;
    va_list ap;

    if (err == NULL)
        return;
    memcpy(old, err->msg, sizeof(old));
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    n = strlen(err->msg);
    if (n + 2 < sizeof(err->msg)) {
        size_t room = sizeof(err->msg) - n - 2 - 1;
        size_t oldlen = strlen(old);
        /* the old text may be cut: the message is one line of context */
        if (oldlen > room)
            oldlen = room;
        memcpy(err->msg + n, ": ", 2);
        memcpy(err->msg + n + 2, old, oldlen);
        err->msg[n + 2 + oldlen] = '\0';
    }
}

void cs_err_clear(struct cs_err *err)
{
    if (err == NULL)
        return;
    err->code = CS_OK;
    err->msg[0] = '\0';
}

const char *cs_rc_name(cs_rc code)
{
    switch (code) {
    case CS_OK: return "ok";
    case CS_ERR_NOMEM: return "out_of_memory";
    case CS_ERR_LIMIT: return "limit";
    case CS_ERR_INVALID: return "invalid";
    case CS_ERR_PARSE: return "parse";
    case CS_ERR_IO: return "io";
    case CS_ERR_TIMEOUT: return "timeout";
    case CS_ERR_AWS: return "aws";
    case CS_ERR_DENIED: return "denied";
    case CS_ERR_NOTFOUND: return "not_found";
    case CS_ERR_UNAVAILABLE: return "unavailable";
    case CS_ERR_INTERNAL: return "internal";
    case CS_ERR_HELP: return "help";
    }
    return "unknown";
}
