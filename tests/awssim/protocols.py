"""Wire formats: answers and errors in each AWS protocol.

The encoders walk botocore's output shapes, so element and key names,
list wrappers and timestamp formats are the ones botocore's parsers (and
real AWS) use: query XML (sts, rds), ec2 XML, JSON 1.1 (organizations, ecs,
tagging), rest-json (lambda, eks). S3's few rest-xml documents are written
by services/s3.py; S3 errors are rendered here.
"""
import base64
import datetime
import json
import os
import uuid
from xml.sax.saxutils import escape

from errors import ApiError


class Response:
    """What the server sends: status, headers, body."""

    def __init__(self, status, body=b"", headers=None):
        self.status = status
        self.body = body
        self.headers = list(headers or [])

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def new_request_id(service):
    if service == "s3":
        return os.urandom(8).hex().upper()
    return str(uuid.uuid4())


def request_id_headers(service, rid):
    if service == "s3":
        host_id = base64.b64encode(os.urandom(48)).decode()
        return [("x-amz-request-id", rid), ("x-amz-id-2", host_id)]
    return [("x-amzn-RequestId", rid)]


def iso8601(ts):
    if isinstance(ts, (int, float)):
        ts = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    ts = ts.astimezone(datetime.timezone.utc)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def epoch(ts):
    if isinstance(ts, (int, float)):
        return float(ts)
    return round(ts.timestamp(), 3)


# ---------------- XML (query, ec2) ----------------

def _xml_scalar(shape, v):
    t = shape.type_name
    if t == "boolean":
        return "true" if v else "false"
    if t == "timestamp":
        return iso8601(v)
    if t == "blob":
        return base64.b64encode(v).decode()
    return escape(str(v))


def _xml_elem(tag, shape, v, out):
    t = shape.type_name
    if t == "structure":
        out.append(f"<{tag}>")
        _xml_members(shape, v, out)
        out.append(f"</{tag}>")
    elif t == "list":
        out.append(f"<{tag}>")
        mtag = shape.member.serialization.get("name", "member")
        for x in v:
            _xml_elem(mtag, shape.member, x, out)
        out.append(f"</{tag}>")
    elif t == "map":
        out.append(f"<{tag}>")
        kt = shape.key.serialization.get("name", "key")
        vt = shape.value.serialization.get("name", "value")
        for k, x in v.items():
            out.append("<entry>")
            _xml_elem(kt, shape.key, k, out)
            _xml_elem(vt, shape.value, x, out)
            out.append("</entry>")
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_xml_scalar(shape, v)}</{tag}>")


def _check_keys(shape, value):
    unknown = set(value) - set(shape.members)
    if unknown:
        raise ValueError(f"{shape.name} has no member {sorted(unknown)[0]}")


def _xml_members(shape, value, out):
    _check_keys(shape, value)
    for mname, mshape in shape.members.items():
        v = value.get(mname)
        if v is None:
            continue
        if mshape.type_name == "list" and mshape.serialization.get("flattened"):
            tag = mshape.member.serialization.get("name") or mshape.serialization.get("name", mname)
            for x in v:
                _xml_elem(tag, mshape.member, x, out)
        else:
            _xml_elem(mshape.serialization.get("name", mname), mshape, v, out)


def _namespace(api):
    ns = api.model.metadata.get("xmlNamespace", "")
    return ns if ns.endswith("/") else ns + "/"


def _query_body(api, op, data, rid):
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    out.append(f'<{op.name}Response xmlns="{_namespace(api)}">')
    shape = op.output_shape
    wrapper = shape.serialization.get("resultWrapper") if shape is not None else None
    if shape is not None and wrapper:
        out.append(f"<{wrapper}>")
        _xml_members(shape, data, out)
        out.append(f"</{wrapper}>")
    out.append(f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>")
    out.append(f"</{op.name}Response>")
    return "".join(out).encode()


def _ec2_body(api, op, data, rid):
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    out.append(f'<{op.name}Response xmlns="{_namespace(api)}">')
    out.append(f"<requestId>{rid}</requestId>")
    if op.output_shape is not None:
        _xml_members(op.output_shape, data, out)
    out.append(f"</{op.name}Response>")
    return "".join(out).encode()


# ---------------- JSON (json, rest-json) ----------------

def _json_value(shape, v, protocol):
    t = shape.type_name
    if t == "structure":
        _check_keys(shape, v)
        out = {}
        for mname, mshape in shape.members.items():
            if mshape.serialization.get("location"):
                continue
            x = v.get(mname)
            if x is not None:
                out[mshape.serialization.get("name", mname)] = _json_value(mshape, x, protocol)
        return out
    if t == "list":
        return [_json_value(shape.member, x, protocol) for x in v]
    if t == "map":
        return {k: _json_value(shape.value, x, protocol) for k, x in v.items()}
    if t == "timestamp":
        if shape.serialization.get("timestampFormat") == "iso8601":
            return iso8601(v)
        return epoch(v)
    if t == "blob":
        return base64.b64encode(v).decode()
    return v


def _json_dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---------------- entry points ----------------

def render(service, api, op, data, rid):
    """The success Response for op with output data (a dict shaped like boto3's)."""
    proto = api.protocol
    headers = request_id_headers(service, rid)
    status = 200
    if proto == "query":
        body = _query_body(api, op, data, rid)
        headers.append(("Content-Type", "text/xml"))
    elif proto == "ec2":
        body = _ec2_body(api, op, data, rid)
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    elif proto == "json":
        shape = op.output_shape
        body = _json_dumps(_json_value(shape, data, proto) if shape is not None else {})
        headers.append(("Content-Type", "application/x-amz-json-1.1"))
    elif proto == "rest-json":
        shape = op.output_shape
        status = op.http.get("responseCode", 200)
        obj = {}
        if shape is not None:
            for mname, mshape in shape.members.items():
                loc = mshape.serialization.get("location")
                if loc == "header" and data.get(mname) is not None:
                    headers.append((mshape.serialization.get("name", mname), str(data[mname])))
            obj = _json_value(shape, data, proto)
        body = _json_dumps(obj)
        headers.append(("Content-Type", "application/json"))
    else:
        raise ValueError(f"protocol {proto} is rendered by its service module")
    return Response(status, body, headers)


def render_error(service, protocol, err: ApiError, rid, with_body=True):
    headers = request_id_headers(service, rid)
    headers.extend(err.headers.items())
    if protocol == "ec2":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
                f"<Code>{escape(err.code)}</Code><Message>{escape(err.message)}</Message>"
                f"</Error></Errors><RequestID>{rid}</RequestID></Response>").encode()
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    elif protocol == "query":
        kind = "Sender" if err.sender else "Receiver"
        ns = "https://sts.amazonaws.com/doc/2011-06-15/" if service == "sts" else \
            "http://rds.amazonaws.com/doc/2014-10-31/"
        body = (f'<ErrorResponse xmlns="{ns}"><Error><Type>{kind}</Type>'
                f"<Code>{escape(err.code)}</Code><Message>{escape(err.message)}</Message>"
                f"</Error><RequestId>{rid}</RequestId></ErrorResponse>").encode()
        headers.append(("Content-Type", "text/xml"))
    elif protocol == "rest-xml":
        extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in err.extra.items())
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
                f"<Code>{escape(err.code)}</Code><Message>{escape(err.message)}</Message>{extra}"
                f"<RequestId>{rid}</RequestId><HostId>{dict(headers)['x-amz-id-2']}</HostId>"
                "</Error>").encode()
        headers.append(("Content-Type", "application/xml"))
    elif protocol == "json":
        obj = {"__type": _coral_type(err.code), "message": err.message}
        obj.update(err.extra)
        body = _json_dumps(obj)
        headers.append(("Content-Type", "application/x-amz-json-1.1"))
    else:  # rest-json
        obj = {"message": err.message}
        obj.update(err.extra)
        body = _json_dumps(obj)
        headers.append(("x-amzn-ErrorType", err.code))
        headers.append(("Content-Type", "application/json"))
    return Response(err.status, body if with_body else b"", headers)


# Errors raised by AWS's common front end (not the service itself) carry the
# framework's namespace in __type, as real JSON services send them.
_CORAL_SERVICE = {
    "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignatureException",
    "MissingAuthenticationTokenException", "ExpiredTokenException", "SerializationException",
    "UnknownOperationException",
}


def _coral_type(code):
    if code in _CORAL_SERVICE:
        return "com.amazon.coral.service#" + code
    if code == "ValidationException":
        return "com.amazon.coral.validate#" + code
    return code


def malformed_body(protocol, op_name):
    """A body that looks like the protocol's answer but does not parse."""
    if protocol in ("json", "rest-json"):
        return b'{"' + op_name.encode() + b'": [{"unterminated'
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{op_name}Response><broken'
            ).encode()


def content_type(protocol):
    return {"json": "application/x-amz-json-1.1", "rest-json": "application/json"}.get(
        protocol, "text/xml")
