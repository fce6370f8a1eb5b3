#include "worker/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cs_wpool_s {
    pthread_mutex_t mu;
    pthread_cond_t work;  /* a task was queued, or stopping */
    pthread_cond_t ended; /* a task finished */
    struct cs_wtask *todo_head, *todo_tail;
    struct cs_wtask *done_head, *done_tail;
    int outstanding;
    int stopping;
    int nthreads;     /* threads started */
    pthread_t *threads;
    cs_aws_client_t **clients;
    /* what every cell gets; worker_id owned */
    int timeout_s;
    size_t violation_cap;
    char *worker_id;
    cs_extract_stats_fn on_stats;
    void *ud;
};

struct thread_arg {
    cs_wpool_t *pool;
    cs_aws_client_t *client;
};

static void push(struct cs_wtask **head, struct cs_wtask **tail,
                 struct cs_wtask *t)
{
    t->next = NULL;
    if (*tail)
        (*tail)->next = t;
    else
        *head = t;
    *tail = t;
}

static struct cs_wtask *pop(struct cs_wtask **head, struct cs_wtask **tail)
{
    struct cs_wtask *t = *head;

    if (t) {
        *head = t->next;
        if (*head == NULL)
            *tail = NULL;
        t->next = NULL;
    }
    return t;
}

static void run_task(cs_wpool_t *p, cs_aws_client_t *cl, struct cs_wtask *t)
{
    struct cs_extract_opts o;

    memset(&o, 0, sizeof(o));
    o.client = cl;
    o.timeout_s = p->timeout_s;
    o.violation_cap = p->violation_cap;
    o.worker_id = p->worker_id;
    o.cancel = &t->cancel;
    o.on_stats = p->on_stats;
    o.ud = p->ud;
    o.assumed = &t->assumed;
    t->result = NULL;
    t->assumed = 0;
    cs_err_clear(&t->err);
    t->rc = cs_extract_run(t->job, &o, &t->result, &t->err);
}

static void *thread_main(void *arg)
{
    cs_wpool_t *p = ((struct thread_arg *)arg)->pool;
    cs_aws_client_t *cl = ((struct thread_arg *)arg)->client;
    struct cs_wtask *t;

    free(arg);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stopping && p->todo_head == NULL)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stopping)
            break;
        t = pop(&p->todo_head, &p->todo_tail);
        pthread_mutex_unlock(&p->mu);
        run_task(p, cl, t);
        pthread_mutex_lock(&p->mu);
        push(&p->done_head, &p->done_tail, t);
        pthread_cond_broadcast(&p->ended);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Condition variables wait on the monotonic clock. */
static void init_sync(cs_wpool_t *p)
{
    pthread_condattr_t ca;

    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->work, &ca);
    pthread_cond_init(&p->ended, &ca);
    pthread_condattr_destroy(&ca);
}

static cs_rc start_threads(cs_wpool_t *p, cs_aws_t *aws, int n,
                           struct cs_err *err)
{
    for (int i = 0; i < n; i++) {
        struct thread_arg *a;

        p->clients[i] = cs_aws_client_new(aws, err);
        if (p->clients[i] == NULL)
            return err ? err->code : CS_ERR_INTERNAL;
        a = malloc(sizeof(*a));
        if (a == NULL)
            return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        a->pool = p;
        a->client = p->clients[i];
        if (pthread_create(&p->threads[i], NULL, thread_main, a) != 0) {
            free(a);
            return cs_err_set(err, CS_ERR_INTERNAL,
                              "cannot start cell thread %d: %s", i,
                              strerror(errno));
        }
        p->nthreads++;
    }
    return CS_OK;
}

cs_wpool_t *cs_wpool_new(const struct cs_wpool_opts *o, struct cs_err *err)
{
    cs_wpool_t *p;

    if (o == NULL || o->aws == NULL || o->threads < 1) {
        cs_err_set(err, CS_ERR_INVALID, "cell pool needs an AWS context and "
                                        "at least one thread");
        return NULL;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    init_sync(p);
    p->timeout_s = o->timeout_s;
    p->violation_cap = o->violation_cap;
    p->on_stats = o->on_stats;
    p->ud = o->ud;
    p->worker_id = strdup(o->worker_id ? o->worker_id : "");
    p->threads = calloc((size_t)o->threads, sizeof(*p->threads));
    p->clients = calloc((size_t)o->threads, sizeof(*p->clients));
    if (p->worker_id == NULL || p->threads == NULL || p->clients == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        cs_wpool_destroy(p);
        return NULL;
    }
    /* clients are freed by destroy, so they are counted as threads start */
    if (start_threads(p, o->aws, o->threads, err) != CS_OK) {
        for (int i = p->nthreads; i < o->threads; i++) {
            cs_aws_client_destroy(p->clients[i]);
            p->clients[i] = NULL;
        }
        cs_wpool_destroy(p);
        return NULL;
    }
    return p;
}

void cs_wpool_submit(cs_wpool_t *p, struct cs_wtask *t)
{
    pthread_mutex_lock(&p->mu);
    push(&p->todo_head, &p->todo_tail, t);
    p->outstanding++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

void cs_wpool_cancel(struct cs_wtask *t)
{
    __atomic_store_n(&t->cancel, 1, __ATOMIC_RELEASE);
}

struct cs_wtask *cs_wpool_done(cs_wpool_t *p)
{
    struct cs_wtask *t;

    pthread_mutex_lock(&p->mu);
    t = pop(&p->done_head, &p->done_tail);
    if (t)
        p->outstanding--;
    pthread_mutex_unlock(&p->mu);
    return t;
}

void cs_wpool_wait(cs_wpool_t *p, int timeout_ms)
{
    struct timespec until;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (p->done_head == NULL &&
           pthread_cond_timedwait(&p->ended, &p->mu, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&p->mu);
}

int cs_wpool_outstanding(cs_wpool_t *p)
{
    int n;

    pthread_mutex_lock(&p->mu);
    n = p->outstanding;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void cs_wpool_destroy(cs_wpool_t *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++) {
        pthread_join(p->threads[i], NULL);
        cs_aws_client_destroy(p->clients[i]);
    }
    free(p->threads);
    free(p->clients);
    free(p->worker_id);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->ended);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
