#include "extract/parse.h"

#include <string.h>

#include <jansson.h>

#include "aws/json.h"
#include "aws/xml.h"

/* ------------------------------------------------------------ helpers */

/* Copies len bytes of s into a fixed buffer; what does not fit is a
 * malformed answer, not something to cut. */
static cs_rc copy_text(char *out, size_t outlen, const char *s, size_t len,
                       const char *what, struct cs_err *err)
{
    if (len >= outlen)
        return cs_err_set(err, CS_ERR_LIMIT, "%s longer than %zu bytes", what,
                          outlen - 1);
    memcpy(out, s, len);
    out[len] = '\0';
    return CS_OK;
}

static void clear(char *next, size_t nextlen)
{
    if (next && nextlen)
        next[0] = '\0';
}

/* ------------------------------------------------------- XML resources */

/* Full element paths of one XML resource page: the resource element, its
 * id, one tag, the tag's key and value, the next-page token. */
struct xml_spec {
    const char *item, *id, *tag, *key, *value, *next;
};

#define EC2_INSTANCE "DescribeInstancesResponse/reservationSet/item/instancesSet/item"
#define EC2_VOLUME "DescribeVolumesResponse/volumeSet/item"
#define RDS_RESULT "DescribeDBInstancesResponse/DescribeDBInstancesResult"
#define RDS_DB RDS_RESULT "/DBInstances/DBInstance"

static const struct xml_spec xml_specs[] = {
    [CS_PAGE_EC2_INSTANCES] = {EC2_INSTANCE, EC2_INSTANCE "/instanceId",
                               EC2_INSTANCE "/tagSet/item",
                               EC2_INSTANCE "/tagSet/item/key",
                               EC2_INSTANCE "/tagSet/item/value",
                               "DescribeInstancesResponse/nextToken"},
    [CS_PAGE_EC2_VOLUMES] = {EC2_VOLUME, EC2_VOLUME "/volumeId",
                             EC2_VOLUME "/tagSet/item",
                             EC2_VOLUME "/tagSet/item/key",
                             EC2_VOLUME "/tagSet/item/value",
                             "DescribeVolumesResponse/nextToken"},
    [CS_PAGE_RDS_INSTANCES] = {RDS_DB, RDS_DB "/DBInstanceArn",
                               RDS_DB "/TagList/Tag", RDS_DB "/TagList/Tag/Key",
                               RDS_DB "/TagList/Tag/Value",
                               RDS_RESULT "/Marker"},
    [CS_PAGE_S3_TAGS] = {"Tagging", NULL, "Tagging/TagSet/Tag",
                         "Tagging/TagSet/Tag/Key", "Tagging/TagSet/Tag/Value",
                         NULL},
};

enum { X_ITEM, X_ID, X_TAG, X_KEY, X_VALUE, X_NEXT };

struct xml_state {
    struct cs_tagset *ts;
    cs_page_resource_fn fn;
    void *ud;
    int want_id;
    int have_id;
    char id[CS_PAGE_ID_MAX];
    char *next;
    size_t nextlen;
};

static cs_rc xml_item_end(struct xml_state *st, struct cs_err *err)
{
    const struct cs_tag *tags;
    size_t n;
    cs_rc rc;

    if (st->want_id && !st->have_id)
        return cs_err_set(err, CS_ERR_PARSE, "a resource without its id");
    rc = cs_tagset_view(st->ts, &tags, &n, err);
    if (rc == CS_OK)
        rc = st->fn(st->ud, st->id, tags, n, err);
    return rc;
}

static cs_rc on_xml_resource(void *ud, int id, enum cs_xml_event ev,
                             const char *text, size_t len, struct cs_err *err)
{
    struct xml_state *st = ud;

    switch (id) {
    case X_ITEM:
        if (ev == CS_XML_START) {
            cs_tagset_reset(st->ts);
            st->id[0] = '\0';
            st->have_id = 0;
            return CS_OK;
        }
        return xml_item_end(st, err);
    case X_ID:
        st->have_id = 1;
        return copy_text(st->id, sizeof(st->id), text, len, "resource id", err);
    case X_TAG:
        return cs_tagset_begin(st->ts, err);
    case X_KEY:
        return cs_tagset_key(st->ts, text, len, err);
    case X_VALUE:
        return cs_tagset_value(st->ts, text, len, err);
    case X_NEXT:
        return copy_text(st->next, st->nextlen, text, len, "page token", err);
    default:
        return CS_OK;
    }
}

static cs_rc xml_resources(const struct xml_spec *sp, const char *body,
                           size_t len, struct cs_tagset *ts,
                           cs_page_resource_fn fn, void *ud, char *next,
                           size_t nextlen, struct cs_err *err)
{
    struct cs_xml_rule rules[6];
    struct xml_state st;
    size_t n = 0;

    memset(&st, 0, sizeof(st));
    st.ts = ts;
    st.fn = fn;
    st.ud = ud;
    st.want_id = sp->id != NULL;
    st.next = next;
    st.nextlen = nextlen;
    rules[n++] = (struct cs_xml_rule){sp->item, X_ITEM, CS_XML_START | CS_XML_END};
    if (sp->id)
        rules[n++] = (struct cs_xml_rule){sp->id, X_ID, CS_XML_TEXT};
    rules[n++] = (struct cs_xml_rule){sp->tag, X_TAG, CS_XML_START};
    rules[n++] = (struct cs_xml_rule){sp->key, X_KEY, CS_XML_TEXT};
    rules[n++] = (struct cs_xml_rule){sp->value, X_VALUE, CS_XML_TEXT};
    if (sp->next && next && nextlen)
        rules[n++] = (struct cs_xml_rule){sp->next, X_NEXT, CS_XML_TEXT};
    return cs_xml_parse(rules, n, on_xml_resource, &st, body, len, err);
}

/* ------------------------------------------------------ JSON resources */

/* Where the resources of a JSON page are: an array member (list), one
 * object member (one), or the document itself (both NULL); the ARN
 * member; the tags as an object {k: v} or a list [{key_name, value_name}]. */
struct json_spec {
    const char *list, *one, *arn, *tags;
    int tags_list;
    const char *key_name, *value_name;
    const char *next;
};

static const struct json_spec json_specs[] = {
    [CS_PAGE_LAMBDA_TAGS] = {NULL, NULL, NULL, "Tags", 0, NULL, NULL, NULL},
    [CS_PAGE_ECS_CLUSTERS] = {"clusters", NULL, "clusterArn", "tags", 1, "key", "value", NULL},
    [CS_PAGE_ECS_SERVICES] = {"services", NULL, "serviceArn", "tags", 1, "key", "value", NULL},
    [CS_PAGE_EKS_CLUSTER] = {NULL, "cluster", "arn", "tags", 0, NULL, NULL, NULL},
    [CS_PAGE_TAGGING] = {"ResourceTagMappingList", NULL, "ResourceARN", "Tags", 1,
                         "Key", "Value", "PaginationToken"},
};

/* A member that must be a string when present: NULL (absent or null) is
 * "", any other type is a malformed answer. */
static cs_rc json_opt_str(const json_t *obj, const char *key, const char **out,
                          struct cs_err *err)
{
    const json_t *v = json_object_get(obj, key);

    *out = "";
    if (v == NULL || json_is_null(v))
        return CS_OK;
    if (!json_is_string(v))
        return cs_err_set(err, CS_ERR_PARSE, "\"%s\" is not a string", key);
    *out = json_string_value(v);
    return CS_OK;
}

static cs_rc json_tags(const struct json_spec *sp, const json_t *res,
                       struct cs_tagset *ts, struct cs_err *err)
{
    const json_t *tags = json_object_get(res, sp->tags), *v;
    const char *key, *value;
    size_t i;
    cs_rc rc = CS_OK;

    cs_tagset_reset(ts);
    if (tags == NULL || json_is_null(tags))
        return CS_OK;
    if (!sp->tags_list) {
        if (!json_is_object(tags))
            return cs_err_set(err, CS_ERR_PARSE, "\"%s\" is not an object", sp->tags);
        json_object_foreach((json_t *)tags, key, v) {
            if (!json_is_string(v))
                return cs_err_set(err, CS_ERR_PARSE, "tag value of \"%.64s\" is not a string",
                                  key);
            rc = cs_tagset_add(ts, key, json_string_value(v), err);
            if (rc != CS_OK)
                return rc;
        }
        return CS_OK;
    }
    if (!json_is_array(tags))
        return cs_err_set(err, CS_ERR_PARSE, "\"%s\" is not an array", sp->tags);
    json_array_foreach(tags, i, v) {
        if (!json_is_object(v) || !json_is_string(json_object_get(v, sp->key_name)))
            return cs_err_set(err, CS_ERR_PARSE, "%s[%zu] has no string \"%s\"", sp->tags,
                              i, sp->key_name);
        rc = json_opt_str(v, sp->value_name, &value, err);
        if (rc == CS_OK)
            rc = cs_tagset_add(ts, json_string_value(json_object_get(v, sp->key_name)),
                               value, err);
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

static cs_rc json_resource(const struct json_spec *sp, const json_t *res,
                           struct cs_tagset *ts, cs_page_resource_fn fn,
                           void *ud, struct cs_err *err)
{
    const struct cs_tag *tags;
    const char *arn = "";
    size_t n;
    cs_rc rc;

    if (!json_is_object(res))
        return cs_err_set(err, CS_ERR_PARSE, "a resource that is not an object");
    if (sp->arn) {
        arn = cs_json_str(res, sp->arn);
        if (arn == NULL || arn[0] == '\0')
            return cs_err_set(err, CS_ERR_PARSE, "a resource without \"%s\"", sp->arn);
        if (strlen(arn) >= CS_PAGE_ID_MAX)
            return cs_err_set(err, CS_ERR_LIMIT, "\"%s\" longer than %d bytes", sp->arn,
                              CS_PAGE_ID_MAX - 1);
    }
    rc = json_tags(sp, res, ts, err);
    if (rc == CS_OK)
        rc = cs_tagset_view(ts, &tags, &n, err);
    if (rc == CS_OK)
        rc = fn(ud, arn, tags, n, err);
    return rc;
}

/* The next-page token member: absent, null or "" ends the listing. */
static cs_rc json_next(const json_t *doc, const char *key, char *next,
                       size_t nextlen, struct cs_err *err)
{
    const char *tok;
    cs_rc rc;

    if (key == NULL || next == NULL || nextlen == 0)
        return CS_OK;
    rc = json_opt_str(doc, key, &tok, err);
    if (rc == CS_OK)
        rc = copy_text(next, nextlen, tok, strlen(tok), "page token", err);
    return rc;
}

static cs_rc json_resources(const struct json_spec *sp, const char *body,
                            size_t len, struct cs_tagset *ts,
                            cs_page_resource_fn fn, void *ud, char *next,
                            size_t nextlen, struct cs_err *err)
{
    json_t *doc = NULL, *v;
    size_t i;
    cs_rc rc = cs_aws_json_parse(body, len, &doc, err);

    if (rc != CS_OK)
        return rc;
    /* the token first: it is copied out before any callback runs */
    rc = json_next(doc, sp->next, next, nextlen, err);
    if (rc != CS_OK)
        goto cleanup;
    if (sp->list) {
        v = json_object_get(doc, sp->list);
        if (v != NULL && !json_is_array(v)) {
            rc = cs_err_set(err, CS_ERR_PARSE, "\"%s\" is not an array", sp->list);
            goto cleanup;
        }
        for (i = 0; i < json_array_size(v); i++) {
            rc = json_resource(sp, json_array_get(v, i), ts, fn, ud, err);
            if (rc != CS_OK)
                goto cleanup;
        }
    } else if (sp->one) {
        v = json_object_get(doc, sp->one);
        if (v == NULL)
            rc = cs_err_set(err, CS_ERR_PARSE, "no \"%s\" in the answer", sp->one);
        else
            rc = json_resource(sp, v, ts, fn, ud, err);
    } else {
        rc = json_resource(sp, doc, ts, fn, ud, err);
    }
cleanup:
    /* the page is dropped here: nothing of it outlives the call */
    json_decref(doc);
    return rc;
}

cs_rc cs_page_resources(enum cs_page_kind k, const char *body, size_t len,
                        struct cs_tagset *ts, cs_page_resource_fn fn,
                        void *ud, char *next, size_t nextlen,
                        struct cs_err *err)
{
    clear(next, nextlen);
    switch (k) {
    case CS_PAGE_EC2_INSTANCES:
    case CS_PAGE_EC2_VOLUMES:
    case CS_PAGE_RDS_INSTANCES:
    case CS_PAGE_S3_TAGS:
        return xml_resources(&xml_specs[k], body, len, ts, fn, ud, next, nextlen, err);
    case CS_PAGE_LAMBDA_TAGS:
    case CS_PAGE_ECS_CLUSTERS:
    case CS_PAGE_ECS_SERVICES:
    case CS_PAGE_EKS_CLUSTER:
    case CS_PAGE_TAGGING:
        return json_resources(&json_specs[k], body, len, ts, fn, ud, next, nextlen, err);
    default:
        return cs_err_set(err, CS_ERR_INVALID, "page kind %d unknown", (int)k);
    }
}

/* --------------------------------------------------------------- names */

/* A JSON listing: the array member, the member of each element holding
 * the name (NULL: the elements are the names), the token member. */
static const struct {
    const char *list, *member, *next;
} name_specs[] = {
    [CS_LIST_LAMBDA_FUNCTIONS] = {"Functions", "FunctionArn", "NextMarker"},
    [CS_LIST_ECS_CLUSTERS] = {"clusterArns", NULL, "nextToken"},
    [CS_LIST_ECS_SERVICES] = {"serviceArns", NULL, "nextToken"},
    [CS_LIST_EKS_CLUSTERS] = {"clusters", NULL, "nextToken"},
};

static cs_rc json_names(enum cs_list_kind k, const char *body, size_t len,
                        cs_page_name_fn fn, void *ud, char *next,
                        size_t nextlen, struct cs_err *err)
{
    json_t *doc = NULL, *list, *v;
    const char *name;
    size_t i;
    cs_rc rc = cs_aws_json_parse(body, len, &doc, err);

    if (rc != CS_OK)
        return rc;
    rc = json_next(doc, name_specs[k].next, next, nextlen, err);
    list = json_object_get(doc, name_specs[k].list);
    if (rc == CS_OK && list != NULL && !json_is_array(list))
        rc = cs_err_set(err, CS_ERR_PARSE, "\"%s\" is not an array", name_specs[k].list);
    for (i = 0; rc == CS_OK && i < json_array_size(list); i++) {
        v = json_array_get(list, i);
        if (name_specs[k].member)
            v = json_object_get(v, name_specs[k].member);
        name = json_string_value(v);
        if (name == NULL || name[0] == '\0')
            rc = cs_err_set(err, CS_ERR_PARSE, "%s[%zu] is not a name", name_specs[k].list, i);
        else if (strlen(name) >= CS_PAGE_ID_MAX)
            rc = cs_err_set(err, CS_ERR_LIMIT, "%s[%zu] longer than %d bytes",
                            name_specs[k].list, i, CS_PAGE_ID_MAX - 1);
        else
            rc = fn(ud, name, strlen(name), err);
    }
    json_decref(doc);
    return rc;
}

struct name_state {
    cs_page_name_fn fn;
    void *ud;
};

static cs_rc on_xml_name(void *ud, int id, enum cs_xml_event ev,
                         const char *text, size_t len, struct cs_err *err)
{
    struct name_state *st = ud;

    (void)id;
    (void)ev;
    if (len == 0)
        return cs_err_set(err, CS_ERR_PARSE, "an empty bucket name");
    if (len >= CS_PAGE_ID_MAX)
        return cs_err_set(err, CS_ERR_LIMIT, "a bucket name longer than %d bytes",
                          CS_PAGE_ID_MAX - 1);
    return st->fn(st->ud, text, len, err);
}

cs_rc cs_page_names(enum cs_list_kind k, const char *body, size_t len,
                    cs_page_name_fn fn, void *ud, char *next, size_t nextlen,
                    struct cs_err *err)
{
    static const struct cs_xml_rule buckets[] = {
        {"ListAllMyBucketsResult/Buckets/Bucket/Name", 0, CS_XML_TEXT}};
    struct name_state st = {fn, ud};

    clear(next, nextlen);
    switch (k) {
    case CS_LIST_S3_BUCKETS:
        return cs_xml_parse(buckets, 1, on_xml_name, &st, body, len, err);
    case CS_LIST_LAMBDA_FUNCTIONS:
    case CS_LIST_ECS_CLUSTERS:
    case CS_LIST_ECS_SERVICES:
    case CS_LIST_EKS_CLUSTERS:
        return json_names(k, body, len, fn, ud, next, nextlen, err);
    default:
        return cs_err_set(err, CS_ERR_INVALID, "listing kind %d unknown", (int)k);
    }
}

/* ------------------------------------------------------------- regions */

enum { R_ITEM, R_NAME, R_STATUS };

struct region_state {
    cs_page_region_fn fn;
    void *ud;
    char name[CS_PAGE_WORD_MAX];
    char status[CS_PAGE_WORD_MAX];
};

static cs_rc on_region(void *ud, int id, enum cs_xml_event ev, const char *text,
                       size_t len, struct cs_err *err)
{
    struct region_state *st = ud;

    if (id == R_NAME)
        return copy_text(st->name, sizeof(st->name), text, len, "region name", err);
    if (id == R_STATUS)
        return copy_text(st->status, sizeof(st->status), text, len, "opt-in status", err);
    if (ev == CS_XML_START) {
        st->name[0] = st->status[0] = '\0';
        return CS_OK;
    }
    if (st->name[0] == '\0')
        return cs_err_set(err, CS_ERR_PARSE, "a region without regionName");
    return st->fn(st->ud, st->name, st->status, err);
}

cs_rc cs_page_regions(const char *body, size_t len, cs_page_region_fn fn,
                      void *ud, struct cs_err *err)
{
#define REGION_ITEM "DescribeRegionsResponse/regionInfo/item"
    static const struct cs_xml_rule rules[] = {
        {REGION_ITEM, R_ITEM, CS_XML_START | CS_XML_END},
        {REGION_ITEM "/regionName", R_NAME, CS_XML_TEXT},
        {REGION_ITEM "/optInStatus", R_STATUS, CS_XML_TEXT},
    };
#undef REGION_ITEM
    struct region_state st;

    memset(&st, 0, sizeof(st));
    st.fn = fn;
    st.ud = ud;
    return cs_xml_parse(rules, 3, on_region, &st, body, len, err);
}

/* ---------------------------------------------------------- S3 location */

const char *cs_s3_location_region(const char *constraint)
{
    if (constraint == NULL || constraint[0] == '\0')
        return "us-east-1";
    if (strcmp(constraint, "EU") == 0)
        return "eu-west-1";
    return constraint;
}

struct location_state {
    char constraint[CS_PAGE_WORD_MAX];
};

static cs_rc on_location(void *ud, int id, enum cs_xml_event ev,
                         const char *text, size_t len, struct cs_err *err)
{
    struct location_state *st = ud;

    (void)id;
    (void)ev;
    return copy_text(st->constraint, sizeof(st->constraint), text, len,
                     "LocationConstraint", err);
}

cs_rc cs_page_s3_location(const char *body, size_t len, char *out,
                          size_t outlen, struct cs_err *err)
{
    static const struct cs_xml_rule rule[] = {{"LocationConstraint", 0, CS_XML_TEXT}};
    struct location_state st;
    const char *region;
    cs_rc rc;

    memset(&st, 0, sizeof(st));
    rc = cs_xml_parse(rule, 1, on_location, &st, body, len, err);
    if (rc != CS_OK)
        return rc;
    region = cs_s3_location_region(st.constraint);
    return copy_text(out, outlen, region, strlen(region), "bucket region", err);
}
