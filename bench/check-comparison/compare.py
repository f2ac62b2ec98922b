#!/usr/bin/env python3
"""mxddns check vs checkdmarc vs pyspf, on the same real-BIND zones (not run by CI).

Builds the scene that tests/e2e/check_bind.rs builds (a private root that delegates every
test zone to a child BIND, and a recursive BIND that starts from that root), on loopback
addresses of its own (127.53.X.1-4, port 53, added to `lo`), plus an HTTPS server on
127.53.X.4:443 that serves the MTA-STS policies (certificate from a test CA made here by
openssl). Then, for each case (one zone each), it runs

  * `mxddns check --domain D --address 203.0.113.20 --no-ports --format json`,
  * `checkdmarc D --nameserver RESOLVER --skip-tls -f json` (its MTA-STS fetch trusts the
    test CA through REQUESTS_CA_BUNDLE),
  * pyspf's `spf.check2(i=203.0.113.20, s=postmaster@D, h=mail.D)` with dnspython's
    default resolver pointed at the same BIND resolver,

and writes what each found, case by case, to docs/check-comparison.raw.json; with
`--markdown`, it prints the raw findings per case for docs/check-comparison.md.

Nothing leaves 127.0.0.0/8: every zone lives under the private root, the MX hosts' address
203.0.113.20 is never connected to (no port probe, --skip-tls), and the policy host
resolves to the loopback HTTPS server.

Needs: root (ip addr add), named (Debian bind9), openssl, `pip install --user checkdmarc
pyspf dnspython`, and `cargo build` (target/debug/mxddns). Run from the repository root:

  python3 bench/check-comparison/compare.py [--markdown]
"""

import http.server
import json
import os
import random
import shutil
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ADDR = "203.0.113.20"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MXDDNS = os.path.join(ROOT, "target", "debug", "mxddns")

DKIM_2048 = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAg8nQI1mDWgCzxAREKMVzXhSoxAcdtJRb3U+Q6MhTYAc1sSchYSuLwc42xbuC6xyR+vYQbX9ElOX2NrCGPpw5v34iHmdCwVU9Qgyx66uj2gLaOLEHqoko8DpMvZaJtbCNrmM4je1LHDUG7KpMU0LJumjBMkmvFa8ZzsE1KPROI314ujVBFSZF+n720K+ZILTRiMwmJ7Dtln5alQhkKinUcCra/LkZBkzMCv/Ga3zWzu5kufd25Q7MUb/f/qFEXBe/m9RyYw0Bg/DZepKmO3+Rf0a5eJplGTpjr3uEw7rCXZUNVZRgTrkm3biBSnLNmGl8NMgeij2QeCgqwGLWEvovbQIDAQAB"
DKIM_1024 = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDmOo26A4/xjEmBbOJsoNZlo2qpnzukSaW9oQFOtS391aGf2Bvn6MKHIIgBqQh31Zcf7ICAosaREy0FD5xR/BaVtijuvB9nI5oBfc35SObUFBzwDOQWFne7lLNFVJTagwXJjFozlL1QGxx1BkhCMzAs2cEAG48QzhEvdxGCcSGuKQIDAQAB"


def txt(text):
    """A TXT record's data: quoted strings of at most 120 bytes (at most 255 once {D}
    is replaced by the zone name)."""
    parts = [text[i:i + 120] for i in range(0, len(text), 120)] or [""]
    return "( " + " ".join('"%s"' % p for p in parts) + " )"


POLICY_OK = "version: STSv1\r\nmode: enforce\r\nmx: mail.{D}\r\nmax_age: 604800\r\n"


def base(spf="v=spf1 mx -all", dmarc="v=DMARC1; p=quarantine; rua=mailto:postmaster@{D}",
         dkim=DKIM_2048, sts=True, rpt="v=TLSRPTv1; rua=mailto:tlsrpt@{D}", sts_host=True):
    """The records of a healthy mail domain, with one part replaced per case."""
    r = "@ MX 10 mail\nmail A %s\n" % ADDR
    if spf is not None:
        r += "@ TXT %s\n" % txt(spf)
    if dmarc is not None:
        r += "_dmarc TXT %s\n" % txt(dmarc)
    if dkim is not None:
        r += "mail._domainkey TXT %s\n" % txt("v=DKIM1; k=rsa; p=" + dkim)
    if sts:
        r += '_mta-sts TXT "v=STSv1; id=20260101T000000"\n'
        if sts_host:
            r += "mta-sts A {HTTPS}\n"
    if rpt is not None:
        r += "_smtp._tls TXT %s\n" % txt(rpt)
    return r


# (case id, what it shows, zone name, zone records or None (not delegated), policy text,
#  resolver to ask: "resolver" or "root").
CASES = [
    ("healthy", "a healthy domain (MX, SPF, DMARC, DKIM 2048, MTA-STS enforce, TLS-RPT)",
     "healthy.test", base(), POLICY_OK, "resolver"),
    ("mx-nodata", "the domain exists, no MX (NODATA)",
     "nomx.test", "@ A %s\n@ TXT \"v=spf1 -all\"\n" % ADDR, None, "resolver"),
    ("mx-nxdomain", "the domain does not exist (NXDOMAIN: not delegated)",
     "unregistered.test", None, None, "resolver"),
    ("spf-syntax", "SPF with an unknown mechanism",
     "spfsyntax.test", base(spf="v=spf1 mx foo:bar.test -all"), POLICY_OK, "resolver"),
    ("spf-void", "SPF with 3 void look-ups before the matching term (RFC 7208 §4.6.4: limit 2)",
     "void.test", base(spf="v=spf1 a:v1.{D} a:v2.{D} a:v3.{D} mx -all"), POLICY_OK, "resolver"),
    ("spf-lookups", "SPF needing 11 DNS look-ups (limit 10)",
     "lookups.test",
     base(spf="v=spf1 " + " ".join("include:s%d.{D}" % i for i in range(1, 12)) + " mx -all")
     + "".join('s%d TXT "v=spf1 -all"\n' % i for i in range(1, 12)), POLICY_OK, "resolver"),
    ("spf-plus-all", "SPF \"+all\" (anyone may send)",
     "plusall.test", base(spf="v=spf1 +all"), POLICY_OK, "resolver"),
    ("spf-size", "SPF record of 560 bytes (RFC 7208 §3.4: must fit a 512-byte answer)",
     "size.test",
     base(spf="v=spf1 " + " ".join("ip4:198.51.100.%d" % i for i in range(1, 31)) + " mx -all"),
     POLICY_OK, "resolver"),
    ("dmarc-tags", "DMARC with pct=150 and adkim=x",
     "dmarctags.test",
     base(dmarc="v=DMARC1; p=quarantine; pct=150; adkim=x; rua=mailto:postmaster@{D}"),
     POLICY_OK, "resolver"),
    ("dmarc-rua-external", "DMARC rua in another domain that does not authorise it (RFC 7489 §7.1)",
     "ruaext.test", base(dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@reports.test"),
     POLICY_OK, "resolver"),
    ("dkim-1024", "DKIM key of 1024 bits (selector mail)",
     "dkim1024.test", base(dkim=DKIM_1024), POLICY_OK, "resolver"),
    ("dkim-missing", "no DKIM key at the configured selector",
     "nodkim.test", base(dkim=None), POLICY_OK, "resolver"),
    ("mta-sts-uncovered", "MTA-STS enforce policy whose mx: does not cover the MX host",
     "stsmx.test", base(),
     "version: STSv1\r\nmode: enforce\r\nmx: other.{D}\r\nmax_age: 604800\r\n", "resolver"),
    ("mta-sts-no-host", "MTA-STS record, policy host without an address",
     "stsnohost.test", base(sts_host=False), None, "resolver"),
    ("mta-sts-malformed", "MTA-STS policy with version STSv2 and max_age over the limit",
     "stsbad.test", base(),
     "version: STSv2\r\nmode: enforce\r\nmx: mail.{D}\r\nmax_age: 99999999\r\n", "resolver"),
    ("tls-rpt-bad", "TLS-RPT rua that is not a mailto:/https: URI",
     "tlsrpt.test", base(rpt="v=TLSRPTv1; rua=tlsrpt@{D}"), POLICY_OK, "resolver"),
    ("referral", "the healthy domain asked of a server that does not recurse (a referral)",
     "healthy.test", None, POLICY_OK, "root"),
]

EXTRA_ZONES = {
    # Report domain of dmarc-rua-external: receives mail, authorises nobody.
    "reports.test": "@ MX 10 mail\nmail A %s\n" % ADDR,
}


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Net:
    def __init__(self):
        for _ in range(50):
            x = random.randint(1, 250)
            self.addrs = ["127.53.%d.%d" % (x, i) for i in range(1, 5)]
            shown = sh(["ip", "-o", "addr", "show", "dev", "lo"]).stdout
            if not any("inet %s/" % a in shown for a in self.addrs):
                break
        self.added = []
        for a in self.addrs:
            r = sh(["ip", "addr", "add", a + "/32", "dev", "lo"])
            if r.returncode != 0:
                sys.exit("cannot add %s to lo (needs root): %s" % (a, r.stderr))
            self.added.append(a)

    def close(self):
        for a in self.added:
            sh(["ip", "addr", "del", a + "/32", "dev", "lo"])


def named(dir_, addr, zones, recursive=False, hint=None):
    os.makedirs(dir_, exist_ok=True)
    conf = []
    for name, body in zones:
        fname = "root.zone" if name == "." else name + ".zone"
        origin = "." if name == "." else name + "."
        host = "hostmaster.root." if name == "." else "hostmaster." + origin
        with open(os.path.join(dir_, fname), "w") as f:
            f.write("$ORIGIN %s\n$TTL 300\n@ SOA ns.invalid. %s 1 3600 600 86400 300\n%s\n"
                    % (origin, host, body))
        conf.append('zone "%s" { type primary; file "%s/%s"; };' % (name, dir_, fname))
    if hint:
        with open(os.path.join(dir_, "hint.zone"), "w") as f:
            f.write(". 3600000 NS a.root.test.\na.root.test. 3600000 A %s\n" % hint)
        conf.append('zone "." { type hint; file "%s/hint.zone"; };' % dir_)
    rec = "recursion yes; allow-recursion { any; }; max-udp-size 512;" if recursive \
        else "recursion no;"
    with open(os.path.join(dir_, "named.conf"), "w") as f:
        f.write("""options {
  directory "%(d)s"; pid-file "%(d)s/named.pid"; session-keyfile "%(d)s/session.key";
  managed-keys-directory "%(d)s";
  listen-on port 53 { %(a)s; }; listen-on-v6 { none; }; port 53;
  %(rec)s allow-query { any; }; dnssec-validation no; notify no;
  qname-minimization off; empty-zones-enable no;
};
controls { };
%(zones)s
""" % {"d": dir_, "a": addr, "rec": rec, "zones": "\n".join(conf)})
    # -g: foreground, log to stderr (where "running" tells it is ready).
    p = subprocess.Popen(["named", "-g", "-4", "-n", "1", "-c", os.path.join(dir_, "named.conf")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ready = threading.Event()
    log = []

    def drain():
        for line in p.stderr:
            log.append(line)
            if line.rstrip().endswith("running"):
                ready.set()
    threading.Thread(target=drain, daemon=True).start()
    if not ready.wait(60) or p.poll() is not None:
        p.kill()
        raise RuntimeError("named at %s did not start:\n%s" % (addr, "".join(log[-20:])))
    return p


def certificates(dir_, names):
    def run(*args):
        r = sh(["openssl", *args], cwd=dir_)
        if r.returncode != 0:
            sys.exit("openssl %s: %s" % (args, r.stderr))
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
        "/CN=mxddns comparison CA", "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + names[0],
        "-keyout", "key.pem", "-out", "req.csr")
    with open(os.path.join(dir_, "ext.cnf"), "w") as f:
        f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                % ",".join("DNS:" + n for n in names))
    run("x509", "-req", "-days", "2", "-CAcreateserial", "-in", "req.csr", "-CA", "ca.pem",
        "-CAkey", "ca.key", "-out", "cert.pem", "-extfile", "ext.cnf")
    return os.path.join(dir_, "ca.pem")


def https_server(addr, dir_, policies):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            host = (self.headers.get("Host") or "").split(":")[0]
            body = policies.get(host)
            if self.path != "/.well-known/mta-sts.txt" or body is None:
                self.send_response(404)
                self.end_headers()
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    srv = Server((addr, 443), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(dir_, "cert.pem"), os.path.join(dir_, "key.pem"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def run_mxddns(dir_, domain, resolver, ca):
    cfg = os.path.join(dir_, "mxddns.yaml")
    with open(cfg, "w") as f:
        f.write("""state_file: %s/state.json
detect:
  ipv4: ["http://127.0.0.1:9/ip"]
providers:
  home-cf:
    type: cloudflare
    api_token: "mxddns-fake-cloudflare-token-0123456789a"
    endpoint: http://127.0.0.1:9/
domains:
  - domain: %s
    provider: home-cf
    dkim_selectors: [mail]
dns:
  resolvers: ["%s:53"]
""" % (dir_, domain, resolver))
    os.chmod(cfg, 0o600)
    env = dict(os.environ, MXDDNS_TEST_EXTRA_CA=ca, LANG="C.UTF-8")
    r = sh([MXDDNS, "-c", cfg, "check", "--domain", domain, "--address", ADDR, "--no-ports",
            "--format", "json"], env=env, timeout=120)
    try:
        report = json.loads(r.stdout)
    except ValueError:
        return {"exit": r.returncode, "error": r.stderr.strip()[-300:]}
    found = [{"severity": f["severity"], "check": f["check"], "message": f["message"]}
             for f in report["domains"][0]["findings"]
             if f["severity"] != "ok" or f["check"] in (
                 "spf.authorised", "mta_sts.policy", "mta_sts.mx", "dkim.key")]
    return {"exit": r.returncode, "findings": found}


# checkdmarc looks DNS records up through --nameserver, but fetches the MTA-STS policy
# with `requests`, which resolves the policy host through the system (getaddrinfo). This
# wrapper gives that fetch the same BIND resolver, so both see the same zones.
CHECKDMARC_WRAPPER = r"""
import ipaddress, socket, sys
import dns.resolver
_res = dns.resolver.Resolver(configure=False)
_res.nameservers = [sys.argv.pop(1)]
_orig = socket.getaddrinfo
def getaddrinfo(host, port, *a, **k):
    try:
        ipaddress.ip_address(host)
        return _orig(host, port, *a, **k)
    except ValueError:
        pass
    try:
        ips = [r.address for r in _res.resolve(host, "A")]
    except Exception:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    out = []
    for ip in ips:
        out.extend(_orig(ip, port, *a, **k))
    return out
socket.getaddrinfo = getaddrinfo
from checkdmarc._cli import _main
sys.argv[0] = "checkdmarc"
sys.exit(_main())
"""


def run_checkdmarc(domain, resolver, ca):
    env = dict(os.environ, REQUESTS_CA_BUNDLE=ca, SSL_CERT_FILE=ca)
    r = sh([sys.executable, "-c", CHECKDMARC_WRAPPER, resolver, domain, "--nameserver",
            resolver, "--skip-tls", "-t", "3", "-f", "json"], env=env, timeout=300)
    try:
        out = json.loads(r.stdout)
    except ValueError:
        return {"exit": r.returncode, "error": (r.stderr or r.stdout).strip()[-500:]}

    def pick(section):
        v = out.get(section)
        if not isinstance(v, dict):
            return v
        keep = {k: v[k] for k in ("valid", "error", "warnings", "record", "policy", "hosts",
                                  "dns_lookups", "dns_void_lookups", "tags", "id")
                if k in v}
        return keep
    return {"exit": r.returncode,
            **{s: pick(s) for s in ("mx", "spf", "dmarc", "mta_sts", "smtp_tls_reporting",
                                    "dkim", "ns")}}


def run_pyspf(domain, resolver):
    import dns.resolver
    import spf
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [resolver]
    res.lifetime = 5
    dns.resolver.default_resolver = res
    try:
        result, explanation = spf.check2(i=ADDR, s="postmaster@" + domain, h="mail." + domain)
    except Exception as e:  # pyspf raises on some DNS failures
        return {"result": "exception", "explanation": repr(e)}
    return {"result": result, "explanation": explanation}


def main():
    if os.geteuid() != 0:
        sys.exit("run as root: the scene adds loopback addresses and listens on port 53")
    if not os.path.exists(MXDDNS):
        sys.exit("build mxddns first: cargo build")
    work = tempfile.mkdtemp(prefix="mxddns-compare-")
    net = Net()
    procs = []
    try:
        root_ip, child_ip, resolver_ip, https_ip = net.addrs
        zones = {}
        for _, _, name, body, _, _ in CASES:
            if body is not None:
                zones[name] = body.replace("{D}", name).replace("{HTTPS}", https_ip)
        zones.update(EXTRA_ZONES)
        zones["113.0.203.in-addr.arpa"] = "20 PTR mail.healthy.test.\n"
        zones["child.test"] = "ns1 A %s\n" % child_ip
        child_zones = [(n, "@ NS ns1.child.test.\n" + b) for n, b in zones.items()]
        root = ". NS a.root.test.\na.root.test. A %s\n" % root_ip
        for n in zones:
            root += "%s. NS ns1.child.test.\n" % n
        root += "ns1.child.test. A %s\n" % child_ip
        procs.append(named(os.path.join(work, "root"), root_ip, [(".", root)]))
        procs.append(named(os.path.join(work, "child"), child_ip, child_zones))
        procs.append(named(os.path.join(work, "resolver"), resolver_ip, [], recursive=True,
                           hint=root_ip))
        policies = {}
        for _, _, name, _, policy, _ in CASES:
            if policy is not None:
                policies["mta-sts." + name] = policy.replace("{D}", name)
        ca = certificates(work, sorted(policies))
        https_server(https_ip, work, policies)

        results = []
        for case, what, name, _, _, via in CASES:
            server = resolver_ip if via == "resolver" else root_ip
            print("case %s (%s via %s)" % (case, name, via), file=sys.stderr)
            results.append({
                "case": case, "what": what, "domain": name, "asked": via,
                "mxddns": run_mxddns(work, name, server, ca),
                "checkdmarc": run_checkdmarc(name, server, ca),
                "pyspf": run_pyspf(name, server),
            })
        out = os.path.join(ROOT, "docs", "check-comparison.raw.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            json.dump({"tools": tool_versions(), "cases": results}, f, indent=1)
            f.write("\n")
        print("wrote %s" % out, file=sys.stderr)
        if "--markdown" in sys.argv:
            for r in results:
                print("## %s: %s" % (r["case"], r["what"]))
                print("mxddns:", json.dumps(r["mxddns"], indent=1))
                print("checkdmarc:", json.dumps(r["checkdmarc"], indent=1))
                print("pyspf:", json.dumps(r["pyspf"]))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        net.close()
        shutil.rmtree(work, ignore_errors=True)


def tool_versions():
    import checkdmarc
    import spf
    v = sh([MXDDNS, "--version"]).stdout.strip()
    return {"mxddns": v, "checkdmarc": checkdmarc.__version__,
            "pyspf": getattr(spf, "__version__", "?"),
            "named": sh(["named", "-v"]).stdout.strip()}


if __name__ == "__main__":
    main()
