"""The simulated services, one module each, and what a handler gets to see.

A service module defines NAME (botocore service name), SIGNING_NAME (the
SigV4 scope's service), IAM_PREFIX, REGION_RULE and OPERATIONS (operation
name -> handler(call) returning the output dict, shaped like boto3's).
"""
import errors
from pagination import BadToken


class Call:
    """One authenticated API call, as handlers see it."""

    def __init__(self, service, operation, region, cred, world, identity, paginator, now, params):
        self.service = service
        self.operation = operation
        self.region = region
        self.cred = cred
        self.world = world
        self.identity = identity
        self.paginator = paginator
        self.now = now
        self.params = params
        self.log = {}     # extra request-log fields a handler wants recorded

    @property
    def account_id(self):
        return self.cred.account_id if self.cred is not None else None

    def error(self, kind, message=None, **extra):
        return errors.error(kind, self.service, message, extra or None)

    def page_size(self, requested):
        cap = self.world.settings.page_cap(self.service, self.operation)
        return min(requested, cap) if requested else cap

    def page(self, seq, token, requested, *scope):
        """(items, next_token) of seq; a foreign or bad token is the service's error."""
        full_scope = (self.service, self.operation, self.account_id, self.region) + scope
        try:
            return self.paginator.page(seq, token, self.page_size(requested), full_scope)
        except (BadToken, ValueError):
            if self.service == "organizations":
                raise self.error("bad_page_token", Reason="INVALID_PAGINATION_TOKEN")
            raise self.error("bad_page_token")


def _registry():
    from services import ec2, ecs, eks, awslambda, organizations, rds, s3, sts, tagging
    mods = (sts, organizations, ec2, s3, rds, awslambda, ecs, eks, tagging)
    return {m.SIGNING_NAME: m for m in mods}


_BY_SIGNING_NAME = None


def by_signing_name(name):
    global _BY_SIGNING_NAME
    if _BY_SIGNING_NAME is None:
        _BY_SIGNING_NAME = _registry()
    return _BY_SIGNING_NAME.get(name)


def by_name(name):
    """The module of a botocore service name (e.g. "resourcegroupstaggingapi")."""
    for mod in all_services():
        if mod.NAME == name:
            return mod
    return None


def all_services():
    by_signing_name("sts")
    return list(_BY_SIGNING_NAME.values())


def iam_action(mod, operation):
    return getattr(mod, "IAM_ACTIONS", {}).get(operation, f"{mod.IAM_PREFIX}:{operation}")
