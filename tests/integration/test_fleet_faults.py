"""The fleet under faults, every program a separate process
(tests/integration/fleet_harness.py; one fleet for the class, brought back
to three workers, an aggregator and a dispatcher before each test). One
scope throughout: five accounts of the demo organization, one of which
refuses the scanner, five categories, two regions. Its undisturbed run is
the baseline, and it equals the simulator oracle's report; every fault
run's final report must equal the baseline in everything but ids, times
and per-cell costs:

  - kill -9 of a worker with cells in flight (every AWS call slowed down):
    the group runs the uncommitted jobs again, its running cells end up
    with a survivor's result;
  - kill -9 of the aggregator mid-scan, then a restart: the scan is rebuilt
    from the partition, one report;
  - the same ScanRequest published twice, and once more after the report:
    one manifest, one set of jobs, one report;
  - CellResults (and the manifest) published again while the scan is open
    (one cell held back by a slow AWS call), and again after the report:
    the same report, published once;
  - a poison message on scan-requests, cell-jobs and cell-results: each
    lands on dead-letters with its bytes, key and reason header, each
    daemon counts it, and a scan submitted after them completes;
  - the denied account is in errors.permission_denied, the scan partial;
  - a scan deadline shorter than a hanging cell (the simulator never
    answers that account's Lambda calls): that cell, and only it, is
    failed with deadline_exceeded, the report is published at the
    deadline and equals the baseline but for that cell.
"""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet_harness as fh  # noqa: E402

CLIENT = "faults"
DENIED = "555555555555"
HUNG_ACCOUNT = "333333333333"
SCOPE = {
    "client_id": CLIENT, "plan": "professional",
    "accounts": ["333333333333", "444444444444", DENIED, "777777777777", "888888888888"],
    "categories": ["ec2", "s3", "rds", "lambda", "tagging"],
    "regions": ["us-east-1", "eu-west-1"],
    "external_id": fh.EXTERNAL_ID, "deadline_s": 300,
}
NCELLS = len(SCOPE["accounts"]) * len(SCOPE["categories"])
# every AWS call slowed down, so that cells are in flight when a process dies
SLOW = {"kind": "latency", "ms": 150}
# and one cell held for 10 s by its first call: the scan is certainly still
# open, that cell certainly running, when the test gets to kill something
# (reading a topic to see how far the scan is takes a second or more)
HELD_CELL = "aws_s3:888888888888"
HOLD = {"kind": "latency", "ms": 10000, "account": "888888888888", "service": "s3", "count": 1}
# faster than the defaults: a killed member is noticed in 3 s
FAST_GROUPS = {"CELLSCAN_KAFKA_SESSION_TIMEOUT_MS": "3000",
               "CELLSCAN_KAFKA_HEARTBEAT_INTERVAL_MS": "300"}


class Faults(fh.FleetTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        f = cls.start_fleet("fleet-faults", env=FAST_GROUPS)
        try:
            cls.expected = fh.oracle(["--demo"], SCOPE, tmp=f.tmp)
            cls.base = cls.run_scan(f, "scan-faults-base")
        except BaseException:
            cls.tearDownClass()
            raise

    @staticmethod
    def run_scan(f, scan_id, timeout=120):
        f.submit(SCOPE, scan_id)
        f.wait_report(scan_id, timeout)
        f.wait_stored(scan_id, CLIENT)
        status, report, err = f.report_json(scan_id, CLIENT)
        assert status == 0, "cellscan report %s: %s" % (scan_id, err)
        return report

    def setUp(self):
        self.fleet.restore()
        self.fleet.sim_reset()
        self.faults = []

    def tearDown(self):
        self.fleet.remove_faults(self.faults)

    def add_faults(self, *faults):
        self.faults += self.fleet.add_faults(list(faults))

    def final_report(self, scan_id, settle=1.5):
        """The report of scan_id from Redis, after checking that it was
        published exactly once on scan-results (waiting settle seconds
        more for a second copy to show), with the bytes stored."""
        time.sleep(settle)
        self.fleet.wait_stored(scan_id, CLIENT)
        recs = [r for r in self.fleet.raw_records("scan-results") if r["key"] == scan_id.encode()]
        self.assertEqual(len(recs), 1, "%s published %d times" % (scan_id, len(recs)))
        self.assertEqual(recs[0]["value"], self.fleet.stored_report(CLIENT, scan_id))
        status, report, err = self.fleet.report_json(scan_id, CLIENT)
        self.assertEqual(status, 0, err)
        self.assertEqual(report["scan_id"], scan_id)
        return report

    def results(self, scan_id):
        return [r["value"]["result"] for r in self.fleet.cell_records(scan_id)[1]]

    # ------------------------------------------------------------ tests

    def test_baseline_equals_the_oracle_and_is_partial(self):
        self.assert_report_equals_oracle(self.expected, self.base, "baseline")
        self.assertEqual(self.base["status"], "partial")
        self.assertEqual(self.base["errors"]["permission_denied"], [DENIED])
        for a in self.base["accounts"]:
            self.assertEqual(a["status"] == "failed", a["account_id"] == DENIED, a)

    def test_worker_kill9_mid_scan(self):
        f, scan = self.fleet, "scan-faults-worker-kill"
        self.add_faults(SLOW, HOLD)
        f.submit(SCOPE, scan)

        def victim():
            # the worker running the held cell, once a few cells are done
            if len(self.results(scan)) < 3:
                return None
            for w in f.workers:
                if w.log_has("cell %s started" % HELD_CELL, scan):
                    return w
            return None
        w = fh.wait_for(victim, 90, "the worker running " + HELD_CELL, interval=0.2)
        w.kill9()
        started = {r["msg"].split()[1] for r in w.log_lines()
                   if r.get("scan_id") == scan and r["msg"].endswith(" started")}
        finished = {r["msg"].split()[1] for r in w.log_lines()
                    if r.get("scan_id") == scan and r["msg"].startswith("cell ") and
                    ": " in r["msg"] and r["level"] == "info"}
        in_flight = started - finished
        self.assertTrue(in_flight, "no cell of %s was running in %s" % (scan, w.name))
        f.wait_report(scan, 120)
        report = self.final_report(scan)
        self.assert_same_report(self.base, report, "after kill -9 of " + w.name)
        # the cells it was running were run again by the survivors
        by_cell = {}
        for r in self.results(scan):
            by_cell.setdefault(r["cell_id"], set()).add(r["worker_id"])
        self.assertEqual(len(by_cell), NCELLS)
        for cell in in_flight:  # the worker id is its process name
            self.assertTrue(by_cell[cell] - {w.name}, "%s: only %s" % (cell, by_cell[cell]))

    def test_aggregator_kill9_mid_scan_then_restart(self):
        f, scan = self.fleet, "scan-faults-aggregator-kill"
        self.add_faults(SLOW, HOLD)
        f.submit(SCOPE, scan)
        agg = f.aggregator
        fh.wait_for(lambda: agg.log_has("scan opened", scan) and len(self.results(scan)) >= 3,
                    90, "the scan open with a few results", interval=0.2)
        agg.kill9()
        self.assertEqual(agg.log_has("scan closed", scan), 0, "killed too late")
        time.sleep(1)
        f.restore()
        f.wait_report(scan, 120)
        report = self.final_report(scan)
        self.assertEqual(f.aggregator.log_has("scan opened", scan), 1,
                         "the restarted aggregator did not rebuild the scan")
        self.assert_same_report(self.base, report, "after kill -9 of the aggregator")

    def test_redelivered_scan_request(self):
        f, scan = self.fleet, "scan-faults-request-twice"
        f.submit(SCOPE, scan)
        f.submit(SCOPE, scan)
        f.wait_report(scan, 120)
        f.submit(SCOPE, scan)  # a late redelivery, after the report
        fh.wait_for(lambda: f.dispatcher.log_has("redelivered request skipped", scan) == 2, 60,
                    "the dispatcher to skip both redeliveries")
        report = self.final_report(scan)
        self.assert_same_report(self.base, report, "redelivered request")
        manifests, results = f.cell_records(scan)
        self.assertEqual(len(manifests), 1)
        jobs = [r for r in f.decode("cell-jobs")  # a poison job has no value
                if (r.get("value") or {}).get("scan_id") == scan]
        self.assertEqual(sorted(j["value"]["cell_id"] for j in jobs),
                         sorted(manifests[0]["value"]["manifest"]["cell_ids"]))
        self.assertEqual(len(jobs), NCELLS)

    def test_redelivered_cell_results(self):
        f, scan = self.fleet, "scan-faults-results-twice"
        held = HELD_CELL
        # the first S3 call of one account waits: its cell holds the scan open
        self.add_faults(HOLD)
        f.submit(SCOPE, scan)
        fh.wait_for(lambda: len(self.results(scan)) >= NCELLS // 2, 60, "half the results",
                    interval=0.2)
        # everything of the scan so far, manifest first, published again
        first = [r for r in f.raw_records("cell-results") if r["key"] == scan.encode()]
        for rec in first:
            f.produce("cell-results", rec["key"], rec["value"])
        # still open: the copies come before the held cell's result
        self.assertNotIn(held, [r["cell_id"] for r in self.results(scan)])
        self.assertFalse(f.reports_on_topic(scan))
        f.wait_report(scan, 60)
        self.assertEqual(f.aggregator.log_has("duplicate or not better", scan), len(first) - 1,
                         "the copies of the results, folded while the scan was open")
        self.assertEqual(f.aggregator.log_has("manifest of a scan already open ignored", scan), 1)
        # and everything once more after the report
        again = [r for r in f.raw_records("cell-results") if r["key"] == scan.encode()]
        self.assertEqual(len(again), 1 + NCELLS + len(first))
        for rec in again:
            f.produce("cell-results", rec["key"], rec["value"])

        def late_ignored():
            return sum(1 for r in f.aggregator.log_lines() if r.get("scan_id") == scan and
                       "ignored" in r["msg"] and "already open" not in r["msg"])
        fh.wait_for(lambda: late_ignored() >= len(again), 30,
                    "the aggregator to ignore the late copies")
        report = self.final_report(scan)
        self.assert_same_report(self.base, report, "redelivered results")

    def test_poison_message_on_each_topic(self):
        f, scan = self.fleet, "scan-faults-after-poison"
        poison = {"scan-requests": b"\x0a\xff\xff\xff\x7f poison request",
                  "cell-jobs": b"\x12\x7fshort",
                  "cell-results": b"\xff\xfe\xfd not a record"}
        before = {p.name: f.metric(p, "cellscan_dead_letters_total") for p in f.daemons()}
        where = {}
        for topic, value in poison.items():
            where[topic] = f.produce(topic, b"poison-" + topic.encode(), value)
        report = self.run_scan(f, scan)
        self.assert_same_report(self.base, report, "after poison messages")
        letters = {}
        for rec in f.decode("dead-letters"):
            key = rec.get("key", "")
            if key.startswith("poison-"):
                letters.setdefault(key[len("poison-"):], []).append(rec)
        self.assertEqual(sorted(letters), sorted(poison))
        for topic, recs in letters.items():
            self.assertEqual(len(recs), 1, topic)
            h = recs[0]["headers"]
            self.assertEqual(h["cellscan-topic"], fh.PREFIX + topic)
            self.assertEqual((int(h["cellscan-partition"]), int(h["cellscan-offset"])),
                             where[topic])
            self.assertTrue(h["cellscan-reason"].startswith("decode: not a valid cellscan.v1."),
                            h["cellscan-reason"])
            self.assertEqual(recs[0]["value_base64"], fh.b64(poison[topic]))
        # each consumer counted its own
        fh.wait_for(lambda: all(
            f.metric(p, "cellscan_dead_letters_total") > before.get(p.name, 0)
            for p in (f.dispatcher, f.aggregator)), 15, "the dead-letter metrics")
        self.assertEqual(sum(f.metric(w, "cellscan_dead_letters_total") - before.get(w.name, 0)
                             for w in f.workers), 1)

    def test_deadline_shorter_than_a_hanging_cell(self):
        f, scan = self.fleet, "scan-faults-deadline"
        hung = "aws_lambda:" + HUNG_ACCOUNT
        self.add_faults({"kind": "hang", "seconds": 20, "account": HUNG_ACCOUNT,
                         "service": "lambda"})
        pb = f.pb()
        # the request waited 40 s on its way to the fleet, so its 60 s
        # deadline (the least a scope may ask) is 20 s away
        req = pb.ScanRequest(schema_version=1, client_id=CLIENT, scan_id=scan, plan="professional",
                             requested_at_ms=int(time.time() * 1000) - 40000)
        req.scope.accounts.account_ids.extend(SCOPE["accounts"])
        req.scope.categories.extend(SCOPE["categories"])
        req.scope.regions.extend(SCOPE["regions"])
        req.scope.external_id = fh.EXTERNAL_ID
        req.scope.deadline_s = 60
        with open(fh.DEMO_POLICY) as p:
            req.scope.tag_policy_json = json.dumps(json.load(p), separators=(",", ":"))
        f.produce("scan-requests", CLIENT.encode(), req.SerializeToString())
        deadline_ms = req.requested_at_ms + 60000
        recs = f.wait_report(scan, 60)
        report = self.final_report(scan, settle=0)
        value = recs[0]["value"]
        # published at the deadline, not before, not much after
        self.assertGreaterEqual(value["finished_at_ms"], deadline_ms)
        self.assertLess(value["finished_at_ms"], deadline_ms + 5000)
        self.assertEqual(value["started_at_ms"], req.requested_at_ms)
        ev = report["evidence_completeness"]
        self.assertEqual((ev[hung]["status"], ev[hung]["reason"], ev[hung]["record_count"]),
                         ("unavailable_error", "deadline_exceeded", 0))
        self.assertEqual([k for k, e in ev.items() if e["reason"] == "deadline_exceeded"], [hung])
        self.assertEqual(report["status"], "partial")
        self.assert_same_report(without_cell(self.base, hung, ev[hung]), report,
                                "deadline report")


def without_cell(report, cell, evidence):
    """The report `report` would be had `cell` failed with `evidence`: its
    account and the overall totals without the cell's resources and
    violations, one cell less with data."""
    account = cell.split(":")[1]
    category = cell.split(":")[0][len("aws_"):]
    r = json.loads(json.dumps(report))
    assert r["violations_truncated"] == 0, "the baseline's violations are capped"
    r["evidence_completeness"][cell] = dict(r["evidence_completeness"][cell], **evidence)
    gone = {"total": 0, "compliant": 0, "violations": 0}
    for a in r["accounts"]:
        if a["account_id"] != account:
            continue
        for t in [t for t in a["resource_types"] if t.split(":")[0] == category]:
            gone["total"] += a["resource_types"][t]["total"]
            gone["compliant"] += a["resource_types"][t]["compliant"]
            del a["resource_types"][t]
        lost = [v for v in r["violations"] if v["account_id"] == account and
                v["resource_type"].split(":")[0] == category]
        gone["violations"] = len(lost)
        r["violations"] = [v for v in r["violations"] if v not in lost]
        for totals in (a, r["overall"]):
            for k in gone:
                totals[k] -= gone[k]
            totals["cells_with_data"] -= 1
            totals["coverage"] = totals["cells_with_data"] / totals["cells_expected"]
            totals["score"] = totals["compliant"] / totals["total"] if totals["total"] else 1.0
        a["status"] = "partial"
    return r


if __name__ == "__main__":
    unittest.main()
