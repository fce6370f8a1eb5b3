#include "worker/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/keys.h"
#include "wire/names.h"

#define CELL_ID_MAX 64
#define SESSION_MIN_S 900
#define SESSION_MAX_S 43200

cs_rc cs_job_decode(const void *data, size_t len, Cellscan__V1__CellJob **out,
                    struct cs_err *err)
{
    Cellscan__V1__CellJob *job = NULL;
    cs_rc rc;

    *out = NULL;
    if (len <= CS_JOB_MAX_BYTES)
        job = cellscan__v1__cell_job__unpack(NULL, len, data);
    if (job == NULL)
        return cs_err_set(err, CS_ERR_PARSE,
                          "decode: not a valid cellscan.v1.CellJob (%zu bytes)",
                          len);
    rc = cs_job_check(job, err);
    if (rc != CS_OK) {
        cs_job_free(job);
        return rc;
    }
    *out = job;
    return CS_OK;
}

void cs_job_free(Cellscan__V1__CellJob *job)
{
    if (job)
        cellscan__v1__cell_job__free_unpacked(job, NULL);
}

/* 1 when s is 1..max characters, each a lower-case letter, a digit or one
 * of extra. */
static int word_ok(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);

    if (n < 1 || n > max)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              (*extra && strchr(extra, *s))))
            return 0;
    return 1;
}

static int account_ok(const char *s)
{
    if (strlen(s) != 12)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static cs_rc check_regions(const Cellscan__V1__CellJob *job,
                           struct cs_err *err)
{
    if (job->n_regions == 0)
        return cs_err_set(err, CS_ERR_INVALID, "invalid: no regions");
    if (job->n_regions > CS_JOB_MAX_REGIONS)
        return cs_err_set(err, CS_ERR_INVALID,
                          "invalid: %zu regions, at most %d", job->n_regions,
                          CS_JOB_MAX_REGIONS);
    for (size_t i = 0; i < job->n_regions; i++) {
        if (!word_ok(job->regions[i], CS_JOB_REGION_MAX, "-"))
            return cs_err_set(err, CS_ERR_INVALID,
                              "invalid: region \"%.32s\" is not a region name",
                              job->regions[i]);
        for (size_t k = 0; k < i; k++)
            if (strcmp(job->regions[k], job->regions[i]) == 0)
                return cs_err_set(err, CS_ERR_INVALID,
                                  "invalid: region %s listed twice",
                                  job->regions[i]);
    }
    return CS_OK;
}

static cs_rc check_ids(const Cellscan__V1__CellJob *job, struct cs_err *err)
{
    char cell[CELL_ID_MAX];
    cs_rc rc;

    rc = cs_store_check_client_id(job->client_id, err);
    if (rc == CS_OK)
        rc = cs_store_check_scan_id(job->scan_id, err);
    if (rc != CS_OK) {
        cs_err_prefix(err, "invalid");
        return rc;
    }
    if (!account_ok(job->account_id))
        return cs_err_set(err, CS_ERR_INVALID,
                          "invalid: account_id \"%.16s\" is not 12 digits",
                          job->account_id);
    if (!word_ok(job->category, CS_JOB_CATEGORY_MAX, ""))
        return cs_err_set(err, CS_ERR_INVALID,
                          "invalid: category \"%.32s\" is not a category name",
                          job->category);
    cs_cell_id(job->category, job->account_id, cell, sizeof(cell));
    if (strcmp(job->cell_id, cell) != 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "invalid: cell_id \"%.64s\" is not %s", job->cell_id,
                          cell);
    return CS_OK;
}

cs_rc cs_job_check(const Cellscan__V1__CellJob *job, struct cs_err *err)
{
    cs_rc rc;

    if (job->schema_version > CELLSCAN__V1__SCHEMA_VERSION__SCHEMA_VERSION_CURRENT)
        return cs_err_set(err, CS_ERR_INVALID,
                          "invalid: schema_version %u is newer than this "
                          "worker reads (%d)",
                          job->schema_version,
                          CELLSCAN__V1__SCHEMA_VERSION__SCHEMA_VERSION_CURRENT);
    rc = check_ids(job, err);
    if (rc == CS_OK)
        rc = check_regions(job, err);
    if (rc != CS_OK)
        return rc;
    if (job->session_duration_s != 0 &&
        (job->session_duration_s < SESSION_MIN_S ||
         job->session_duration_s > SESSION_MAX_S))
        return cs_err_set(err, CS_ERR_INVALID,
                          "invalid: session_duration_s %u is not 0 or %d..%d",
                          job->session_duration_s, SESSION_MIN_S,
                          SESSION_MAX_S);
    if (job->deadline_at_ms < 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "invalid: deadline_at_ms %lld is negative",
                          (long long)job->deadline_at_ms);
    return CS_OK;
}

int cs_job_expired(const Cellscan__V1__CellJob *job, int64_t now_ms)
{
    return job->deadline_at_ms > 0 && now_ms >= job->deadline_at_ms;
}

/* Packed size of the record holding r with only its first n violations. */
static size_t record_size(const Cellscan__V1__CellResult *r, size_t n,
                          Cellscan__V1__CellResult *copy,
                          Cellscan__V1__CellResultsRecord *rec)
{
    *copy = *r;
    copy->n_violations = n;
    copy->violations_truncated = r->violations_truncated + (r->n_violations - n);
    cellscan__v1__cell_results_record__init(rec);
    rec->body_case = CELLSCAN__V1__CELL_RESULTS_RECORD__BODY_RESULT;
    rec->result = copy;
    return cellscan__v1__cell_results_record__get_packed_size(rec);
}

cs_rc cs_job_pack_result(const Cellscan__V1__CellResult *r, size_t max_bytes,
                         uint8_t **out, size_t *len, size_t *dropped,
                         struct cs_err *err)
{
    Cellscan__V1__CellResult copy;
    Cellscan__V1__CellResultsRecord rec;
    size_t keep = r->n_violations, size;
    uint8_t *buf;

    *out = NULL;
    *len = 0;
    size = record_size(r, keep, &copy, &rec);
    if (size > max_bytes) {
        /* the largest prefix of the violations that fits: sizes grow with
         * the prefix, so bisect */
        size_t lo = 0, hi = r->n_violations;

        if (record_size(r, 0, &copy, &rec) > max_bytes)
            return cs_err_set(err, CS_ERR_LIMIT,
                              "result of %s does not fit %zu bytes even "
                              "without violations", r->cell_id, max_bytes);
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;

            if (record_size(r, mid, &copy, &rec) <= max_bytes)
                lo = mid;
            else
                hi = mid - 1;
        }
        keep = lo;
        size = record_size(r, keep, &copy, &rec);
    }
    buf = malloc(size ? size : 1);
    if (buf == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    cellscan__v1__cell_results_record__pack(&rec, buf);
    *out = buf;
    *len = size;
    if (dropped)
        *dropped = r->n_violations - keep;
    return CS_OK;
}
