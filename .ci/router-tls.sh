#!/usr/bin/env bash
# The router build (`--no-default-features --features cloudflare`) has no bundled CA roots:
# HTTPS trusts the system's CA bundle or $SSL_CERT_FILE. Checked here end to end against a real
# TLS server (openssl s_server, loopback, a CA made for the run), with the binary given as $1:
#   * SSL_CERT_FILE = that CA: the handshake succeeds and the IP echo's address is read;
#   * SSL_CERT_FILE = a missing file, or a file with no certificate: refused, and the message
#     says what to fix (in English and Chinese), with nothing of rustls's Debug output in it.
set -euo pipefail
bin="$1"
dir="$(mktemp -d)"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$dir"' EXIT
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -days 2 -subj "/CN=mxddns CI CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key -out srv.csr \
  -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
  -extfile ext 2>/dev/null
mkdir www
echo 198.51.100.7 > www/ip
: > empty.pem
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
(cd www && exec openssl s_server -quiet -accept "127.0.0.1:$port" -cert ../srv.pem -key ../srv.key -WWW) \
  >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
printf 'detect:\n  ipv4: ["https://127.0.0.1:%s/ip"]\n  timeout: 5s\nproviders:\n  cf:\n    type: cloudflare\n    api_token: x\ndomains:\n  - domain: example.com\n    provider: cf\n' \
  "$port" > config.yaml
chmod 600 config.yaml

detect() {   # SSL_CERT_FILE, extra arguments...
  local bundle="$1"; shift
  SSL_CERT_FILE="$bundle" "$bin" "$@" --config config.yaml detect 2>&1 || true
}
expect() {   # what, output, fixed string
  if ! grep -qF -- "$3" <<<"$2" || grep -q "OtherError" <<<"$2"; then
    echo "router-tls: $1: expected \"$3\" (and no rustls Debug text) in:"
    echo "$2"
    exit 1
  fi
}
expect "the CA through SSL_CERT_FILE" "$(detect "$dir/ca.pem")" "IPv4 address: 198.51.100.7"
expect "a missing SSL_CERT_FILE" "$(detect "$dir/missing.pem")" \
  "SSL_CERT_FILE names $dir/missing.pem, which is not a file: point SSL_CERT_FILE at a PEM CA bundle"
expect "a missing SSL_CERT_FILE, in Chinese" "$(detect "$dir/missing.pem" --lang zh-CN)" \
  "SSL_CERT_FILE 指向 $dir/missing.pem，但那不是一个文件"
expect "an SSL_CERT_FILE with no certificate" "$(detect "$dir/empty.pem")" \
  "$dir/empty.pem holds no certificate"
echo "router-tls: the router build's HTTPS without bundled roots: trusted via SSL_CERT_FILE, refused with the fix otherwise"
