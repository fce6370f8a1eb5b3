"""Shared test scaffolding: a simulator per test class and boto3 clients for it."""
import json
import os
import sys
import unittest
import urllib.request
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

import fixture  # noqa: E402
import server  # noqa: E402

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MGMT = "111111111111"
SCANNER_ACCT = "222222222222"
PAYMENTS = "333333333333"
SEARCH = "444444444444"
SANDBOX = "555555555555"
LEGACY = "666666666666"
ML = "777777777777"
ARCHIVE = "888888888888"
ROLE = "CellScanReadOnly"
EXTERNAL_ID = "cellscan-demo"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                  parameter_validation=False,
                  read_timeout=10, s3={"addressing_style": "path"})


class SimTestCase(unittest.TestCase):
    """Starts one simulator on the demo fixture (or WORLD) for the class."""

    WORLD = None

    @classmethod
    def make_world(cls):
        return fixture.load(fixture.DEMO_FIXTURE)

    @classmethod
    def setUpClass(cls):
        cls.world = cls.make_world()
        cls.srv = server.start(cls.world)
        cls.url = cls.srv.url

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        # boto3 clients keep pooled connections open; that is intended here.
        warnings.filterwarnings("ignore", category=ResourceWarning)
        self.admin("DELETE", "faults")
        self.admin("POST", "reset")
        for f in self.world.fixture_faults:
            self.admin("POST", "faults", f)

    # ---- helpers ----

    def client(self, service, region="us-east-1", key=ACCESS_KEY, secret=SECRET_KEY, token=None,
               config=NO_RETRY):
        return boto3.client(service, endpoint_url=self.url, region_name=region,
                            aws_access_key_id=key, aws_secret_access_key=secret,
                            aws_session_token=token, config=config)

    def assume(self, account, role=ROLE, external_id=EXTERNAL_ID, duration=None, **kw):
        sts = self.client("sts", **kw)
        args = {"RoleArn": f"arn:aws:iam::{account}:role/{role}", "RoleSessionName": "cellscan-test"}
        if external_id is not None:
            args["ExternalId"] = external_id
        if duration is not None:
            args["DurationSeconds"] = duration
        return sts.assume_role(**args)["Credentials"]

    def client_as(self, creds, service, region="us-east-1", config=NO_RETRY):
        return self.client(service, region, creds["AccessKeyId"], creds["SecretAccessKey"],
                           creds["SessionToken"], config)

    def member(self, account, service, region="us-east-1", config=NO_RETRY):
        return self.client_as(self.assume(account), service, region, config)

    def admin(self, method, route, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/_awssim/{route}", data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return json.loads(e.read())

    def assertClientError(self, code, fn, *args, status=None, **kw):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kw)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], code, err)
        if status is not None:
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        return err
