/* sigv4.h: AWS Signature Version 4 (header and presigned query forms)
 * with OpenSSL.
 *
 * Signs what will be sent: the method, the path and query string as they
 * appear on the wire, the headers, the body. The rules are botocore's
 * (auth.SigV4Auth and S3SigV4Auth), which tests/unit/test_sigv4_botocore.c
 * compares byte for byte on random requests:
 *   - canonical URI: for S3 the path as sent; for every other service the
 *     path with dot segments and empty segments removed, then
 *     percent-encoded again ('/' and '~' kept), i.e. double-encoded;
 *   - canonical query: pairs split on '&' and '=', each part decoded and
 *     re-encoded, sorted by key then value ("a" becomes "a=");
 *   - canonical headers: names lower-cased, values trimmed with inner
 *     whitespace runs collapsed to one space, repeated names joined with
 *     ',' in the order given; user-agent, expect and x-amzn-trace-id are
 *     not signed; a Host header is taken from req->host when not given;
 *   - the signer adds x-amz-date, x-amz-security-token (when there is a
 *     session token) and, for S3, x-amz-content-sha256 to what it signs:
 *     the caller must send exactly those headers with those values.
 */
#ifndef CS_AWS_SIGV4_H
#define CS_AWS_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define CS_SIGV4_DATE_LEN 16   /* "20150830T123600Z" */
#define CS_SHA256_HEX_LEN 64
#define CS_MAX_SIGV4_CANON (256 * 1024)
#define CS_MAX_SIGV4_AUTH 4096

struct cs_sigv4_header {
    const char *name;
    const char *value;
};

struct cs_sigv4_req {
    const char *method;   /* "GET", "POST", ... (upper-cased when signed) */
    const char *host;     /* Host value when headers has none: "host[:port]" */
    const char *path;     /* as sent, e.g. "/2017-03-31/tags/arn%3Aaws%3A..."; NULL or "" = "/" */
    const char *query;    /* as sent, without '?'; NULL or "" = none */
    const struct cs_sigv4_header *headers;
    size_t nheaders;
    const void *body;     /* may be NULL when body_len is 0 */
    size_t body_len;
    const char *region;   /* credential scope region */
    const char *service;  /* credential scope service (the signing name) */
    const char *amz_date; /* "YYYYMMDDTHHMMSSZ", UTC */
    int s3;               /* S3 rules (see above) */
};

/* Borrowed for the duration of one signing. */
struct cs_sigv4_creds {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" = none */
};

/* The result, reused from one signing to the next. canonical holds the
 * session token, so it is a secret buffer (zeroed when freed). */
struct cs_sigv4_signed {
    struct cs_buf authorization;  /* value of the Authorization header */
    char payload_hash[CS_SHA256_HEX_LEN + 1]; /* hex SHA-256 of the body */
    struct cs_buf canonical;      /* the canonical request */
    struct cs_buf string_to_sign;
};

/* Initialises out empty. Cannot fail. */
void cs_sigv4_signed_init(struct cs_sigv4_signed *out);

/* Frees the buffers of out. NULL is a no-op. */
void cs_sigv4_signed_free(struct cs_sigv4_signed *out);

/* Caches derived signing keys per (access key, date, region, service) so
 * a thread signs a stream of requests with one HMAC chain per day. Not
 * thread-safe: one per thread (cs_aws_client_t has one). Keys live in
 * secret memory. Returns NULL when out of memory. Caller frees with
 * cs_sigv4_cache_destroy. */
typedef struct cs_sigv4_cache_s cs_sigv4_cache_t;
cs_sigv4_cache_t *cs_sigv4_cache_new(void);

/* Zeroes and frees the cache. NULL is a no-op. */
void cs_sigv4_cache_destroy(cs_sigv4_cache_t *c);

/* Signs req with cr, writing the Authorization value and the payload
 * hash into out (which the caller initialised; previous contents are
 * replaced). cache may be NULL. CS_ERR_INVALID when a required field is
 * missing or malformed (named in err, never with a secret);
 * CS_ERR_LIMIT/NOMEM from buffers; CS_ERR_INTERNAL when OpenSSL fails. */
cs_rc cs_sigv4_sign(const struct cs_sigv4_req *req,
                    const struct cs_sigv4_creds *cr, cs_sigv4_cache_t *cache,
                    struct cs_sigv4_signed *out, struct cs_err *err);

/* Presigns req in the query-string form (botocore's SigV4QueryAuth, as
 * used by presigned URLs and the MSK IAM token): only the headers given
 * and host are signed (no x-amz-date or token header), and the query
 * signed and to be sent is req->query as given (already encoded; may be
 * empty) followed by X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
 * X-Amz-Expires (expires_s, 1..604800), X-Amz-SignedHeaders and, when cr
 * has a session token, X-Amz-Security-Token, each encoded, in that order.
 * On success query (reset first) holds that string plus
 * "&X-Amz-Signature=<hex>": append it to "https://host/path?". It holds
 * the session token: initialise it with cs_buf_init_secret. out receives
 * the canonical request and string to sign (authorization stays empty).
 * Errors as cs_sigv4_sign, plus CS_ERR_INVALID for expires_s; on error
 * query is empty. */
cs_rc cs_sigv4_presign(const struct cs_sigv4_req *req,
                       const struct cs_sigv4_creds *cr, int expires_s,
                       cs_sigv4_cache_t *cache, struct cs_sigv4_signed *out,
                       struct cs_buf *query, struct cs_err *err);

/* Formats Unix time ms as an x-amz-date value into out (at least
 * CS_SIGV4_DATE_LEN + 1 bytes). Returns out. Cannot fail. */
char *cs_sigv4_date(int64_t unix_ms, char *out);

/* Hex SHA-256 of n bytes into hex (CS_SHA256_HEX_LEN + 1 bytes). Returns
 * CS_OK or CS_ERR_INTERNAL (OpenSSL failure). */
cs_rc cs_sha256_hex(const void *p, size_t n, char *hex);

#endif
