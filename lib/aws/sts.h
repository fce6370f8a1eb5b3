/* sts.h: the STS calls of the access layer and the parsing of their
 * answers: AssumeRole (from given credentials), AssumeRoleWithWebIdentity
 * (unsigned), GetCallerIdentity.
 */
#ifndef CS_AWS_STS_H
#define CS_AWS_STS_H

#include <stddef.h>

#include "aws/aws.h"

struct cs_aws_identity {
    char account[CS_AWS_ACCOUNT_MAX];
    char arn[512];
    char user_id[256];
};

/* sts:AssumeRole of role_arn with caller (borrowed), in region's STS
 * endpoint. external_id NULL or "" = none; session_name as given (see
 * cs_aws_session_name). On success *out holds a reference (caller releases
 * with cs_aws_creds_unref); codes as cs_aws_call, plus CS_ERR_PARSE for an
 * answer without credentials. stats and aerr may be NULL. */
cs_rc cs_aws_sts_assume_role(cs_aws_client_t *cl, const cs_aws_creds_t *caller,
                             const char *region, const char *role_arn,
                             const char *session_name, const char *external_id,
                             int duration_s, cs_aws_creds_t **out,
                             struct cs_aws_stats *stats,
                             struct cs_aws_error *aerr, struct cs_err *err);

/* sts:AssumeRoleWithWebIdentity (unsigned, as the SDKs send it) with the
 * OIDC token (a secret: borrowed, never copied outside secret memory by
 * this layer). Same contract as cs_aws_sts_assume_role. */
cs_rc cs_aws_sts_web_identity(cs_aws_client_t *cl, const char *region,
                              const char *role_arn, const char *session_name,
                              const char *token, cs_aws_creds_t **out,
                              struct cs_aws_stats *stats,
                              struct cs_aws_error *aerr, struct cs_err *err);

/* sts:GetCallerIdentity with creds (NULL = the base credentials) into id.
 * Codes as cs_aws_call, plus CS_ERR_PARSE for a malformed answer. */
cs_rc cs_aws_caller_identity(cs_aws_client_t *cl, const cs_aws_creds_t *creds,
                             const char *region, struct cs_aws_identity *id,
                             struct cs_aws_stats *stats,
                             struct cs_aws_error *aerr, struct cs_err *err);

/* Reads the <Credentials> of an AssumeRole or AssumeRoleWithWebIdentity
 * answer (len bytes) into new credentials of source src. CS_ERR_PARSE when
 * the XML is malformed or a field is missing (named in err, never its
 * value). On success *out holds a reference. */
cs_rc cs_aws_sts_parse_credentials(const char *body, size_t len,
                                   enum cs_aws_creds_source src,
                                   cs_aws_creds_t **out, struct cs_err *err);

/* Reads a GetCallerIdentity answer into id. CS_ERR_PARSE when malformed or
 * without Account and Arn. */
cs_rc cs_aws_sts_parse_identity(const char *body, size_t len,
                                struct cs_aws_identity *id, struct cs_err *err);

/* A role session name: "cellscan-<tag>-<unix seconds>" with every
 * character outside [A-Za-z0-9_+=,.@-] replaced by '-', cut to 64
 * characters, into out (at least 65 bytes). Returns out. Cannot fail. */
char *cs_aws_session_name(const char *tag, long long unix_s, char *out);

#endif
