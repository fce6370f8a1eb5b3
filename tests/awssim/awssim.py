#!/usr/bin/python3
"""awssim: a multi-account fake AWS endpoint for cellscan's tests and demo.

  /usr/bin/python3 tests/awssim/awssim.py --fixture FILE [--port 0] [--port-file PATH]
                                          [--log-file PATH]
  /usr/bin/python3 tests/awssim/awssim.py --demo
  /usr/bin/python3 tests/awssim/awssim.py --synthetic accounts=N,resources=M,seed=S,compliance=0.7

Prints one line "awssim listening on http://127.0.0.1:PORT" when ready and
serves until SIGTERM or SIGINT. See README.md beside this file.
"""
import argparse
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fixture  # noqa: E402
import server  # noqa: E402
import synthetic  # noqa: E402


def load_world(args):
    if args.synthetic:
        return synthetic.SyntheticWorld(args.synthetic)
    return fixture.load(fixture.DEMO_FIXTURE if args.demo else args.fixture)


def main(argv=None):
    p = argparse.ArgumentParser(prog="awssim", description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--fixture", help="fixture file (YAML or JSON)")
    src.add_argument("--demo", action="store_true", help="serve fixtures/demo.yaml")
    src.add_argument("--synthetic", metavar="SPEC",
                     help="accounts=N,resources=M,seed=S,compliance=C[,regions=a:b,page=P,...]")
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = any free port)")
    p.add_argument("--port-file", help="write the port number to this file once listening")
    p.add_argument("--log-file", help="append the request log here as JSON lines")
    args = p.parse_args(argv)
    try:
        world = load_world(args)
    except (OSError, ValueError) as e:
        print(f"awssim: {e}", file=sys.stderr)
        return 2
    srv = server.AwsSimServer(server.Simulator(world, args.log_file), args.port)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{srv.port}\n")
        os.replace(tmp, args.port_file)

    def stop(signum, frame):
        srv.sim.stopping.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"awssim listening on {srv.url}", flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    finally:
        srv.server_close()
        srv.sim.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
