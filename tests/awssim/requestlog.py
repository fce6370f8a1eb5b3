"""The request log and counters the admin API serves.

Each answered request becomes one entry (who, what, where, outcome); the
log keeps the newest `size` entries, the counters count everything since
the last reset: per (account, service, operation, outcome), and AssumeRole
per (target account, caller principal).
"""
import collections
import json
import threading
import time


class RequestLog:
    def __init__(self, size=100000, path=None):
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=size)
        self._seq = 0
        self._counters = collections.Counter()
        self._assume = collections.Counter()
        self._file = open(path, "a", buffering=1) if path else None

    def record(self, entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            entry.setdefault("time", time.time())
            self._entries.append(entry)
            self._counters[(entry.get("account_id") or "", entry.get("service") or "",
                            entry.get("operation") or "", entry.get("outcome") or "")] += 1
            if entry.get("operation") == "AssumeRole" and entry.get("service") == "sts":
                self._assume[(entry.get("target_account") or "", entry.get("caller_arn") or "",
                              entry.get("outcome") or "")] += 1
            if self._file is not None:
                self._file.write(json.dumps(entry, sort_keys=True) + "\n")

    def entries(self, since=0, limit=None, **match):
        with self._lock:
            out = [e for e in self._entries if e["seq"] > since
                   and all(v is None or str(e.get(k)) == v for k, v in match.items())]
        return out[-limit:] if limit else out

    def counters(self):
        with self._lock:
            reqs = [{"account_id": a, "service": s, "operation": o, "outcome": r, "count": n}
                    for (a, s, o, r), n in sorted(self._counters.items())]
            per_account = collections.Counter()
            rows = []
            for (a, c, r), n in sorted(self._assume.items()):
                rows.append({"account_id": a, "caller_arn": c, "outcome": r, "count": n})
                per_account[a] += n
            return {"requests": reqs, "assume_role": rows,
                    "assume_role_per_account": dict(sorted(per_account.items())),
                    "total": sum(self._counters.values()), "last_seq": self._seq}

    def reset(self):
        with self._lock:
            self._entries.clear()
            self._counters.clear()
            self._assume.clear()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None
