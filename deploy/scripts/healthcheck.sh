#!/bin/bash
# cellscan-healthcheck: exits 0 when the daemon in this container answers
# GET /healthz with HTTP 200, else 1 (Docker HEALTHCHECK, ECS healthCheck).
#
#   cellscan-healthcheck [HOST:PORT]
#
# The address defaults to CELLSCAN_METRICS_ADDR; a wildcard host (0.0.0.0,
# ::, empty) is checked on 127.0.0.1. With CELLSCAN_METRICS_ADDR=off there
# is no endpoint, and the check passes with a notice.
set -uo pipefail
# shellcheck source=http.sh
. "${CELLSCAN_LIB_DIR:-/usr/local/lib/cellscan}/http.sh"

addr=${1:-${CELLSCAN_METRICS_ADDR:-127.0.0.1:9464}}
if [ "$addr" = off ]; then
  echo "healthcheck: CELLSCAN_METRICS_ADDR=off, no /healthz to check"
  exit 0
fi
host=${addr%:*}
port=${addr##*:}
case $host in
  "" | 0.0.0.0 | "*" | "[::]" | "::") host=127.0.0.1 ;;
esac
if ! cs_http GET "http://$host:$port/healthz"; then
  echo "healthcheck: no answer from http://$host:$port/healthz"
  exit 1
fi
if [ "$CS_HTTP_STATUS" != 200 ]; then
  echo "healthcheck: http://$host:$port/healthz answered $CS_HTTP_STATUS: ${CS_HTTP_BODY%$'\n'}"
  exit 1
fi
exit 0
