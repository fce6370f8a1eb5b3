#!/usr/bin/env bash
# README command 1: installs what is missing (apt), builds, starts the AWS
# simulator with the demo organization (tests/awssim, fixtures/demo.yaml)
# on a free loopback port, and runs `cellscan run` against it with
# organization discovery: the whole fleet in one process, a progress bar,
# the summary table, report.json and report.html. The simulator is stopped
# on exit, whatever happens.
#   CELLSCAN_BUILD_DIR      build directory (default build/)
#   CELLSCAN_DEMO_OUT       where the reports and the log go (default out/demo)
#   CELLSCAN_DEMO_WORKERS   worker cores (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
bin=${CELLSCAN_BUILD_DIR:-build}/bin
out=${CELLSCAN_DEMO_OUT:-out/demo}
workers=${CELLSCAN_DEMO_WORKERS:-3}
scope=tests/awssim/fixtures/demo-scope.json
policy=tests/awssim/fixtures/demo-policy.json

tmp=$(mktemp -d)
sim_pid=
stop_simulator() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$sim_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap stop_simulator EXIT
trap 'exit 130' INT TERM

mkdir -p "$out"
/usr/bin/python3 tests/awssim/awssim.py --demo --port 0 --port-file "$tmp/port" \
  --log-file "$out/awssim-requests.jsonl" >"$tmp/awssim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 300); do
  [ -s "$tmp/port" ] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    echo "demo: the AWS simulator did not start:" >&2
    cat "$tmp/awssim.log" >&2
    exit 1
  fi
  sleep 0.1
done
[ -s "$tmp/port" ] || { echo "demo: the AWS simulator did not listen within 30 s" >&2; exit 1; }
port=$(cat "$tmp/port")

# Only the simulator: the demo fixture's scanner user holds AWS's documented
# example keys (they sign requests to 127.0.0.1, never to AWS), and nothing
# else from the caller's environment may choose other credentials or
# endpoints.
unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE \
  AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
  AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE
for v in $(compgen -e | grep '^AWS_ENDPOINT_URL_' || true); do unset "$v"; done
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true

cat <<EOF

== The demo organization (AWS simulator on http://127.0.0.1:$port)
   Root: management 111111111111 (org-discovery role)
   Security: 222222222222 (the scanner's account), 888888888888
   Workloads/Prod: 333333333333 (af-south-1 enabled), 444444444444 (EC2 throttled; af-south-1 off)
   Workloads/Dev: 555555555555 (role refuses the scanner), 666666666666 (suspended),
                  777777777777 (role denied lambda:*)
== cellscan run --scope $scope --policy $policy --workers $workers --out $out

EOF
status=0
"$bin/cellscan" run --scope "$scope" --policy "$policy" --workers "$workers" \
  --out "$out" || status=$?

if [ -s "$out/report.json" ]; then
  cat <<EOF

Open $out/report.html in a browser for the full page (accounts, permission
denied, top violations, evidence per cell); $out/report.json is the
machine-readable report and $out/cellscan.log the fleet's JSON log. The
simulator's request log is $out/awssim-requests.jsonl.
EOF
fi
exit "$status"
