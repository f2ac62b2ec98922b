#!/usr/bin/env bash
# The measuring part of bench/run.sh; runs INSIDE the loopback-only sandbox (in_sandbox.sh).
# Based on shared/peer-bench/run_peers.sh (same emulator, same measuring chain, same checks),
# extended with scenarios (change / nochange / warm), the resident and soak measurements and the
# 1,000-domain scale scenario.  Do not run directly: use bench/run.sh.
#
#   PEERS="mxddns ddclient inadyn ddns lexicon"   which peers/<name>/peer.sh to run
#   RUNS=7  IDLE=10  SETTLE=1  DAEMONS=1  MODES="https http"
#   SOAK_CYCLES=1000  SOAK_MODE=cycles|faketime  SOAK_SPEED=100  (SOAK_CYCLES=0 skips the soak; peers/mxddns/peer.sh)
#   SCALE_DOMAINS=1000  SCALE_RATE=1200/300  (SCALE_DOMAINS=0 skips the scale scenario)
#   OUT=bench/results/<UTC stamp>
set -uo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ "${BENCH_SANDBOX:-}" = 1 ] || { echo "harness.sh runs inside the sandbox; use bench/run.sh" >&2; exit 2; }

RUNS="${RUNS:-7}"
IDLE="${IDLE:-10}"
SETTLE="${SETTLE:-1}"
DAEMONS="${DAEMONS:-1}"
MODES="${MODES:-https http}"
PEERS="${PEERS:-mxddns mxddns-musl inadyn ddclient ddns lexicon}"
SOAK_CYCLES="${SOAK_CYCLES:-1000}"
SCALE_DOMAINS="${SCALE_DOMAINS:-1000}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="${OUT:-$BENCH/results/$STAMP}"
mkdir -p "$OUT/logs"
PY=python3
TOOL="$BENCH/bench_tool.py"

export BENCH OUT
export EMU_HTTP="http://127.0.0.1:80"
export EMU_HTTPS="https://127.0.0.1:443"
export API_HOST="api.cloudflare.com"
export CA_FILE="$BENCH/certs/ca.pem"
export CF_TOKEN="bench-token-0123456789abcdefghijklmnopqrstu"
export ZONE="example.com" RECORD="mail.example.com" OLD_IP="203.0.113.10" NEW_IP="203.0.113.20" NEXT_IP="203.0.113.30"
export IP_URL="$EMU_HTTP/ip" TRACE_URL="$EMU_HTTP/cdn-cgi/trace"
export DNS_SERVER="127.0.0.1:53"

[ -x /usr/bin/time ] || { echo "need /usr/bin/time: apt-get install -y time" >&2; exit 1; }
"$BENCH/make_certs.sh" >/dev/null

# render SRC DST: copy a peer config, rewriting the canonical bench path to the real one (mode 600)
render() {
  sed -e "s#@BENCH@#$BENCH#g" -e "s#@WORK@#${WORK:-}#g" "$1" > "$2"
  chmod 600 "$2"
}
export -f render

emu() { curl -fsS --max-time 5 "$@"; }
set_myip() { emu -X POST --data "$1" "$EMU_HTTP/__emu/myip" >/dev/null; }
reset_emu() { emu -X POST "$EMU_HTTP/__emu/reset" >/dev/null; set_myip "$NEW_IP"; emu -X POST "$EMU_HTTP/__emu/zero-counts" >/dev/null; }
zero_counts() { emu -X POST "$EMU_HTTP/__emu/zero-counts" >/dev/null; }
record_now() {
  $PY -c 'import json,sys; d=json.load(sys.stdin); print(",".join(r["content"] for z in d["zones"] for r in z["records"] if r["name"]==sys.argv[1] and r["type"]=="A"))' \
    "$RECORD" < <(emu "$EMU_HTTP/__emu/state")
}

# ---------------------------------------------------------------- emulator
EMU_LOG="$OUT/requests.jsonl"
"$PY" "$BENCH/cf_emulator.py" --seed "$BENCH/peers/seed.json" --log "$EMU_LOG" \
  --port 80 --tls-port 443 --tls-cert "$BENCH/certs/server.pem" --tls-key "$BENCH/certs/server.key" \
  --dns-port 53 --my-ip "$NEW_IP" 2>"$OUT/emulator.stderr" &
EMU_PID=$!
cleanup() {
  kill -TERM "$EMU_PID" 2>/dev/null
  wait "$EMU_PID" 2>/dev/null
}
trap cleanup EXIT
for _ in $(seq 50); do emu "$EMU_HTTP/__emu/health" >/dev/null 2>&1 && break; sleep 0.1; done
emu "$EMU_HTTP/__emu/health" >/dev/null || { echo "emulator did not start" >&2; cat "$OUT/emulator.stderr" >&2; exit 1; }

RUNS_JSONL="$OUT/runs.jsonl"
RESIDENT_JSONL="$OUT/resident.jsonl"
SOAK_JSONL="$OUT/soak.jsonl"
: > "$RUNS_JSONL"; : > "$RESIDENT_JSONL"; : > "$SOAK_JSONL"

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "kernel: $(uname -r)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "mem: $(grep MemTotal /proc/meminfo | awk '{print $2" kB"}')"
  echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "python (emulator): $($PY -V 2>&1)"
  echo "runs: $RUNS (+1 warm-up), idle: ${IDLE}s, settle: ${SETTLE}s"
  echo "mxddns: ${MXDDNS_BIN:-?} $("${MXDDNS_BIN:-/nonexistent}" --version 2>/dev/null | head -1)"
  echo "mxddns_commit: ${MXDDNS_COMMIT:-?}"
  [ -n "${MXDDNS_BIN:-}" ] && [ -f "$MXDDNS_BIN" ] && echo "mxddns_size_bytes: $(stat -c %s "$MXDDNS_BIN")"
  [ -n "${MXDDNS_MUSL_BIN:-}" ] && [ -f "$MXDDNS_MUSL_BIN" ] && echo "mxddns-musl_size_bytes: $(stat -c %s "$MXDDNS_MUSL_BIN")"
} > "$OUT/env.txt"
cat "$OUT/env.txt"

# ---------------------------------------------------------------- floor
# what the measuring chain itself costs (posix_spawn -> /usr/bin/time -v -> /bin/true)
for i in $(seq 0 "$RUNS"); do
  "$PY" "$TOOL" measure --out "$OUT/logs/floor-$i.measure.json" --stdout "$OUT/logs/floor-$i.log" -- \
    /usr/bin/time -v -o "$OUT/logs/floor-$i.time" /bin/true
  rc=$?
  [ "$i" -eq 0 ] && continue
  "$PY" "$TOOL" addrun --results "$RUNS_JSONL" --tool "(floor: time -v /bin/true)" --title floor --version "-" \
    --mode "-" --scenario "-" --run "$i" --rc "$rc" --wall-ns 0 --timefile "$OUT/logs/floor-$i.time" \
    --measure "$OUT/logs/floor-$i.measure.json" --no-emulator --emu "$EMU_HTTP" --record "$RECORD" --expect "$NEW_IP"
done

# ---------------------------------------------------------------- one-shot scenarios
# change:   the record holds OLD_IP, no cache/state: one full update (+ verification for mxddns)
# nochange: after an untimed priming run (record = NEW_IP, cache/state warm), run again
# warm:     after the priming run the line's address moves to NEXT_IP; run again with warm state
oneshot_run() {   # name mode scenario i
  local name="$1" mode="$2" scen="$3" i="$4" expect="$NEW_IP"
  reset_emu
  peer_prepare "$mode"
  peer_oneshot "$mode"
  if [ "$scen" != change ]; then
    "${CMD[@]}" >"$OUT/logs/$name-$mode-$scen-$i.prime.log" 2>&1 </dev/null
    zero_counts
    if [ "$scen" = warm ]; then set_myip "$NEXT_IP"; expect="$NEXT_IP"; fi
  fi
  local off; off=$(stat -c %s "$EMU_LOG")
  local tf="$OUT/logs/$name-$mode-$scen-$i.time" lf="$OUT/logs/$name-$mode-$scen-$i.log" mf="$OUT/logs/$name-$mode-$scen-$i.measure.json"
  # measure = posix_spawn + wait4 (µs CPU, ns wall) around GNU time -v around the tool
  "$PY" "$TOOL" measure --out "$mf" --stdout "$lf" -- /usr/bin/time -v -o "$tf" "${CMD[@]}"
  local rc=$?
  if [ "$i" -eq 0 ]; then   # warm-up: page cache, .pyc, tldextract cache; not recorded
    echo "  $name $mode $scen warm-up rc=$rc record=$(record_now) (expected $expect)"
    return 0
  fi
  "$PY" "$TOOL" addrun --results "$RUNS_JSONL" --tool "$name" --title "$PEER_TITLE" --version "$version" \
    --mode "$mode" --scenario "$scen" --run "$i" --rc "$rc" --wall-ns 0 --timefile "$tf" --measure "$mf" \
    --emu "$EMU_HTTP" --record "$RECORD" --expect "$expect" --log "$EMU_LOG" --log-offset "$off"
}

daemon_run() {   # name mode
  local name="$1" mode="$2"
  reset_emu
  peer_prepare "$mode"
  peer_daemon "$mode"
  local lf="$OUT/logs/$name-$mode-daemon.log"
  local start_ns
  start_ns=$(date +%s%N)
  "${CMD[@]}" >"$lf" 2>&1 </dev/null &
  DAEMON_PID=$!
  local first
  first="$("$PY" "$TOOL" wait-record --emu "$EMU_HTTP" --record "$RECORD" --value "$NEW_IP" \
            --timeout "$PEER_DAEMON_TIMEOUT" --pid "$DAEMON_PID" --since-ns "$start_ns" --log "$EMU_LOG")"
  if [ "$first" = timeout ] || [ "$first" = dead ]; then
    echo "  $name daemon: no update ($first), see $lf"
  elif kill -0 "$DAEMON_PID" 2>/dev/null; then
    "$PY" "$TOOL" resident --results "$RESIDENT_JSONL" --tool "$name" --title "$PEER_TITLE" \
      --version "$version" --mode "$mode" --emu "$EMU_HTTP" --first-update-s "$first" \
      --pid "$DAEMON_PID" --idle "$IDLE" --settle "$SETTLE"
    if [[ "$name" == mxddns* ]] && [ "$SOAK_CYCLES" -gt 0 ] && declare -F peer_soak_daemon >/dev/null; then
      stop_daemon
      soak_run "$name" "$mode"
    fi
  else
    echo "  $name daemon exited before the sample, see $lf"
  fi
  stop_daemon
}

stop_daemon() {   # stop only the process we started, by its PID
  [ -n "${DAEMON_PID:-}" ] || return 0
  kill -TERM "$DAEMON_PID" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$DAEMON_PID" 2>/dev/null
  wait "$DAEMON_PID" 2>/dev/null
  DAEMON_PID=
}

soak_run() {   # name mode: SOAK_CYCLES cycles on the shortest schedule the agent accepts
  local name="$1" mode="$2"
  reset_emu
  peer_prepare "$mode"
  if ! peer_soak_daemon "$mode"; then
    echo "  $name soak: not possible ($SOAK_SKIP_REASON)" | tee -a "$OUT/soak-skipped.txt"
    return 0
  fi
  local lf="$OUT/logs/$name-$mode-soak.log"
  "${CMD[@]}" >"$lf" 2>&1 </dev/null &
  DAEMON_PID=$!
  "$PY" "$TOOL" wait-record --emu "$EMU_HTTP" --record "$RECORD" --value "$NEW_IP" --timeout 60 --pid "$DAEMON_PID" >/dev/null
  "$PY" "$TOOL" soak --results "$SOAK_JSONL" --tool "$name" --emu "$EMU_HTTP" --pid "$DAEMON_PID" \
    --cycles "$SOAK_CYCLES" --ips "$NEW_IP,$NEXT_IP" --timeout "${SOAK_TIMEOUT:-2400}" --note "${SOAK_NOTE:-}"
  stop_daemon
}

run_peer() (   # subshell: a peer's exports and functions stay local to it
  name="$1"
  PEER_DIR="$BENCH/peers/$name"
  WORK="$BENCH/work/$name"
  export PEER_DIR WORK
  mkdir -p "$WORK"
  PEER_DAEMON=0; PEER_DAEMON_TIMEOUT=60; PEER_MODES="https"; PEER_SCENARIOS="change nochange warm"
  # shellcheck source=/dev/null
  source "$PEER_DIR/peer.sh"
  if ! peer_available; then
    echo "== $name: not installed, skipped" | tee -a "$OUT/skipped.txt"
    return 0
  fi
  version="$(peer_version 2>/dev/null | head -1)"
  echo "== $name ($PEER_TITLE) $version, transports: $PEER_MODES, scenarios: $PEER_SCENARIOS"
  trap 'stop_daemon' EXIT
  for mode in $MODES; do
    case " $PEER_MODES " in *" $mode "*) ;; *) continue ;; esac
    for scen in $PEER_SCENARIOS; do
      for i in $(seq 0 "$RUNS"); do oneshot_run "$name" "$mode" "$scen" "$i"; done
    done
  done
  if [ "$DAEMONS" = 1 ] && [ "$PEER_DAEMON" = 1 ] && declare -F peer_daemon >/dev/null; then
    mode=""
    for m in $MODES; do case " $PEER_MODES " in *" $m "*) mode="$m"; break ;; esac; done
    [ -n "$mode" ] && daemon_run "$name" "$mode"
  fi
)

for p in $PEERS; do
  if [ ! -f "$BENCH/peers/$p/peer.sh" ]; then echo "== $p: no peers/$p/peer.sh" >&2; continue; fi
  run_peer "$p"
done

# ---------------------------------------------------------------- scale (1,000 domains)
if [ "$SCALE_DOMAINS" -gt 0 ]; then
  "$BENCH/scale.sh" || echo "scale scenario failed (see $OUT/scale/)"
fi

echo
"$PY" "$BENCH/report.py" "$OUT" | tee "$OUT/table.md"
echo
echo "results: $OUT"
