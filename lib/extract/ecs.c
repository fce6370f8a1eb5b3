/* ecs: clusters (ListClusters, DescribeClusters with TAGS), then each
 * cluster's services (ListServices, DescribeServices with TAGS). */
#include "extract/category.h"

#include <stdlib.h>

/* DescribeClusters takes at most 100 clusters, DescribeServices 10
 * services per call. */
#define ECS_CLUSTERS_PER_CALL 100
#define ECS_SERVICES_PER_CALL 10
#define ECS_MAX_BODY (256 * 1024)

struct ecs {
    struct cs_walk *w;
    struct cs_walk_region *rw;
    struct cs_strlist services;  /* one ListServices page */
    const char *cluster;         /* the cluster whose services are listed */
};

/* One Describe* call on names [from, from + n) of list. */
static cs_rc describe_batch(struct ecs *e, const char *operation,
                            const char *list_member, const struct cs_strlist *names,
                            size_t from, size_t n, enum cs_page_kind kind,
                            const char *type)
{
    struct cs_walk_sink sink = {.w = e->w, .rw = e->rw, .type = type};
    struct cs_aws_req req = {.service = "ecs", .operation = operation,
                             .region = e->rw->region, .account_id = e->w->account};
    json_t *body = json_pack("{s:[s]}", "include", "TAGS");
    json_t *arr = json_array();
    char *text = NULL;
    size_t i;
    cs_rc rc = CS_ERR_NOMEM;

    if (body == NULL || arr == NULL)
        goto cleanup;
    for (i = from; i < from + n; i++)
        if (json_array_append_new(arr, json_string(cs_strlist_at(names, i))) != 0)
            goto cleanup;
    if (json_object_set(body, list_member, arr) != 0 ||
        (e->cluster && json_object_set_new(body, "cluster", json_string(e->cluster)) != 0))
        goto cleanup;
    text = json_dumps(body, JSON_COMPACT);
    if (text == NULL)
        goto cleanup;
    req.body = text;
    rc = cs_walk_describe(e->w, e->rw, &req, kind, &sink);
cleanup:
    if (rc == CS_ERR_NOMEM && text == NULL)
        cs_walk_fail_cell(e->w, rc, NULL);
    free(text);
    json_decref(arr);
    json_decref(body);
    return rc;
}

static cs_rc describe_all(struct ecs *e, const char *operation,
                          const char *list_member, const struct cs_strlist *names,
                          size_t per_call, enum cs_page_kind kind, const char *type)
{
    size_t i, n;
    cs_rc rc = CS_OK;

    for (i = 0; i < names->n && rc == CS_OK; i += n) {
        n = names->n - i < per_call ? names->n - i : per_call;
        rc = describe_batch(e, operation, list_member, names, i, n, kind, type);
    }
    return rc;
}

static cs_rc on_services(void *ud, const struct cs_strlist *arns)
{
    struct ecs *e = ud;

    return describe_all(e, "DescribeServices", "services", arns,
                        ECS_SERVICES_PER_CALL, CS_PAGE_ECS_SERVICES, "ecs:service");
}

static cs_rc on_clusters(void *ud, const struct cs_strlist *arns)
{
    struct ecs *e = ud;
    size_t i;
    cs_rc rc;

    e->cluster = NULL;
    rc = describe_all(e, "DescribeClusters", "clusters", arns,
                      ECS_CLUSTERS_PER_CALL, CS_PAGE_ECS_CLUSTERS, "ecs:cluster");
    for (i = 0; i < arns->n && rc == CS_OK; i++) {
        json_t *body = json_pack("{s:s, s:i}", "cluster", cs_strlist_at(arns, i),
                                 "maxResults", 100);
        struct cs_walk_listing l = {.service = "ecs", .operation = "ListServices",
                                    .token = "nextToken", .token_in_body = 1,
                                    .body = body};
        if (body == NULL)
            return cs_walk_fail_cell(e->w, CS_ERR_NOMEM, NULL);
        e->cluster = cs_strlist_at(arns, i);
        rc = cs_walk_list_names(e->w, e->rw, &l, CS_LIST_ECS_SERVICES, &e->services,
                                on_services, e);
        json_decref(body);
    }
    e->cluster = NULL;
    return rc;
}

cs_rc cs_extract_ecs_region(struct cs_walk *w, struct cs_walk_region *rw)
{
    json_t *body = json_pack("{s:i}", "maxResults", 100);
    struct cs_walk_listing l = {.service = "ecs", .operation = "ListClusters",
                                .token = "nextToken", .token_in_body = 1,
                                .body = body};
    struct cs_strlist clusters = CS_STRLIST_INIT;
    struct ecs e = {w, rw, CS_STRLIST_INIT, NULL};
    cs_rc rc;

    if (body == NULL)
        return cs_walk_fail_cell(w, CS_ERR_NOMEM, NULL);
    rc = cs_walk_list_names(w, rw, &l, CS_LIST_ECS_CLUSTERS, &clusters, on_clusters, &e);
    cs_strlist_free(&clusters);
    cs_strlist_free(&e.services);
    json_decref(body);
    return rc;
}
