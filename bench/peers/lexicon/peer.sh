# Peer definition for run_peers.sh (sourced; the contract is documented in peers/_template/peer.sh).
PEER_TITLE="lexicon (dns-lexicon, PyPI)"
PEER_MODES="https"   # provider hard-codes https://api.cloudflare.com/client/v4 (sandbox /etc/hosts -> 127.0.0.1)
PEER_DAEMON=0        # a one-shot record CLI: no daemon, no IP detection (the IP is passed in)
PEER_SCENARIOS="change"  # the address is passed on the command line: no "warm" (address moved) case, and it always writes
LEXICON_BIN="$BENCH/.venv/bin/lexicon"
peer_available() { [ -x "$LEXICON_BIN" ]; }
peer_version()   { "$BENCH/.venv/bin/python" -c 'import importlib.metadata as m; print(m.version("dns-lexicon"))'; }
peer_prepare() {
  mkdir -p "$WORK/conf"
  render "$PEER_DIR/lexicon.yml" "$WORK/conf/lexicon.yml"
  render "$PEER_DIR/lexicon_cloudflare.yml" "$WORK/conf/lexicon_cloudflare.yml"
}
peer_oneshot() {
  # requests reads the CA from REQUESTS_CA_BUNDLE; tldextract keeps its cache under WORK.
  CMD=(env REQUESTS_CA_BUNDLE="$CA_FILE" TLDEXTRACT_CACHE_PATH="$WORK/tldextract" HOME="$WORK"
       "$LEXICON_BIN" --config-dir "$WORK/conf"
       cloudflare update "$ZONE" A --name "$RECORD" --content "$NEW_IP" --output QUIET)
}
