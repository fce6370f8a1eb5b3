"""EKS (rest-json): ListClusters (nextToken/maxResults), DescribeCluster with tags."""
from errors import ApiError
from world import EKS_CLUSTER, stable_hex

NAME = "eks"
SIGNING_NAME = "eks"
IAM_PREFIX = "eks"
REGION_RULE = "regional"


def list_clusters(call):
    items = call.world.resources(call.account_id, call.region, EKS_CLUSTER)
    page, nxt = call.page(items, call.params.get("nextToken"), call.params.get("maxResults"))
    out = {"clusters": [c.name for c in page]}
    if nxt:
        out["nextToken"] = nxt
    return out


def describe_cluster(call):
    name = call.params["name"]
    for c in call.world.resources(call.account_id, call.region, EKS_CLUSTER):
        if c.name == name:
            h = stable_hex("eks", c.arn, n=32).upper()
            return {"cluster": {
                "name": c.name, "arn": c.arn, "createdAt": c.attrs.get("created"),
                "version": c.attrs.get("version", "1.29"), "status": "ACTIVE",
                "endpoint": f"https://{h}.gr7.{c.region}.eks.amazonaws.com",
                "roleArn": f"arn:aws:iam::{c.account_id}:role/eks-cluster",
                "platformVersion": "eks.1", "tags": dict(c.tags)}}
    raise ApiError("ResourceNotFoundException", f"No cluster found for name: {name}.", 404,
                   {"clusterName": name})


OPERATIONS = {"ListClusters": list_clusters, "DescribeCluster": describe_cluster}
