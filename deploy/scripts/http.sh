# http.sh: a minimal HTTP/1.0 client in bash (no curl in the image), sourced
# by cellscan-healthcheck and cellscan-task-protection.
#
#   cs_http METHOD URL [JSON_BODY]
#
# Sets CS_HTTP_STATUS to the status code and CS_HTTP_BODY to the response
# body (no command substitution needed, so both survive the call). Returns 0 when a status line was read, 1 when the server could not
# be reached or did not answer within CS_HTTP_TIMEOUT seconds (default 5),
# 2 for a URL it cannot handle (only http://host[:port]/path).

CS_HTTP_TIMEOUT=${CS_HTTP_TIMEOUT:-5}

cs_http() {
  local method=$1 url=$2 body=${3-} rest hostport host port path line fd
  local LC_ALL=C
  CS_HTTP_STATUS=
  CS_HTTP_BODY=
  rest=${url#http://}
  if [ "$rest" = "$url" ] || [ -z "$rest" ]; then
    echo "cs_http: only http:// URLs are supported: $url" >&2
    return 2
  fi
  hostport=${rest%%/*}
  if [ "$hostport" = "$rest" ]; then
    path=/
  else
    path=/${rest#*/}
  fi
  host=${hostport%:*}
  port=${hostport##*:}
  if [ "$host" = "$hostport" ]; then
    port=80
  fi
  # the group keeps 2>/dev/null from applying to the shell itself
  { exec {fd}<>"/dev/tcp/$host/$port"; } 2>/dev/null || return 1
  {
    printf '%s %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n' \
      "$method" "$path" "$hostport"
    if [ -n "$body" ]; then
      printf 'Content-Type: application/json\r\nContent-Length: %d\r\n' "${#body}"
    fi
    printf '\r\n%s' "$body"
  } >&"$fd" 2>/dev/null || { exec {fd}<&-; return 1; }
  if ! IFS= read -r -t "$CS_HTTP_TIMEOUT" line <&"$fd"; then
    exec {fd}<&-
    return 1
  fi
  line=${line%$'\r'}
  case $line in
    HTTP/1.[01]\ [0-9][0-9][0-9]*) ;;
    *) exec {fd}<&-; return 1 ;;
  esac
  CS_HTTP_STATUS=${line:9:3}
  while IFS= read -r -t "$CS_HTTP_TIMEOUT" line <&"$fd"; do
    line=${line%$'\r'}
    [ -n "$line" ] || break
  done
  while IFS= read -r -t "$CS_HTTP_TIMEOUT" line <&"$fd" || [ -n "$line" ]; do
    CS_HTTP_BODY+=$line$'\n'
    line=
  done
  exec {fd}<&-
  return 0
}
