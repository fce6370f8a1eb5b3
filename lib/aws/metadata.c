#include "aws/metadata.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "aws/context.h"
#include "util/clock.h"
#include "util/secret.h"

#define IMDS_TOKEN_TTL "21600"
#define IMDS_CREDS_PATH "/latest/meta-data/iam/security-credentials/"
#define MAX_CRED_DOC (64 * 1024)

cs_rc cs_aws_parse_credential_json(const char *body, size_t len,
                                   enum cs_aws_creds_source src,
                                   int optional_expiry, cs_aws_creds_t **out,
                                   struct cs_err *err)
{
    json_error_t je;
    json_t *j = NULL, *version;
    const char *akid, *secret, *token, *exp, *code;
    int64_t exp_ms = 0;
    cs_rc rc = CS_OK;

    *out = NULL;
    if (len > MAX_CRED_DOC)
        return cs_err_set(err, CS_ERR_LIMIT, "credential document too large");
    j = json_loadb(body ? body : "", len, 0, &je);
    if (!json_is_object(j)) {
        rc = cs_err_set(err, CS_ERR_PARSE,
                        "credential document is not a JSON object%s%s",
                        j ? "" : ": ", j ? "" : je.text);
        goto cleanup;
    }
    code = json_string_value(json_object_get(j, "Code"));
    version = json_object_get(j, "Version");
    if (code && strcmp(code, "Success") != 0) {
        rc = cs_err_set(err, CS_ERR_PARSE, "credential document Code is %.60s",
                        code);
        goto cleanup;
    }
    if (src == CS_AWS_SRC_PROCESS && json_integer_value(version) != 1) {
        rc = cs_err_set(err, CS_ERR_PARSE,
                        "credential_process output needs \"Version\": 1");
        goto cleanup;
    }
    akid = json_string_value(json_object_get(j, "AccessKeyId"));
    secret = json_string_value(json_object_get(j, "SecretAccessKey"));
    token = json_string_value(json_object_get(j, "Token"));
    if (token == NULL)
        token = json_string_value(json_object_get(j, "SessionToken"));
    exp = json_string_value(json_object_get(j, "Expiration"));
    if (akid == NULL || secret == NULL) {
        rc = cs_err_set(err, CS_ERR_PARSE,
                        "credential document has no AccessKeyId or "
                        "SecretAccessKey");
        goto cleanup;
    }
    if (exp ? cs_parse_rfc3339(exp, &exp_ms) != 0 : !optional_expiry) {
        rc = cs_err_set(err, CS_ERR_PARSE,
                        "credential document has no valid Expiration");
        goto cleanup;
    }
    *out = cs_aws_creds_new(akid, secret, token, exp_ms, src, err);
    if (*out == NULL)
        rc = err ? err->code : CS_ERR_NOMEM;
cleanup:
    json_decref(j);
    return rc;
}

/* One GET or PUT to a credential endpoint; the answer goes to body. */
static cs_rc fetch(cs_aws_client_t *cl, const char *method, const char *url,
                   const char *const *headers, long timeout_ms, int attempts,
                   struct cs_buf *body, long *status, struct cs_err *err)
{
    struct cs_http_resp hr = {.body = body};
    struct cs_http_req r = {method, url, headers, NULL, 0, timeout_ms,
                            timeout_ms};
    cs_rc rc = CS_ERR_INTERNAL;

    for (int i = 0; i < (attempts > 0 ? attempts : 1); i++) {
        rc = cs_http_perform(cl->http, &r, &hr, err);
        if (rc == CS_OK && hr.status < 500)
            break;
    }
    *status = hr.status;
    return rc;
}

cs_rc cs_aws_container_creds(cs_aws_client_t *cl, const char *url,
                             const char *auth, long timeout_ms, int attempts,
                             cs_aws_creds_t **out, struct cs_err *err)
{
    struct cs_buf body, hdr;
    const char *headers[2] = {NULL, NULL};
    long status = 0;
    cs_rc rc = CS_OK;

    *out = NULL;
    cs_buf_init_secret(&body, MAX_CRED_DOC);
    cs_buf_init_secret(&hdr, 8192);
    if (auth && auth[0]) {
        rc = cs_buf_printf(&hdr, "Authorization: %s", auth);
        headers[0] = cs_buf_str(&hdr);
    }
    if (rc == CS_OK)
        rc = fetch(cl, "GET", url, headers, timeout_ms, attempts, &body,
                   &status, err);
    if (rc == CS_OK && status != 200)
        rc = cs_err_set(err, CS_ERR_AWS,
                        "container credentials endpoint answered HTTP %ld",
                        status);
    else if (rc == CS_OK)
        rc = cs_aws_parse_credential_json(body.ptr, body.len,
                                          CS_AWS_SRC_CONTAINER, 0, out, err);
    cs_buf_free(&body);
    cs_buf_free(&hdr);
    return rc;
}

cs_rc cs_aws_imds_creds(cs_aws_client_t *cl, const char *endpoint,
                        long timeout_ms, int attempts, cs_aws_creds_t **out,
                        struct cs_err *err)
{
    struct cs_buf body, hdr, url = CS_BUF_INIT(4096);
    const char *headers[2] = {NULL, NULL};
    const char *ttl_hdr[2] = {"X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL,
                              NULL};
    char role[256];
    long status = 0;
    cs_rc rc;

    *out = NULL;
    cs_buf_init_secret(&body, MAX_CRED_DOC);
    cs_buf_init_secret(&hdr, 4096);
    rc = cs_buf_printf(&url, "%s/latest/api/token", endpoint);
    if (rc == CS_OK)
        rc = fetch(cl, "PUT", cs_buf_str(&url), ttl_hdr, timeout_ms, attempts,
                   &body, &status, err);
    if (rc == CS_ERR_TIMEOUT || rc == CS_ERR_UNAVAILABLE) {
        rc = cs_err_set(err, CS_ERR_NOTFOUND, "no answer from %.80s",
                        endpoint);
        goto cleanup;
    }
    if (rc == CS_OK && status != 200) {
        rc = cs_err_set(err, CS_ERR_NOTFOUND,
                        "IMDSv2 token refused (HTTP %ld)", status);
        goto cleanup;
    }
    if (rc == CS_OK)
        rc = cs_buf_printf(&hdr, "X-aws-ec2-metadata-token: %s",
                           cs_buf_str(&body));
    headers[0] = cs_buf_str(&hdr);
    cs_buf_reset(&url);
    if (rc == CS_OK)
        rc = cs_buf_printf(&url, "%s" IMDS_CREDS_PATH, endpoint);
    if (rc == CS_OK)
        rc = fetch(cl, "GET", cs_buf_str(&url), headers, timeout_ms, attempts,
                   &body, &status, err);
    if (rc == CS_OK && status == 404) {
        rc = cs_err_set(err, CS_ERR_NOTFOUND, "the instance has no IAM role");
        goto cleanup;
    }
    if (rc == CS_OK && (status != 200 || body.len == 0)) {
        rc = cs_err_set(err, CS_ERR_AWS, "IMDS role list: HTTP %ld", status);
        goto cleanup;
    }
    if (rc != CS_OK)
        goto cleanup;
    /* the first line names the role */
    snprintf(role, sizeof(role), "%.*s", (int)strcspn(body.ptr, "\r\n"),
             body.ptr);
    cs_buf_reset(&url);
    rc = cs_buf_printf(&url, "%s" IMDS_CREDS_PATH "%s", endpoint, role);
    if (rc == CS_OK)
        rc = fetch(cl, "GET", cs_buf_str(&url), headers, timeout_ms, attempts,
                   &body, &status, err);
    if (rc == CS_OK && status != 200)
        rc = cs_err_set(err, CS_ERR_AWS, "IMDS credentials of role %.100s: "
                        "HTTP %ld", role, status);
    else if (rc == CS_OK)
        rc = cs_aws_parse_credential_json(body.ptr, body.len, CS_AWS_SRC_IMDS,
                                          0, out, err);
cleanup:
    cs_buf_free(&body);
    cs_buf_free(&hdr);
    cs_buf_free(&url);
    return rc;
}
