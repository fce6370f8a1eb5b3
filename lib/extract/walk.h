/* walk.h: the skeleton every extractor shares.
 *
 * A walk is one cell in progress: its STS session, its time limit, its
 * accumulator (compliance/cell.h) and the regions it covers. The
 * extractors (one file per category) only say which calls to make and
 * which parser reads them; the walk makes the calls (stopping at the
 * cell's time limit, assuming the role again after an ExpiredToken,
 * resuming a page after throttling outlasted the SDK retries), follows
 * every pagination token, evaluates each resource as soon as it is parsed
 * and turns failures into region outcomes (docs/compliance.md).
 *
 * Conventions: functions return CS_OK when the region may go on. Any
 * other code means the region (or the cell) stopped; why is recorded in
 * the walk — a region failure in the region, the time limit in
 * w->stopped, a fault of the accumulator in w->fatal — so callers just
 * return it. Internal to lib/extract.
 */
#ifndef CS_EXTRACT_WALK_H
#define CS_EXTRACT_WALK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "aws/aws.h"
#include "compliance/cell.h"
#include "extract/parse.h"
#include "extract/regions.h"
#include "extract/run.h"
#include "extract/strlist.h"
#include "extract/tagset.h"

/* Rounds of resuming a page after throttling outlasted the SDK's retries
 * (each round is a full cs_aws_call with its own retries), and the first
 * pause; the pause doubles each round and never passes the time limit. */
#define CS_WALK_RESUMES 4
#define CS_WALK_RESUME_PAUSE_MS 1000

struct cs_walk {
    /* fixed for the cell (borrowed) */
    cs_aws_client_t *cl;
    const struct cs_aws_assume_opts *assume; /* to assume again after expiry */
    const char *account;
    const char *partition;                   /* of the cell's regions */
    const char *global_region;               /* signs calls not tied to a region
                                              * (DescribeRegions, ListBuckets...) */
    const cs_policy_t *policy;
    cs_cell_t *cell;
    const char *const *scan_categories;
    size_t nscan;
    const char *const *regions;              /* the cell's regions, in order */
    const enum cs_region_enabled *enabled;   /* per region */
    size_t nregions;
    int64_t deadline_ms;                     /* cs_mono_ms(); 0 = none */
    const volatile int *cancel;
    cs_extract_stats_fn on_stats;
    void *ud;
    /* state */
    cs_aws_creds_t *creds;      /* owned reference to the session */
    int stopped;                /* the time limit or a cancel was reached */
    char stop_code[CS_AWS_CODE_MAX]; /* an AWS code seen as it stopped */
    cs_rc fatal;                /* the accumulator failed: the cell cannot go on */
    struct cs_err fatal_err;
    struct cs_aws_stats outside;   /* calls outside any region */
    struct cs_aws_resp resp;       /* the current answer, reused */
    struct cs_tagset tags;         /* the current resource's tags, reused */
};

/* One region being walked. */
struct cs_walk_region {
    const char *region;
    int always_enabled;         /* cs_region_always_enabled */
    struct cs_aws_stats stats;  /* calls made for the region */
    uint64_t evaluated;         /* resources evaluated in it */
    unsigned answered;          /* calls answered and read whole */
    int failed;                 /* status and error_code hold the failure */
    Cellscan__V1__EvidenceStatus status;
    char error_code[CS_AWS_CODE_MAX];
    int64_t started_ms;
    int timed_by_calls;         /* wall time = time in its calls (s3's regions
                                 * are walked interleaved, bucket by bucket) */
};

/* Where the resources of a page go. */
struct cs_walk_sink {
    struct cs_walk *w;
    struct cs_walk_region *rw;
    const char *type;      /* resource type; NULL = from the ARN (tagging) */
    const char *ec2_kind;  /* "instance", "volume": the page's id is an EC2 id */
    const char *arn;       /* the ARN when the page names none (tags of one resource) */
    int skip_covered;      /* drop types another category of the scan covers */
    const char *no_tags_code; /* an error code that means "no tags" (S3 NoSuchTagSet) */
};

/* A paginated call: the fixed input and where the token goes. */
struct cs_walk_listing {
    const char *service, *operation;
    const char *token;            /* the token's parameter or member name */
    int token_in_body;            /* JSON protocols: a member of body */
    const struct cs_aws_param *params; /* fixed parameters (at most 7) */
    size_t nparams;
    const char *const *path;      /* rest-json path */
    const json_t *body;           /* JSON body (borrowed), NULL = {} */
};

/* Inits w's state (the caller fills the fixed fields). Cannot fail. */
void cs_walk_init(struct cs_walk *w);

/* Frees w's state and drops its session reference. NULL is a no-op. */
void cs_walk_release(struct cs_walk *w);

/* 1 when the time limit or a cancel was reached (and records it). Cannot
 * fail. */
int cs_walk_should_stop(struct cs_walk *w);

/* Calls AWS with the cell's session into w->resp, counting into stats:
 * CS_ERR_TIMEOUT once the time limit is reached (w->stopped set, nothing
 * sent); after an ExpiredToken answer assumes the role again and repeats
 * the call once; with resume set, after a throttling failure pauses and
 * repeats the same call up to CS_WALK_RESUMES times (calls whose answer
 * the cell can do without pass 0, so another category's throttled API
 * delays them only by the SDK retries). Otherwise the cs_aws_call
 * codes. stats and aerr may be NULL. */
cs_rc cs_walk_call(struct cs_walk *w, const struct cs_aws_req *req, int resume,
                   struct cs_aws_stats *stats, struct cs_aws_error *aerr,
                   struct cs_err *err);

/* Records that the cell cannot go on (out of memory, the accumulator
 * refused a resource): w->fatal and w->fatal_err, the first one kept.
 * err may be NULL. Returns rc. */
cs_rc cs_walk_fail_cell(struct cs_walk *w, cs_rc rc, const struct cs_err *err);

/* Starts walking region. Cannot fail. */
void cs_walk_region_begin(struct cs_walk *w, struct cs_walk_region *rw,
                          const char *region);

/* Records that a call of service failed for the region (the first
 * failure decides; a stop is not a failure). aerr may be NULL. Cannot
 * fail. */
void cs_walk_region_fail(struct cs_walk *w, struct cs_walk_region *rw,
                         const char *service, cs_rc rc,
                         const struct cs_aws_error *aerr);

/* Gives the region its outcome in the cell (ok; its failure, partial
 * when something of it was evaluated; or partial when the walk stopped in
 * it) and reports its calls to on_stats. Errors from cs_cell_region (then
 * also in w->fatal). */
cs_rc cs_walk_region_end(struct cs_walk *w, struct cs_walk_region *rw,
                         const char *service);

/* Gives a region that is not walked its outcome: status with error_code
 * (NULL = none) and no calls. Same errors. */
cs_rc cs_walk_region_skip(struct cs_walk *w, const char *region,
                          Cellscan__V1__EvidenceStatus status,
                          const char *error_code);

/* Walks every region of the cell in order with fn (one category's walk
 * of one region), skipping regions known not enabled and stopping at the
 * time limit (later regions get no outcome). Returns w->fatal. */
cs_rc cs_walk_regions(struct cs_walk *w, const char *service,
                      cs_rc (*fn)(struct cs_walk *w, struct cs_walk_region *rw));

/* A cs_page_resource_fn: evaluates one parsed resource (sink is a struct
 * cs_walk_sink) in the sink's region. */
cs_rc cs_walk_resource(void *sink, const char *id, const struct cs_tag *tags,
                       size_t ntags, struct cs_err *err);

/* Walks every page of l in rw's region, each a resource page of kind k
 * whose resources go to sink. */
cs_rc cs_walk_list_resources(struct cs_walk *w, struct cs_walk_region *rw,
                             const struct cs_walk_listing *l,
                             enum cs_page_kind k, struct cs_walk_sink *sink);

/* Walks every page of l in rw's region, each a listing of kind k: its
 * names are collected into names (reset per page) and then handed to
 * on_names, which makes the describe calls. */
cs_rc cs_walk_list_names(struct cs_walk *w, struct cs_walk_region *rw,
                         const struct cs_walk_listing *l, enum cs_list_kind k,
                         struct cs_strlist *names,
                         cs_rc (*on_names)(void *ud, const struct cs_strlist *names),
                         void *ud);

/* A listing of names followed by one describe call per name (Lambda
 * ListTags per function, EKS DescribeCluster per cluster). */
struct cs_walk_each {
    struct cs_walk_listing list;  /* the listing */
    enum cs_list_kind list_kind;
    const char *operation;        /* the describe call (same service) */
    const char *path[3];          /* its path before the name, NULL-terminated */
    enum cs_page_kind kind;       /* its answer */
    const char *type;             /* the resources' type */
    int name_is_arn;              /* the answer names no ARN: the listed name is it */
};

/* Walks e in rw's region: every page of the listing, then the describe
 * call of each name it gave. */
cs_rc cs_walk_list_each(struct cs_walk *w, struct cs_walk_region *rw,
                        const struct cs_walk_each *e);

/* One describe call in rw's region whose answer is a resource page of
 * kind k; resources go to sink. A resource gone since it was listed
 * (ResourceNotFoundException, NoSuchBucket...) is skipped; the sink's
 * no_tags_code answer evaluates the sink's ARN without tags. When the
 * call fails the region records it (with service = req->service). */
cs_rc cs_walk_describe(struct cs_walk *w, struct cs_walk_region *rw,
                       const struct cs_aws_req *req, enum cs_page_kind k,
                       struct cs_walk_sink *sink);

#endif
