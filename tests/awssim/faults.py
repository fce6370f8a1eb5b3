"""Injected faults, matched per (account, service, operation, region).

A fault is a dict (fixture `faults:` or admin API):
  kind: throttle | access_denied | latency | error | malformed | truncated | reset | hang
  account, service, operation, region: match keys, "*" (default) matches all
  count: fire at most this many times; probability: fire with this chance
  throttle: burst, refill_per_s (a token bucket per fault, account, service and region)
  latency: ms, or min_ms and max_ms (uniform)
  error: status (500 or 503, default 500), code and message to override the service's
  hang: seconds (at most MAX_HANG_S), then the connection is closed unanswered
"""
import random
import threading
import time

KINDS = ("throttle", "access_denied", "latency", "error", "malformed", "truncated", "reset", "hang")
MAX_HANG_S = 120.0
SERVICE_ALIASES = {"tagging": "resourcegroupstaggingapi"}


class FaultError(ValueError):
    pass


class _Bucket:
    def __init__(self, burst, refill, now):
        self.tokens = float(burst)
        self.burst = float(burst)
        self.refill = float(refill)
        self.stamp = now

    def take(self, now):
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.refill)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def normalise(spec):
    if not isinstance(spec, dict):
        raise FaultError("a fault is a JSON object")
    f = dict(spec)
    kind = f.get("kind")
    if kind not in KINDS:
        raise FaultError(f"fault kind must be one of {', '.join(KINDS)}; got {kind!r}")
    for k in ("account", "service", "operation", "region"):
        f[k] = str(f.get(k, "*"))
    f["service"] = SERVICE_ALIASES.get(f["service"], f["service"])
    if kind == "throttle":
        f["burst"] = float(f.get("burst", 0))
        f["refill_per_s"] = float(f.get("refill_per_s", 0))
        if f["burst"] < 0 or f["refill_per_s"] < 0:
            raise FaultError("throttle burst and refill_per_s are >= 0")
    elif kind == "latency":
        if "ms" in f:
            f["min_ms"] = f["max_ms"] = float(f["ms"])
        f["min_ms"] = float(f.get("min_ms", 0))
        f["max_ms"] = float(f.get("max_ms", f["min_ms"]))
        if not 0 <= f["min_ms"] <= f["max_ms"]:
            raise FaultError("latency needs 0 <= min_ms <= max_ms")
    elif kind == "error":
        f["status"] = int(f.get("status", 500))
        if f["status"] not in (500, 502, 503, 504):
            raise FaultError("error status is 500, 502, 503 or 504")
    elif kind == "hang":
        f["seconds"] = min(float(f.get("seconds", 30)), MAX_HANG_S)
    if "count" in f:
        f["count"] = int(f["count"])
    if "probability" in f:
        f["probability"] = float(f["probability"])
    return f


def matches(f, account, service, operation, region):
    """Whether fault f's match keys select this call."""
    return all(f[k] in ("*", v) for k, v in (("account", account), ("service", service),
                                             ("operation", operation), ("region", region)))


class FaultSet:
    def __init__(self, seed=0):
        self._lock = threading.Lock()
        self._faults = []
        self._buckets = {}
        self._next_id = 1
        self._rng = random.Random(seed)

    def add(self, spec):
        f = normalise(spec)
        with self._lock:
            f["id"] = f.get("id") or f"f{self._next_id}"
            self._next_id += 1
            f["fired"] = 0
            self._faults.append(f)
        return f["id"]

    def remove(self, fault_id=None):
        """Remove one fault by id, or all when fault_id is None; returns how many."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if fault_id is not None and f["id"] != fault_id]
            self._buckets = {k: b for k, b in self._buckets.items()
                             if any(f["id"] == k[0] for f in self._faults)}
            return before - len(self._faults)

    def list(self):
        with self._lock:
            return [dict(f) for f in self._faults]

    def reset_buckets(self):
        with self._lock:
            self._buckets.clear()

    def fire(self, account, service, operation, region):
        """Faults that apply to this call, in the order they were added.

        Latency faults come back as ("latency", seconds); the first other
        fault that fires ends the list. A throttle fault fires only when its
        bucket is empty."""
        out = []
        now = time.monotonic()
        with self._lock:
            for f in self._faults:
                if not matches(f, account, service, operation, region):
                    continue
                if "count" in f and f["fired"] >= f["count"]:
                    continue
                if "probability" in f and self._rng.random() >= f["probability"]:
                    continue
                if f["kind"] == "throttle":
                    key = (f["id"], account, service, region)
                    b = self._buckets.get(key)
                    if b is None:
                        b = self._buckets[key] = _Bucket(f["burst"], f["refill_per_s"], now)
                    if b.take(now):
                        continue
                f["fired"] += 1
                if f["kind"] == "latency":
                    out.append(("latency", self._rng.uniform(f["min_ms"], f["max_ms"]) / 1000.0, f))
                    continue
                out.append((f["kind"], None, f))
                break
        return out
