/* Fuzz target: a CellJob as the worker reads it from cell-jobs
 * (worker/job.h). Any bytes give a checked job or a one-line reason;
 * never a crash. An accepted job satisfies what the worker then relies
 * on (cell id, account, regions), and goes through the admission queue. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/names.h"
#include "worker/job.h"
#include "worker/sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_sched_limits lim = {2, 1, 1, 2};
    struct cs_err err = CS_ERR_INIT;
    Cellscan__V1__CellJob *job = NULL;
    char cell[64];
    cs_sched_t *s;
    cs_rc rc = cs_job_decode(data, size, &job, &err);

    if (rc != CS_OK) {
        if (job != NULL || err.msg[0] == '\0' || strchr(err.msg, '\n'))
            abort();
        return 0;
    }
    if (strlen(job->account_id) != 12 || job->n_regions == 0 ||
        strcmp(cs_cell_id(job->category, job->account_id, cell, sizeof(cell)),
               job->cell_id) != 0 ||
        cs_job_check(job, &err) != CS_OK)
        abort();
    (void)cs_job_expired(job, 0);
    s = cs_sched_new(&lim, &err);
    if (s == NULL || cs_sched_push(s, job->account_id, job, &err) != CS_OK ||
        cs_sched_next(s) != job ||
        cs_sched_finish(s, job->account_id, &err) != CS_OK)
        abort();
    cs_sched_destroy(s);
    cs_job_free(job);
    return 0;
}
