"""`cellscan cell` against the AWS simulator (fixtures/extract.yaml): the
CellResult it prints agrees with the oracle for every category of an
account with an opt-in region on and off (status, counts, per-type counts,
every violation), --scan-categories makes tagging skip the other
categories' types, a denied AssumeRole prints a failed cell and exits 3,
bad usage exits 2, and nothing printed at log level debug holds a secret.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("CELLSCAN_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
BUILD = os.environ.get("CELLSCAN_BUILD_DIR", os.path.join(SRC, "build"))
CELLSCAN = os.path.join(BUILD, "bin", "cellscan")
FIXTURE = os.path.join(SRC, "tests", "integration", "fixtures", "extract.yaml")
POLICY = os.path.join(SRC, "tests", "awssim", "fixtures", "demo-policy.json")
SCANNER = ("AKIASCANNER000000001", "scannerSECRET/0123456789+abcdefghijABCDEF")
EXTERNAL_ID = "ext-cellscan-42"
REGIONS = ["us-east-1", "eu-west-1", "af-south-1", "ap-east-1"]
CATEGORIES = ["ec2", "s3", "rds", "lambda", "ecs", "eks", "tagging"]
STATUS = {"CELL_AVAILABLE": "available", "CELL_PARTIAL": "partial", "CELL_EMPTY": "empty",
          "CELL_FAILED": "failed"}
EVIDENCE = {"EVIDENCE_OK": "ok", "EVIDENCE_PARTIAL": "partial",
            "EVIDENCE_UNAVAILABLE_NO_ACCESS": "unavailable_no_access",
            "EVIDENCE_UNAVAILABLE_NOT_ENABLED": "unavailable_not_enabled",
            "EVIDENCE_UNAVAILABLE_ERROR": "unavailable_error"}
KIND = {"MISSING_REQUIRED_TAG": "missing_required_tag", "INVALID_VALUE": "invalid_value",
        "WRONG_KEY_CASE": "wrong_key_case"}

sys.path.insert(0, os.path.join(SRC, "tests", "awssim"))
import fixture  # noqa: E402
import oracle  # noqa: E402
import server  # noqa: E402
import tagpolicy  # noqa: E402


class CellCommand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cs-extract-cli-")
        cls.srv = server.start(fixture.load(FIXTURE))
        cls.url = cls.srv.url
        with open(POLICY, "rb") as f:
            cls.policy = tagpolicy.parse(f.read())

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def cell(self, *args, level="info"):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.tmp, "AWS_ENDPOINT_URL": self.url,
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": SCANNER[0],
               "AWS_SECRET_ACCESS_KEY": SCANNER[1], "CELLSCAN_EXTERNAL_ID": EXTERNAL_ID,
               "CELLSCAN_LOG_LEVEL": level}
        p = subprocess.run([CELLSCAN, "cell"] + list(args), env=env, capture_output=True,
                           text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr

    def oracle(self, account, categories):
        scope = {"client_id": "c", "accounts": [account], "categories": categories,
                 "regions": REGIONS, "external_id": EXTERNAL_ID}
        return oracle.expected_report(fixture.load(FIXTURE), self.policy, scope,
                                      report_cap=100000)

    def assert_agrees(self, result, report, category, account):
        evidence = report["evidence_completeness"][f"aws_{category}:{account}"]
        self.assertEqual(STATUS[result["status"]] == "failed",
                         report["accounts"][0]["status"] == "failed")
        self.assertEqual(EVIDENCE[result["evidence_status"]], evidence["status"])
        self.assertEqual(result["reason"], evidence["reason"])
        self.assertEqual(result["error_code"], evidence["error_code"])
        self.assertEqual(result["record_count"], evidence["record_count"])
        acct = report["accounts"][0]
        self.assertEqual(result["total"], acct["total"])
        self.assertEqual(result["compliant"], acct["compliant"])
        self.assertEqual(result["violation_count"], acct["violations"])
        types = {t["resource_type"]: {"total": t["total"], "compliant": t["compliant"]}
                 for t in result["resource_types"]}
        self.assertEqual(types, acct["resource_types"])
        ours = [(v["arn"], v["tag_key"], KIND[v["kind"]], v["found_value"], v["region"],
                 v["resource_type"]) for v in result["violations"]]
        theirs = [(v["arn"], v["tag_key"], v["kind"], v.get("found_value", ""), v["region"],
                   v["resource_type"]) for v in report["violations"]]
        self.assertEqual(ours, theirs)

    def test_every_category_agrees_with_the_oracle(self):
        for account in ("333333333333", "444444444444"):
            for category in CATEGORIES:
                with self.subTest(account=account, category=category):
                    # the category alone, as the oracle's one-category scope
                    rc, out, err = self.cell("--account", account, "--category", category,
                                             "--regions", ",".join(REGIONS), "--policy", POLICY)
                    result = json.loads(out)
                    self.assertEqual(rc, 0 if STATUS[result["status"]] in ("available", "empty")
                                     else 3, err)
                    self.assertEqual(result["cell_id"], f"aws_{category}:{account}")
                    self.assertEqual([r["region"] for r in result["regions"]], REGIONS)
                    self.assert_agrees(result, self.oracle(account, [category]), category, account)

    def test_scan_categories_steer_tagging(self):
        rc, out, err = self.cell("--account", "333333333333", "--category", "tagging",
                                 "--regions", ",".join(REGIONS), "--policy", POLICY,
                                 "--scan-categories", "tagging,ec2")
        self.assertEqual(rc, 0, err)
        result = json.loads(out)
        report = self.oracle("333333333333", ["tagging", "ec2"])
        types = {t["resource_type"] for t in result["resource_types"]}
        self.assertIn("rds:db", types)
        self.assertIn("s3:bucket", types)
        self.assertNotIn("ec2:instance", types)
        self.assertEqual(result["record_count"],
                         report["evidence_completeness"]["aws_tagging:333333333333"]["record_count"])
        # alone, tagging counts ec2's tagged resources too
        rc, out, err = self.cell("--account", "333333333333", "--category", "tagging",
                                 "--regions", "us-east-1")
        self.assertEqual(rc, 0, err)
        self.assertIn("ec2:instance", {t["resource_type"] for t in json.loads(out)["resource_types"]})

    def test_denied_assume_role_prints_a_failed_cell(self):
        rc, out, err = self.cell("--account", "666666666666", "--category", "ec2",
                                 "--regions", "us-east-1", level="debug")
        self.assertEqual(rc, 3, err)
        result = json.loads(out)
        self.assertEqual(result["status"], "CELL_FAILED")
        self.assertEqual(result["reason"], "assume_role_denied")
        self.assertEqual(result["error_code"], "AccessDenied")
        self.assertEqual(result["regions"], [])
        self.assertNotIn(SCANNER[1], out + err)

    def test_no_secret_in_debug_output(self):
        rc, out, err = self.cell("--account", "333333333333", "--category", "s3",
                                 "--regions", "us-east-1,af-south-1", level="debug")
        self.assertEqual(rc, 0, err)
        self.assertIn("aws assumed", err)  # debug logging was on
        for secret in (SCANNER[1], "FwoGZXIvYXdzE"):
            self.assertNotIn(secret, out + err)

    def test_bad_usage(self):
        for args in (["--account", "333333333333", "--category", "ec2"],
                     ["--account", "333333333333", "--category", "iam", "--regions", "us-east-1"],
                     ["--account", "33", "--category", "ec2", "--regions", "us-east-1"],
                     ["--account", "333333333333", "--category", "ec2", "--regions", "moon 1"],
                     ["--account", "333333333333", "--category", "ec2", "--regions", "us-east-1",
                      "--bogus", "x"],
                     ["--account", "333333333333", "--category", "ec2", "--regions", "us-east-1",
                      "--policy", "/nonexistent/policy.json"]):
            with self.subTest(args=args):
                rc, out, err = self.cell(*args)
                self.assertEqual(rc, 2, err)
                self.assertEqual(out, "")
                self.assertTrue(err.startswith("cellscan cell:") or "No such file" in err, err)


if __name__ == "__main__":
    unittest.main()
