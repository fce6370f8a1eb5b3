"""SigV4 verification with botocore's own signer.

The received request (method, raw path, query, the headers it lists in
SignedHeaders, body) is rebuilt as a botocore AWSRequest and signed again
with SigV4Auth (S3SigV4Auth for s3) and the secret of the key named in the
Credential scope; the signatures must match. The canonical query string is
rebuilt from the decoded parameters (as AWS does), so any valid encoding of
the same parameters verifies; header values and paths are taken as received.
"""
import datetime
import hashlib
import hmac
import re
from urllib.parse import unquote_to_bytes

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.compat import HTTPHeaders
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SIGV4_TIME = "%Y%m%dT%H%M%SZ"


class AuthFailure(Exception):
    """kind names an entry of errors.CATALOGUE (signature, skew, incomplete...)."""

    def __init__(self, kind, message=None, extra=None):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.extra = extra or {}


class SignedRequest:
    """The parts of a received request that signing covers."""

    def __init__(self, method, raw_path, raw_query, headers, body):
        self.method = method
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.headers = headers          # list of (name, value), as received
        self.body = body or b""

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None


class Scope:
    def __init__(self, access_key, date, region, service, signed_headers, signature):
        self.access_key = access_key
        self.date = date
        self.region = region
        self.service = service
        self.signed_headers = signed_headers
        self.signature = signature


_AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+(.*)$", re.S)


def parse_authorization(value):
    """Scope of an Authorization header; AuthFailure("incomplete") if malformed."""
    m = _AUTH_RE.match(value or "")
    if not m:
        raise AuthFailure("incomplete", "Unsupported or malformed Authorization header")
    fields = {}
    for part in m.group(1).split(","):
        k, sep, v = part.strip().partition("=")
        if sep:
            fields[k.strip()] = v.strip()
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if k not in fields]
    if missing:
        raise AuthFailure("incomplete", "Authorization header requires '%s' parameter."
                          % missing[0])
    cred = fields["Credential"].split("/")
    if len(cred) != 5 or cred[4] != "aws4_request" or not cred[0]:
        raise AuthFailure("incomplete", "Credential should be of the form "
                          "<key>/<date>/<region>/<service>/aws4_request")
    signed = fields["SignedHeaders"].split(";")
    return Scope(cred[0], cred[1], cred[2], cred[3], signed, fields["Signature"])


def request_time(req):
    """The request's X-Amz-Date as an aware datetime; AuthFailure if absent or bad."""
    amz = req.header("x-amz-date")
    if amz is None:
        raise AuthFailure("incomplete", "Authorization header requires existence of either a "
                          "'X-Amz-Date' or a 'Date' header.")
    try:
        return datetime.datetime.strptime(amz.strip(), SIGV4_TIME).replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        raise AuthFailure("incomplete", f"Date must be in ISO-8601 'basic format'. Got '{amz}'.")


def check_skew(req_time, now, service):
    """AuthFailure("skew") when the request time is too far from now.

    S3 and EC2 allow 15 minutes; the other services 5 minutes."""
    limit = datetime.timedelta(minutes=15 if service in ("s3", "ec2") else 5)
    if abs(now - req_time) <= limit:
        return
    rt = req_time.strftime(SIGV4_TIME)
    if service == "s3":
        raise AuthFailure("skew", extra={
            "RequestTime": rt, "ServerTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "MaxAllowedSkewMilliseconds": "900000"})
    if service == "ec2":
        raise AuthFailure("skew")
    mins = int(limit.total_seconds() // 60)
    if req_time < now:
        edge = (now - limit).strftime(SIGV4_TIME)
        msg = (f"Signature expired: {rt} is now earlier than {edge} "
               f"({now.strftime(SIGV4_TIME)} - {mins} min.)")
    else:
        edge = (now + limit).strftime(SIGV4_TIME)
        msg = (f"Signature not yet current: {rt} is still later than {edge} "
               f"({now.strftime(SIGV4_TIME)} + {mins} min.)")
    raise AuthFailure("skew", msg)


def _query_pairs(raw_query):
    pairs = []
    for part in raw_query.split("&") if raw_query else ():
        if not part:
            continue
        k, _, v = part.partition("=")
        try:
            pairs.append((unquote_to_bytes(k).decode("utf-8"), unquote_to_bytes(v).decode("utf-8")))
        except UnicodeDecodeError:
            raise AuthFailure("signature", "Query string is not valid UTF-8")
    return pairs


def _path_text(raw_path):
    # http.server hands over the request line decoded as latin-1.
    try:
        return raw_path.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw_path


class _SignedHeadersOnly:
    """Mixin: sign exactly the headers the client listed, as received."""

    signed_names = ()

    def headers_to_sign(self, request):
        header_map = HTTPHeaders()
        for name, value in request.headers.items():
            if name.lower() in self.signed_names:
                header_map[name.lower()] = value
        return header_map


class _Verifier(_SignedHeadersOnly, SigV4Auth):
    pass


class _S3Verifier(_SignedHeadersOnly, S3SigV4Auth):
    pass


def expected_signature(req, scope, secret):
    """(signature, canonical request) botocore computes for req under scope."""
    names = [h.lower() for h in scope.signed_headers]
    headers = HTTPHeaders()
    for k, v in req.headers:
        if k.lower() in names:
            headers[k] = v
    path = _path_text(req.raw_path)
    aws_req = AWSRequest(method=req.method, url="http://awssim" + (path or "/"),
                         data=req.body, params=_query_pairs(req.raw_query))
    aws_req.headers = headers
    aws_req.context["timestamp"] = (req.header("x-amz-date") or "").strip()
    cls = _S3Verifier if scope.service == "s3" else _Verifier
    signer = cls(Credentials(scope.access_key, secret), scope.service, scope.region)
    signer.signed_names = set(names)
    canonical = signer.canonical_request(aws_req)
    sts = signer.string_to_sign(aws_req, canonical)
    return signer.signature(sts, aws_req), canonical


def verify(req, scope, secret):
    """AuthFailure unless req carries a valid SigV4 signature by secret."""
    names = [h.lower() for h in scope.signed_headers]
    present = {k.lower() for k, _ in req.headers}
    content_sha = req.header("x-amz-content-sha256")
    if scope.service == "s3" and content_sha is None:
        raise AuthFailure("s3_invalid_request",
                          "Missing required header for this request: x-amz-content-sha256")
    if "host" not in names:
        raise AuthFailure("signature", "'Host' or ':authority' must be a 'SignedHeader' "
                          "in the AWS Authorization.")
    for n in names:
        if n not in present:
            raise AuthFailure("signature", f"The signed header '{n}' is not in the request.")
    amz_date = (req.header("x-amz-date") or "").strip()
    if scope.date != amz_date[:8]:
        raise AuthFailure("signature", "Date in Credential scope does not match YYYYMMDD from "
                          f"ISO-8601 version of date from HTTP: '{scope.date}' != "
                          f"'{amz_date[:8]}', from '{amz_date}'.")
    if scope.service == "s3":
        _check_s3_payload(req, names, content_sha)
    elif content_sha is not None and content_sha.strip() != hashlib.sha256(req.body).hexdigest():
        raise AuthFailure("signature")
    sig, _ = expected_signature(req, scope, secret)
    if not hmac.compare_digest(sig, scope.signature.lower()):
        raise AuthFailure("signature")


def _check_s3_payload(req, names, content_sha):
    unsigned = sorted(k.lower() for k, _ in req.headers
                      if k.lower().startswith("x-amz-") and k.lower() not in names)
    if unsigned:
        raise AuthFailure("s3_headers_not_signed",
                          "There were headers present in the request which were not signed",
                          {"HeadersNotSigned": ", ".join(unsigned)})
    value = content_sha.strip()
    if value == UNSIGNED_PAYLOAD or value.startswith("STREAMING-"):
        return
    actual = hashlib.sha256(req.body).hexdigest()
    if value != actual:
        raise AuthFailure("s3_sha_mismatch",
                          "The provided 'x-amz-content-sha256' header does not match what "
                          "was computed.",
                          {"ClientComputedContentSHA256": value,
                           "S3ComputedContentSHA256": actual})


def sign_request(method, url, headers, body, access_key, secret, token, service, region,
                 when=None, s3_unsigned_payload=False):
    """Sign a request with botocore (for tests and tools that talk to awssim by hand).

    Returns the header dict to send. when: datetime for X-Amz-Date (default now)."""
    req = AWSRequest(method=method, url=url, headers=headers, data=body)
    if service == "s3":
        req.headers["X-Amz-Content-SHA256"] = (UNSIGNED_PAYLOAD if s3_unsigned_payload
                                               else hashlib.sha256(body or b"").hexdigest())
    cls = S3SigV4Auth if service == "s3" else SigV4Auth
    signer = cls(Credentials(access_key, secret, token), service, region)
    if when is None:
        signer.add_auth(req)
    else:
        # add_auth always stamps "now"; sign with a chosen time the same way.
        req.context["timestamp"] = when.strftime(SIGV4_TIME)
        req.headers["X-Amz-Date"] = req.context["timestamp"]
        if token:
            req.headers["X-Amz-Security-Token"] = token
        canonical = signer.canonical_request(req)
        sts = signer.string_to_sign(req, canonical)
        signature = signer.signature(sts, req)
        signer._inject_signature_to_request(req, signature)
    return dict(req.headers.items())

