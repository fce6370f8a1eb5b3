"""SigV4 verification: AWS's test suite, and every way a request can fail to authenticate."""
import datetime
import hashlib
import http.client
import os
import socket
import types
import unittest
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import auth
from simtest import ACCESS_KEY, PAYMENTS, SECRET_KEY, SimTestCase

SUITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                     "testdata", "aws4_testsuite")
SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def _suite_cases():
    for dp, _, files in os.walk(SUITE):
        for f in sorted(files):
            if f.endswith(".sreq"):
                yield os.path.join(dp, f[:-5])


def _parse_sreq(base):
    """A SignedRequest from a suite case (.sreq, with the .authz signature)."""
    with open(base + ".sreq", "rb") as f:
        raw = f.read().decode("utf-8")
    head, _, body = raw.partition("\n\n")
    lines = head.split("\n")
    first = lines[0].split(" ")
    method, target = first[0], " ".join(first[1:-1])
    headers = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            headers[-1] = (headers[-1][0], headers[-1][1] + "\n" + line)
        else:
            k, _, v = line.partition(":")
            if k.lower() != "authorization":
                headers.append((k, v.lstrip()))
    with open(base + ".authz") as f:
        headers.append(("Authorization", f.read().strip()))
    path, _, query = target.partition("?")
    return auth.SignedRequest(method, path.encode("utf-8").decode("latin-1"), query, headers,
                              body.encode())


@unittest.skipUnless(os.path.isdir(SUITE), "shared/testdata/aws4_testsuite not present")
class Aws4SuiteTest(unittest.TestCase):
    def test_every_suite_request_verifies(self):
        cases = list(_suite_cases())
        self.assertGreaterEqual(len(cases), 30)
        for base in cases:
            with self.subTest(case=os.path.basename(base)):
                req = _parse_sreq(base)
                scope = auth.parse_authorization(req.header("authorization"))
                auth.verify(req, scope, SUITE_SECRET)
                with open(base + ".creq") as f:
                    want = f.read()
                self.assertEqual(auth.expected_signature(req, scope, SUITE_SECRET)[1], want)

    def test_wrong_secret_or_tampering_fails(self):
        base = next(b for b in _suite_cases() if b.endswith("post-x-www-form-urlencoded"))
        req = _parse_sreq(base)
        scope = auth.parse_authorization(req.header("authorization"))
        with self.assertRaises(auth.AuthFailure):
            auth.verify(req, scope, SUITE_SECRET + "x")
        req.body = req.body + b"&Param2=value2"
        with self.assertRaises(auth.AuthFailure):
            auth.verify(req, scope, SUITE_SECRET)



class AuthorizationHeaderTest(unittest.TestCase):
    def test_malformed_authorization(self):
        for bad in ("AWS4-HMAC-SHA256 Credential=a/b/c", "Basic dXNlcjpwYXNz",
                    "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, "
                    "SignedHeaders=host"):
            with self.assertRaises(auth.AuthFailure) as cm:
                auth.parse_authorization(bad)
            self.assertEqual(cm.exception.kind, "incomplete")


class _SignAll(botocore.auth.SigV4Auth):
    """A signer that also signs User-Agent (which botocore leaves out; other SDKs may not)."""

    def headers_to_sign(self, request):
        hm = super().headers_to_sign(request)
        if "User-Agent" in request.headers:
            hm["user-agent"] = request.headers["User-Agent"]
        return hm


def _skewed(offset):
    class _Dt(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return datetime.datetime.utcnow() + offset
    return mock.patch.object(botocore.auth, "datetime",
                             types.SimpleNamespace(datetime=_Dt, timedelta=datetime.timedelta))


class AuthOverHttpTest(SimTestCase):
    SIG = {"sts": ("SignatureDoesNotMatch", 403), "rds": ("SignatureDoesNotMatch", 403),
           "ec2": ("AuthFailure", 401), "s3": ("SignatureDoesNotMatch", 403),
           "organizations": ("InvalidSignatureException", 400), "ecs": ("InvalidSignatureException", 400),
           "resourcegroupstaggingapi": ("InvalidSignatureException", 400),
           "lambda": ("InvalidSignatureException", 403), "eks": ("InvalidSignatureException", 403)}
    CALLS = {"sts": ("get_caller_identity", {}), "rds": ("describe_db_instances", {}),
             "ec2": ("describe_instances", {}), "s3": ("list_buckets", {}),
             "organizations": ("describe_organization", {}), "ecs": ("list_clusters", {}),
             "resourcegroupstaggingapi": ("get_resources", {}), "lambda": ("list_functions", {}),
             "eks": ("list_clusters", {})}

    def call(self, client, service):
        name, kw = self.CALLS[service]
        return getattr(client, name)(**kw)

    def test_wrong_secret_is_signature_mismatch_in_each_format(self):
        for service, (code, status) in self.SIG.items():
            with self.subTest(service=service):
                c = self.client(service, secret=SECRET_KEY[:-1] + "X")
                self.assertClientError(code, self.call, c, service, status=status)
                self.call(self.client(service), service)   # the right secret works

    def test_unknown_access_key(self):
        want = {"sts": "InvalidClientTokenId", "ec2": "AuthFailure", "s3": "InvalidAccessKeyId",
                "ecs": "UnrecognizedClientException", "lambda": "UnrecognizedClientException",
                "organizations": "UnrecognizedClientException"}
        for service, code in want.items():
            with self.subTest(service=service):
                c = self.client(service, key="AKIAI44QH8DHBEXAMPLE")
                self.assertClientError(code, self.call, c, service)

    def test_time_skew(self):
        cases = [("sts", 6, "SignatureDoesNotMatch"), ("ecs", -6, "InvalidSignatureException"),
                 ("lambda", 6, "InvalidSignatureException"), ("ec2", 16, "RequestExpired"),
                 ("s3", 16, "RequestTimeTooSkewed")]
        for service, minutes, code in cases:
            with self.subTest(service=service):
                c = self.client(service)
                with _skewed(datetime.timedelta(minutes=minutes)):
                    err = self.assertClientError(code, self.call, c, service)
                if service == "sts":
                    self.assertIn("Signature not yet current", err["Error"]["Message"])
                if service == "ecs":
                    self.assertIn("Signature expired", err["Error"]["Message"])
                if service == "s3":
                    self.assertEqual(err["Error"]["MaxAllowedSkewMilliseconds"], "900000")
        # S3 and EC2 allow 15 minutes; 10 is fine there, not for STS.
        with _skewed(datetime.timedelta(minutes=-10)):
            self.call(self.client("ec2"), "ec2")
            self.call(self.client("s3"), "s3")
            self.assertClientError("SignatureDoesNotMatch", self.call, self.client("sts"), "sts")

    def test_expired_and_missing_session_tokens(self):
        creds = self.assume(PAYMENTS)
        self.assertEqual(self.admin("POST", "sessions/expire", {"access_key_id": creds["AccessKeyId"]}),
                         {"expired": 1})
        want = {"sts": ("ExpiredToken", 403), "ec2": ("RequestExpired", 400), "s3": ("ExpiredToken", 400),
                "ecs": ("ExpiredTokenException", 400), "lambda": ("ExpiredTokenException", 403)}
        for service, (code, status) in want.items():
            with self.subTest(service=service):
                self.assertClientError(code, self.call, self.client_as(creds, service), service,
                                       status=status)
        fresh = self.assume(PAYMENTS)
        no_token = self.client("sts", key=fresh["AccessKeyId"], secret=fresh["SecretAccessKey"])
        self.assertClientError("InvalidClientTokenId", no_token.get_caller_identity)
        wrong = self.client("ec2", key=fresh["AccessKeyId"], secret=fresh["SecretAccessKey"],
                            token=creds["SessionToken"])
        self.assertClientError("AuthFailure", wrong.describe_instances)
        long_term_with_token = self.client("sts", token=fresh["SessionToken"])
        self.assertClientError("InvalidClientTokenId", long_term_with_token.get_caller_identity)

    def test_missing_authentication(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        conn.request("POST", "/", body="Action=GetCallerIdentity&Version=2011-06-15",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        body = r.read().decode()
        self.assertEqual(r.status, 403)
        self.assertIn("<Code>MissingAuthenticationToken</Code>", body)
        conn.request("POST", "/", body="{}", headers={
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
            "Content-Type": "application/x-amz-json-1.1"})
        r = conn.getresponse()
        self.assertIn("MissingAuthenticationTokenException", r.read().decode())
        conn.close()

    def _send(self, method, path, headers, body=b""):
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        out = (r.status, r.read().decode())
        conn.close()
        return out

    def test_s3_payload_hash_rules(self):
        creds = self.assume(PAYMENTS)
        url = self.url + "/demo-payments-receipts?tagging"
        args = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], "s3", "us-east-1")
        for unsigned in (True, False):
            h = auth.sign_request("GET", url, {}, b"", *args, s3_unsigned_payload=unsigned)
            status, body = self._send("GET", "/demo-payments-receipts?tagging", h)
            self.assertEqual(status, 200, body)
            self.assertIn("<TagSet>", body)
        h = auth.sign_request("GET", url, {}, b"", *args)
        h["X-Amz-Content-SHA256"] = hashlib.sha256(b"other").hexdigest()
        status, body = self._send("GET", "/demo-payments-receipts?tagging", h)
        self.assertIn(status, (400, 403))
        h = auth.sign_request("GET", url, {}, b"", *args)
        del h["X-Amz-Content-SHA256"]
        status, body = self._send("GET", "/demo-payments-receipts?tagging", h)
        self.assertEqual(status, 400)
        self.assertIn("<Code>InvalidRequest</Code>", body)
        h = auth.sign_request("GET", url, {}, b"", *args)
        h["x-amz-meta-note"] = "added after signing"
        status, body = self._send("GET", "/demo-payments-receipts?tagging", h)
        self.assertEqual(status, 403)
        self.assertIn("HeadersNotSigned", body)

    def test_more_signed_headers_repeated_keys_and_raw_unicode_paths(self):
        creds = self.assume(PAYMENTS)
        cred = Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        # Signing User-Agent and Content-Type is valid SigV4.
        body = b"{}"
        req = AWSRequest("POST", self.url + "/", headers={
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
            "Content-Type": "application/x-amz-json-1.1", "User-Agent": "cellscan/0.1"}, data=body)
        _SignAll(cred, "ecs", "us-east-1").add_auth(req)
        self.assertIn("user-agent", req.headers["Authorization"])
        status, text = self._send("POST", "/", dict(req.headers.items()), body)
        self.assertEqual(status, 200, text)
        # Repeated query keys (EKS include=a&include=b) through boto3.
        eks = self.client_as(creds, "eks")
        eks.list_clusters(include=["all", "other"])
        # A raw (not percent-encoded) UTF-8 path: signature covers it, then 404 as no such cluster.
        path = "/clusters/ünïcødé"
        req = AWSRequest("GET", self.url + path)
        botocore.auth.SigV4Auth(cred, "eks", "us-east-1").add_auth(req)
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{self.srv.port}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in req.headers.items()]
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as s:
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        head = data.split(b"\r\n", 1)[0].decode()
        self.assertIn("404", head, data)
        self.assertIn(b"ResourceNotFoundException", data)

    def test_keep_alive_connections_are_reused(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        for _ in range(3):
            h = auth.sign_request("POST", self.url + "/", {
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                b"Action=GetCallerIdentity&Version=2011-06-15", ACCESS_KEY, SECRET_KEY, None, "sts",
                "us-east-1")
            conn.request("POST", "/", body=b"Action=GetCallerIdentity&Version=2011-06-15", headers=h)
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            r.read()
            first_sock = conn.sock if _ == 0 else first_sock
            self.assertIs(conn.sock, first_sock)
        conn.close()

    def test_chunked_request_body(self):
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        h = auth.sign_request("POST", self.url + "/", {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body,
            ACCESS_KEY, SECRET_KEY, None, "sts", "us-east-1")
        h.pop("Content-Length", None)
        h["Transfer-Encoding"] = "chunked"
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        conn.request("POST", "/", body=iter([body[:10], body[10:]]), headers=h, encode_chunked=True)
        r = conn.getresponse()
        self.assertEqual(r.status, 200, r.read())
        r.read()
        conn.close()

    def test_scope_service_and_region_checks(self):
        # A key valid for STS used with an eu region it is enabled in: fine; invalid region: refused.
        self.client("sts", region="eu-west-1").get_caller_identity()
        err = self.assertClientError("SignatureDoesNotMatch", self.client("sts", region="xx-fake-1")
                                     .get_caller_identity)
        self.assertIn("valid region", err["Error"]["Message"])


if __name__ == "__main__":
    unittest.main()
