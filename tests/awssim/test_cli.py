"""The awssim command: start, port file, request log file, clean exit on SIGTERM/SIGINT."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import unittest

import boto3
from botocore.config import Config

from simtest import ACCESS_KEY, HERE, SECRET_KEY

CFG = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10)


class CliTest(unittest.TestCase):
    def start(self, *args):
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "awssim.py"), *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.stop, proc)
        line = proc.stdout.readline().strip()
        self.assertRegex(line, r"^awssim listening on http://127\.0\.0\.1:\d+$")
        return proc, line.rsplit(" ", 1)[1]

    @staticmethod
    def stop(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()

    def test_demo_with_port_and_log_files_then_sigterm(self):
        with tempfile.TemporaryDirectory() as d:
            port_file, log_file = os.path.join(d, "port"), os.path.join(d, "requests.jsonl")
            proc, url = self.start("--demo", "--port", "0", "--port-file", port_file, "--log-file", log_file)
            with open(port_file) as f:
                self.assertEqual(url, f"http://127.0.0.1:{int(f.read())}")
            sts = boto3.client("sts", endpoint_url=url, region_name="us-east-1", config=CFG,
                               aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
            self.assertEqual(sts.get_caller_identity()["Account"], "222222222222")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
            with open(log_file) as f:
                entries = [json.loads(line) for line in f]
            self.assertEqual([(e["operation"], e["outcome"]) for e in entries], [("GetCallerIdentity", "ok")])
            self.assertNotIn(SECRET_KEY, open(log_file).read())

    def test_fixture_and_synthetic_and_sigint(self):
        proc, url = self.start("--fixture", os.path.join(HERE, "fixtures", "demo.yaml"))
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=10), 0)
        proc, url = self.start("--synthetic", "accounts=5,resources=3,seed=1")
        org = boto3.client("sts", endpoint_url=url, region_name="us-east-1", config=CFG,
                           aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        self.assertEqual(org.get_caller_identity()["Arn"].split("/")[-1], "cellscan-scanner")
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 0)

    def test_bad_fixture_is_refused(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("accounts:\n  - id: '12'\n")
        try:
            out = subprocess.run([sys.executable, os.path.join(HERE, "awssim.py"), "--fixture", f.name],
                                 capture_output=True, text=True, timeout=30)
        finally:
            os.unlink(f.name)
        self.assertEqual(out.returncode, 2)
        self.assertIn("12 digits", out.stderr)


if __name__ == "__main__":
    unittest.main()
