/* provider.h: the base credential provider chain, in the order the AWS
 * SDKs document (see docs/aws.md for every variable):
 *
 *   1. env           AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *   2. profile       AWS_PROFILE (default "default") in
 *                    AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and
 *                    AWS_CONFIG_FILE (~/.aws/config, "[profile x]"):
 *                    static keys, credential_process, or role_arn with
 *                    web_identity_token_file
 *   3. web identity  AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *                    (AssumeRoleWithWebIdentity, unsigned)
 *   4. container     AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
 *                    169.254.170.2) or _FULL_URI, with
 *                    AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]
 *   5. imds          EC2 IMDSv2 at AWS_EC2_METADATA_SERVICE_ENDPOINT
 *                    (169.254.169.254) unless AWS_EC2_METADATA_DISABLED=true
 *
 * A provider that is not configured is skipped; one that is configured but
 * fails ends the chain with its error (as the SDKs do), so a broken setup
 * is reported rather than silently replaced by another identity. IMDS
 * that does not answer counts as not configured.
 */
#ifndef CS_AWS_PROVIDER_H
#define CS_AWS_PROVIDER_H

#include <stddef.h>

#include "aws/creds.h"
#include "util/err.h"

typedef struct cs_aws_chain_s cs_aws_chain_t;
struct cs_aws_client_s;

#define CS_AWS_DETAIL_MAX 256

/* Snapshots the chain's environment variables (secrets into secret
 * memory). CS_ERR_INVALID for a malformed value (named in err). Returns
 * NULL on error. Caller frees with cs_aws_chain_destroy. */
cs_aws_chain_t *cs_aws_chain_new(struct cs_err *err);

/* Frees c, zeroing the secrets it copied. NULL is a no-op. */
void cs_aws_chain_destroy(cs_aws_chain_t *c);

/* Runs the chain with cl's HTTP client. On success *out holds a reference
 * (caller releases with cs_aws_creds_unref) and detail (may be NULL)
 * says which provider and where, e.g. "profile 'dev' (/home/u/.aws/
 * credentials)". CS_ERR_NOTFOUND when no provider is configured (err lists
 * them); the failing provider's code and message otherwise. */
cs_rc cs_aws_chain_resolve(cs_aws_chain_t *c, struct cs_aws_client_s *cl,
                           cs_aws_creds_t **out, char *detail,
                           size_t detail_len, struct cs_err *err);

#endif
