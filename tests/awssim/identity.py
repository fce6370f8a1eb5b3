"""Principals, credentials and STS sessions.

Every access key resolves to a Credential: its secret, an optional session
token and expiry, the principal and the account it acts in, and where it
came from (a long-term key, sts:AssumeRole, web identity, IMDS, the ECS
credentials endpoint). AssumeRole checks the target role's trust policy
(principal and sts:ExternalId) and duration limits the way IAM does.
"""
import base64
import datetime
import fnmatch
import os
import re
import secrets
import threading

from errors import ApiError
from world import PARTITION, parse_role_arn

_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

# Sources of temporary credentials.
STATIC = "static"
ASSUME_ROLE = "assume_role"
WEB_IDENTITY = "web_identity"
IMDS = "imds"
CONTAINER = "container"


class Credential:
    __slots__ = ("access_key_id", "secret", "token", "expiration", "account_id", "arn",
                 "user_id", "role", "source", "caller_arn", "expired")

    def __init__(self, access_key_id, secret, token, expiration, account_id, arn, user_id,
                 role=None, source=STATIC, caller_arn=None):
        self.access_key_id = access_key_id
        self.secret = secret
        self.token = token
        self.expiration = expiration
        self.account_id = account_id
        self.arn = arn
        self.user_id = user_id
        self.role = role              # world.Role for role sessions
        self.source = source
        self.caller_arn = caller_arn  # who called AssumeRole for it
        self.expired = False

    @property
    def temporary(self):
        return self.token is not None

    def is_expired(self, now):
        return self.expired or (self.expiration is not None and now >= self.expiration)

    def public(self):
        """What the admin API shows (never the secret or the token)."""
        return {"access_key_id": self.access_key_id, "account_id": self.account_id, "arn": self.arn,
                "source": self.source, "caller_arn": self.caller_arn,
                "expiration": self.expiration.isoformat() if self.expiration else None,
                "expired": self.expired}


def _new_key_id():
    return "ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def _new_secret():
    return base64.b64encode(os.urandom(30)).decode()


def _new_token():
    return "FwoGZXIvYXdzE" + base64.b64encode(os.urandom(264)).decode()


def _sts(code, message, status=400):
    return ApiError(code, message, status)


_SESSION_NAME = re.compile(r"[\w+=,.@-]*")


def role_allows(role, iam_action):
    """False when role (None = not a role session) denies iam_action."""
    return role is None or not any(fnmatch.fnmatchcase(iam_action, p) for p in role.deny_actions)


def trusts(role, principal_arn, principal_account, caller_role=None):
    """Whether role's trust policy lets the principal (or a session of caller_role) assume it."""
    for t in role.trust:
        if t == "*" or t == principal_arn:
            return True
        if t in (principal_account, f"arn:{PARTITION}:iam::{principal_account}:root"):
            return True
        if caller_role is not None and t == caller_role.arn:
            return True
    return False


class Identity:
    def __init__(self, world):
        self.world = world
        self._lock = threading.Lock()
        self._sessions = {}
        self._static = {}
        for k in world.static_credentials:
            self._static[k.access_key_id] = Credential(
                k.access_key_id, k.secret_access_key, None, None, k.account_id, k.principal_arn,
                k.user_id)

    # ---- lookup ----

    def lookup(self, access_key_id):
        c = self._static.get(access_key_id)
        if c is not None:
            return c
        with self._lock:
            return self._sessions.get(access_key_id)

    def sessions(self):
        with self._lock:
            return list(self._sessions.values())

    def expire(self, access_key_id=None, account_id=None):
        """Mark matching sessions expired; returns how many."""
        n = 0
        with self._lock:
            for c in self._sessions.values():
                if (access_key_id in (None, c.access_key_id)) and (account_id in (None, c.account_id)):
                    c.expired = True
                    n += 1
        return n

    def _prune(self, now):
        grace = datetime.timedelta(hours=1)
        dead = [k for k, c in self._sessions.items() if c.expiration and c.expiration + grace < now]
        for k in dead:
            del self._sessions[k]

    def _issue(self, role, session_name, duration, now, source, caller_arn):
        expiration = (now + datetime.timedelta(seconds=duration)).replace(microsecond=0)
        arn = f"arn:{PARTITION}:sts::{role.account_id}:assumed-role/{role.name}/{session_name}"
        cred = Credential(_new_key_id(), _new_secret(), _new_token(), expiration, role.account_id,
                          arn, f"{role.role_id}:{session_name}", role, source, caller_arn)
        with self._lock:
            if len(self._sessions) % 1024 == 0:
                self._prune(now)
            self._sessions[cred.access_key_id] = cred
        return cred

    # ---- permission checks ----

    @staticmethod
    def allowed(cred, iam_action):
        """False when the caller's role denies iam_action (e.g. "ec2:DescribeVolumes")."""
        return role_allows(cred.role, iam_action)

    # ---- STS ----

    def assume_role(self, caller, params, now):
        """Credential for sts:AssumeRole by caller; ApiError as STS answers."""
        role_arn = params["RoleArn"]
        session_name = params["RoleSessionName"]
        duration = params.get("DurationSeconds", 3600)
        parsed = parse_role_arn(role_arn)
        if parsed is None:
            raise _sts("ValidationError", f"{role_arn} is invalid")
        denied = _sts("AccessDenied", f"User: {caller.arn} is not authorized to perform: "
                      f"sts:AssumeRole on resource: {role_arn}", 403)
        account = self.world.account(parsed[0])
        role = self.world.role(parsed[0], parsed[1])
        if account is None or role is None or account.status != "ACTIVE":
            raise denied
        if not trusts(role, caller.arn, caller.account_id, caller.role):
            raise denied
        if role.external_id is not None and params.get("ExternalId") != role.external_id:
            raise denied
        if caller.source in (ASSUME_ROLE, WEB_IDENTITY) and duration > 3600:
            raise _sts("ValidationError", "The requested DurationSeconds exceeds the 1 hour session "
                       "limit for roles assumed by role chaining.")
        if duration > role.max_session_duration:
            raise _sts("ValidationError", "The requested DurationSeconds exceeds the "
                       "MaxSessionDuration set for this role.")
        return self._issue(role, session_name, duration, now, ASSUME_ROLE, caller.arn)

    def assume_role_with_web_identity(self, params, now):
        role_arn = params["RoleArn"]
        parsed = parse_role_arn(role_arn)
        if parsed is None:
            raise _sts("ValidationError", f"{role_arn} is invalid")
        role = self.world.role(*parsed)
        spec = None
        for w in self.world.web_identity:
            if w.get("role_arn") == role_arn:
                spec = w
        if role is not None and role.web_identity:
            spec = dict(role.web_identity, role_arn=role_arn)
        token = params["WebIdentityToken"]
        if spec is None or role is None:
            raise _sts("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)
        if token != spec.get("token"):
            raise _sts("InvalidIdentityToken", "Couldn't retrieve verification key from your "
                       "identity provider,  please reference AssumeRoleWithWebIdentity "
                       "documentation for requirements")
        duration = params.get("DurationSeconds", 3600)
        if duration > role.max_session_duration:
            raise _sts("ValidationError", "The requested DurationSeconds exceeds the "
                       "MaxSessionDuration set for this role.")
        cred = self._issue(role, params["RoleSessionName"], duration, now, WEB_IDENTITY,
                           spec.get("provider", "oidc.example.com"))
        return cred, spec

    def instance_credentials(self, role_arn, source, now, duration=21600):
        """Credentials the IMDS or container endpoint hands out for role_arn."""
        parsed = parse_role_arn(role_arn)
        role = self.world.role(*parsed) if parsed else None
        if role is None:
            raise ValueError(f"{source}: role {role_arn} is not in the fixture")
        name = "i-0123456789abcdef0" if source == IMDS else secrets.token_hex(16)
        return self._issue(role, name, duration, now, source, f"{source}.amazonaws.com")
