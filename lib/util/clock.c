#include "util/clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t cs_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t cs_mono_ms(void)
{
    return cs_mono_us() / 1000;
}

int64_t cs_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *cs_rfc3339(int64_t unix_ms, int with_ms, char *out, size_t outlen)
{
    time_t secs = (time_t)(unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000);
    int ms = (int)(unix_ms - (int64_t)secs * 1000);
    struct tm tm;

    gmtime_r(&secs, &tm);
    if (with_ms)
        snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, ms);
    else
        snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
    return out;
}

int cs_parse_rfc3339(const char *s, int64_t *unix_ms)
{
    struct tm tm;
    const char *p;
    int64_t ms = 0;
    int digits = 0;
    int off_sign = 0, off_h = 0, off_m = 0;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (p == NULL)
        return -1;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (digits < 3) {
                ms = ms * 10 + (*p - '0');
                digits++;
            }
            p++;
        }
        if (digits == 0)
            return -1;
        while (digits < 3) {
            ms *= 10;
            digits++;
        }
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        off_sign = *p == '+' ? 1 : -1;
        if (sscanf(p + 1, "%2d:%2d", &off_h, &off_m) != 2)
            return -1;
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    t = timegm(&tm);
    if (t == (time_t)-1 && errno == EOVERFLOW)
        return -1;
    *unix_ms = ((int64_t)t - off_sign * (off_h * 3600 + off_m * 60)) * 1000 + ms;
    return 0;
}

void cs_sleep_ms(int64_t ms, const volatile int *stop)
{
    struct timespec req, rem;

    if (ms <= 0)
        return;
    req.tv_sec = ms / 1000;
    req.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR) {
        if (stop && *stop)
            return;
        req = rem;
    }
}
