/* clock.h: monotonic and wall clocks, RFC 3339 formatting. */
#ifndef CS_UTIL_CLOCK_H
#define CS_UTIL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic time (CLOCK_MONOTONIC) for durations and timeouts. Cannot fail. */
int64_t cs_mono_ms(void);
int64_t cs_mono_us(void);

/* Wall-clock Unix time in milliseconds, for timestamps that leave the
 * process. Cannot fail. */
int64_t cs_wall_ms(void);

/* Formats Unix ms as RFC 3339 UTC, e.g. "2026-11-25T22:00:00Z" (with_ms
 * = 0) or "2026-11-25T22:00:00.123Z" (with_ms = 1), into out (at least
 * CS_RFC3339_MAX bytes). Returns out. Cannot fail. */
#define CS_RFC3339_MAX 32
char *cs_rfc3339(int64_t unix_ms, int with_ms, char *out, size_t outlen);

/* Parses RFC 3339 / ISO 8601 UTC ("2026-11-25T22:00:00Z", optional
 * fractional seconds, "+00:00" or "Z") into Unix ms. Returns 0 on success,
 * -1 when s is not such a timestamp. */
int cs_parse_rfc3339(const char *s, int64_t *unix_ms);

/* Sleeps for ms milliseconds (restarting after signals unless *stop is
 * set; stop may be NULL). Cannot fail. */
void cs_sleep_ms(int64_t ms, const volatile int *stop);

#endif
