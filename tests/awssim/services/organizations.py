"""AWS Organizations (JSON 1.1): the org, its OU tree and accounts.

Only principals of the management account may list the organization;
members get AccessDeniedException, accounts outside it
AWSOrganizationsNotInUseException. DescribeOrganization works for members.
"""
import re

from errors import ApiError

NAME = "organizations"
SIGNING_NAME = "organizations"
IAM_PREFIX = "organizations"
REGION_RULE = "us-east-1"


def _org(call, members_too=False):
    world = call.world
    org = world.org
    acct = world.account(call.account_id)
    if org is None or acct is None or acct.parent_id is None:
        raise ApiError("AWSOrganizationsNotInUseException",
                       "Your account is not a member of an organization.")
    if not members_too and call.account_id != org.management_account_id:
        raise ApiError("AccessDeniedException", "You don't have permissions to access this resource.")
    return org


def _account(org, a):
    return {"Id": a.id, "Arn": org.account_arn(a.id), "Email": a.email, "Name": a.name,
            "Status": a.status, "JoinedMethod": a.joined_method, "JoinedTimestamp": a.joined}


def _page(call, seq, *scope):
    items, nxt = call.page(seq, call.params.get("NextToken"), call.params.get("MaxResults"), *scope)
    return items, nxt


def _out(key, items, nxt):
    out = {key: items}
    if nxt:
        out["NextToken"] = nxt
    return out


def describe_organization(call):
    org = _org(call, members_too=True)
    return {"Organization": {
        "Id": org.id, "Arn": org.arn(), "FeatureSet": org.feature_set,
        "MasterAccountArn": org.account_arn(org.management_account_id),
        "MasterAccountId": org.management_account_id, "MasterAccountEmail": org.management_email,
        "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}}


def list_roots(call):
    org = _org(call)
    items, nxt = _page(call, [org.root_id])
    return _out("Roots", [{"Id": r, "Arn": org.root_arn(), "Name": "Root", "PolicyTypes": []}
                          for r in items], nxt)


def _parent_exists(call, org, parent_id):
    if parent_id != org.root_id and call.world.org_unit(parent_id) is None:
        raise ApiError("ParentNotFoundException", "We can't find a root or OU with the ParentId "
                       "that you specified.")


def list_organizational_units_for_parent(call):
    org = _org(call)
    parent = call.params["ParentId"]
    _parent_exists(call, org, parent)
    ous = call.world.child_org_units(parent) or []
    items, nxt = _page(call, ous, parent)
    return _out("OrganizationalUnits", [{"Id": o.id, "Arn": org.ou_arn(o.id), "Name": o.name}
                                        for o in items], nxt)


def list_accounts_for_parent(call):
    org = _org(call)
    parent = call.params["ParentId"]
    _parent_exists(call, org, parent)
    items, nxt = _page(call, call.world.accounts_under(parent) or [], parent)
    return _out("Accounts", [_account(org, a) for a in items], nxt)


class _AllAccounts:
    def __init__(self, world):
        self.world = world

    def __len__(self):
        return self.world.account_count()

    def __getitem__(self, s):
        return [self.world.account_at(i) for i in range(*s.indices(len(self)))]


def list_accounts(call):
    org = _org(call)
    items, nxt = _page(call, _AllAccounts(call.world))
    return _out("Accounts", [_account(org, a) for a in items], nxt)


def list_parents(call):
    org = _org(call)
    child = call.params["ChildId"]
    if re.fullmatch(r"\d{12}", child):
        a = call.world.account(child)
        parent = a.parent_id if a is not None else None
    else:
        ou = call.world.org_unit(child)
        parent = ou.parent_id if ou is not None else None
    if parent is None:
        raise ApiError("ChildNotFoundException", "We can't find an organizational unit (OU) or "
                       "AWS account with the ChildId that you specified.")
    kind = "ROOT" if parent == org.root_id else "ORGANIZATIONAL_UNIT"
    items, nxt = _page(call, [parent], child)
    return _out("Parents", [{"Id": p, "Type": kind} for p in items], nxt)


def describe_account(call):
    org = _org(call)
    a = call.world.account(call.params["AccountId"])
    if a is None or a.parent_id is None:
        raise ApiError("AccountNotFoundException", "You specified an account that doesn't exist.")
    return {"Account": _account(org, a)}


OPERATIONS = {
    "DescribeOrganization": describe_organization,
    "ListRoots": list_roots,
    "ListOrganizationalUnitsForParent": list_organizational_units_for_parent,
    "ListAccountsForParent": list_accounts_for_parent,
    "ListAccounts": list_accounts,
    "ListParents": list_parents,
    "DescribeAccount": describe_account,
}
