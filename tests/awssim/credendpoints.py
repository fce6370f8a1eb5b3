"""The unsigned credential endpoints SDKs use, routed by path.

IMDSv2: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds, 1..21600)
gives a token; GETs under /latest/ need it in X-aws-ec2-metadata-token (else
401). /latest/meta-data/iam/security-credentials/ names the instance role,
.../<role> gives its credentials as JSON.

ECS container credentials: GET <relative_uri> (what
AWS_CONTAINER_CREDENTIALS_RELATIVE_URI names) and GET <full_uri_path> (the
path of AWS_CONTAINER_CREDENTIALS_FULL_URI), the latter checking the
Authorization header against the configured token.
"""
import datetime
import json
import secrets
import threading
import time

import identity as identity_mod
from protocols import Response
from world import parse_role_arn

MAX_TTL = 21600
REFRESH_BEFORE = datetime.timedelta(minutes=5)


def _text(status, body, ctype="text/plain"):
    data = body.encode() if isinstance(body, str) else body
    return Response(status, data, [("Content-Type", ctype)])


def _iso(ts):
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


class CredentialEndpoints:
    def __init__(self, world, identity):
        self.world = world
        self.identity = identity
        self._lock = threading.Lock()
        self._tokens = {}
        self._issued = {}

    def matches(self, path):
        c = self.world.container or {}
        return (path.startswith("/latest/") or path.startswith("/v2/credentials/")
                or (c.get("full_uri_path") and path == c["full_uri_path"]))

    def service_of(self, path):
        return "imds" if path.startswith("/latest/") else "container"

    def _creds(self, key, role_arn, source, now):
        with self._lock:
            cred = self._issued.get(key)
            if cred is None or cred.is_expired(now + REFRESH_BEFORE):
                cred = self.identity.instance_credentials(role_arn, source, now)
                self._issued[key] = cred
            return cred

    # ---- IMDSv2 ----

    def imds(self, method, path, headers, now):
        cfg = self.world.imds
        if not cfg:
            return _text(404, "Not Found")
        if path == "/latest/api/token":
            if method != "PUT":
                return _text(405, "Method Not Allowed")
            if headers.get("x-forwarded-for") is not None:
                return _text(403, "Forbidden")
            ttl = headers.get("x-aws-ec2-metadata-token-ttl-seconds")
            if ttl is None or not ttl.strip().isdigit() or not 1 <= int(ttl) <= MAX_TTL:
                return _text(400, "Bad Request")
            token = secrets.token_urlsafe(42)
            with self._lock:
                self._tokens[token] = time.monotonic() + int(ttl)
            r = _text(200, token)
            r.headers.append(("X-aws-ec2-metadata-token-ttl-seconds", ttl.strip()))
            return r
        token = headers.get("x-aws-ec2-metadata-token")
        with self._lock:
            deadline = self._tokens.get(token or "")
        if deadline is None or deadline < time.monotonic():
            if cfg.get("require_token", True) or token is not None:
                return _text(401, "Unauthorized")
        if method != "GET":
            return _text(405, "Method Not Allowed")
        role_arn = cfg["role_arn"]
        role_name = parse_role_arn(role_arn)[1]
        region = cfg.get("region", "us-east-1")
        base = "/latest/meta-data/iam/security-credentials/"
        if path == base:
            return _text(200, role_name)
        if path in (base + role_name, base + role_name + "/"):
            c = self._creds(("imds", role_arn), role_arn, identity_mod.IMDS, now)
            return _text(200, json.dumps({
                "Code": "Success", "LastUpdated": _iso(now), "Type": "AWS-HMAC",
                "AccessKeyId": c.access_key_id, "SecretAccessKey": c.secret, "Token": c.token,
                "Expiration": _iso(c.expiration)}, indent=2))
        if path == "/latest/meta-data/placement/region":
            return _text(200, region)
        if path == "/latest/meta-data/placement/availability-zone":
            return _text(200, region + "a")
        if path == "/latest/meta-data/instance-id":
            return _text(200, "i-0123456789abcdef0")
        if path == "/latest/dynamic/instance-identity/document":
            doc = {"accountId": parse_role_arn(role_arn)[0], "region": region,
                   "availabilityZone": region + "a", "instanceId": "i-0123456789abcdef0",
                   "instanceType": "m5.large", "architecture": "x86_64"}
            return _text(200, json.dumps(doc, indent=2), "application/json")
        return _text(404, "Not Found")

    # ---- ECS container credentials ----

    def container(self, method, path, headers, now):
        cfg = self.world.container
        if not cfg or method != "GET":
            return _text(404, "Not Found")
        if path == cfg.get("full_uri_path"):
            want = cfg.get("authorization_token")
            if want is not None and headers.get("authorization") != want:
                return _text(401, json.dumps({"code": "InvalidAuthorizationToken",
                                              "message": "Authorization token is invalid"}),
                             "application/json")
        elif path != cfg.get("relative_uri"):
            return _text(400, json.dumps({"code": "InvalidIdInRequest",
                                          "message": "CredentialsV2Request: Credentials not found"}),
                         "application/json")
        c = self._creds(("container", cfg["role_arn"]), cfg["role_arn"], identity_mod.CONTAINER, now)
        return _text(200, json.dumps({
            "RoleArn": cfg["role_arn"], "AccessKeyId": c.access_key_id,
            "SecretAccessKey": c.secret, "Token": c.token, "Expiration": _iso(c.expiration)}),
            "application/json")

    def handle(self, method, path, headers, now):
        if path.startswith("/latest/"):
            return self.imds(method, path, headers, now)
        return self.container(method, path, headers, now)
