/* s3: buckets are listed once for the whole account (ListBuckets), each
 * is placed in its home region (GetBucketLocation) and read there
 * (GetBucketTagging, NoSuchTagSet = no tags), so a bucket counts once and
 * only in its own region's breakdown (docs/compliance.md). */
#include "extract/category.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct s3 {
    struct cs_walk *w;
    struct cs_walk_region *rws;  /* one per region of the cell */
    enum cs_region_enabled *enabled; /* the cell's, completed by probes */
    /* a failure that cannot be placed in a region (a bucket whose home is
     * unknown): every region that may have lost a bucket gets it */
    cs_rc lost_rc;
    struct cs_aws_error lost;
};

static void lose(struct s3 *s, cs_rc rc, const struct cs_aws_error *aerr)
{
    if (s->lost_rc != CS_OK)
        return;
    s->lost_rc = rc;
    if (aerr)
        s->lost = *aerr;
}

static ptrdiff_t region_index(const struct cs_walk *w, const char *region)
{
    size_t i;

    for (i = 0; i < w->nregions; i++)
        if (strcmp(w->regions[i], region) == 0)
            return (ptrdiff_t)i;
    return -1;
}

/* The bucket's home region into home ("" when it cannot be known; then
 * the failure is kept as lost). Calls are counted into st. */
static void locate(struct s3 *s, const char *bucket, char *home, size_t homelen,
                   struct cs_aws_stats *st)
{
    static const struct cs_aws_param params[] = {{"location", NULL}};
    struct cs_walk *w = s->w;
    struct cs_aws_req req = {.service = "s3", .operation = "GetBucketLocation",
                             .region = w->global_region, .account_id = w->account,
                             .params = params, .nparams = 1, .bucket = bucket};
    struct cs_aws_error aerr = CS_AWS_ERROR_INIT;
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc = cs_walk_call(w, &req, 1, st, &aerr, &err);

    home[0] = '\0';
    if (rc == CS_OK)
        rc = cs_page_s3_location(w->resp.body.ptr, w->resp.body.len, home, homelen, &err);
    if (rc == CS_OK || w->stopped)
        return;
    if (rc == CS_ERR_AWS && strcmp(aerr.code, "NoSuchBucket") == 0)
        return; /* deleted since it was listed */
    /* S3 names the bucket's region on many refusals */
    if (w->resp.bucket_region[0] && rc != CS_ERR_PARSE) {
        snprintf(home, homelen, "%s", w->resp.bucket_region);
        return;
    }
    home[0] = '\0';
    lose(s, rc, rc == CS_ERR_PARSE ? NULL : &aerr);
}

static void read_bucket(struct s3 *s, const char *bucket)
{
    static const struct cs_aws_param params[] = {{"tagging", NULL}};
    struct cs_walk *w = s->w;
    struct cs_aws_stats st = {0};
    char home[CS_PAGE_WORD_MAX], arn[CS_PAGE_ID_MAX + 64];
    ptrdiff_t i;

    locate(s, bucket, home, sizeof(home), &st);
    i = home[0] ? region_index(w, home) : -1;
    if (i < 0) {
        /* not one of the cell's regions: the cost is the cell's */
        cs_aws_stats_add(&w->outside, &st);
        return;
    }
    cs_aws_stats_add(&s->rws[i].stats, &st);
    if (s->enabled[i] == CS_REGION_NOT_ENABLED || s->rws[i].failed || w->stopped)
        return;
    snprintf(arn, sizeof(arn), "arn:%s:s3:::%s", w->partition, bucket);
    struct cs_aws_req req = {.service = "s3", .operation = "GetBucketTagging",
                             .region = w->regions[i], .account_id = w->account,
                             .params = params, .nparams = 1, .bucket = bucket};
    struct cs_walk_sink sink = {.w = w, .rw = &s->rws[i], .type = "s3:bucket",
                                .arn = arn, .no_tags_code = "NoSuchTagSet"};
    /* a failure is recorded in the bucket's region; the next bucket goes on */
    cs_walk_describe(w, &s->rws[i], &req, CS_PAGE_S3_TAGS, &sink);
}

static cs_rc collect(void *ud, const char *name, size_t len, struct cs_err *err)
{
    return cs_strlist_add(ud, name, len, err);
}

/* ListBuckets into names; on failure every region gets it. */
static cs_rc list_buckets(struct s3 *s, struct cs_strlist *names)
{
    struct cs_walk *w = s->w;
    struct cs_aws_req req = {.service = "s3", .operation = "ListBuckets",
                             .region = w->global_region, .account_id = w->account};
    struct cs_aws_error aerr = CS_AWS_ERROR_INIT;
    struct cs_aws_stats st = {0};
    struct cs_err err = CS_ERR_INIT;
    size_t i;
    cs_rc rc = cs_walk_call(w, &req, 1, &st, &aerr, &err);

    cs_aws_stats_add(&w->outside, &st);
    if (w->on_stats && st.calls)
        w->on_stats(w->ud, "s3", &st);
    if (rc == CS_OK) {
        rc = cs_page_names(CS_LIST_S3_BUCKETS, w->resp.body.ptr, w->resp.body.len,
                           collect, names, NULL, 0, &err);
        if (rc == CS_ERR_NOMEM)
            return cs_walk_fail_cell(w, rc, &err);
        if (rc != CS_OK)
            cs_aws_error_clear(&aerr);
    }
    if (rc != CS_OK)
        for (i = 0; i < w->nregions; i++)
            cs_walk_region_fail(w, &s->rws[i], "s3", rc, &aerr);
    return rc;
}

/* When DescribeRegions could not say (the role may not allow it), asks
 * the region itself: ListBuckets signed for it is refused the way a
 * disabled region refuses. The region records a failure; success means
 * enabled. */
static void probe_region(struct s3 *s, size_t i)
{
    struct cs_walk *w = s->w;
    struct cs_aws_req req = {.service = "s3", .operation = "ListBuckets",
                             .region = w->regions[i], .account_id = w->account};
    struct cs_aws_error aerr = CS_AWS_ERROR_INIT;
    struct cs_err err = CS_ERR_INIT;
    cs_rc rc = cs_walk_call(w, &req, 0, &s->rws[i].stats, &aerr, &err);

    if (rc == CS_OK)
        s->enabled[i] = CS_REGION_ENABLED;
    else
        cs_walk_region_fail(w, &s->rws[i], "s3", rc, &aerr);
}

cs_rc cs_extract_s3(struct cs_walk *w)
{
    struct cs_strlist names = CS_STRLIST_INIT;
    struct s3 s;
    size_t i;

    memset(&s, 0, sizeof(s));
    s.w = w;
    s.rws = calloc(w->nregions ? w->nregions : 1, sizeof(*s.rws));
    s.enabled = calloc(w->nregions ? w->nregions : 1, sizeof(*s.enabled));
    if (s.rws == NULL || s.enabled == NULL) {
        free(s.rws);
        free(s.enabled);
        return cs_walk_fail_cell(w, CS_ERR_NOMEM, NULL);
    }
    memcpy(s.enabled, w->enabled, w->nregions * sizeof(*s.enabled));
    for (i = 0; i < w->nregions; i++) {
        cs_walk_region_begin(w, &s.rws[i], w->regions[i]);
        s.rws[i].timed_by_calls = 1;
    }
    if (list_buckets(&s, &names) == CS_OK) {
        for (i = 0; i < w->nregions; i++)
            if (s.enabled[i] == CS_REGION_UNKNOWN && !cs_walk_should_stop(w))
                probe_region(&s, i);
        for (i = 0; i < names.n && w->fatal == CS_OK; i++) {
            if (cs_walk_should_stop(w))
                break;
            read_bucket(&s, cs_strlist_at(&names, i));
        }
    }
    for (i = 0; i < w->nregions && w->fatal == CS_OK; i++) {
        if (s.enabled[i] == CS_REGION_NOT_ENABLED && !s.rws[i].failed) {
            cs_walk_region_skip(w, w->regions[i],
                                CELLSCAN__V1__EVIDENCE_STATUS__EVIDENCE_UNAVAILABLE_NOT_ENABLED,
                                NULL);
            continue;
        }
        if (s.lost_rc != CS_OK)
            cs_walk_region_fail(w, &s.rws[i], "s3", s.lost_rc, &s.lost);
        cs_walk_region_end(w, &s.rws[i], "s3");
    }
    cs_strlist_free(&names);
    free(s.rws);
    free(s.enabled);
    return w->fatal;
}
