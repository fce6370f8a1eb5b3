"""No secret reaches cellscan's output: `cellscan whoami` and `cellscan
verify` run at log level debug against the AWS simulator with base
credentials from every provider (environment, shared file,
credential_process, web identity, container, IMDS), including failures
(denied AssumeRole, a bad web identity token, a wrong container token),
and everything they print, stdout and stderr, is searched for the secrets
involved: secret access keys, the web identity and container tokens, any
session token the simulator issued (they start "FwoGZXIvYXdzE"), and any
40-character base64 run (the shape of a secret access key).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("CELLSCAN_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
BUILD = os.environ.get("CELLSCAN_BUILD_DIR", os.path.join(SRC, "build"))
CELLSCAN = os.path.join(BUILD, "bin", "cellscan")
FIXTURE = os.path.join(SRC, "tests", "integration", "test_aws_fixture.yaml")

SCANNER = ("AKIASCANNER000000001", "scannerSECRET/0123456789+abcdefghijABCDEF")
PROFILE = ("AKIAPROFILE000000001", "profileSECRET/0123456789+abcdefghijABCDEF")
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.web-identity-token-for-tests.sig"
CONTAINER_TOKEN = "container-auth-token-for-tests-7f3a"
EXTERNAL_ID = "ext-cellscan-42"
SECRETS = [SCANNER[1], PROFILE[1], WEB_TOKEN, CONTAINER_TOKEN, "FwoGZXIvYXdzE"]
SECRET_SHAPE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


class SecretsInDebugOutput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cs-aws-secrets-")
        cls.sim = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(SRC, "tests", "awssim", "awssim.py"),
             "--fixture", FIXTURE, "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = cls.sim.stdout.readline()
        if "listening on" not in line:
            cls.sim.kill()
            raise RuntimeError("awssim did not start: " + line)
        cls.url = line.split("listening on ")[1].strip()

    @classmethod
    def tearDownClass(cls):
        cls.sim.terminate()
        try:
            cls.sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.sim.kill()
            cls.sim.wait()
        cls.sim.stdout.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_cli(self, args, **env_extra):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.tmp, "AWS_ENDPOINT_URL": self.url,
               "AWS_EC2_METADATA_DISABLED": "true", "CELLSCAN_LOG_LEVEL": "debug",
               "CELLSCAN_EXTERNAL_ID": EXTERNAL_ID}
        env.update(env_extra)
        p = subprocess.run([CELLSCAN] + args, env=env, capture_output=True, text=True,
                           timeout=120)
        return p.returncode, p.stdout + p.stderr

    def test_debug_runs_print_no_secret(self):
        token = self.write("token", WEB_TOKEN + "\n")
        bad_token = self.write("bad-token", "forged-" + WEB_TOKEN)
        creds = self.write("credentials", "[default]\naws_access_key_id = %s\n"
                           "aws_secret_access_key = %s\n" % PROFILE)
        config = self.write("config", "[profile proc]\ncredential_process = printf "
                            "'{\"Version\": 1, \"AccessKeyId\": \"%s\", \"SecretAccessKey\": "
                            "\"%s\"}'\n" % PROFILE)
        env_keys = {"AWS_ACCESS_KEY_ID": SCANNER[0], "AWS_SECRET_ACCESS_KEY": SCANNER[1]}
        runs = [
            (["whoami"], env_keys, 0),
            (["verify", "--account", "333333333333"], env_keys, 0),
            (["verify", "--account", "555555555555"], env_keys, 3),
            (["verify", "--account", "444444444444"], env_keys, 1),
            (["verify", "--account", "333333333333", "--external-id", "wrong-one"], env_keys, 1),
            (["whoami"], {"AWS_SHARED_CREDENTIALS_FILE": creds}, 0),
            (["whoami"], {"AWS_CONFIG_FILE": config, "AWS_PROFILE": "proc"}, 0),
            (["verify", "--account", "333333333333"],
             {"AWS_WEB_IDENTITY_TOKEN_FILE": token,
              "AWS_ROLE_ARN": "arn:aws:iam::222222222222:role/worker-irsa"}, 0),
            (["whoami"], {"AWS_WEB_IDENTITY_TOKEN_FILE": bad_token,
                          "AWS_ROLE_ARN": "arn:aws:iam::222222222222:role/worker-irsa"}, 1),
            (["verify", "--account", "333333333333"],
             {"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url + "/ecs/credentials",
              "AWS_CONTAINER_AUTHORIZATION_TOKEN": CONTAINER_TOKEN}, 0),
            (["whoami"], {"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url + "/ecs/credentials",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN": CONTAINER_TOKEN + "x"}, 1),
            (["verify", "--account", "333333333333"],
             {"AWS_EC2_METADATA_DISABLED": "false",
              "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.url}, 0),
        ]
        output = []
        for args, extra, want in runs:
            rc, out = self.run_cli(args, **extra)
            self.assertEqual(rc, want, "%s %s:\n%s" % (args, sorted(extra), out))
            output.append(out)
        text = "\n".join(output)
        # the runs did log at debug level, requests and sessions included
        self.assertGreater(text.count('"level":"debug"'), 100)
        self.assertIn("aws assumed arn:aws:iam::333333333333:role/CellScanReadOnly", text)
        self.assertIn("aws base credentials", text)
        for secret in SECRETS:
            self.assertNotIn(secret, text)
        self.assertEqual(SECRET_SHAPE.findall(text), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
