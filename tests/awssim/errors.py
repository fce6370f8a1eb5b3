"""The error codes each service answers with, in one table.

ApiError carries (code, message, HTTP status, extra body fields). The
catalogue maps a generic kind (bad signature, throttled, ...) to what the
named service really sends for it; protocols.py renders it on the wire.
"""


class ApiError(Exception):
    def __init__(self, code, message, status=400, extra=None, headers=None, sender=True):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        self.sender = sender


# Services by protocol family, for the defaults below.
QUERY = ("sts", "rds")
JSON = ("organizations", "ecs", "resourcegroupstaggingapi")
REST_JSON = ("lambda", "eks")

_AUTH_INVALID_TOKEN = "The security token included in the request is invalid."
_AUTH_EXPIRED = "The security token included in the request is expired"
_SIG_MISMATCH = ("The request signature we calculated does not match the signature you provided. "
                 "Check your AWS Secret Access Key and signing method. "
                 "Consult the service documentation for details.")

# kind -> {service: (code, status, message)}; "*query", "*json", "*rest-json" are
# the defaults of a protocol family.
CATALOGUE = {
    "unknown_key": {
        "*query": ("InvalidClientTokenId", 403, _AUTH_INVALID_TOKEN),
        "ec2": ("AuthFailure", 401, "AWS was not able to validate the provided access credentials"),
        "s3": ("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."),
        "*json": ("UnrecognizedClientException", 400, _AUTH_INVALID_TOKEN),
        "*rest-json": ("UnrecognizedClientException", 403, _AUTH_INVALID_TOKEN),
    },
    "bad_token": {  # a session token that does not belong to the key
        "*query": ("InvalidClientTokenId", 403, _AUTH_INVALID_TOKEN),
        "ec2": ("AuthFailure", 401, "AWS was not able to validate the provided access credentials"),
        "s3": ("InvalidToken", 400, "The provided token is malformed or otherwise invalid."),
        "*json": ("UnrecognizedClientException", 400, _AUTH_INVALID_TOKEN),
        "*rest-json": ("UnrecognizedClientException", 403, _AUTH_INVALID_TOKEN),
    },
    "signature": {
        "*query": ("SignatureDoesNotMatch", 403, _SIG_MISMATCH),
        "ec2": ("AuthFailure", 401, "AWS was not able to validate the provided access credentials"),
        "s3": ("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the "
               "signature you provided. Check your key and signing method."),
        "*json": ("InvalidSignatureException", 400, _SIG_MISMATCH),
        "*rest-json": ("InvalidSignatureException", 403, _SIG_MISMATCH),
    },
    "expired_token": {
        "*query": ("ExpiredToken", 403, _AUTH_EXPIRED),
        "ec2": ("RequestExpired", 400, "Request has expired."),
        "s3": ("ExpiredToken", 400, "The provided token has expired."),
        "*json": ("ExpiredTokenException", 400, _AUTH_EXPIRED),
        "*rest-json": ("ExpiredTokenException", 403, _AUTH_EXPIRED),
    },
    "skew": {  # message is filled in by auth.py
        "*query": ("SignatureDoesNotMatch", 403, "Signature expired"),
        "ec2": ("RequestExpired", 400, "Request has expired."),
        "s3": ("RequestTimeTooSkewed", 403,
               "The difference between the request time and the current time is too large."),
        "*json": ("InvalidSignatureException", 400, "Signature expired"),
        "*rest-json": ("InvalidSignatureException", 403, "Signature expired"),
    },
    "missing_auth": {
        "*query": ("MissingAuthenticationToken", 403, "Request is missing Authentication Token"),
        "ec2": ("AuthFailure", 401, "AWS was not able to validate the provided access credentials"),
        "s3": ("AccessDenied", 403, "Access Denied"),
        "*json": ("MissingAuthenticationTokenException", 400, "Missing Authentication Token"),
        "*rest-json": ("MissingAuthenticationTokenException", 403, "Missing Authentication Token"),
    },
    "incomplete": {  # an Authorization header that does not parse
        "*query": ("IncompleteSignature", 400, "Authorization header requires Credential, "
                   "SignedHeaders and Signature"),
        "ec2": ("IncompleteSignature", 400, "Authorization header requires Credential, "
                "SignedHeaders and Signature"),
        "s3": ("AuthorizationHeaderMalformed", 400, "The authorization header is malformed."),
        "*json": ("IncompleteSignatureException", 400, "Authorization header requires Credential, "
                  "SignedHeaders and Signature"),
        "*rest-json": ("IncompleteSignatureException", 403, "Authorization header requires "
                       "Credential, SignedHeaders and Signature"),
    },
    # Credentials are not valid in a region the account has not enabled.
    "region_not_enabled": {
        "*query": ("InvalidClientTokenId", 403, _AUTH_INVALID_TOKEN),
        "ec2": ("AuthFailure", 401, "AWS was not able to validate the provided access credentials"),
        "s3": ("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."),
        "*json": ("UnrecognizedClientException", 400, _AUTH_INVALID_TOKEN),
        "*rest-json": ("UnrecognizedClientException", 403, _AUTH_INVALID_TOKEN),
    },
    "denied": {
        "*query": ("AccessDenied", 403, "User is not authorized to perform this action"),
        "ec2": ("UnauthorizedOperation", 403, "You are not authorized to perform this operation."),
        "s3": ("AccessDenied", 403, "Access Denied"),
        "*json": ("AccessDeniedException", 400, "You don't have permissions to access this resource."),
        "*rest-json": ("AccessDeniedException", 403, "User is not authorized to perform this action"),
    },
    "throttle": {
        "*query": ("Throttling", 400, "Rate exceeded"),
        "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded."),
        "s3": ("SlowDown", 503, "Please reduce your request rate."),
        "organizations": ("TooManyRequestsException", 400,
                          "AWS Organizations can't complete your request because another request "
                          "is already in progress. Try again later."),
        "ecs": ("ThrottlingException", 400, "Rate exceeded"),
        "resourcegroupstaggingapi": ("ThrottledException", 400, "Rate exceeded"),
        "lambda": ("TooManyRequestsException", 429, "Rate exceeded"),
        "eks": ("ThrottlingException", 429, "Rate exceeded"),
    },
    "internal": {
        "*query": ("InternalFailure", 500, "An internal error has occurred"),
        "ec2": ("InternalError", 500, "An internal error has occurred"),
        "s3": ("InternalError", 500, "We encountered an internal error. Please try again."),
        "organizations": ("ServiceException", 500, "AWS Organizations can't complete your request "
                          "because of an internal service error. Try again later."),
        "ecs": ("ServerException", 500, "Service Unavailable. Please try again later."),
        "resourcegroupstaggingapi": ("InternalServiceException", 500, "Internal service error"),
        "lambda": ("ServiceException", 500, "An internal error has occurred"),
        "eks": ("ServerException", 500, "An internal error has occurred"),
    },
    "unavailable": {
        "*query": ("ServiceUnavailable", 503, "Service is unable to handle request."),
        "ec2": ("Unavailable", 503, "The server is overloaded and can't handle the request."),
        "s3": ("ServiceUnavailable", 503, "Service is unable to handle request."),
        "*json": ("ServiceUnavailableException", 503, "Service is unavailable. Try again later."),
        "*rest-json": ("ServiceUnavailableException", 503, "Service is unavailable. Try again later."),
    },
    "validation": {
        "sts": ("ValidationError", 400, ""),
        "rds": ("InvalidParameterValue", 400, ""),
        "ec2": ("InvalidParameterValue", 400, ""),
        "s3": ("InvalidArgument", 400, ""),
        "organizations": ("InvalidInputException", 400, ""),
        "ecs": ("InvalidParameterException", 400, ""),
        "resourcegroupstaggingapi": ("InvalidParameterException", 400, ""),
        "lambda": ("InvalidParameterValueException", 400, ""),
        "eks": ("InvalidParameterException", 400, ""),
    },
    "serialization": {
        "*query": ("MalformedQueryString", 400, ""),
        "ec2": ("InvalidParameterValue", 400, ""),
        "s3": ("MalformedXML", 400, ""),
        "*json": ("SerializationException", 400, ""),
        "*rest-json": ("SerializationException", 400, ""),
    },
    "unknown_param": {
        "*query": ("InvalidParameterValue", 400, ""),
        "ec2": ("UnknownParameter", 400, ""),
        "s3": ("InvalidArgument", 400, ""),
        "*json": ("SerializationException", 400, ""),
        "*rest-json": ("SerializationException", 400, ""),
    },
    "bad_page_token": {
        "sts": ("ValidationError", 400, "Invalid pagination token"),
        "rds": ("InvalidParameterValue", 400, "Invalid Marker"),
        "ec2": ("InvalidPaginationToken", 400, "The specified pagination token is not valid or is expired."),
        "s3": ("InvalidArgument", 400, "Invalid continuation token"),
        "organizations": ("InvalidInputException", 400, "You provided an invalid pagination token."),
        "ecs": ("InvalidParameterException", 400, "Invalid nextToken"),
        "resourcegroupstaggingapi": ("InvalidParameterException", 400,
                                     "The specified PaginationToken is not valid."),
        "lambda": ("InvalidParameterValueException", 400, "Invalid Marker"),
        "eks": ("InvalidParameterException", 400, "The nextToken is invalid."),
    },
    "unknown_operation": {
        "*query": ("InvalidAction", 400, "The action or operation requested is invalid."),
        "ec2": ("InvalidAction", 400, "The action or operation requested is invalid."),
        "s3": ("NotImplemented", 501, "awssim does not serve this operation"),
        "*json": ("UnknownOperationException", 400, ""),
        "*rest-json": ("UnknownOperationException", 404, ""),
    },
}

# S3's own checks of the signed payload.
CATALOGUE["s3_invalid_request"] = {"s3": ("InvalidRequest", 400, "")}
CATALOGUE["s3_headers_not_signed"] = {"s3": ("AccessDenied", 403, "")}
CATALOGUE["s3_sha_mismatch"] = {"s3": ("XAmzContentSHA256Mismatch", 400, "")}

# Extra body fields AWS sends with some codes.
_EXTRA = {
    ("organizations", "TooManyRequestsException"): {"Type": "TooManyRequests"},
    ("lambda", "TooManyRequestsException"): {"Reason": "CallerRateLimitExceeded", "Type": "User"},
    ("organizations", "InvalidInputException"): {"Reason": "INVALID_INPUT"},
}


def family(service):
    if service in QUERY:
        return "*query"
    if service in JSON:
        return "*json"
    if service in REST_JSON:
        return "*rest-json"
    return service


def lookup(kind, service):
    """(code, status, message) of kind for service."""
    table = CATALOGUE[kind]
    entry = table.get(service) or table.get(family(service))
    if entry is None:
        raise KeyError(f"no {kind} error for {service}")
    return entry


def error(kind, service, message=None, extra=None, headers=None):
    """ApiError of kind as service sends it; message replaces the default text."""
    code, status, default = lookup(kind, service)
    body = dict(_EXTRA.get((service, code), {}))
    body.update(extra or {})
    hdrs = dict(headers or {})
    if status == 429:
        hdrs.setdefault("Retry-After", "1")
    return ApiError(code, message or default, status, body, hdrs, sender=status < 500)
