# shellcheck shell=bash disable=SC2034   # sourced by harness.sh, which reads these variables
# mxddns as a peer of the shared benchmark (contract: shared/peer-bench/peers/_template/peer.sh).
# MXDDNS_BIN is exported by bench/run.sh (the release build of this repository).
PEER_TITLE="mxddns"
PEER_MODES="https http"  # https: the bench CA through tls_ca_file; http: loopback only
PEER_DAEMON=1
PEER_DAEMON_TIMEOUT=60
PEER_SCENARIOS="change nochange warm"
MXDDNS_TOKEN="${MXDDNS_TOKEN:-mxddns-bench-token-0123456789abcdefghijk}"   # 40 chars, like a real token (peers/seed.json)
peer_available() { [ -x "${MXDDNS_BIN:-}" ]; }
peer_version()   { "$MXDDNS_BIN" --version 2>/dev/null | head -1; }
mxddns_config() {   # $1 = schedule, $2 = transport (https or http)
  local endpoint="$EMU_HTTPS/client/v4" ca=(-e "s#@CA_FILE@#$CA_FILE#g")
  if [ "${2:-https}" = http ]; then endpoint="$EMU_HTTP/client/v4"; ca=(-e "/@CA_FILE@/d"); fi
  sed -e "s#@WORK@#$WORK#g" -e "s#@SCHEDULE@#$1#g" -e "s#@TOKEN@#$MXDDNS_TOKEN#g" \
    -e "s#@ENDPOINT@#$endpoint#g" "${ca[@]}" "$PEER_DIR/config.yaml" > "$WORK/config.yaml"
  chmod 600 "$WORK/config.yaml"
}
peer_prepare() {   # $1 = transport; untimed; no state file -> the first cycle starts cold
  mxddns_config 30s "$1"
  rm -f "$WORK/state.json" "$WORK/state.json".*
}
peer_oneshot() { CMD=("$MXDDNS_BIN" --config "$WORK/config.yaml" --update-now --quiet); }
peer_daemon()  { CMD=("$MXDDNS_BIN" --config "$WORK/config.yaml"); }
peer_soak_daemon() {   # SOAK_CYCLES cycles of the real service, as fast as the binary allows
  # SOAK_MODE=cycles (default when the binary has it): the hidden `--cycles N` flag runs the
  #   service loop back to back, without the schedule's wait (N is set past SOAK_CYCLES; the
  #   harness stops the process by its PID once SOAK_CYCLES cycles are done).
  # SOAK_MODE=faketime: `schedule: 30s` under libfaketime (Debian "libfaketime"), which speeds
  #   the process's clocks and sleeps up SOAK_SPEED times: same binary, same code path with
  #   the timer waits, its timeouts shrink by the same factor (10 s = 0.1 s at x100).
  local lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
  local mode="${SOAK_MODE:-}"
  mxddns_config "${SOAK_SCHEDULE:-30s}" "${1:-https}"
  if ! "$MXDDNS_BIN" --config "$WORK/config.yaml" validate >"$WORK/validate-soak.log" 2>&1; then
    SOAK_SKIP_REASON="schedule ${SOAK_SCHEDULE:-30s} rejected: $(tr '\n' ' ' < "$WORK/validate-soak.log" | cut -c1-300)"
    return 1
  fi
  if [ -z "$mode" ]; then
    # a binary with the flag either accepts it here or says it does not apply to validate
    if "$MXDDNS_BIN" --config "$WORK/config.yaml" --cycles 1 validate >"$WORK/cycles-probe.log" 2>&1 \
       || grep -q -- "--cycles does not apply" "$WORK/cycles-probe.log"; then mode=cycles; else mode=faketime; fi
  fi
  case "$mode" in
    cycles)
      SOAK_NOTE="service loop back to back (hidden --cycles flag)"
      CMD=("$MXDDNS_BIN" --config "$WORK/config.yaml" --quiet --cycles $(( ${SOAK_CYCLES:-1000} * 10 )))
      ;;
    faketime)
      if [ ! -f "$lib" ]; then
        SOAK_SKIP_REASON="no --cycles flag in this mxddns and libfaketime (to speed the clock up) is not installed"
        return 1
      fi
      SOAK_NOTE="schedule 30s under libfaketime x${SOAK_SPEED:-100}"
      CMD=(env LD_PRELOAD="$lib" FAKETIME="+0 x${SOAK_SPEED:-100}" "$MXDDNS_BIN" --config "$WORK/config.yaml" --quiet)
      ;;
    *) SOAK_SKIP_REASON="SOAK_MODE=$mode: use cycles or faketime"; return 1 ;;
  esac
}
