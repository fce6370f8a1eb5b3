#include "aws/creds.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/secret.h"

#define AKID_MAX 128

struct cs_aws_creds_s {
    atomic_int refs;
    char access_key_id[AKID_MAX];
    char *secret;   /* secret memory */
    char *token;    /* secret memory; NULL when none */
    int64_t expiration_ms;
    enum cs_aws_creds_source source;
};

cs_aws_creds_t *cs_aws_creds_new(const char *access_key_id,
                                 const char *secret_access_key,
                                 const char *session_token,
                                 int64_t expiration_ms,
                                 enum cs_aws_creds_source source,
                                 struct cs_err *err)
{
    cs_aws_creds_t *c;

    if (access_key_id == NULL || access_key_id[0] == '\0' ||
        secret_access_key == NULL || secret_access_key[0] == '\0') {
        cs_err_set(err, CS_ERR_INVALID,
                   "credentials: access key id and secret access key are "
                   "required");
        return NULL;
    }
    if (strlen(access_key_id) >= AKID_MAX) {
        cs_err_set(err, CS_ERR_INVALID, "credentials: access key id too long");
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        goto nomem;
    atomic_init(&c->refs, 1);
    strcpy(c->access_key_id, access_key_id);
    c->secret = cs_secret_strdup(secret_access_key);
    if (c->secret == NULL)
        goto nomem;
    if (session_token && session_token[0] &&
        (c->token = cs_secret_strdup(session_token)) == NULL)
        goto nomem;
    c->expiration_ms = expiration_ms;
    c->source = source;
    return c;
nomem:
    cs_aws_creds_unref(c);
    cs_err_set(err, CS_ERR_NOMEM, "credentials: out of memory");
    return NULL;
}

cs_aws_creds_t *cs_aws_creds_ref(cs_aws_creds_t *c)
{
    if (c)
        atomic_fetch_add(&c->refs, 1);
    return c;
}

void cs_aws_creds_unref(cs_aws_creds_t *c)
{
    if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    cs_secret_strfree(c->secret);
    cs_secret_strfree(c->token);
    cs_memzero(c, sizeof(*c));
    free(c);
}

const char *cs_aws_creds_access_key_id(const cs_aws_creds_t *c)
{
    return c->access_key_id;
}

int64_t cs_aws_creds_expiration_ms(const cs_aws_creds_t *c)
{
    return c->expiration_ms;
}

int cs_aws_creds_temporary(const cs_aws_creds_t *c)
{
    return c->token != NULL;
}

enum cs_aws_creds_source cs_aws_creds_source(const cs_aws_creds_t *c)
{
    return c->source;
}

const char *cs_aws_creds_source_name(enum cs_aws_creds_source s)
{
    switch (s) {
    case CS_AWS_SRC_ENV: return "env";
    case CS_AWS_SRC_PROFILE: return "profile";
    case CS_AWS_SRC_PROCESS: return "process";
    case CS_AWS_SRC_WEB_IDENTITY: return "web_identity";
    case CS_AWS_SRC_CONTAINER: return "container";
    case CS_AWS_SRC_IMDS: return "imds";
    case CS_AWS_SRC_ASSUME_ROLE: return "assume_role";
    case CS_AWS_SRC_STATIC: return "static";
    }
    return "unknown";
}

void cs_aws_creds_sign_view(const cs_aws_creds_t *c, struct cs_sigv4_creds *v)
{
    v->access_key_id = c->access_key_id;
    v->secret_access_key = c->secret;
    v->session_token = c->token;
}
