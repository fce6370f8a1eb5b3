#include "b64url.h"

#include <stdlib.h>

static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

char *cs_b64url_decode(const char *s, size_t n)
{
    char *out;
    unsigned acc = 0;
    size_t o = 0;
    int bits = 0;

    if (n % 4 == 1 || (out = malloc(n + 1)) == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_value(s[i]);

        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(acc >> bits & 0xff);
        }
    }
    out[o] = '\0';
    return out;
}
