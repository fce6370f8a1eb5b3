"""The simulated AWS estate: organization, accounts, roles, resources.

Two implementations share this interface: fixture.FixtureWorld (loaded from
a YAML/JSON file) and synthetic.SyntheticWorld (derived on demand from a
seed, for very large organizations). Services, the identity layer and the
oracle only use the methods of World.
"""
import datetime
import hashlib

PARTITION = "aws"

# Resource kinds; the policy type strings of docs/policy.md.
EC2_INSTANCE = "ec2:instance"
EC2_VOLUME = "ec2:volume"
S3_BUCKET = "s3:bucket"
RDS_DB = "rds:db"
LAMBDA_FUNCTION = "lambda:function"
ECS_CLUSTER = "ecs:cluster"
ECS_SERVICE = "ecs:service"
EKS_CLUSTER = "eks:cluster"
OTHER = "other"   # only visible through the Resource Groups Tagging API

REGIONAL_KINDS = (EC2_INSTANCE, EC2_VOLUME, RDS_DB, LAMBDA_FUNCTION, ECS_CLUSTER,
                  ECS_SERVICE, EKS_CLUSTER, OTHER)

EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def stable_hex(*parts, n=16):
    """Deterministic lowercase hex of n chars from parts."""
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    while len(h) < n:
        h += hashlib.sha256(h.encode()).hexdigest()
    return h[:n]


def stable_upper(*parts, n=17, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"):
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:n])


class Account:
    __slots__ = ("id", "name", "email", "status", "parent_id", "opt_in_regions", "joined",
                 "joined_method", "index")

    def __init__(self, id, name, email, status, parent_id, opt_in_regions, joined,
                 joined_method="CREATED", index=0):
        self.id = id
        self.name = name
        self.email = email
        self.status = status
        self.parent_id = parent_id
        self.opt_in_regions = tuple(opt_in_regions)
        self.joined = joined
        self.joined_method = joined_method
        self.index = index


class OrgUnit:
    __slots__ = ("id", "name", "parent_id", "path")

    def __init__(self, id, name, parent_id, path):
        self.id = id
        self.name = name
        self.parent_id = parent_id
        self.path = path


class Organization:
    def __init__(self, id, management_account_id, management_email, root_id, feature_set="ALL"):
        self.id = id
        self.management_account_id = management_account_id
        self.management_email = management_email
        self.root_id = root_id
        self.feature_set = feature_set

    def arn(self):
        return f"arn:{PARTITION}:organizations::{self.management_account_id}:organization/{self.id}"

    def account_arn(self, account_id):
        return (f"arn:{PARTITION}:organizations::{self.management_account_id}:account/"
                f"{self.id}/{account_id}")

    def root_arn(self):
        return f"arn:{PARTITION}:organizations::{self.management_account_id}:root/{self.id}/{self.root_id}"

    def ou_arn(self, ou_id):
        return f"arn:{PARTITION}:organizations::{self.management_account_id}:ou/{self.id}/{ou_id}"


class Role:
    """An IAM role: who may assume it and what its sessions may do.

    trust: principal ARNs (user, role, account root) or account ids; "*" = anyone.
    external_id: required sts:ExternalId, or None.
    deny_actions: IAM actions (fnmatch patterns) its sessions are refused."""

    __slots__ = ("account_id", "name", "trust", "external_id", "max_session_duration",
                 "deny_actions", "web_identity")

    def __init__(self, account_id, name, trust, external_id=None, max_session_duration=3600,
                 deny_actions=(), web_identity=None):
        self.account_id = account_id
        self.name = name
        self.trust = tuple(trust)
        self.external_id = external_id
        self.max_session_duration = max_session_duration
        self.deny_actions = tuple(deny_actions)
        self.web_identity = web_identity  # {"token":..., "subject":..., ...} or None

    @property
    def arn(self):
        return f"arn:{PARTITION}:iam::{self.account_id}:role/{self.name}"

    @property
    def role_id(self):
        return "AROA" + stable_upper("role", self.arn, n=17)


class Resource:
    """One taggable resource. tags: list of (key, value) in the resource's order."""

    __slots__ = ("kind", "account_id", "region", "name", "arn", "tags", "attrs")

    def __init__(self, kind, account_id, region, name, tags, attrs=None, arn=None):
        self.kind = kind
        self.account_id = account_id
        self.region = region
        self.name = name
        self.tags = list(tags)
        self.attrs = dict(attrs or {})
        self.arn = arn or resource_arn(kind, account_id, region, name, self.attrs)

    def tag_dicts(self, key="Key", value="Value"):
        return [{key: k, value: v} for k, v in self.tags]


def resource_arn(kind, account_id, region, name, attrs):
    p = PARTITION
    if kind == EC2_INSTANCE:
        return f"arn:{p}:ec2:{region}:{account_id}:instance/{name}"
    if kind == EC2_VOLUME:
        return f"arn:{p}:ec2:{region}:{account_id}:volume/{name}"
    if kind == S3_BUCKET:
        return f"arn:{p}:s3:::{name}"
    if kind == RDS_DB:
        return f"arn:{p}:rds:{region}:{account_id}:db:{name}"
    if kind == LAMBDA_FUNCTION:
        return f"arn:{p}:lambda:{region}:{account_id}:function:{name}"
    if kind == ECS_CLUSTER:
        return f"arn:{p}:ecs:{region}:{account_id}:cluster/{name}"
    if kind == ECS_SERVICE:
        return f"arn:{p}:ecs:{region}:{account_id}:service/{attrs['cluster']}/{name}"
    if kind == EKS_CLUSTER:
        return f"arn:{p}:eks:{region}:{account_id}:cluster/{name}"
    raise ValueError(f"resource of kind {kind} needs an explicit arn")


def parse_role_arn(arn):
    """(account_id, role_name) of an IAM role ARN, or None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or parts[3] != "":
        return None
    acct, res = parts[4], parts[5]
    if not (len(acct) == 12 and acct.isdigit()) or not res.startswith("role/"):
        return None
    name = res[len("role/"):].rsplit("/", 1)[-1]
    return (acct, name) if name else None


class World:
    """Interface; see fixture.FixtureWorld and synthetic.SyntheticWorld."""

    org = None              # Organization or None
    settings = None         # Settings
    static_credentials = ()  # [StaticKey]
    fixture_faults = ()     # [dict]
    imds = None             # {"role_arn":..., "token_ttl_max":...} or None
    container = None        # {"relative_uri":..., "full_uri_path":..., "authorization_token":..., "role_arn":...}
    web_identity = ()       # [{"role_arn", "token", "subject", "provider", "audience"}]

    def account(self, account_id):
        raise NotImplementedError

    def account_count(self):
        raise NotImplementedError

    def account_at(self, index):
        """The index-th account in ListAccounts order."""
        raise NotImplementedError

    def org_unit(self, ou_id):
        raise NotImplementedError

    def child_org_units(self, parent_id):
        raise NotImplementedError

    def accounts_under(self, parent_id):
        """Sequence (len, index, slice) of the accounts directly under parent_id."""
        raise NotImplementedError

    def role(self, account_id, name):
        raise NotImplementedError

    def resources(self, account_id, region, kind):
        """List of Resource of kind in (account, region)."""
        raise NotImplementedError

    def buckets(self, account_id):
        raise NotImplementedError

    def bucket(self, name):
        """(Resource) for a bucket name, whoever owns it, or None."""
        raise NotImplementedError

    def scanner_account_id(self):
        return self.settings.scanner_account_id


class Settings:
    """Page sizes and other knobs. page_size: {service: int | {operation: int}}."""

    def __init__(self, page_size=None, default_page_size=5, seed=0, request_log_size=50000):
        self.page_size = dict(page_size or {})
        self.default_page_size = default_page_size
        self.seed = seed
        self.request_log_size = request_log_size
        self.scanner_account_id = None

    def page_cap(self, service, operation):
        v = self.page_size.get(service)
        if isinstance(v, dict):
            v = v.get(operation, v.get("default"))
        return int(v) if v else self.default_page_size


class StaticKey:
    """A long-term access key of an IAM user (or an account root)."""

    __slots__ = ("access_key_id", "secret_access_key", "account_id", "principal_arn", "user_id")

    def __init__(self, access_key_id, secret_access_key, account_id, principal_arn):
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.account_id = account_id
        self.principal_arn = principal_arn
        if principal_arn.endswith(":root"):
            self.user_id = account_id
        else:
            self.user_id = "AIDA" + stable_upper("user", principal_arn, n=17)
