"""Deterministic resources with tags, for synthetic orgs and fixture `generate:` blocks.

Everything is derived from (seed, account key): the same inputs give the
same resources, in the same order, whenever they are asked for, so a large
organization never has to be materialised. Tags are made against the demo
tag policy (fixtures/demo-policy.json): a resource is drawn compliant with
probability `compliance`; otherwise it gets one or two defects of the kinds
the policy detects (missing key, wrong key case, invalid value, empty value,
or no tags at all).
"""
import random

from world import (EC2_INSTANCE, EC2_VOLUME, ECS_CLUSTER, ECS_SERVICE, EKS_CLUSTER,
                   LAMBDA_FUNCTION, OTHER, RDS_DB, S3_BUCKET, EPOCH, PARTITION, Resource,
                   stable_hex)

KIND_WEIGHTS = (
    (EC2_INSTANCE, 24), (EC2_VOLUME, 18), (S3_BUCKET, 8), (RDS_DB, 8), (LAMBDA_FUNCTION, 14),
    (ECS_CLUSTER, 4), (ECS_SERVICE, 8), (EKS_CLUSTER, 4), (OTHER, 12),
)
_KINDS = [k for k, _ in KIND_WEIGHTS]
_WEIGHTS = [w for _, w in KIND_WEIGHTS]

COST_CENTERS = ("1001", "1042", "2001", "2300", "3150")
OWNERS = ("team-payments@example.com", "team-search@example.com", "platform@example.com",
          "data-eng@example.com")
ENVIRONMENTS = ("prod", "staging", "dev")
DATA_CLASSES = ("public", "internal", "confidential")


def _compliant_tags(rng, kind):
    tags = [("CostCenter", rng.choice(COST_CENTERS)), ("Owner", rng.choice(OWNERS)),
            ("Environment", rng.choice(ENVIRONMENTS))]
    if kind in (S3_BUCKET, RDS_DB) and rng.random() < 0.5:
        tags.append(("DataClass", rng.choice(DATA_CLASSES)))
    if rng.random() < 0.5:
        tags.insert(0, ("Name", f"res-{rng.randrange(10000)}"))
    return tags


def _replace(tags, key, new_key, new_value):
    return [(new_key, new_value) if k == key else (k, v) for k, v in tags]


def _defect(rng, kind, tags):
    choices = ["missing_cost", "missing_owner", "missing_env", "case_cost", "case_env",
               "case_owner", "bad_env", "bad_cost", "empty_owner", "blank_cost"]
    if kind in (S3_BUCKET, RDS_DB):
        choices.append("bad_dataclass")
    d = rng.choice(choices)
    val = dict(tags)
    if d == "missing_cost":
        return [t for t in tags if t[0] != "CostCenter"]
    if d == "missing_owner":
        return [t for t in tags if t[0] != "Owner"]
    if d == "missing_env":
        return [t for t in tags if t[0] != "Environment"]
    if d == "case_cost":
        return _replace(tags, "CostCenter", "costcenter", val.get("CostCenter", "1001"))
    if d == "case_env":
        return _replace(tags, "Environment", "environment", val.get("Environment", "prod"))
    if d == "case_owner":
        return _replace(tags, "Owner", "OWNER", val.get("Owner", "x@example.com"))
    if d == "bad_env":
        return _replace(tags, "Environment", "Environment", rng.choice(("production", "Prod", "qa")))
    if d == "bad_cost":
        return _replace(tags, "CostCenter", "CostCenter", rng.choice(("9999", "abc", "0001")))
    if d == "empty_owner":
        return _replace(tags, "Owner", "Owner", "")
    if d == "blank_cost":
        return _replace(tags, "CostCenter", "CostCenter", "  ")
    # bad_dataclass
    return [t for t in tags if t[0] != "DataClass"] + [("DataClass", "secret")]


def make_tags(rng, kind, compliance):
    tags = _compliant_tags(rng, kind)
    if rng.random() < compliance:
        return tags
    if rng.random() < 0.08 and kind != OTHER:
        return []
    for _ in range(1 if rng.random() < 0.7 else 2):
        tags = _defect(rng, kind, tags)
    return tags


def generate(seed, account_id, key, count, compliance, regions):
    """(regional, buckets) for one account.

    regional: {region: {kind: [Resource]}}; buckets: [Resource] (s3, with home region).
    key: what makes names unique (an account index or id)."""
    rng = random.Random(f"awssim:{seed}:{key}")
    regions = list(regions)
    regional = {r: {} for r in regions}
    buckets = []
    clusters = {r: [] for r in regions}
    for n in range(count):
        kind = rng.choices(_KINDS, _WEIGHTS)[0]
        region = regions[n % len(regions)] if n < len(regions) else rng.choice(regions)
        if kind == ECS_SERVICE and not clusters[region]:
            kind = ECS_CLUSTER
        tags = make_tags(rng, kind, compliance)
        h = stable_hex(seed, key, n, n=17)
        created = EPOCH.replace(day=1 + n % 28, hour=n % 24)
        if kind == S3_BUCKET:
            res = Resource(S3_BUCKET, account_id, region, f"cs-{seed}-{key}-b{n}", tags,
                           {"created": created})
            buckets.append(res)
            continue
        if kind == EC2_INSTANCE:
            res = Resource(kind, account_id, region, f"i-{h}", tags, {
                "type": rng.choice(("t3.micro", "m5.large", "c6g.xlarge")),
                "state": "running" if rng.random() < 0.85 else "stopped", "launched": created})
        elif kind == EC2_VOLUME:
            res = Resource(kind, account_id, region, f"vol-{h}", tags, {
                "size": rng.choice((8, 20, 100, 500)), "created": created})
        elif kind == RDS_DB:
            res = Resource(kind, account_id, region, f"db-{key}-{n}", tags, {
                "engine": rng.choice(("postgres", "mysql", "aurora-postgresql")), "created": created})
        elif kind == LAMBDA_FUNCTION:
            res = Resource(kind, account_id, region, f"fn-{key}-{n}", tags, {
                "runtime": rng.choice(("python3.11", "nodejs18.x", "java17")), "created": created})
        elif kind == ECS_CLUSTER:
            res = Resource(kind, account_id, region, f"cluster-{key}-{n}", tags, {"created": created})
            clusters[region].append(res.name)
        elif kind == ECS_SERVICE:
            res = Resource(kind, account_id, region, f"svc-{key}-{n}", tags, {
                "cluster": rng.choice(clusters[region]), "created": created})
        elif kind == EKS_CLUSTER:
            res = Resource(kind, account_id, region, f"eks-{key}-{n}", tags, {
                "version": rng.choice(("1.27", "1.28", "1.29")), "created": created})
        else:
            res = _other(rng, account_id, region, key, n, tags)
        regional[region].setdefault(kind, []).append(res)
    return regional, buckets


def _other(rng, account_id, region, key, n, tags):
    p = PARTITION
    which = rng.choice(("dynamodb", "sns", "sqs"))
    if which == "dynamodb":
        arn = f"arn:{p}:dynamodb:{region}:{account_id}:table/table-{key}-{n}"
    elif which == "sns":
        arn = f"arn:{p}:sns:{region}:{account_id}:topic-{key}-{n}"
    else:
        arn = f"arn:{p}:sqs:{region}:{account_id}:queue-{key}-{n}"
    # The tagging API only lists resources that have (or had) tags.
    if not tags:
        tags = [("Owner", rng.choice(OWNERS))]
    return Resource(OTHER, account_id, region, arn.rsplit(":", 1)[-1], tags, {}, arn=arn)
