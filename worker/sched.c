#include "worker/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qnode {
    void *job;
    char account[CS_SCHED_ACCOUNT_MAX + 1];
    struct qnode *next;
};

/* An account with running jobs; running == 0 marks a free slot. */
struct acct {
    char id[CS_SCHED_ACCOUNT_MAX + 1];
    int running;
};

struct cs_sched_s {
    struct cs_sched_limits lim;
    struct qnode *head, *tail;
    size_t queued;
    /* at most lim.cells accounts can run at once, so lim.cells slots */
    struct acct *accts;
    int running;
    int naccounts;
};

cs_sched_t *cs_sched_new(const struct cs_sched_limits *l, struct cs_err *err)
{
    cs_sched_t *s;

    if (l == NULL || l->cells < 1 || l->per_account < 1 || l->accounts < 1 ||
        l->queue < 1) {
        cs_err_set(err, CS_ERR_INVALID,
                   "scheduler limits must all be at least 1");
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s)
        s->accts = calloc((size_t)l->cells, sizeof(*s->accts));
    if (s == NULL || s->accts == NULL) {
        free(s);
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    s->lim = *l;
    return s;
}

void cs_sched_destroy(cs_sched_t *s)
{
    struct qnode *n, *next;

    if (s == NULL)
        return;
    for (n = s->head; n; n = next) {
        next = n->next;
        free(n);
    }
    free(s->accts);
    free(s);
}

cs_rc cs_sched_push(cs_sched_t *s, const char *account, void *job,
                    struct cs_err *err)
{
    struct qnode *n;
    size_t len = account ? strlen(account) : 0;

    if (len == 0 || len > CS_SCHED_ACCOUNT_MAX || job == NULL)
        return cs_err_set(err, CS_ERR_INVALID,
                          "a queued job needs an account id of 1..%d "
                          "characters", CS_SCHED_ACCOUNT_MAX);
    n = calloc(1, sizeof(*n));
    if (n == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    memcpy(n->account, account, len + 1);
    n->job = job;
    if (s->tail)
        s->tail->next = n;
    else
        s->head = n;
    s->tail = n;
    s->queued++;
    return CS_OK;
}

static struct acct *find_acct(const cs_sched_t *s, const char *account)
{
    for (int i = 0; i < s->lim.cells; i++)
        if (s->accts[i].running > 0 && strcmp(s->accts[i].id, account) == 0)
            return &s->accts[i];
    return NULL;
}

int cs_sched_may_start(const cs_sched_t *s, const char *account)
{
    const struct acct *a;

    if (s->running >= s->lim.cells)
        return 0;
    a = find_acct(s, account);
    if (a)
        return a->running < s->lim.per_account;
    return s->naccounts < s->lim.accounts;
}

/* Counts one more running job for account; the caller checked
 * cs_sched_may_start, so a free slot exists. */
static void count_start(cs_sched_t *s, const char *account)
{
    struct acct *a = find_acct(s, account);

    if (a == NULL) {
        for (int i = 0; i < s->lim.cells && a == NULL; i++)
            if (s->accts[i].running == 0)
                a = &s->accts[i];
        if (a == NULL)
            return; /* unreachable: running < cells leaves a free slot */
        snprintf(a->id, sizeof(a->id), "%s", account);
        s->naccounts++;
    }
    a->running++;
    s->running++;
}

void *cs_sched_next(cs_sched_t *s)
{
    struct qnode *prev = NULL, *n;
    void *job;

    if (s->running >= s->lim.cells)
        return NULL;
    for (n = s->head; n; prev = n, n = n->next)
        if (cs_sched_may_start(s, n->account))
            break;
    if (n == NULL)
        return NULL;
    if (prev)
        prev->next = n->next;
    else
        s->head = n->next;
    if (s->tail == n)
        s->tail = prev;
    s->queued--;
    count_start(s, n->account);
    job = n->job;
    free(n);
    return job;
}

cs_rc cs_sched_finish(cs_sched_t *s, const char *account, struct cs_err *err)
{
    struct acct *a = account ? find_acct(s, account) : NULL;

    if (a == NULL)
        return cs_err_set(err, CS_ERR_NOTFOUND,
                          "account %.32s has no running job",
                          account ? account : "(null)");
    a->running--;
    s->running--;
    if (a->running == 0)
        s->naccounts--;
    return CS_OK;
}

size_t cs_sched_drop(cs_sched_t *s, int (*fn)(void *ud, void *job), void *ud)
{
    struct qnode **link = &s->head, *n;
    size_t dropped = 0;

    s->tail = NULL;
    while ((n = *link) != NULL) {
        if (fn(ud, n->job)) {
            *link = n->next;
            free(n);
            s->queued--;
            dropped++;
        } else {
            s->tail = n;
            link = &n->next;
        }
    }
    return dropped;
}

size_t cs_sched_queued(const cs_sched_t *s)
{
    return s->queued;
}

int cs_sched_running(const cs_sched_t *s)
{
    return s->running;
}

int cs_sched_running_for(const cs_sched_t *s, const char *account)
{
    const struct acct *a = account ? find_acct(s, account) : NULL;

    return a ? a->running : 0;
}

int cs_sched_accounts(const cs_sched_t *s)
{
    return s->naccounts;
}

int cs_sched_should_pause(const cs_sched_t *s)
{
    return s->queued >= s->lim.queue;
}

int cs_sched_may_resume(const cs_sched_t *s)
{
    return s->queued <= s->lim.queue / 2;
}
