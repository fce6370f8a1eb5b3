"""Readers for tests/integration/test_deploy.py: CloudFormation YAML (with its
short-form tags), a small HCL reader for the Terraform modules, and a tiny
IAM policy evaluator. Only what the deploy/ templates use; anything else is
an error, so a template that grows beyond it fails loudly.
"""
import fnmatch
import os
import re

import yaml

# ---------------------------------------------------------------- CloudFormation


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns !Ref, !Sub, !GetAtt, ... into their long forms."""


def _cfn_tag(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else "Condition" if suffix == "Condition" else "Fn::" + suffix
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _cfn_tag)

PSEUDO_PARAMETERS = {"AWS::AccountId", "AWS::NoValue", "AWS::Partition", "AWS::Region",
                     "AWS::StackId", "AWS::StackName", "AWS::URLSuffix", "AWS::NotificationARNs"}
_SUB_VAR = re.compile(r"\$\{([^!}][^}]*)\}")


def load_cfn(path):
    with open(path) as f:
        return yaml.load(f, Loader=CfnLoader)


def walk(node, path=()):
    """Yields (path, node) for every node of a parsed template."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))


def sub_variables(sub):
    """The ${Name} / ${Res.Attr} references of an Fn::Sub value."""
    if isinstance(sub, list):
        template, local = sub[0], set(sub[1])
    else:
        template, local = sub, set()
    return [v for v in _SUB_VAR.findall(template) if v not in local]


def cfn_reference_errors(tpl):
    """Every Ref, GetAtt, Sub variable and Condition that names nothing."""
    params = set(tpl.get("Parameters", {}))
    resources = set(tpl.get("Resources", {}))
    conditions = set(tpl.get("Conditions", {}))
    names = params | resources | PSEUDO_PARAMETERS
    errors = []
    for path, node in walk(tpl):
        if not isinstance(node, dict) or len(node) != 1:
            continue
        (key, value), = node.items()
        where = "/".join(map(str, path))
        if key == "Ref" and value not in names:
            errors.append(f"{where}: Ref {value}")
        elif key == "Fn::GetAtt" and value[0] not in resources:
            errors.append(f"{where}: GetAtt {value}")
        elif key == "Fn::Sub":
            for var in sub_variables(value):
                if var.split(".", 1)[0] not in names:
                    errors.append(f"{where}: Sub ${{{var}}}")
        elif key in ("Condition", "Fn::If") and path and path[0] != "Rules":
            cond = value if key == "Condition" else value[0]
            if isinstance(cond, str) and cond not in conditions:
                errors.append(f"{where}: condition {cond}")
    for name, res in tpl.get("Resources", {}).items():
        if "Condition" in res and res["Condition"] not in conditions:
            errors.append(f"Resources/{name}: condition {res['Condition']}")
    return errors


def branches(node):
    """Every concrete variant of a node with Fn::If inside: a list of
    (conditions-taken, value) pairs, AWS::NoValue items dropped."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            cond, yes, no = node["Fn::If"]
            out = []
            for taken, v in ((cond, yes), ("!" + cond, no)):
                for sub_taken, sv in branches(v):
                    out.append(((taken,) + sub_taken, sv))
            return out
        out = [((), {})]
        for k, v in node.items():
            nxt = []
            for taken, partial in out:
                for vt, vv in branches(v):
                    d = dict(partial)
                    if vv != {"Ref": "AWS::NoValue"}:
                        d[k] = vv
                    nxt.append((taken + vt, d))
            out = nxt
        return out
    if isinstance(node, list):
        out = [((), [])]
        for item in node:
            nxt = []
            for taken, partial in out:
                for it, iv in branches(item):
                    nxt.append((taken + it, partial + ([] if iv == {"Ref": "AWS::NoValue"} else [iv])))
            out = nxt
        return out
    return [((), node)]


def consistent(taken):
    """False when a branch combination takes a condition both ways."""
    return not any(("!" + c) in taken for c in taken if not c.startswith("!"))


# ---------------------------------------------------------------- IAM


def as_list(v):
    return v if isinstance(v, list) else [v]


def _action_matches(pattern, action):
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def statement_applies(st, action):
    if "Action" in st:
        return any(_action_matches(p, action) for p in as_list(st["Action"]))
    return not any(_action_matches(p, action) for p in as_list(st["NotAction"]))


def allowed(statements, action):
    """IAM evaluation for one action on any resource, conditions ignored:
    an explicit Deny wins, else some Allow is needed."""
    applying = [s for s in statements if statement_applies(s, action)]
    if any(s["Effect"] == "Deny" for s in applying):
        return False
    return any(s["Effect"] == "Allow" for s in applying)


# ---------------------------------------------------------------- HCL


class HclError(ValueError):
    pass


_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\n]+|\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<number>\d+(\.\d+)?([eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<op>\.\.\.|==|!=|<=|>=|&&|\|\||=>|[-+*/%<>!?:=.,\[\](){}])
""", re.X | re.S)


class Tok:
    __slots__ = ("kind", "value", "pos")

    def __init__(self, kind, value, pos):
        self.kind, self.value, self.pos = kind, value, pos

    def __repr__(self):
        return f"{self.kind}:{self.value!r}@{self.pos}"


def _scan_string(text, i):
    """text[i] is '"'. Returns (parts, end): parts are str or ('interp', src)."""
    parts, buf, i = [], [], i + 1
    while True:
        if i >= len(text):
            raise HclError("unterminated string")
        c = text[i]
        if c == '"':
            break
        if c == "\\":
            esc = text[i + 1]
            buf.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(esc, "\\" + esc))
            i += 2
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            if text.startswith("$${", i) or text.startswith("%%{", i):
                buf.append(text[i:i + 2])
                i += 3
                continue
            if text[i] == "%":
                raise HclError("template directives are not supported")
            depth, j = 0, i + 2
            while True:
                if j >= len(text):
                    raise HclError("unterminated interpolation")
                if text[j] == '"':
                    _, j = _scan_string(text, j)
                    continue
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    if depth == 0:
                        break
                    depth -= 1
                j += 1
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(("interp", text[i + 2:j]))
            i = j + 1
            continue
        buf.append(c)
        i += 1
    if buf:
        parts.append("".join(buf))
    return parts, i + 1


def tokenize(text):
    toks, i = [], 0
    while i < len(text):
        if text[i] == '"':
            parts, i2 = _scan_string(text, i)
            toks.append(Tok("string", parts, i))
            i = i2
            continue
        if text.startswith("<<", i):
            raise HclError(f"heredocs are not supported (offset {i})")
        m = _TOKEN.match(text, i)
        if not m:
            raise HclError(f"unexpected character {text[i]!r} at offset {i}")
        kind = m.lastgroup
        if kind != "ws":
            toks.append(Tok(kind, m.group(kind), i))
        i = m.end()
    toks.append(Tok("eof", None, len(text)))
    return toks


class Block:
    """type, labels, attrs {name: expr}, blocks [Block]"""

    def __init__(self, type_, labels):
        self.type, self.labels, self.attrs, self.blocks = type_, labels, {}, []

    def find(self, type_, *labels):
        return [b for b in self.blocks if b.type == type_ and tuple(b.labels[:len(labels)]) == labels]

    def one(self, type_, *labels):
        found = self.find(type_, *labels)
        if len(found) != 1:
            raise HclError(f"expected one {type_} {labels}, found {len(found)}")
        return found[0]


# Expressions are tuples: ("lit", v) ("tmpl", parts) ("list", [e]) ("obj", [(k, e)])
# ("ref", (root, attr, ...)) ("index", e, e) ("call", name, [e]) ("cond", c, a, b)
# ("op", op, a, b) ("unary", op, e) ("for", ...) ("splat", e)


class _Parser:
    def __init__(self, text):
        self.toks = tokenize(text)
        self.i = 0

    def peek(self, k=0):
        return self.toks[self.i + k]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, value):
        t = self.next()
        if t.value != value or t.kind not in ("op", "ident"):
            raise HclError(f"expected {value!r}, got {t!r}")
        return t

    def is_op(self, value, k=0):
        t = self.peek(k)
        return t.kind == "op" and t.value == value

    def body(self, block, closing):
        while True:
            t = self.peek()
            if closing and self.is_op("}"):
                self.next()
                return block
            if t.kind == "eof":
                if closing:
                    raise HclError("unexpected end of file in block")
                return block
            if t.kind != "ident":
                raise HclError(f"expected an attribute or block name, got {t!r}")
            name = self.next().value
            if self.is_op("="):
                self.next()
                if name in block.attrs:
                    raise HclError(f"duplicate attribute {name}")
                block.attrs[name] = self.expr()
                continue
            labels = []
            while self.peek().kind in ("string", "ident"):
                lt = self.next()
                labels.append(lt.value if lt.kind == "ident" else "".join(lt.value))
            self.expect("{")
            block.blocks.append(self.body(Block(name, labels), True))

    def expr(self):
        cond = self.binary(0)
        if self.is_op("?"):
            self.next()
            a = self.expr()
            self.expect(":")
            b = self.expr()
            return ("cond", cond, a, b)
        return cond

    _PREC = [("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%")]

    def binary(self, level):
        if level == len(self._PREC):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek().kind == "op" and self.peek().value in self._PREC[level]:
            op = self.next().value
            left = ("op", op, left, self.binary(level + 1))
        return left

    def unary(self):
        if self.is_op("!") or self.is_op("-"):
            op = self.next().value
            return ("unary", op, self.unary())
        return self.postfix(self.primary())

    def postfix(self, e):
        while True:
            if self.is_op(".") and self.peek(1).kind == "ident":
                self.next()
                attr = self.next().value
                e = ("ref", e[1] + (attr,)) if e[0] == "ref" else ("getattr", e, attr)
            elif self.is_op(".") and self.is_op("*", 1):
                self.next()
                self.next()
                e = ("splat", e)
            elif self.is_op("[") and self.is_op("*", 1):
                self.next()
                self.next()
                self.expect("]")
                e = ("splat", e)
            elif self.is_op("["):
                self.next()
                idx = self.expr()
                self.expect("]")
                e = ("index", e, idx)
            else:
                return e

    def primary(self):
        t = self.next()
        if t.kind == "number":
            return ("lit", float(t.value) if "." in t.value or "e" in t.value.lower() else int(t.value))
        if t.kind == "string":
            parts = [p if isinstance(p, str) else ("interp", _Parser(p[1]).whole_expr())
                     for p in t.value]
            return ("tmpl", parts)
        if t.kind == "ident":
            if t.value in ("true", "false"):
                return ("lit", t.value == "true")
            if t.value == "null":
                return ("lit", None)
            if self.is_op("("):
                self.next()
                args = []
                while not self.is_op(")"):
                    args.append(self.expr())
                    if self.is_op("..."):
                        self.next()
                    if self.is_op(","):
                        self.next()
                self.next()
                return ("call", t.value, args)
            return ("ref", (t.value,))
        if t.kind == "op" and t.value == "(":
            e = self.expr()
            self.expect(")")
            return e
        if t.kind == "op" and t.value == "[":
            if self.peek().kind == "ident" and self.peek().value == "for":
                return self.for_expr("]")
            items = []
            while not self.is_op("]"):
                items.append(self.expr())
                if self.is_op(","):
                    self.next()
            self.next()
            return ("list", items)
        if t.kind == "op" and t.value == "{":
            if self.peek().kind == "ident" and self.peek().value == "for":
                return self.for_expr("}")
            pairs = []
            while not self.is_op("}"):
                kt = self.peek()
                if kt.kind == "ident" and (self.is_op("=", 1) or self.is_op(":", 1)):
                    self.next()
                    key = kt.value
                else:
                    key = self.expr()
                if not (self.is_op("=") or self.is_op(":")):
                    raise HclError(f"expected = or : in object, got {self.peek()!r}")
                self.next()
                pairs.append((key, self.expr()))
                if self.is_op(","):
                    self.next()
            self.next()
            return ("obj", pairs)
        raise HclError(f"unexpected {t!r}")

    def for_expr(self, closing):
        self.next()  # for
        names = [self.next().value]
        if self.is_op(","):
            self.next()
            names.append(self.next().value)
        self.expect("in")
        coll = self.expr()
        self.expect(":")
        first = self.expr()
        second = None
        if self.is_op("=>"):
            self.next()
            second = self.expr()
        cond = None
        if self.peek().kind == "ident" and self.peek().value == "if":
            self.next()
            cond = self.expr()
        self.expect(closing)
        return ("for", names, coll, first, second, cond)

    def whole_expr(self):
        e = self.expr()
        if self.peek().kind != "eof":
            raise HclError(f"trailing {self.peek()!r} in expression")
        return e


def parse_hcl(text):
    """Parses a .tf file into a Block of type 'file'."""
    return _Parser(text).body(Block("file", []), False)


def load_module(directory):
    """Merges the .tf files of one module directory into one Block."""
    merged = Block("module-dir", [directory])
    for name in sorted(os.listdir(directory)):
        if name.endswith(".tf"):
            with open(os.path.join(directory, name)) as f:
                b = parse_hcl(f.read())
            merged.blocks.extend(b.blocks)
            if b.attrs:
                raise HclError(f"{name}: top-level attributes {sorted(b.attrs)}")
    return merged


def refs(e):
    """Every ('ref', path) inside an expression (for-expression variables excluded)."""
    out = []

    def visit(x, bound):
        if not isinstance(x, tuple):
            return
        kind = x[0]
        if kind == "ref":
            if x[1][0] not in bound:
                out.append(x[1])
        elif kind == "tmpl":
            for p in x[1]:
                if isinstance(p, tuple):
                    visit(p[1], bound)
        elif kind == "list":
            for i in x[1]:
                visit(i, bound)
        elif kind == "obj":
            for k, v in x[1]:
                visit(k, bound)
                visit(v, bound)
        elif kind == "for":
            _, names, coll, a, b, cond = x
            visit(coll, bound)
            inner = bound | set(names)
            for y in (a, b, cond):
                visit(y, inner)
        elif kind in ("call",):
            for a in x[2]:
                visit(a, bound)
        else:
            for y in x[1:]:
                visit(y, bound)

    visit(e, frozenset())
    return out


class Symbol(str):
    """A value not known statically, e.g. Symbol('var.external_id')."""


def evaluate(e, scope):
    """Evaluates what can be known; scope maps 'var'/'local' to dicts. Unknown
    references become Symbol('path'); templates render them as ${path}."""
    kind = e[0]
    if kind == "lit":
        return e[1]
    if kind == "tmpl":
        parts = [evaluate(p[1], scope) if isinstance(p, tuple) else p for p in e[1]]
        if len(parts) == 1 and not isinstance(e[1][0], str):
            return parts[0]
        return "".join(f"${{{p}}}" if isinstance(p, Symbol) else str(p) for p in parts)
    if kind == "list":
        return [evaluate(i, scope) for i in e[1]]
    if kind == "obj":
        return {(k if isinstance(k, str) else evaluate(k, scope)): evaluate(v, scope) for k, v in e[1]}
    if kind == "ref":
        path = e[1]
        cur = scope
        for i, part in enumerate(path):
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            else:
                return Symbol(".".join(path))
        return cur
    if kind == "index":
        base, idx = evaluate(e[1], scope), evaluate(e[2], scope)
        if isinstance(base, (dict, list)) and not isinstance(idx, Symbol):
            return base[idx]
        return Symbol(f"{base}[{idx}]")
    if kind == "call":
        args = [evaluate(a, scope) for a in e[2]]
        if e[1] == "compact" and isinstance(args[0], list):
            return [a for a in args[0] if a not in ("", None)]
        if e[1] == "tostring":
            return args[0] if isinstance(args[0], Symbol) else str(args[0])
        if e[1] == "merge" and all(isinstance(a, dict) for a in args):
            out = {}
            for a in args:
                out.update(a)
            return out
        return Symbol(f"{e[1]}(...)")
    return Symbol(f"<{kind}>")
