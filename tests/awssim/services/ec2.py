"""EC2 (ec2 protocol): DescribeRegions, DescribeInstances, DescribeVolumes."""
import regions as regions_mod
from errors import ApiError
from world import EC2_INSTANCE, EC2_VOLUME, stable_hex

NAME = "ec2"
SIGNING_NAME = "ec2"
IAM_PREFIX = "ec2"
REGION_RULE = "regional"

_STATES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64,
           "stopped": 80}


def _bad(msg):
    return ApiError("InvalidParameterValue", msg)


def _filters(call):
    out = []
    for f in call.params.get("Filters") or []:
        if "Name" not in f:
            raise ApiError("InvalidParameterValue", "The filter 'null' is invalid")
        out.append((f["Name"], f.get("Values") or []))
    return out


def _tag_filter_ok(res, name, values):
    tags = dict(res.tags)
    if name == "tag-key":
        return any(v in tags for v in values)
    if name.startswith("tag:"):
        key = name[4:]
        return key in tags and tags[key] in values
    return None


def _max_results(call, lo, hi):
    mr = call.params.get("MaxResults")
    if mr is not None and not lo <= mr <= hi:
        raise _bad(f"Value ( {mr} ) for parameter maxResults is invalid. "
                   f"Expecting a value between {lo} and {hi}.")
    return mr


def describe_regions(call):
    acct = call.world.account(call.account_id)
    opted = acct.opt_in_regions if acct else ()
    names = call.params.get("RegionNames") or []
    for n in names:
        if not regions_mod.is_region(n):
            raise ApiError("InvalidParameterValue", f"Invalid region: {n}")
    all_regions = call.params.get("AllRegions", False)
    out = []
    for r in regions_mod.ALL_REGIONS:
        status = regions_mod.opt_in_status(r, opted)
        if names and r not in names:
            continue
        if not names and not all_regions and status == "not-opted-in":
            continue
        keep = True
        for fname, values in _filters(call):
            if fname == "opt-in-status":
                keep = keep and status in values
            elif fname == "region-name":
                keep = keep and r in values
            elif fname == "endpoint":
                keep = keep and regions_mod.endpoint_host("ec2", r) in values
            else:
                raise ApiError("InvalidParameterValue", f"The filter '{fname}' is invalid")
        if keep:
            out.append({"Endpoint": regions_mod.endpoint_host("ec2", r), "RegionName": r,
                        "OptInStatus": status})
    return {"Regions": out}


def _instance(res, az):
    a = res.attrs
    state = a.get("state", "running")
    inst = {
        "InstanceId": res.name, "ImageId": "ami-" + stable_hex("ami", res.name, n=17),
        "InstanceType": a.get("type", "t3.micro"),
        "State": {"Code": _STATES.get(state, 16), "Name": state},
        "LaunchTime": a.get("launched"), "Placement": {"AvailabilityZone": az, "Tenancy": "default"},
        "PrivateIpAddress": "10.0.%d.%d" % (int(stable_hex("ip", res.name, n=2), 16),
                                            int(stable_hex("ip2", res.name, n=2), 16) or 1),
        "Architecture": "x86_64", "RootDeviceType": "ebs", "RootDeviceName": "/dev/xvda",
    }
    if res.tags:
        inst["Tags"] = res.tag_dicts()
    return inst


def _select_page(call, kind, ids_param, max_hi, set_name, not_found, matches):
    """One page of kind: by ids, or filtered and paginated (MaxResults 5..max_hi)."""
    ids = call.params.get(ids_param) or []
    mr = _max_results(call, 5, max_hi)
    if ids and mr is not None:
        raise ApiError("InvalidParameterCombination",
                       f"The parameter {set_name} cannot be used with the parameter maxResults")
    items = call.world.resources(call.account_id, call.region, kind)
    if ids:
        known = {r.name for r in items}
        missing = [i for i in ids if i not in known]
        if missing:
            raise not_found(missing[0])
        items = [r for r in items if r.name in ids]
    filters = _filters(call)
    if filters:
        items = [r for r in items if matches(r, filters)]
    return call.page(items, call.params.get("NextToken"), mr, repr(sorted(ids)), repr(filters))


def describe_instances(call):
    page, nxt = _select_page(
        call, EC2_INSTANCE, "InstanceIds", 1000, "instancesSet",
        lambda i: ApiError("InvalidInstanceID.NotFound", f"The instance ID '{i}' does not exist"),
        _instance_matches)
    az = call.region + "a"
    reservations = []
    for res in page:
        rid = res.attrs.get("reservation") or "r-" + stable_hex("res", res.arn, n=17)
        if reservations and reservations[-1]["ReservationId"] == rid:
            reservations[-1]["Instances"].append(_instance(res, az))
        else:
            reservations.append({"ReservationId": rid, "OwnerId": call.account_id, "Groups": [],
                                 "Instances": [_instance(res, az)]})
    out = {"Reservations": reservations}
    if nxt:
        out["NextToken"] = nxt
    return out


def _instance_matches(res, filters):
    for name, values in filters:
        t = _tag_filter_ok(res, name, values)
        if t is None:
            if name == "instance-state-name":
                t = res.attrs.get("state", "running") in values
            elif name == "instance-id":
                t = res.name in values
            elif name == "instance-type":
                t = res.attrs.get("type", "t3.micro") in values
            else:
                raise ApiError("InvalidParameterValue", f"The filter '{name}' is invalid")
        if not t:
            return False
    return True


def _volume_matches(res, filters):
    for name, values in filters:
        t = _tag_filter_ok(res, name, values)
        if t is None:
            if name == "volume-id":
                t = res.name in values
            elif name == "status":
                t = ("in-use" if res.attrs.get("attached_to") else "available") in values
            else:
                raise ApiError("InvalidParameterValue", f"The filter '{name}' is invalid")
        if not t:
            return False
    return True


def describe_volumes(call):
    page, nxt = _select_page(
        call, EC2_VOLUME, "VolumeIds", 500, "volumeSet",
        lambda v: ApiError("InvalidVolume.NotFound", f"The volume '{v}' does not exist."),
        _volume_matches)
    vols = []
    for res in page:
        a = res.attrs
        attached = a.get("attached_to")
        v = {"VolumeId": res.name, "Size": a.get("size", 8), "AvailabilityZone": call.region + "a",
             "State": "in-use" if attached else "available", "VolumeType": "gp3",
             "CreateTime": a.get("created"), "Encrypted": True, "Iops": 3000,
             "Attachments": ([{"InstanceId": attached, "VolumeId": res.name, "Device": "/dev/xvda",
                               "State": "attached", "AttachTime": a.get("created"),
                               "DeleteOnTermination": True}] if attached else [])}
        if res.tags:
            v["Tags"] = res.tag_dicts()
        vols.append(v)
    out = {"Volumes": vols}
    if nxt:
        out["NextToken"] = nxt
    return out


OPERATIONS = {
    "DescribeRegions": describe_regions,
    "DescribeInstances": describe_instances,
    "DescribeVolumes": describe_volumes,
}
