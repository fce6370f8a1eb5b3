"""S3 (rest-xml, path-style): ListBuckets, GetBucketLocation, GetBucketTagging.

Bucket calls must be signed for the bucket's home region (GetBucketLocation
excepted), as S3 requires: otherwise AuthorizationHeaderMalformed naming the
expected region. A bucket without tags answers NoSuchTagSet (404).
"""
from xml.sax.saxutils import escape

from errors import ApiError
from protocols import iso8601
from world import stable_hex

NAME = "s3"
SIGNING_NAME = "s3"
IAM_PREFIX = "s3"
REGION_RULE = "regional"
IAM_ACTIONS = {"ListBuckets": "s3:ListAllMyBuckets"}
NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _owner(account_id):
    return {"ID": stable_hex("canonical", account_id, n=64), "DisplayName": f"aws+{account_id}"}


def _bucket(call, check_region=True):
    name = call.params["Bucket"]
    b = call.world.bucket(name)
    if b is None:
        raise ApiError("NoSuchBucket", "The specified bucket does not exist", 404,
                       {"BucketName": name})
    if b.account_id != call.account_id:
        raise ApiError("AccessDenied", "Access Denied", 403)
    if check_region and b.region != call.region:
        raise ApiError("AuthorizationHeaderMalformed",
                       f"The authorization header is malformed; the region '{call.region}' is "
                       f"wrong; expecting '{b.region}'", 400, {"Region": b.region},
                       {"x-amz-bucket-region": b.region})
    return b


def list_buckets(call):
    return {"Buckets": [{"Name": b.name, "CreationDate": b.attrs.get("created")}
                        for b in call.world.buckets(call.account_id)],
            "Owner": _owner(call.account_id)}


def get_bucket_location(call):
    b = _bucket(call, check_region=False)
    lc = b.attrs.get("location_constraint")
    if lc is None:
        lc = "" if b.region == "us-east-1" else b.region
    return {"LocationConstraint": lc}


def get_bucket_tagging(call):
    b = _bucket(call)
    if not b.tags:
        raise ApiError("NoSuchTagSet", "The TagSet does not exist", 404, {"BucketName": b.name})
    return {"TagSet": b.tag_dicts()}


OPERATIONS = {
    "ListBuckets": list_buckets,
    "GetBucketLocation": get_bucket_location,
    "GetBucketTagging": get_bucket_tagging,
}


def render(operation, data):
    """The XML document S3 answers operation with."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    if operation == "ListBuckets":
        o = data["Owner"]
        out.append(f'<ListAllMyBucketsResult xmlns="{NS}"><Owner><ID>{o["ID"]}</ID>'
                   f'<DisplayName>{escape(o["DisplayName"])}</DisplayName></Owner><Buckets>')
        for b in data["Buckets"]:
            out.append(f"<Bucket><Name>{escape(b['Name'])}</Name>"
                       f"<CreationDate>{iso8601(b['CreationDate'])}</CreationDate></Bucket>")
        out.append("</Buckets></ListAllMyBucketsResult>")
    elif operation == "GetBucketLocation":
        lc = data["LocationConstraint"]
        out.append(f'<LocationConstraint xmlns="{NS}">{escape(lc)}</LocationConstraint>' if lc
                   else f'<LocationConstraint xmlns="{NS}"/>')
    elif operation == "GetBucketTagging":
        out.append(f'<Tagging xmlns="{NS}"><TagSet>')
        for t in data["TagSet"]:
            out.append(f"<Tag><Key>{escape(t['Key'])}</Key><Value>{escape(t['Value'])}</Value></Tag>")
        out.append("</TagSet></Tagging>")
    else:
        raise ValueError(f"s3 cannot render {operation}")
    return "".join(out).encode("utf-8")
