/* pool.h: the worker's cell threads. Each thread owns one AWS client
 * (its own HTTP connections) over the shared AWS context and runs one cell
 * at a time with cs_extract_run.
 *
 * The owner thread submits tasks and collects them back when they are
 * done; the pool never frees a task. Admission (how many cells, which
 * accounts) is the owner's business (worker/sched.h): the pool runs what
 * it is given, oldest first, on as many threads as it has.
 */
#ifndef CS_WORKER_POOL_H
#define CS_WORKER_POOL_H

#include <stddef.h>

#include "aws/aws.h"
#include "cellscan.pb-c.h"
#include "extract/run.h"
#include "util/err.h"

/* One cell to run. The owner fills job (borrowed: must stay valid until
 * the task comes back) and clears the rest; the pool fills the outputs. */
struct cs_wtask {
    const Cellscan__V1__CellJob *job;
    /* set by the owner (cs_wpool_cancel) to stop the cell now */
    volatile int cancel;
    /* outputs, valid once cs_wpool_done returned the task */
    Cellscan__V1__CellResult *result; /* caller frees with cs_cell_result_free */
    cs_rc rc;
    struct cs_err err;
    int assumed;
    struct cs_wtask *next; /* the pool's lists */
};

struct cs_wpool_opts {
    cs_aws_t *aws;              /* borrowed: must outlive the pool */
    int threads;                /* >= 1 */
    int timeout_s;              /* cell time limit */
    size_t violation_cap;
    const char *worker_id;      /* copied */
    cs_extract_stats_fn on_stats; /* optional; called on pool threads */
    void *ud;
};

typedef struct cs_wpool_s cs_wpool_t;

/* Starts o->threads threads, each with its own AWS client. Returns NULL
 * with err set: CS_ERR_INVALID for a bad option, CS_ERR_NOMEM,
 * CS_ERR_INTERNAL when a thread or client cannot be created. Caller frees
 * with cs_wpool_destroy. */
cs_wpool_t *cs_wpool_new(const struct cs_wpool_opts *o, struct cs_err *err);

/* Queues t for the next free thread. The pool borrows t until
 * cs_wpool_done hands it back. Cannot fail. */
void cs_wpool_submit(cs_wpool_t *p, struct cs_wtask *t);

/* Asks a submitted task to stop at once (its cell ends as if timed out).
 * Thread-safe. Cannot fail. */
void cs_wpool_cancel(struct cs_wtask *t);

/* The next finished task, or NULL when none finished since the last call;
 * never waits. Cannot fail. */
struct cs_wtask *cs_wpool_done(cs_wpool_t *p);

/* Waits up to timeout_ms for a task to finish (returns at once when one
 * is already waiting to be collected). Cannot fail. */
void cs_wpool_wait(cs_wpool_t *p, int timeout_ms);

/* Tasks submitted and not yet collected by cs_wpool_done. Cannot fail. */
int cs_wpool_outstanding(cs_wpool_t *p);

/* Stops the threads once their current cell ends (cancel them first for
 * a quick stop) and frees the pool. Tasks still queued are not run and
 * stay the caller's. NULL is a no-op. */
void cs_wpool_destroy(cs_wpool_t *p);

#endif
