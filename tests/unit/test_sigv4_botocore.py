#!/usr/bin/python3
"""Generates random requests and botocore's SigV4 signatures of them, for
tests/unit/test_sigv4_botocore.c, which signs the same requests with
cellscan's signer and compares byte for byte.

  /usr/bin/python3 tests/unit/test_sigv4_botocore.py COUNT SEED

Output: one block per request, each field on its own line as
"<tag> <hex>..." (hex of the UTF-8 bytes, "-" for None), ending with "end".
The raw path segments and query pairs are given too, so the C side also
checks that it encodes them as botocore's serializers do.
"""
import random
import sys
from unittest import mock

import botocore.auth
import botocore.credentials
import botocore.utils
from botocore.awsrequest import AWSRequest

SERVICES = ["ec2", "sts", "s3", "lambda", "tagging", "organizations", "ecs", "eks",
            "rds", "iam", "execute-api", "monitoring"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1",
           "me-central-1", "il-central-1"]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "get", "Post"]
HEADER_NAMES = ["Content-Type", "X-Amz-Meta-Owner", "My-Header", "x-custom", "X-CUSTOM",
                "User-Agent", "Expect", "X-Amzn-Trace-Id", "Accept", "Content-Length",
                "X-Amz-Target", "x-amz-meta-a", "X-Amz-Meta-Z", "If-None-Match", "Range",
                "x-amz-acl", "Cache-Control"]
# characters that make paths and queries interesting: reserved, unreserved,
# percent, space, unicode (2-, 3- and 4-byte UTF-8), ARN punctuation
ALPHABET = ("abcXYZ019-._~!$&'()*+,;=:@/?#[]% \"<>\\^`{|}"
            "\u00e9\u00df\u1234\u20ac\u4e2d\U0001F600")
WHITESPACE = [" ", "  ", "\t", " \t ", "\n ", "\r\n\t", "\x0b", "\x0c", "\x1c", "\x1f",
              "\u00a0", "\u3000", "\u2003", "\x85"]


def rand_text(rng, lo, hi, alphabet=ALPHABET):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def rand_segment(rng):
    r = rng.random()
    if r < 0.08:
        return rng.choice([".", "..", ""])
    if r < 0.2:
        acct = "".join(rng.choice("0123456789") for _ in range(12))
        return f"arn:aws:lambda:us-east-1:{acct}:function:fn-{rng.randint(0, 99)}"
    if r < 0.3:
        return "2015-03-31"
    return rand_text(rng, 1, 12)


def rand_value(rng):
    parts = []
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.5:
            parts.append(rng.choice(WHITESPACE))
        parts.append(rand_text(rng, 0, 8, "abcXYZ019-_.:;,/\"'()=+*&%$#@!?\u00e9\u4e2d"))
    if rng.random() < 0.3:
        parts.append(rng.choice(WHITESPACE))
    return "".join(parts)


def hexs(s):
    if s is None:
        return "-"
    if isinstance(s, str):
        s = s.encode("utf-8")
    return s.hex() if s else "="


def one(rng, out):
    service = rng.choice(SERVICES)
    region = rng.choice(REGIONS)
    s3 = service == "s3"
    method = rng.choice(METHODS)
    # path: raw segments, each encoded as botocore's rest serializer does
    segs = []
    for _ in range(rng.randint(0, 5)):
        segs.append((rng.random() < 0.2, rand_segment(rng)))
    encoded = []
    for greedy, seg in segs:
        encoded.append(botocore.utils.percent_encode(seg, safe="/~" if greedy else "~"))
    path = "/" + "/".join(encoded)
    # query: raw pairs; None = a key without '=' (S3's "?tagging")
    pairs = []
    for _ in range(rng.choice([0, 0, 1, 2, 3, 6])):
        key = rng.choice(["Action", "MaxResults", "NextToken", "Param", "a", "A", "",
                          rand_text(rng, 1, 6)])
        if pairs and rng.random() < 0.25:
            key = rng.choice(pairs)[0]  # repeated key
        value = rng.choice([None, "", rand_text(rng, 0, 10), "5",
                            "arn:aws:s3:::bucket/key with space"])
        if key == "" and value is None:
            value = ""  # an empty bare key is nothing on the wire; skip that form
        pairs.append((key, value))
    query = "&".join(botocore.utils.percent_encode(k) if v is None else
                     botocore.utils.percent_encode(k) + "=" + botocore.utils.percent_encode(v)
                     for k, v in pairs)
    if rng.random() < 0.5:
        base = f"https://{service}.{region}.amazonaws.com"
    else:
        base = f"http://127.0.0.1:{rng.randint(1024, 65535)}"
    url = base + path + ("?" + query if query else "")
    headers = []
    for _ in range(rng.randint(0, 6)):
        headers.append((rng.choice(HEADER_NAMES), rand_value(rng)))
        if rng.random() < 0.2:
            headers.append((headers[-1][0], rand_value(rng)))  # repeated header
    if rng.random() < 0.15:
        headers.append(("Host", f"{service}.{region}.amazonaws.com"))
    rng.shuffle(headers)
    body = b""
    if rng.random() < 0.6:
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    akid = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    secret = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")
                     for _ in range(40))
    token = None
    if rng.random() < 0.4:
        token = "FwoG" + "".join(rng.choice("abcdefXYZ0123456789+/=") for _ in range(rng.randint(20, 400)))
    when = botocore.auth.datetime.datetime(2010, 1, 1) + botocore.auth.datetime.timedelta(
        seconds=rng.randint(0, 20 * 365 * 86400))

    req = AWSRequest(method=method, url=url, data=body)
    for k, v in headers:
        req.headers[k] = v
    creds = botocore.credentials.Credentials(akid, secret, token)
    signer_cls = botocore.auth.S3SigV4Auth if s3 else botocore.auth.SigV4Auth
    signer = signer_cls(creds, service, region)
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = when
        dt.datetime.strptime = botocore.auth.datetime.datetime.strptime
        signer.add_auth(req)

    w = out.append
    w(f"method {hexs(method)}")
    w(f"service {hexs(service)}")
    w(f"region {hexs(region)}")
    w(f"s3 {1 if s3 else 0}")
    for greedy, seg in segs:
        w(f"seg {1 if greedy else 0} {hexs(seg)}")
    w(f"path {hexs(path)}")
    for k, v in pairs:
        w(f"qp {hexs(k)} {hexs(v)}")
    w(f"query {hexs(query)}")
    w(f"host {hexs(botocore.auth._host_from_url(url))}")
    for k, v in headers:
        w(f"h {hexs(k)} {hexs(v)}")
    w(f"body {hexs(body)}")
    w(f"akid {hexs(akid)}")
    w(f"secret {hexs(secret)}")
    w(f"token {hexs(token)}")
    w(f"date {hexs(req.headers['X-Amz-Date'])}")
    w(f"sha {hexs(req.headers.get('X-Amz-Content-SHA256'))}")
    w(f"auth {hexs(req.headers['Authorization'])}")
    w("end")


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        one(rng, out)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
