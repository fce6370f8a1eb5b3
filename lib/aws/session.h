/* session.h: the credential cache behind cs_aws_base_creds and
 * cs_aws_assume (declared in aws.h): entries keyed by what identifies a
 * session, each fetched by one thread at a time while the others wait
 * (single-flight), refreshed CS_AWS_REFRESH_BEFORE_S before expiry, with
 * AccessDenied remembered for CS_AWS_DENIED_TTL_S. Internal to lib/aws.
 */
#ifndef CS_AWS_SESSION_H
#define CS_AWS_SESSION_H

struct cs_aws_session_cache;

/* An empty cache. Returns NULL when out of memory. Caller frees with
 * cs_aws_sessions_destroy. */
struct cs_aws_session_cache *cs_aws_sessions_new(void);

/* Frees the cache, dropping its references to credentials. NULL is a
 * no-op. No thread may be inside it. */
void cs_aws_sessions_destroy(struct cs_aws_session_cache *c);

#endif
