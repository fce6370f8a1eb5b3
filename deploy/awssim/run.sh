#!/bin/bash
# Entrypoint of the awssim image (deploy/Dockerfile, target awssim), for
# deploy/compose.yaml only. The simulator listens on 127.0.0.1 by design;
# socat forwards the container's port 4566 to it so the other containers
# reach it as http://awssim:4566 (the Host header the clients signed passes
# through unchanged, so SigV4 verification is unaffected).
#
#   awssim-run [awssim.py arguments]     default: --demo
#   AWSSIM_DIR (/opt/awssim), AWSSIM_BIND (0.0.0.0), AWSSIM_LISTEN_PORT (4566),
#   AWSSIM_PORT (4567, the simulator itself on 127.0.0.1)
set -uo pipefail
sim_dir=${AWSSIM_DIR:-/opt/awssim}
listen_port=${AWSSIM_LISTEN_PORT:-4566}
bind=${AWSSIM_BIND:-0.0.0.0}
sim_port=${AWSSIM_PORT:-4567}
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--demo)

# Trap before starting anything, so a stop request is never lost.
stopping=0
trap 'stopping=1' TERM INT
/usr/bin/python3 "$sim_dir/awssim.py" --port "$sim_port" "${args[@]}" &
sim=$!
socat "TCP-LISTEN:$listen_port,bind=$bind,fork,reuseaddr" "TCP:127.0.0.1:$sim_port" &
fwd=$!
# Whichever ends first ends the container; the other is stopped too.
status=0
while [ "$stopping" = 0 ] && kill -0 "$sim" 2>/dev/null && kill -0 "$fwd" 2>/dev/null; do
  wait -n "$sim" "$fwd"
  status=$?
done
[ "$stopping" = 1 ] && status=143
kill -TERM "$sim" "$fwd" 2>/dev/null
# A child that ignores TERM (e.g. signalled mid-start-up) must not keep the
# container alive: give both 5 s, then KILL.
for _ in $(seq 50); do
  kill -0 "$sim" 2>/dev/null || kill -0 "$fwd" 2>/dev/null || break
  sleep 0.1
done
kill -KILL "$sim" "$fwd" 2>/dev/null
wait
exit "$status"
