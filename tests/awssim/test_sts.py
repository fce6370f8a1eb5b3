"""STS: AssumeRole trust/ExternalId/duration rules, web identity, caller identity."""
import unittest

from simtest import (ACCESS_KEY, EXTERNAL_ID, LEGACY, MGMT, ML, PAYMENTS, ROLE, SANDBOX,
                     SCANNER_ACCT, SimTestCase)


class StsTest(SimTestCase):
    def test_get_caller_identity_of_the_scanner(self):
        ident = self.client("sts").get_caller_identity()
        self.assertEqual(ident["Account"], SCANNER_ACCT)
        self.assertEqual(ident["Arn"], f"arn:aws:iam::{SCANNER_ACCT}:user/cellscan-scanner")
        self.assertTrue(ident["UserId"].startswith("AIDA"))

    def test_assume_role_issues_temporary_credentials_bound_to_the_account(self):
        sts = self.client("sts")
        out = sts.assume_role(RoleArn=f"arn:aws:iam::{PAYMENTS}:role/{ROLE}",
                              RoleSessionName="cellscan-scan-1", ExternalId=EXTERNAL_ID,
                              DurationSeconds=900)
        c = out["Credentials"]
        self.assertRegex(c["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertEqual(len(c["SecretAccessKey"]), 40)
        self.assertGreater(len(c["SessionToken"]), 100)
        self.assertEqual(out["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{PAYMENTS}:assumed-role/{ROLE}/cellscan-scan-1")
        self.assertTrue(out["AssumedRoleUser"]["AssumedRoleId"].endswith(":cellscan-scan-1"))
        ident = self.client_as(c, "sts").get_caller_identity()
        self.assertEqual(ident["Account"], PAYMENTS)

    def test_expiration_honours_duration(self):
        import datetime
        c = self.assume(PAYMENTS, duration=7200)
        left = c["Expiration"] - datetime.datetime.now(datetime.timezone.utc)
        self.assertTrue(7100 < left.total_seconds() <= 7200, left)

    def test_external_id_mismatch_and_missing_are_access_denied(self):
        err = self.assertClientError("AccessDenied", self.assume, PAYMENTS, external_id="wrong-id",
                                     status=403)
        self.assertIn("is not authorized to perform: sts:AssumeRole", err["Error"]["Message"])
        self.assertClientError("AccessDenied", self.assume, PAYMENTS, external_id=None)

    def test_untrusted_principal_is_access_denied(self):
        self.assertClientError("AccessDenied", self.assume, SANDBOX, status=403)

    def test_missing_role_unknown_and_suspended_accounts_are_access_denied(self):
        self.assertClientError("AccessDenied", self.assume, PAYMENTS, role="NoSuchRole")
        self.assertClientError("AccessDenied", self.assume, "999999999999")
        self.assertClientError("AccessDenied", self.assume, LEGACY)

    def test_duration_limits(self):
        self.assertClientError("ValidationError", self.assume, PAYMENTS, duration=899)
        self.assertClientError("ValidationError", self.assume, PAYMENTS, duration=43201)
        self.assume(PAYMENTS, duration=43200)
        # The org-discovery role keeps the default 1 hour maximum.
        err = self.assertClientError("ValidationError", self.assume, MGMT, role="CellScanOrgDiscovery",
                                     duration=7200)
        self.assertIn("MaxSessionDuration", err["Error"]["Message"])

    def test_role_session_name_is_validated(self):
        sts = self.client("sts")
        arn = f"arn:aws:iam::{PAYMENTS}:role/{ROLE}"
        for bad in ("x" * 65, "has space", "a"):
            self.assertClientError("ValidationError", sts.assume_role, RoleArn=arn,
                                   RoleSessionName=bad, ExternalId=EXTERNAL_ID)
        sts.assume_role(RoleArn=arn, RoleSessionName="a" * 64, ExternalId=EXTERNAL_ID)
        sts.assume_role(RoleArn=arn, RoleSessionName="ok+=,.@-_name", ExternalId=EXTERNAL_ID)

    def test_role_chaining_is_recorded_and_limited_to_one_hour(self):
        first = self.assume(PAYMENTS)
        sts2 = self.client_as(first, "sts")
        arn = f"arn:aws:iam::{PAYMENTS}:role/{ROLE}"
        # The payments role does not trust its own sessions: denied, but logged as chained.
        self.assertClientError("AccessDenied", sts2.assume_role, RoleArn=arn,
                               RoleSessionName="chain", ExternalId=EXTERNAL_ID)
        log = self.admin("GET", "log?operation=AssumeRole")["entries"]
        self.assertEqual([e["chained"] for e in log], [False, True])
        self.assertEqual(log[1]["caller_arn"], f"arn:aws:sts::{PAYMENTS}:assumed-role/{ROLE}/cellscan-test")
        # A session of cellscan-worker (trusted by members) chaining into a member role
        # is held to the 1 hour chaining limit.
        worker = self.assume(SCANNER_ACCT, role="cellscan-worker", external_id=None)
        sts3 = self.client_as(worker, "sts")
        err = self.assertClientError("ValidationError", sts3.assume_role, RoleArn=arn,
                                     RoleSessionName="chain", ExternalId=EXTERNAL_ID,
                                     DurationSeconds=7200)
        self.assertIn("role chaining", err["Error"]["Message"])

    def test_assume_role_counters_per_account_and_caller(self):
        for _ in range(2):
            self.assume(PAYMENTS)
        self.assume(ML)
        self.assertClientError("AccessDenied", self.assume, SANDBOX)
        c = self.admin("GET", "counters")
        self.assertEqual(c["assume_role_per_account"], {PAYMENTS: 2, ML: 1, SANDBOX: 1})
        scanner = f"arn:aws:iam::{SCANNER_ACCT}:user/cellscan-scanner"
        rows = {(r["account_id"], r["outcome"]): r for r in c["assume_role"]}
        self.assertEqual(rows[(PAYMENTS, "ok")]["count"], 2)
        self.assertEqual(rows[(PAYMENTS, "ok")]["caller_arn"], scanner)
        self.assertEqual(rows[(SANDBOX, "AccessDenied")]["count"], 1)

    def test_web_identity(self):
        import botocore.session
        from botocore import UNSIGNED
        from botocore.config import Config
        import boto3
        sts = boto3.client("sts", endpoint_url=self.url, region_name="us-east-1",
                           config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
        token = self.world.role(SCANNER_ACCT, "cellscan-worker-irsa").web_identity["token"]
        arn = f"arn:aws:iam::{SCANNER_ACCT}:role/cellscan-worker-irsa"
        out = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="irsa",
                                                WebIdentityToken=token)
        self.assertEqual(out["SubjectFromWebIdentityToken"], "system:serviceaccount:cellscan:worker")
        self.assertEqual(out["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{SCANNER_ACCT}:assumed-role/cellscan-worker-irsa/irsa")
        member = self.client_as(out["Credentials"], "sts").assume_role(
            RoleArn=f"arn:aws:iam::{PAYMENTS}:role/{ROLE}", RoleSessionName="xy",
            ExternalId=EXTERNAL_ID)
        self.assertIn("Credentials", member)
        self.assertClientError("InvalidIdentityToken", sts.assume_role_with_web_identity,
                               RoleArn=arn, RoleSessionName="irsa", WebIdentityToken="forged-token-x")
        self.assertClientError("AccessDenied", sts.assume_role_with_web_identity,
                               RoleArn=f"arn:aws:iam::{PAYMENTS}:role/{ROLE}", RoleSessionName="irsa",
                               WebIdentityToken=token)
        # botocore's own web identity provider reads the token from a file.
        import tempfile, os
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(token)
        try:
            env = {"AWS_WEB_IDENTITY_TOKEN_FILE": f.name, "AWS_ROLE_ARN": arn,
                   "AWS_ROLE_SESSION_NAME": "from-file"}
            old = {k: os.environ.get(k) for k in list(env) + ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                             "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE",
                                                             "AWS_SHARED_CREDENTIALS_FILE"]}
            os.environ.update(env, AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
            os.environ.pop("AWS_ACCESS_KEY_ID", None)
            os.environ.pop("AWS_SECRET_ACCESS_KEY", None)
            try:
                sess = botocore.session.Session()
                resolver = sess.get_component("credential_provider")
                provider = resolver.get_provider("assume-role-with-web-identity")
                provider._client_creator = lambda *a, **k: sts
                creds = provider.load().get_frozen_credentials()
                self.assertTrue(creds.access_key.startswith("ASIA"))
            finally:
                for k, v in old.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        finally:
            os.unlink(f.name)

    def test_unknown_action_is_invalid_action(self):
        sts = self.client("sts")
        self.assertClientError("InvalidAction", sts.get_session_token)


if __name__ == "__main__":
    unittest.main()
