"""The oracle: tag policy semantics, hand-checked numbers on a tiny fixture, the demo's shape."""
import json
import os
import subprocess
import sys
import unittest

import fixture
import oracle
import synthetic
import tagpolicy
from simtest import PAYMENTS, SimTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO_POLICY = os.path.join(HERE, "fixtures", "demo-policy.json")
DEMO_SCOPE = os.path.join(HERE, "fixtures", "demo-scope.json")


def demo_policy():
    with open(DEMO_POLICY, "rb") as f:
        return tagpolicy.parse(f.read())


class PolicyParseTest(unittest.TestCase):
    def err(self, text):
        with self.assertRaises(tagpolicy.PolicyError) as cm:
            tagpolicy.parse(text)
        return str(cm.exception)

    def test_error_messages_name_the_path(self):
        self.assertEqual(self.err('{"rules":[{"key":"a"},{"key":"b"},{"key":"c","case":"lower"}]}'),
                         'policy: rules[2].case: expected "exact" or "insensitive", got "lower"')
        self.assertEqual(self.err('{"tags":{"costcenter":{"tag_value":{"@@assign":["100",7]}}}}'),
                         "policy: tags.costcenter.tag_value.@@assign[1]: expected a string")
        self.assertEqual(self.err('{"rules":[{"key":"a","requird":true}]}'),
                         'policy: rules[0]: unknown field "requird"')
        self.assertTrue(self.err('{\n "rules": [\n  {"key" "a"}]}').startswith(
            "policy: line 3 column 10: JSON syntax error"))
        self.assertIn("@@append", self.err('{"tags":{"a":{"tag_key":{"@@append":"A"}}}}'))
        self.assertIn('"rules"', self.err('{"rulez":[]}'))
        self.assertIn("resource_types[0]", self.err('{"rules":[{"key":"a","resource_types":["ec2"]}]}'))
        self.assertIn("128", self.err('{"rules":[{"key":""}]}'))
        self.assertIn("at most 256", self.err(json.dumps({"rules": [{"key": "k"}] * 257})))
        self.assertIn("65536", self.err('{"rules":[' + " " * 70000 + "]}"))

    def test_aws_form(self):
        p = tagpolicy.parse(json.dumps({"tags": {"costcenter": {
            "tag_key": {"@@assign": "CostCenter", "@@operators_allowed_for_child_policies": ["@@none"]},
            "tag_value": {"@@assign": ["100", "300*"]},
            "enforced_for": {"@@assign": ["ec2:instance"]},
            "report_required_tag_for": {"@@assign": ["ec2:instance", "rds:ALL_SUPPORTED"]}},
            "team": {"tag_value": {"@@assign": "payments"}}}}))
        self.assertEqual(p.notices, ["policy: ignoring @@operators_allowed_for_child_policies at "
                                     "tags.costcenter.tag_key"])
        cc, team = p.rules
        self.assertEqual((cc.key, cc.allowed_values, cc.case), ("CostCenter", ["100", "300*"], "exact"))
        self.assertTrue(cc.required_for("rds:db") and cc.required_for("ec2:instance"))
        self.assertFalse(cc.required_for("ec2:volume"))
        self.assertEqual(team.key, "team")
        ev = tagpolicy.evaluate
        self.assertEqual(ev(p, "ec2:volume", []), [])                        # optional there
        self.assertEqual(ev(p, "rds:db", []), [("CostCenter", "missing_required_tag", None)])
        self.assertEqual(ev(p, "ec2:volume", [("costcenter", "100")]),
                         [("CostCenter", "wrong_key_case", "costcenter")])
        self.assertEqual(ev(p, "ec2:volume", [("CostCenter", "3001"), ("team", "Payments")]),
                         [("team", "invalid_value", "Payments")])

    def test_evaluation_rules(self):
        p = tagpolicy.parse(json.dumps({"rules": [
            {"key": "CostCenter", "required": True, "allowed_values": ["100", "2*"],
             "resource_types": ["ec2:instance", "rds:*"]},
            {"key": "Owner", "required": True},
            {"key": "Env", "allowed_values": ["prod", "d*v"], "case": "insensitive"},
            {"key": "Opt", "allowed_values": [""], "required": True, "resource_types": ["s3:bucket"]}]}))
        ev = tagpolicy.evaluate
        self.assertEqual(ev(p, "ec2:instance", [("CostCenter", "250"), ("Owner", "x"), ("ENV", "PROD")]), [])
        self.assertEqual(ev(p, "lambda:function", [("Owner", "x")]), [])    # CostCenter not for lambda
        self.assertEqual(ev(p, "rds:db", [("CostCenter", "300"), ("Owner", " \t")]),
                         [("CostCenter", "invalid_value", "300"), ("Owner", "invalid_value", " \t")])
        self.assertEqual(ev(p, "lambda:function", [("owner", "x"), ("Owner", "y")]), [])  # exact wins
        self.assertEqual(ev(p, "lambda:function", [("OWNER", "x"), ("owner", "y")]),
                         [("Owner", "wrong_key_case", "OWNER")])             # first case match
        self.assertEqual(ev(p, "lambda:function", [("Owner", "x"), ("env", "DEV")]), [])
        self.assertEqual(ev(p, "lambda:function", [("Owner", "x"), ("Env", "")]),
                         [("Env", "invalid_value", "")])   # not required: the value list decides
        self.assertEqual(ev(p, "s3:bucket", [("Owner", "x"), ("Opt", "  ")]), [])   # "" allowed
        self.assertEqual(ev(p, "s3:bucket", [("Owner", "x")]), [("Opt", "missing_required_tag", None)])
        self.assertTrue(tagpolicy.value_matches("a*b*c", "aXXbYc", False))
        self.assertFalse(tagpolicy.value_matches("a*b*c", "aXXbY", False))
        self.assertTrue(tagpolicy.value_matches("*", "", False))
        self.assertFalse(tagpolicy.value_matches("ab*b", "ab", False))
        self.assertEqual(tagpolicy.evaluate(tagpolicy.parse('{"tags":{}}'), "x", []), [])

    def test_policy_types_from_arns(self):
        t = oracle.policy_type
        self.assertEqual(t("arn:aws:dynamodb:us-east-1:1:table/orders"), "dynamodb:table")
        self.assertEqual(t("arn:aws:rds:us-east-1:1:db:mydb"), "rds:db")
        self.assertEqual(t("arn:aws:s3:::bucket"), "s3:bucket")
        self.assertEqual(t("arn:aws:sns:us-east-1:1:topic"), "sns:topic")
        self.assertEqual(t("arn:aws:sqs:us-east-1:1:q"), "sqs:queue")
        self.assertEqual(t("arn:aws:ecs:us-east-1:1:service/c/s"), "ecs:service")
        self.assertEqual(t("arn:aws:kinesis:us-east-1:1:stream"), "kinesis")


TINY = {
    "organization": {"id": "o-tiny000000", "root_id": "r-tiny", "management_account": "100000000001"},
    "scanner": {"account": "100000000001", "user": "scanner", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
    "role_defaults": [{"name": "CellScanReadOnly", "trust": ["arn:aws:iam::100000000001:user/scanner"],
                       "external_id": "x-id"}],
    "accounts": [
        {"id": "100000000001", "roles": [{"name": "OrgRole", "trust": ["arn:aws:iam::100000000001:user/scanner"]}]},
        {"id": "100000000002", "ou": "Work", "resources": {
            "us-east-1": {
                "ec2_instances": [
                    {"id": "i-1", "tags": {"CostCenter": "1042", "Owner": "a", "Environment": "prod"}},
                    {"id": "i-2", "tags": {"costcenter": "1042", "Owner": "a", "Environment": "prod"}}],
                "ec2_volumes": [{"id": "vol-1", "tags": {}}],
                "rds_instances": [{"id": "db-1", "tags": {"CostCenter": "2001", "Owner": " ",
                                                          "Environment": "dev", "DataClass": "secret"}}],
                "other": [{"arn": "arn:aws:dynamodb:us-east-1:100000000002:table/t1", "tags": {"Owner": "x"}}]},
            "eu-west-1": {
                "lambda_functions": [{"name": "fn-1", "tags": {"CostCenter": "3000", "Owner": "b",
                                                               "Environment": "Prod"}}]}},
         "s3_buckets": [{"name": "tiny-b1", "region": "us-east-1"},
                        {"name": "tiny-b2", "region": "ap-south-1", "tags": {"Owner": "x"}}]},
        {"id": "100000000003", "ou": "Work", "no_default_roles": True,
         "roles": [{"name": "CellScanReadOnly", "trust": ["arn:aws:iam::999999999999:root"]}]},
        {"id": "100000000004", "ou": "Work", "status": "SUSPENDED"},
        {"id": "100000000005", "ou": "Work/Excluded"},
    ],
}
TINY_SCOPE = {"client_id": "tiny", "organization": {"org_role_arn": "arn:aws:iam::100000000001:role/OrgRole",
                                                    "exclude_account_ids": [], "exclude_ous": []},
              "categories": ["ec2", "s3", "rds", "lambda", "tagging"],
              "regions": ["us-east-1", "eu-west-1", "af-south-1"], "role_name": "CellScanReadOnly",
              "external_id": "x-id", "session_duration_s": 3600}


class TinyOracleTest(unittest.TestCase):
    def report(self, **scope_changes):
        world = fixture.FixtureWorld(TINY)
        scope = json.loads(json.dumps(TINY_SCOPE))
        ou = [o for o in world._ous.values() if o.path == "Work/Excluded"][0]
        scope["organization"]["exclude_ous"] = [ou.id]
        scope.update(scope_changes)
        return oracle.expected_report(world, demo_policy(), scope)

    def test_hand_checked_numbers(self):
        r = self.report()
        self.assertEqual(r["skipped_accounts"], [{"account_id": "100000000004", "reason": "suspended"},
                                                 {"account_id": "100000000005", "reason": "excluded_ou"}])
        accts = {a["account_id"]: a for a in r["accounts"]}
        self.assertEqual(sorted(accts), ["100000000001", "100000000002", "100000000003"])
        a = accts["100000000002"]
        self.assertEqual((a["total"], a["compliant"], a["violations"]), (7, 1, 12))
        self.assertAlmostEqual(a["score"], 1 / 7, delta=1e-9)
        self.assertEqual((a["status"], a["coverage"], a["cells_expected"]), ("ok", 1.0, 5))
        self.assertEqual(a["resource_types"], {
            "dynamodb:table": {"total": 1, "compliant": 0}, "ec2:instance": {"total": 2, "compliant": 1},
            "ec2:volume": {"total": 1, "compliant": 0}, "lambda:function": {"total": 1, "compliant": 0},
            "rds:db": {"total": 1, "compliant": 0}, "s3:bucket": {"total": 1, "compliant": 0}})
        m = accts["100000000001"]
        self.assertEqual((m["total"], m["score"], m["no_data"], m["status"]), (0, 1.0, True, "ok"))
        d = accts["100000000003"]
        self.assertEqual((d["status"], d["coverage"], d["cells_with_data"]), ("failed", 0.0, 0))
        self.assertEqual(r["errors"]["permission_denied"], ["100000000003"])
        o = r["overall"]
        self.assertEqual((o["total"], o["compliant"], o["violations"], o["cells_expected"],
                          o["cells_with_data"]), (7, 1, 12, 15, 10))
        self.assertAlmostEqual(o["coverage"], 10 / 15, delta=1e-9)
        self.assertEqual(r["status"], "partial")
        ev = r["evidence_completeness"]
        self.assertEqual(ev["aws_ec2:100000000002"], {"status": "ok", "record_count": 3, "error_code": "",
                                                      "reason": ""})
        self.assertEqual(ev["aws_ec2:100000000001"]["record_count"], 0)
        self.assertEqual(ev["aws_s3:100000000003"], {"status": "unavailable_no_access", "record_count": 0,
                                                     "error_code": "AccessDenied", "reason": "assume_role_denied"})
        kinds = [(v["arn"].rsplit(":", 1)[-1], v["tag_key"], v["kind"], v.get("found_value"))
                 for v in r["violations"]]
        self.assertIn(("instance/i-2", "CostCenter", "wrong_key_case", "costcenter"), kinds)
        self.assertIn(("db-1", "Owner", "invalid_value", " "), kinds)
        self.assertIn(("db-1", "DataClass", "invalid_value", "secret"), kinds)
        self.assertIn(("fn-1", "Environment", "invalid_value", "Prod"), kinds)
        self.assertIn(("tiny-b1", "Owner", "missing_required_tag", None), kinds)
        self.assertIn(("table/t1", "Environment", "missing_required_tag", None), kinds)
        self.assertEqual(len(kinds), 12)
        self.assertEqual([(v["account_id"], v["arn"], v["tag_key"], v["kind"]) for v in r["violations"]],
                         sorted((v["account_id"], v["arn"], v["tag_key"], v["kind"]) for v in r["violations"]))
        missing = [v for v in r["violations"] if v["kind"] == "missing_required_tag"]
        self.assertTrue(all("found_value" not in v for v in missing))

    def test_caps_and_exclusions(self):
        world = fixture.FixtureWorld(TINY)
        scope = dict(TINY_SCOPE, organization=dict(TINY_SCOPE["organization"],
                                                   exclude_account_ids=["100000000003"]))
        r = oracle.expected_report(world, demo_policy(), scope, cell_cap=1, report_cap=3)
        self.assertIn({"account_id": "100000000003", "reason": "excluded_account"}, r["skipped_accounts"])
        self.assertEqual(r["status"], "ok")
        self.assertEqual(len(r["violations"]), 3)
        # cells keep 1 each: ec2 4->1, s3 3->1, rds 2->1, lambda 1, tagging 2->1: 5 kept, 7 truncated;
        # the report keeps 3 of the 5, dropping 2 more.
        self.assertEqual(r["violations_truncated"], 9)
        self.assertEqual(r["overall"]["violations"], 12)

    def test_only_tagging_covers_everything_once(self):
        r = self.report(categories=["tagging"])
        a = {x["account_id"]: x for x in r["accounts"]}["100000000002"]
        # Tagged resources only: i-1, i-2, db-1, fn-1, table/t1 (vol-1 and tiny-b1 have no tags).
        self.assertEqual(a["total"], 5)
        self.assertEqual(a["resource_types"]["ec2:instance"]["total"], 2)

    def test_assume_failures(self):
        r = self.report(external_id="wrong")
        self.assertEqual(r["status"], "failed")
        self.assertEqual(r["errors"]["permission_denied"], ["100000000001", "100000000002", "100000000003"])
        r = self.report(session_duration_s=7200)   # roles keep the 1 hour default maximum
        ev = r["evidence_completeness"]["aws_ec2:100000000002"]
        self.assertEqual((ev["status"], ev["reason"], ev["error_code"]),
                         ("unavailable_error", "assume_role_failed", "ValidationError"))

    def test_all_regions_off_fails_the_cell(self):
        r = self.report(regions=["af-south-1"])
        ev = r["evidence_completeness"]["aws_ec2:100000000002"]
        self.assertEqual((ev["status"], ev["reason"]), ("unavailable_not_enabled", "region_failures"))


class DemoOracleTest(SimTestCase):
    def test_demo_report_shape_and_invariants(self):
        with open(DEMO_SCOPE) as f:
            scope = json.load(f)
        r = oracle.expected_report(self.world, demo_policy(), scope)
        for key in ("schema_version", "client_id", "status", "overall", "accounts", "skipped_accounts",
                    "errors", "evidence_completeness", "violations", "violations_truncated"):
            self.assertIn(key, r)
        self.assertEqual(r["client_id"], "demo")
        self.assertEqual(r["status"], "partial")
        self.assertEqual(r["skipped_accounts"], [{"account_id": "666666666666", "reason": "suspended"}])
        self.assertEqual(r["errors"]["permission_denied"], ["555555555555"])
        self.assertEqual(len(r["evidence_completeness"]), 7 * 7)
        ev = r["evidence_completeness"]
        self.assertEqual(ev["aws_lambda:777777777777"]["status"], "unavailable_no_access")
        self.assertEqual(ev["aws_lambda:777777777777"]["error_code"], "AccessDeniedException")
        self.assertEqual(ev["aws_ec2:444444444444"]["status"], "ok")   # af-south-1 off: not partial
        accts = {a["account_id"]: a for a in r["accounts"]}
        self.assertEqual(accts["777777777777"]["status"], "partial")
        self.assertAlmostEqual(accts["777777777777"]["coverage"], 6 / 7, delta=1e-9)
        o = r["overall"]
        self.assertEqual(o["total"], sum(a["total"] for a in r["accounts"]))
        self.assertEqual(o["compliant"], sum(a["compliant"] for a in r["accounts"]))
        for a in r["accounts"] + [o]:
            self.assertTrue(0.0 <= a["score"] <= 1.0)
            self.assertLessEqual(a["compliant"], a["total"])
            self.assertGreaterEqual(a["violations"], a["total"] - a["compliant"])
        self.assertGreater(o["total"], 200)
        self.assertTrue(0.4 < o["score"] < 0.9)

    def test_oracle_counts_match_what_the_simulator_serves(self):
        """A scan through boto3 finds the resources the oracle counted (ec2, s3, tagging)."""
        with open(DEMO_SCOPE) as f:
            scope = json.load(f)
        r = oracle.expected_report(self.world, demo_policy(), scope)
        ev = r["evidence_completeness"]
        creds = self.assume(PAYMENTS)
        n = 0
        for region in ("us-east-1", "eu-west-1", "af-south-1"):
            ec2 = self.client_as(creds, "ec2", region)
            n += sum(len(res["Instances"]) for p in ec2.get_paginator("describe_instances").paginate()
                     for res in p["Reservations"])
            n += sum(len(p["Volumes"]) for p in ec2.get_paginator("describe_volumes").paginate())
        self.assertEqual(n, ev[f"aws_ec2:{PAYMENTS}"]["record_count"])
        s3 = self.client_as(creds, "s3")
        homes = []
        for b in s3.list_buckets()["Buckets"]:
            loc = s3.get_bucket_location(Bucket=b["Name"])["LocationConstraint"]
            homes.append({None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(loc, loc))
        self.assertEqual(sum(1 for h in homes if h in scope["regions"]), ev[f"aws_s3:{PAYMENTS}"]["record_count"])
        covered = {t for c in scope["categories"] if c != "tagging" for t in oracle.CATEGORY_TYPES[c]}
        n = 0
        for region in scope["regions"]:
            tag = self.client_as(creds, "resourcegroupstaggingapi", region)
            for p in tag.get_paginator("get_resources").paginate():
                n += sum(1 for m in p["ResourceTagMappingList"]
                         if oracle.policy_type(m["ResourceARN"]) not in covered)
        self.assertEqual(n, ev[f"aws_tagging:{PAYMENTS}"]["record_count"])


class SyntheticOracleTest(unittest.TestCase):
    def test_compliance_ratio_and_cli(self):
        spec = "accounts=60,resources=50,seed=4,compliance=0.7"
        world = synthetic.SyntheticWorld(spec)
        scope = {"client_id": "syn", "organization": {"org_role_arn":
                 f"arn:aws:iam::{world.account_at(0).id}:role/{synthetic.ORG_ROLE}"},
                 "categories": ["ec2", "s3", "rds", "lambda", "ecs", "eks", "tagging"],
                 "regions": ["us-east-1", "eu-west-1"], "role_name": synthetic.MEMBER_ROLE,
                 "external_id": "cellscan-demo", "session_duration_s": 3600}
        r = oracle.expected_report(world, demo_policy(), scope)
        self.assertEqual(r["overall"]["total"], 60 * 50)
        self.assertAlmostEqual(r["overall"]["score"], 0.7, delta=0.05)
        path = f"/tmp/awssim-oracle-scope-{os.getpid()}.json"
        with open(path, "w") as f:
            json.dump(scope, f)
        try:
            out = subprocess.run([sys.executable, os.path.join(HERE, "oracle.py"), "--synthetic", spec,
                                  "--policy", DEMO_POLICY, "--scope", path],
                                 capture_output=True, text=True, timeout=120, check=True)
        finally:
            os.unlink(path)
        self.assertEqual(json.loads(out.stdout)["overall"], r["overall"])


if __name__ == "__main__":
    unittest.main()
