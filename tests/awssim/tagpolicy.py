"""Tag policies as docs/policy.md defines them: parsing both forms, evaluating resources.

Written from the spec, independently of lib/policy, as the oracle's half of
the contract. parse() refuses a bad policy with PolicyError whose message
names the JSON path of the first problem; evaluate() gives a resource's
violations in rule order.
"""
import json

MAX_BYTES = 64 * 1024
MAX_RULES = 256
MAX_VALUES = 1024
WHITESPACE = " \t\r\n"
KINDS = ("missing_required_tag", "invalid_value", "wrong_key_case")


class PolicyError(ValueError):
    pass


def _fail(path, msg):
    raise PolicyError(f"policy: {path}: {msg}" if path else f"policy: {msg}")


def _type_name(v):
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "an object"
    return "null"


class Rule:
    """key, allowed_values, case, resource_types; required_types: None = required for
    no type, ["*"] = every type the rule applies to, else type patterns."""

    def __init__(self, key, required_types, allowed_values, case, resource_types, enforced_for=()):
        self.key = key
        self.required_types = required_types
        self.allowed_values = list(allowed_values)
        self.case = case
        self.resource_types = list(resource_types)
        self.enforced_for = list(enforced_for)

    def applies_to(self, rtype):
        return not self.resource_types or any(type_matches(p, rtype) for p in self.resource_types)

    def required_for(self, rtype):
        return bool(self.required_types) and any(type_matches(p, rtype) for p in self.required_types)


class Policy:
    def __init__(self, rules, form, notices=()):
        self.rules = rules
        self.form = form
        self.notices = list(notices)


def type_matches(pattern, rtype):
    """resource_types semantics: equal, `service:*` of the same service, or `*`."""
    if pattern == "*" or pattern == rtype:
        return True
    if pattern.endswith(":*"):
        return rtype.split(":", 1)[0] == pattern[:-2]
    return False


def _check_type_pattern(path, v):
    if not isinstance(v, str):
        _fail(path, "expected a string")
    if v == "*":
        return
    service, sep, rest = v.partition(":")
    if not sep or not service or not rest or ":" in rest:
        _fail(path, f'expected "service:type", "service:*" or "*", got "{v}"')


def _string_array(path, v, limit=None):
    if not isinstance(v, list):
        _fail(path, "expected an array of strings")
    for i, x in enumerate(v):
        if not isinstance(x, str):
            _fail(f"{path}[{i}]", "expected a string")
    if limit is not None and len(v) > limit:
        _fail(path, f"at most {limit} entries, got {len(v)}")
    return v


def parse(text):
    """Policy from JSON text (str or bytes); PolicyError if malformed."""
    if isinstance(text, bytes):
        raw = text
        text = text.decode("utf-8", "replace")
    else:
        raw = text.encode("utf-8")
    if len(raw) > MAX_BYTES:
        _fail("", f"larger than {MAX_BYTES} bytes")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        _fail("", f"line {e.lineno} column {e.colno}: JSON syntax error: {e.msg}")
    return from_object(doc)


def from_object(doc):
    if not isinstance(doc, dict):
        _fail("", f"expected an object, got {_type_name(doc)}")
    keys = set(doc)
    if keys == {"rules"}:
        return _cellscan(doc["rules"])
    if keys == {"tags"}:
        return _aws(doc["tags"])
    if "rules" in keys or "tags" in keys:
        extra = sorted(keys - {"rules", "tags"}) or ["tags"]
        _fail("", f'unknown field "{extra[0]}"')
    _fail("", 'expected a top-level "rules" (cellscan form) or "tags" (AWS Organizations form)')


_RULE_FIELDS = ("key", "required", "allowed_values", "case", "resource_types")


def _cellscan(rules):
    if not isinstance(rules, list):
        _fail("rules", "expected an array")
    if len(rules) > MAX_RULES:
        _fail("rules", f"at most {MAX_RULES} rules, got {len(rules)}")
    out = []
    for i, r in enumerate(rules):
        path = f"rules[{i}]"
        if not isinstance(r, dict):
            _fail(path, f"expected an object, got {_type_name(r)}")
        for k in r:
            if k not in _RULE_FIELDS:
                _fail(path, f'unknown field "{k}"')
        if "key" not in r:
            _fail(path, 'missing field "key"')
        key = r["key"]
        if not isinstance(key, str):
            _fail(path + ".key", "expected a string")
        if not 1 <= len(key) <= 128:
            _fail(path + ".key", "expected 1 to 128 characters")
        required = r.get("required", False)
        if not isinstance(required, bool):
            _fail(path + ".required", "expected true or false")
        allowed = _string_array(path + ".allowed_values", r.get("allowed_values", []), MAX_VALUES)
        case = r.get("case", "exact")
        if case not in ("exact", "insensitive"):
            shown = f'"{case}"' if isinstance(case, str) else _type_name(case)
            _fail(path + ".case", f'expected "exact" or "insensitive", got {shown}')
        types = _string_array(path + ".resource_types", r.get("resource_types", []))
        for j, t in enumerate(types):
            _check_type_pattern(f"{path}.resource_types[{j}]", t)
        out.append(Rule(key, ["*"] if required else None, allowed, case, types))
    return Policy(out, "cellscan")


_AWS_FIELDS = ("tag_key", "tag_value", "enforced_for", "report_required_tag_for")
_CHILD_OPS = "@@operators_allowed_for_child_policies"


def _assign(path, obj, notices, allow_array):
    """The @@assign value of obj (a string, or an array of strings when allowed)."""
    if not isinstance(obj, dict):
        _fail(path, f"expected an object, got {_type_name(obj)}")
    value = None
    for k, v in obj.items():
        if k == "@@assign":
            value = v
        elif k == _CHILD_OPS:
            notices.append(f"policy: ignoring {_CHILD_OPS} at {path}")
        elif k.startswith("@@"):
            _fail(path, f'operator "{k}" only occurs in parent policies, not effective ones')
        else:
            _fail(path, f'unknown field "{k}"')
    if value is None:
        _fail(path, 'missing "@@assign"')
    if isinstance(value, str):
        return [value]
    if allow_array and isinstance(value, list):
        return _string_array(path + ".@@assign", value)
    _fail(path + ".@@assign", "expected a string" + (" or an array of strings" if allow_array else ""))


def _aws(tags):
    if not isinstance(tags, dict):
        _fail("tags", f"expected an object, got {_type_name(tags)}")
    if len(tags) > MAX_RULES:
        _fail("tags", f"at most {MAX_RULES} rules, got {len(tags)}")
    rules, notices = [], []
    for name, entry in tags.items():
        path = f"tags.{name}"
        if name == _CHILD_OPS:
            notices.append(f"policy: ignoring {_CHILD_OPS} at tags")
            continue
        if name.startswith("@@"):
            _fail(path, f'operator "{name}" only occurs in parent policies, not effective ones')
        if not isinstance(entry, dict):
            _fail(path, f"expected an object, got {_type_name(entry)}")
        fields = {}
        for k, v in entry.items():
            if k == _CHILD_OPS:
                notices.append(f"policy: ignoring {_CHILD_OPS} at {path}")
            elif k.startswith("@@"):
                _fail(path, f'operator "{k}" only occurs in parent policies, not effective ones')
            elif k not in _AWS_FIELDS:
                _fail(path, f'unknown field "{k}"')
            else:
                fields[k] = v
        key = name
        if "tag_key" in fields:
            key = _assign(path + ".tag_key", fields["tag_key"], notices, allow_array=False)[0]
        if not 1 <= len(key) <= 128:
            _fail(path + ".tag_key", "expected 1 to 128 characters")
        allowed = []
        if "tag_value" in fields:
            allowed = _assign(path + ".tag_value", fields["tag_value"], notices, allow_array=True)
            if len(allowed) > MAX_VALUES:
                _fail(path + ".tag_value.@@assign", f"at most {MAX_VALUES} entries, got {len(allowed)}")
        enforced = []
        if "enforced_for" in fields:
            enforced = _assign(path + ".enforced_for", fields["enforced_for"], notices, allow_array=True)
        required = None
        if "report_required_tag_for" in fields:
            req = _assign(path + ".report_required_tag_for", fields["report_required_tag_for"], notices,
                          allow_array=True)
            required = []
            for j, t in enumerate(req):
                if t.endswith(":ALL_SUPPORTED"):
                    t = t[:-len("ALL_SUPPORTED")] + "*"
                _check_type_pattern(f"{path}.report_required_tag_for.@@assign[{j}]", t)
                required.append(t)
        rules.append(Rule(key, required, allowed, "exact", [], enforced))
    return Policy(rules, "aws", notices)


# ---- evaluation ----

def _ascii_lower(s):
    return s.translate(_LOWER)


_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def value_matches(pattern, value, insensitive):
    """`*` matches any run of characters (including none); the rest match themselves."""
    if insensitive:
        pattern, value = _ascii_lower(pattern), _ascii_lower(value)
    parts = pattern.split("*")
    if len(parts) == 1:
        return pattern == value
    if not value.startswith(parts[0]):
        return False
    pos = len(parts[0])
    for mid in parts[1:-1]:
        i = value.find(mid, pos)
        if i < 0:
            return False
        pos = i + len(mid)
    last = parts[-1]
    return len(value) - pos >= len(last) and value.endswith(last)


def evaluate(policy, rtype, tags):
    """Violations of a resource: [(tag_key, kind, found_value or None)] in rule order.

    tags: [(key, value)] in the resource's tag order."""
    out = []
    for rule in policy.rules:
        if not rule.applies_to(rtype):
            continue
        required = rule.required_for(rtype)
        insensitive = rule.case == "insensitive"
        match = None
        case_match = None
        for k, v in tags:
            if k == rule.key:
                match = (k, v)
                break
            if case_match is None and _ascii_lower(k) == _ascii_lower(rule.key):
                case_match = (k, v)
        if match is None and case_match is not None:
            if not insensitive:
                out.append((rule.key, "wrong_key_case", case_match[0]))
                continue
            match = case_match
        if match is None:
            if required:
                out.append((rule.key, "missing_required_tag", None))
            continue
        value = match[1]
        if required and value.strip(WHITESPACE) == "":
            if "" not in rule.allowed_values:
                out.append((rule.key, "invalid_value", value))
        elif rule.allowed_values and not any(value_matches(p, value, insensitive)
                                             for p in rule.allowed_values):
            out.append((rule.key, "invalid_value", value))
    return out


EMPTY = Policy([], "cellscan")
