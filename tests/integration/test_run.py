"""`cellscan run` (the embedded fleet) against the AWS simulator's demo
organization (tests/awssim/awssim.py --demo, a separate process), with org
discovery, as README command 1 runs it:

  - report.json equals what tests/awssim/oracle.py prints for the demo
    scope and policy, field for field (scores within 1e-9), and has no
    field beyond those the oracle leaves to the run;
  - the scan is partial, not failed; the account whose role refuses the
    scanner is in errors.permission_denied; the suspended one is skipped;
  - report.html is well-formed (it parses as XML) and holds the
    per-account table with every scanned account and its status;
  - the simulator counted exactly one AssumeRole per scanned account (and
    one into the org-discovery role), none chained, none into the
    suspended account;
  - without a terminal, plain progress lines; under a terminal (a pty), a
    progress bar redrawn in place; the summary table either way;
  - nothing printed or written holds the secret key;
  - a scan whose every cell fails exits 1 (report written, status
    failed); an invalid scope exits 2 before anything starts;
  - with CELLSCAN_REDIS_URL the report is stored too (`cellscan report`
    gives the same report.json, to its client only), and a scan id Redis
    has seen is refused (exit 2) instead of waiting for a report.
"""
import json
import os
import pty
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fleet_harness import (AWSSIM, CELLSCAN, KEY_ID, ORACLE,  # noqa: E402
                           RUN_EVIDENCE_FIELDS, RUN_FIELDS, SECRET, SRC)
from fleet_harness import DEMO_POLICY as POLICY  # noqa: E402

SCOPE = os.path.join(SRC, "tests", "awssim", "fixtures", "demo-scope.json")
DENIED = "555555555555"
SUSPENDED = "666666666666"
MANAGEMENT = "111111111111"
RUN_TIMEOUT = 300


def start_simulator(tmp):
    """awssim --demo on a free loopback port, in its own process group."""
    port_file = os.path.join(tmp, "awssim.port")
    log = open(os.path.join(tmp, "awssim.log"), "wb")
    proc = subprocess.Popen(["/usr/bin/python3", AWSSIM, "--demo", "--port", "0",
                             "--port-file", port_file], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
            with open(port_file) as f:
                return proc, "http://127.0.0.1:%d" % int(f.read().strip())
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop_process(proc)
    raise RuntimeError("awssim did not start; see " + os.path.join(tmp, "awssim.log"))


def stop_process(proc):
    """SIGTERM to the group we started, SIGKILL after 10 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def admin(url, path, method="GET"):
    req = urllib.request.Request(url + path, method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def run_env(tmp, url):
    return {"PATH": "/usr/bin:/bin", "HOME": tmp, "AWS_ENDPOINT_URL": url,
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET, "CELLSCAN_LOG_LEVEL": "debug"}


def run_on_pty(argv, env, timeout):
    """Runs argv with a pty as its terminal; returns (exit status, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


class DemoRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cs-run-")
        cls.sim, cls.url = start_simulator(cls.tmp)
        cls.out = os.path.join(cls.tmp, "out")
        p = subprocess.run([CELLSCAN, "run", "--scope", SCOPE, "--policy", POLICY,
                            "--out", cls.out, "--workers", "3"],
                           env=run_env(cls.tmp, cls.url), capture_output=True, text=True,
                           timeout=RUN_TIMEOUT)
        cls.status, cls.stdout, cls.stderr = p.returncode, p.stdout, p.stderr
        cls.counters = admin(cls.url, "/_awssim/counters")
        cls.assumes = admin(cls.url, "/_awssim/log?operation=AssumeRole&limit=10000")["entries"]
        with open(os.path.join(cls.out, "report.json")) as f:
            cls.report = json.load(f)
        oracle = subprocess.run(["/usr/bin/python3", ORACLE, "--demo", "--policy", POLICY,
                                 "--scope", SCOPE], capture_output=True, text=True,
                                timeout=120, check=True)
        cls.expected = json.loads(oracle.stdout)

    @classmethod
    def tearDownClass(cls):
        stop_process(cls.sim)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_exit_status_and_outputs(self):
        self.assertEqual(self.status, 0, self.stderr)
        for name in ("report.json", "report.html", "cellscan.log"):
            self.assertTrue(os.path.getsize(os.path.join(self.out, name)) > 0, name)
            self.assertIn(os.path.join(self.out, name), self.stdout)
        self.assertEqual(self.stderr, "")

    def assert_same(self, path, want, got):
        if isinstance(want, dict):
            self.assertIsInstance(got, dict, path)
            self.assertEqual(sorted(want), sorted(k for k in got if k in want), path)
            for k, v in want.items():
                self.assert_same(path + "." + k, v, got[k])
        elif isinstance(want, list):
            self.assertIsInstance(got, list, path)
            self.assertEqual(len(want), len(got), path)
            for i, (a, b) in enumerate(zip(want, got)):
                self.assert_same("%s[%d]" % (path, i), a, b)
        elif isinstance(want, float) or isinstance(got, float):
            self.assertAlmostEqual(want, got, delta=1e-9, msg=path)
        else:
            self.assertEqual(want, got, path)

    def test_report_equals_the_oracle(self):
        self.assert_same("report", self.expected, self.report)
        self.assertEqual(set(self.report) - set(self.expected), RUN_FIELDS)
        for key, ev in self.report["evidence_completeness"].items():
            self.assertEqual(set(ev) - set(self.expected["evidence_completeness"][key]),
                             RUN_EVIDENCE_FIELDS, key)
        self.assertTrue(self.report["scan_id"].startswith("scan-"))
        self.assertLessEqual(self.report["started_at"], self.report["finished_at"])

    def test_partial_with_the_denied_account(self):
        r = self.report
        self.assertEqual(r["status"], "partial")
        self.assertEqual(r["errors"]["permission_denied"], [DENIED])
        denied = [a for a in r["accounts"] if a["account_id"] == DENIED][0]
        self.assertEqual(denied["status"], "failed")
        others = [a["status"] for a in r["accounts"] if a["account_id"] != DENIED]
        self.assertNotIn("failed", others)
        self.assertEqual(r["skipped_accounts"], [{"account_id": SUSPENDED, "reason": "suspended"}])
        self.assertGreaterEqual(len(r["accounts"]), 6)
        # the throttled account's calls were throttled, and retried to the end
        throttles = sum(ev["throttle_events"] for k, ev in r["evidence_completeness"].items()
                        if k.endswith(":444444444444"))
        self.assertGreater(throttles, 0)

    def test_html_is_well_formed_with_the_account_table(self):
        with open(os.path.join(self.out, "report.html"), encoding="utf-8") as f:
            text = f.read()
        root = ET.fromstring(text.split("\n", 1)[1])  # after <!DOCTYPE html>
        self.assertEqual(root.tag, "html")
        tables = root.iter("table")
        rows = {}
        for table in tables:
            header = [th.text for th in table.iter("th")]
            if header[:2] == ["account", "status"] and "coverage" in header:
                for tr in table.iter("tr"):
                    cells = ["".join(td.itertext()) for td in tr.findall("td")]
                    if cells:
                        rows[cells[0]] = cells
        self.assertEqual(sorted(rows), [a["account_id"] for a in self.report["accounts"]])
        for a in self.report["accounts"]:
            self.assertEqual(rows[a["account_id"]][1], a["status"])
            self.assertEqual(int(rows[a["account_id"]][2]), a["total"])
        self.assertIn(self.report["scan_id"], text)

    def test_one_assume_role_per_scanned_account(self):
        per_role = {}
        for e in self.assumes:
            role = e["role_arn"].rsplit("/", 1)[1]
            per_role.setdefault((e["target_account"], role), []).append(e)
            self.assertFalse(e.get("chained"), e)
        scanned = [a["account_id"] for a in self.report["accounts"]]
        want = {(acct, "CellScanReadOnly"): 1 for acct in scanned}
        want[(MANAGEMENT, "CellScanOrgDiscovery")] = 1
        self.assertEqual({k: len(v) for k, v in per_role.items()}, want)
        self.assertEqual(self.counters["assume_role_per_account"].get(SUSPENDED, 0), 0)
        outcome = [e["outcome"] for e in per_role[(DENIED, "CellScanReadOnly")]]
        self.assertEqual(outcome, ["AccessDenied"])
        self.assertIn("AssumeRole   %d ok, 1 denied, 0 failed" % (len(scanned) - 1),
                      self.stdout)

    def test_plain_progress_and_table(self):
        lines = self.stdout.splitlines()
        progress = [ln for ln in lines if ln.startswith("progress: ")]
        self.assertGreaterEqual(len(progress), 2)
        cells = len(self.report["evidence_completeness"])
        accounts = len(self.report["accounts"])
        self.assertRegex(progress[-1], r"^progress: %d/%d cells \(\d+ failed\), %d/%d accounts, "
                         r"\d+ throttles?, \d+:\d\d elapsed$" % (cells, cells, accounts, accounts))
        self.assertNotIn("\r", self.stdout)
        self.assertIn("scan %s (client demo): partial" % self.report["scan_id"], self.stdout)
        for a in self.report["accounts"]:
            self.assertRegex(self.stdout, r"(?m)^%s +%s " % (a["account_id"], a["status"]))

    def test_no_secret_anywhere(self):
        with open(os.path.join(self.out, "cellscan.log")) as f:
            log = f.read()
        self.assertIn('"level":"debug"', log)
        for text in (self.stdout, self.stderr, log, json.dumps(self.report)):
            self.assertNotIn(SECRET, text)
            self.assertNotIn("SessionToken", text)


class FailedAndInvalid(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cs-run-fail-")
        cls.sim, cls.url = start_simulator(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        stop_process(cls.sim)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def write_scope(self, scope):
        path = os.path.join(self.tmp, "scope-%d.json" % len(os.listdir(self.tmp)))
        with open(path, "w") as f:
            json.dump(scope, f)
        return path

    def test_every_cell_failed_exits_1_with_a_bar_on_a_terminal(self):
        scope = self.write_scope({"client_id": "demo", "accounts": [DENIED],
                                  "categories": ["ec2", "s3"], "regions": ["us-east-1"],
                                  "external_id": "cellscan-demo", "deadline_s": 120})
        out = os.path.join(self.tmp, "failed")
        env = dict(run_env(self.tmp, self.url), TERM="xterm")
        status, text = run_on_pty([CELLSCAN, "run", "--scope", scope, "--out", out,
                                   "--workers", "1", "--scan-id", "scan-all-denied"],
                                  env, RUN_TIMEOUT)
        self.assertEqual(status, 1, text)
        # the bar is redrawn in place and ends full
        self.assertIn("\r[", text)
        self.assertIn("\x1b[K", text)
        self.assertRegex(text, r"\[#+\]  2/2 cells \(2 failed\)  1/1 accounts")
        self.assertIn("scan scan-all-denied (client demo): failed", text)
        with open(os.path.join(out, "report.json")) as f:
            r = json.load(f)
        self.assertEqual(r["scan_id"], "scan-all-denied")
        self.assertEqual(r["status"], "failed")
        self.assertEqual(r["errors"]["permission_denied"], [DENIED])

    def test_invalid_scope_exits_2(self):
        scope = self.write_scope({"client_id": "demo", "accounts": ["12345"],
                                  "categories": ["ec2"], "regions": ["us-east-1"]})
        out = os.path.join(self.tmp, "invalid")
        p = subprocess.run([CELLSCAN, "run", "--scope", scope, "--out", out],
                           env=run_env(self.tmp, self.url), capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn('accounts[0]: expected a 12-digit account id, got "12345"', p.stderr)
        self.assertFalse(os.path.exists(out))
        p = subprocess.run([CELLSCAN, "run", "--scope", SCOPE, "--workers", "0"],
                           env=run_env(self.tmp, self.url), capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--workers must be 1..64", p.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WithRedis(unittest.TestCase):
    """CELLSCAN_REDIS_URL set: the report is also stored, client-scoped, and
    a scan id Redis has seen is refused before anything starts."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cs-run-redis-")
        cls.sim, cls.url = start_simulator(cls.tmp)
        port = free_port()
        cls.redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind",
                                      "127.0.0.1", "--save", "", "--appendonly", "no",
                                      "--dir", cls.tmp], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        cls.redis_url = "redis://127.0.0.1:%d/0" % port
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            p = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                               text=True)
            if p.stdout.strip() == "PONG":
                break
            time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        stop_process(cls.redis)
        stop_process(cls.sim)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def cellscan(self, *args, client="demo"):
        env = dict(run_env(self.tmp, self.url), CELLSCAN_REDIS_URL=self.redis_url,
                   CELLSCAN_CLIENT_ID=client)
        return subprocess.run([CELLSCAN] + list(args), env=env, capture_output=True,
                              text=True, timeout=RUN_TIMEOUT)

    def test_report_stored_and_scan_id_not_reused(self):
        scope = os.path.join(self.tmp, "scope.json")
        with open(scope, "w") as f:
            json.dump({"client_id": "demo", "accounts": ["333333333333"],
                       "categories": ["ec2", "s3"], "regions": ["us-east-1", "eu-west-1"],
                       "external_id": "cellscan-demo"}, f)
        out = os.path.join(self.tmp, "out")
        p = self.cellscan("run", "--scope", scope, "--policy", POLICY, "--out", out,
                          "--scan-id", "scan-redis-1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("reports also in Redis", p.stdout)
        stored = self.cellscan("report", "scan-redis-1", "--format", "json")
        self.assertEqual(stored.returncode, 0, stored.stderr)
        with open(os.path.join(out, "report.json")) as f:
            self.assertEqual(stored.stdout, f.read())
        other = self.cellscan("report", "scan-redis-1", client="other")
        self.assertEqual(other.returncode, 1)
        self.assertEqual(other.stdout, "")
        start = time.monotonic()
        again = self.cellscan("run", "--scope", scope, "--policy", POLICY, "--out",
                              os.path.join(self.tmp, "again"), "--scan-id", "scan-redis-1")
        self.assertEqual(again.returncode, 2)
        self.assertIn("scan scan-redis-1 of client demo was dispatched before", again.stderr)
        self.assertLess(time.monotonic() - start, 30)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "again")))


if __name__ == "__main__":
    unittest.main()
