"""A synthetic organization derived from a seed, without materialising it.

Spec: "accounts=N,resources=M,seed=S,compliance=C" plus optional
regions=r1:r2, page=P, suspended=F, denied=F, optin=r1:r2,
external_id=X. M is resources per account. Account i (0 = management) is
computed from (seed, i) whenever it is asked for; each account's resources
come from generator.generate(seed, i) and only a few accounts' worth are
cached at a time. Page tokens carry positions, so listing 10,000 accounts
costs what one page costs.
"""
import collections
import random
import threading

import generator
import regions as regions_mod
from world import (EPOCH, PARTITION, Account, OrgUnit, Organization, Role, Settings, StaticKey,
                   World, stable_hex)

EXAMPLE_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ORG_ROLE = "CellScanOrgDiscovery"
MEMBER_ROLE = "CellScanReadOnly"
SCANNER_USER = "cellscan-scanner"

# Root -> Workloads -> {Prod, Dev}; Root -> Security; Root -> Sandbox.
# Member accounts are dealt round-robin to the four leaf slots.
_OU_LAYOUT = (("workloads", "Workloads", None), ("prod", "Prod", "workloads"),
              ("dev", "Dev", "workloads"), ("security", "Security", None),
              ("sandbox", "Sandbox", None))
_LEAF_SLOTS = ("prod", "dev", "security", "sandbox")


def parse_spec(spec):
    out = {"accounts": 10, "resources": 20, "seed": 1, "compliance": 0.7,
           "regions": ["us-east-1", "eu-west-1"], "page": 20, "suspended": 0.0,
           "denied": 0.0, "optin": [], "external_id": "cellscan-demo"}
    for part in spec.split(","):
        if not part.strip():
            continue
        k, sep, v = part.partition("=")
        k = k.strip()
        if not sep or k not in out:
            raise ValueError(f"synthetic spec: unknown or malformed item {part!r}")
        if k in ("regions", "optin"):
            out[k] = [r for r in v.split(":") if r]
            for r in out[k]:
                if not regions_mod.is_region(r):
                    raise ValueError(f"synthetic spec: unknown region {r}")
        elif k in ("compliance", "suspended", "denied"):
            out[k] = float(v)
            if not 0.0 <= out[k] <= 1.0:
                raise ValueError(f"synthetic spec: {k} is a ratio in [0, 1]")
        elif k == "external_id":
            out[k] = v
        else:
            out[k] = int(v)
    if not 1 <= out["accounts"] <= 1000000:
        raise ValueError("synthetic spec: accounts is 1..1000000")
    if out["resources"] < 0 or out["page"] < 1:
        raise ValueError("synthetic spec: resources >= 0 and page >= 1")
    return out


class _AccountSlice:
    """Accounts with index first + step*k, for k < count: a lazy sequence."""

    def __init__(self, world, first, step, count):
        self.world, self.first, self.step, self.count = world, first, step, count

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self.count))]
        if i < 0:
            i += self.count
        if not 0 <= i < self.count:
            raise IndexError(i)
        return self.world.account_at(self.first + self.step * i)


class SyntheticWorld(World):
    CACHE_ACCOUNTS = 64

    def __init__(self, spec):
        self.spec = parse_spec(spec) if isinstance(spec, str) else dict(spec)
        sp = self.spec
        self.n = sp["accounts"]
        self.seed = sp["seed"]
        self.base = 100000000000 + (self.seed % 800) * 1000000
        mgmt = self._id(0)
        self.settings = Settings(page_size={}, default_page_size=sp["page"], seed=self.seed)
        self.settings.scanner_account_id = mgmt
        org_id = "o-" + stable_hex("org", self.seed, n=10)
        self.org = Organization(org_id, mgmt, f"aws+{mgmt}@example.com",
                                "r-" + stable_hex("root", org_id, n=4))
        self._ous = {}
        self._ou_by_slot = {}
        for slot, name, parent in _OU_LAYOUT:
            ou_id = f"ou-{self.org.root_id[2:]}-{stable_hex('ou', org_id, slot, n=8)}"
            parent_id = self._ou_by_slot[parent].id if parent else self.org.root_id
            ou = OrgUnit(ou_id, name, parent_id, slot)
            self._ous[ou_id] = ou
            self._ou_by_slot[slot] = ou
        self.scanner_arn = f"arn:{PARTITION}:iam::{mgmt}:user/{SCANNER_USER}"
        self.static_credentials = [StaticKey(EXAMPLE_ACCESS_KEY, EXAMPLE_SECRET_KEY, mgmt,
                                             self.scanner_arn)]
        self._cache = collections.OrderedDict()
        self._lock = threading.Lock()

    # ---- ids ----

    def _id(self, i):
        return f"{self.base + i:012d}"

    def _index(self, account_id):
        if not (isinstance(account_id, str) and len(account_id) == 12 and account_id.isdigit()):
            return None
        i = int(account_id) - self.base
        return i if 0 <= i < self.n else None

    def _draw(self, what, i):
        return random.Random(f"awssim:{self.seed}:{what}:{i}").random()

    # ---- accounts and OUs ----

    def account_count(self):
        return self.n

    def account_at(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        aid = self._id(i)
        if i == 0:
            parent = self.org.root_id
            name = "management"
        else:
            parent = self._ou_by_slot[_LEAF_SLOTS[(i - 1) % 4]].id
            name = f"member-{i:05d}"
        status = "SUSPENDED" if i and self._draw("suspended", i) < self.spec["suspended"] else "ACTIVE"
        return Account(aid, name, f"aws+{aid}@example.com", status, parent, self.spec["optin"],
                       EPOCH, "CREATED" if i % 3 else "INVITED", index=i)

    def account(self, account_id):
        i = self._index(account_id)
        return None if i is None else self.account_at(i)

    def all_accounts(self):
        return _AccountSlice(self, 0, 1, self.n)

    def org_unit(self, ou_id):
        return self._ous.get(ou_id)

    def child_org_units(self, parent_id):
        if parent_id != self.org.root_id and parent_id not in self._ous:
            return None
        return [ou for ou in self._ous.values() if ou.parent_id == parent_id]

    def accounts_under(self, parent_id):
        if parent_id == self.org.root_id:
            return _AccountSlice(self, 0, 1, 1)
        ou = self._ous.get(parent_id)
        if ou is None:
            return None
        if ou.path not in _LEAF_SLOTS:
            return _AccountSlice(self, 0, 1, 0)
        s = _LEAF_SLOTS.index(ou.path)
        first = 1 + s
        count = 0 if first >= self.n else (self.n - first + 3) // 4
        return _AccountSlice(self, first, 4, count)

    # ---- roles ----

    def role(self, account_id, name):
        i = self._index(account_id)
        if i is None:
            return None
        if name == ORG_ROLE and i == 0:
            return Role(account_id, name, [self.scanner_arn], None, 43200)
        if name == MEMBER_ROLE:
            denied = i and self._draw("denied", i) < self.spec["denied"]
            trust = [] if denied else [self.scanner_arn]
            return Role(account_id, name, trust, self.spec["external_id"] or None, 43200)
        return None

    # ---- resources ----

    def _account_resources(self, i):
        with self._lock:
            hit = self._cache.get(i)
            if hit is not None:
                self._cache.move_to_end(i)
                return hit
        made = generator.generate(self.seed, self._id(i), i, self.spec["resources"],
                                  self.spec["compliance"], self.spec["regions"])
        with self._lock:
            self._cache[i] = made
            while len(self._cache) > self.CACHE_ACCOUNTS:
                self._cache.popitem(last=False)
        return made

    def resources(self, account_id, region, kind):
        i = self._index(account_id)
        if i is None:
            return []
        return self._account_resources(i)[0].get(region, {}).get(kind, [])

    def buckets(self, account_id):
        i = self._index(account_id)
        return [] if i is None else self._account_resources(i)[1]

    def bucket(self, name):
        # Generated names are cs-<seed>-<account index>-b<n>.
        parts = name.split("-")
        if len(parts) != 4 or parts[0] != "cs" or parts[1] != str(self.seed) or not parts[2].isdigit():
            return None
        i = int(parts[2])
        if not 0 <= i < self.n:
            return None
        for b in self._account_resources(i)[1]:
            if b.name == name:
                return b
        return None
