"""HTTP front end: routing, authentication, faults and the request log.

Requests are routed by path first (/_awssim/ admin, IMDS, container
credentials), then by the SigV4 credential scope's service name. An API
call goes: identify the operation -> authenticate (time skew, key,
session token, signature) -> region checks -> decode and validate the
parameters against botocore's model -> injected faults -> IAM deny list ->
the service handler -> the answer in the service's wire format.
"""
import datetime
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import auth
import errors
import model
import protocols
import regions as regions_mod
import services
from admin import PREFIX as ADMIN_PREFIX, Admin
from credendpoints import CredentialEndpoints
from errors import ApiError
from faults import FaultSet
from identity import Identity
from pagination import Paginator
from requestlog import RequestLog
from world import parse_role_arn


class RawRequest:
    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers            # [(name, value)] as received
        self.body = body
        self.lower = {}
        for k, v in headers:
            self.lower.setdefault(k.lower(), v)

    def header(self, name):
        return self.lower.get(name.lower())


class Outcome:
    """A Response plus what to do to the connection (None, truncate, reset, hang)."""

    def __init__(self, response, action=None, hang_s=0.0):
        self.response = response
        self.action = action
        self.hang_s = hang_s


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


class Simulator:
    def __init__(self, world, log_file=None):
        self.world = world
        self.identity = Identity(world)
        self.faults = FaultSet(world.settings.seed)
        for f in world.fixture_faults:
            self.faults.add(f)
        self.log = RequestLog(world.settings.request_log_size, log_file)
        self.paginator = Paginator()
        self.admin = Admin(self)
        self.cred_endpoints = CredentialEndpoints(world, self.identity)
        self.started = time.time()
        self.stopping = threading.Event()

    # ---- routing ----

    def handle(self, req):
        if req.path.startswith(ADMIN_PREFIX):
            return Outcome(self.admin.handle(req.method, req.path, req.query, req.body))
        authz = req.header("authorization")
        sigv4 = authz is not None and authz.startswith(auth.ALGORITHM)
        if not sigv4 and self.cred_endpoints.matches(req.path):
            return self._credential_endpoint(req)
        if authz is None:
            return self._unsigned(req)
        try:
            scope = auth.parse_authorization(authz)
        except auth.AuthFailure as e:
            return self._fail_early(req, self._guess_service(req), e)
        mod = services.by_signing_name(scope.service)
        if mod is None:
            return self._fail_early(req, self._guess_service(req),
                                    auth.AuthFailure("signature", "Credential should be scoped to "
                                                     "correct service: '%s'." % self._guess_service(req)))
        return self._api_call(req, mod, scope)

    def _guess_service(self, req):
        target = req.header("x-amz-target") or ""
        for mod in services.all_services():
            api = model.api(mod.NAME)
            if api.target_prefix and target.startswith(api.target_prefix + "."):
                return mod.NAME
        params = self._form(req)
        action, version = params.get("Action"), params.get("Version")
        if action:
            for name in ("sts", "rds", "ec2"):
                api = model.api(name)
                if (version == api.version) or (not version and api.operation(action)):
                    return name
        if req.path.startswith(("/2015-03-31/", "/2017-03-31/")):
            return "lambda"
        if req.path.startswith("/clusters"):
            return "eks"
        return "s3"

    @staticmethod
    def _form(req):
        text = req.query
        ctype = (req.header("content-type") or "").lower()
        if req.method == "POST" and "x-www-form-urlencoded" in ctype:
            text = req.body.decode("utf-8", "replace")
        return dict(parse_qsl(text, keep_blank_values=True))

    def _fail_early(self, req, service_name, failure):
        err = errors.error(failure.kind, service_name, failure.message, failure.extra)
        api = model.api(service_name)
        rid = protocols.new_request_id(service_name)
        self.log.record({"service": service_name, "operation": None, "outcome": err.code,
                         "status": err.status, "error_code": err.code})
        return Outcome(protocols.render_error(service_name, api.protocol, err, rid,
                                              req.method != "HEAD"))

    def _unsigned(self, req):
        service = self._guess_service(req)
        if service == "sts":
            params = self._form(req)
            mod = services.by_signing_name("sts")
            if params.get("Action") in mod.UNSIGNED_OPERATIONS:
                return self._api_call(req, mod, None)
        return self._fail_early(req, service, auth.AuthFailure("missing_auth"))

    def _credential_endpoint(self, req):
        service = self.cred_endpoints.service_of(req.path)
        entry = {"service": service, "operation": req.path, "account_id": ""}
        outcome = self._apply_faults(entry, "", service, req.path, "", None)
        if outcome is None or outcome.action == "truncate_pending":
            resp = self.cred_endpoints.handle(req.method, req.path, req.lower, _now())
            entry.setdefault("outcome", "ok" if resp.status == 200 else str(resp.status))
            outcome = Outcome(resp, "truncate" if outcome is not None else None)
        entry["status"] = outcome.response.status if outcome.response else None
        self.log.record(entry)
        return outcome

    # ---- API calls ----

    def _identify(self, req, api):
        """(operation name, OperationModel or None, raw params for query/ec2)."""
        proto = api.protocol
        if proto in ("query", "ec2"):
            params = self._form(req)
            name = params.get("Action", "")
            return name, api.operation(name), params
        if proto == "json":
            target = req.header("x-amz-target") or ""
            prefix, _, name = target.partition(".")
            op = api.operation(name) if prefix == api.target_prefix else None
            return name or target, op, None
        query = {}
        for k, v in parse_qsl(req.query, keep_blank_values=True):
            query.setdefault(k, []).append(v)
        op, labels = api.match_rest(req.method, req.path, query)
        return (op.name if op else f"{req.method} {req.path}"), op, (query, labels)

    def _decode(self, req, api, op, raw):
        proto = api.protocol
        if proto in ("query", "ec2"):
            return api.decode_query(op, raw)
        if proto == "json":
            return api.decode_json(op, req.body)
        query, labels = raw
        return api.decode_rest(op, labels, query, req.lower, req.body)

    def _authenticate(self, req, mod, scope, now):
        sreq = auth.SignedRequest(req.method, req.path, req.query, req.headers, req.body)
        req_time = auth.request_time(sreq)
        auth.check_skew(req_time, now, mod.NAME)
        cred = self.identity.lookup(scope.access_key)
        if cred is None:
            raise auth.AuthFailure("unknown_key")
        account = self.world.account(cred.account_id)
        if account is not None and account.status != "ACTIVE":
            raise auth.AuthFailure("unknown_key")
        token = req.header("x-amz-security-token")
        if cred.temporary:
            if token is None or token != cred.token:
                raise auth.AuthFailure("bad_token")
            if cred.is_expired(now):
                raise auth.AuthFailure("expired_token")
        elif token is not None:
            raise auth.AuthFailure("bad_token")
        auth.verify(sreq, scope, cred.secret)
        return cred

    def _check_region(self, mod, region, cred):
        if not regions_mod.is_region(region) or (mod.REGION_RULE == "us-east-1" and region != "us-east-1"):
            if mod.NAME == "s3":
                raise errors.error("incomplete", "s3", f"The authorization header is malformed; "
                                   f"the region '{region}' is wrong; expecting 'us-east-1'",
                                   {"Region": "us-east-1"})
            raise errors.error("signature", mod.NAME, "Credential should be scoped to a valid region.")
        account = self.world.account(cred.account_id) if cred is not None else None
        opted = account.opt_in_regions if account is not None else ()
        if regions_mod.is_opt_in(region) and region not in opted:
            raise errors.error("region_not_enabled", mod.NAME)

    def _api_call(self, req, mod, scope):
        t0 = time.monotonic()
        now = _now()
        service = mod.NAME
        api = model.api(service)
        rid = protocols.new_request_id(service)
        region = scope.region if scope else "us-east-1"
        entry = {"service": service, "operation": None, "region": region, "request_id": rid,
                 "access_key_id": scope.access_key if scope else None}
        call = None
        truncate = False
        try:
            name, op, raw = self._identify(req, api)
            entry["operation"] = name
            cred = None
            if scope is not None:
                if scope.service != mod.SIGNING_NAME:
                    raise errors.error("signature", service)
                try:
                    cred = self._authenticate(req, mod, scope, now)
                except auth.AuthFailure as e:
                    raise errors.error(e.kind, service, e.message, e.extra)
                entry.update(account_id=cred.account_id, caller_arn=cred.arn,
                             caller_source=cred.source)
                self._check_region(mod, region, cred)
            if op is None or name not in mod.OPERATIONS:
                raise errors.error("unknown_operation", service,
                                   f"awssim does not implement {service} {name}"
                                   if op is not None else None)
            try:
                params = self._decode(req, api, op, raw)
            except model.ParamError as e:
                kind = {"unknown": "unknown_param"}.get(e.kind, e.kind)
                raise errors.error(kind, service, e.message)
            call = services.Call(service, name, region, cred, self.world, self.identity,
                                 self.paginator, now, params)
            fault_account = self._fault_account(call)
            if service == "sts" and name == "AssumeRole":
                entry["target_account"] = fault_account
            entry["iam_action"] = services.iam_action(mod, name)
            outcome = self._apply_faults(entry, fault_account, service, name, region,
                                         (api, op, rid, call))
            if outcome is not None:
                if outcome.action != "truncate_pending":
                    return outcome
                truncate = True   # answer normally, then cut the body short
            if cred is not None and not self.identity.allowed(cred, entry["iam_action"]):
                raise errors.error("denied", service, f"User: {cred.arn} is not authorized to "
                                   f"perform: {entry['iam_action']}"
                                   if service not in ("s3", "ec2") else None)
            data = mod.OPERATIONS[name](call)
            if hasattr(mod, "render"):
                resp = protocols.Response(200, mod.render(name, data),
                                          protocols.request_id_headers(service, rid)
                                          + [("Content-Type", "application/xml")])
            else:
                resp = protocols.render(service, api, op, data, rid)
            entry.update(outcome="ok", status=resp.status)
        except ApiError as e:
            entry.update(outcome=e.code, status=e.status, error_code=e.code)
            resp = protocols.render_error(service, api.protocol, e, rid, req.method != "HEAD")
        finally:
            if call is not None:
                entry.update(call.log)
            if truncate:
                entry["outcome"] = "fault:truncated"
            entry["latency_ms"] = round((time.monotonic() - t0) * 1000, 3)
            self.log.record(entry)
        return Outcome(resp, "truncate" if truncate else None)

    def _fault_account(self, call):
        if call.service == "sts" and call.operation in ("AssumeRole", "AssumeRoleWithWebIdentity"):
            parsed = parse_role_arn(call.params.get("RoleArn", ""))
            return parsed[0] if parsed else ""
        return call.account_id or ""

    def _apply_faults(self, entry, account, service, operation, region, ctx):
        """None to go on; an Outcome when a fault answers (or a truncate is pending)."""
        for kind, value, f in self.faults.fire(account, service, operation, region):
            entry.setdefault("faults", []).append(f["id"])
            if kind == "latency":
                self._sleep(value)
                continue
            entry["fault"] = kind
            if kind == "hang":
                entry.update(outcome="fault:hang", status=None)
                return Outcome(None, "hang", f["seconds"])
            if kind == "reset":
                entry.update(outcome="fault:reset", status=None)
                return Outcome(None, "reset")
            if kind == "truncated":
                entry["outcome"] = "fault:truncated"
                return Outcome(None, "truncate_pending")
            if ctx is None:   # credential endpoints: plain HTTP errors
                status = {"throttle": 429, "access_denied": 403, "error": f.get("status", 500),
                          "malformed": 200}[kind]
                body = b"{not json" if kind == "malformed" else b"error"
                entry.update(outcome=f"fault:{kind}", status=status)
                return Outcome(protocols.Response(status, body, [("Content-Type", "text/plain")]))
            api, op, rid, call = ctx
            if kind == "malformed":
                entry.update(outcome="fault:malformed", status=200)
                hdrs = protocols.request_id_headers(service, rid) + [
                    ("Content-Type", protocols.content_type(api.protocol))]
                return Outcome(protocols.Response(200, protocols.malformed_body(api.protocol, operation),
                                                  hdrs))
            err = self._fault_error(kind, f, service, operation, call)
            entry.update(outcome=err.code, status=err.status, error_code=err.code)
            return Outcome(protocols.render_error(service, api.protocol, err, rid))
        return None

    @staticmethod
    def _fault_error(kind, f, service, operation, call):
        if kind == "throttle":
            err = errors.error("throttle", service)
        elif kind == "access_denied":
            if service == "sts" and operation == "AssumeRole":
                caller = call.cred.arn if call.cred else "anonymous"
                err = ApiError("AccessDenied", f"User: {caller} is not authorized to perform: "
                               f"sts:AssumeRole on resource: {call.params.get('RoleArn')}", 403)
            else:
                err = errors.error("denied", service)
        else:
            err = errors.error("internal" if f["status"] == 500 else "unavailable", service)
            err.status = f["status"]
        if f.get("code"):
            err.code = f["code"]
        if f.get("message"):
            err.message = f["message"]
        return err

    def _sleep(self, seconds):
        self.stopping.wait(max(0.0, seconds))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle
    # plus the client's delayed ACK costs ~40 ms per kept-alive request.
    disable_nagle_algorithm = True
    server_version = "awssim"
    sys_version = ""

    def log_message(self, fmt, *args):
        return

    def version_string(self):
        return self.server_version

    def _read_body(self):
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _serve(self):
        body = self._read_body()
        path, _, query = self.path.partition("?")
        req = RawRequest(self.command, path, query, list(self.headers.items()), body)
        sim = self.server.sim
        try:
            outcome = sim.handle(req)
        except Exception as e:  # a bug in the simulator: answer 500 and say what
            msg = f"awssim internal error: {type(e).__name__}: {e}".encode()
            outcome = Outcome(protocols.Response(500, msg, [("Content-Type", "text/plain")]))
            import traceback
            traceback.print_exc()
        self._write(outcome, sim)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

    def _write(self, outcome, sim):
        if outcome.action == "reset":
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
            return
        if outcome.action == "hang":
            sim.stopping.wait(outcome.hang_s)
            self.close_connection = True
            return
        resp = outcome.response
        self.send_response(resp.status)
        for k, v in resp.headers:
            if k.lower() not in ("content-length", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        if outcome.action == "truncate":
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(resp.body[:max(1, len(resp.body) // 2)])
            self.wfile.flush()
            self.close_connection = True
            return
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)


class AwsSimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, sim, port=0):
        self.sim = sim
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def port(self):
        return self.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.sim.stopping.set()
        self.shutdown()
        self.server_close()
        self.sim.log.close()


def start(world, port=0, log_file=None):
    """Start a server for world in a background thread; returns it (call .stop())."""
    srv = AwsSimServer(Simulator(world, log_file), port)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    return srv
