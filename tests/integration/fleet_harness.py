"""The fleet as separate processes, for tests/integration/test_fleet*.py and
bench/bench_fleet.py: `cellscan mock-kafka`, redis-server, the AWS
simulator (tests/awssim/awssim.py), cellscan-dispatcher, N cellscan-worker
and cellscan-aggregator, each a child process in its own session on
loopback ports, with its log in the fleet's temporary directory.

Every child is stopped for sure: Fleet.stop() (SIGTERM to the process
group, SIGKILL after a bound), an atexit hook for whatever is still
running, SIGTERM/SIGINT of the test turned into an orderly exit, and
PR_SET_PDEATHSIG so that a child dies with the test even when the test is
killed with SIGKILL (a ctest timeout). Only processes started here are
ever signalled, by PID.

Readers go through the real tools: `cellscan decode` for what is on a
topic, `cellscan report` / `status` for Redis (client-scoped), the
simulator's admin API for its counters and faults; a confluent_kafka
client only where raw bytes are needed (re-publishing, poison messages).
"""
import atexit
import base64
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import shutil
import time
import urllib.error
import urllib.request

SRC = os.environ.get("CELLSCAN_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
BUILD = os.environ.get("CELLSCAN_BUILD_DIR", os.path.join(SRC, "build"))
BIN = os.path.join(BUILD, "bin")
CELLSCAN = os.path.join(BIN, "cellscan")
AWSSIM = os.path.join(SRC, "tests", "awssim", "awssim.py")
ORACLE = os.path.join(SRC, "tests", "awssim", "oracle.py")
DEMO_POLICY = os.path.join(SRC, "tests", "awssim", "fixtures", "demo-policy.json")
PYTHON = "/usr/bin/python3"

# AWS's documented example keys: the simulator's scanner user
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EXTERNAL_ID = "cellscan-demo"
DEMO_ORG_ROLE = "arn:aws:iam::111111111111:role/CellScanOrgDiscovery"
PREFIX = "cellscan."
TOPICS = ("scan-requests", "cell-jobs", "cell-results", "scan-results", "dead-letters")

# Fields of report.json the oracle leaves to the run (tests/awssim/README.md).
RUN_FIELDS = {"scan_id", "started_at", "finished_at"}
RUN_EVIDENCE_FIELDS = {"api_call_count", "retry_count", "throttle_events", "wall_time_ms"}

# ------------------------------------------------------------ processes

_PR_SET_PDEATHSIG = 1
_live = []  # every Proc still running, for the atexit hook


def _child_setup():
    """In the child before exec: die with the parent (even on SIGKILL)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


class Proc:
    """One child process in its own session; stderr (and stdout unless kept)
    go to <tmp>/<name>.log."""

    def __init__(self, name, argv, env, tmp, keep_stdout=False):
        self.name = name
        self.argv = argv
        self.log_path = os.path.join(tmp, name + ".log")
        log = open(self.log_path, "ab")
        self.p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE if keep_stdout else log,
                                  stderr=log, start_new_session=True,
                                  preexec_fn=_child_setup)
        log.close()
        self.pid = self.p.pid
        _live.append(self)

    def running(self):
        return self.p.poll() is None

    def _forget(self):
        if self in _live:
            _live.remove(self)
        if self.p.stdout:
            self.p.stdout.close()

    def stop(self, grace=10.0):
        """SIGTERM to its process group, SIGKILL after grace seconds.
        Returns the exit status (negative: killed by that signal)."""
        if self.p.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(grace)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.p.wait()
        self._forget()
        return self.p.returncode

    def kill9(self):
        """kill -9 of the process (and its group), reaped."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait()
        self._forget()

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_has(self, text, scan_id=None):
        """How many of its JSON log lines have text in their message (and
        this scan_id, when given)."""
        return sum(1 for rec in self.log_lines() if text in rec.get("msg", "") and
                   (scan_id is None or rec.get("scan_id") == scan_id))

    def log_lines(self):
        """The JSON log lines of a cellscan daemon, as dicts (others skipped)."""
        out = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out


def _stop_all():
    for p in list(_live):
        p.stop(5)


atexit.register(_stop_all)


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


for _sig in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(_sig, _exit_on_signal)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout, what, interval=0.1):
    """Calls check() until it returns a true value (returned) or timeout
    seconds pass (AssertionError naming what)."""
    deadline = time.monotonic() + timeout
    while True:
        v = check()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def http(url, method="GET", body=None, timeout=10):
    """(status, body bytes) of one request; status 0 when nothing answers."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


# ------------------------------------------------------------ Redis (RESP)

def redis_cmd(port, *args):
    """One command on a fresh connection; the reply (bytes, int, list, None)
    or RuntimeError for an error reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.sendall(out)
        f = s.makefile("rb")
        return _resp(f)


def _resp(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_resp(f) for _ in range(n)]
    raise RuntimeError("bad RESP reply %r" % line)


# ------------------------------------------------------------ the fleet

def base_env(tmp):
    """What every child gets: no inherited AWS/CELLSCAN settings, the
    sanitizer options of the test run kept."""
    env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "LC_ALL": "C.UTF-8"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TMPDIR"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


class Fleet:
    """mock-kafka + redis-server + the simulator + dispatcher + N workers +
    aggregator. `sim_args` are the simulator's arguments (default the demo
    organization); `env` is added to every daemon's environment,
    `worker_env` to the workers'."""

    def __init__(self, label, workers=3, partitions=6, sim_args=("--demo",), env=None,
                 worker_env=None, deadline_s=None):
        self.label = label
        self.nworkers = workers
        self.partitions = partitions
        self.sim_args = list(sim_args)
        self.extra_env = dict(env or {})
        self.worker_env = dict(worker_env or {})
        self.tmp = tempfile.mkdtemp(prefix="cs-%s-" % label)
        self.sim = self.redis = self.kafka = None
        self.dispatcher = self.aggregator = None
        self.workers = []
        self.ports = {}
        self.starts = {}
        self.bootstrap = ""
        self.sim_url = ""
        self.redis_port = 0
        self._pb2 = None

    # ---- start and stop

    def start(self, daemons=True):
        try:
            self.start_simulator()
            self.start_redis()
            self.start_kafka()
            if daemons:
                self.start_dispatcher()
                for _ in range(self.nworkers):
                    self.start_worker()
                self.start_aggregator()
                self.wait_healthy()
                self.wait_workers_settled()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, keep_tmp=False):
        for p in [self.dispatcher, self.aggregator] + self.workers:
            if p is not None:
                p.stop(8)
        for p in (self.kafka, self.redis, self.sim):
            if p is not None:
                p.stop(5)
        if not keep_tmp and not os.environ.get("CELLSCAN_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _name(self, kind):
        self.starts[kind] = self.starts.get(kind, 0) + 1
        return "%s-%d" % (kind, self.starts[kind])

    def start_simulator(self):
        port_file = os.path.join(self.tmp, "awssim.port")
        self.sim = Proc("awssim", [PYTHON, AWSSIM] + self.sim_args +
                        ["--port", "0", "--port-file", port_file],
                        base_env(self.tmp), self.tmp)

        def ready():
            if not self.sim.running():
                raise AssertionError("awssim exited:\n" + self.sim.log()[-3000:])
            return os.path.exists(port_file) and os.path.getsize(port_file) > 0
        wait_for(ready, 60, "the simulator")
        with open(port_file) as f:
            self.sim_url = "http://127.0.0.1:%d" % int(f.read().strip())

    def start_redis(self):
        self.redis_port = free_port()
        self.redis = Proc("redis", ["redis-server", "--port", str(self.redis_port), "--bind",
                                    "127.0.0.1", "--dir", self.tmp, "--save", "",
                                    "--appendonly", "no", "--daemonize", "no"],
                          base_env(self.tmp), self.tmp)

        def ready():
            try:
                return redis_cmd(self.redis_port, "PING") == b"PONG"
            except OSError:
                return False
        wait_for(ready, 20, "redis-server")

    def start_kafka(self):
        self.kafka = Proc("mock-kafka", [CELLSCAN, "mock-kafka", "--partitions",
                                         str(self.partitions)],
                          base_env(self.tmp), self.tmp, keep_stdout=True)
        line = self.kafka.p.stdout.readline().decode()
        if not line.startswith("bootstrap="):
            raise AssertionError("mock-kafka printed %r:\n%s" % (line, self.kafka.log()))
        self.bootstrap = line.strip().split("=", 1)[1]

    def env(self, extra=None):
        """The environment of a cellscan program of this fleet."""
        env = base_env(self.tmp)
        env.update({
            "AWS_ENDPOINT_URL": self.sim_url, "AWS_ACCESS_KEY_ID": KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_REGION": "us-east-1",
            "CELLSCAN_KAFKA_BROKERS": self.bootstrap,
            "CELLSCAN_REDIS_URL": "redis://127.0.0.1:%d/0" % self.redis_port,
            "CELLSCAN_TOPIC_PREFIX": PREFIX, "CELLSCAN_EXTERNAL_ID": EXTERNAL_ID,
            "CELLSCAN_STARTUP_TIMEOUT": "20", "CELLSCAN_DRAIN_TIMEOUT": "5",
            "CELLSCAN_LOG_LEVEL": "debug", "CELLSCAN_REPORT_TTL": "3600",
        })
        env.update(self.extra_env)
        env.update(extra or {})
        return env

    def _daemon(self, kind, prog, extra=None):
        name = self._name(kind)
        port = free_port()
        self.ports[name] = port
        env = self.env(dict(extra or {}, CELLSCAN_METRICS_ADDR="127.0.0.1:%d" % port))
        p = Proc(name, [os.path.join(BIN, prog)], env, self.tmp)
        p.metrics_port = port
        return p

    def start_dispatcher(self):
        self.dispatcher = self._daemon("dispatcher", "cellscan-dispatcher")
        return self.dispatcher

    def start_worker(self):
        n = self.starts.get("worker", 0) + 1
        w = self._daemon("worker", "cellscan-worker",
                         dict(self.worker_env, CELLSCAN_WORKER_ID="worker-%d" % n))
        self.workers.append(w)
        return w

    def start_aggregator(self):
        self.aggregator = self._daemon("aggregator", "cellscan-aggregator")
        return self.aggregator

    def restore(self):
        """Restarts whatever daemon is gone (a test killed it): the group
        back at full strength and settled."""
        self.workers = [w for w in self.workers if w.running()]
        started = []
        while len(self.workers) < self.nworkers:
            started.append(self.start_worker())
        if self.aggregator is None or not self.aggregator.running():
            started.append(self.start_aggregator())
        if self.dispatcher is None or not self.dispatcher.running():
            started.append(self.start_dispatcher())
        self.wait_healthy(started)
        self.wait_workers_settled()

    def daemons(self):
        return [p for p in [self.dispatcher, self.aggregator] + self.workers
                if p is not None and p.running()]

    def wait_healthy(self, procs=None, timeout=60):
        for p in procs or self.daemons():
            def ok(p=p):
                if not p.running():
                    raise AssertionError("%s exited %s:\n%s" % (p.name, p.p.returncode,
                                                               p.log()[-3000:]))
                return http("http://127.0.0.1:%d/healthz" % p.metrics_port)[0] == 200
            wait_for(ok, timeout, p.name + " /healthz")

    @staticmethod
    def owned(p, topic_suffix):
        """Partitions of <prefix>topic_suffix that p owns by its log (eager
        rebalances: the last assignment, unless revoked or lost since)."""
        owned = 0
        for rec in p.log_lines():
            msg = rec.get("msg", "")
            if not msg.endswith("of " + PREFIX + topic_suffix) and \
                    PREFIX + topic_suffix + ";" not in msg:
                continue
            words = msg.split()
            if words[0] == "assigned":
                owned = int(words[1])
            elif words[0] in ("revoked", "lost"):
                owned = 0
        return owned

    def wait_workers_settled(self, timeout=60):
        """Until every running worker owns partitions of cell-jobs and
        together they own all of them, stable for 1.5 s (so that a scan
        submitted now meets no rebalance)."""
        workers = [w for w in self.workers if w.running()]
        stable_since = [None]

        def settled():
            counts = [self.owned(w, "cell-jobs") for w in workers]
            ok = all(c > 0 for c in counts) and sum(counts) == self.partitions
            if not ok:
                stable_since[0] = None
                return False
            if stable_since[0] is None:
                stable_since[0] = time.monotonic()
            return time.monotonic() - stable_since[0] >= 1.5
        wait_for(settled, timeout, "the workers group to settle", interval=0.25)

    def wait_aggregator_assigned(self, timeout=60):
        wait_for(lambda: self.owned(self.aggregator, "cell-results") == self.partitions,
                 timeout, "the aggregator's assignment", interval=0.2)

    # ---- the simulator

    def sim_admin(self, path, method="GET", body=None):
        status, data = http(self.sim_url + "/_awssim/" + path, method, body, timeout=30)
        if status != 200:
            raise AssertionError("awssim %s %s: %s %r" % (method, path, status, data[:300]))
        return json.loads(data or b"null")

    def sim_reset(self, faults=None):
        """Faults replaced by `faults` (a list; the fixture's own are kept
        when None), log and counters cleared."""
        if faults is not None:
            self.sim_admin("faults", "DELETE")
            if faults:
                self.sim_admin("faults", "POST", faults)
        self.sim_admin("reset", "POST")

    def add_faults(self, faults):
        """Adds simulator faults (a list); returns their ids."""
        return self.sim_admin("faults", "POST", faults)["ids"]

    def remove_faults(self, ids):
        for i in ids:
            self.sim_admin("faults/%s" % i, "DELETE")

    def assume_roles(self, role="CellScanReadOnly"):
        """{target account: [outcome, ...]} of the AssumeRole calls into
        `role` since the last reset, and the entries themselves."""
        entries = self.sim_admin("log?operation=AssumeRole&limit=100000")["entries"]
        per = {}
        for e in entries:
            if e.get("role_arn", "").rsplit("/", 1)[-1] == role:
                per.setdefault(e["target_account"], []).append(e["outcome"])
        return per, entries

    # ---- the CLI

    def cli(self, args, client=None, timeout=120, extra=None):
        env = self.env(extra)
        if client:
            env["CELLSCAN_CLIENT_ID"] = client
        return subprocess.run([CELLSCAN] + args, env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def write_json(self, name, obj):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            json.dump(obj, f)
        return path

    def submit(self, scope, scan_id, policy=DEMO_POLICY):
        """`cellscan submit` of the scope (a dict); returns the scan id."""
        path = self.write_json("scope-%s.json" % scan_id, scope)
        args = ["submit", "--scope", path, "--scan-id", scan_id]
        if policy:
            args += ["--policy", policy]
        p = self.cli(args, timeout=60)
        if p.returncode != 0:
            raise AssertionError("cellscan submit: %d %s" % (p.returncode, p.stderr))
        assert p.stdout.strip() == scan_id, p.stdout
        return scan_id

    def decode(self, topic, idle_ms=1000):
        """Every record of topic so far, as `cellscan decode` prints them."""
        p = self.cli(["decode", "--topic", topic, "--from-beginning",
                      "--timeout-ms", str(idle_ms)], timeout=120)
        if p.returncode != 0:
            raise AssertionError("cellscan decode: %d %s" % (p.returncode, p.stderr))
        return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]

    def reports_on_topic(self, scan_id):
        """The ScanReports of scan_id on scan-results (decoded records)."""
        return [r for r in self.decode("scan-results")
                if (r.get("value") or {}).get("scan_id") == scan_id]

    def cell_records(self, scan_id):
        """(manifests, results) of scan_id on cell-results, decoded."""
        manifests, results = [], []
        for rec in self.decode("cell-results"):
            v = rec.get("value") or {}
            if (v.get("manifest") or {}).get("scan_id") == scan_id:
                manifests.append(rec)
            elif (v.get("result") or {}).get("scan_id") == scan_id:
                results.append(rec)
        return manifests, results

    def wait_report(self, scan_id, timeout=120):
        """Waits for the report of scan_id on scan-results; returns the
        decoded records (at least one)."""
        return wait_for(lambda: self.reports_on_topic(scan_id), timeout,
                        "the report of " + scan_id, interval=0.5)

    def wait_stored(self, scan_id, client, timeout=60):
        """Waits for the report of scan_id in Redis: the aggregator stores
        it after scan-results acknowledged it, so a report seen on the
        topic may not be in Redis yet."""
        return wait_for(lambda: self.stored_report(client, scan_id), timeout,
                        "the stored report of " + scan_id, interval=0.2)

    def report_json(self, scan_id, client):
        """`cellscan report SCAN --format json` as client: (exit status,
        parsed JSON or None, stderr)."""
        p = self.cli(["report", scan_id, "--format", "json"], client=client, timeout=60)
        body = json.loads(p.stdout) if p.returncode == 0 else None
        return p.returncode, body, p.stderr

    def stored_report(self, client, scan_id):
        """The raw value of the report's Redis key."""
        return redis_cmd(self.redis_port, "GET", "client:%s:scan:%s" % (client, scan_id))

    # ---- raw Kafka (confluent_kafka)

    def producer(self):
        from confluent_kafka import Producer
        return Producer({"bootstrap.servers": self.bootstrap, "enable.idempotence": True,
                         "log_level": 3})

    def produce(self, topic, key, value, headers=None):
        """Produces one record to <prefix>topic and waits for its
        acknowledgement; returns (partition, offset)."""
        p = self.producer()
        got = []
        p.produce(PREFIX + topic, key=key, value=value, headers=headers,
                  on_delivery=lambda err, msg: got.append((err, msg)))
        p.flush(20)
        assert got and got[0][0] is None, "produce to %s failed: %r" % (topic, got)
        return got[0][1].partition(), got[0][1].offset()

    def raw_records(self, topic):
        """Every record of <prefix>topic so far: dicts with partition,
        offset, key, value (bytes), headers."""
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "fleet-test-raw",
                      "enable.auto.commit": False, "log_level": 3})
        try:
            name = PREFIX + topic
            parts, left = [], 0
            high = {}
            for p in range(self.partitions):
                lo, hi = c.get_watermark_offsets(TopicPartition(name, p), timeout=10)
                high[p] = hi
                if hi > lo:
                    parts.append(TopicPartition(name, p, lo))
                    left += hi - lo
            c.assign(parts)
            out = []
            deadline = time.monotonic() + 30
            while left > 0 and time.monotonic() < deadline:
                m = c.poll(0.2)
                if m is None or m.error() or m.offset() >= high[m.partition()]:
                    continue
                out.append({"partition": m.partition(), "offset": m.offset(),
                            "key": m.key(), "value": m.value(),
                            "headers": dict((k, v) for k, v in (m.headers() or []))})
                left -= 1
            assert left == 0, "%d record(s) of %s not read" % (left, name)
            return out
        finally:
            c.close()

    # ---- protobuf (generated from proto/cellscan.proto with protoc)

    def pb(self):
        if self._pb2 is None:
            gen = os.path.join(self.tmp, "pb")
            os.makedirs(gen, exist_ok=True)
            subprocess.run(["protoc", "-I", os.path.join(SRC, "proto"),
                            "--python_out=" + gen, os.path.join(SRC, "proto", "cellscan.proto")],
                           check=True, timeout=60)
            sys.path.insert(0, gen)
            try:
                import cellscan_pb2
            finally:
                sys.path.remove(gen)
            self._pb2 = cellscan_pb2
        return self._pb2

    # ---- metrics

    def metric(self, p, name):
        """Sum of every series of metric `name` in p's /metrics (None when
        it does not answer)."""
        status, body = http("http://127.0.0.1:%d/metrics" % p.metrics_port)
        if status != 200:
            return None
        total = 0.0
        for line in body.decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
        return total


# ------------------------------------------------------------ the oracle

def oracle(sim_args, scope, policy=DEMO_POLICY, tmp=None):
    """What tests/awssim/oracle.py prints for the simulator's world (its
    arguments: --demo, --fixture F, --synthetic S), the scope (a dict)
    and the policy file."""
    fd, path = tempfile.mkstemp(suffix=".json", dir=tmp)
    with os.fdopen(fd, "w") as f:
        json.dump(scope, f)
    try:
        args = [PYTHON, ORACLE] + list(sim_args) + ["--scope", path]
        if policy:
            args += ["--policy", policy]
        p = subprocess.run(args, capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError("oracle: %s" % p.stderr)
        return json.loads(p.stdout)
    finally:
        os.unlink(path)


def diff(want, got, path="report", strict=False, approx=1e-9):
    """Differences between an expected report (the oracle's) and a got one
    (a list of strings; [] = equal): over the fields of `want` only, or
    over both sides' fields when strict."""
    out = []
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return ["%s: expected an object, got %r" % (path, got)]
        for k in want:
            if k not in got:
                out.append("%s.%s: missing" % (path, k))
            else:
                out += diff(want[k], got[k], path + "." + k, strict, approx)
        if strict:
            out += ["%s.%s: not expected" % (path, k) for k in got if k not in want]
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return ["%s: expected %d items, got %r" % (path, len(want),
                                                      len(got) if isinstance(got, list) else got)]
        for i, (a, b) in enumerate(zip(want, got)):
            out += diff(a, b, "%s[%d]" % (path, i), strict, approx)
    elif isinstance(want, float) or isinstance(got, float):
        if not isinstance(got, (int, float)) or isinstance(got, bool) or abs(want - got) > approx:
            out.append("%s: expected %r, got %r" % (path, want, got))
    elif want != got:
        out.append("%s: expected %r, got %r" % (path, want, got))
    return out


def extra_fields(want, got):
    """Fields of a report.json beyond the oracle's other than the run's
    own (scan_id, times, per-cell costs): a list of strings."""
    out = ["report.%s" % k for k in set(got) - set(want) - RUN_FIELDS]
    for key, ev in got.get("evidence_completeness", {}).items():
        exp = want.get("evidence_completeness", {}).get(key, {})
        out += ["evidence %s.%s" % (key, k) for k in set(ev) - set(exp) - RUN_EVIDENCE_FIELDS]
    return out


def without_run_fields(report):
    """A report.json without what depends on the run (ids, times, costs):
    two runs of the same scan must agree on the rest."""
    r = {k: v for k, v in report.items() if k not in RUN_FIELDS}
    r["evidence_completeness"] = {
        key: {k: v for k, v in ev.items() if k not in RUN_EVIDENCE_FIELDS}
        for key, ev in report.get("evidence_completeness", {}).items()}
    return r


def b64(data):
    return base64.b64encode(data).decode()


# ------------------------------------------------------------ reports

def _enum(value, prefix):
    return value[len(prefix):].lower() if isinstance(value, str) and \
        value.startswith(prefix) else value


def topic_report(value):
    """A ScanReport as `cellscan decode` prints it (protobuf field names,
    enums by name) in the shape of report.json, so that it compares with
    the oracle's report: statuses and kinds in lower case, account totals
    flattened, resource types and evidence keyed."""
    totals = dict(value.get("overall") or {})
    out = {k: value[k] for k in ("schema_version", "scan_id", "client_id", "reason",
                                 "violations_truncated") if k in value}
    out["status"] = _enum(value.get("status"), "SCAN_")
    out["overall"] = totals
    out["accounts"] = []
    for a in value.get("accounts", []):
        acc = {"account_id": a["account_id"], "status": _enum(a["status"], "SCAN_")}
        acc.update(a.get("totals") or {})
        acc["resource_types"] = {t["resource_type"]: {"total": t["total"],
                                                      "compliant": t["compliant"]}
                                 for t in a.get("resource_types", [])}
        out["accounts"].append(acc)
    out["skipped_accounts"] = value.get("skipped_accounts", [])
    out["errors"] = {"permission_denied": (value.get("errors") or {}).get(
        "permission_denied", [])}
    out["evidence_completeness"] = {
        e["key"]: dict({k: v for k, v in e.items() if k != "key"},
                       status=_enum(e["status"], "EVIDENCE_"))
        for e in value.get("evidence_completeness", [])}
    out["violations"] = [dict(v, kind=v["kind"].lower()) for v in value.get("violations", [])]
    return out


class FleetTestCase:
    """Mixin for unittest.TestCase classes that share one fleet
    (cls.fleet) per class: started in setUpClass by start_fleet(),
    stopped for sure in tearDownClass."""

    fleet = None

    @classmethod
    def start_fleet(cls, label, **kw):
        cls.fleet = Fleet(label, **kw).start()
        return cls.fleet

    @classmethod
    def tearDownClass(cls):
        if cls.fleet is not None:
            cls.fleet.stop()
            cls.fleet = None

    def assert_no_diff(self, want, got, what, strict=False):
        d = diff(want, got, strict=strict)
        self.assertEqual(d, [], "%s differs in %d place(s):\n  %s" % (
            what, len(d), "\n  ".join(d[:40])))

    def assert_report_equals_oracle(self, expected, report, what):
        """report.json (from `cellscan report`) equals the oracle's, and
        holds nothing beyond it but the run's own fields."""
        self.assert_no_diff(expected, report, what)
        self.assertEqual(extra_fields(expected, report), [], what)

    def assert_same_report(self, base, report, what):
        """Two report.json of the same scope agree on everything but ids,
        times and per-cell costs."""
        self.assert_no_diff(without_run_fields(base), without_run_fields(report), what,
                            strict=True)
