#include "aws/sts.h"

#include <stdio.h>
#include <string.h>

#include "aws/context.h"
#include "aws/xml.h"
#include "util/clock.h"
#include "util/secret.h"

#define STS_SESSION_NAME_MAX 64

enum { C_AKID, C_SECRET, C_TOKEN, C_EXPIRATION, I_ACCOUNT, I_ARN, I_USER };

struct cred_parse {
    char *akid, *secret, *token; /* secret memory */
    char expiration[64];
};

static cs_rc on_cred(void *ud, int id, enum cs_xml_event ev, const char *text,
                     size_t len, struct cs_err *err)
{
    struct cred_parse *c = ud;
    char **slot = id == C_AKID ? &c->akid : id == C_SECRET ? &c->secret
                                         : id == C_TOKEN ? &c->token : NULL;

    (void)ev;
    if (id == C_EXPIRATION) {
        snprintf(c->expiration, sizeof(c->expiration), "%.*s", (int)len, text);
        return CS_OK;
    }
    if (slot == NULL || *slot != NULL)
        return CS_OK;
    *slot = cs_secret_strndup(text, len);
    return *slot ? CS_OK : cs_err_set(err, CS_ERR_NOMEM, "STS: out of memory");
}

cs_rc cs_aws_sts_parse_credentials(const char *body, size_t len,
                                   enum cs_aws_creds_source src,
                                   cs_aws_creds_t **out, struct cs_err *err)
{
    static const struct cs_xml_rule rules[] = {
        {"*/*/Credentials/AccessKeyId", C_AKID, CS_XML_TEXT},
        {"*/*/Credentials/SecretAccessKey", C_SECRET, CS_XML_TEXT},
        {"*/*/Credentials/SessionToken", C_TOKEN, CS_XML_TEXT},
        {"*/*/Credentials/Expiration", C_EXPIRATION, CS_XML_TEXT},
    };
    struct cred_parse c = {NULL, NULL, NULL, {0}};
    int64_t exp_ms = 0;
    const char *missing = NULL;
    cs_rc rc;

    *out = NULL;
    rc = cs_xml_parse(rules, 4, on_cred, &c, body, len, err);
    if (rc != CS_OK) {
        cs_err_prefix(err, "STS answer");
        goto cleanup;
    }
    if (c.akid == NULL || !c.akid[0])
        missing = "AccessKeyId";
    else if (c.secret == NULL || !c.secret[0])
        missing = "SecretAccessKey";
    else if (c.token == NULL || !c.token[0])
        missing = "SessionToken";
    else if (cs_parse_rfc3339(c.expiration, &exp_ms) != 0)
        missing = "Expiration (an ISO 8601 time)";
    if (missing) {
        rc = cs_err_set(err, CS_ERR_PARSE, "STS answer has no Credentials/%s",
                        missing);
        goto cleanup;
    }
    *out = cs_aws_creds_new(c.akid, c.secret, c.token, exp_ms, src, err);
    rc = *out ? CS_OK : (err ? err->code : CS_ERR_NOMEM);
cleanup:
    cs_secret_strfree(c.akid);
    cs_secret_strfree(c.secret);
    cs_secret_strfree(c.token);
    return rc;
}

static cs_rc on_identity(void *ud, int id, enum cs_xml_event ev,
                         const char *text, size_t len, struct cs_err *err)
{
    struct cs_aws_identity *i = ud;

    (void)ev;
    (void)err;
    if (id == I_ACCOUNT)
        snprintf(i->account, sizeof(i->account), "%.*s", (int)len, text);
    else if (id == I_ARN)
        snprintf(i->arn, sizeof(i->arn), "%.*s", (int)len, text);
    else if (id == I_USER)
        snprintf(i->user_id, sizeof(i->user_id), "%.*s", (int)len, text);
    return CS_OK;
}

cs_rc cs_aws_sts_parse_identity(const char *body, size_t len,
                                struct cs_aws_identity *id, struct cs_err *err)
{
    static const struct cs_xml_rule rules[] = {
        {"GetCallerIdentityResponse/GetCallerIdentityResult/Account", I_ACCOUNT, CS_XML_TEXT},
        {"GetCallerIdentityResponse/GetCallerIdentityResult/Arn", I_ARN, CS_XML_TEXT},
        {"GetCallerIdentityResponse/GetCallerIdentityResult/UserId", I_USER, CS_XML_TEXT},
    };
    cs_rc rc;

    memset(id, 0, sizeof(*id));
    rc = cs_xml_parse(rules, 3, on_identity, id, body, len, err);
    if (rc != CS_OK) {
        cs_err_prefix(err, "GetCallerIdentity answer");
        return rc;
    }
    if (id->account[0] == '\0' || id->arn[0] == '\0')
        return cs_err_set(err, CS_ERR_PARSE,
                          "GetCallerIdentity answer has no Account or Arn");
    return CS_OK;
}

char *cs_aws_session_name(const char *tag, long long unix_s, char *out)
{
    char buf[256];
    size_t n;

    snprintf(buf, sizeof(buf), "cellscan-%s-%lld", tag && tag[0] ? tag : "x",
             unix_s);
    n = strlen(buf);
    if (n > STS_SESSION_NAME_MAX)
        n = STS_SESSION_NAME_MAX;
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || strchr("_+=,.@-", c);
        out[i] = ok ? c : '-';
    }
    out[n] = '\0';
    return out;
}

/* An STS call whose answer holds credentials: the body buffer is secret. */
static cs_rc sts_credentials_call(cs_aws_client_t *cl,
                                  const cs_aws_creds_t *caller, unsigned flags,
                                  const struct cs_aws_req *req,
                                  enum cs_aws_creds_source src,
                                  cs_aws_creds_t **out,
                                  struct cs_aws_stats *stats,
                                  struct cs_aws_error *aerr, struct cs_err *err)
{
    struct cs_aws_resp resp = CS_AWS_RESP_INIT;
    cs_rc rc;

    *out = NULL;
    cs_buf_init_secret(&resp.body, CS_AWS_MAX_BODY);
    rc = cs_aws_call_flags(cl, caller, req, flags, &resp, stats, aerr, err);
    if (rc == CS_OK)
        rc = cs_aws_sts_parse_credentials(resp.body.ptr, resp.body.len, src,
                                          out, err);
    cs_aws_resp_free(&resp);
    return rc;
}

cs_rc cs_aws_sts_assume_role(cs_aws_client_t *cl, const cs_aws_creds_t *caller,
                             const char *region, const char *role_arn,
                             const char *session_name, const char *external_id,
                             int duration_s, cs_aws_creds_t **out,
                             struct cs_aws_stats *stats,
                             struct cs_aws_error *aerr, struct cs_err *err)
{
    char duration[16];
    struct cs_aws_param p[4] = {
        {"RoleArn", role_arn},
        {"RoleSessionName", session_name},
        {"DurationSeconds", duration},
        {"ExternalId", external_id},
    };
    struct cs_aws_req req = {
        .service = "sts", .operation = "AssumeRole", .region = region,
        .params = p, .nparams = external_id && external_id[0] ? 4 : 3,
    };

    snprintf(duration, sizeof(duration), "%d", duration_s);
    return sts_credentials_call(cl, caller, 0, &req, CS_AWS_SRC_ASSUME_ROLE,
                                out, stats, aerr, err);
}

cs_rc cs_aws_sts_web_identity(cs_aws_client_t *cl, const char *region,
                              const char *role_arn, const char *session_name,
                              const char *token, cs_aws_creds_t **out,
                              struct cs_aws_stats *stats,
                              struct cs_aws_error *aerr, struct cs_err *err)
{
    struct cs_aws_param p[3] = {
        {"RoleArn", role_arn},
        {"RoleSessionName", session_name},
        {"WebIdentityToken", token},
    };
    struct cs_aws_req req = {
        .service = "sts", .operation = "AssumeRoleWithWebIdentity",
        .region = region, .params = p, .nparams = 3,
    };

    return sts_credentials_call(cl, NULL, CS_AWS_CALL_UNSIGNED, &req,
                                CS_AWS_SRC_WEB_IDENTITY, out, stats, aerr, err);
}

cs_rc cs_aws_caller_identity(cs_aws_client_t *cl, const cs_aws_creds_t *creds,
                             const char *region, struct cs_aws_identity *id,
                             struct cs_aws_stats *stats,
                             struct cs_aws_error *aerr, struct cs_err *err)
{
    struct cs_aws_req req = {
        .service = "sts", .operation = "GetCallerIdentity", .region = region,
    };
    struct cs_aws_resp resp = CS_AWS_RESP_INIT;
    cs_rc rc;

    rc = cs_aws_call(cl, creds, &req, &resp, stats, aerr, err);
    if (rc == CS_OK)
        rc = cs_aws_sts_parse_identity(resp.body.ptr, resp.body.len, id, err);
    cs_aws_resp_free(&resp);
    return rc;
}
