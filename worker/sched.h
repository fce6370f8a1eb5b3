/* sched.h: which cell a worker may start now — the admission rules as a
 * pure module (no threads, no I/O, no clock), so they can be tested on
 * their own.
 *
 * Jobs wait in a FIFO local queue. A queued job of account A may start
 * when
 *   - fewer than limits.cells cells run (CELLSCAN_WORKER_CONCURRENCY),
 *   - A runs fewer than limits.per_account cells
 *     (CELLSCAN_ACCOUNT_CONCURRENCY), and
 *   - A already runs a cell, or fewer than limits.accounts distinct
 *     accounts run cells (CELLSCAN_MAX_CONCURRENT_ACCOUNTS).
 * cs_sched_next starts the oldest queued job that may start: a job held
 * back by its own account's limits does not hold back other accounts'
 * jobs queued behind it.
 *
 * The queue's capacity is the signal to pause the consumer, not a hard
 * limit: a push beyond it still succeeds, because a job fetched before a
 * pause took effect must not be lost. The owner pauses its partitions
 * when cs_sched_should_pause and resumes them when cs_sched_may_resume
 * (half empty, so a worker does not flap between the two).
 *
 *   cs_sched_push(s, "111111111111", job, &err);
 *   while ((job = cs_sched_next(s)) != NULL) run(job);
 *   ... later, when it ends: cs_sched_finish(s, "111111111111", &err);
 *
 * One owner thread; not thread-safe.
 */
#ifndef CS_WORKER_SCHED_H
#define CS_WORKER_SCHED_H

#include <stddef.h>

#include "util/err.h"

/* Longest account id the scheduler keeps, NUL excluded (AWS ids are 12
 * digits). */
#define CS_SCHED_ACCOUNT_MAX 32

typedef struct cs_sched_s cs_sched_t;

struct cs_sched_limits {
    int cells;       /* cells at once, all accounts together; >= 1 */
    int per_account; /* cells of one account at once; >= 1 */
    int accounts;    /* distinct accounts at once; >= 1 */
    size_t queue;    /* local queue capacity (pause signal); >= 1 */
};

/* Creates an empty scheduler with limits l (copied). Returns NULL with err
 * set: CS_ERR_INVALID for a limit below 1, CS_ERR_NOMEM. Caller frees with
 * cs_sched_destroy. */
cs_sched_t *cs_sched_new(const struct cs_sched_limits *l, struct cs_err *err);

/* Frees s. Jobs still queued are not freed (they are the caller's: drop
 * them first with cs_sched_drop). NULL is a no-op. */
void cs_sched_destroy(cs_sched_t *s);

/* Appends job (an opaque pointer the caller owns) for account to the
 * queue. Errors: CS_ERR_INVALID for an empty account or one longer than
 * CS_SCHED_ACCOUNT_MAX, or a NULL job; CS_ERR_NOMEM. */
cs_rc cs_sched_push(cs_sched_t *s, const char *account, void *job,
                    struct cs_err *err);

/* Whether a job of account could start now under the limits (whatever
 * the queue holds). Cannot fail. */
int cs_sched_may_start(const cs_sched_t *s, const char *account);

/* Removes the oldest queued job that may start now, counts it as running
 * for its account and returns it; NULL when no queued job may start.
 * Cannot fail. */
void *cs_sched_next(cs_sched_t *s);

/* Records that a running job of account ended (whatever its outcome),
 * freeing its slot. Errors: CS_ERR_NOTFOUND when account runs nothing. */
cs_rc cs_sched_finish(cs_sched_t *s, const char *account, struct cs_err *err);

/* Calls fn(ud, job) for each queued job, oldest first; when fn returns
 * non-zero the job leaves the queue and fn has taken it over (e.g. freed
 * it). Returns how many left. fn must not call back into s. Cannot fail. */
size_t cs_sched_drop(cs_sched_t *s, int (*fn)(void *ud, void *job), void *ud);

/* Jobs waiting in the queue. Cannot fail. */
size_t cs_sched_queued(const cs_sched_t *s);

/* Jobs running, all accounts together. Cannot fail. */
int cs_sched_running(const cs_sched_t *s);

/* Jobs running for account. Cannot fail. */
int cs_sched_running_for(const cs_sched_t *s, const char *account);

/* Distinct accounts with a running job. Cannot fail. */
int cs_sched_accounts(const cs_sched_t *s);

/* 1 when the queue holds its capacity or more (pause the consumer).
 * Cannot fail. */
int cs_sched_should_pause(const cs_sched_t *s);

/* 1 when the queue holds at most half its capacity (a paused consumer may
 * resume). Cannot fail. */
int cs_sched_may_resume(const cs_sched_t *s);

#endif
