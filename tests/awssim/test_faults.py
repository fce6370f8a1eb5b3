"""Injected faults (every kind), the admin API, request log and counters."""
import time
import unittest

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from simtest import ML, PAYMENTS, SEARCH, SimTestCase

THROTTLE = {"sts": ("Throttling", 400), "rds": ("Throttling", 400), "ec2": ("RequestLimitExceeded", 503),
            "s3": ("SlowDown", 503), "organizations": ("TooManyRequestsException", 400),
            "ecs": ("ThrottlingException", 400), "resourcegroupstaggingapi": ("ThrottledException", 400),
            "lambda": ("TooManyRequestsException", 429), "eks": ("ThrottlingException", 429)}
INTERNAL = {"sts": "InternalFailure", "rds": "InternalFailure", "ec2": "InternalError",
            "s3": "InternalError", "organizations": "ServiceException", "ecs": "ServerException",
            "resourcegroupstaggingapi": "InternalServiceException", "lambda": "ServiceException",
            "eks": "ServerException"}
CALLS = {"sts": ("get_caller_identity", {}), "rds": ("describe_db_instances", {}),
         "ec2": ("describe_instances", {}), "s3": ("list_buckets", {}),
         "organizations": ("describe_organization", {}), "ecs": ("list_clusters", {}),
         "resourcegroupstaggingapi": ("get_resources", {}), "lambda": ("list_functions", {}),
         "eks": ("list_clusters", {})}


class FaultTest(SimTestCase):
    def call(self, service, creds, config=None):
        name, kw = CALLS[service]
        c = self.client_as(creds, service, config=config) if config else self.client_as(creds, service)
        return getattr(c, name)(**kw)

    def test_fixture_throttle_is_a_token_bucket(self):
        creds = self.assume(SEARCH)
        ec2 = self.client_as(creds, "ec2")
        outcomes = []
        for _ in range(40):   # far faster than the 2/s refill, even on a loaded machine
            try:
                ec2.describe_regions()
                outcomes.append("ok")
            except ClientError as e:
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 503)
                outcomes.append(e.response["Error"]["Code"])
                break
        self.assertGreaterEqual(outcomes.count("ok"), 4)   # the burst
        self.assertEqual(outcomes[-1], "RequestLimitExceeded")
        time.sleep(1.1)   # refill 2/s
        ec2.describe_regions()
        # Other accounts are not throttled.
        pay = self.member(PAYMENTS, "ec2")
        for _ in range(8):
            pay.describe_regions()
        # botocore's standard retry rides it out.
        retrying = self.client_as(creds, "ec2", config=Config(retries={"max_attempts": 10, "mode": "standard"}))
        for _ in range(6):
            retrying.describe_regions()
        counters = self.admin("GET", "counters")["requests"]
        limited = [r for r in counters if r["account_id"] == SEARCH and r["outcome"] == "RequestLimitExceeded"]
        self.assertTrue(limited and limited[0]["count"] >= 1)

    def test_throttle_and_internal_error_codes_per_service(self):
        creds = self.assume(PAYMENTS)
        for service, (code, status) in THROTTLE.items():
            with self.subTest(service=service):
                fid = self.admin("POST", "faults", {"account": PAYMENTS, "service": service, "kind": "throttle",
                                                    "burst": 0, "refill_per_s": 0})["ids"][0]
                self.assertClientError(code, self.call, service, creds, status=status)
                self.admin("DELETE", f"faults/{fid}")
                self.admin("POST", "faults", {"account": PAYMENTS, "service": service, "kind": "error",
                                              "status": 500, "count": 1})
                self.assertClientError(INTERNAL[service], self.call, service, creds, status=500)
                self.call(service, creds)   # count=1: the next call is fine
                self.admin("POST", "faults", {"account": PAYMENTS, "service": service, "kind": "error",
                                              "status": 503, "count": 1})
                err = self.assertClientError(self.unavailable(service), self.call, service, creds,
                                             status=503)
                self.assertTrue(err["ResponseMetadata"].get("RequestId"))

    @staticmethod
    def unavailable(service):
        return {"sts": "ServiceUnavailable", "rds": "ServiceUnavailable", "ec2": "Unavailable",
                "s3": "ServiceUnavailable"}.get(service, "ServiceUnavailableException")

    def test_assume_role_access_denied_fault(self):
        self.admin("POST", "faults", {"account": ML, "service": "sts", "operation": "AssumeRole",
                                      "kind": "access_denied"})
        self.assertClientError("AccessDenied", self.assume, ML, status=403)
        self.assume(PAYMENTS)
        self.admin("POST", "faults", {"account": PAYMENTS, "service": "ec2",
                                      "operation": "DescribeVolumes", "kind": "access_denied"})
        ec2 = self.member(PAYMENTS, "ec2")
        self.assertClientError("UnauthorizedOperation", ec2.describe_volumes, status=403)
        ec2.describe_instances()

    def test_latency_fixed_and_random(self):
        creds = self.assume(PAYMENTS)
        self.admin("POST", "faults", {"account": PAYMENTS, "service": "lambda", "kind": "latency", "ms": 300})
        t = time.monotonic()
        self.call("lambda", creds)
        self.assertGreaterEqual(time.monotonic() - t, 0.3)
        self.admin("POST", "faults", {"account": PAYMENTS, "service": "eks", "kind": "latency",
                                      "min_ms": 50, "max_ms": 150})
        t = time.monotonic()
        self.call("eks", creds)
        self.assertTrue(0.05 <= time.monotonic() - t < 2.0)

    def test_malformed_bodies(self):
        creds = self.assume(PAYMENTS)
        for service in ("ec2", "rds", "sts", "s3"):
            self.admin("POST", "faults", {"account": PAYMENTS, "service": service, "kind": "malformed",
                                          "count": 1})
            with self.subTest(service=service):
                with self.assertRaises(ResponseParserError):
                    self.call(service, creds)
        # botocore tolerates broken JSON bodies (it reads them as a message); the data is gone.
        self.admin("POST", "faults", {"account": PAYMENTS, "service": "ecs", "kind": "malformed",
                                      "count": 1})
        self.assertNotIn("clusterArns", self.call("ecs", creds))
        log = self.admin("GET", "log?outcome=fault:malformed")["entries"]
        self.assertEqual(len(log), 5)

    def test_truncated_reset_and_hang(self):
        creds = self.assume(PAYMENTS)
        quick = Config(retries={"total_max_attempts": 1}, read_timeout=1, connect_timeout=2)
        for kind in ("truncated", "reset"):
            self.admin("POST", "faults", {"account": PAYMENTS, "service": "ec2", "kind": kind, "count": 1})
            with self.subTest(kind=kind):
                with self.assertRaises((BotoCoreError, ResponseParserError)):
                    self.call("ec2", creds, quick)
                self.call("ec2", creds)
        self.admin("POST", "faults", {"account": PAYMENTS, "service": "ecs", "kind": "hang", "seconds": 3,
                                      "count": 1})
        t = time.monotonic()
        with self.assertRaises(BotoCoreError) as cm:
            self.call("ecs", creds, quick)
        self.assertIn("timeout", type(cm.exception).__name__.lower())
        self.assertLess(time.monotonic() - t, 3.0)   # the client's 1 s timeout, not the 3 s hang
        outcomes = [e["outcome"] for e in self.admin("GET", "log?account_id=" + PAYMENTS)["entries"]]
        for want in ("fault:truncated", "fault:reset", "fault:hang"):
            self.assertIn(want, outcomes)

    def test_probability_and_matching(self):
        creds = self.assume(PAYMENTS)
        self.admin("POST", "faults", {"account": PAYMENTS, "service": "rds", "kind": "error",
                                      "probability": 0.5})
        results = []
        for _ in range(30):
            try:
                self.call("rds", creds)
                results.append(True)
            except ClientError:
                results.append(False)
        self.assertTrue(any(results) and not all(results), results)
        # Faults match by account: SEARCH's RDS is untouched.
        self.call("rds", self.assume(SEARCH))

    def test_admin_api(self):
        h = self.admin("GET", "health")
        self.assertEqual(h["status"], "ok")
        self.assertEqual(h["management_account"], "111111111111")
        ids = self.admin("POST", "faults", [{"kind": "latency", "ms": 1}, {"kind": "throttle", "burst": 100,
                                                                          "refill_per_s": 100}])["ids"]
        self.assertEqual(len(ids), 2)
        listed = [f["id"] for f in self.admin("GET", "faults")["faults"]]
        for i in ids:
            self.assertIn(i, listed)
        self.assertEqual(self.admin("DELETE", f"faults/{ids[0]}")["removed"], 1)
        self.assertIn("error", self.admin("POST", "faults", {"kind": "explode"}))
        self.assertIn("error", self.admin("GET", "nope"))
        self.admin("DELETE", "faults")
        self.assertEqual(self.admin("GET", "faults")["faults"], [])
        creds = self.assume(PAYMENTS)
        self.call("ec2", creds)
        log = self.admin("GET", "log?service=ec2")
        self.assertEqual(len(log["entries"]), 1)
        e = log["entries"][0]
        self.assertEqual((e["account_id"], e["operation"], e["outcome"], e["iam_action"]),
                         (PAYMENTS, "DescribeInstances", "ok", "ec2:DescribeInstances"))
        self.assertNotIn("secret", str(log).lower().replace("secret_access", ""))
        since = log["last_seq"]
        self.call("ec2", creds)
        self.assertEqual(len(self.admin("GET", f"log?since={since}")["entries"]), 1)
        sessions = self.admin("GET", "sessions")["sessions"]
        self.assertIn(creds["AccessKeyId"], [s["access_key_id"] for s in sessions])
        self.assertNotIn(creds["SecretAccessKey"], str(sessions))
        self.assertNotIn(creds["SessionToken"], str(sessions))
        self.admin("POST", "reset")
        self.assertEqual(self.admin("GET", "counters")["total"], 0)


if __name__ == "__main__":
    unittest.main()
