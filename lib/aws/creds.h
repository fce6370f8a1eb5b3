/* creds.h: one set of AWS credentials, shared by reference count.
 *
 * The secret access key and the session token live in secret memory
 * (util/secret.h) and are reachable only through cs_aws_creds_sign_view,
 * which the signer uses; nothing else in cellscan reads them, and no
 * function here ever formats them into a message. A handle is immutable
 * after creation, so any number of threads may sign with it at once.
 */
#ifndef CS_AWS_CREDS_H
#define CS_AWS_CREDS_H

#include <stdint.h>

#include "aws/sigv4.h"
#include "util/err.h"

typedef struct cs_aws_creds_s cs_aws_creds_t;

/* Where credentials came from (cs_aws_creds_source names them). */
enum cs_aws_creds_source {
    CS_AWS_SRC_ENV,          /* AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY */
    CS_AWS_SRC_PROFILE,      /* shared credentials/config file keys */
    CS_AWS_SRC_PROCESS,      /* credential_process of a profile */
    CS_AWS_SRC_WEB_IDENTITY, /* AssumeRoleWithWebIdentity */
    CS_AWS_SRC_CONTAINER,    /* ECS/EKS container credentials endpoint */
    CS_AWS_SRC_IMDS,         /* EC2 instance metadata (IMDSv2) */
    CS_AWS_SRC_ASSUME_ROLE,  /* sts:AssumeRole into a scanned account */
    CS_AWS_SRC_STATIC        /* given by a program or test */
};

/* Creates credentials with one reference. token may be NULL or "";
 * expiration_ms is Unix ms, 0 for credentials that never expire. The
 * strings are copied (secrets into secret memory). CS_ERR_INVALID when
 * the key id or secret is empty. Returns NULL on error. Caller releases
 * with cs_aws_creds_unref. */
cs_aws_creds_t *cs_aws_creds_new(const char *access_key_id,
                                 const char *secret_access_key,
                                 const char *session_token,
                                 int64_t expiration_ms,
                                 enum cs_aws_creds_source source,
                                 struct cs_err *err);

/* Adds a reference and returns c (NULL gives NULL). Thread-safe. Cannot
 * fail. */
cs_aws_creds_t *cs_aws_creds_ref(cs_aws_creds_t *c);

/* Drops a reference; the last one zeroes and frees the secrets. NULL is a
 * no-op. Thread-safe. */
void cs_aws_creds_unref(cs_aws_creds_t *c);

/* Access key id (not a secret). Borrowed: valid while c is referenced.
 * Cannot fail. */
const char *cs_aws_creds_access_key_id(const cs_aws_creds_t *c);

/* Expiration in Unix ms; 0 when the credentials do not expire. Cannot
 * fail. */
int64_t cs_aws_creds_expiration_ms(const cs_aws_creds_t *c);

/* 1 when there is a session token (temporary credentials). Cannot fail. */
int cs_aws_creds_temporary(const cs_aws_creds_t *c);

/* Where c came from. Cannot fail. */
enum cs_aws_creds_source cs_aws_creds_source(const cs_aws_creds_t *c);

/* "env", "profile", "process", "web_identity", "container", "imds",
 * "assume_role", "static". Cannot fail. */
const char *cs_aws_creds_source_name(enum cs_aws_creds_source s);

/* Fills v with borrowed pointers for the signer (secrets included).
 * Borrowed: valid while c is referenced. Only lib/aws's request path calls
 * this. Cannot fail. */
void cs_aws_creds_sign_view(const cs_aws_creds_t *c,
                            struct cs_sigv4_creds *v);

#endif
