# shellcheck shell=bash disable=SC2034   # sourced by harness.sh, which reads these variables
# mxddns as shipped for routers and NAS boxes: the static musl build (packaging/CROSS.md),
# x86_64-unknown-linux-musl, built by bench/run.sh when that target is installed.
# Same config and scenarios as peers/mxddns. Its soak runs the service loop back to back
# (the hidden --cycles flag) only: LD_PRELOAD/libfaketime cannot reach a static binary.
# shellcheck source=../mxddns/peer.sh
source "$BENCH/peers/mxddns/peer.sh"
PEER_TITLE="mxddns (static musl)"
PEER_DIR="$BENCH/peers/mxddns"        # its config.yaml
MXDDNS_BIN="${MXDDNS_MUSL_BIN:-}"
eval "glibc_$(declare -f peer_soak_daemon)"
peer_soak_daemon() {
  if [ "${SOAK_MODE:-cycles}" != cycles ]; then
    SOAK_SKIP_REASON="SOAK_MODE=$SOAK_MODE: libfaketime cannot reach the static musl binary; use cycles"
    return 1
  fi
  SOAK_MODE=cycles glibc_peer_soak_daemon "$@"
}
