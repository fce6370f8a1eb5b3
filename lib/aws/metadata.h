/* metadata.h: credentials from the HTTP credential endpoints (the ECS/EKS
 * container endpoint and EC2 IMDSv2) and from credential_process output,
 * which all answer with the same flat JSON document.
 */
#ifndef CS_AWS_METADATA_H
#define CS_AWS_METADATA_H

#include <stddef.h>

#include "aws/creds.h"
#include "util/err.h"

struct cs_aws_client_s;

/* Reads a credential JSON document ({"AccessKeyId", "SecretAccessKey",
 * "Token" or "SessionToken", "Expiration", and for IMDS "Code"}) of len
 * bytes into new credentials of source src. Expiration is optional only
 * when optional_expiry is set (credential_process). CS_ERR_PARSE for
 * malformed JSON, a missing field, Code other than "Success", or a
 * credential_process "Version" other than 1 (named in err, never a value).
 * On success *out holds a reference. */
cs_rc cs_aws_parse_credential_json(const char *body, size_t len,
                                   enum cs_aws_creds_source src,
                                   int optional_expiry, cs_aws_creds_t **out,
                                   struct cs_err *err);

/* GET url with an optional Authorization value (auth, a secret: may be
 * NULL) from the container credentials endpoint, up to attempts times
 * with timeout_ms each. Codes of cs_http_perform; CS_ERR_AWS for a non-200
 * answer; CS_ERR_PARSE as above. */
cs_rc cs_aws_container_creds(struct cs_aws_client_s *cl, const char *url,
                             const char *auth, long timeout_ms, int attempts,
                             cs_aws_creds_t **out, struct cs_err *err);

/* IMDSv2 at endpoint (e.g. "http://169.254.169.254"): PUT a token, GET the
 * role name, GET its credentials. CS_ERR_NOTFOUND when IMDS does not
 * answer or the instance has no role (the chain goes on); other codes when
 * it answers badly. */
cs_rc cs_aws_imds_creds(struct cs_aws_client_s *cl, const char *endpoint,
                        long timeout_ms, int attempts, cs_aws_creds_t **out,
                        struct cs_err *err);

#endif
