#!/usr/bin/python3
"""The test oracle: the report cellscan must produce for a fixture, a policy and a scope.

  /usr/bin/python3 tests/awssim/oracle.py (--fixture F | --synthetic SPEC | --demo)
                                          --policy P --scope S [--cell-violations N]
                                          [--report-violations N]

Implements docs/compliance.md and docs/policy.md (via tagpolicy.py) from
the simulator's own data, independently of the C code. It assumes every
call that can succeed does so after retries: throttling, latency and
faults limited by count or probability are absorbed. What it cannot know
is left out of the report (scan_id, times, api_call_count, retry_count,
throttle_events, wall_time_ms). A fixture whose outcome depends on the
scanner's call order (a permanent fault or IAM deny on a call that is not
the first of its category, a hang, ...) raises OracleError instead of
guessing.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import errors  # noqa: E402
import faults as faults_mod  # noqa: E402
import regions as regions_mod  # noqa: E402
import tagpolicy  # noqa: E402
import services  # noqa: E402
from identity import role_allows, trusts  # noqa: E402
from services.tagging import tagged_resources  # noqa: E402
from world import (EC2_INSTANCE, EC2_VOLUME, ECS_CLUSTER, ECS_SERVICE, EKS_CLUSTER,  # noqa: E402
                   LAMBDA_FUNCTION, RDS_DB, parse_role_arn)

# category -> (botocore service, calls in the order a region is walked, resource kinds)
CATEGORIES = {
    "ec2": ("ec2", ("DescribeInstances", "DescribeVolumes"), (EC2_INSTANCE, EC2_VOLUME)),
    "rds": ("rds", ("DescribeDBInstances",), (RDS_DB,)),
    "lambda": ("lambda", ("ListFunctions", "ListTags"), (LAMBDA_FUNCTION,)),
    "ecs": ("ecs", ("ListClusters", "DescribeClusters", "ListServices", "DescribeServices"),
            (ECS_CLUSTER, ECS_SERVICE)),
    "eks": ("eks", ("ListClusters", "DescribeCluster"), (EKS_CLUSTER,)),
    "tagging": ("resourcegroupstaggingapi", ("GetResources",), ()),
    "s3": ("s3", ("ListBuckets", "GetBucketLocation", "GetBucketTagging"), ("s3:bucket",)),
}
CATEGORY_TYPES = {"ec2": ("ec2:instance", "ec2:volume"), "s3": ("s3:bucket",), "rds": ("rds:db",),
                  "lambda": ("lambda:function",), "ecs": ("ecs:cluster", "ecs:service"),
                  "eks": ("eks:cluster",), "tagging": ()}
ACCESS_DENIED_CODES = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                       "AuthorizationError")
DEFAULT_CAP = 1000
STATUS_RANK = {"available": 2, "empty": 2, "partial": 1, "failed": 0}


class OracleError(Exception):
    pass


def policy_type(arn):
    """The resource type docs/policy.md derives from an ARN (tagging API resources)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return ""
    service, resource = parts[2], parts[5]
    cut = [i for i in (resource.find("/"), resource.find(":")) if i >= 0]
    if cut:
        return f"{service}:{resource[:min(cut)]}"
    return {"s3": "s3:bucket", "sns": "sns:topic", "sqs": "sqs:queue"}.get(service, service)


# ---------------- what a call does ----------------

class _Calls:
    """Predicts each call's answer from role deny lists and permanent faults."""

    def __init__(self, world):
        self.world = world
        self.faults = [faults_mod.normalise(f) for f in world.fixture_faults]

    def _permanent(self, account, service, operation, region):
        for f in self.faults:
            if not faults_mod.matches(f, account, service, operation, region):
                continue
            if f["kind"] in ("throttle", "latency") or "count" in f or "probability" in f:
                continue
            return f
        return None

    def result(self, role, account, service, operation, region):
        """None when the call succeeds, else (error code, is access denied)."""
        f = self._permanent(account, service, operation, region)
        if f is not None:
            if f["kind"] == "access_denied":
                code = "AccessDenied" if service == "sts" else errors.lookup("denied", service)[0]
                return (f.get("code") or code, True)
            if f["kind"] == "error":
                code = errors.lookup("internal" if f["status"] == 500 else "unavailable", service)[0]
                code = f.get("code") or code
                return (code, code in ACCESS_DENIED_CODES)
            raise OracleError(f"fault {f} makes {service} {operation} in {account}/{region} "
                              "depend on client timeouts and retries; the oracle does not guess")
        action = services.iam_action(services.by_name(service), operation)
        if not role_allows(role, action):
            return (errors.lookup("denied", service)[0], True)
        return None


# ---------------- scope and accounts ----------------

def _ancestors(world, parent_id):
    out = []
    while parent_id:
        out.append(parent_id)
        ou = world.org_unit(parent_id)
        parent_id = ou.parent_id if ou is not None else None
    return out


def discover(world, scope, principal, calls):
    """(accounts to scan, skipped [{account_id, reason}]) as docs/compliance.md describes."""
    if "accounts" in scope and "organization" in scope:
        raise OracleError("scope: organization and accounts are mutually exclusive")
    if "accounts" in scope:
        return sorted(set(scope["accounts"])), []
    org_cfg = scope.get("organization")
    if not org_cfg or not org_cfg.get("org_role_arn"):
        raise OracleError("scope: organization mode needs organization.org_role_arn")
    if world.org is None:
        raise OracleError("scope: the fixture has no organization")
    parsed = parse_role_arn(org_cfg["org_role_arn"])
    role = world.role(*parsed) if parsed else None
    if role is None or not _trusted(world, role, principal, None):
        raise OracleError(f"the scanner cannot assume {org_cfg['org_role_arn']}")
    excl_accounts = set(org_cfg.get("exclude_account_ids") or [])
    excl_ous = set(org_cfg.get("exclude_ous") or [])
    scan, skipped = [], []
    for a in world.all_accounts():
        if a.parent_id is None:
            continue
        if a.status != "ACTIVE":
            skipped.append({"account_id": a.id, "reason": "suspended"})
        elif a.id in excl_accounts:
            skipped.append({"account_id": a.id, "reason": "excluded_account"})
        elif excl_ous & set(_ancestors(world, a.parent_id)):
            skipped.append({"account_id": a.id, "reason": "excluded_ou"})
        else:
            scan.append(a.id)
    return sorted(scan), sorted(skipped, key=lambda s: s["account_id"])


def _trusted(world, role, principal, external_id, check_external=False):
    p_account = principal.split(":")[4]
    p_role = None
    if ":assumed-role/" in principal or ":role/" in principal:
        p_role = world.role(p_account, principal.split("/")[1])
    if not trusts(role, principal, p_account, p_role):
        return False
    if check_external and role.external_id is not None and external_id != role.external_id:
        return False
    return True


def assume_outcome(world, calls, principal, account_id, scope):
    """None, or (reason, evidence status, error code) when AssumeRole fails."""
    denied = ("assume_role_denied", "unavailable_no_access", "AccessDenied")
    f = calls.result(None, account_id, "sts", "AssumeRole", "us-east-1")
    if f is not None:
        if f[1]:
            return denied
        return ("assume_role_failed", "unavailable_error", f[0])
    account = world.account(account_id)
    role = world.role(account_id, scope.get("role_name", "CellScanReadOnly"))
    if account is None or role is None or account.status != "ACTIVE":
        return denied
    if not _trusted(world, role, principal, scope.get("external_id") or None, check_external=True):
        return denied
    duration = int(scope.get("session_duration_s", 3600))
    if not 900 <= duration <= 43200 or duration > role.max_session_duration:
        return ("assume_role_failed", "unavailable_error", "ValidationError")
    return None


# ---------------- regions ----------------

class _Region:
    def __init__(self, region, status="ok", error_code="", resources=None):
        self.region = region
        self.status = status
        self.error_code = error_code
        self.resources = resources or []   # [(Resource, type)]


def _unavailable(region, result):
    code, denied = result
    return _Region(region, "unavailable_no_access" if denied else "unavailable_error", code)


def _enabled(world, account_id, region):
    if not regions_mod.is_region(region):
        return False
    acct = world.account(account_id)
    opted = acct.opt_in_regions if acct is not None else ()
    return not regions_mod.is_opt_in(region) or region in opted


def _walk_regional(world, calls, role, account_id, category, region, scan_categories):
    service, ops, kinds = CATEGORIES[category]
    first = calls.result(role, account_id, service, ops[0], region)
    if first is not None:
        return _unavailable(region, first)
    for op in ops[1:]:
        if calls.result(role, account_id, service, op, region) is not None:
            raise OracleError(f"{service} {op} fails in {account_id}/{region} after {ops[0]} "
                              "succeeded: the outcome depends on the scanner's call order")
    if category == "tagging":
        covered = {t for c in scan_categories if c != "tagging" for t in CATEGORY_TYPES[c]}
        found = []
        for r in tagged_resources(world, account_id, region):
            t = policy_type(r.arn)
            if t not in covered:
                found.append((r, t))
        return _Region(region, resources=found)
    found = [(r, kind) for kind in kinds for r in world.resources(account_id, region, kind)]
    return _Region(region, resources=found)


def _walk_s3(world, calls, role, account_id, regions):
    listing = calls.result(role, account_id, "s3", "ListBuckets", "us-east-1")
    for region in regions:
        if listing is None and calls.result(role, account_id, "s3", "ListBuckets", region) is not None:
            raise OracleError("a region-specific ListBuckets fault: the oracle cannot tell which "
                              "region the scanner signs ListBuckets for")
    if listing is not None:
        return [_unavailable(r, listing) for r in regions]
    buckets = world.buckets(account_id)
    for b in buckets:
        if calls.result(role, account_id, "s3", "GetBucketLocation", b.region) is not None:
            raise OracleError("GetBucketLocation faults leave bucket regions unknown")
    out = []
    for region in regions:
        if not _enabled(world, account_id, region):
            out.append(_Region(region, "unavailable_not_enabled"))
            continue
        mine = [b for b in buckets if b.region == region]
        readable, failure = [], None
        for b in mine:
            res = calls.result(role, account_id, "s3", "GetBucketTagging", region)
            if res is None:
                readable.append((b, "s3:bucket"))
            elif failure is None:
                failure = res
        if failure is None:
            out.append(_Region(region, resources=readable))
        elif not readable:
            out.append(_unavailable(region, failure))
        else:
            out.append(_Region(region, "partial", failure[0], readable))
    return out


def walk_cell(world, calls, account_id, role_name, category, regions, scan_categories):
    role = world.role(account_id, role_name)
    if category == "s3":
        return _walk_s3(world, calls, role, account_id, regions)
    out = []
    for region in regions:
        if not _enabled(world, account_id, region):
            out.append(_Region(region, "unavailable_not_enabled"))
        else:
            out.append(_walk_regional(world, calls, role, account_id, category, region, scan_categories))
    return out


# ---------------- cells ----------------

def cell_outcome(region_results):
    """(cell status, evidence status, reason, error code) from region results, in scope order."""
    unavailable = [r for r in region_results if r.status.startswith("unavailable_")]
    if region_results and len(unavailable) == len(region_results):
        if any(r.status == "unavailable_no_access" for r in unavailable):
            ev = "unavailable_no_access"
        elif all(r.status == "unavailable_not_enabled" for r in unavailable):
            ev = "unavailable_not_enabled"
        else:
            ev = "unavailable_error"
        first = next(r for r in region_results if r.status == ev)
        return "failed", ev, "region_failures", first.error_code
    bad = [r for r in region_results if r.status in ("partial", "unavailable_no_access", "unavailable_error")]
    if bad:
        return "partial", "partial", "region_failures", bad[0].error_code
    records = sum(len(r.resources) for r in region_results)
    return ("available" if records else "empty"), "ok", "", ""


def _violation_key(v):
    return (v["arn"], v["tag_key"], v["kind"])


def evaluate_cell(policy, account_id, category, region_results, cell_cap):
    status, evidence, reason, code = cell_outcome(region_results)
    total = compliant = count = 0
    types = {}
    violations = []
    for r in region_results:
        for res, rtype in r.resources:
            found = tagpolicy.evaluate(policy, rtype, res.tags)
            total += 1
            t = types.setdefault(rtype, {"total": 0, "compliant": 0})
            t["total"] += 1
            if not found:
                compliant += 1
                t["compliant"] += 1
            count += len(found)
            for key, kind, value in found:
                v = {"account_id": account_id, "arn": res.arn, "resource_type": rtype,
                     "region": r.region, "tag_key": key, "kind": kind}
                if value is not None:
                    v["found_value"] = value
                violations.append(v)
    violations.sort(key=_violation_key)
    kept = violations[:cell_cap]
    return {"cell_id": f"aws_{category}:{account_id}", "account_id": account_id,
            "category": category, "status": status, "evidence_status": evidence, "reason": reason,
            "error_code": code, "record_count": total, "total": total, "compliant": compliant,
            "violation_count": count, "violations": kept,
            "violations_truncated": count - len(kept), "resource_types": types,
            "regions": [{"region": r.region, "status": r.status, "record_count": len(r.resources),
                         "error_code": r.error_code} for r in region_results]}


def failed_cell(account_id, category, evidence, reason, code):
    return {"cell_id": f"aws_{category}:{account_id}", "account_id": account_id,
            "category": category, "status": "failed", "evidence_status": evidence, "reason": reason,
            "error_code": code, "record_count": 0, "total": 0, "compliant": 0,
            "violation_count": 0, "violations": [], "violations_truncated": 0,
            "resource_types": {}, "regions": []}


# ---------------- the fold ----------------

def rollup(statuses):
    if statuses and all(s == "failed" for s in statuses):
        return "failed"
    if all(s in ("available", "empty") for s in statuses):
        return "ok"
    return "partial"


def _score(compliant, total):
    return (1.0, True) if total == 0 else (compliant / total, False)


class Fold:
    """docs/compliance.md "The fold", fed one account at a time in ascending id order,
    so a large scan never holds more than one account's cells."""

    def __init__(self, client_id, skipped, report_cap=DEFAULT_CAP):
        self.client_id = client_id
        self.skipped = skipped
        self.report_cap = report_cap
        self.accounts = []
        self.evidence = {}
        self.violations = []
        self.truncated = 0
        self.statuses = []
        self.denied = []
        self.sums = {"total": 0, "compliant": 0, "violations": 0, "expected": 0, "with_data": 0}

    def add(self, account_id, cells):
        if self.accounts and account_id <= self.accounts[-1]["account_id"]:
            raise ValueError("Fold.add: accounts must come in ascending id order")
        total = sum(c["total"] for c in cells)
        compliant = sum(c["compliant"] for c in cells)
        violations = sum(c["violation_count"] for c in cells)
        with_data = sum(1 for c in cells if c["status"] in ("available", "empty", "partial"))
        types = {}
        for c in cells:
            for t, n in c["resource_types"].items():
                agg = types.setdefault(t, {"total": 0, "compliant": 0})
                agg["total"] += n["total"]
                agg["compliant"] += n["compliant"]
            self.evidence[c["cell_id"]] = {"status": c["evidence_status"],
                                           "record_count": c["record_count"],
                                           "error_code": c["error_code"], "reason": c["reason"]}
            self.truncated += c["violations_truncated"]
            if c["reason"] == "assume_role_denied" and account_id not in self.denied:
                self.denied.append(account_id)
        mine = sorted((v for c in cells for v in c["violations"]),
                      key=lambda v: (v["account_id"],) + _violation_key(v))
        room = max(self.report_cap - len(self.violations), 0)
        self.violations.extend(mine[:room])
        self.truncated += max(0, len(mine) - room)
        score, no_data = _score(compliant, total)
        statuses = [c["status"] for c in cells]
        self.statuses.extend(statuses)
        self.accounts.append({"account_id": account_id, "status": rollup(statuses), "total": total,
                              "compliant": compliant, "violations": violations, "score": score,
                              "no_data": no_data,
                              "coverage": with_data / len(cells) if cells else 1.0,
                              "cells_expected": len(cells), "cells_with_data": with_data,
                              "resource_types": dict(sorted(types.items()))})
        for k, v in (("total", total), ("compliant", compliant), ("violations", violations),
                     ("expected", len(cells)), ("with_data", with_data)):
            self.sums[k] += v

    def report(self):
        s = self.sums
        score, no_data = _score(s["compliant"], s["total"])
        return {
            "schema_version": 1,
            "client_id": self.client_id,
            "status": rollup(self.statuses),
            "reason": "",
            "overall": {"total": s["total"], "compliant": s["compliant"], "violations": s["violations"],
                        "score": score, "no_data": no_data,
                        "coverage": s["with_data"] / s["expected"] if s["expected"] else 1.0,
                        "cells_expected": s["expected"], "cells_with_data": s["with_data"]},
            "accounts": self.accounts,
            "skipped_accounts": self.skipped,
            "errors": {"permission_denied": sorted(self.denied)},
            "evidence_completeness": dict(sorted(self.evidence.items())),
            "violations": self.violations,
            "violations_truncated": self.truncated,
        }


def scanner_principal(world):
    for k in world.static_credentials:
        if k.account_id == world.settings.scanner_account_id:
            return k.principal_arn
    raise OracleError("the fixture names no scanner principal")


def expected_report(world, policy, scope, cell_cap=DEFAULT_CAP, report_cap=DEFAULT_CAP,
                    principal=None):
    """The expected report (dict) for world under policy (tagpolicy.Policy) and scope (dict)."""
    calls = _Calls(world)
    principal = principal or scanner_principal(world)
    categories = list(dict.fromkeys(scope.get("categories") or []))
    for c in categories:
        if c not in CATEGORIES:
            raise OracleError(f"scope: unknown category {c!r}")
    regions = list(dict.fromkeys(scope.get("regions") or []))
    role_name = scope.get("role_name", "CellScanReadOnly")
    accounts, skipped = discover(world, scope, principal, calls)
    result = Fold(scope.get("client_id", ""), skipped, report_cap)
    for account_id in accounts:
        failure = assume_outcome(world, calls, principal, account_id, scope)
        cells = []
        for category in categories:
            if failure is not None:
                reason, evidence, code = failure
                cells.append(failed_cell(account_id, category, evidence, reason, code))
                continue
            results = walk_cell(world, calls, account_id, role_name, category, regions, categories)
            cells.append(evaluate_cell(policy, account_id, category, results, cell_cap))
        result.add(account_id, cells)
    return result.report()


def main(argv=None):
    p = argparse.ArgumentParser(prog="oracle", description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--fixture")
    src.add_argument("--synthetic", metavar="SPEC")
    src.add_argument("--demo", action="store_true")
    p.add_argument("--policy", help="tag policy JSON (default: the empty policy)")
    p.add_argument("--scope", required=True, help="scope JSON")
    p.add_argument("--cell-violations", type=int, default=int(os.environ.get("CELLSCAN_CELL_VIOLATIONS", DEFAULT_CAP)))
    p.add_argument("--report-violations", type=int,
                   default=int(os.environ.get("CELLSCAN_REPORT_VIOLATIONS", DEFAULT_CAP)))
    args = p.parse_args(argv)
    import fixture
    import synthetic
    try:
        if args.synthetic:
            world = synthetic.SyntheticWorld(args.synthetic)
        else:
            world = fixture.load(fixture.DEMO_FIXTURE if args.demo else args.fixture)
        policy = tagpolicy.EMPTY
        if args.policy:
            with open(args.policy, "rb") as f:
                policy = tagpolicy.parse(f.read())
            for n in policy.notices:
                print(n, file=sys.stderr)
        with open(args.scope) as f:
            scope = json.load(f)
        report = expected_report(world, policy, scope, args.cell_violations, args.report_violations)
    except (OSError, ValueError, OracleError) as e:
        print(f"oracle: {e}", file=sys.stderr)
        return 2
    json.dump(report, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
