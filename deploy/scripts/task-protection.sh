#!/bin/bash
# cellscan-task-protection: ECS task scale-in protection for a worker task.
#
# Runs as a second, non-essential container of the worker task (same network
# namespace, awsvpc). Every CELLSCAN_PROTECT_INTERVAL seconds it reads
# cellscan_cells_in_flight from the worker's /metrics; while cells run it
# keeps the task protected through the ECS agent endpoint
# ($ECS_AGENT_URI/task-protection/v1/state), renewing before expiry, and it
# removes the protection as soon as the worker is idle, so scale-in only
# stops idle workers. The agent calls ecs:UpdateTaskProtection with the
# task role's credentials: deploy/ecs/fleet.yaml grants exactly that (and
# ecs:GetTaskProtection) on the cluster's tasks.
#
# Protection is an optimisation, not a correctness device: a worker stopped
# mid-cell drains for CELLSCAN_DRAIN_TIMEOUT seconds and Kafka redelivers
# whatever it did not finish.
#
# Settings (environment):
#   ECS_AGENT_URI                  set by the ECS agent; without it: exit 0
#   CELLSCAN_PROTECT_METRICS_URL   default http://127.0.0.1:9464/metrics
#   CELLSCAN_PROTECT_INTERVAL      seconds between checks, default 10 (0.1..300)
#   CELLSCAN_PROTECT_MINUTES       ExpiresInMinutes sent, default 30 (1..2880)
#   CELLSCAN_PROTECT_RENEW         seconds after which a protection is renewed,
#                                  default half the expiry (1..expiry-1)
set -uo pipefail
export TZ=UTC
# shellcheck source=http.sh
. "${CELLSCAN_LIB_DIR:-/usr/local/lib/cellscan}/http.sh"

log() {
  local level=$1 msg=$2
  msg=${msg//\\/\\\\}
  msg=${msg//\"/\\\"}
  printf '{"ts":"%(%Y-%m-%dT%H:%M:%SZ)T","level":"%s","component":"task-protection","msg":"%s"}\n' \
    -1 "$level" "$msg" >&2
}

die_setting() {
  log error "$1"
  exit 2
}

metrics_url=${CELLSCAN_PROTECT_METRICS_URL:-http://127.0.0.1:9464/metrics}
interval=${CELLSCAN_PROTECT_INTERVAL:-10}
minutes=${CELLSCAN_PROTECT_MINUTES:-30}

[[ $interval =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v v="$interval" 'BEGIN { exit !(v >= 0.1 && v <= 300) }' ||
  die_setting "CELLSCAN_PROTECT_INTERVAL=$interval is out of range: allowed 0.1..300"
[[ $minutes =~ ^[0-9]+$ ]] && ((minutes >= 1 && minutes <= 2880)) ||
  die_setting "CELLSCAN_PROTECT_MINUTES=$minutes is out of range: allowed 1..2880"
renew=${CELLSCAN_PROTECT_RENEW:-$((minutes * 30))}
[[ $renew =~ ^[0-9]+$ ]] && ((renew >= 1 && renew < minutes * 60)) ||
  die_setting "CELLSCAN_PROTECT_RENEW=$renew is out of range: allowed 1..$((minutes * 60 - 1))"

if [ -z "${ECS_AGENT_URI:-}" ]; then
  log info "ECS_AGENT_URI is not set: not running on ECS, nothing to protect"
  exit 0
fi
state_url=${ECS_AGENT_URI%/}/task-protection/v1/state

sleeper=
stop() {
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
  log info "stopping"
  exit 0
}
trap stop TERM INT

# Prints the number of cells in flight; returns 1 when it cannot be read.
cells_in_flight() {
  cs_http GET "$metrics_url" || return 1
  [ "$CS_HTTP_STATUS" = 200 ] || return 1
  printf '%s' "$CS_HTTP_BODY" | awk '
    $1 ~ /^cellscan_cells_in_flight(\{|$)/ { found = 1; sum += $NF }
    END { if (!found) exit 1; print (sum > 0) ? int(sum + 0.5) : 0 }'
}

# set_protection true|false: returns 0 when the agent confirmed it.
set_protection() {
  local body
  if [ "$1" = true ]; then
    body="{\"ProtectionEnabled\":true,\"ExpiresInMinutes\":$minutes}"
  else
    body='{"ProtectionEnabled":false}'
  fi
  if ! cs_http PUT "$state_url" "$body"; then
    log warn "ECS agent endpoint did not answer: $state_url"
    return 1
  fi
  if [ "$CS_HTTP_STATUS" != 200 ] || [[ $CS_HTTP_BODY == *'"failure"'* ]] ||
    [[ $CS_HTTP_BODY == *'"error"'* ]] || [[ $CS_HTTP_BODY != *'"protection"'* ]]; then
    log warn "protection=$1 refused (HTTP $CS_HTTP_STATUS): ${CS_HTTP_BODY%$'\n'}"
    return 1
  fi
  log info "protection=$1 (expires in ${minutes} min when true)"
  return 0
}

log info "watching $metrics_url every ${interval}s; protection for ${minutes} min, renewed after ${renew}s"
protected=0
renew_at=0
metrics_ok=1
while :; do
  if n=$(cells_in_flight); then
    if ((metrics_ok == 0)); then
      log info "worker metrics readable again"
      metrics_ok=1
    fi
    if ((n > 0)); then
      if ((protected == 0 || EPOCHSECONDS >= renew_at)) && set_protection true; then
        protected=1
        renew_at=$((EPOCHSECONDS + renew))
      fi
    elif ((protected == 1)) && set_protection false; then
      protected=0
    fi
  elif ((metrics_ok == 1)); then
    # Keep whatever protection there is: it expires by itself.
    log warn "cannot read cellscan_cells_in_flight from $metrics_url"
    metrics_ok=0
  fi
  sleep "$interval" &
  sleeper=$!
  wait "$sleeper"
  sleeper=
done
