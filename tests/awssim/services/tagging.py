"""Resource Groups Tagging API (JSON 1.1): GetResources.

Lists the account's resources in the region that carry at least one tag
(the API only knows resources that have or had tags), S3 buckets in their
home region, plus the fixture's "other" resources (dynamodb, sns, sqs...).
"""
from errors import ApiError
from world import REGIONAL_KINDS

NAME = "resourcegroupstaggingapi"
SIGNING_NAME = "tagging"
IAM_PREFIX = "tag"
REGION_RULE = "regional"


def _bad(msg):
    return ApiError("InvalidParameterException", msg)


def arn_type(arn):
    """(service, resource type or None) as the API reads them from an ARN."""
    parts = arn.split(":", 5)
    service, resource = parts[2], parts[5]
    for sep in ("/", ":"):
        if sep in resource:
            return service, resource.split(sep, 1)[0]
    return service, None


def _type_ok(arn, filters):
    if not filters:
        return True
    service, rtype = arn_type(arn)
    implied = {"s3": "bucket", "sns": "topic", "sqs": "queue"}.get(service)
    for f in filters:
        fs, _, ft = f.partition(":")
        if fs == service and (not ft or ft == rtype or ft == implied):
            return True
    return False


def _tags_ok(tags, tag_filters):
    d = dict(tags)
    for tf in tag_filters:
        key = tf.get("Key")
        if key not in d:
            return False
        values = tf.get("Values") or []
        if values and d[key] not in values:
            return False
    return True


def tagged_resources(world, account_id, region):
    """What GetResources knows in (account, region): every resource with a tag."""
    out = []
    for kind in REGIONAL_KINDS:
        out.extend(r for r in world.resources(account_id, region, kind) if r.tags)
    out.extend(b for b in world.buckets(account_id) if b.region == region and b.tags)
    return out


def get_resources(call):
    p = call.params
    type_filters = p.get("ResourceTypeFilters") or []
    tag_filters = p.get("TagFilters") or []
    arns = p.get("ResourceARNList")
    if arns and (type_filters or tag_filters):
        raise _bad("ResourceARNList can't be used with ResourceTypeFilters or TagFilters")
    for f in type_filters:
        fs, sep, ft = f.partition(":")
        if not fs or (sep and not ft):
            raise _bad(f"Unsupported service or resource type: {f}")
    for tf in tag_filters:
        if "Key" not in tf:
            raise _bad("TagFilter Key must be specified")
    per_page = p.get("ResourcesPerPage")
    if per_page is not None and not 1 <= per_page <= 100:
        raise _bad("ResourcesPerPage must be between 1 and 100")
    items = [r for r in tagged_resources(call.world, call.account_id, call.region) if _type_ok(r.arn, type_filters)
             and _tags_ok(r.tags, tag_filters) and (not arns or r.arn in arns)]
    scope = (repr(sorted(type_filters)), repr(tag_filters), repr(arns))
    page, nxt = call.page(items, p.get("PaginationToken") or None, per_page, *scope)
    return {"PaginationToken": nxt or "",
            "ResourceTagMappingList": [{"ResourceARN": r.arn, "Tags": r.tag_dicts()} for r in page]}


OPERATIONS = {"GetResources": get_resources}
