/* helper.h: the dispatcher's helper thread, which runs the slow steps of
 * a request (Redis, organization discovery) so that the thread owning
 * the Kafka consumer keeps polling. One task at a time: the run thread
 * posts a task and checks, each loop turn, whether it is done; while a
 * task runs, the data it works on belongs to the helper.
 */
#ifndef CS_DISPATCHER_HELPER_H
#define CS_DISPATCHER_HELPER_H

#include "util/err.h"

typedef struct cs_disp_helper_s cs_disp_helper_t;

typedef void (*cs_disp_task_fn)(void *ud);

/* Starts the thread. Returns NULL with err set: CS_ERR_NOMEM,
 * CS_ERR_INTERNAL when the thread cannot start. Caller frees with
 * cs_disp_helper_destroy. */
cs_disp_helper_t *cs_disp_helper_new(struct cs_err *err);

/* Runs fn(ud) on the helper thread. Errors: CS_ERR_INTERNAL when a task
 * is still running (the caller posts one at a time). */
cs_rc cs_disp_helper_post(cs_disp_helper_t *h, cs_disp_task_fn fn, void *ud,
                          struct cs_err *err);

/* 1 when no task is posted or running (the last one finished; what it
 * wrote is visible to the caller), else 0. Cannot fail. */
int cs_disp_helper_idle(cs_disp_helper_t *h);

/* Waits for the running task, stops the thread and frees h. NULL is a
 * no-op. */
void cs_disp_helper_destroy(cs_disp_helper_t *h);

#endif
