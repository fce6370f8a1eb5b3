"""Load a fixture file (YAML or JSON) into a World. The format is in README.md."""
import datetime
import json
import os

import yaml

import generator
import regions as regions_mod
from world import (EC2_INSTANCE, EC2_VOLUME, ECS_CLUSTER, ECS_SERVICE, EKS_CLUSTER, EPOCH,
                   LAMBDA_FUNCTION, OTHER, PARTITION, RDS_DB, S3_BUCKET, Account, OrgUnit,
                   Organization, Resource, Role, Settings, StaticKey, World, stable_hex)

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO_FIXTURE = os.path.join(HERE, "fixtures", "demo.yaml")


class FixtureError(ValueError):
    pass


def load(path):
    with open(path) as f:
        text = f.read()
    data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    return FixtureWorld(data, source=path)


def _tags(raw, where):
    if raw is None:
        return None
    if isinstance(raw, dict):
        return [(str(k), "" if v is None else str(v)) for k, v in raw.items()]
    if isinstance(raw, list):
        out = []
        for t in raw:
            if isinstance(t, dict) and "Key" in t:
                out.append((str(t["Key"]), str(t.get("Value", ""))))
            elif isinstance(t, (list, tuple)) and len(t) == 2:
                out.append((str(t[0]), str(t[1])))
            else:
                raise FixtureError(f"{where}: a tag is a mapping entry, {{Key, Value}} or [key, value]")
        return out
    raise FixtureError(f"{where}: tags must be a mapping or a list")


def _time(v, default=EPOCH):
    if v is None:
        return default
    if isinstance(v, datetime.datetime):
        return v if v.tzinfo else v.replace(tzinfo=datetime.timezone.utc)
    if isinstance(v, datetime.date):
        return datetime.datetime(v.year, v.month, v.day, tzinfo=datetime.timezone.utc)
    d = datetime.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    return d if d.tzinfo else d.replace(tzinfo=datetime.timezone.utc)


def _account_id(v, where):
    s = str(v)
    if len(s) != 12 or not s.isdigit():
        raise FixtureError(f"{where}: account ids are 12 digits, got {v!r}")
    return s


class FixtureWorld(World):
    def __init__(self, data, source="<fixture>"):
        if not isinstance(data, dict):
            raise FixtureError(f"{source}: the fixture is a mapping")
        self.source = source
        s = data.get("settings") or {}
        ps = dict(s.get("page_size") or {})
        self.settings = Settings(page_size=ps, default_page_size=int(ps.pop("default", 5)),
                                 seed=int(s.get("seed", 0)),
                                 request_log_size=int(s.get("request_log_size", 50000)))
        self._accounts = {}
        self._order = []
        self._ous = {}
        self._children = {}
        self._under = {}
        self._roles = {}
        self._regional = {}
        self._buckets = {}
        self._bucket_index = {}
        self._load_org(data.get("organization"))
        self._load_accounts(data.get("accounts") or [], data.get("role_defaults") or [])
        self._load_credentials(data)
        self.fixture_faults = list(data.get("faults") or [])
        self.imds = data.get("imds")
        self.container = data.get("container_credentials")
        self.web_identity = list(data.get("web_identity") or [])

    # ---- loading ----

    def _load_org(self, org):
        if not org:
            self.org = None
            return
        mgmt = _account_id(org.get("management_account"), "organization.management_account")
        org_id = org.get("id") or "o-" + stable_hex("org", mgmt, n=10)
        root_id = org.get("root_id") or "r-" + stable_hex("root", org_id, n=4)
        self.org = Organization(org_id, mgmt, org.get("management_email", f"aws+{mgmt}@example.com"),
                                root_id, org.get("feature_set", "ALL"))
        self._children[root_id] = []
        self._under[root_id] = []

    def _ou_for_path(self, path):
        if self.org is None:
            raise FixtureError(f"account ou {path!r} given but the fixture has no organization")
        parent = self.org.root_id
        sofar = []
        for name in [p for p in path.split("/") if p]:
            sofar.append(name)
            key = "/".join(sofar)
            ou = self._ous.get(key)
            if ou is None:
                ou_id = f"ou-{self.org.root_id[2:]}-{stable_hex('ou', self.org.id, key, n=8)}"
                ou = OrgUnit(ou_id, name, parent, key)
                self._ous[key] = ou
                self._ous[ou_id] = ou
                self._children.setdefault(parent, []).append(ou)
                self._children[ou_id] = []
                self._under[ou_id] = []
            parent = ou.id
        return parent

    def _load_accounts(self, accounts, role_defaults):
        for i, a in enumerate(accounts):
            where = f"accounts[{i}]"
            aid = _account_id(a.get("id"), where + ".id")
            if aid in self._accounts:
                raise FixtureError(f"{where}: duplicate account {aid}")
            status = a.get("status", "ACTIVE")
            if status not in ("ACTIVE", "SUSPENDED"):
                raise FixtureError(f"{where}.status: ACTIVE or SUSPENDED, got {status!r}")
            opt_in = list(a.get("opt_in_regions") or [])
            for r in opt_in:
                if not regions_mod.is_opt_in(r):
                    raise FixtureError(f"{where}.opt_in_regions: {r} is not an opt-in region")
            parent = None
            if self.org is not None and a.get("in_organization", True):
                parent = self._ou_for_path(a.get("ou") or "")
            acct = Account(aid, a.get("name", f"account-{aid}"), a.get("email", f"aws+{aid}@example.com"),
                           status, parent, opt_in, _time(a.get("joined")),
                           a.get("joined_method", "CREATED"), index=len(self._order))
            self._accounts[aid] = acct
            if parent is not None:
                self._order.append(acct)
                self._under[parent].append(acct)
            self._load_roles(acct, role_defaults, a)
            self._load_resources(acct, a, where)
        if self.org is not None and self.org.management_account_id not in self._accounts:
            raise FixtureError("organization.management_account is not among accounts")

    def _load_roles(self, acct, defaults, a):
        roles = {}
        for spec in ([] if a.get("no_default_roles") else defaults) + list(a.get("roles") or []):
            r = Role(acct.id, spec["name"], [str(t) for t in spec.get("trust") or []],
                     spec.get("external_id"), int(spec.get("max_session_duration", 3600)),
                     spec.get("deny_actions") or (), spec.get("web_identity"))
            roles[r.name] = r
        self._roles[acct.id] = roles

    def _load_resources(self, acct, a, where):
        reg = {}
        buckets = []
        for region, kinds in (a.get("resources") or {}).items():
            if not regions_mod.is_region(region):
                raise FixtureError(f"{where}.resources: unknown region {region}")
            reg[region] = self._regional_resources(acct.id, region, kinds or {}, f"{where}.{region}")
        for j, b in enumerate(a.get("s3_buckets") or []):
            region = b.get("region", "us-east-1")
            attrs = {"created": _time(b.get("created")), "location_constraint": b.get("location_constraint")}
            buckets.append(Resource(S3_BUCKET, acct.id, region, b["name"],
                                    _tags(b.get("tags"), f"{where}.s3_buckets[{j}]") or [], attrs))
        gen = a.get("generate")
        if gen:
            g_regional, g_buckets = generator.generate(
                gen.get("seed", self.settings.seed), acct.id, acct.id, int(gen["count"]),
                float(gen.get("compliance", 0.7)), gen.get("regions") or ["us-east-1"])
            for region, kinds in g_regional.items():
                for kind, items in kinds.items():
                    reg.setdefault(region, {}).setdefault(kind, []).extend(items)
            buckets.extend(g_buckets)
        for b in buckets:
            if b.name in self._bucket_index:
                raise FixtureError(f"{where}: bucket name {b.name} is taken (names are global)")
            self._bucket_index[b.name] = b
        self._regional[acct.id] = reg
        self._buckets[acct.id] = buckets

    def _regional_resources(self, aid, region, kinds, where):
        out = {}

        def add(kind, name, raw, attrs, arn=None):
            tags = _tags(raw.get("tags"), f"{where}.{name}") or []
            out.setdefault(kind, []).append(Resource(kind, aid, region, name, tags, attrs, arn))

        for x in kinds.get("ec2_instances") or []:
            add(EC2_INSTANCE, x["id"], x, {"type": x.get("type", "t3.micro"),
                                           "state": x.get("state", "running"),
                                           "launched": _time(x.get("launched")),
                                           "reservation": x.get("reservation")})
        for x in kinds.get("ec2_volumes") or []:
            add(EC2_VOLUME, x["id"], x, {"size": int(x.get("size", 8)), "created": _time(x.get("created")),
                                         "attached_to": x.get("attached_to")})
        for x in kinds.get("rds_instances") or []:
            add(RDS_DB, x["id"], x, {"engine": x.get("engine", "postgres"), "created": _time(x.get("created"))})
        for x in kinds.get("lambda_functions") or []:
            add(LAMBDA_FUNCTION, x["name"], x, {"runtime": x.get("runtime", "python3.11"),
                                                "created": _time(x.get("created"))})
        for x in kinds.get("ecs_clusters") or []:
            add(ECS_CLUSTER, x["name"], x, {"created": _time(x.get("created"))})
            for s in x.get("services") or []:
                add(ECS_SERVICE, s["name"], s, {"cluster": x["name"], "created": _time(s.get("created"))})
        for x in kinds.get("eks_clusters") or []:
            add(EKS_CLUSTER, x["name"], x, {"version": str(x.get("version", "1.29")),
                                            "created": _time(x.get("created"))})
        for x in kinds.get("other") or []:
            arn = x["arn"]
            add(OTHER, arn.rsplit(":", 1)[-1], x, {}, arn)
        return out

    def _load_credentials(self, data):
        keys = []
        sc = data.get("scanner")
        if sc:
            acct = _account_id(sc.get("account"), "scanner.account")
            arn = f"arn:{PARTITION}:iam::{acct}:user/{sc.get('user', 'cellscan-scanner')}"
            keys.append(StaticKey(sc["access_key_id"], sc["secret_access_key"], acct, arn))
            self.settings.scanner_account_id = acct
        for i, c in enumerate(data.get("credentials") or []):
            acct = _account_id(c.get("account"), f"credentials[{i}].account")
            arn = (f"arn:{PARTITION}:iam::{acct}:root" if c.get("root")
                   else f"arn:{PARTITION}:iam::{acct}:user/{c.get('user', 'user')}")
            keys.append(StaticKey(c["access_key_id"], c["secret_access_key"], acct, arn))
        self.static_credentials = keys

    # ---- World interface ----

    def account(self, account_id):
        return self._accounts.get(account_id)

    def all_accounts(self):
        return list(self._accounts.values())

    def account_count(self):
        return len(self._order)

    def account_at(self, index):
        return self._order[index]

    def org_unit(self, ou_id):
        ou = self._ous.get(ou_id)
        return ou if ou is not None and ou.id == ou_id else None

    def child_org_units(self, parent_id):
        return self._children.get(parent_id)

    def accounts_under(self, parent_id):
        return self._under.get(parent_id)

    def role(self, account_id, name):
        return self._roles.get(account_id, {}).get(name)

    def resources(self, account_id, region, kind):
        return self._regional.get(account_id, {}).get(region, {}).get(kind, [])

    def buckets(self, account_id):
        return self._buckets.get(account_id, [])

    def bucket(self, name):
        return self._bucket_index.get(name)
