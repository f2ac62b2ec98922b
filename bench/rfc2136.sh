#!/usr/bin/env bash
# One mxddns update cycle over RFC 2136 + TSIG against a REAL BIND 9 (`named`) on loopback,
# measured the same way as the HTTP rows of bench/run.sh (bench_tool.py measure around
# GNU time -v): the row to set beside the HTTPS providers.
#
#   bench/rfc2136.sh                      # MXDDNS_BIN=target/release/mxddns, RUNS=7
#   MXDDNS_BIN=target/x86_64-unknown-linux-musl/release/mxddns LABEL=musl bench/rfc2136.sh
#
# Runs inside the loopback-only sandbox (in_sandbox.sh, needs root). named holds example.com
# (MX -> mail, mail A 203.0.113.10, SPF), updatable with an hmac-sha256 key; a Python IP echo
# answers 203.0.113.20. Scenarios, as in harness.sh:
#   change:   mail A is put back to .10 with nsupdate and the state file removed; mxddns must
#             move it to .20 (and verify it at the authoritative server, named itself).
#   nochange: an untimed priming run, then the timed run; nothing is due.
# A run is OK only if mxddns exits 0 and named then answers .20 for mail.example.com A.
# Per run it also counts the DNS messages named saw (its query and update logs).
# Writes OUT/rfc2136.jsonl and prints a Markdown table (medians).
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
if [ "${BENCH_SANDBOX:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "bench/rfc2136.sh needs root (loopback-only sandbox)" >&2; exit 1; }
  export MXDDNS_BIN="${MXDDNS_BIN:-${CARGO_TARGET_DIR:-$REPO/target}/release/mxddns}"
  export OUT="${OUT:-$BENCH/results/rfc2136-$(date -u +%Y%m%dT%H%M%SZ)}"
  exec "$BENCH/in_sandbox.sh" bash "$0" "$@"
fi
RUNS="${RUNS:-7}"
LABEL="${LABEL:-$(basename "$(dirname "$(dirname "$MXDDNS_BIN")")")}"
[ -x "$MXDDNS_BIN" ] || { echo "rfc2136.sh: no mxddns binary at $MXDDNS_BIN" >&2; exit 1; }
command -v named >/dev/null || [ -x /usr/sbin/named ] || { echo "rfc2136.sh: BIND (named) is not installed: apt-get install bind9" >&2; exit 1; }
mkdir -p "$OUT/logs"
WORK="$(mktemp -d)"
chmod 755 "$WORK"
# named writes its journal in WORK (owned by bind below); mxddns' state lives in a directory of
# its own user, which mxddns insists on (it refuses a state directory another user owns).
STATE_DIR="$(mktemp -d)"
PORT=5399 ECHO_PORT=8399
KEY=mxddns-key
SECRET="6hFvFfbXuhzkWb6OL2bzxs2C5BmRCJWKGbCO1anmGNk="
OLD=203.0.113.10 NEW=203.0.113.20

cat > "$WORK/example.com.zone" <<EOF
\$ORIGIN example.com.
\$TTL 300
@ SOA ns.invalid. hostmaster.example.com. 1 3600 600 86400 300
@ NS ns
ns A 127.0.0.1
@ MX 10 mail
mail A $OLD
@ TXT "v=spf1 mx -all"
EOF
cat > "$WORK/named.conf" <<EOF
options {
  directory "$WORK";
  pid-file "$WORK/named.pid";
  session-keyfile "$WORK/session.key";
  managed-keys-directory "$WORK";
  listen-on port $PORT { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { any; };
  dnssec-validation no;
  notify no;
};
controls { };
key "$KEY" { algorithm hmac-sha256; secret "$SECRET"; };
logging {
  channel q { file "$WORK/dns.log"; severity info; print-time no; };
  channel out { stderr; severity info; print-time no; };
  category default { out; };
  category queries { q; };
  category update { q; };
};
zone "example.com" {
  type primary;
  file "$WORK/example.com.zone";
  update-policy { grant "$KEY" zonesub ANY; };
};
EOF
chown -R bind:bind "$WORK" 2>/dev/null || true
/usr/sbin/named -f -4 -n 1 -u bind -c "$WORK/named.conf" 2>"$OUT/named.log" &
NAMED_PID=$!
python3 - "$ECHO_PORT" "$NEW" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = sys.argv[2].encode()
        self.send_response(200); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
ECHO_PID=$!
trap 'kill $NAMED_PID $ECHO_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK" "$STATE_DIR"' EXIT
for _ in $(seq 100); do grep -q "running" "$OUT/named.log" 2>/dev/null && break; sleep 0.1; done
grep -q "running" "$OUT/named.log" || { echo "rfc2136.sh: named did not start:" >&2; cat "$OUT/named.log" >&2; exit 1; }

cat > "$WORK/config.yaml" <<EOF
schedule: 30s
state_file: $STATE_DIR/state.json
detect:
  ipv4: ["http://127.0.0.1:$ECHO_PORT/ip"]
providers:
  own-dns:
    type: rfc2136
    server: 127.0.0.1:$PORT
    tsig_key_name: $KEY
    tsig_algorithm: hmac-sha256
    tsig_secret: "$SECRET"
domains:
  - domain: example.com
    provider: own-dns
dns:
  resolvers: ["127.0.0.1:$PORT"]
  authoritative: ["127.0.0.1:$PORT"]
  verify_timeout: 30s
EOF
chmod 600 "$WORK/config.yaml"

set_old() {
  printf 'server 127.0.0.1 %s\nzone example.com\nupdate delete mail.example.com A\nupdate add mail.example.com 300 A %s\nsend\n' "$PORT" "$OLD" \
    | nsupdate -y "hmac-sha256:$KEY:$SECRET"
}
now() { dig +short -p "$PORT" @127.0.0.1 mail.example.com A | tr '\n' ',' | sed 's/,$//'; }
mx() { "$MXDDNS_BIN" --config "$WORK/config.yaml" --update-now --quiet; }

: > "$OUT/rfc2136.jsonl"
for scen in change nochange; do
  for i in $(seq 0 "$RUNS"); do     # run 0 is the warm-up, not kept
    rm -f "$STATE_DIR/state.json" "$STATE_DIR/state.json".*
    set_old
    if [ "$scen" = nochange ]; then mx > "$OUT/logs/prime-$scen-$i.log" 2>&1 || true; fi
    : > "$WORK/dns.log"
    mf="$OUT/logs/$LABEL-$scen-$i.measure.json" tf="$OUT/logs/$LABEL-$scen-$i.time"
    rc=0
    python3 "$BENCH/bench_tool.py" measure --out "$mf" --stdout "$OUT/logs/$LABEL-$scen-$i.log" -- \
      /usr/bin/time -v -o "$tf" "$MXDDNS_BIN" --config "$WORK/config.yaml" --update-now --quiet || rc=$?
    sleep 0.2   # let named flush its log
    cp "$WORK/dns.log" "$OUT/logs/$LABEL-$scen-$i.named.log"
    queries=$(grep -c ' query: ' "$WORK/dns.log" || true)
    updates=$( (grep 'updating zone' "$WORK/dns.log" || true) | awk '{print $3}' | sort -u | wc -l)   # one UPDATE message per client port
    got="$(now)"
    [ "$i" = 0 ] && continue
    python3 - "$mf" "$tf" "$scen" "$i" "$rc" "$got" "$NEW" "$queries" "$updates" "$LABEL" "$MXDDNS_BIN" >> "$OUT/rfc2136.jsonl" <<'PY'
import json, re, sys
mf, tf, scen, i, rc, got, new, q, u, label, binp = sys.argv[1:]
m = json.load(open(mf))
rss = None
for line in open(tf):
    if "Maximum resident set size" in line:
        rss = int(line.rsplit(":", 1)[1])
print(json.dumps({"tool": "mxddns rfc2136 (%s)" % label, "scenario": scen, "run": int(i),
    "rc": int(rc), "ok": int(rc) == 0 and got == new, "got": got,
    "cpu_ms": round((m["utime_s"] + m["stime_s"]) * 1000, 2), "wall_ms": round(m["wall_ns"] / 1e6, 2),
    "maxrss_kib": rss if rss is not None else m["maxrss_kib"],
    "dns_queries_seen": int(q), "dns_updates_seen": int(u), "binary": binp}))
PY
  done
done
python3 - "$OUT/rfc2136.jsonl" <<'PY' | tee "$OUT/rfc2136.md"
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| tool | scenario | runs OK | CPU ms (median) | wall ms (median) | peak RSS KiB (median) | DNS queries at named | UPDATE messages at named |")
print("|---|---|---|---|---|---|---|---|")
for scen in ("change", "nochange"):
    rs = [r for r in rows if r["scenario"] == scen]
    if not rs:
        continue
    med = lambda k: st.median(r[k] for r in rs)
    print("| %s | %s | %d/%d | %.1f | %.1f | %d | %g | %g |" % (rs[0]["tool"], scen, sum(r["ok"] for r in rs), len(rs),
          med("cpu_ms"), med("wall_ms"), med("maxrss_kib"), med("dns_queries_seen"), med("dns_updates_seen")))
PY
