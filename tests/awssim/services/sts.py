"""STS: AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity (query protocol)."""
NAME = "sts"
SIGNING_NAME = "sts"
IAM_PREFIX = "sts"
REGION_RULE = "regional"
# AssumeRoleWithWebIdentity is the one call botocore sends unsigned.
UNSIGNED_OPERATIONS = ("AssumeRoleWithWebIdentity",)


def _credentials(cred):
    return {"AccessKeyId": cred.access_key_id, "SecretAccessKey": cred.secret,
            "SessionToken": cred.token, "Expiration": cred.expiration}


def assume_role(call):
    p = call.params
    caller = call.cred
    call.log.update(role_arn=p["RoleArn"], caller_source=caller.source,
                    chained=caller.source == "assume_role",
                    external_id_given="ExternalId" in p, duration_s=p.get("DurationSeconds", 3600))
    cred = call.identity.assume_role(caller, p, call.now)
    call.log["issued_access_key_id"] = cred.access_key_id
    return {"Credentials": _credentials(cred),
            "AssumedRoleUser": {"AssumedRoleId": cred.user_id, "Arn": cred.arn}}


def assume_role_with_web_identity(call):
    cred, spec = call.identity.assume_role_with_web_identity(call.params, call.now)
    call.log.update(role_arn=call.params["RoleArn"], issued_access_key_id=cred.access_key_id)
    return {"Credentials": _credentials(cred),
            "SubjectFromWebIdentityToken": spec.get("subject", "system:serviceaccount:cellscan:worker"),
            "AssumedRoleUser": {"AssumedRoleId": cred.user_id, "Arn": cred.arn},
            "Provider": spec.get("provider", "oidc.example.com"),
            "Audience": spec.get("audience", "sts.amazonaws.com")}


def get_caller_identity(call):
    c = call.cred
    return {"UserId": c.user_id, "Account": c.account_id, "Arn": c.arn}


OPERATIONS = {
    "AssumeRole": assume_role,
    "AssumeRoleWithWebIdentity": assume_role_with_web_identity,
    "GetCallerIdentity": get_caller_identity,
}
