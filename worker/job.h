/* job.h: what a worker reads and writes on Kafka — a CellJob from
 * cell-jobs (decoded and checked before anything runs) and the
 * CellResultsRecord it publishes to cell-results.
 *
 * CellJob bytes are outside input: any bytes give a job or a one-line
 * reason, never a crash (tests/fuzz/fuzz_worker_job.c). The reason is what
 * goes into the dead letter's cellscan-reason header.
 */
#ifndef CS_WORKER_JOB_H
#define CS_WORKER_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "cellscan.pb-c.h"
#include "util/err.h"

/* Most regions one job may name, and longest region name. */
#define CS_JOB_MAX_REGIONS 64
#define CS_JOB_REGION_MAX 32
/* Longest category name. */
#define CS_JOB_CATEGORY_MAX 32
/* Largest CellJob accepted, in bytes (policies are small documents). */
#define CS_JOB_MAX_BYTES (1024 * 1024)

/* Decodes len bytes as a CellJob and checks it with cs_job_check.
 * Errors: CS_ERR_PARSE "decode: not a valid cellscan.v1.CellJob (N bytes)"
 * (also for more than CS_JOB_MAX_BYTES); CS_ERR_INVALID "invalid: <why>".
 * On success caller frees *out with cs_job_free. */
cs_rc cs_job_decode(const void *data, size_t len, Cellscan__V1__CellJob **out,
                    struct cs_err *err);

/* Frees a job from cs_job_decode. NULL is a no-op. */
void cs_job_free(Cellscan__V1__CellJob *job);

/* Checks what a worker relies on before running a job: schema_version at
 * most the current one; client_id and scan_id valid ids (as the store
 * checks them); account_id 12 digits; category 1..CS_JOB_CATEGORY_MAX
 * lower-case letters and digits; cell_id "aws_<category>:<account_id>";
 * 1..CS_JOB_MAX_REGIONS regions, each 1..CS_JOB_REGION_MAX lower-case
 * letters, digits and '-', none repeated; session_duration_s 0 or
 * 900..43200; deadline_at_ms not negative. Whether the category is one
 * cellscan can extract and whether the policy parses is the extractor's
 * call. Errors: CS_ERR_INVALID "invalid: <why>" (ids quoted, cut short). */
cs_rc cs_job_check(const Cellscan__V1__CellJob *job, struct cs_err *err);

/* 1 when the job's scan deadline has passed at now_ms (a deadline of 0
 * means none). Cannot fail. */
int cs_job_expired(const Cellscan__V1__CellJob *job, int64_t now_ms);

/* Packs r as a CellResultsRecord of at most max_bytes. When the whole
 * record would not fit, the tail of r's (sorted) violations is left out
 * and counted in violations_truncated, so the result stays consistent;
 * *dropped (may be NULL) says how many. r itself is not modified.
 * Errors: CS_ERR_LIMIT when even without violations it does not fit;
 * CS_ERR_NOMEM. On success caller frees *out with free(). */
cs_rc cs_job_pack_result(const Cellscan__V1__CellResult *r, size_t max_bytes,
                         uint8_t **out, size_t *len, size_t *dropped,
                         struct cs_err *err);

#endif
