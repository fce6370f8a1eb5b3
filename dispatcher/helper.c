/* The dispatcher's helper thread (helper.h). */
#include "dispatcher/helper.h"

#include <pthread.h>
#include <stdlib.h>

struct cs_disp_helper_s {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cs_disp_task_fn fn; /* posted or running; NULL when idle */
    void *ud;
    int quit;
};

static void *helper_main(void *arg)
{
    cs_disp_helper_t *h = arg;

    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (h->fn == NULL && !h->quit)
            pthread_cond_wait(&h->cv, &h->mu);
        if (h->fn == NULL)
            break;
        cs_disp_task_fn fn = h->fn;
        void *ud = h->ud;
        pthread_mutex_unlock(&h->mu);
        fn(ud);
        pthread_mutex_lock(&h->mu);
        h->fn = NULL;
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

cs_disp_helper_t *cs_disp_helper_new(struct cs_err *err)
{
    cs_disp_helper_t *h = calloc(1, sizeof(*h));

    if (h == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "dispatcher: out of memory");
        return NULL;
    }
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    if (pthread_create(&h->thread, NULL, helper_main, h) != 0) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        free(h);
        cs_err_set(err, CS_ERR_INTERNAL, "dispatcher: cannot start a thread");
        return NULL;
    }
    return h;
}

cs_rc cs_disp_helper_post(cs_disp_helper_t *h, cs_disp_task_fn fn, void *ud,
                          struct cs_err *err)
{
    cs_rc rc = CS_OK;

    pthread_mutex_lock(&h->mu);
    if (h->fn != NULL) {
        rc = cs_err_set(err, CS_ERR_INTERNAL, "dispatcher: helper is busy");
    } else {
        h->fn = fn;
        h->ud = ud;
        pthread_cond_signal(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return rc;
}

int cs_disp_helper_idle(cs_disp_helper_t *h)
{
    int idle;

    pthread_mutex_lock(&h->mu);
    idle = h->fn == NULL;
    pthread_mutex_unlock(&h->mu);
    return idle;
}

void cs_disp_helper_destroy(cs_disp_helper_t *h)
{
    if (h == NULL)
        return;
    pthread_mutex_lock(&h->mu);
    h->quit = 1;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
}
