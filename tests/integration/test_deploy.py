#!/usr/bin/python3
"""deploy/ checks: the templates parse and grant exactly what the code calls,
the image is built the README's way with only runtime libraries, compose is
valid and wired to the real programs' settings, and the image's scripts
(entrypoint, health check, ECS scale-in protection, simulator forwarder,
topic creation) and the scheduler examples behave.

No container engine and no AWS here: everything runs against files, local
stand-ins (HTTP servers on 127.0.0.1, the AWS simulator, librdkafka's mock
cluster) and the tools Debian provides (docker-compose config, terraform fmt).
"""
import glob
import http.server
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import yaml  # noqa: E402

import deploy_readers as dr  # noqa: E402

SRC = os.environ.get("CELLSCAN_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("CELLSCAN_BUILD_DIR", "")
DEPLOY = os.path.join(SRC, "deploy")
BOTOCORE_DATA = "/usr/lib/python3/dist-packages/botocore/data"
READ_VERBS = ("Describe", "List", "Get")
MINT_ACTIONS = {"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"}
DAEMONS = ("dispatcher", "worker", "aggregator")


def src(*parts):
    return os.path.join(SRC, *parts)


def read(*parts):
    with open(src(*parts)) as f:
        return f.read()


# ---------------------------------------------------------------- the code's lists


def code_actions():
    """[(scope, iam_action, botocore_service, operation)] from lib/aws/actions.def."""
    rows = re.findall(r'^CS_ACTION\((\w+),\s*"([^"]+)",\s*"([^"]+)",\s*"([^"]+)"\)',
                      read("lib", "aws", "actions.def"), re.M)
    assert rows, "no CS_ACTION rows in actions.def"
    return rows


def scope_actions(scope):
    return {iam for s, iam, _, _ in code_actions() if s == scope}


PROGRAM_BITS = {"D": {"dispatcher"}, "W": {"worker"}, "A": {"aggregator"}, "C": {"cli"},
                "ALL": {"dispatcher", "worker", "aggregator", "cli"}}


def config_settings():
    """{env: (default, {programs})} from lib/util/config.c's settings table."""
    text = read("lib", "util", "config.c")
    out = {}
    for env, typ, default, progs in re.findall(
            r'\{"([A-Z0-9_]+)",\s*"[a-z0-9-]+",\s*(SET_\w+),\s*"([^"]*)",[^\n]*?,\s*'
            r'((?:[DWACL]+\s*\|\s*)*(?:ALL|[DWAC])),\s*OFF\(', text):
        programs = set()
        for bit in re.split(r"\s*\|\s*", progs):
            programs |= PROGRAM_BITS[bit]
        out[env] = (default, programs)
    assert "CELLSCAN_ROLE_NAME" in out and "CELLSCAN_METRICS_ADDR" in out, "config.c table not parsed"
    return out


# Variables read outside config.c's table: librdkafka pass-through, the AWS
# SDK conventions lib/aws follows, and the image's own scripts.
SDK_VARIABLES = {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE",
                 "AWS_SHARED_CREDENTIALS_FILE"}


def unknown_variables(env_names, program):
    """Variables a container sets that `program` does not read."""
    settings = config_settings()
    bad = []
    for name in env_names:
        if name.startswith("CELLSCAN_KAFKA_") and name not in settings:
            continue  # librdkafka property pass-through
        if name in SDK_VARIABLES or name.startswith("AWS_ENDPOINT_URL_"):
            continue
        if name.startswith("CELLSCAN_PROTECT_") and program == "task-protection":
            continue
        if name not in settings or program not in settings[name][1]:
            bad.append(name)
    return bad


def botocore_model(service):
    versions = sorted(glob.glob(os.path.join(BOTOCORE_DATA, service, "*", "service-2.json")))
    if not versions:
        raise AssertionError(f"botocore has no model for {service}")
    with open(versions[-1]) as f:
        return json.load(f)


def shell_array(text, name):
    m = re.search(rf"^{name}=\((.*?)^\)", text, re.S | re.M)
    assert m, f"{name} not found"
    words = []
    for line in m.group(1).splitlines():
        words += line.split("#", 1)[0].split()
    return words


def build_packages():
    return shell_array(read("scripts", "install-deps.sh"), "BUILD_PACKAGES")


def load_yaml(*parts):
    with open(src(*parts)) as f:
        return yaml.safe_load(f)


# ---------------------------------------------------------------- CloudFormation helpers


def template(name):
    return dr.load_cfn(src("deploy", name))


def policy_statements(doc):
    return dr.as_list(doc["Statement"])


def role_policies(role):
    """[(conditions, statement)] of an AWS::IAM::Role's inline policies, one
    entry per Fn::If branch."""
    out = []
    for taken, policies in dr.branches(role["Properties"].get("Policies", [])):
        for p in policies:
            for st in policy_statements(p["PolicyDocument"]):
                out.append((taken, st))
    return out


def check_read_only_role(tc, tpl, actions):
    """Shared checks of member-role.yaml and org-discovery-role.yaml."""
    res = tpl["Resources"]
    role = res["Role"]["Properties"]
    inline = [st for _, st in role_policies(res["Role"])]
    granted = set()
    for st in inline:
        tc.assertEqual(st["Effect"], "Allow")
        tc.assertNotIn("NotAction", st)
        tc.assertEqual(st["Resource"], "*")
        for a in dr.as_list(st["Action"]):
            tc.assertNotIn("*", a, "no wildcard actions")
            granted.add(a)
    tc.assertEqual(granted, actions, "inline policy must grant exactly the code's actions")

    # trust: the scanner principal only, ExternalId required
    trust = policy_statements(role["AssumeRolePolicyDocument"])
    tc.assertEqual(len(trust), 1)
    st = trust[0]
    tc.assertEqual(st["Effect"], "Allow")
    tc.assertEqual(st["Action"], "sts:AssumeRole")
    tc.assertEqual(st["Principal"], {"AWS": {"Ref": "ScannerPrincipalArn"}})
    tc.assertEqual(st["Condition"]["StringEquals"]["sts:ExternalId"], {"Ref": "ExternalId"})
    ext = tpl["Parameters"]["ExternalId"]
    tc.assertNotIn("Default", ext, "ExternalId must be required")
    tc.assertGreaterEqual(int(ext["MinLength"]), 2)
    tc.assertTrue(ext.get("NoEcho"))

    # the boundary: whatever else gets attached, only the actions remain
    tc.assertEqual(role["PermissionsBoundary"], {"Ref": "ReadOnlyBoundary"})
    boundary = policy_statements(res["ReadOnlyBoundary"]["Properties"]["PolicyDocument"])
    denies = [s for s in boundary if s["Effect"] == "Deny"]
    tc.assertEqual(len(denies), 1)
    tc.assertEqual(set(denies[0]["NotAction"]), actions)
    tc.assertEqual(denies[0]["Resource"], "*")
    tc.assertNotIn("Condition", denies[0])
    admin = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    for a in actions:
        tc.assertTrue(dr.allowed(boundary, a) and dr.allowed(inline, a), a)
    return boundary, inline, admin


def every_botocore_action():
    """(iam_action, is_read) for every operation of every botocore service,
    named with the service's signing name (the IAM prefix for most)."""
    for service in sorted(os.listdir(BOTOCORE_DATA)):
        versions = sorted(glob.glob(os.path.join(BOTOCORE_DATA, service, "*", "service-2.json")))
        if not versions:
            continue
        with open(versions[-1]) as f:
            m = json.load(f)
        prefix = m["metadata"].get("signingName") or m["metadata"]["endpointPrefix"]
        for op in m["operations"]:
            yield f"{prefix}:{op}", op.startswith(READ_VERBS)


# ---------------------------------------------------------------- local servers


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeHttp:
    """An HTTP server on 127.0.0.1 whose answers the test sets per path and
    which records every request (method, path, body)."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode() if n else ""
                with outer.lock:
                    outer.requests.append((self.command, self.path, body))
                    route = outer.routes.get(self.path)
                status, text = route(self.command, body) if callable(route) else route or (404, "no route\n")
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = handle_any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}{path}"

    def requests_to(self, path, method=None):
        with self.lock:
            return [r for r in self.requests if r[1] == path and (method is None or r[0] == method)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for(pred, timeout=15.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def script_env(**extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "CELLSCAN_LIB_DIR": src("deploy", "scripts")}
    env.update(extra)
    return env


# ================================================================ tests


class ActionList(unittest.TestCase):
    def test_every_action_exists_in_botocore_and_is_read_only(self):
        for scope, iam, service, op in code_actions():
            with self.subTest(action=iam, scope=scope):
                self.assertIn(scope, ("MEMBER", "ORG", "SCANNER"))
                model = botocore_model(service)
                self.assertIn(op, model["operations"], f"{service}.{op} not in botocore")
                verb = iam.split(":", 1)[1]
                if iam not in MINT_ACTIONS:
                    self.assertTrue(op.startswith(READ_VERBS), f"{op} is not a read")
                    self.assertTrue(verb.startswith(READ_VERBS), f"{iam} is not a read")

    def test_extra_actions_of_the_templates_exist_in_botocore(self):
        # Actions deploy/ grants beyond the code's list (task protection, the
        # collector's discovery); a typo would be an action that never works.
        fleet = template("ecs/fleet.yaml")
        for name in ("ScannerTaskRole", "CollectorTaskRole"):
            for _, st in role_policies(fleet["Resources"][name]):
                for action in dr.as_list(st["Action"]):
                    prefix, op = action.split(":", 1)
                    service = {"logs": "logs", "ecs": "ecs", "ec2": "ec2", "sts": "sts"}[prefix]
                    self.assertIn(op, botocore_model(service)["operations"], action)


class CloudFormation(unittest.TestCase):
    TEMPLATES = ("cloudformation/member-role.yaml", "cloudformation/org-discovery-role.yaml",
                 "cloudformation/member-role-stackset.yaml", "ecs/fleet.yaml")

    def test_every_template_parses_and_its_references_resolve(self):
        found = sorted(os.path.relpath(p, DEPLOY) for p in
                       glob.glob(src("deploy", "cloudformation", "*.yaml")) +
                       glob.glob(src("deploy", "ecs", "*.yaml")))
        self.assertEqual(found, sorted(self.TEMPLATES))
        for name in self.TEMPLATES:
            with self.subTest(template=name):
                tpl = template(name)
                self.assertEqual(tpl["AWSTemplateFormatVersion"], "2010-09-09")
                self.assertTrue(tpl["Resources"])
                self.assertEqual(dr.cfn_reference_errors(tpl), [])
                for pname, p in tpl.get("Parameters", {}).items():
                    self.assertIn("Type", p, pname)

    def test_reference_checker_catches_dangling_names(self):
        tpl = yaml.load("Resources:\n  A:\n    Type: X\n    Properties:\n"
                        "      B: !Ref Nope\n      C: !Sub '${Gone}-${AWS::Region}'\n"
                        "      D: !GetAtt Missing.Arn\n      E: !If [NoCond, 1, 2]\n",
                        Loader=dr.CfnLoader)
        self.assertEqual(len(dr.cfn_reference_errors(tpl)), 4)

    def test_member_role_grants_exactly_the_member_actions(self):
        tpl = template("cloudformation/member-role.yaml")
        boundary, inline, admin = check_read_only_role(self, tpl, scope_actions("MEMBER"))
        self.assertEqual(tpl["Parameters"]["RoleName"]["Default"],
                         config_settings()["CELLSCAN_ROLE_NAME"][0])
        cond = tpl["Resources"]["Role"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
        self.assertEqual(cond["StringEquals"]["aws:PrincipalOrgID"],
                         {"Fn::If": ["HasPrincipalOrgId", {"Ref": "PrincipalOrgId"}, {"Ref": "AWS::NoValue"}]})

    def test_member_boundary_denies_every_write_and_every_other_read(self):
        tpl = template("cloudformation/member-role.yaml")
        boundary, inline, admin = check_read_only_role(self, tpl, scope_actions("MEMBER"))
        members = {a.lower() for a in scope_actions("MEMBER")}
        checked = writes = 0
        for action, is_read in every_botocore_action():
            if action.lower() in members:
                continue
            checked += 1
            writes += not is_read
            # even with AdministratorAccess attached the boundary denies it
            self.assertFalse(dr.allowed(boundary + admin, action), action)
            self.assertFalse(dr.allowed(inline, action), action)
        self.assertGreater(writes, 5000, "botocore's models were not read")
        for write in ("s3:PutObject", "iam:CreateUser", "ec2:TerminateInstances",
                      "sts:AssumeRole", "s3:GetObject", "kms:Decrypt"):
            self.assertFalse(dr.allowed(boundary + admin, write), write)

    def test_org_discovery_role_grants_exactly_the_org_actions(self):
        tpl = template("cloudformation/org-discovery-role.yaml")
        boundary, inline, admin = check_read_only_role(self, tpl, scope_actions("ORG"))
        for action in ("organizations:CreateAccount", "organizations:AttachPolicy",
                       "organizations:LeaveOrganization", "iam:PassRole"):
            self.assertFalse(dr.allowed(boundary + admin, action), action)
        self.assertTrue(all(a.startswith("organizations:") for a in scope_actions("ORG")))

    def test_stackset_is_service_managed_and_auto_deploys_to_the_ous(self):
        tpl = template("cloudformation/member-role-stackset.yaml")
        ss = tpl["Resources"]["MemberRoleStackSet"]["Properties"]
        self.assertEqual(ss["PermissionModel"], "SERVICE_MANAGED")
        self.assertEqual(ss["AutoDeployment"], {"Enabled": True, "RetainStacksOnAccountRemoval": False})
        self.assertIn("CAPABILITY_NAMED_IAM", ss["Capabilities"])
        group, = ss["StackInstancesGroup"]
        self.assertEqual(group["DeploymentTargets"]["OrganizationalUnitIds"], {"Ref": "TargetOuIds"})
        self.assertEqual(tpl["Parameters"]["TargetOuIds"]["Type"], "List<String>")
        member_params = template("cloudformation/member-role.yaml")["Parameters"]
        passed = {p["ParameterKey"]: p["ParameterValue"] for p in ss["Parameters"]}
        self.assertEqual(set(passed), set(member_params))
        for key, value in passed.items():
            self.assertEqual(value, {"Ref": key})
            if "Default" in member_params[key]:
                self.assertEqual(tpl["Parameters"][key]["Default"], member_params[key]["Default"], key)

    def test_scanner_task_role_can_only_assume_the_scan_roles(self):
        fleet = template("ecs/fleet.yaml")
        role = fleet["Resources"]["ScannerTaskRole"]["Properties"]
        self.assertNotIn("ManagedPolicyArns", role)
        self.assertNotIn("PermissionsBoundary", role)
        trust, = policy_statements(role["AssumeRolePolicyDocument"])
        self.assertEqual(trust["Principal"], {"Service": "ecs-tasks.amazonaws.com"})
        self.assertEqual(trust["Action"], "sts:AssumeRole")

        member_arn = {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${MemberRoleName}"}
        org_arn = {"Ref": "OrgDiscoveryRoleArn"}
        protection = {"ecs:UpdateTaskProtection", "ecs:GetTaskProtection"}
        for taken, policies in dr.branches(fleet["Resources"]["ScannerTaskRole"]["Properties"]["Policies"]):
            if not dr.consistent(taken):
                continue
            with self.subTest(conditions=taken):
                statements = [st for p in policies for st in policy_statements(p["PolicyDocument"])]
                for st in statements:
                    self.assertEqual(st["Effect"], "Allow")
                    self.assertNotIn("NotAction", st)
                    self.assertNotIn("NotResource", st)
                    actions = set(dr.as_list(st["Action"]))
                    if actions == {"sts:AssumeRole"}:
                        resources = dr.as_list(st["Resource"])
                        expected = [member_arn] + ([org_arn] if "HasOrgRole" in taken else [])
                        self.assertEqual(resources, expected)
                    else:
                        # the only other grant: the ECS agent's task-protection
                        # calls, on this cluster's tasks, only when enabled
                        self.assertEqual(actions, protection)
                        self.assertIn("ScaleInProtection", taken)
                        self.assertEqual(st["Resource"], {"Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:"
                                                          "${AWS::AccountId}:task/${ClusterName}/*"})
                kinds = [set(dr.as_list(st["Action"])) for st in statements]
                self.assertIn({"sts:AssumeRole"}, kinds)
                self.assertEqual(protection in kinds, "ScaleInProtection" in taken)

        # The member-role ARN pattern is the code's template for any account.
        tmpl = config_settings()["CELLSCAN_ROLE_ARN_TEMPLATE"][0]
        rendered = tmpl.replace("{partition}", "${AWS::Partition}").replace(
            "{account_id}", "*").replace("{role_name}", "${MemberRoleName}")
        self.assertEqual(rendered, member_arn["Fn::Sub"])
        self.assertEqual(fleet["Parameters"]["MemberRoleName"]["Default"],
                         config_settings()["CELLSCAN_ROLE_NAME"][0])

    def test_only_the_scanner_role_reaches_aws_and_the_collector_has_its_own(self):
        res = template("ecs/fleet.yaml")["Resources"]
        tds = {name: r["Properties"] for name, r in res.items() if r["Type"] == "AWS::ECS::TaskDefinition"}
        self.assertEqual(tds["DispatcherTaskDefinition"]["TaskRoleArn"], {"Fn::GetAtt": ["ScannerTaskRole", "Arn"]})
        self.assertEqual(tds["WorkerTaskDefinition"]["TaskRoleArn"], {"Fn::GetAtt": ["ScannerTaskRole", "Arn"]})
        self.assertNotIn("TaskRoleArn", tds["AggregatorTaskDefinition"], "the aggregator calls no AWS API")
        self.assertEqual(tds["CollectorTaskDefinition"]["TaskRoleArn"], {"Fn::GetAtt": ["CollectorTaskRole", "Arn"]})
        collector_actions = {a for _, st in role_policies(res["CollectorTaskRole"]) for a in dr.as_list(st["Action"])}
        self.assertNotIn("sts:AssumeRole", collector_actions)
        self.assertIn("logs:PutLogEvents", collector_actions)
        scanner_actions = {a for _, st in role_policies(res["ScannerTaskRole"]) for a in dr.as_list(st["Action"])}
        self.assertFalse({a for a in scanner_actions if a.startswith(("logs:", "cloudwatch:"))},
                         "CloudWatch publishing belongs to the collector's role")

    def test_task_definitions_run_the_daemons_with_valid_settings(self):
        fleet = template("ecs/fleet.yaml")
        res = fleet["Resources"]
        for daemon in DAEMONS:
            td = res[f"{daemon.capitalize()}TaskDefinition"]["Properties"]
            for taken, containers in dr.branches(td["ContainerDefinitions"]):
                if not dr.consistent(taken):
                    continue
                main = next(c for c in containers if c["Name"] == daemon)
                with self.subTest(daemon=daemon, conditions=taken):
                    self.assertEqual(main["Command"], [daemon])
                    self.assertTrue(main["Essential"])
                    self.assertEqual(main["User"], "10001:10001")
                    env = {e["Name"]: e["Value"] for e in main["Environment"]}
                    secrets = {s["Name"]: s["ValueFrom"] for s in main.get("Secrets", [])}
                    self.assertFalse(set(env) & set(secrets))
                    self.assertEqual(env["CELLSCAN_METRICS_ADDR"], "0.0.0.0:9464")
                    self.assertEqual(unknown_variables(list(env) + list(secrets), daemon), [])
                    self.assertLess(int(env["CELLSCAN_DRAIN_TIMEOUT"]), main["StopTimeout"])
                    self.assertLessEqual(main["StopTimeout"], 120, "Fargate's maximum")
                    self.assertEqual(main["HealthCheck"]["Command"], ["CMD", "/usr/local/bin/cellscan-healthcheck"])
                    self.assertEqual(main["LogConfiguration"]["LogDriver"], "awslogs")
                    self.assertEqual(main["DockerLabels"]["ECS_PROMETHEUS_EXPORTER_PORT"], "9464")
                    if "HasKafkaSecret" in taken:
                        self.assertEqual(secrets["CELLSCAN_KAFKA_SASL_PASSWORD"],
                                         {"Fn::Sub": "${KafkaCredentialsSecretArn}:password::"})
                        self.assertIn("CELLSCAN_KAFKA_SASL_MECHANISM", env)
                    else:
                        self.assertNotIn("CELLSCAN_KAFKA_SASL_PASSWORD", secrets)
                    if daemon != "worker":
                        redis = "secret" if "CELLSCAN_REDIS_URL" in secrets else "env" if "CELLSCAN_REDIS_URL" in env else None
                        self.assertEqual(redis, "secret" if "HasRedisSecret" in taken else "env")
                    if daemon != "aggregator":
                        self.assertEqual(env["CELLSCAN_EXTERNAL_ID"], {"Ref": "ExternalId"})
                        self.assertEqual(env["CELLSCAN_ROLE_NAME"], {"Ref": "MemberRoleName"})
        # the execution role may read exactly the secrets the containers use
        stmts = [st for taken, st in role_policies(res["ExecutionRole"])
                 if "HasKafkaSecret" in taken and "HasRedisSecret" in taken and "HasAnySecret" in taken]
        sm = [st for st in stmts if st["Action"] == "secretsmanager:GetSecretValue"]
        self.assertEqual(sm[0]["Resource"], [{"Ref": "KafkaCredentialsSecretArn"}, {"Ref": "RedisUrlSecretArn"}])

    def test_worker_scales_on_cell_jobs_lag(self):
        fleet = template("ecs/fleet.yaml")
        res = fleet["Resources"]
        target = res["WorkerScalableTarget"]["Properties"]
        self.assertEqual(target["ResourceId"], {"Fn::Sub": "service/${Cluster}/${WorkerService.Name}"})
        self.assertEqual(target["ScalableDimension"], "ecs:service:DesiredCount")
        self.assertNotIn("DesiredCount", res["WorkerService"]["Properties"])
        alarms = {n: r["Properties"] for n, r in res.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
        self.assertEqual(len(alarms), 2)
        directions = set()
        for name, alarm in alarms.items():
            with self.subTest(alarm=name):
                self.assertEqual(alarm["MetricName"], "cellscan_consumer_lag")
                dims = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
                self.assertEqual(dims["group"], {"Fn::Sub": "${TopicPrefix}workers"})
                self.assertEqual(dims["topic"], {"Fn::Sub": "${TopicPrefix}cell-jobs"})
                self.assertEqual(dims["ClusterName"], {"Ref": "ClusterName"})
                policy_name = alarm["AlarmActions"][0]["Ref"]
                policy = res[policy_name]["Properties"]
                self.assertEqual(policy["ScalingTargetId"], {"Ref": "WorkerScalableTarget"})
                step, = policy["StepScalingPolicyConfiguration"]["StepAdjustments"]
                directions.add((alarm["ComparisonOperator"], step["ScalingAdjustment"] > 0))
        self.assertEqual(directions, {("GreaterThanThreshold", True), ("LessThanOrEqualToThreshold", False)})
        # The collector turns exactly that series into a CloudWatch metric,
        # from the daemons the ECS service discovery finds by docker label.
        cw = res["CollectorAgentConfig"]["Properties"]["Value"]["Fn::Sub"]
        for var in dr.sub_variables(cw):
            self.assertIn(var, fleet["Parameters"])
        cw = json.loads(cw.replace("${ClusterName}", "cellscan").replace("${TopicPrefix}", "cellscan."))
        prom = cw["logs"]["metrics_collected"]["prometheus"]
        decl, = prom["emf_processor"]["metric_declaration"]
        self.assertEqual(decl["metric_selectors"], ["^cellscan_consumer_lag$"])
        self.assertEqual(decl["dimensions"], [["ClusterName", "group", "topic"]])
        self.assertTrue(re.fullmatch(decl["label_matcher"], "cellscan.workers;cellscan.cell-jobs"))
        self.assertFalse(re.fullmatch(decl["label_matcher"], "cellscan.aggregator;cellscan.cell-results"))
        self.assertEqual(prom["ecs_service_discovery"]["docker_label"]["sd_port_label"], "ECS_PROMETHEUS_EXPORTER_PORT")
        scrape = yaml.safe_load(res["CollectorPrometheusConfig"]["Properties"]["Value"])
        self.assertEqual(scrape["scrape_configs"][0]["file_sd_configs"][0]["files"],
                         [prom["ecs_service_discovery"]["sd_result_file"]])

    def test_scale_in_protection_sidecar(self):
        fleet = template("ecs/fleet.yaml")
        td = fleet["Resources"]["WorkerTaskDefinition"]["Properties"]
        for taken, containers in dr.branches(td["ContainerDefinitions"]):
            names = [c["Name"] for c in containers]
            if "ScaleInProtection" not in taken:
                self.assertEqual(names, ["worker"])
                continue
            self.assertEqual(names, ["worker", "task-protection"])
            side = containers[1]
            self.assertEqual(side["Command"], ["task-protection"])
            self.assertFalse(side["Essential"])
            env = {e["Name"]: e["Value"] for e in side["Environment"]}
            self.assertEqual(env["CELLSCAN_PROTECT_METRICS_URL"], "http://127.0.0.1:9464/metrics")
            self.assertEqual(unknown_variables(env, "task-protection"), [])


class Terraform(unittest.TestCase):
    MODULES = src("deploy", "terraform", "modules")

    def module(self, name):
        return dr.load_module(os.path.join(self.MODULES, name))

    @staticmethod
    def doc_statements(module, name):
        return module.one("data", "aws_iam_policy_document", name).find("statement")

    def test_terraform_fmt(self):
        tf = shutil.which("terraform")
        if not tf:
            self.skipTest("terraform is not installed (the HCL reader checks still run)")
        r = subprocess.run([tf, "fmt", "-check", "-recursive", "-diff", src("deploy", "terraform")],
                           capture_output=True, text=True, env=dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_every_file_parses_and_every_name_is_declared(self):
        dirs = sorted({os.path.dirname(p) for p in glob.glob(src("deploy", "terraform", "**", "*.tf"), recursive=True)})
        self.assertEqual(len(dirs), 4)
        for d in dirs:
            with self.subTest(module=os.path.relpath(d, SRC)):
                m = dr.load_module(d)
                variables = {b.labels[0]: b for b in m.find("variable")}
                locals_ = {k for b in m.find("locals") for k in b.attrs}
                declared = {(b.type, *b.labels[:2]) for b in m.blocks}
                for ref in self.all_refs(m):
                    if ref[0] == "var":
                        self.assertIn(ref[1], variables)
                    elif ref[0] == "local":
                        self.assertIn(ref[1], locals_)
                    elif ref[0] == "data":
                        self.assertIn(("data", ref[1], ref[2]), declared)
                    elif ref[0] == "module":
                        self.assertIn(("module", ref[1]), {(b.type, b.labels[0]) for b in m.find("module")})
                    elif ref[0].startswith("aws_"):
                        self.assertIn(("resource", ref[0], ref[1]), declared)
                for call in m.find("module"):
                    source = dr.evaluate(call.attrs["source"], {})
                    target = dr.load_module(os.path.normpath(os.path.join(d, source)))
                    target_vars = {b.labels[0]: b for b in target.find("variable")}
                    args = set(call.attrs) - {"source", "providers"}
                    self.assertLessEqual(args, set(target_vars))
                    required = {n for n, b in target_vars.items() if "default" not in b.attrs}
                    self.assertLessEqual(required, args, f"{call.labels[0]} misses required variables")

    @staticmethod
    def all_refs(block):
        out = []
        for e in block.attrs.values():
            out += dr.refs(e)
        for b in block.blocks:
            out += Terraform.all_refs(b)
        return [r for r in out if r[0] not in ("path", "each", "count", "condition", "self", "terraform")]

    def test_hcl_reader(self):
        b = dr.parse_hcl('a = "x-${var.y}" # c\nblk "l1" l2 {\n  n = [1, true, null]\n  o = { k = "v", "q" : 2 }\n'
                         '  f = cond ? f(x...) : [for i in var.l : i if i != ""]\n}\n')
        self.assertEqual(dr.evaluate(b.attrs["a"], {"var": {"y": "z"}}), "x-z")
        blk = b.one("blk", "l1", "l2")
        self.assertEqual(dr.evaluate(blk.attrs["n"], {}), [1, True, None])
        self.assertEqual(dr.evaluate(blk.attrs["o"], {}), {"k": "v", "q": 2})
        self.assertIn(("var", "l"), dr.refs(blk.attrs["f"]))
        for bad in ('a = "open', "a = <<EOT\nx\nEOT\n", "a = [1,", "blk {", "a = 1 ]"):
            with self.assertRaises(dr.HclError, msg=bad):
                dr.parse_hcl(bad)

    def test_readonly_role_module_grants_exactly_the_code_actions(self):
        m = self.module("readonly-role")
        loc = dr.evaluate(m.one("locals").attrs["actions_by_kind"], {})
        self.assertEqual(set(loc["member"]), scope_actions("MEMBER"))
        self.assertEqual(len(loc["member"]), len(scope_actions("MEMBER")))
        self.assertEqual(set(loc["org-discovery"]), scope_actions("ORG"))
        self.assertEqual(len(loc["org-discovery"]), len(scope_actions("ORG")))
        names = dr.evaluate(m.one("locals").attrs["default_names"], {})
        self.assertEqual(names["member"], config_settings()["CELLSCAN_ROLE_NAME"][0])

        grant, = self.doc_statements(m, "grant")
        self.assertEqual(dr.evaluate(grant.attrs["effect"], {}), "Allow")
        self.assertEqual(grant.attrs["actions"], ("ref", ("local", "actions")))
        self.assertEqual(dr.evaluate(grant.attrs["resources"], {}), ["*"])
        boundary = self.doc_statements(m, "boundary")
        deny, = [s for s in boundary if dr.evaluate(s.attrs["effect"], {}) == "Deny"]
        self.assertEqual(deny.attrs["not_actions"], ("ref", ("local", "actions")))
        self.assertEqual(dr.evaluate(deny.attrs["resources"], {}), ["*"])
        self.assertNotIn("condition", [b.type for b in deny.blocks])

        trust, = self.doc_statements(m, "trust")
        self.assertEqual(dr.evaluate(trust.attrs["actions"], {}), ["sts:AssumeRole"])
        principals, = trust.find("principals")
        self.assertEqual(dr.evaluate(principals.attrs["type"], {}), "AWS")
        self.assertEqual(principals.attrs["identifiers"], ("list", [("ref", ("var", "scanner_principal_arn"))]))
        cond, = trust.find("condition")
        self.assertEqual(dr.evaluate(cond.attrs["test"], {}), "StringEquals")
        self.assertEqual(dr.evaluate(cond.attrs["variable"], {}), "sts:ExternalId")
        self.assertEqual(cond.attrs["values"], ("list", [("ref", ("var", "external_id"))]))
        ext = m.one("variable", "external_id")
        self.assertNotIn("default", ext.attrs, "external_id must be required")
        self.assertEqual(dr.evaluate(ext.attrs["sensitive"], {}), True)

        role = m.one("resource", "aws_iam_role", "this")
        self.assertEqual(dr.refs(role.attrs["permissions_boundary"]), [("aws_iam_policy", "boundary", "arn")])
        self.assertEqual(dr.refs(role.attrs["assume_role_policy"]),
                         [("data", "aws_iam_policy_document", "trust", "json")])
        inline = m.one("resource", "aws_iam_role_policy", "grant")
        self.assertEqual(dr.refs(inline.attrs["policy"]), [("data", "aws_iam_policy_document", "grant", "json")])
        self.assertEqual([b.labels for b in m.find("resource")],
                         [["aws_iam_policy", "boundary"], ["aws_iam_role", "this"], ["aws_iam_role_policy", "grant"]])

    def test_scanner_task_role_module_only_assumes_the_scan_roles(self):
        m = self.module("scanner-task-role")
        policies = m.find("resource", "aws_iam_role_policy")
        self.assertEqual(sorted(p.labels[1] for p in policies), ["assume", "task_protection"])
        self.assertFalse(m.find("resource", "aws_iam_role_policy_attachment"))
        st, = self.doc_statements(m, "assume")
        self.assertEqual(dr.evaluate(st.attrs["actions"], {}), ["sts:AssumeRole"])
        resources = dr.evaluate(st.attrs["resources"], {"var": {"member_role_name": "CellScanReadOnly",
                                                                "org_discovery_role_arn": ""}})
        self.assertEqual(resources, ["arn:${data.aws_partition.current.partition}:iam::*:role/CellScanReadOnly"])
        resources = dr.evaluate(st.attrs["resources"], {"var": {"member_role_name": "R",
                                                                "org_discovery_role_arn": "arn:aws:iam::1:role/O"}})
        self.assertEqual(resources[1], "arn:aws:iam::1:role/O")
        prot_doc = m.one("data", "aws_iam_policy_document", "task_protection")
        self.assertIn(("var", "task_protection_cluster_name"), dr.refs(prot_doc.attrs["count"]))
        prot, = prot_doc.find("statement")
        self.assertEqual(dr.evaluate(prot.attrs["actions"], {}), ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"])
        res, = dr.evaluate(prot.attrs["resources"], {"var": {"task_protection_cluster_name": "cellscan"}})
        self.assertTrue(res.endswith(":task/cellscan/*"), res)
        self.assertEqual(dr.evaluate(m.one("variable", "task_protection_cluster_name").attrs["default"], {}), "")
        trust, = self.doc_statements(m, "trust")
        principals, = trust.find("principals")
        self.assertEqual(dr.evaluate(principals.attrs["identifiers"], {}), ["ecs-tasks.amazonaws.com"])

    def test_stackset_module_deploys_the_cloudformation_member_role(self):
        d = os.path.join(self.MODULES, "member-role-stackset")
        m = dr.load_module(d)
        ss = m.one("resource", "aws_cloudformation_stack_set", "member_role")
        self.assertEqual(dr.evaluate(ss.attrs["permission_model"], {}), "SERVICE_MANAGED")
        auto, = ss.find("auto_deployment")
        self.assertEqual(dr.evaluate(auto.attrs["enabled"], {}), True)
        call = ss.attrs["template_body"]
        self.assertEqual(call[0:2], ("call", "file"))
        path = dr.evaluate(call[2][0], {"path": {"module": d}})
        self.assertEqual(os.path.realpath(path), src("deploy", "cloudformation", "member-role.yaml"))
        params = dr.evaluate(ss.attrs["parameters"], {})
        self.assertEqual(set(params), set(template("cloudformation/member-role.yaml")["Parameters"]))
        inst = m.one("resource", "aws_cloudformation_stack_set_instance", "member_role")
        targets, = inst.find("deployment_targets")
        self.assertEqual(targets.attrs["organizational_unit_ids"], ("ref", ("var", "target_ou_ids")))


class Compose(unittest.TestCase):
    def setUp(self):
        self.compose = load_yaml("deploy", "compose.yaml")
        self.services = self.compose["services"]

    def test_docker_compose_config_validates(self):
        exe = shutil.which("docker-compose")
        if not exe:
            self.skipTest("docker-compose is not installed (scripts/install-deps.sh installs it)")
        r = subprocess.run([exe, "-f", src("deploy", "compose.yaml"), "config", "-q"],
                           capture_output=True, text=True, cwd=src())
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([exe, "-f", src("deploy", "compose.yaml"), "--profile", "tools", "config", "--services"],
                           capture_output=True, text=True, cwd=src())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(set(r.stdout.split()), set(self.services))
        # and it does reject a broken file, so the pass above means something
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "compose.yaml")
            with open(bad, "w") as f:
                f.write("services:\n  x:\n    image: a\n    depends_on:\n      y:\n        condition: bogus\n")
            r = subprocess.run([exe, "-f", bad, "config", "-q"], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0)

    def daemons(self):
        return {n: s for n, s in self.services.items() if s.get("command", [None])[0] in DAEMONS}

    def test_fleet_shape(self):
        kafka = self.services["kafka"]
        self.assertTrue(kafka["image"].startswith("apache/kafka:"))
        self.assertIn("controller", kafka["environment"]["KAFKA_PROCESS_ROLES"])
        self.assertFalse([n for n, s in self.services.items() if "zookeeper" in str(s.get("image", ""))])
        self.assertTrue(self.services["redis"]["image"].startswith("redis:"))
        sim = self.services["awssim"]
        self.assertEqual(sim["build"]["target"], "awssim")
        self.assertEqual(sim["command"], ["--demo"])
        commands = sorted(s["command"][0] for s in self.daemons().values())
        self.assertEqual(commands, ["aggregator", "dispatcher", "worker", "worker", "worker"])
        ids = [s["environment"]["CELLSCAN_WORKER_ID"] for s in self.daemons().values()]
        self.assertEqual(len(ids), len(set(ids)), "instances need distinct ids")
        self.assertEqual(self.services["cli"]["profiles"], ["tools"])

    def test_programs_get_settings_they_read(self):
        advertised = dict(l.split("://", 1) for l in
                          self.services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"].split(","))
        for name, svc in self.services.items():
            if svc.get("image") != "cellscan:local":
                continue
            program = svc["command"][0] if svc["command"][0] in DAEMONS else "cli"
            env = svc["environment"]
            with self.subTest(service=name):
                self.assertEqual(unknown_variables(env, program), [])
                self.assertEqual(env["CELLSCAN_KAFKA_BROKERS"], advertised["PLAINTEXT"])
                self.assertIn("kafka-init", svc["depends_on"])
                self.assertEqual(svc["depends_on"]["kafka-init"]["condition"], "service_completed_successfully")
                if program in DAEMONS:
                    self.assertEqual(env["CELLSCAN_METRICS_ADDR"], "0.0.0.0:9464")
                    self.assertIn("9464", svc["ports"][0].rsplit(":", 1)[1])
                if program in ("dispatcher", "worker", "cli"):
                    self.assertEqual(env["AWS_ENDPOINT_URL"], "http://awssim:4566")
                if program in ("dispatcher", "aggregator", "cli"):
                    self.assertEqual(env["CELLSCAN_REDIS_URL"], "redis://redis:6379/0")

    def test_demo_values_match_the_simulator_fixture(self):
        fixture = load_yaml("tests", "awssim", "fixtures", "demo.yaml")
        scope = json.loads(read("tests", "awssim", "fixtures", "demo-scope.json"))
        for name, svc in self.daemons().items():
            env = svc["environment"]
            if svc["command"][0] == "aggregator":
                continue
            with self.subTest(service=name):
                self.assertEqual(env["AWS_ACCESS_KEY_ID"], fixture["scanner"]["access_key_id"])
                self.assertEqual(env["AWS_SECRET_ACCESS_KEY"], fixture["scanner"]["secret_access_key"])
                self.assertEqual(env["CELLSCAN_EXTERNAL_ID"], scope["external_id"])
                self.assertEqual(env["CELLSCAN_ROLE_NAME"], scope["role_name"])
        self.assertEqual(self.services["dispatcher"]["environment"]["CELLSCAN_ORG_ROLE_ARN"],
                         scope["organization"]["org_role_arn"])
        cli = self.services["cli"]
        mount = next(v for v in cli["volumes"] if "fixtures" in v)
        host, container = mount.split(":")[:2]
        self.assertTrue(os.path.isdir(os.path.normpath(os.path.join(DEPLOY, host))))
        scope_arg = cli["command"][cli["command"].index("--scope") + 1]
        self.assertTrue(scope_arg.startswith(container + "/"))
        self.assertTrue(os.path.isfile(os.path.join(DEPLOY, host, os.path.relpath(scope_arg, container))))

    def test_topics_are_created_with_their_partitions(self):
        init = self.services["kafka-init"]
        script_mount = next(v for v in init["volumes"] if "create-topics.sh" in v)
        self.assertEqual(script_mount.split(":")[0], "./kafka/create-topics.sh")
        calls = run_create_topics(init["environment"])
        created = {c["--topic"]: c for c in calls if "--create" in c}
        prefix = init["environment"]["CELLSCAN_TOPIC_PREFIX"]
        self.assertEqual(set(created), {prefix + t for t in
                                        ("scan-requests", "cell-jobs", "cell-results", "scan-results", "dead-letters")})
        workers = sum(1 for s in self.daemons().values() if s["command"] == ["worker"])
        self.assertGreaterEqual(int(created[prefix + "cell-jobs"]["--partitions"]), workers)
        for c in created.values():
            self.assertEqual(c["--bootstrap-server"], "kafka:9092")
            self.assertEqual(c["--replication-factor"], "1")


def run_create_topics(env, expect_rc=0):
    """Runs deploy/kafka/create-topics.sh with a stand-in kafka-topics.sh that
    records its arguments; returns one dict of options per call."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "calls")
        fake = os.path.join(tmp, "kafka-topics.sh")
        with open(fake, "w") as f:
            f.write(f'#!/bin/bash\nprintf "%s\\x1f" "$@" >> {log}\necho >> {log}\n')
        os.chmod(fake, 0o755)
        full = dict(env, KAFKA_TOPICS_SH=fake, PATH=os.environ["PATH"])
        r = subprocess.run(["bash", src("deploy", "kafka", "create-topics.sh")], env=full,
                           capture_output=True, text=True)
        assert r.returncode == expect_rc, r.stderr
        if not os.path.exists(log):
            return []
        calls = []
        with open(log) as f:
            for line in f.read().splitlines():
                args = line.split("\x1f")[:-1]
                opts, i = {}, 0
                while i < len(args):
                    if i + 1 < len(args) and not args[i + 1].startswith("--"):
                        opts.setdefault(args[i], []).append(args[i + 1])
                        i += 2
                    else:
                        opts[args[i]] = True
                        i += 1
                calls.append({k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in opts.items()})
        return calls


class TopicScript(unittest.TestCase):
    def test_production_defaults(self):
        calls = run_create_topics({"KAFKA_BOOTSTRAP": "b-1:9096", "KAFKA_COMMAND_CONFIG": "/c.properties"})
        created = [c for c in calls if "--create" in c]
        self.assertEqual([c["--topic"] for c in created],
                         ["cellscan.scan-requests", "cellscan.cell-jobs", "cellscan.cell-results",
                          "cellscan.scan-results", "cellscan.dead-letters"])
        self.assertEqual([c["--partitions"] for c in created], ["6", "48", "12", "6", "3"])
        for c in created:
            self.assertEqual(c["--replication-factor"], "3")
            self.assertEqual(c["--command-config"], "/c.properties")
            self.assertIn("--if-not-exists", c)
            configs = dr.as_list(c["--config"])
            self.assertIn("min.insync.replicas=2", configs)
        self.assertIn("retention.ms=604800000", dr.as_list(created[2]["--config"]))
        self.assertTrue(any("--describe" in c for c in calls))

    def test_prefix_and_missing_bootstrap(self):
        calls = run_create_topics({"KAFKA_BOOTSTRAP": "k:9092", "CELLSCAN_TOPIC_PREFIX": "prod.cs-",
                                   "TOPIC_REPLICATION": "1"})
        created = [c for c in calls if "--create" in c]
        self.assertTrue(all(c["--topic"].startswith("prod.cs-") for c in created))
        self.assertFalse(any("--config" in c and "min.insync.replicas=2" in dr.as_list(c["--config"])
                             for c in created))
        self.assertEqual(run_create_topics({}, expect_rc=1), [])


class Image(unittest.TestCase):
    def setUp(self):
        self.stages = self.parse_dockerfile(read("deploy", "Dockerfile"))

    @staticmethod
    def parse_dockerfile(text):
        """{stage: [(instruction, args)]}, continuation lines joined."""
        text = re.sub(r"\\\n", " ", text)
        stages, current = {}, None
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            instr, _, args = line.partition(" ")
            instr = instr.upper()
            if instr == "FROM":
                m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", args.strip(), re.I)
                current = m.group(2)
                stages[current] = [("FROM", m.group(1))]
            elif current is not None:
                stages[current].append((instr, " ".join(args.split())))
        return stages

    def test_build_stage_runs_exactly_the_readme_build(self):
        build = self.stages["build"]
        runs = [a for i, a in build if i == "RUN"]
        self.assertEqual(runs, ["scripts/install-deps.sh --build", "scripts/build.sh"])
        self.assertEqual(build[0], ("FROM", "${DEBIAN_IMAGE}"))
        self.assertIn("scripts/install-deps.sh", read("README.md"))
        demo = read("scripts", "demo.sh")
        self.assertIn("scripts/build.sh", demo)
        self.assertIn("debian:12-slim", read("deploy", "Dockerfile"))

    def runtime_packages(self):
        run = " ".join(a for i, a in self.stages["runtime"] if i == "RUN" and "apt-get install" in a)
        words = run.split("apt-get install", 1)[1].split("&&")[0].split()
        return [w for w in words if not w.startswith("-")]

    def test_runtime_stage_installs_the_runtime_counterparts_of_the_dev_packages(self):
        if not shutil.which("dpkg-query") or not shutil.which("pkg-config"):
            self.skipTest("needs dpkg and pkg-config (Debian)")
        packages = build_packages()
        expected = {"ca-certificates"}
        self.assertIn("ca-certificates", packages, "the build list carries the CA certificates too")
        modules = re.findall(r"pkg_check_modules\(\w+\s+REQUIRED\s+IMPORTED_TARGET\s+([^)]+)\)",
                             read("CMakeLists.txt"))
        self.assertGreaterEqual(len(modules), 8)
        for module in modules:
            module = module.strip()
            with self.subTest(module=module):
                dev = dpkg_owner(pc_file(module))
                self.assertIn(dev, packages, f"{module}.pc comes from {dev}")
                for lib in linked_libraries(module):
                    expected.add(dpkg_owner(lib))
        runtime = self.runtime_packages()
        self.assertEqual(sorted(runtime), sorted(expected))
        self.assertEqual(len(runtime), len(set(runtime)))

    def test_build_packages_cover_the_default_configure(self):
        if not shutil.which("dpkg-query") or not shutil.which("pkg-config"):
            self.skipTest("needs dpkg and pkg-config (Debian)")
        packages = set(build_packages())
        for cml in glob.glob(src("**", "CMakeLists.txt"), recursive=True):
            if "/build" in os.path.relpath(cml, SRC):
                continue
            with open(cml) as f:
                text = default_configure_text(f.read())
            for modules in re.findall(r"pkg_check_modules\(\w+\s+REQUIRED\s+(?:IMPORTED_TARGET\s+)?([^)]+)\)", text):
                for module in modules.split():
                    with self.subTest(file=os.path.relpath(cml, SRC), module=module):
                        self.assertIn(dpkg_owner(pc_file(module)), packages)
            for prog in re.findall(r"find_program\(\w+\s+(\S+)\s+REQUIRED\)", text):
                with self.subTest(program=prog):
                    self.assertIn(dpkg_owner(os.path.realpath(shutil.which(prog))), packages)

    def test_built_programs_need_only_runtime_packages(self):
        bindir = os.path.join(BUILD, "bin")
        programs = [os.path.join(bindir, p) for p in ("cellscan", "cellscan-dispatcher",
                                                      "cellscan-worker", "cellscan-aggregator")]
        if not BUILD or not all(os.path.exists(p) for p in programs):
            self.skipTest("no built programs (CELLSCAN_BUILD_DIR)")
        if not shutil.which("dpkg-query"):
            self.skipTest("needs dpkg")
        with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
            cache = f.read()
        if re.search(r"^CELLSCAN_(SANITIZE|FUZZ):BOOL=ON$", cache, re.M):
            self.skipTest("a sanitizer build links its runtimes; the image is a plain build")
        # what apt-get install brings into debian:12-slim: the runtime list
        # and everything it depends on
        allowed = install_closure(self.runtime_packages())
        self.assertIn("libc6", allowed)
        self.assertNotIn("librdkafka1", install_closure([]))
        for prog in programs:
            r = subprocess.run(["ldd", prog], capture_output=True, text=True, check=True)
            for lib in re.findall(r"=>\s+(/\S+)", r.stdout):
                owner = dpkg_owner(lib)
                with self.subTest(program=os.path.basename(prog), library=lib):
                    self.assertIn(owner, allowed, lib)

    def test_runtime_image_shape(self):
        rt = dict()
        for instr, args in self.stages["runtime"]:
            rt.setdefault(instr, []).append(args)
        user = rt["USER"][-1]
        self.assertNotIn(user.split(":")[0], ("root", "0"))
        self.assertEqual(rt["HEALTHCHECK"][0].split("CMD", 1)[1].strip(), '["/usr/local/bin/cellscan-healthcheck"]')
        self.assertEqual(rt["ENTRYPOINT"], ['["/usr/local/bin/docker-entrypoint.sh"]'])
        self.assertIn("CELLSCAN_METRICS_ADDR=0.0.0.0:9464", rt["ENV"])
        copied = " ".join(a for a in rt["COPY"] if a.startswith("--from=build"))
        for p in ("cellscan", "cellscan-dispatcher", "cellscan-worker", "cellscan-aggregator"):
            self.assertIn(f"/src/build/bin/{p} ", copied + " ")
        for stage in self.stages.values():
            for instr, args in stage:
                if instr == "COPY" and not args.startswith("--from"):
                    for path in args.split()[:-1]:
                        self.assertTrue(os.path.exists(src(path)), path)
        # BuildKit reads deploy/Dockerfile.dockerignore for this Dockerfile
        ignored = read("deploy", "Dockerfile.dockerignore").split()
        for p in (".git", "build", "build-*"):
            self.assertIn(p, ignored)
        for script in glob.glob(src("deploy", "scripts", "*.sh")) + [src("deploy", "awssim", "run.sh"),
                                                                      src("deploy", "kafka", "create-topics.sh")]:
            if not script.endswith("http.sh"):
                self.assertTrue(os.stat(script).st_mode & stat.S_IXUSR, script)
            subprocess.run(["bash", "-n", script], check=True)


OFF_BY_DEFAULT = ("CELLSCAN_FUZZ", "CELLSCAN_SANITIZE")


def default_configure_text(cmake):
    """A CMakeLists.txt without the if() blocks of options that are off by
    default, i.e. what the README's configure reads."""
    out, skip_depth, depth = [], None, 0
    for line in cmake.splitlines():
        word = line.strip().split("(", 1)[0].lower()
        if word == "if":
            depth += 1
            if skip_depth is None and any(o in line for o in OFF_BY_DEFAULT):
                skip_depth = depth
        elif word == "endif":
            if skip_depth == depth:
                skip_depth = None
                depth -= 1
                continue
            depth -= 1
        if skip_depth is None:
            out.append(line)
    return "\n".join(out)


def pc_file(module):
    d = subprocess.run(["pkg-config", "--variable=pcfiledir", module], capture_output=True, text=True,
                       check=True).stdout.strip()
    return os.path.realpath(os.path.join(d, module + ".pc"))


def linked_libraries(module):
    """The shared objects `pkg-config --libs module` links (resolved)."""
    flags = subprocess.run(["pkg-config", "--libs", module], capture_output=True, text=True,
                           check=True).stdout.split()
    dirs = [f[2:] for f in flags if f.startswith("-L")]
    dirs += subprocess.run(["gcc", "-print-search-dirs"], capture_output=True, text=True,
                           check=True).stdout.split("libraries: =", 1)[1].strip().split(":")
    out = []
    for name in (f[2:] for f in flags if f.startswith("-l")):
        for d in dirs:
            so = os.path.join(d, f"lib{name}.so")
            if os.path.exists(so):
                out.append(os.path.realpath(so))
                break
        else:
            raise AssertionError(f"lib{name}.so not found for {module}")
    return out


def install_closure(packages):
    """The Essential packages (what a debian:12-slim image holds, approximated
    on this system), the given ones, and everything they depend on."""
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Essential}\t${Pre-Depends}, ${Depends}\n"],
                         capture_output=True, text=True, check=True).stdout
    deps, todo = {}, []
    for line in out.splitlines():
        name, essential, rel = line.split("\t")
        deps[name] = {re.split(r"[\s:(]", alt.strip())[0] for d in rel.split(",") for alt in d.split("|")
                      if alt.strip()}
        if essential == "yes":
            todo.append(name)
    todo.extend(packages)
    seen = set()
    while todo:
        p = todo.pop()
        if p in seen or p not in deps:
            continue
        seen.add(p)
        todo.extend(deps[p])
    return seen


def dpkg_owner(path):
    """The package that ships path (Debian 12 merges /lib into /usr/lib, and
    dpkg knows each file under one of the two names)."""
    candidates = []
    for p in (path, os.path.realpath(path)):
        candidates += [p, re.sub(r"^/usr/lib/", "/lib/", p), re.sub(r"^/lib/", "/usr/lib/", p)]
    for candidate in dict.fromkeys(candidates):
        r = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":", 1)[0].split(",")[0].strip()
    raise AssertionError(f"no package owns {path}")


class Entrypoint(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        for name in ("cellscan", "cellscan-dispatcher", "cellscan-worker", "cellscan-aggregator",
                     "cellscan-task-protection", "cellscan-healthcheck"):
            p = os.path.join(self.tmp, name)
            with open(p, "w") as f:
                f.write(f'#!/bin/bash\necho "{name} $*"\necho "pid $$"\nexit ${{STUB_RC:-0}}\n')
            os.chmod(p, 0o755)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_entry(self, *args, **env):
        return subprocess.run(["bash", src("deploy", "scripts", "docker-entrypoint.sh"), *args],
                              env=script_env(CELLSCAN_BIN_DIR=self.tmp, **env), capture_output=True, text=True)

    def test_first_argument_chooses_the_program(self):
        cases = {("worker", "--worker-concurrency", "4"): "cellscan-worker --worker-concurrency 4",
                 ("dispatcher",): "cellscan-dispatcher ",
                 ("aggregator",): "cellscan-aggregator ",
                 ("task-protection",): "cellscan-task-protection ",
                 ("healthcheck", "127.0.0.1:1"): "cellscan-healthcheck 127.0.0.1:1",
                 ("submit", "--scope", "s.json"): "cellscan submit --scope s.json",
                 ("cellscan", "config"): "cellscan config"}
        for args, first_line in cases.items():
            with self.subTest(args=args):
                r = self.run_entry(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.splitlines()[0].rstrip(), first_line.rstrip())

    def test_exec_keeps_the_pid_and_the_exit_status(self):
        p = subprocess.Popen(["bash", src("deploy", "scripts", "docker-entrypoint.sh"), "worker"],
                             env=script_env(CELLSCAN_BIN_DIR=self.tmp, STUB_RC="7"),
                             stdout=subprocess.PIPE, text=True)
        out, _ = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 7)
        self.assertEqual(out.splitlines()[1], f"pid {p.pid}", "the program must replace the shell (signals)")

    def test_help(self):
        r = self.run_entry("help")
        self.assertEqual(r.returncode, 0)
        for word in ("dispatcher", "worker", "aggregator", "task-protection", "healthcheck"):
            self.assertIn(word, r.stdout)
        self.assertNotIn("cellscan ", r.stdout.splitlines()[0][:9])

    def test_with_the_built_programs(self):
        bindir = os.path.join(BUILD, "bin")
        if not BUILD or not os.path.exists(os.path.join(bindir, "cellscan-worker")):
            self.skipTest("no built programs (CELLSCAN_BUILD_DIR)")
        entry = src("deploy", "scripts", "docker-entrypoint.sh")
        r = subprocess.run(["bash", entry, "worker", "--help"], env=script_env(CELLSCAN_BIN_DIR=bindir),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("CELLSCAN_WORKER_CONCURRENCY", r.stdout)
        r = subprocess.run(["bash", entry, "worker"], capture_output=True, text=True, timeout=30,
                           env=script_env(CELLSCAN_BIN_DIR=bindir, CELLSCAN_SESSION_DURATION="899"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("CELLSCAN_SESSION_DURATION=899", r.stderr)


class HealthCheck(unittest.TestCase):
    def setUp(self):
        self.http = FakeHttp()

    def tearDown(self):
        self.http.close()

    def check(self, *args, **env):
        return subprocess.run(["bash", src("deploy", "scripts", "healthcheck.sh"), *args],
                              env=script_env(**env), capture_output=True, text=True, timeout=30)

    def test_answers(self):
        self.http.routes["/healthz"] = (200, "ok\n")
        self.assertEqual(self.check(f"127.0.0.1:{self.http.port}").returncode, 0)
        r = self.check(CELLSCAN_METRICS_ADDR=f"0.0.0.0:{self.http.port}")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(self.http.requests_to("/healthz", "GET")[-1][0], "GET")
        self.http.routes["/healthz"] = (503, "kafka unreachable\n")
        r = self.check(f"127.0.0.1:{self.http.port}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("503", r.stdout)
        self.assertIn("kafka unreachable", r.stdout)

    def test_nothing_listening(self):
        r = self.check(f"127.0.0.1:{free_port()}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no answer", r.stdout)

    def test_metrics_off(self):
        self.assertEqual(self.check(CELLSCAN_METRICS_ADDR="off").returncode, 0)


class TaskProtection(unittest.TestCase):
    STATE = "/api/task-1/task-protection/v1/state"

    def setUp(self):
        self.http = FakeHttp()
        self.in_flight = 0
        self.agent_ok = True
        self.http.routes["/metrics"] = lambda m, b: (200, "# TYPE cellscan_cells_in_flight gauge\n"
                                                          f"cellscan_cells_in_flight {self.in_flight}\n"
                                                          'cellscan_open_scans{client_id="a"} 3\n')

        def agent(method, body):
            if not self.agent_ok:
                return 200, '{"failure":{"Arn":"arn:aws:ecs:...","Reason":"TASK_NOT_VALID"}}'
            enabled = json.loads(body)["ProtectionEnabled"]
            return 200, json.dumps({"protection": {"ProtectionEnabled": enabled, "TaskArn": "arn:aws:ecs:t"}})

        self.http.routes[self.STATE] = agent
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.http.close()

    def start(self, **env):
        full = script_env(ECS_AGENT_URI=self.http.url("/api/task-1"),
                          CELLSCAN_PROTECT_METRICS_URL=self.http.url("/metrics"),
                          CELLSCAN_PROTECT_INTERVAL="0.1", **env)
        self.proc = subprocess.Popen(["bash", src("deploy", "scripts", "task-protection.sh")], env=full,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def puts(self):
        return [json.loads(b) for _, _, b in self.http.requests_to(self.STATE, "PUT")]

    def test_protects_while_cells_run_and_releases_when_idle(self):
        self.start(CELLSCAN_PROTECT_MINUTES="5")
        self.assertTrue(wait_for(lambda: len(self.http.requests_to("/metrics")) >= 3))
        self.assertEqual(self.puts(), [], "an idle worker is never protected")
        self.in_flight = 2
        self.assertTrue(wait_for(lambda: len(self.puts()) == 1))
        self.assertEqual(self.puts()[0], {"ProtectionEnabled": True, "ExpiresInMinutes": 5})
        seen = len(self.http.requests_to("/metrics"))
        self.assertTrue(wait_for(lambda: len(self.http.requests_to("/metrics")) >= seen + 5))
        self.assertEqual(len(self.puts()), 1, "no repeated PUT while protected and not due for renewal")
        self.in_flight = 0
        self.assertTrue(wait_for(lambda: len(self.puts()) == 2))
        self.assertEqual(self.puts()[1], {"ProtectionEnabled": False})
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=10), 0)
        logs = [json.loads(l) for l in self.proc.stderr.read().splitlines()]
        self.assertTrue(all(l["component"] == "task-protection" for l in logs))
        self.assertIn("protection=true (expires in 5 min when true)", [l["msg"] for l in logs])

    def test_renews_and_retries_refusals(self):
        self.agent_ok = False
        self.in_flight = 1
        self.start(CELLSCAN_PROTECT_MINUTES="1", CELLSCAN_PROTECT_RENEW="2")
        self.assertTrue(wait_for(lambda: len(self.puts()) >= 3), "a refused protection is retried")
        self.agent_ok = True
        refused = len(self.puts())
        self.assertTrue(wait_for(lambda: len(self.puts()) >= refused + 1))
        accepted = len(self.puts())
        time.sleep(0.5)
        self.assertEqual(len(self.puts()), accepted, "accepted: no PUT until the renewal is due")
        self.assertTrue(wait_for(lambda: len(self.puts()) >= accepted + 1, timeout=5), "renewed after 2 s")
        self.assertTrue(all(p == {"ProtectionEnabled": True, "ExpiresInMinutes": 1} for p in self.puts()))

    def test_unreadable_metrics_keep_the_protection(self):
        self.in_flight = 1
        self.start()
        self.assertTrue(wait_for(lambda: len(self.puts()) == 1))
        self.http.routes["/metrics"] = (500, "oops\n")
        seen = len(self.http.requests_to("/metrics"))
        self.assertTrue(wait_for(lambda: len(self.http.requests_to("/metrics")) >= seen + 5))
        self.assertEqual(len(self.puts()), 1, "no release on a failed read")
        self.http.routes["/metrics"] = (200, "cellscan_cells_in_flight 0\n")
        self.assertTrue(wait_for(lambda: len(self.puts()) == 2))
        self.assertEqual(self.puts()[1], {"ProtectionEnabled": False})

    def test_settings_and_outside_ecs(self):
        for env in ({"CELLSCAN_PROTECT_MINUTES": "0"}, {"CELLSCAN_PROTECT_MINUTES": "2881"},
                    {"CELLSCAN_PROTECT_INTERVAL": "fast"}, {"CELLSCAN_PROTECT_INTERVAL": "0"},
                    {"CELLSCAN_PROTECT_RENEW": "1800"}):
            with self.subTest(env=env):
                r = subprocess.run(["bash", src("deploy", "scripts", "task-protection.sh")],
                                   env=script_env(ECS_AGENT_URI="http://127.0.0.1:1/x", **env),
                                   capture_output=True, text=True, timeout=10)
                self.assertEqual(r.returncode, 2)
                self.assertIn(next(iter(env)), r.stderr)
        r = subprocess.run(["bash", src("deploy", "scripts", "task-protection.sh")], env=script_env(),
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0)
        self.assertIn("ECS_AGENT_URI is not set", r.stderr)


class SimulatorForwarder(unittest.TestCase):
    """deploy/awssim/run.sh: what the compose awssim service runs. A signed
    request through the forwarder must verify at the simulator."""

    def test_signed_calls_pass_through(self):
        if not shutil.which("socat"):
            self.skipTest("socat is not installed (scripts/install-deps.sh installs it)")
        try:
            import boto3
        except ImportError:
            self.skipTest("python3-boto3 missing")
        if not os.path.exists(src("tests", "awssim", "awssim.py")):
            self.skipTest("no simulator")
        listen, sim = free_port(), free_port()
        proc = subprocess.Popen(["bash", src("deploy", "awssim", "run.sh")],
                                env=dict(os.environ, AWSSIM_DIR=src("tests", "awssim"), AWSSIM_BIND="127.0.0.1",
                                         AWSSIM_LISTEN_PORT=str(listen), AWSSIM_PORT=str(sim)),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            def listening():
                with socket.socket() as s:
                    return s.connect_ex(("127.0.0.1", listen)) == 0
            self.assertTrue(wait_for(listening, timeout=30))
            fixture = load_yaml("tests", "awssim", "fixtures", "demo.yaml")
            session = boto3.session.Session(aws_access_key_id=fixture["scanner"]["access_key_id"],
                                            aws_secret_access_key=fixture["scanner"]["secret_access_key"],
                                            region_name="us-east-1")
            sts = session.client("sts", endpoint_url=f"http://127.0.0.1:{listen}")
            deadline = time.monotonic() + 30
            while True:
                try:
                    ident = sts.get_caller_identity()
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            self.assertEqual(ident["Account"], fixture["scanner"]["account"])
            bad = boto3.session.Session(aws_access_key_id=fixture["scanner"]["access_key_id"],
                                        aws_secret_access_key="wrong", region_name="us-east-1")
            with self.assertRaises(Exception) as ctx:
                bad.client("sts", endpoint_url=f"http://127.0.0.1:{listen}").get_caller_identity()
            self.assertIn("SignatureDoesNotMatch", str(ctx.exception))
        finally:
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=15)
        self.assertNotEqual(rc, None)


class SchedulerExamples(unittest.TestCase):
    """deploy/examples: the Python scheduler and report consumer of
    docs/deploy.md, against librdkafka's mock cluster and bindings generated
    from proto/cellscan.proto."""

    @classmethod
    def setUpClass(cls):
        try:
            import confluent_kafka  # noqa: F401
            import google.protobuf  # noqa: F401
        except ImportError as e:
            raise unittest.SkipTest(f"{e.name} missing (python3-confluent-kafka, python3-protobuf)")
        if not shutil.which("protoc"):
            raise unittest.SkipTest("protoc missing (protobuf-compiler)")
        cls.gen = tempfile.mkdtemp()
        subprocess.run(["protoc", "-I", src("proto"), f"--python_out={cls.gen}", src("proto", "cellscan.proto")],
                       check=True)
        sys.path.insert(0, cls.gen)
        import cellscan_pb2
        cls.pb = cellscan_pb2
        from confluent_kafka import Producer
        cls.mock = Producer({"test.mock.num.brokers": 1, "log_level": 0})
        broker = next(iter(cls.mock.list_topics(timeout=10).brokers.values()))
        cls.bootstrap = f"{broker.host}:{broker.port}"

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.gen, ignore_errors=True)

    def env(self):
        return dict(os.environ, KAFKA_BROKERS=self.bootstrap, CELLSCAN_TOPIC_PREFIX="t1.",
                    PYTHONPATH=os.pathsep.join([self.gen, src("deploy", "examples")]))

    def consume(self, topic, n, timeout=30):
        from confluent_kafka import Consumer
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": f"test-{time.time()}",
                      "auto.offset.reset": "earliest", "log_level": 0})
        c.subscribe([topic])
        out, end = [], time.monotonic() + timeout
        while len(out) < n and time.monotonic() < end:
            m = c.poll(0.5)
            if m is not None and not m.error():
                out.append(m)
        c.close()
        return out

    def test_publish_scan_request(self):
        policy = src("tests", "awssim", "fixtures", "demo-policy.json")
        r = subprocess.run([sys.executable, src("deploy", "examples", "publish_scan_request.py"),
                            "--client-id", "acme", "--schedule", "nightly", "--slot", "2026-11-25T22:00",
                            "--policy", policy, "--accounts", "111111111111", "333333333333",
                            "--regions", "us-east-1", "eu-west-1"],
                            env=self.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        scan_id = r.stdout.strip()
        self.assertEqual(scan_id, "acme.nightly.20261125T2200")
        self.assertRegex(scan_id, r"^[A-Za-z0-9_.:-]{1,128}$")
        msg, = self.consume("t1.scan-requests", 1)
        self.assertEqual(msg.key(), b"acme")
        req = self.pb.ScanRequest()
        req.ParseFromString(msg.value())
        self.assertEqual(req.schema_version, 1)
        self.assertEqual(req.scan_id, scan_id)
        self.assertEqual(req.scope.WhichOneof("target"), "accounts")
        self.assertEqual(list(req.scope.accounts.account_ids), ["111111111111", "333333333333"])
        self.assertEqual(list(req.scope.regions), ["us-east-1", "eu-west-1"])
        self.assertEqual(len(req.scope.categories), 7)
        with open(policy) as f:
            self.assertEqual(req.scope.tag_policy_json, f.read())
        self.assertAlmostEqual(req.requested_at_ms / 1000, time.time(), delta=120)

        # Without accounts: organization discovery with the configured role.
        r = subprocess.run([sys.executable, src("deploy", "examples", "publish_scan_request.py"),
                            "--client-id", "acme", "--schedule", "weekly", "--slot", "2026-11-29T00:00",
                            "--policy", policy], env=self.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        msgs = self.consume("t1.scan-requests", 2)
        req.ParseFromString(msgs[1].value())
        self.assertEqual(req.scope.WhichOneof("target"), "organization")
        self.assertEqual(req.scope.organization.org_role_arn, "")

    def test_consume_scan_reports(self):
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": self.bootstrap, "log_level": 0})
        for client, status in (("other", self.pb.SCAN_OK), ("acme", self.pb.SCAN_PARTIAL)):
            rep = self.pb.ScanReport(schema_version=1, scan_id=f"{client}.s1", client_id=client, status=status)
            rep.overall.total, rep.overall.compliant, rep.overall.score = 4, 3, 0.75
            rep.overall.coverage = 0.5
            rep.errors.permission_denied.append("555555555555")
            p.produce("t1.scan-results", key=rep.scan_id.encode(), value=rep.SerializeToString())
        self.assertEqual(p.flush(10), 0)
        r = subprocess.run([sys.executable, src("deploy", "examples", "consume_scan_reports.py"),
                            "--group", "reporting", "--client-id", "acme", "--max-messages", "1"],
                           env=self.env(), capture_output=True, text=True, timeout=90)
        self.assertEqual(r.returncode, 0, r.stderr)
        line, = r.stdout.splitlines()
        got = json.loads(line)
        self.assertEqual((got["scan_id"], got["status"], got["score"], got["coverage"]),
                         ("acme.s1", "SCAN_PARTIAL", 0.75, 0.5))
        self.assertEqual(got["permission_denied"], ["555555555555"])
        self.assertEqual(got["report"]["clientId"], "acme")


class Docs(unittest.TestCase):
    def setUp(self):
        self.text = read("docs", "deploy.md")

    def test_paths_it_names_exist(self):
        paths = set(re.findall(r"\b((?:deploy|scripts|proto|lib|tests|docs)/[\w./-]+\w)", self.text))
        self.assertGreater(len(paths), 10)
        for p in sorted(paths):
            with self.subTest(path=p):
                self.assertTrue(os.path.exists(src(p)), p)

    def test_code_excerpts_come_from_the_examples(self):
        blocks = re.findall(r"```(python|go)\n(.*?)```", self.text, re.S)
        langs = {lang for lang, _ in blocks}
        self.assertEqual(langs, {"python", "go"})
        sources = {"python": read("deploy", "examples", "publish_scan_request.py") +
                   read("deploy", "examples", "consume_scan_reports.py") +
                   read("deploy", "examples", "kafka_client.py"),
                   "go": read("deploy", "examples", "go", "main.go")}
        for lang, code in blocks:
            for line in code.splitlines():
                if line.strip() and line.strip() not in ("...", "# ...", "// ..."):
                    with self.subTest(lang=lang, line=line):
                        self.assertIn(line, sources[lang])

    def test_says_what_was_not_run(self):
        self.assertIn("What could not be run here", self.text)


if __name__ == "__main__":
    unittest.main()
