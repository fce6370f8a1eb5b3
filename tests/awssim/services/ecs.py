"""ECS (JSON 1.1): ListClusters, DescribeClusters, ListServices, DescribeServices."""
from errors import ApiError
from world import ECS_CLUSTER, ECS_SERVICE

NAME = "ecs"
SIGNING_NAME = "ecs"
IAM_PREFIX = "ecs"
REGION_RULE = "regional"


def _bad(msg):
    return ApiError("InvalidParameterException", msg)


def _max(call, lo, hi):
    mr = call.params.get("maxResults")
    if mr is not None and not lo <= mr <= hi:
        raise _bad(f"maxResults must be between {lo} and {hi}")
    return mr


def _cluster_name(call, ref):
    ref = ref or "default"
    if ref.startswith("arn:"):
        parts = ref.split(":", 5)
        if len(parts) != 6 or parts[4] != call.account_id or not parts[5].startswith("cluster/"):
            return None
        return parts[5][len("cluster/"):]
    return ref


def _clusters(call):
    return call.world.resources(call.account_id, call.region, ECS_CLUSTER)


def _find_cluster(call, ref):
    name = _cluster_name(call, ref)
    for c in _clusters(call):
        if c.name == name:
            return c
    return None


def list_clusters(call):
    mr = _max(call, 1, 100)
    page, nxt = call.page(_clusters(call), call.params.get("nextToken"), mr)
    out = {"clusterArns": [c.arn for c in page]}
    if nxt:
        out["nextToken"] = nxt
    return out


def _services_of(call, cluster):
    return [s for s in call.world.resources(call.account_id, call.region, ECS_SERVICE)
            if s.attrs.get("cluster") == cluster.name]


def describe_clusters(call):
    refs = call.params.get("clusters") or ["default"]
    if len(refs) > 100:
        raise _bad("Clusters cannot have more than 100 elements")
    tags = "TAGS" in (call.params.get("include") or [])
    out, failures = [], []
    for ref in refs:
        c = _find_cluster(call, ref)
        if c is None:
            arn = ref if ref.startswith("arn:") else \
                f"arn:aws:ecs:{call.region}:{call.account_id}:cluster/{ref}"
            failures.append({"arn": arn, "reason": "MISSING"})
            continue
        services = _services_of(call, c)
        d = {"clusterArn": c.arn, "clusterName": c.name, "status": "ACTIVE",
             "registeredContainerInstancesCount": 0, "runningTasksCount": len(services),
             "pendingTasksCount": 0, "activeServicesCount": len(services)}
        if tags:
            d["tags"] = c.tag_dicts("key", "value")
        out.append(d)
    return {"clusters": out, "failures": failures}


def _cluster_or_fail(call):
    c = _find_cluster(call, call.params.get("cluster"))
    if c is None:
        raise ApiError("ClusterNotFoundException", "Cluster not found.")
    return c


def list_services(call):
    mr = _max(call, 1, 100)
    c = _cluster_or_fail(call)
    page, nxt = call.page(_services_of(call, c), call.params.get("nextToken"), mr, c.name)
    out = {"serviceArns": [s.arn for s in page]}
    if nxt:
        out["nextToken"] = nxt
    return out


def describe_services(call):
    c = _cluster_or_fail(call)
    refs = call.params["services"]
    if len(refs) > 10:
        raise _bad("services can have at most 10 items.")
    tags = "TAGS" in (call.params.get("include") or [])
    by_name = {s.name: s for s in _services_of(call, c)}
    by_arn = {s.arn: s for s in by_name.values()}
    out, failures = [], []
    for ref in refs:
        s = by_arn.get(ref) or by_name.get(ref)
        if s is None:
            arn = ref if ref.startswith("arn:") else \
                f"arn:aws:ecs:{call.region}:{call.account_id}:service/{c.name}/{ref}"
            failures.append({"arn": arn, "reason": "MISSING"})
            continue
        d = {"serviceArn": s.arn, "serviceName": s.name, "clusterArn": c.arn, "status": "ACTIVE",
             "desiredCount": 1, "runningCount": 1, "pendingCount": 0, "launchType": "FARGATE",
             "createdAt": s.attrs.get("created")}
        if tags:
            d["tags"] = s.tag_dicts("key", "value")
        out.append(d)
    return {"services": out, "failures": failures}


OPERATIONS = {
    "ListClusters": list_clusters,
    "DescribeClusters": describe_clusters,
    "ListServices": list_services,
    "DescribeServices": describe_services,
}
