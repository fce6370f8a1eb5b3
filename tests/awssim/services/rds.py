"""RDS (query protocol): DescribeDBInstances with TagList, Marker/MaxRecords."""
from errors import ApiError
from world import RDS_DB

NAME = "rds"
SIGNING_NAME = "rds"
IAM_PREFIX = "rds"
REGION_RULE = "regional"


def _db(call, res):
    a = res.attrs
    engine = a.get("engine", "postgres")
    return {
        "DBInstanceIdentifier": res.name, "DBInstanceClass": a.get("class", "db.t3.medium"),
        "Engine": engine, "DBInstanceStatus": "available", "MasterUsername": "admin",
        "Endpoint": {"Address": f"{res.name}.abcdefghijkl.{res.region}.rds.amazonaws.com",
                     "Port": 5432 if "postgres" in engine else 3306},
        "AllocatedStorage": 100, "InstanceCreateTime": a.get("created"),
        "AvailabilityZone": res.region + "a", "MultiAZ": False, "StorageEncrypted": True,
        "DBInstanceArn": res.arn, "TagList": res.tag_dicts(),
    }


def describe_db_instances(call):
    p = call.params
    mr = p.get("MaxRecords")
    if mr is not None and not 20 <= mr <= 100:
        raise ApiError("InvalidParameterValue",
                       f"Invalid value {mr} for MaxRecords. Must be between 20 and 100")
    items = call.world.resources(call.account_id, call.region, RDS_DB)
    ident = p.get("DBInstanceIdentifier")
    if ident is not None:
        items = [r for r in items if r.name == ident or r.arn == ident]
        if not items:
            raise ApiError("DBInstanceNotFound", f"DBInstance {ident} not found.", 404)
    filters = []
    for f in p.get("Filters") or []:
        name, values = f.get("Name"), f.get("Values") or []
        if name == "db-instance-id":
            items = [r for r in items if r.name in values or r.arn in values]
        elif name == "engine":
            items = [r for r in items if r.attrs.get("engine", "postgres") in values]
        else:
            raise ApiError("InvalidParameterValue", f"Unrecognized filter name: {name}")
        filters.append((name, sorted(values)))
    page, nxt = call.page(items, p.get("Marker"), mr, ident or "", repr(filters))
    out = {"DBInstances": [_db(call, r) for r in page]}
    if nxt:
        out["Marker"] = nxt
    return out


OPERATIONS = {"DescribeDBInstances": describe_db_instances}
