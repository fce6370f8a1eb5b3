"""Prints botocore's presigned MSK IAM URL (SigV4QueryAuth, as the
aws-msk-iam-sasl-signer libraries build it) for test_aws_msk.c.

usage: test_aws_msk.py REGION AMZ_DATE ACCESS_KEY SECRET_KEY [TOKEN]
"""
import datetime
import sys
from unittest import mock

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    region, amz_date, akid, secret = sys.argv[1:5]
    token = sys.argv[5] if len(sys.argv) > 5 else None
    creds = Credentials(akid, secret, token)
    req = AWSRequest(method="GET",
                     url=f"https://kafka.{region}.amazonaws.com/",
                     params={"Action": "kafka-cluster:Connect"})
    fixed = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = fixed
        dt.datetime.now.return_value = fixed.replace(tzinfo=datetime.timezone.utc)
        SigV4QueryAuth(creds, "kafka-cluster", region, expires=900).add_auth(req)
    print(req.url)


if __name__ == "__main__":
    main()
