#include "aws/limits.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMITS_BUCKETS 1024

struct entry {
    struct entry *next;
    char *key;
    struct cs_aws_limit limit;
};

struct cs_aws_limits_s {
    pthread_mutex_t mu;
    struct entry *bucket[LIMITS_BUCKETS];
};

cs_aws_limits_t *cs_aws_limits_new(void)
{
    cs_aws_limits_t *l = calloc(1, sizeof(*l));

    if (l)
        pthread_mutex_init(&l->mu, NULL);
    return l;
}

void cs_aws_limits_destroy(cs_aws_limits_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < LIMITS_BUCKETS; i++) {
        struct entry *e = l->bucket[i];
        while (e) {
            struct entry *next = e->next;
            cs_aws_rate_destroy(e->limit.rate);
            cs_aws_retry_quota_destroy(&e->limit.quota);
            free(e->key);
            free(e);
            e = next;
        }
    }
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* FNV-1a */
static size_t hash(const char *s)
{
    size_t h = 1469598103934665603ULL & (size_t)-1;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
    return h;
}

struct cs_aws_limit *cs_aws_limits_get(cs_aws_limits_t *l, const char *account,
                                       const char *service,
                                       const char *region)
{
    char key[256];
    struct entry *e;
    size_t b;

    snprintf(key, sizeof(key), "%s\n%s\n%s", account ? account : "", service,
             region);
    b = hash(key) % LIMITS_BUCKETS;
    pthread_mutex_lock(&l->mu);
    for (e = l->bucket[b]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            break;
    if (e == NULL && (e = calloc(1, sizeof(*e))) != NULL) {
        e->key = strdup(key);
        e->limit.rate = cs_aws_rate_new(NULL, NULL);
        if (e->key == NULL || e->limit.rate == NULL) {
            free(e->key);
            cs_aws_rate_destroy(e->limit.rate);
            free(e);
            e = NULL;
        } else {
            cs_aws_retry_quota_init(&e->limit.quota);
            e->next = l->bucket[b];
            l->bucket[b] = e;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return e ? &e->limit : NULL;
}
