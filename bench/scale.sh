#!/usr/bin/env bash
# The 1,000-domain scale scenario (called by harness.sh inside the sandbox; needs MXDDNS_BIN).
# A second cf_emulator.py instance (127.0.0.1:8081, DNS 127.0.0.1:5354) holds SCALE_DOMAINS mail
# domains (bench/scale.py), with Cloudflare's rate limit (SCALE_RATE, default 1200 per 300 s).
#   unchanged-cold   A records already hold the line's address, no state file: expect 0 API requests
#   unchanged-warm   the same again with the state file of the previous run (SCALE_RUNS times)
#   changed-cold     the address moves; state holds no record ids yet: every record is rewritten
#   changed-warm     the address moves again; the state knows the records from the previous run
#   unchanged-after  nothing moved since changed-warm (SCALE_RUNS times): the steady cron case
# Then the same cycles on the other back-ends (scale_backends.sh; SCALE_BACKENDS, default
# "dnspod huaweicloud aliyun rfc2136", empty skips them): DNSPod, Huawei Cloud and Alidns on
# mxddns-fakereg with its request log, RFC 2136 on a real BIND 9 with its statistics channel.
set -uo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ "${BENCH_SANDBOX:-}" = 1 ] || { echo "scale.sh runs inside the sandbox; use bench/run.sh" >&2; exit 2; }
: "${OUT:?}" "${MXDDNS_BIN:?}"
SCALE_DOMAINS="${SCALE_DOMAINS:-1000}"
SCALE_ZONES="${SCALE_ZONES:-0}"
SCALE_RATE="${SCALE_RATE:-1200/300}"
SCALE_RUNS="${SCALE_RUNS:-3}"
SCALE_TIMEOUT="${SCALE_TIMEOUT:-1800}"
SC="$OUT/scale"
mkdir -p "$SC/logs"
PY=python3
TOOL="$BENCH/bench_tool.py"
E2="http://127.0.0.1:8081"
A_IP=203.0.113.10 B_IP=203.0.113.20 C_IP=203.0.113.30
[ -x "$MXDDNS_BIN" ] || { echo "scale: no mxddns binary ($MXDDNS_BIN), skipped" | tee "$SC/skipped.txt"; exit 0; }

"$PY" "$BENCH/scale.py" --domains "$SCALE_DOMAINS" --zones "$SCALE_ZONES" --ip "$A_IP" --echo-ip "$A_IP" \
  --port 8081 --dns-port 5354 --out "$SC"
LOG="$SC/requests.jsonl"
: > "$LOG"
"$PY" "$BENCH/cf_emulator.py" --seed "$SC/seed.json" --log "$LOG" --port 8081 --dns-port 5354 \
  --my-ip "$A_IP" --rate-limit "$SCALE_RATE" 2>"$SC/emulator.stderr" &
E2_PID=$!
trap 'kill -TERM "$E2_PID" 2>/dev/null; wait "$E2_PID" 2>/dev/null' EXIT
for _ in $(seq 100); do curl -fsS --max-time 2 "$E2/__emu/health" >/dev/null 2>&1 && break; sleep 0.1; done
emu2() { curl -fsS --max-time 10 "$@" >/dev/null; }
WINDOW="${SCALE_RATE#*/}"
echo "== scale: $SCALE_DOMAINS domains, rate limit $SCALE_RATE, config $SC/config.yaml"
echo "scale: $SCALE_DOMAINS domains, zones ${SCALE_ZONES} (0 = one per domain), rate limit $SCALE_RATE" > "$SC/env.txt"

scale_run() {   # scenario run expect
  local scen="$1" i="$2" expect="$3"
  emu2 -X POST "$E2/__emu/zero-counts"
  local off; off=$(stat -c %s "$LOG")
  local mf="$SC/logs/$scen-$i.measure.json"
  "$PY" "$TOOL" measure --sample-fds 0.02 --out "$mf" --stdout "$SC/logs/$scen-$i.log" -- \
    /usr/bin/time -v -o "$SC/logs/$scen-$i.time" \
    timeout "$SCALE_TIMEOUT" "$MXDDNS_BIN" --config "$SC/config.yaml" --update-now --quiet
  "$PY" "$TOOL" scalerun --results "$OUT/scale.jsonl" --scenario "$scen" --run "$i" --emu "$E2" \
    --measure "$mf" --timefile "$SC/logs/$scen-$i.time" --log "$LOG" --log-offset "$off" --expect "$expect" --window "$WINDOW"
}

rm -f "$SC"/config.state.json*
scale_run unchanged-cold 1 "$A_IP"
for i in $(seq 1 "$SCALE_RUNS"); do scale_run unchanged-warm "$i" "$A_IP"; done
emu2 -X POST --data "$B_IP" "$E2/__emu/myip"; emu2 -X POST "$E2/__emu/rate-reset"
scale_run changed-cold 1 "$B_IP"
emu2 -X POST --data "$C_IP" "$E2/__emu/myip"; emu2 -X POST "$E2/__emu/rate-reset"
scale_run changed-warm 1 "$C_IP"
for i in $(seq 1 "$SCALE_RUNS"); do scale_run unchanged-after "$i" "$C_IP"; done

# ---- the same cycles against the project's own fake registrar (Rust, tokio): wall time without
# the Python emulator's single-threaded DNS in the way.  The standalone mxddns-fakereg has no
# request log or control endpoint, so only wall/CPU/RSS/exit code are recorded there.
if [ -x "${MXDDNS_FAKEREG_BIN:-}" ]; then
  fakereg_scene() {   # name ip: a fresh fakereg whose A records hold ip, echo answering B_IP
    local ip="$2" d="$SC/fakereg-$1"
    mkdir -p "$d"
    "$PY" "$BENCH/scale.py" --domains "$SCALE_DOMAINS" --zones "$SCALE_ZONES" --ip "$ip" --echo-ip "$B_IP" --out "$d" >/dev/null
    "$MXDDNS_FAKEREG_BIN" --seed "$d/fakereg-seed.json" >"$d/fakereg.out" 2>"$d/fakereg.err" &
    FR_PID=$!
    for _ in $(seq 100); do [ -s "$d/fakereg.out" ] && break; sleep 0.1; done
    local line; line="$(head -1 "$d/fakereg.out")"
    "$PY" "$BENCH/scale.py" --domains "$SCALE_DOMAINS" --zones "$SCALE_ZONES" --out "$d" --config-only config.yaml \
      --api "$(sed -n 's/.*cloudflare=\([^ ]*\).*/\1/p' <<<"$line")" --echo "$(sed -n 's/.*echo=\([^ ]*\).*/\1/p' <<<"$line")" \
      --dns "$(sed -n 's/.*dns=\([^ ]*\).*/\1/p' <<<"$line")"
    FR_DIR="$d"
  }
  fakereg_run() {   # scenario run
    local mf="$SC/logs/fakereg-$1-$2.measure.json" tf="$SC/logs/fakereg-$1-$2.time"
    "$PY" "$TOOL" measure --sample-fds 0.02 --out "$mf" --stdout "$SC/logs/fakereg-$1-$2.log" -- \
      /usr/bin/time -v -o "$tf" timeout "$SCALE_TIMEOUT" "$MXDDNS_BIN" --config "$FR_DIR/config.yaml" --update-now --quiet
    "$PY" "$TOOL" scalerun --results "$OUT/scale.jsonl" --backend mxddns-fakereg --scenario "$1" --run "$2" --emu - \
      --measure "$mf" --timefile "$tf" --log /dev/null --expect "$B_IP" --domains "$SCALE_DOMAINS" --window "$WINDOW"
  }
  fakereg_scene unchanged "$B_IP"
  fakereg_run unchanged-cold 1
  for i in $(seq 1 "$SCALE_RUNS"); do fakereg_run unchanged-warm "$i"; done
  kill -TERM "$FR_PID" 2>/dev/null; wait "$FR_PID" 2>/dev/null
  if [ "${FAKEREG_CHANGED:-0}" = 1 ]; then   # paced like the emulator's changed-cold: ~10 min more
    fakereg_scene changed "$A_IP"
    fakereg_run changed-cold 1
    kill -TERM "$FR_PID" 2>/dev/null; wait "$FR_PID" 2>/dev/null
  fi
else
  echo "scale: no mxddns-fakereg binary; the fakereg rows are missing" | tee -a "$SC/skipped.txt"
fi

# ---- DNSPod, Huawei Cloud, Alidns (mxddns-fakereg, requests counted) and RFC 2136 (real BIND)
if [ -n "${SCALE_BACKENDS-dnspod huaweicloud aliyun rfc2136}" ]; then
  SCALE_BACKENDS="${SCALE_BACKENDS-dnspod huaweicloud aliyun rfc2136}" SCALE_DOMAINS="$SCALE_DOMAINS" \
    SCALE_ZONES="$SCALE_ZONES" SCALE_RUNS="$SCALE_RUNS" SCALE_TIMEOUT="$SCALE_TIMEOUT" "$BENCH/scale_backends.sh" \
    || echo "scale: scale_backends.sh failed for some back-end (see $SC/)" | tee -a "$SC/skipped.txt"
fi
