#!/usr/bin/env bash
# mxddns benchmark: ONE command, as root, from anywhere:
#
#   bench/run.sh
#
# 1. installs the peers if they are missing (Debian's ddclient and inadyn, PyPI's ddns and
#    dns-lexicon in bench/.venv; setup_peers.sh),
# 2. builds mxddns (and mxddns-fakereg when the workspace has it) with `cargo build --release`,
#    and the static musl build that packaging ships (x86_64-unknown-linux-musl) when installed,
# 3. runs everything inside a private network + mount namespace that has only loopback
#    (in_sandbox.sh): the Cloudflare emulator, every peer and mxddns on the same job, the
#    resident and soak measurements and the 1,000-domain scale scenario (harness.sh, scale.sh),
# 4. writes bench/results/<UTC stamp>/{table.md,chart.svg,summary.json,...} (report.py).
#
# Knobs (environment): PEERS="mxddns mxddns-musl inadyn ddclient ddns lexicon"  MUSL_BUILD=0  RUNS=7  IDLE=10  DAEMONS=1
#   MODES="https http"  SOAK_CYCLES=1000  SOAK_SCHEDULE=1s  SCALE_DOMAINS=1000  SCALE_RATE=1200/300
#   SETUP=0 (never install)  BUILD=0 (use MXDDNS_BIN as it is)  MXDDNS_BIN=path  OUT=dir
#   RFC2136=0 (skip the RFC 2136 + TSIG cycle against a real BIND, bench/rfc2136.sh)
# Not part of CI: it installs packages and takes several minutes (see BENCHMARKS.md).
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "bench/run.sh needs root: unshare --net --mount for the loopback-only sandbox" >&2; exit 1; }

# ---- 1. peers
if [ "${SETUP:-1}" != 0 ]; then
  if ! command -v ddclient >/dev/null || ! command -v inadyn >/dev/null || [ ! -x /usr/bin/time ] || [ ! -f /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] \
     || [ ! -x "$BENCH/.venv/bin/ddns" ] || [ ! -x "$BENCH/.venv/bin/lexicon" ]; then
    "$BENCH/setup_peers.sh"
  fi
fi
"$BENCH/make_certs.sh" >/dev/null

# ---- 2. mxddns
TGT="${CARGO_TARGET_DIR:-$REPO/target}"
if [ "${BUILD:-1}" != 0 ]; then
  pkgs=(-p mxddns)
  [ -f "$REPO/fakereg/src/main.rs" ] && pkgs+=(-p mxddns-fakereg)
  (cd "$REPO" && cargo build --release "${pkgs[@]}") \
    || echo "run.sh: cargo build --release failed; mxddns rows will be missing" >&2
fi
MUSL=x86_64-unknown-linux-musl   # what packaging/CROSS.md ships for x86_64 routers and NAS boxes
if [ "${BUILD:-1}" != 0 ] && [ "${MUSL_BUILD:-1}" != 0 ] && rustup target list --installed 2>/dev/null | grep -qx "$MUSL"; then
  (cd "$REPO" && cargo build --release --target "$MUSL" -p mxddns) \
    || echo "run.sh: the $MUSL build failed; the mxddns-musl rows will be missing" >&2
fi
export MXDDNS_MUSL_BIN="${MXDDNS_MUSL_BIN:-$TGT/$MUSL/release/mxddns}"
export MXDDNS_BIN="${MXDDNS_BIN:-$TGT/release/mxddns}"
export MXDDNS_FAKEREG_BIN="${MXDDNS_FAKEREG_BIN:-$TGT/release/mxddns-fakereg}"
MXDDNS_COMMIT="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet 2>/dev/null || echo '+dirty')"
export MXDDNS_COMMIT

# ---- 3. measure, loopback only
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
export OUT="${OUT:-$BENCH/results/$STAMP}"
mkdir -p "$OUT"
"$BENCH/in_sandbox.sh" bash "$BENCH/harness.sh"

# ---- 3b. the same cycle over RFC 2136 + TSIG against a real BIND on loopback (rfc2136.sh),
#      for each mxddns build; appended to table.md. RFC2136=0 skips it.
if [ "${RFC2136:-1}" != 0 ] && [ -x /usr/sbin/named ]; then
  {
    echo
    echo "## RFC 2136 + TSIG against BIND 9 on loopback (bench/rfc2136.sh)"
    echo
  } >> "$OUT/table.md"
  first=1
  for b in "$MXDDNS_BIN:glibc" "$MXDDNS_MUSL_BIN:musl"; do
    bin="${b%:*}" label="${b##*:}"
    [ -x "$bin" ] || continue
    MXDDNS_BIN="$bin" LABEL="$label" OUT="$OUT/rfc2136-$label" "$BENCH/rfc2136.sh" > "$OUT/rfc2136-$label.out" 2>&1 \
      || { echo "run.sh: rfc2136.sh ($label) failed, see $OUT/rfc2136-$label.out" >&2; continue; }
    if [ "$first" = 1 ]; then head -2 "$OUT/rfc2136-$label/rfc2136.md"; first=0; fi >> "$OUT/table.md"
    tail -n +3 "$OUT/rfc2136-$label/rfc2136.md" >> "$OUT/table.md"
  done
fi

# ---- 4. chart (report.py already wrote table.md and summary.json inside the sandbox)
echo "table: $OUT/table.md   chart: $OUT/chart.svg"
