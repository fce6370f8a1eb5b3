"""botocore's service models as the source of truth for requests.

Loads a service model, finds the operation a request names, decodes its
parameters the way the service's wire protocol carries them (the reverse of
botocore.serialize) and validates them against the model's constraints
(required, min/max, pattern, enum), like AWS's front ends do.
"""
import base64
import datetime
import json
import re
import threading
from urllib.parse import unquote

import botocore.loaders
import botocore.model

_LOCK = threading.Lock()
_APIS = {}


class ParamError(Exception):
    """A request that does not fit the model.

    kind is "validation" (a constraint failed) or "serialization" (a value
    of the wrong type, or a body that does not parse)."""

    def __init__(self, message, kind="validation"):
        super().__init__(message)
        self.message = message
        self.kind = kind


def api(service_name):
    """The ServiceApi for a botocore service name (loaded once, shared)."""
    with _LOCK:
        a = _APIS.get(service_name)
        if a is None:
            a = ServiceApi(service_name)
            _APIS[service_name] = a
        return a


class ServiceApi:
    def __init__(self, service_name):
        loader = botocore.loaders.Loader()
        data = loader.load_service_model(service_name, "service-2")
        self.model = botocore.model.ServiceModel(data, service_name)
        self.protocol = self.model.metadata["protocol"]
        self.version = self.model.api_version
        self.target_prefix = self.model.metadata.get("targetPrefix")
        self._rest_routes = None

    def operation(self, name):
        """OperationModel for name, or None when the service has no such operation."""
        if name not in self.model.operation_names:
            return None
        return self.model.operation_model(name)

    # ---- query and ec2 protocols (form encoded) ----

    def decode_query(self, op, params):
        """Decode a flat {key: value} form into the operation's input dict."""
        shape = op.input_shape
        if shape is None:
            return {}
        used = set()
        out = _QueryDecoder(self.protocol == "ec2", params, used).structure(shape, "")
        if self.protocol == "ec2":
            extra = sorted(k for k in params if k not in used and k not in ("Action", "Version"))
            if extra:
                raise ParamError(f"The parameter {extra[0]} is not recognized", "unknown")
        validate(shape, out, self.protocol)
        return out

    # ---- json protocol ----

    def decode_json(self, op, body):
        shape = op.input_shape
        if shape is None:
            return {}
        try:
            obj = json.loads(body.decode("utf-8")) if body else {}
        except (ValueError, UnicodeDecodeError):
            raise ParamError("Could not parse request body into json", "serialization")
        if not isinstance(obj, dict):
            raise ParamError("Start of list found where not expected", "serialization")
        out = _json_value(shape, obj)
        validate(shape, out, self.protocol)
        return out

    # ---- rest protocols ----

    def match_rest(self, method, raw_path, query):
        """(OperationModel, labels) for a rest request, or (None, None).

        query: dict of decoded query keys -> list of values."""
        if self._rest_routes is None:
            self._rest_routes = [_RestRoute(self.model.operation_model(n))
                                 for n in self.model.operation_names]
        best = None
        for route in self._rest_routes:
            labels = route.match(method, raw_path, query)
            if labels is not None and (best is None or route.score > best[0].score):
                best = (route, labels)
        if best is None:
            return None, None
        return best[0].op, best[1]

    def decode_rest(self, op, labels, query, headers, body):
        shape = op.input_shape
        if shape is None:
            return {}
        out = {}
        body_members = {}
        for name, m in shape.members.items():
            loc = m.serialization.get("location")
            wire = m.serialization.get("name", name)
            if loc == "uri":
                if wire in labels:
                    out[name] = _scalar_from_text(m, labels[wire])
            elif loc == "querystring":
                if m.type_name == "map":
                    out[name] = {k: v[-1] for k, v in query.items()}
                elif wire in query:
                    vals = query[wire]
                    if m.type_name == "list":
                        out[name] = [_scalar_from_text(m.member, v) for v in vals]
                    else:
                        out[name] = _scalar_from_text(m, vals[-1])
            elif loc == "header":
                v = headers.get(wire)
                if v is not None:
                    out[name] = _scalar_from_text(m, v)
            elif loc == "headers":
                prefix = wire.lower()
                hm = {k[len(prefix):]: v for k, v in headers.items() if k.lower().startswith(prefix)}
                if hm:
                    out[name] = hm
            else:
                body_members[name] = m
        payload = shape.serialization.get("payload")
        if body and body_members:
            if self.protocol == "rest-json":
                try:
                    obj = json.loads(body.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    raise ParamError("Could not parse request body into json", "serialization")
                if payload:
                    out[payload] = _json_value(shape.members[payload], obj)
                elif isinstance(obj, dict):
                    out.update(_json_value(shape, obj))
        validate(shape, out, self.protocol)
        return out


def _scalar_from_text(shape, text):
    t = shape.type_name
    if t in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise ParamError(f"Value '{text}' is not a valid {t}", "validation")
    if t in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            raise ParamError(f"Value '{text}' is not a valid {t}", "validation")
    if t == "boolean":
        low = text.lower()
        if low not in ("true", "false"):
            raise ParamError(f"Value '{text}' is not a valid boolean", "validation")
        return low == "true"
    if t == "timestamp":
        return parse_timestamp(text)
    if t == "blob":
        try:
            return base64.b64decode(text, validate=True)
        except ValueError:
            raise ParamError("Value is not valid base64", "validation")
    return text


def parse_timestamp(text):
    try:
        return datetime.datetime.fromtimestamp(float(text), datetime.timezone.utc)
    except ValueError:
        pass
    s = text.strip().replace("Z", "+00:00")
    try:
        d = datetime.datetime.fromisoformat(s)
    except ValueError:
        raise ParamError(f"Value '{text}' is not a valid timestamp", "validation")
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d


class _QueryDecoder:
    def __init__(self, ec2, params, used):
        self.ec2 = ec2
        self.params = params
        self.used = used

    def name(self, shape, default):
        s = shape.serialization
        if self.ec2:
            if "queryName" in s:
                return s["queryName"]
            if "name" in s:
                return s["name"][0].upper() + s["name"][1:]
            return default
        return s.get("name", default)

    def present(self, prefix):
        dotted = prefix + "."
        return any(k == prefix or k.startswith(dotted) for k in self.params)

    def value(self, shape, prefix):
        t = shape.type_name
        if t == "structure":
            return self.structure(shape, prefix)
        if t == "list":
            return self.list(shape, prefix)
        if t == "map":
            return self.map(shape, prefix)
        if prefix not in self.params:
            return None
        self.used.add(prefix)
        return _scalar_from_text(shape, self.params[prefix])

    def structure(self, shape, prefix):
        if prefix and not self.present(prefix):
            return None
        out = {}
        for mname, mshape in shape.members.items():
            key = self.name(mshape, mname)
            if not self.ec2 and mshape.type_name == "list" and mshape.serialization.get("flattened"):
                key = mshape.member.serialization.get("name", key)
            p = f"{prefix}.{key}" if prefix else key
            v = self.value(mshape, p)
            if v is not None:
                out[mname] = v
        return out

    def _indices(self, prefix):
        dotted = prefix + "."
        idx = set()
        for k in self.params:
            if k.startswith(dotted):
                head = k[len(dotted):].split(".", 1)[0]
                if not head.isdigit():
                    raise ParamError(f"The parameter {k} is not recognized", "unknown")
                idx.add(int(head))
        return sorted(idx)

    def list(self, shape, prefix):
        if self.ec2 or shape.serialization.get("flattened"):
            lp = prefix
        else:
            lp = f"{prefix}.{shape.member.serialization.get('name', 'member')}"
        if prefix in self.params and self.params[prefix] == "" and not self.present(lp):
            self.used.add(prefix)
            return []
        if not self.present(lp):
            return None
        return [self.value(shape.member, f"{lp}.{i}") for i in self._indices(lp)]

    def map(self, shape, prefix):
        full = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
        if not self.present(full):
            return None
        kname = self.name(shape.key, "key")
        vname = self.name(shape.value, "value")
        out = {}
        for i in self._indices(full):
            k = self.value(shape.key, f"{full}.{i}.{kname}")
            out[k] = self.value(shape.value, f"{full}.{i}.{vname}")
        return out


_JSON_TYPES = {
    "string": (str,), "character": (str,), "integer": (int,), "long": (int,),
    "float": (int, float), "double": (int, float), "boolean": (bool,),
    "list": (list,), "map": (dict,), "structure": (dict,), "blob": (str,),
    "timestamp": (int, float, str),
}


def _json_value(shape, v):
    if v is None:
        return None
    t = shape.type_name
    ok = _JSON_TYPES.get(t, (object,))
    if not isinstance(v, ok) or (t in ("integer", "long", "float", "double") and isinstance(v, bool)):
        kind = type(v).__name__
        raise ParamError(f"{kind.upper()}_VALUE can not be converted to {t.capitalize()}", "serialization")
    if t == "structure":
        out = {}
        for mname, mshape in shape.members.items():
            wire = mshape.serialization.get("name", mname)
            if wire in v:
                val = _json_value(mshape, v[wire])
                if val is not None:
                    out[mname] = val
        return out
    if t == "list":
        return [_json_value(shape.member, x) for x in v]
    if t == "map":
        return {k: _json_value(shape.value, x) for k, x in v.items()}
    if t == "timestamp":
        return parse_timestamp(str(v))
    if t == "blob":
        return base64.b64decode(v)
    return v


class _RestRoute:
    def __init__(self, op):
        self.op = op
        self.method = op.http["method"]
        uri = op.http["requestUri"]
        path, _, qs = uri.partition("?")
        self.query_literals = {}
        for part in qs.split("&") if qs else ():
            k, _, v = part.partition("=")
            self.query_literals[k] = v
        self.segments = []
        for seg in path.split("/")[1:]:
            m = re.fullmatch(r"\{(\w+)(\+?)\}", seg)
            self.segments.append((m.group(1), bool(m.group(2))) if m else seg)
        literal = sum(1 for s in self.segments if isinstance(s, str) and s)
        self.score = literal * 10 + len(self.query_literals) * 5 + len(self.segments)

    def match(self, method, raw_path, query):
        if method != self.method:
            return None
        for k, v in self.query_literals.items():
            if k not in query or (v and v not in query[k]):
                return None
        parts = raw_path.split("/")[1:]
        labels = {}
        i = 0
        for n, seg in enumerate(self.segments):
            if isinstance(seg, tuple):
                name, greedy = seg
                if greedy:
                    rest = parts[i:]
                    if not rest or rest == [""]:
                        return None
                    labels[name] = unquote("/".join(rest))
                    i = len(parts)
                    continue
                if i >= len(parts) or parts[i] == "":
                    return None
                labels[name] = unquote(parts[i])
                i += 1
            else:
                if i >= len(parts) or parts[i] != seg:
                    return None
                i += 1
        if i != len(parts):
            # A template ending in "/" matches paths with or without it.
            if not (i == len(parts) - 1 and parts[i] == ""):
                return None
        return labels


# ---- validation ----

def _member_label(name):
    return name[0].lower() + name[1:] if name else name


def validate(shape, value, protocol):
    errors = []
    _validate(shape, value, "", errors, protocol)
    if errors:
        n = len(errors)
        word = "error" if n == 1 else "errors"
        raise ParamError(f"{n} validation {word} detected: " + "; ".join(errors[:10]))


def _validate(shape, value, path, errors, protocol):
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        for req in shape.required_members:
            if value.get(req) is None:
                label = f"{path}.{_member_label(req)}" if path else _member_label(req)
                errors.append(f"Value null at '{label}' failed to satisfy constraint: "
                              "Member must not be null")
        for mname, mshape in shape.members.items():
            if mname in value and value[mname] is not None:
                label = f"{path}.{_member_label(mname)}" if path else _member_label(mname)
                _validate(mshape, value[mname], label, errors, protocol)
        return
    if t == "list":
        _check_range(len(value), meta, path, value, errors, "length")
        for i, x in enumerate(value, 1):
            _validate(shape.member, x, f"{path}.{i}", errors, protocol)
        return
    if t == "map":
        _check_range(len(value), meta, path, value, errors, "length")
        return
    if t in ("string", "character"):
        _check_range(len(value), meta, path, value, errors, "length")
        pattern = meta.get("pattern")
        if pattern and not _pattern_ok(pattern, value):
            errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                          f"Member must satisfy regular expression pattern: {pattern}")
        enum = shape.enum
        if enum and protocol != "ec2" and value not in enum:
            errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                          f"Member must satisfy enum value set: [{', '.join(enum)}]")
        return
    if t in ("integer", "long", "float", "double"):
        _check_range(value, meta, path, value, errors, "value")


def _check_range(n, meta, path, value, errors, what):
    shown = value if isinstance(value, (int, float, str)) else "[...]"
    if "min" in meta and n < meta["min"]:
        errors.append(f"Value '{shown}' at '{path}' failed to satisfy constraint: "
                      f"Member must have {what} greater than or equal to {meta['min']}")
    if "max" in meta and n > meta["max"]:
        errors.append(f"Value '{shown}' at '{path}' failed to satisfy constraint: "
                      f"Member must have {what} less than or equal to {meta['max']}")


_PATTERNS = {}


def _pattern_ok(pattern, value):
    rx = _PATTERNS.get(pattern)
    if rx is None:
        try:
            rx = re.compile(pattern)
        except re.error:
            rx = False
        _PATTERNS[pattern] = rx
    if rx is False:
        return True
    # AWS patterns match the whole value, anchored or not.
    return rx.fullmatch(value) is not None
