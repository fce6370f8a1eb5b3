#include "aws/msk.h"

#include <stdio.h>
#include <string.h>

#include "aws/uri.h"
#include "util/secret.h"

#define MSK_QUERY "Action=kafka-cluster%3AConnect"

/* Regions are names like "us-east-1": nothing that would change the
 * host. */
static int region_ok(const char *r)
{
    size_t n = r ? strlen(r) : 0;

    if (n == 0 || n > 64)
        return 0;
    for (; *r; r++)
        if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') ||
              *r == '-'))
            return 0;
    return 1;
}

cs_rc cs_msk_url(const struct cs_sigv4_creds *cr, const char *region,
                 const char *user_agent, int64_t now_ms, struct cs_buf *url,
                 struct cs_err *err)
{
    struct cs_sigv4_signed sig;
    struct cs_buf query;
    char host[128];
    char date[CS_SIGV4_DATE_LEN + 1];
    struct cs_sigv4_req req;
    cs_rc rc;

    cs_buf_reset(url);
    if (!region_ok(region))
        return cs_err_set(err, CS_ERR_INVALID,
                          "msk iam: region \"%s\" is not a region name "
                          "(AWS_REGION)", region ? region : "");
    snprintf(host, sizeof(host), "kafka.%s.amazonaws.com", region);
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.host = host;
    req.path = "/";
    req.query = MSK_QUERY;
    req.region = region;
    req.service = CS_MSK_SERVICE;
    req.amz_date = cs_sigv4_date(now_ms, date);
    cs_sigv4_signed_init(&sig);
    cs_buf_init_secret(&query, CS_MAX_MSK_URL);
    rc = cs_sigv4_presign(&req, cr, CS_MSK_TOKEN_EXPIRES_S, NULL, &sig, &query,
                          err);
    if (rc == CS_OK) {
        rc = cs_buf_printf(url, "https://%s/?%s", host, cs_buf_str(&query));
        if (rc == CS_OK)
            rc = cs_uri_query_add(url, "User-Agent",
                                  user_agent ? user_agent : CS_MSK_USER_AGENT);
        if (rc != CS_OK)
            cs_err_set(err, rc, "msk iam: token URL too long");
    }
    if (rc != CS_OK)
        cs_buf_reset(url);
    cs_buf_free(&query);
    cs_sigv4_signed_free(&sig);
    return rc;
}

/* base64url without padding (RFC 4648 section 5). */
static cs_rc base64url(const unsigned char *p, size_t n, struct cs_buf *out)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char q[4];
    cs_rc rc = CS_OK;

    for (size_t i = 0; rc == CS_OK && i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        size_t k = n - i >= 3 ? 4 : n - i + 1;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        q[0] = a[(v >> 18) & 63];
        q[1] = a[(v >> 12) & 63];
        q[2] = a[(v >> 6) & 63];
        q[3] = a[v & 63];
        rc = cs_buf_append(out, q, k);
    }
    cs_memzero(q, sizeof(q));
    return rc;
}

cs_rc cs_msk_token(const struct cs_sigv4_creds *cr, const char *region,
                   const char *user_agent, int64_t now_ms,
                   struct cs_buf *token, int64_t *expiry_ms,
                   struct cs_err *err)
{
    struct cs_buf url;
    cs_rc rc;

    cs_buf_reset(token);
    cs_buf_init_secret(&url, CS_MAX_MSK_URL);
    rc = cs_msk_url(cr, region, user_agent, now_ms, &url, err);
    if (rc == CS_OK) {
        rc = base64url((const unsigned char *)url.ptr, url.len, token);
        if (rc != CS_OK) {
            cs_err_set(err, rc, "msk iam: token too long");
            cs_buf_reset(token);
        }
    }
    if (rc == CS_OK)
        *expiry_ms = now_ms / 1000 * 1000 + CS_MSK_TOKEN_EXPIRES_S * 1000LL;
    cs_buf_free(&url);
    return rc;
}
