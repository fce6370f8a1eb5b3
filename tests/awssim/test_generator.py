"""The synthetic generator: determinism, shape, and the 10,000-account scale target."""
import os
import signal
import subprocess
import sys
import time
import unittest

import boto3
from botocore.config import Config

import synthetic
from simtest import ACCESS_KEY, SECRET_KEY, HERE
from world import REGIONAL_KINDS, S3_BUCKET

CFG = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class GeneratorTest(unittest.TestCase):
    def test_deterministic_and_exact_counts(self):
        a = synthetic.SyntheticWorld("accounts=50,resources=40,seed=9,compliance=0.5")
        b = synthetic.SyntheticWorld("accounts=50,resources=40,seed=9,compliance=0.5")
        c = synthetic.SyntheticWorld("accounts=50,resources=40,seed=10,compliance=0.5")
        acct = a.account_at(17).id
        for kind in REGIONAL_KINDS:
            for region in ("us-east-1", "eu-west-1"):
                self.assertEqual([(r.arn, r.tags) for r in a.resources(acct, region, kind)],
                                 [(r.arn, r.tags) for r in b.resources(acct, region, kind)])
        total = sum(len(a.resources(acct, r, k)) for k in REGIONAL_KINDS for r in ("us-east-1", "eu-west-1"))
        self.assertEqual(total + len(a.buckets(acct)), 40)
        self.assertNotEqual([r.tags for r in a.resources(c.account_at(17).id, "us-east-1", "ec2:instance")],
                            [r.tags for r in c.resources(c.account_at(17).id, "us-east-1", "ec2:instance")])
        bucket = a.buckets(acct)[0]
        self.assertEqual(a.bucket(bucket.name).account_id, acct)
        self.assertEqual(a.bucket(bucket.name).kind, S3_BUCKET)
        self.assertIsNone(a.bucket("cs-9-999-b1"))

    def test_spec_parsing(self):
        sp = synthetic.parse_spec("accounts=3,resources=5,seed=2,compliance=0.25,regions=us-east-1:af-south-1,"
                                  "optin=af-south-1,page=7,suspended=0.5,denied=0.1")
        self.assertEqual(sp["regions"], ["us-east-1", "af-south-1"])
        self.assertEqual(sp["page"], 7)
        for bad in ("accounts=0", "compliance=2", "nope=1", "regions=mars-1"):
            with self.assertRaises(ValueError):
                synthetic.parse_spec(bad)

    def test_org_tree_is_lazy_and_consistent(self):
        w = synthetic.SyntheticWorld("accounts=10001,resources=0,seed=3")
        seen = set()
        for ou in w.child_org_units(w.org.root_id):
            stack = [ou]
            while stack:
                o = stack.pop()
                stack.extend(w.child_org_units(o.id))
                under = w.accounts_under(o.id)
                for a in under[:]:
                    self.assertEqual(a.parent_id, o.id)
                    seen.add(a.id)
        seen.update(a.id for a in w.accounts_under(w.org.root_id))
        self.assertEqual(len(seen), 10001)


class ScaleTest(unittest.TestCase):
    """10,000 accounts x 100 resources (1,000,000) served by the real CLI process."""

    @classmethod
    def setUpClass(cls):
        cls.port_file = f"/tmp/awssim-scale-{os.getpid()}.port"
        t = time.monotonic()
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "awssim.py"), "--synthetic",
             "accounts=10000,resources=100,seed=7,compliance=0.7", "--port", "0",
             "--port-file", cls.port_file], stdout=subprocess.PIPE, text=True)
        line = cls.proc.stdout.readline()
        cls.startup_s = time.monotonic() - t
        cls.url = line.strip().rsplit(" ", 1)[-1]
        cls.world = synthetic.SyntheticWorld("accounts=10000,resources=100,seed=7,compliance=0.7")

    @classmethod
    def tearDownClass(cls):
        cls.proc.send_signal(signal.SIGTERM)
        try:
            cls.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
            cls.proc.wait()
        cls.proc.stdout.close()
        if os.path.exists(cls.port_file):
            os.unlink(cls.port_file)

    def client(self, service, creds=None):
        kw = dict(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        if creds:
            kw = dict(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                      aws_session_token=creds["SessionToken"])
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1", config=CFG, **kw)

    def test_first_page_fast_memory_bounded(self):
        with open(self.port_file) as f:
            self.assertEqual(self.url, f"http://127.0.0.1:{int(f.read())}")
        mgmt = self.world.account_at(0).id
        creds = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{mgmt}:role/{synthetic.ORG_ROLE}", RoleSessionName="scale")["Credentials"]
        org = self.client("organizations", creds)
        t = time.monotonic()
        first = org.list_accounts()
        first_page_s = time.monotonic() - t
        self.assertLess(first_page_s, 1.0)
        self.assertEqual(len(first["Accounts"]), 20)
        ids = [a["Id"] for p in org.get_paginator("list_accounts").paginate() for a in p["Accounts"]]
        self.assertEqual(len(ids), 10000)
        self.assertEqual(len(set(ids)), 10000)
        # Scan a spread of member accounts, every regional listing once.
        sts = self.client("sts")
        for i in range(1, 10000, 250):
            aid = self.world.account_at(i).id
            c = sts.assume_role(RoleArn=f"arn:aws:iam::{aid}:role/{synthetic.MEMBER_ROLE}",
                                RoleSessionName="scale", ExternalId="cellscan-demo")["Credentials"]
            tag = self.client("resourcegroupstaggingapi", c)
            rows = [r for p in tag.get_paginator("get_resources").paginate() for r in p["ResourceTagMappingList"]]
            self.assertTrue(all(r["ResourceARN"].split(":")[4] in ("", aid) for r in rows))
        rss = rss_kib(self.proc.pid)
        self.assertLess(rss, 200 * 1024, f"RSS {rss} KiB")
        print(f"\nscale: startup {self.startup_s:.2f}s, first ListAccounts page {first_page_s * 1000:.1f} ms, "
              f"RSS after listing 10,000 accounts and scanning 40 {rss / 1024:.1f} MiB", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
