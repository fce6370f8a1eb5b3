"""The admin API under /_awssim/ (JSON; a prefix no AWS API uses).

GET    /_awssim/health              liveness and a summary of the world
GET    /_awssim/world               org id, management account, account count
GET    /_awssim/faults              active faults
POST   /_awssim/faults              add one fault object or a list -> {"ids": [...]}
DELETE /_awssim/faults              remove all faults
DELETE /_awssim/faults/<id>         remove one fault
GET    /_awssim/log?since=N&limit=N&account_id=&service=&operation=&outcome=
GET    /_awssim/counters            per (account, service, operation, outcome); AssumeRole
                                    per (target account, caller principal)
POST   /_awssim/reset               clear the log, the counters and throttle buckets
GET    /_awssim/sessions            issued temporary credentials (never secrets)
POST   /_awssim/sessions/expire     {"access_key_id"?: .., "account_id"?: ..} -> {"expired": n}
"""
import json
import time
from urllib.parse import parse_qsl

from faults import FaultError
from protocols import Response

PREFIX = "/_awssim/"


def _json(status, obj):
    return Response(status, json.dumps(obj, sort_keys=True, default=str).encode(),
                    [("Content-Type", "application/json")])


class Admin:
    def __init__(self, sim):
        self.sim = sim

    def handle(self, method, path, query, body):
        route = path[len(PREFIX):].strip("/")
        q = dict(parse_qsl(query, keep_blank_values=True))
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            return _json(400, {"error": "body is not JSON"})
        try:
            return self._route(method, route, q, payload)
        except (FaultError, ValueError, TypeError, KeyError) as e:
            return _json(400, {"error": str(e)})

    def _route(self, method, route, q, payload):
        sim = self.sim
        if route == "health" and method == "GET":
            return _json(200, {"status": "ok", "uptime_s": round(time.time() - sim.started, 3),
                               **self._world()})
        if route == "world" and method == "GET":
            return _json(200, self._world())
        if route == "faults":
            if method == "GET":
                return _json(200, {"faults": sim.faults.list()})
            if method == "POST":
                specs = payload if isinstance(payload, list) else [payload]
                return _json(200, {"ids": [sim.faults.add(s) for s in specs]})
            if method == "DELETE":
                return _json(200, {"removed": sim.faults.remove()})
        if route.startswith("faults/") and method == "DELETE":
            n = sim.faults.remove(route[len("faults/"):])
            return _json(200 if n else 404, {"removed": n})
        if route == "log" and method == "GET":
            match = {k: q.get(k) for k in ("account_id", "service", "operation", "outcome",
                                           "caller_arn", "target_account")}
            entries = sim.log.entries(int(q.get("since", 0)), int(q["limit"]) if "limit" in q else None,
                                      **match)
            return _json(200, {"entries": entries, "last_seq": sim.log.counters()["last_seq"]})
        if route == "counters" and method == "GET":
            return _json(200, sim.log.counters())
        if route == "reset" and method == "POST":
            sim.log.reset()
            sim.faults.reset_buckets()
            return _json(200, {"reset": True})
        if route == "sessions" and method == "GET":
            return _json(200, {"sessions": [c.public() for c in sim.identity.sessions()]})
        if route == "sessions/expire" and method == "POST":
            p = payload or {}
            n = sim.identity.expire(p.get("access_key_id"), p.get("account_id"))
            return _json(200, {"expired": n})
        return _json(404, {"error": f"no admin route {method} /_awssim/{route}"})

    def _world(self):
        w = self.sim.world
        org = w.org
        return {"organization_id": org.id if org else None,
                "management_account": org.management_account_id if org else None,
                "root_id": org.root_id if org else None,
                "accounts": w.account_count(), "scanner_account": w.settings.scanner_account_id}
