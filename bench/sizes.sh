#!/usr/bin/env bash
# Size of the stripped static musl binary (what packaging/ ships for routers) per cargo
# feature set: the full build, the router build with one registrar, and what each feature
# adds on top of that router build. Writes OUT/sizes.jsonl and prints a Markdown table.
#
#   bench/sizes.sh                    # OUT=bench/results/sizes-<UTC stamp>
#   BASE=cloudflare EXTRA="aliyun godaddy status-page demo" bench/sizes.sh
#   COMMON=0 EXTRA="godaddy dnspod" bench/sizes.sh   # only the base and these (no full, no none)
#   COMMON=0 BASE=godaddy EXTRA=- bench/sizes.sh      # one single-provider build
#
# Each variant is a full release build (LTO, opt-level z): minutes each on a small machine.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
MUSL=x86_64-unknown-linux-musl
TGT="${CARGO_TARGET_DIR:-$REPO/target}"
OUT="${OUT:-$BENCH/results/sizes-$(date -u +%Y%m%dT%H%M%SZ)}"
BASE="${BASE:-cloudflare}"
# Every feature of the mxddns package except the base and `default`, unless given.
if [ -z "${EXTRA:-}" ]; then
  EXTRA="$(cd "$REPO" && cargo metadata --no-deps --format-version 1 \
    | python3 -c 'import json,sys; m=json.load(sys.stdin); p=[p for p in m["packages"] if p["name"]=="mxddns"][0]; print(" ".join(f for f in p["features"] if f != "default"))')"
  EXTRA="$(for f in $EXTRA; do [ "$f" = "$BASE" ] || printf '%s ' "$f"; done)"
fi
rustup target list --installed | grep -qx "$MUSL" || { echo "sizes.sh: rustup target add $MUSL first" >&2; exit 1; }
mkdir -p "$OUT"
: > "$OUT/sizes.jsonl"
commit="$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet || echo '+dirty')"

# ring's C code needs a musl C compiler; Debian's musl-tools has musl-gcc.
if [ -z "${CC_x86_64_unknown_linux_musl:-}" ] && command -v musl-gcc >/dev/null; then
  export CC_x86_64_unknown_linux_musl=musl-gcc
fi
# The shipped build links without unwind tables (build.rs adds `--no-eh-frame-hdr` and the
# link/no-eh-frame.ld script to release builds for musl), so an experiment's RUSTFLAGS
# (e.g. `-C relocation-model=static`) adds to the shipped build instead of replacing part of it.
grep -q -- 'no-eh-frame.ld' "$REPO/build.rs" \
  || { echo "sizes.sh: build.rs no longer links without unwind tables; update this script" >&2; exit 1; }
[ -z "${MXDDNS_KEEP_UNWIND_TABLES:-}" ] || echo "sizes.sh: MXDDNS_KEEP_UNWIND_TABLES is set: measuring with unwind tables" >&2
[ -z "${RUSTFLAGS:-}" ] || echo "sizes.sh: RUSTFLAGS=\"$RUSTFLAGS\"" >&2
# Built unstripped (so that OUT keeps each variant's symbols for a per-crate breakdown, e.g.
# `nm -S --size-sort -C`), then stripped with strip(1): the bytes are those of the stripped copy.
export CARGO_PROFILE_RELEASE_STRIP=false

build() {   # label, cargo feature arguments...
  local label="$1"; shift
  (cd "$REPO" && cargo build --release --locked --target "$MUSL" -p mxddns "$@" >"$OUT/build-${label// /_}.log" 2>&1)
  local bin="$OUT/mxddns-${label//[ +()]/_}" sections
  cp "$TGT/$MUSL/release/mxddns" "$bin.unstripped"
  strip -o "$bin" "$bin.unstripped"
  sections="$(size -A "$bin" | awk '$1 ~ /^\./ {printf "\"%s\": %d, ", $1, $2}' | sed 's/, $//')"
  printf '{"label": "%s", "args": "%s", "bytes": %d, "commit": "%s", "rustflags": "%s", "sections": {%s}}\n' \
    "$label" "$*" "$(stat -c %s "$bin")" "$commit" "${RUSTFLAGS:-}${MXDDNS_KEEP_UNWIND_TABLES:+ (unwind tables kept)}" "$sections" >> "$OUT/sizes.jsonl"
  echo "$label: $(stat -c %s "$bin") B"
}

[ "${COMMON:-1}" = 0 ] || build "full (default features)"
build "$BASE" --no-default-features --features "$BASE"
[ "${COMMON:-1}" = 0 ] || build "no features" --no-default-features
[ "$EXTRA" = "-" ] && EXTRA=""   # EXTRA=- : the base alone
for f in $EXTRA; do
  build "$BASE + $f" --no-default-features --features "$BASE,$f"
done
python3 - "$OUT/sizes.jsonl" "$BASE" <<'PY' | tee "$OUT/sizes.md"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
base = next(r for r in rows if r["label"] == sys.argv[2])
MIB = 1024 * 1024
print("| build | cargo arguments | stripped bytes | MiB | adds to the `%s` router build |" % base["label"])
print("|---|---|---|---|---|")
for r in rows:
    add = "" if r is base or "+" not in r["label"] else "%+d B" % (r["bytes"] - base["bytes"])
    print("| %s | `%s` | %s | %.2f | %s |" % (r["label"], r["args"] or "(default)", format(r["bytes"], ","), r["bytes"] / MIB, add))
PY
