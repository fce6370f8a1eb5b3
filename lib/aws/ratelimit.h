/* ratelimit.h: the adaptive retry mode's client-side rate limiter, as
 * botocore implements it (retries/adaptive.py ClientRateLimiter and
 * RateClocker, bucket.py TokenBucket, throttling.py CubicCalculator).
 *
 * Until the first throttling answer the limiter only measures the send
 * rate. After it, every request takes a token from a bucket filled at the
 * current rate; a throttling answer cuts the rate to 0.7 x the measured
 * rate, and successes grow it again along a CUBIC curve, never above twice
 * the measured rate (minimum 0.5 requests/s). One limiter serves one
 * (account, service, region); it is shared by the threads calling that
 * key and is thread-safe.
 */
#ifndef CS_AWS_RATELIMIT_H
#define CS_AWS_RATELIMIT_H

#include <stdint.h>

typedef struct cs_aws_rate_s cs_aws_rate_t;

/* Seconds as a double from a monotonic clock; tests pass their own. */
typedef double (*cs_aws_rate_clock_fn)(void *ud);

/* A limiter on the real monotonic clock (clock NULL) or on clock(ud).
 * Returns NULL when out of memory. Caller frees with cs_aws_rate_destroy. */
cs_aws_rate_t *cs_aws_rate_new(cs_aws_rate_clock_fn clock, void *ud);

/* Frees r. NULL is a no-op. No thread may be inside acquire. */
void cs_aws_rate_destroy(cs_aws_rate_t *r);

/* Before sending: when the limiter is enabled, takes one token, blocking
 * until the bucket has one. Returns the microseconds spent waiting (0 when
 * not enabled or a token was there). With a test clock it never blocks:
 * it returns the wait it would have done and advances nothing. Cannot
 * fail. */
int64_t cs_aws_rate_acquire(cs_aws_rate_t *r);

/* After every answer (or network failure): throttled says whether it was a
 * throttling error. Updates the measured rate, the CUBIC state and the
 * bucket's fill rate. Cannot fail. */
void cs_aws_rate_update(cs_aws_rate_t *r, int throttled);

struct cs_aws_rate_state {
    int enabled;          /* a throttle has been seen */
    double fill_rate;     /* tokens per second */
    double measured_rate; /* smoothed send rate */
    double w_max;         /* CUBIC: rate at the last throttle */
};

/* A snapshot of r, for figures and tests. Cannot fail. */
void cs_aws_rate_state(cs_aws_rate_t *r, struct cs_aws_rate_state *out);

#endif
