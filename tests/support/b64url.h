/* b64url.h: decoding of unpadded base64url (RFC 4648 section 5), for tests
 * that check tokens the code under test encodes. */
#ifndef CS_TEST_B64URL_H
#define CS_TEST_B64URL_H

#include <stddef.h>

/* Decodes the n characters at s. Returns a NUL-terminated copy of the
 * bytes (caller frees), or NULL when s holds a character outside the
 * base64url alphabet (padding included), n % 4 == 1, or memory runs out. */
char *cs_b64url_decode(const char *s, size_t n);

#endif
