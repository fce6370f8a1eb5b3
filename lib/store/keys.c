#include "store/keys.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static cs_rc check_id(const char *what, const char *id, size_t max,
                      const char *extra, struct cs_err *err)
{
    size_t n = id ? strlen(id) : 0;

    if (n < 1 || n > max)
        return cs_err_set(err, CS_ERR_INVALID, "%s must be 1..%zu characters",
                          what, max);
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr(extra, id[i]))
            return cs_err_set(err, CS_ERR_INVALID,
                              "%s \"%.64s\" may hold only letters, digits and %s",
                              what, id, extra);
    return CS_OK;
}

cs_rc cs_store_check_client_id(const char *client_id, struct cs_err *err)
{
    return check_id("client_id", client_id, CS_CLIENT_ID_MAX, "_.-", err);
}

cs_rc cs_store_check_scan_id(const char *scan_id, struct cs_err *err)
{
    return check_id("scan_id", scan_id, CS_SCAN_ID_MAX, "_.:-", err);
}

static cs_rc fit(int n, size_t outlen, struct cs_err *err)
{
    if (n < 0 || (size_t)n >= outlen)
        return cs_err_set(err, CS_ERR_LIMIT, "Redis key does not fit %zu bytes",
                          outlen);
    return CS_OK;
}

cs_rc cs_store_key_report(const char *client_id, const char *scan_id,
                          char *out, size_t outlen, struct cs_err *err)
{
    cs_rc rc = cs_store_check_client_id(client_id, err);

    if (rc == CS_OK)
        rc = cs_store_check_scan_id(scan_id, err);
    if (rc == CS_OK)
        rc = fit(snprintf(out, outlen, "client:%s:scan:%s", client_id, scan_id),
                 outlen, err);
    return rc;
}

cs_rc cs_store_key_index(const char *client_id, char *out, size_t outlen,
                         struct cs_err *err)
{
    cs_rc rc = cs_store_check_client_id(client_id, err);

    if (rc == CS_OK)
        rc = fit(snprintf(out, outlen, "client:%s:scans", client_id), outlen,
                 err);
    return rc;
}

cs_rc cs_store_key_seen(const char *client_id, const char *scan_id, char *out,
                        size_t outlen, struct cs_err *err)
{
    cs_rc rc = cs_store_check_client_id(client_id, err);

    if (rc == CS_OK)
        rc = cs_store_check_scan_id(scan_id, err);
    if (rc == CS_OK)
        rc = fit(snprintf(out, outlen, "client:%s:seen:%s", client_id, scan_id),
                 outlen, err);
    return rc;
}

cs_rc cs_store_key_admit(const char *client_id, const char *scan_id,
                         char *out, size_t outlen, struct cs_err *err)
{
    cs_rc rc = cs_store_check_client_id(client_id, err);

    if (rc == CS_OK)
        rc = cs_store_check_scan_id(scan_id, err);
    if (rc == CS_OK)
        rc = fit(snprintf(out, outlen, "client:%s:admit:%s", client_id,
                          scan_id), outlen, err);
    return rc;
}

cs_rc cs_store_key_rate(const char *client_id, int64_t now_ms, char *out,
                        size_t outlen, struct cs_err *err)
{
    time_t secs = (time_t)(now_ms / 1000);
    struct tm tm;
    char hour[16];
    cs_rc rc = cs_store_check_client_id(client_id, err);

    if (rc != CS_OK)
        return rc;
    gmtime_r(&secs, &tm);
    strftime(hour, sizeof(hour), "%Y%m%d%H", &tm);
    return fit(snprintf(out, outlen, "client:%s:scans_per_hour:%s", client_id,
                        hour), outlen, err);
}
