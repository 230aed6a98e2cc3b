#!/usr/bin/env bash
# A hub and two edges on loopback, in one command (as root on Debian 12, like ./run.sh):
#
#   scripts/sync-demo.sh            (builds build/server/eddy first when it is missing)
#   EDDY=/path/to/eddy scripts/sync-demo.sh
#
# Edge 2 is cut off from the hub (EDGE.PAUSE) while all three take writes with redis-cli: a
# counter incremented on all three, a list pushed on all three, a string. It keeps working
# offline, its writes waiting in its journal. After healing (EDGE.RESUME) and EDGE.SYNC WAIT on
# each edge, the script prints what every node holds. Every process it started is stopped when
# it exits, however it exits; KEEP=1 keeps the data directory and the logs.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
eddy="${EDDY:-$root/build/server/eddy}"
if [[ ! -x "$eddy" ]]; then
  if [[ -n "${EDDY:-}" ]]; then
    echo "$EDDY is not an executable" >&2
    exit 1
  fi
  # shellcheck source=../deps.sh
  (cd "$root" && source ./deps.sh && build_eddy)
fi
if ! command -v redis-cli >/dev/null; then
  # shellcheck source=../deps.sh
  (cd "$root" && source ./deps.sh && install_missing redis-tools)
fi

work="$(mktemp -d /tmp/eddy-sync-demo-XXXXXX)"
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${KEEP:-0}" == 1 ]]; then
    echo "data and logs kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A loopback port nothing listens on.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

cli() {
  local port="$1"
  shift
  redis-cli -h 127.0.0.1 -p "$port" "$@"
}

# start NAME PORT ARGS...: starts eddy in $work/NAME, logging to $work/NAME/server.log, and
# waits until it answers PING.
start() {
  local name="$1" port="$2"
  shift 2
  mkdir -p "$work/$name"
  "$eddy" --port "$port" --bind 127.0.0.1 --dir "$work/$name" "$@" \
    >>"$work/$name/server.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 100); do
    if [[ "$(cli "$port" PING 2>/dev/null)" == PONG ]]; then return; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "$name did not start; its log:" >&2
  cat "$work/$name/server.log" >&2
  exit 1
}

if [[ -t 1 ]]; then
  say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
else
  say() { printf '\n%s\n' "$*"; }
fi
show() { printf '  %-7s %-28s %s\n' "$1" "$2" "$3"; }

hub=$(free_port)
edge1=$hub edge2=$hub
while [[ $edge1 == "$hub" ]]; do edge1=$(free_port); done
while [[ $edge2 == "$hub" || $edge2 == "$edge1" ]]; do edge2=$(free_port); done

say "Starting a hub (port $hub) and two edges (ports $edge1, $edge2) in $work"
start hub "$hub" --role hub
start edge1 "$edge1" --role edge --node-name edge1 --hub "127.0.0.1:$hub"
start edge2 "$edge2" --role edge --node-name edge2 --hub "127.0.0.1:$hub"
cli "$edge2" EDGE.PAUSE >/dev/null
echo "  edge2 is cut off: EDGE.PAUSE dropped its link to the hub"

say "Writing on all three while edge2 is offline"
cli "$hub" INCRBY visits 1 >/dev/null
cli "$edge1" INCRBY visits 10 >/dev/null
cli "$edge2" INCRBY visits 100 >/dev/null
cli "$hub" RPUSH events "hub: deploy v2" >/dev/null
cli "$edge1" RPUSH events "edge1: door opened" >/dev/null
cli "$edge2" RPUSH events "edge2: sale #1042" "edge2: sale #1043" >/dev/null
cli "$edge2" SET motd "written on edge2 while offline" >/dev/null
show hub "INCRBY visits 1" "RPUSH events \"hub: deploy v2\""
show edge1 "INCRBY visits 10" "RPUSH events \"edge1: door opened\""
show edge2 "INCRBY visits 100" "RPUSH events \"edge2: sale #1042\" \"edge2: sale #1043\""
show edge2 "SET motd \"written on edge2 while offline\"" ""
cli "$edge1" EDGE.SYNC WAIT 10000 >/dev/null

say "Before healing"
for node in hub:"$hub" edge1:"$edge1" edge2:"$edge2"; do
  name="${node%%:*}" port="${node##*:}"
  show "$name" "visits=$(cli "$port" GET visits)" "events=$(cli "$port" LLEN events)"
done
link=$(cli "$edge2" EDGE.STATUS | awk 'prev == "link" { print; exit } { prev = $0 }')
echo "  edge2 link: $link; pending effects: $(cli "$edge2" EDGE.STATUS |
  awk 'prev == "pending_effects" { print; exit } { prev = $0 }')"

say "Healing: EDGE.RESUME on edge2"
cli "$edge2" EDGE.RESUME >/dev/null

say "EDGE.SYNC WAIT on each edge"
for node in edge2:"$edge2" edge1:"$edge1" edge2:"$edge2"; do
  name="${node%%:*}" port="${node##*:}"
  reply=$(cli "$port" EDGE.SYNC WAIT 10000)
  echo "  $name: EDGE.SYNC WAIT 10000 -> $reply"
  if [[ "$reply" != OK ]]; then
    echo "sync did not finish; logs are in $work (kept)" >&2
    KEEP=1
    exit 1
  fi
done

say "Converged values"
declare -A seen=()
for node in hub:"$hub" edge1:"$edge1" edge2:"$edge2"; do
  name="${node%%:*}" port="${node##*:}"
  visits=$(cli "$port" GET visits)
  motd=$(cli "$port" GET motd)
  events=$(cli "$port" LRANGE events 0 -1 | paste -sd '|' -)
  echo "  $name:"
  echo "    GET visits          -> $visits"
  echo "    GET motd            -> $motd"
  echo "    LRANGE events 0 -1  -> ${events//|/, }"
  seen["$visits/$motd/$events"]=1
done

if [[ ${#seen[@]} -eq 1 && "$visits" == 111 ]]; then
  say "All three nodes agree: visits = 1 + 10 + 100 = 111, and every event is there once."
else
  say "The nodes do NOT agree (logs kept in $work)"
  KEEP=1
  exit 1
fi
