# Peer definition for run_peers.sh (sourced; the contract is documented in peers/_template/peer.sh).
PEER_TITLE="ddclient"
PEER_MODES="https"     # protocol=cloudflare always builds https:// URLs; plain HTTP is impossible
PEER_SCENARIOS="change nochange"   # no "warm": ddclient will not update again within min-interval (30 s) of its last update
PEER_DAEMON=1
peer_available() { command -v ddclient >/dev/null 2>&1; }
peer_version()   { dpkg-query -W -f='${Version}' ddclient 2>/dev/null || echo "?"; }
peer_prepare() {   # $1 = mode; runs before every (timed) run, untimed
  render "$PEER_DIR/ddclient.conf" "$WORK/ddclient.conf"
  rm -f "$WORK/ddclient.cache"   # no cached IP -> ddclient must update
}
peer_oneshot() {   # fills CMD for one update-and-exit run
  CMD=(ddclient -daemon=0 -foreground -file "$WORK/ddclient.conf" -cache "$WORK/ddclient.cache" -pid '')
}
peer_daemon() {    # fills CMD for a resident process (first cycle immediately, then every 60 s)
  CMD=(ddclient -daemon=60 -foreground -file "$WORK/ddclient.conf" -cache "$WORK/ddclient.cache" -pid '')
}
