"""IMDSv2 and ECS container credentials, read with botocore's own fetchers."""
import json
import unittest
import urllib.error
import urllib.request

from botocore.utils import ContainerMetadataFetcher, InstanceMetadataFetcher

from simtest import PAYMENTS, SCANNER_ACCT, SimTestCase

ROLE_ARN = f"arn:aws:iam::{SCANNER_ACCT}:role/cellscan-worker"


def _get(url, headers=None, method="GET"):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class CredentialEndpointTest(SimTestCase):
    def creds_work(self, access_key, secret, token):
        creds = {"AccessKeyId": access_key, "SecretAccessKey": secret, "SessionToken": token}
        ident = self.client_as(creds, "sts").get_caller_identity()
        self.assertEqual(ident["Arn"].split("/")[1], "cellscan-worker")
        # The worker role is trusted by the member roles: the scanner's base credentials.
        member = self.client_as(creds, "sts").assume_role(
            RoleArn=f"arn:aws:iam::{PAYMENTS}:role/CellScanReadOnly", RoleSessionName="from-base",
            ExternalId="cellscan-demo", DurationSeconds=7200)
        self.assertIn("Credentials", member)
        log = self.admin("GET", "log?operation=AssumeRole")["entries"][-1]
        self.assertFalse(log["chained"])
        return ident

    def test_imdsv2_with_botocore(self):
        fetcher = InstanceMetadataFetcher(timeout=2, num_attempts=1, config={
            "ec2_metadata_service_endpoint": self.url + "/"})
        creds = fetcher.retrieve_iam_role_credentials()
        self.assertEqual(creds["role_name"], "cellscan-worker")
        self.assertTrue(creds["access_key"].startswith("ASIA"))
        ident = self.creds_work(creds["access_key"], creds["secret_key"], creds["token"])
        self.assertEqual(ident["Account"], SCANNER_ACCT)
        log = [e for e in self.admin("GET", "log?service=imds")["entries"]]
        self.assertEqual([e["operation"] for e in log][:1], ["/latest/api/token"])

    def test_imdsv2_token_rules(self):
        base = self.url + "/latest/meta-data/iam/security-credentials/"
        self.assertEqual(_get(base)[0], 401)
        self.assertEqual(_get(self.url + "/latest/api/token", method="PUT")[0], 400)
        self.assertEqual(_get(self.url + "/latest/api/token", {
            "X-aws-ec2-metadata-token-ttl-seconds": "21601"}, "PUT")[0], 400)
        self.assertEqual(_get(self.url + "/latest/api/token", {
            "X-aws-ec2-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "1.2.3.4"}, "PUT")[0], 403)
        status, token = _get(self.url + "/latest/api/token", {
            "X-aws-ec2-metadata-token-ttl-seconds": "60"}, "PUT")
        self.assertEqual(status, 200)
        h = {"X-aws-ec2-metadata-token": token}
        self.assertEqual(_get(base, h), (200, "cellscan-worker"))
        status, body = _get(base + "cellscan-worker", h)
        doc = json.loads(body)
        self.assertEqual((doc["Code"], doc["Type"]), ("Success", "AWS-HMAC"))
        self.assertEqual(_get(base + "other-role", h)[0], 404)
        self.assertEqual(_get(base, {"X-aws-ec2-metadata-token": "forged"})[0], 401)
        self.assertEqual(_get(self.url + "/latest/meta-data/placement/region", h), (200, "us-east-1"))
        # Same credentials until they near expiry, new ones after.
        again = json.loads(_get(base + "cellscan-worker", h)[1])
        self.assertEqual(again["AccessKeyId"], doc["AccessKeyId"])
        self.admin("POST", "sessions/expire", {"access_key_id": doc["AccessKeyId"]})
        rotated = json.loads(_get(base + "cellscan-worker", h)[1])
        self.assertNotEqual(rotated["AccessKeyId"], doc["AccessKeyId"])

    def test_container_full_uri_with_botocore(self):
        fetcher = ContainerMetadataFetcher()
        creds = fetcher.retrieve_full_uri(self.url + "/ecs/credentials",
                                          headers={"Authorization": "demo-container-token"})
        self.assertEqual(creds["RoleArn"], ROLE_ARN)
        self.creds_work(creds["AccessKeyId"], creds["SecretAccessKey"], creds["Token"])
        status, body = _get(self.url + "/ecs/credentials", {"Authorization": "wrong"})
        self.assertEqual(status, 401)
        self.assertEqual(_get(self.url + "/ecs/credentials")[0], 401)

    def test_container_relative_uri(self):
        rel = self.world.container["relative_uri"]
        status, body = _get(self.url + rel)
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertEqual(doc["RoleArn"], ROLE_ARN)
        self.creds_work(doc["AccessKeyId"], doc["SecretAccessKey"], doc["Token"])
        self.assertEqual(_get(self.url + "/v2/credentials/not-a-known-id")[0], 400)

    def test_credential_endpoint_faults(self):
        self.admin("POST", "faults", {"service": "container", "kind": "error", "status": 503, "count": 1})
        rel = self.world.container["relative_uri"]
        self.assertEqual(_get(self.url + rel)[0], 503)
        self.assertEqual(_get(self.url + rel)[0], 200)


if __name__ == "__main__":
    unittest.main()
