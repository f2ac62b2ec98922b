#!/usr/bin/env bash
# The 1,000-domain scale cycles on the other back-ends (called by scale.sh inside the sandbox;
# also runnable alone as root: bench/scale_backends.sh, which enters the sandbox itself).
#
#   SCALE_BACKENDS="dnspod huaweicloud aliyun rfc2136"   (default: all four)
#
# dnspod, huaweicloud, aliyun: the project's fake registrar (mxddns-fakereg, Rust) holds the
#   SCALE_DOMAINS zones (bench/scale.py: each mail domain its own zone with MX, A, SPF TXT) and
#   answers their DNS; `--log` writes every API request and DNS query it answered, so each run
#   gets its API requests (with statuses), writes, the most API requests and writes in any
#   window of the provider's rate limit, DNS queries and IP-echo requests.  The address moves
#   between cycles through the fake registrar's standard input (`echo ADDRESS`), so the store
#   and its record ids stay those of the previous cycle, as on a real account.
#   The fake Alidns enforces Alidns' per-action quotas (Throttling.User); the fake DNSPod and
#   Huawei Cloud do not throttle, so the window columns show whether mxddns' own pacing
#   (providers: DNSPod 20/s, Huawei Cloud 10/s) held.
# rfc2136: a real BIND 9 `named` on 127.0.0.1:$NAMED_PORT holds the same SCALE_DOMAINS zones
#   (one zone per mail domain, as for the registrars), updatable with an hmac-sha256 TSIG key
#   that may also transfer them (allow-transfer, as README suggests); mxddns asks named itself
#   as resolver and authoritative server.  The DNS messages named saw per run come from its
#   statistics channel (JSON): QUERY and UPDATE opcodes, query types (AXFR, SOA, A …).
#   The IP echo is a mxddns-fakereg without zones.
#
# Cycles, as scale.sh: unchanged-cold, unchanged-warm (SCALE_RUNS), changed-cold,
# changed-warm, unchanged-after (SCALE_RUNS).  Rows go to $OUT/scale.jsonl (backend column).
set -uo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
if [ "${BENCH_SANDBOX:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "bench/scale_backends.sh needs root (loopback-only sandbox)" >&2; exit 1; }
  TGT="${CARGO_TARGET_DIR:-$REPO/target}"
  export MXDDNS_BIN="${MXDDNS_BIN:-$TGT/release/mxddns}"
  export MXDDNS_FAKEREG_BIN="${MXDDNS_FAKEREG_BIN:-$TGT/release/mxddns-fakereg}"
  export OUT="${OUT:-$BENCH/results/scale-backends-$(date -u +%Y%m%dT%H%M%SZ)}"
  mkdir -p "$OUT"
  exec "$BENCH/in_sandbox.sh" bash "$0" "$@"
fi
: "${OUT:?}" "${MXDDNS_BIN:?}"
SCALE_DOMAINS="${SCALE_DOMAINS:-1000}"
SCALE_ZONES="${SCALE_ZONES:-0}"
SCALE_RUNS="${SCALE_RUNS:-3}"
SCALE_TIMEOUT="${SCALE_TIMEOUT:-1800}"
SCALE_BACKENDS="${SCALE_BACKENDS:-dnspod huaweicloud aliyun rfc2136}"
NAMED_PORT="${NAMED_PORT:-5398}" NAMED_STATS_PORT="${NAMED_STATS_PORT:-8398}"
PY=python3
TOOL="$BENCH/bench_tool.py"
A_IP=203.0.113.10 B_IP=203.0.113.20 C_IP=203.0.113.30
[ -x "$MXDDNS_BIN" ] || { echo "scale_backends: no mxddns binary ($MXDDNS_BIN)" >&2; exit 1; }
[ -x "${MXDDNS_FAKEREG_BIN:-}" ] || { echo "scale_backends: no mxddns-fakereg binary (${MXDDNS_FAKEREG_BIN:-})" >&2; exit 1; }
mkdir -p "$OUT"

# the providers' own pacing (providers/src/*/mod.rs rate_limit()): window seconds and text
declare -A WINDOW=([dnspod]=1 [huaweicloud]=1 [aliyun]=1 [rfc2136]=1)
declare -A LIMIT=([dnspod]="20/1s (DNSPod, paced by mxddns; the fake does not throttle)"
                  [huaweicloud]="10/1s (Huawei Cloud, paced by mxddns; the fake does not throttle)"
                  [aliyun]="60/1s per write action (Alidns; the fake throttles per action)"
                  [rfc2136]="100/1s (RFC 2136, paced by mxddns)")

FR_PID="" NAMED_PID=""
cleanup() {
  exec 7>&-
  [ -n "$FR_PID" ] && { kill -TERM "$FR_PID" 2>/dev/null; wait "$FR_PID" 2>/dev/null; }
  [ -n "$NAMED_PID" ] && { kill -TERM "$NAMED_PID" 2>/dev/null; wait "$NAMED_PID" 2>/dev/null; }
  FR_PID="" NAMED_PID=""
}
trap cleanup EXIT

field() { tr ' ' '\n' <<<"$FR_LINE" | sed -n "s/^$1=//p" | head -1; }

start_fakereg() {   # dir seed: mxddns-fakereg with --log, its stdin on fd 7
  local d="$1" seed="$2"
  rm -f "$d/ctl"; mkfifo "$d/ctl"
  : > "$d/requests.jsonl"
  "$MXDDNS_FAKEREG_BIN" --seed "$seed" --log "$d/requests.jsonl" <"$d/ctl" >"$d/fakereg.out" 2>"$d/fakereg.err" &
  FR_PID=$!
  exec 7>"$d/ctl"
  for _ in $(seq 200); do [ -s "$d/fakereg.out" ] && break; sleep 0.1; done
  FR_LINE="$(head -1 "$d/fakereg.out")"
  [ -n "$FR_LINE" ] || { echo "scale_backends: mxddns-fakereg did not start: $(cat "$d/fakereg.err")" >&2; return 1; }
  FR_ECHO="$(field echo)"
  FR_LOG="$d/requests.jsonl"
}

move_to() {   # ip: the line's address moves (fake registrar's echo), wait until it answers so
  echo "echo $1" >&7
  for _ in $(seq 100); do [ "$(curl -fsS --max-time 2 "$FR_ECHO" 2>/dev/null)" = "$1" ] && return 0; sleep 0.05; done
  echo "scale_backends: the echo did not move to $1" >&2; return 1
}

run_one() {   # backend dir scenario run expect dns-server
  local be="$1" d="$2" scen="$3" i="$4" expect="$5" dns="$6"
  local mf="$d/logs/$scen-$i.measure.json" tf="$d/logs/$scen-$i.time"
  local from to extra=()
  if [ "$be" = rfc2136 ]; then
    "$PY" "$TOOL" named-stats --url "http://127.0.0.1:$NAMED_STATS_PORT" --out "$d/logs/$scen-$i.stats-before.json"
  fi
  from=$(stat -c %s "$FR_LOG")
  "$PY" "$TOOL" measure --sample-fds 0.02 --out "$mf" --stdout "$d/logs/$scen-$i.log" -- \
    /usr/bin/time -v -o "$tf" timeout "$SCALE_TIMEOUT" "$MXDDNS_BIN" --config "$d/config.yaml" --update-now --quiet
  to=$(stat -c %s "$FR_LOG")
  if [ "$be" = rfc2136 ]; then
    sleep 0.2
    "$PY" "$TOOL" named-stats --url "http://127.0.0.1:$NAMED_STATS_PORT" --out "$d/logs/$scen-$i.stats-after.json"
    extra=(--stats-before "$d/logs/$scen-$i.stats-before.json" --stats-after "$d/logs/$scen-$i.stats-after.json" --echo-log "$FR_LOG")
  else
    extra=(--log "$FR_LOG")
  fi
  "$PY" "$TOOL" scalerun-log --results "$OUT/scale.jsonl" --backend "$be" --scenario "$scen" --run "$i" \
    --measure "$mf" --timefile "$tf" --expect "$expect" --names "$d/names.txt" --dns "$dns" \
    --log-from "$from" --log-to "$to" --window "${WINDOW[$be]}" --rate-limit "${LIMIT[$be]}" "${extra[@]}"
}

cycles() {   # backend dir dns-server
  local be="$1" d="$2" dns="$3"
  rm -f "$d"/config.state.json*
  run_one "$be" "$d" unchanged-cold 1 "$A_IP" "$dns"
  for i in $(seq 1 "$SCALE_RUNS"); do run_one "$be" "$d" unchanged-warm "$i" "$A_IP" "$dns"; done
  move_to "$B_IP" || return 1
  run_one "$be" "$d" changed-cold 1 "$B_IP" "$dns"
  move_to "$C_IP" || return 1
  run_one "$be" "$d" changed-warm 1 "$C_IP" "$dns"
  for i in $(seq 1 "$SCALE_RUNS"); do run_one "$be" "$d" unchanged-after "$i" "$C_IP" "$dns"; done
}

names() {   # dir: the mail host of every domain, from the generated config
  sed -n 's/^  - domain: \(.*\)$/mail.\1/p' "$1/config.yaml" > "$1/names.txt"
}

fakereg_backend() {   # dnspod | huaweicloud | aliyun
  local be="$1" d="$OUT/scale/$1"
  mkdir -p "$d/logs"
  "$PY" "$BENCH/scale.py" --domains "$SCALE_DOMAINS" --zones "$SCALE_ZONES" --ip "$A_IP" --echo-ip "$A_IP" --out "$d" >/dev/null
  start_fakereg "$d" "$d/fakereg-seed.json" || return 1
  "$PY" "$BENCH/scale.py" --domains "$SCALE_DOMAINS" --zones "$SCALE_ZONES" --out "$d" --config-only config.yaml \
    --provider "$be" --api "$(field "$be")" --echo "$FR_ECHO" --dns "$(field dns)"
  names "$d"
  echo "== scale on $be (mxddns-fakereg $(field "$be")): $SCALE_DOMAINS domains"
  cycles "$be" "$d" "$(field dns)"
  cleanup
}

rfc2136_backend() {
  local d="$OUT/scale/rfc2136"
  mkdir -p "$d/logs"
  command -v named >/dev/null || [ -x /usr/sbin/named ] || { echo "scale_backends: BIND (named) is not installed: apt-get install bind9" >&2; return 1; }
  local w; w="$(mktemp -d)"; chmod 755 "$w"
  "$PY" "$BENCH/scale.py" --domains "$SCALE_DOMAINS" --zones "$SCALE_ZONES" --ip "$A_IP" --out "$w" --bind-only >/dev/null
  sed -i "s#update-policy#allow-transfer { key \"mxddns-key\"; }; update-policy#" "$w/bind/named-zones.conf"
  cat > "$w/named.conf" <<EOF
options {
  directory "$w";
  pid-file "$w/named.pid";
  session-keyfile "$w/session.key";
  managed-keys-directory "$w";
  listen-on port $NAMED_PORT { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { any; };
  dnssec-validation no;
  notify no;
};
controls { };
statistics-channels { inet 127.0.0.1 port $NAMED_STATS_PORT allow { 127.0.0.1; }; };
key "mxddns-key" { algorithm hmac-sha256; secret "6hFvFfbXuhzkWb6OL2bzxs2C5BmRCJWKGbCO1anmGNk="; };
logging { channel out { stderr; severity info; print-time yes; }; category default { out; }; category queries { null; }; };
include "$w/bind/named-zones.conf";
EOF
  chown -R bind:bind "$w" 2>/dev/null || true
  /usr/sbin/named -f -4 -n 1 -u bind -c "$w/named.conf" 2>"$d/named.log" &
  NAMED_PID=$!
  for _ in $(seq 600); do grep -q "running" "$d/named.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "running" "$d/named.log" || { echo "scale_backends: named did not start, see $d/named.log" >&2; rm -rf "$w"; return 1; }
  printf '{"echo_ipv4": "%s"}\n' "$A_IP" > "$d/echo-seed.json"
  start_fakereg "$d" "$d/echo-seed.json" || { rm -rf "$w"; return 1; }
  "$PY" "$BENCH/scale.py" --domains "$SCALE_DOMAINS" --zones "$SCALE_ZONES" --out "$d" --config-only config.yaml \
    --provider rfc2136 --api "127.0.0.1:$NAMED_PORT" --echo "$FR_ECHO" --dns "127.0.0.1:$NAMED_PORT"
  names "$d"
  echo "== scale on rfc2136 (BIND $(/usr/sbin/named -v | head -1) on 127.0.0.1:$NAMED_PORT): $SCALE_DOMAINS zones"
  cycles rfc2136 "$d" "127.0.0.1:$NAMED_PORT"
  cleanup
  rm -rf "$w"
}

{
  echo "scale_backends: $SCALE_BACKENDS; $SCALE_DOMAINS domains, zones $SCALE_ZONES (0 = one per domain)"
  echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >> "$OUT/scale-backends-env.txt"
rc=0
for be in $SCALE_BACKENDS; do
  case "$be" in
    dnspod|huaweicloud|aliyun) fakereg_backend "$be" || rc=1 ;;
    rfc2136) rfc2136_backend || rc=1 ;;
    *) echo "scale_backends: unknown back-end $be (dnspod huaweicloud aliyun rfc2136)" >&2; rc=1 ;;
  esac
  cleanup
done
echo "loadavg_at_end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/scale-backends-env.txt"
exit $rc
