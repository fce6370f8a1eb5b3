/* msk.h: the Amazon MSK IAM authentication token, built as AWS's
 * aws-msk-iam-sasl-signer libraries build it.
 *
 * The token is a SigV4 presigned URL (cs_sigv4_presign, botocore's
 * SigV4QueryAuth) for
 *   GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect
 * signed for the service "kafka-cluster" with X-Amz-Expires=900, to which
 * "&User-Agent=<agent>" is appended after signing; the whole URL,
 * base64url-encoded without padding, is the SASL/OAUTHBEARER token.
 * The token carries the session token and a signature: it is a secret.
 */
#ifndef CS_AWS_MSK_H
#define CS_AWS_MSK_H

#include <stdint.h>

#include "aws/sigv4.h"
#include "util/buf.h"
#include "util/err.h"

#define CS_MSK_SERVICE "kafka-cluster"
#define CS_MSK_TOKEN_EXPIRES_S 900
#define CS_MSK_USER_AGENT "cellscan/0.1"
#define CS_MAX_MSK_URL (16 * 1024)
#define CS_MAX_MSK_TOKEN (CS_MAX_MSK_URL * 4 / 3 + 4)

/* Builds the presigned URL for region with cr (borrowed), signed at
 * now_ms (Unix ms, UTC), with user_agent (NULL = CS_MSK_USER_AGENT;
 * encoded) appended, into url (reset first; should be a secret buffer).
 * Errors: CS_ERR_INVALID for an empty or malformed region (named in err;
 * secrets never are) or missing credentials; those of cs_sigv4_presign. */
cs_rc cs_msk_url(const struct cs_sigv4_creds *cr, const char *region,
                 const char *user_agent, int64_t now_ms, struct cs_buf *url,
                 struct cs_err *err);

/* Builds the token: cs_msk_url, base64url-encoded without '=' padding,
 * into token (reset first; initialise it with cs_buf_init_secret, max
 * at least CS_MAX_MSK_TOKEN). *expiry_ms is now_ms + 900 s, the lifetime
 * librdkafka gets. Errors as cs_msk_url, CS_ERR_LIMIT when token is too
 * small. On error token is empty. */
cs_rc cs_msk_token(const struct cs_sigv4_creds *cr, const char *region,
                   const char *user_agent, int64_t now_ms,
                   struct cs_buf *token, int64_t *expiry_ms,
                   struct cs_err *err);

#endif
