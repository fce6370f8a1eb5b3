#include "aws/ratelimit.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* botocore's constants */
#define BUCKET_MIN_RATE 0.5
#define CUBIC_SCALE 0.4
#define CUBIC_BETA 0.7
#define MAX_RATE_ADJUST_SCALE 2.0
#define CLOCKER_SMOOTHING 0.8
#define CLOCKER_BUCKET_S 0.5

struct cs_aws_rate_s {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cs_aws_rate_clock_fn clock;
    void *ud;
    int enabled;
    /* token bucket */
    double fill_rate, max_capacity, capacity, last_refill;
    int refilled_once;
    /* CUBIC */
    double w_max, k, last_fail;
    /* rate clocker */
    double measured, last_bucket;
    long count;
};

static double mono_s(void *ud)
{
    struct timespec ts;

    (void)ud;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(const cs_aws_rate_t *r)
{
    return r->clock(r->ud);
}

static double cubic_zero_point(double w_max)
{
    return cbrt(w_max * (1 - CUBIC_BETA) / CUBIC_SCALE);
}

static void refill(cs_aws_rate_t *r)
{
    double t = now_s(r);

    if (!r->refilled_once) {
        r->last_refill = t;
        r->refilled_once = 1;
        return;
    }
    r->capacity += (t - r->last_refill) * r->fill_rate;
    if (r->capacity > r->max_capacity)
        r->capacity = r->max_capacity;
    r->last_refill = t;
}

/* TokenBucket.max_rate setter */
static void set_max_rate(cs_aws_rate_t *r, double value)
{
    refill(r);
    r->fill_rate = value > BUCKET_MIN_RATE ? value : BUCKET_MIN_RATE;
    r->max_capacity = value >= 1 ? value : 1;
    if (r->capacity > r->max_capacity)
        r->capacity = r->max_capacity;
    pthread_cond_broadcast(&r->cv);
}

cs_aws_rate_t *cs_aws_rate_new(cs_aws_rate_clock_fn clock, void *ud)
{
    cs_aws_rate_t *r = calloc(1, sizeof(*r));
    pthread_condattr_t ca;

    if (r == NULL)
        return NULL;
    r->clock = clock ? clock : mono_s;
    r->ud = ud;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    /* CubicCalculator(starting_max_rate=0, start_time=now) */
    r->w_max = 0;
    r->k = cubic_zero_point(0);
    r->last_fail = now_s(r);
    /* RateClocker: last bucket is floor(now) */
    r->last_bucket = floor(now_s(r));
    /* TokenBucket(max_rate=1) */
    set_max_rate(r, 1);
    return r;
}

void cs_aws_rate_destroy(cs_aws_rate_t *r)
{
    if (r == NULL)
        return;
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static void wait_s(cs_aws_rate_t *r, double s)
{
    struct timespec ts;
    double until;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    until = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + s;
    ts.tv_sec = (time_t)until;
    ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
    while (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == EINTR)
        ;
}

int64_t cs_aws_rate_acquire(cs_aws_rate_t *r)
{
    double waited = 0;

    pthread_mutex_lock(&r->mu);
    if (!r->enabled) {
        pthread_mutex_unlock(&r->mu);
        return 0;
    }
    refill(r);
    while (r->capacity < 1) {
        double s = (1 - r->capacity) / r->fill_rate;
        if (r->clock != mono_s) {
            /* a test clock does not move while we sleep: report instead */
            waited += s;
            r->capacity += s * r->fill_rate;
            break;
        }
        double t0 = mono_s(NULL);
        wait_s(r, s);
        waited += mono_s(NULL) - t0;
        refill(r);
    }
    r->capacity -= 1;
    pthread_mutex_unlock(&r->mu);
    return (int64_t)(waited * 1e6);
}

/* RateClocker.record */
static double record(cs_aws_rate_t *r, double t)
{
    double bucket = floor(t / CLOCKER_BUCKET_S) * CLOCKER_BUCKET_S;

    r->count++;
    if (bucket > r->last_bucket) {
        double current = (double)r->count / (bucket - r->last_bucket);
        r->measured = current * CLOCKER_SMOOTHING +
                      r->measured * (1 - CLOCKER_SMOOTHING);
        r->count = 0;
        r->last_bucket = bucket;
    }
    return r->measured;
}

void cs_aws_rate_update(cs_aws_rate_t *r, int throttled)
{
    double t, measured, new_rate;

    pthread_mutex_lock(&r->mu);
    t = now_s(r);
    measured = record(r, t);
    if (!throttled) {
        double dt = t - r->last_fail - r->k;
        new_rate = CUBIC_SCALE * dt * dt * dt + r->w_max;
    } else {
        double use = r->enabled && r->fill_rate < measured ? r->fill_rate
                                                           : measured;
        r->w_max = use;
        r->k = cubic_zero_point(use);
        r->last_fail = t;
        new_rate = use * CUBIC_BETA;
        r->enabled = 1;
    }
    if (new_rate > MAX_RATE_ADJUST_SCALE * measured)
        new_rate = MAX_RATE_ADJUST_SCALE * measured;
    set_max_rate(r, new_rate);
    pthread_mutex_unlock(&r->mu);
}

void cs_aws_rate_state(cs_aws_rate_t *r, struct cs_aws_rate_state *out)
{
    pthread_mutex_lock(&r->mu);
    out->enabled = r->enabled;
    out->fill_rate = r->fill_rate;
    out->measured_rate = r->measured;
    out->w_max = r->w_max;
    pthread_mutex_unlock(&r->mu);
}
