#!/bin/bash
# Entrypoint of the cellscan image: the first argument chooses the program.
#
#   dispatcher | worker | aggregator   the daemons (cellscan-<name>)
#   task-protection                    ECS scale-in protection helper (worker tasks)
#   healthcheck                        GET /healthz of the daemon in this container
#   help                               this text
#   anything else                      the cellscan CLI: `docker run IMAGE submit --scope F`
#
# The program replaces this shell (exec), so it receives SIGTERM directly and
# its exit status is the container's. Settings come from the environment
# (CELLSCAN_*, AWS_*); flags after the program name override them.
set -euo pipefail
bin=${CELLSCAN_BIN_DIR:-/usr/local/bin}

usage() {
  sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

cmd=${1:-help}
case $cmd in
  dispatcher | worker | aggregator)
    shift
    exec "$bin/cellscan-$cmd" "$@"
    ;;
  task-protection | healthcheck)
    shift
    exec "$bin/cellscan-$cmd" "$@"
    ;;
  help | -h | --help)
    usage
    ;;
  cellscan)
    shift
    exec "$bin/cellscan" "$@"
    ;;
  *)
    exec "$bin/cellscan" "$@"
    ;;
esac
