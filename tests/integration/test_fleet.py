"""The fleet end to end, every program a separate process
(tests/integration/fleet_harness.py): `cellscan mock-kafka`, redis-server,
the AWS simulator's demo organization, cellscan-dispatcher, three
cellscan-worker and cellscan-aggregator. Two clients submit a scan each
with `cellscan submit`, at the same time:

  - acme: an explicit account list, four categories, three regions;
  - globex: organization discovery, excluding acme's accounts, other
    categories and regions; its scope holds the account whose role
    refuses the scanner.

Checked:
  - each ScanReport is on scan-results exactly once (`cellscan decode`),
    equals what tests/awssim/oracle.py prints for its scope and policy,
    and its bytes are the ones stored in Redis;
  - `cellscan report --format json` as the right CELLSCAN_CLIENT_ID prints
    the oracle's report field for field (nothing more but the run's ids,
    times and costs), and `cellscan status` agrees;
  - one client cannot read the other's report through the CLI: the answer
    is the one for a scan that does not exist;
  - the denied account is in errors.permission_denied, its cells failed
    with assume_role_denied, and the scan is partial, not failed;
  - exactly one AssumeRole per scanned account per scan across the three
    workers (the simulator's request log), none chained, one into the
    org-discovery role; every account's cells ran on one worker, and the
    cells were spread over the workers;
  - nothing went to dead-letters.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet_harness as fh  # noqa: E402

ACME = "acme"
GLOBEX = "globex"
DENIED = "555555555555"
SUSPENDED = "666666666666"
ACME_ACCOUNTS = ["333333333333", "444444444444", "777777777777"]

SCOPE_ACME = {
    "client_id": ACME, "plan": "professional", "accounts": ACME_ACCOUNTS,
    "categories": ["ec2", "s3", "lambda", "tagging"],
    "regions": ["us-east-1", "eu-west-1", "af-south-1"],
    "role_name": "CellScanReadOnly", "external_id": fh.EXTERNAL_ID, "deadline_s": 300,
}
SCOPE_GLOBEX = {
    "client_id": GLOBEX,
    "organization": {"org_role_arn": fh.DEMO_ORG_ROLE, "exclude_account_ids": ACME_ACCOUNTS},
    "categories": ["ec2", "rds", "ecs", "eks", "tagging"],
    "regions": ["us-east-1", "eu-west-1"],
    "external_id": fh.EXTERNAL_ID, "deadline_s": 300,
}
SCAN_ACME = "scan-fleet-acme-0001"
SCAN_GLOBEX = "scan-fleet-globex-0001"


class TwoClients(fh.FleetTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        f = cls.start_fleet("fleet-two")
        try:
            f.sim_reset()
            f.submit(SCOPE_ACME, SCAN_ACME)
            f.submit(SCOPE_GLOBEX, SCAN_GLOBEX)
            cls.topic = {s: f.wait_report(s) for s in (SCAN_ACME, SCAN_GLOBEX)}
            f.wait_stored(SCAN_ACME, ACME)
            f.wait_stored(SCAN_GLOBEX, GLOBEX)
            cls.assumes, cls.assume_log = f.assume_roles()
            cls.org_assumes, _ = f.assume_roles("CellScanOrgDiscovery")
            cls.expected = {SCAN_ACME: fh.oracle(["--demo"], SCOPE_ACME, tmp=f.tmp),
                            SCAN_GLOBEX: fh.oracle(["--demo"], SCOPE_GLOBEX, tmp=f.tmp)}
            cls.client = {SCAN_ACME: ACME, SCAN_GLOBEX: GLOBEX}
        except BaseException:
            cls.tearDownClass()
            raise

    def test_reports_on_scan_results_equal_the_oracle(self):
        raw = self.fleet.raw_records("scan-results")
        for scan in (SCAN_ACME, SCAN_GLOBEX):
            recs = self.topic[scan]
            self.assertEqual(len(recs), 1, "%s published %d times" % (scan, len(recs)))
            self.assertEqual(recs[0]["key"], scan)
            got = fh.topic_report(recs[0]["value"])
            self.assertEqual(got["scan_id"], scan)
            self.assert_no_diff(self.expected[scan], got, scan + " on scan-results")
            # the very bytes stored in Redis for its client
            mine = [r for r in raw if r["key"] == scan.encode()]
            self.assertEqual(len(mine), 1)
            self.assertEqual(mine[0]["value"], self.fleet.stored_report(self.client[scan], scan))

    def test_reports_in_redis_equal_the_oracle(self):
        for scan in (SCAN_ACME, SCAN_GLOBEX):
            status, report, err = self.fleet.report_json(scan, self.client[scan])
            self.assertEqual(status, 0, err)
            self.assertEqual(report["scan_id"], scan)
            self.assertEqual(report["client_id"], self.client[scan])
            self.assert_report_equals_oracle(self.expected[scan], report, scan + " in Redis")
            self.assertLessEqual(report["started_at"], report["finished_at"])
            p = self.fleet.cli(["status", scan], client=self.client[scan])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stdout, r"(?m)^status +%s$" % report["status"])
            self.assertRegex(p.stdout, r"(?m)^client_id +%s$" % self.client[scan])

    def test_a_client_cannot_read_the_other_clients_report(self):
        f = self.fleet
        for me, theirs in ((ACME, SCAN_GLOBEX), (GLOBEX, SCAN_ACME)):
            missing = theirs + "-no-such-scan"
            for cmd in (["report", theirs, "--format", "json"], ["status", theirs]):
                p = f.cli(cmd, client=me)
                q = f.cli([cmd[0], missing] + cmd[2:], client=me)
                self.assertEqual(p.returncode, 1, p.stdout)
                self.assertEqual(p.stdout, "")
                # word for word the answer for a scan that does not exist
                self.assertEqual(q.returncode, 1)
                self.assertEqual(p.stderr.replace(theirs, "ID"), q.stderr.replace(missing, "ID"))
                self.assertIn("no report for scan %s" % theirs, p.stderr)
        # a third client sees neither
        for scan in (SCAN_ACME, SCAN_GLOBEX):
            self.assertEqual(f.report_json(scan, "initech")[0], 1)

    def test_denied_account_makes_the_scan_partial_not_failed(self):
        status, r, err = self.fleet.report_json(SCAN_GLOBEX, GLOBEX)
        self.assertEqual(status, 0, err)
        self.assertEqual(r["status"], "partial")
        self.assertEqual(r["errors"]["permission_denied"], [DENIED])
        by_id = {a["account_id"]: a for a in r["accounts"]}
        self.assertEqual(by_id[DENIED]["status"], "failed")
        self.assertEqual(by_id[DENIED]["coverage"], 0.0)
        for acct, a in by_id.items():
            if acct != DENIED:
                self.assertNotEqual(a["status"], "failed", acct)
                self.assertGreater(a["total"], 0, acct)
        for key, ev in r["evidence_completeness"].items():
            if key.endswith(":" + DENIED):
                self.assertEqual((ev["status"], ev["reason"], ev["error_code"]),
                                 ("unavailable_no_access", "assume_role_denied", "AccessDenied"),
                                 key)
        skipped = {s["account_id"]: s["reason"] for s in r["skipped_accounts"]}
        want = dict.fromkeys(ACME_ACCOUNTS, "excluded_account")
        want[SUSPENDED] = "suspended"
        self.assertEqual(skipped, want)
        # the other client's scan has no denied account
        status, a, err = self.fleet.report_json(SCAN_ACME, ACME)
        self.assertEqual(status, 0, err)
        self.assertEqual(a["errors"]["permission_denied"], [])

    def test_one_assume_role_per_account_per_scan_across_three_workers(self):
        scanned = set()
        for scan in (SCAN_ACME, SCAN_GLOBEX):
            scanned |= {a["account_id"] for a in self.expected[scan]["accounts"]}
        self.assertEqual(set(self.assumes), scanned)
        for acct, outcomes in self.assumes.items():
            self.assertEqual(outcomes, ["AccessDenied" if acct == DENIED else "ok"], acct)
        self.assertEqual(self.org_assumes, {"111111111111": ["ok"]})
        for e in self.assume_log:
            self.assertFalse(e.get("chained"), e)
        self.assertEqual(self.fleet.sim_admin("counters")["assume_role_per_account"].get(
            SUSPENDED, 0), 0)
        # each account's cells on one worker (key = account_id), the scan
        # spread over the workers
        runs = {}
        for rec in self.fleet.decode("cell-results"):
            res = (rec.get("value") or {}).get("result")
            if res:
                runs.setdefault(res["account_id"], set()).add(res["worker_id"])
        self.assertEqual(set(runs), scanned)
        for acct, workers in runs.items():
            self.assertEqual(len(workers), 1, "%s ran on %s" % (acct, sorted(workers)))
        used = set().union(*runs.values())
        self.assertGreaterEqual(len(used), 2, used)
        self.assertLessEqual(used, {"worker-1", "worker-2", "worker-3"})
        # the workers' own count agrees: one AssumeRole per scanned account
        total = sum(self.fleet.metric(w, "cellscan_assume_role_total") for w in self.fleet.workers)
        self.assertEqual(total, len(scanned))

    def test_nothing_dead_lettered(self):
        self.assertEqual(self.fleet.decode("dead-letters", idle_ms=500), [])


if __name__ == "__main__":
    unittest.main()
