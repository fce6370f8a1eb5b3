"""Lambda (rest-json): ListFunctions (Marker/MaxItems) and ListTags by ARN."""
from errors import ApiError
from world import LAMBDA_FUNCTION, stable_hex

NAME = "lambda"
SIGNING_NAME = "lambda"
IAM_PREFIX = "lambda"
REGION_RULE = "regional"


def _function(res):
    a = res.attrs
    created = a.get("created")
    return {
        "FunctionName": res.name, "FunctionArn": res.arn, "Runtime": a.get("runtime", "python3.11"),
        "Role": f"arn:aws:iam::{res.account_id}:role/lambda-exec", "Handler": "index.handler",
        "CodeSize": 1024, "Description": "", "Timeout": 30, "MemorySize": 128,
        "LastModified": created.strftime("%Y-%m-%dT%H:%M:%S.000+0000") if created else None,
        "CodeSha256": stable_hex("code", res.arn, n=43), "Version": "$LATEST",
        "PackageType": "Zip", "Architectures": ["x86_64"],
    }


def list_functions(call):
    items = call.world.resources(call.account_id, call.region, LAMBDA_FUNCTION)
    page, nxt = call.page(items, call.params.get("Marker"), call.params.get("MaxItems"))
    out = {"Functions": [_function(r) for r in page]}
    if nxt:
        out["NextMarker"] = nxt
    return out


def list_tags(call):
    arn = call.params["Resource"]
    parts = arn.split(":")
    if len(parts) < 7 or parts[:3] != ["arn", "aws", "lambda"] or parts[5] != "function":
        raise ApiError("ValidationException", f"1 validation error detected: Value '{arn}' at "
                       "'resource' failed to satisfy constraint: Member must satisfy regular "
                       "expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:.*", 400)
    if parts[4] != call.account_id:
        raise ApiError("AccessDeniedException", f"User: {call.cred.arn} is not authorized to "
                       f"perform: lambda:ListTags on resource: {arn}", 403)
    if parts[3] != call.region:
        raise ApiError("ResourceNotFoundException", f"Function not found: {arn}", 404,
                       {"Type": "User"})
    for r in call.world.resources(call.account_id, call.region, LAMBDA_FUNCTION):
        if r.name == parts[6]:
            return {"Tags": dict(r.tags)}
    raise ApiError("ResourceNotFoundException", f"Function not found: {arn}", 404, {"Type": "User"})


OPERATIONS = {"ListFunctions": list_functions, "ListTags": list_tags}
