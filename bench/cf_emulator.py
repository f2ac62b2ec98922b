#!/usr/bin/env python3
"""Cloudflare API v4 emulator for local DDNS benchmarks (standard library only).

It answers the subset of https://api.cloudflare.com/client/v4 that dynamic-DNS
clients use, with the real v4 envelope
    {"result": ..., "success": bool, "errors": [...], "messages": [...], "result_info": {...}}
and keeps DNS records in memory, seeded from a JSON file.

Endpoints (all under /client/v4, a trailing slash is tolerated like the real API):
  GET    /user/tokens/verify
  GET    /zones                      ?name= (also name.exact, equal:/contains:/starts_with:/ends_with:), status, page, per_page
  GET    /zones/{zone_id}
  GET    /zones/{zone_id}/dns_records ?type= &name= (name.exact/.contains/.startswith/.endswith) &content= &proxied= &match= &page= &per_page= &order= &direction=
  POST   /zones/{zone_id}/dns_records
  GET    /zones/{zone_id}/dns_records/{record_id}
  PUT    /zones/{zone_id}/dns_records/{record_id}      (overwrite)
  PATCH  /zones/{zone_id}/dns_records/{record_id}      (merge)
  DELETE /zones/{zone_id}/dns_records/{record_id}

DNS (optional, --dns-port, UDP): authoritative answers (SOA, NS, A, AAAA, CNAME, MX, TXT) for the
seeded zones from the same in-memory records; REFUSED for other names.  Logged as "DNS <qtype>".

"What is my IP" helpers (no auth):
  GET /ip               -> "<addr>\n" (text/plain)
  GET /cdn-cgi/trace    -> "fl=...\nh=<host>\nip=<addr>\n..." like Cloudflare's trace

Control endpoints (no auth, never written to the request log):
  POST /__emu/reset     reload records from the seed file and zero /__emu/counts
  GET  /__emu/state     dump zones and records
  GET  /__emu/counts    request counts per "METHOD path-template" since the last reset
                        (waits for in-flight requests to be logged first)
  POST /__emu/myip      body = new address served by /ip and /cdn-cgi/trace
  POST /__emu/zero-counts  zero /__emu/counts, keep the records (mxddns bench addition)
  POST /__emu/rate-reset   forget the rate-limit windows (mxddns bench addition)
  GET  /__emu/health    "ok"

Every other request is logged as one JSON line in --log (method, path, template,
query, status, listener, ...).  The emulator refuses to bind to anything that is
not a loopback address.

Rate limit (optional, --rate-limit N/SECONDS, e.g. 1200/300 like Cloudflare): per credential,
a fixed window opened by its first API request; past N requests every API call is answered 429
with error 971 and Retry-After until the window ends.  While it is on, every API answer carries
the IETF-draft headers Cloudflare sends since 2025-09 (Ratelimit: "default";r=LEFT;t=SECONDS).

This copy comes from the shared peer benchmark (shared/peer-bench); the mxddns bench added the
rate limit, /__emu/zero-counts and an O(labels) zone index for DNS answers (1,000-zone scale runs).

Usage:
  cf_emulator.py --seed seed.json --log requests.jsonl --port 8080 \
                 [--tls-port 8443 --tls-cert cert.pem --tls-key key.pem] [--my-ip 203.0.113.20]
"""

import argparse
import copy
import datetime as _dt
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_PREFIX = "/client/v4"
ID_RE = re.compile(r"^[0-9a-f]{32}$")
RECORD_TYPES = {
    "A", "AAAA", "CAA", "CERT", "CNAME", "DNSKEY", "DS", "HTTPS", "LOC", "MX",
    "NAPTR", "NS", "OPENPGPKEY", "PTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI",
}
PROXIABLE_TYPES = {"A", "AAAA", "CNAME"}


def now_iso():
    t = _dt.datetime.now(_dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % t.microsecond


def new_id():
    return secrets.token_hex(16)  # 32 lowercase hex chars, like real Cloudflare ids


class ApiError(Exception):
    def __init__(self, status, errors, headers=None):
        super().__init__(str(errors))
        self.status = status
        self.errors = errors
        self.headers = headers or {}


def err(code, message):
    return {"code": code, "message": message}


# --------------------------------------------------------------------------- state


class State:
    """Zones, records and credentials, guarded by one lock."""

    def __init__(self, seed_path, my_ip=None):
        self.seed_path = seed_path
        self.lock = threading.RLock()
        self.counts = {}
        self.inflight = 0
        self.idle = threading.Condition(self.lock)
        self.my_ip_override = my_ip
        self.rate_limit = None  # (requests, window seconds) or None
        self.reset()

    def reset(self):
        with self.lock:
            with open(self.seed_path, "r", encoding="utf-8") as f:
                seed = json.load(f)
            self.tokens = {}
            for t in seed.get("tokens", []):
                if isinstance(t, str):
                    self.tokens[t] = {"id": new_id(), "status": "active"}
                else:
                    self.tokens[t["token"]] = {"id": t.get("id") or new_id(), "status": t.get("status", "active")}
            self.global_keys = {}
            for k in seed.get("global_keys", []):
                self.global_keys[(k["email"].lower(), k["key"])] = True
            self.account = seed.get("account", {"id": "01a7362d577a6c3019a474fd6f485823", "name": "Demo Account"})
            self.zones = {}  # zone_id -> zone dict (without records)
            self.records = {}  # zone_id -> {record_id: record}
            for z in seed.get("zones", []):
                zid = z.get("id") or new_id()
                created = z.get("created_on", "2014-01-01T05:20:00.12345Z")
                zone = {
                    "id": zid,
                    "name": z["name"].lower().rstrip("."),
                    "status": z.get("status", "active"),
                    "paused": z.get("paused", False),
                    "type": z.get("type", "full"),
                    "development_mode": 0,
                    "name_servers": z.get("name_servers", ["bob.ns.cloudflare.com", "lola.ns.cloudflare.com"]),
                    "original_name_servers": None,
                    "original_registrar": None,
                    "original_dnshost": None,
                    "modified_on": created,
                    "created_on": created,
                    "activated_on": created,
                    "meta": {
                        "step": 2,
                        "custom_certificate_quota": 0,
                        "page_rule_quota": 3,
                        "phishing_detected": False,
                    },
                    "owner": {"id": None, "type": "user", "email": None},
                    "account": dict(self.account),
                    "tenant": {"id": None, "name": None},
                    "tenant_unit": {"id": None},
                    "permissions": ["#dns_records:edit", "#dns_records:read", "#zone:read"],
                    "plan": {
                        "id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
                        "name": "Free Website",
                        "price": 0,
                        "currency": "USD",
                        "frequency": "",
                        "is_subscribed": False,
                        "can_subscribe": False,
                        "legacy_id": "free",
                        "legacy_discount": False,
                        "externally_managed": False,
                    },
                }
                self.zones[zid] = zone
                recs = {}
                for r in z.get("records", []):
                    rec = self._make_record(zone, r, created_on=r.get("created_on", created))
                    if r.get("id"):
                        rec["id"] = r["id"]
                    recs[rec["id"]] = rec
                self.records[zid] = recs
            self.my_ip = self.my_ip_override or seed.get("my_ip", "203.0.113.20")
            self.zone_by_name = {z["name"]: z for z in self.zones.values()}
            self.rate_windows = {}

    def zone_for(self, qname):
        """The longest seeded zone that contains qname (walks up the labels)."""
        labels = qname.split(".")
        for i in range(len(labels)):
            z = self.zone_by_name.get(".".join(labels[i:]))
            if z is not None:
                return z
        return None

    def rate_check(self, who):
        """Count one API request for credential `who`; (allowed, left, reset_s)."""
        if not self.rate_limit:
            return True, None, None
        n, window = self.rate_limit
        now = time.monotonic()
        with self.lock:
            start, used = self.rate_windows.get(who, (now, 0))
            if now - start >= window:
                start, used = now, 0
            reset = max(1, int(round(window - (now - start))))
            if used >= n:
                self.rate_windows[who] = (start, used)
                return False, 0, reset
            used += 1
            self.rate_windows[who] = (start, used)
            return True, n - used, reset

    def begin(self):
        with self.lock:
            self.inflight += 1

    def end(self):
        with self.lock:
            self.inflight -= 1
            if self.inflight == 0:
                self.idle.notify_all()

    def wait_idle(self, timeout=2.0):
        with self.lock:
            return self.idle.wait_for(lambda: self.inflight == 0, timeout)

    # -- helpers -----------------------------------------------------------

    @staticmethod
    def fqdn(zone, name):
        name = (name or "").strip().lower().rstrip(".")
        if name in ("", "@"):
            return zone["name"]
        if name == zone["name"] or name.endswith("." + zone["name"]):
            return name
        return name + "." + zone["name"]

    def _make_record(self, zone, body, created_on=None):
        rtype = str(body.get("type", "")).upper()
        proxied = bool(body.get("proxied", False)) if rtype in PROXIABLE_TYPES else False
        ts = created_on or now_iso()
        rec = {
            "id": new_id(),
            "zone_id": zone["id"],
            "zone_name": zone["name"],
            "name": self.fqdn(zone, body.get("name")),
            "type": rtype,
            "content": str(body.get("content", "")),
            "proxiable": rtype in PROXIABLE_TYPES,
            "proxied": proxied,
            "ttl": int(body.get("ttl", 1) or 1),
            "settings": body.get("settings") or {},
            "meta": {"auto_added": False, "managed_by_apps": False, "managed_by_argo_tunnel": False},
            "comment": body.get("comment"),
            "tags": body.get("tags") or [],
            "created_on": ts,
            "modified_on": ts,
        }
        if rtype in ("MX", "SRV", "URI") and "priority" in body:
            rec["priority"] = int(body["priority"])
        return rec


# --------------------------------------------------------------------------- validation


def validate_record(rec):
    rtype = rec["type"]
    errors = []
    if rtype not in RECORD_TYPES:
        errors.append(err(9004, "DNS Validation Error: Invalid record type"))
        return errors
    if not rec["content"]:
        errors.append(err(9005, "Content for %s record is invalid. Must not be empty." % rtype))
    elif rtype == "A":
        try:
            ipaddress.IPv4Address(rec["content"])
        except ValueError:
            errors.append(err(9005, "Content for A record is invalid. Must be a valid IPv4 address"))
    elif rtype == "AAAA":
        try:
            ipaddress.IPv6Address(rec["content"])
        except ValueError:
            errors.append(err(9006, "Content for AAAA record is invalid. Must be a valid IPv6 address"))
    ttl = rec["ttl"]
    if ttl != 1 and not (30 <= ttl <= 86400):
        errors.append(err(9021, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic."))
    if rec["proxied"] and rec["type"] not in PROXIABLE_TYPES:
        errors.append(err(9004, "This record type cannot be proxied."))
    return errors


def check_conflicts(records, rec, exclude_id=None):
    """Cloudflare refuses identical records and CNAMEs that share a name with anything else."""
    for other in records.values():
        if other["id"] == exclude_id or other["name"] != rec["name"]:
            continue
        if other["type"] == rec["type"] and other["content"] == rec["content"]:
            return ApiError(400, [err(81058, "An identical record already exists.")])
        if "CNAME" in (other["type"], rec["type"]):
            return ApiError(400, [err(81053, "An A, AAAA, or CNAME record with that host already exists.")])
    return None


# --------------------------------------------------------------------------- list helpers


def paginate(items, query, default_per_page, max_per_page, min_per_page=5):
    try:
        page = max(1, int(query.get("page", 1)))
    except ValueError:
        raise ApiError(400, [err(1001, "Invalid page")])
    try:
        per_page = int(query.get("per_page", default_per_page))
    except ValueError:
        raise ApiError(400, [err(1001, "Invalid per_page")])
    per_page = max(min_per_page, min(per_page, max_per_page))
    total = len(items)
    total_pages = max(1, (total + per_page - 1) // per_page) if total else 0
    chunk = items[(page - 1) * per_page: page * per_page]
    info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": total, "total_pages": total_pages}
    return chunk, info


def str_filter(value, spec, case_sensitive=False):
    """Cloudflare zone-list style filter: 'contains:foo', 'starts_with:foo', ... default equal."""
    op, arg = "equal", spec
    if ":" in spec:
        head, tail = spec.split(":", 1)
        if head in ("equal", "not_equal", "starts_with", "ends_with", "contains",
                    "starts_with_case_sensitive", "ends_with_case_sensitive", "contains_case_sensitive"):
            op, arg = head, tail
    if op.endswith("_case_sensitive"):
        op = op[: -len("_case_sensitive")]
        case_sensitive = True
    if not case_sensitive:
        value, arg = value.lower(), arg.lower()
    return {
        "equal": value == arg,
        "not_equal": value != arg,
        "starts_with": value.startswith(arg),
        "ends_with": value.endswith(arg),
        "contains": arg in value,
    }[op]


# --------------------------------------------------------------------------- HTTP

_TEMPLATES = [
    (re.compile(r"^/client/v4/zones/[^/]+/dns_records/[^/]+$"), API_PREFIX + "/zones/{zone_id}/dns_records/{record_id}"),
    (re.compile(r"^/client/v4/zones/[^/]+/dns_records$"), API_PREFIX + "/zones/{zone_id}/dns_records"),
    (re.compile(r"^/client/v4/zones/[^/]+$"), API_PREFIX + "/zones/{zone_id}"),
]


def path_template(path):
    """Collapse ids so request counts group by endpoint ("GET /client/v4/zones/{zone_id}/dns_records")."""
    p = path.rstrip("/") or "/"
    for rx, tmpl in _TEMPLATES:
        if rx.match(p):
            return tmpl
    return p


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cloudflare"
    sys_version = ""

    # set by the server factory
    state = None  # type: State
    log_fh = None
    log_lock = threading.Lock()

    def version_string(self):
        return "cloudflare"

    def log_message(self, fmt, *args):  # keep stderr quiet; the JSON log is the record
        if os.environ.get("CF_EMU_VERBOSE"):
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    # -- plumbing ----------------------------------------------------------

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            return b""
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body, ctype="application/json", extra_headers=None):
        if isinstance(body, (dict, list)):
            data = json.dumps(body, separators=(",", ":")).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("cf-ray", "%016x-EMU" % secrets.randbits(64))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        for k, v in (getattr(self, "_rate_headers", None) or {}).items():
            if k not in (extra_headers or {}):
                self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        # status line, headers and body leave in ONE write: separate small writes would meet
        # Nagle + delayed ACK on the client and add ~40 ms per request (very visible over TLS)
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(data)
        self.flush_headers()
        self._resp_bytes = len(data)
        self._status = status

    def _envelope(self, result, result_info=None, messages=None, status=200):
        body = {"result": result}
        if result_info is not None:
            body["result_info"] = result_info
        body.update({"success": True, "errors": [], "messages": messages or []})
        self._send(status, body)

    def _fail(self, e):
        body = {"result": None, "success": False, "errors": e.errors, "messages": []}
        self._send(e.status, body, extra_headers=e.headers)

    def _log(self, template, query, extra):
        if self.log_fh is None:
            return
        entry = {
            "ts": time.time(),
            "listener": self.server.listener_name,
            "client": "%s:%s" % self.client_address[:2],
            "method": self.command,
            "path": self._path,
            "template": template,
            "key": "%s %s" % (self.command, template),
            "query": query,
            "status": getattr(self, "_status", None),
            "http_version": self.request_version,
            "user_agent": self.headers.get("User-Agent"),
            "auth": self._auth_kind,
            "req_bytes": self._req_bytes,
            "resp_bytes": getattr(self, "_resp_bytes", 0),
            "ms": round((time.monotonic() - self._t0) * 1000.0, 3),
        }
        entry.update(extra)
        line = json.dumps(entry, separators=(",", ":"))
        with self.log_lock:
            self.log_fh.write(line + "\n")
            self.log_fh.flush()
        with self.state.lock:
            self.state.counts[entry["key"]] = self.state.counts.get(entry["key"], 0) + 1

    # -- dispatch ----------------------------------------------------------

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def _dispatch(self):
        self._t0 = time.monotonic()
        self._auth_kind = "none"
        raw = self.path
        # absolute-form request target (sent through a proxy): strip scheme://host
        if raw.startswith("http://") or raw.startswith("https://"):
            parts = urlsplit(raw)
            raw = parts.path + ("?" + parts.query if parts.query else "")
        parts = urlsplit(raw)
        self._path = parts.path
        query_pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = {}
        for k, v in query_pairs:
            query[k] = v
        body = self._read_body()
        self._req_bytes = len(body)

        if self._path.startswith("/__emu/"):
            return self._control(self._path, body)

        extra = {}
        template = path_template(self._path)
        self.state.begin()
        try:
            try:
                self._rate_headers = None
                if self._path.startswith(API_PREFIX) and self.state.rate_limit:
                    who = self.headers.get("Authorization") or self.headers.get("X-Auth-Email") or "-"
                    ok, left, reset = self.state.rate_check(who)
                    self._rate_headers = {"Ratelimit": '"default";r=%d;t=%d' % (left, reset),
                                          "Ratelimit-Policy": '"default";q=%d;w=%d' % self.state.rate_limit}
                    if not ok:
                        hdrs = dict(self._rate_headers)
                        hdrs["Retry-After"] = str(reset)
                        raise ApiError(429, [err(971, "Please wait and consider throttling your request speed")], hdrs)
                _, extra = self._route(self._path, query, body)
            except ApiError as e:
                self._fail(e)
            except Exception as e:  # pragma: no cover - surface as a 500 like a real outage
                self._fail(ApiError(500, [err(10000, "Internal emulator error: %s" % e)]))
            self._log(template, query, extra)
        finally:
            self.state.end()

    # -- control -----------------------------------------------------------

    def _control(self, path, body):
        st = self.state
        if path == "/__emu/health":
            return self._send(200, "ok\n", "text/plain")
        if path == "/__emu/reset" and self.command == "POST":
            st.reset()
            with st.lock:
                st.counts.clear()
            return self._send(200, {"ok": True})
        if path == "/__emu/zero-counts" and self.command == "POST":
            st.wait_idle()
            with st.lock:
                st.counts.clear()
            return self._send(200, {"ok": True})
        if path == "/__emu/rate-reset" and self.command == "POST":
            with st.lock:
                st.rate_windows = {}
            return self._send(200, {"ok": True})
        if path == "/__emu/state":
            with st.lock:
                out = {"my_ip": st.my_ip, "zones": []}
                for zid, z in st.zones.items():
                    out["zones"].append({"id": zid, "name": z["name"], "records": list(st.records[zid].values())})
            return self._send(200, out)
        if path == "/__emu/counts":
            st.wait_idle()  # let requests still being answered land in the counts first
            with st.lock:
                return self._send(200, dict(st.counts))
        if path == "/__emu/myip" and self.command == "POST":
            ip = body.decode().strip()
            ipaddress.ip_address(ip)
            with st.lock:
                st.my_ip = ip
                st.my_ip_override = ip
            return self._send(200, {"ok": True, "my_ip": ip})
        return self._send(404, {"ok": False})

    # -- auth --------------------------------------------------------------

    def _authenticate(self):
        st = self.state
        authz = self.headers.get("Authorization")
        email = self.headers.get("X-Auth-Email")
        key = self.headers.get("X-Auth-Key")
        if authz is not None:
            self._auth_kind = "bearer"
            m = re.match(r"^\s*Bearer\s+(\S+)\s*$", authz)
            if not m:
                raise ApiError(400, [{"code": 6003, "message": "Invalid request headers",
                                      "error_chain": [err(6111, "Invalid format for Authorization header")]}])
            tok = st.tokens.get(m.group(1))
            if tok is None:
                if self._path.rstrip("/").endswith("/user/tokens/verify"):
                    raise ApiError(401, [err(1000, "Invalid API Token")])
                raise ApiError(403, [err(10000, "Authentication error")])
            if tok["status"] != "active":
                raise ApiError(403, [err(10000, "Authentication error")])
            return ("token", m.group(1))
        if email is not None or key is not None:
            self._auth_kind = "global_key"
            errors = []
            if not email:
                errors.append(err(9106, "Missing X-Auth-Email header"))
            if not key:
                errors.append(err(9107, "Missing X-Auth-Key header"))
            if errors:
                raise ApiError(400, errors)
            if (email.lower(), key) not in st.global_keys:
                raise ApiError(403, [err(9103, "Unknown X-Auth-Key or X-Auth-Email")])
            return ("key", email)
        raise ApiError(400, [err(9106, "Missing X-Auth-Email header"), err(9107, "Missing X-Auth-Key header")])

    # -- routes ------------------------------------------------------------

    def _route(self, path, query, body):
        st = self.state
        method = self.command

        # what-is-my-ip helpers (no auth)
        if path in ("/ip", "/ip/") and method in ("GET", "HEAD"):
            self._send(200, st.my_ip + "\n", "text/plain")
            return "/ip", {}
        if path == "/cdn-cgi/trace" and method in ("GET", "HEAD"):
            host = self.headers.get("Host", "")
            lines = [
                "fl=000emu",
                "h=%s" % host,
                "ip=%s" % st.my_ip,
                "ts=%.3f" % time.time(),
                "visit_scheme=%s" % ("https" if self.server.listener_name == "https" else "http"),
                "uag=%s" % (self.headers.get("User-Agent") or ""),
                "colo=EMU",
                "sliver=none",
                "http=http/1.1",
                "loc=ZZ",
                "tls=%s" % ("TLSv1.3" if self.server.listener_name == "https" else "off"),
                "sni=%s" % ("plaintext" if self.server.listener_name == "https" else "off"),
                "warp=off",
                "gateway=off",
                "rbi=off",
                "kex=none",
            ]
            self._send(200, "\n".join(lines) + "\n", "text/plain")
            return "/cdn-cgi/trace", {}

        if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            raise ApiError(404, [err(7000, "No route for that URI")])
        rel = path[len(API_PREFIX):].rstrip("/")
        segs = [s for s in rel.split("/") if s]

        # /user/tokens/verify
        if segs == ["user", "tokens", "verify"]:
            tmpl = API_PREFIX + "/user/tokens/verify"
            if method != "GET":
                raise ApiError(405, [err(10405, "Method not allowed")])
            kind, ident = self._authenticate()
            if kind != "token":
                raise ApiError(400, [err(6003, "Invalid request headers"), err(6111, "Invalid format for Authorization header")])
            tok = st.tokens[ident]
            self._envelope({"id": tok["id"], "status": tok["status"]},
                           messages=[{"code": 10000, "message": "This API Token is valid and active", "type": None}])
            return tmpl, {}

        if not segs or segs[0] != "zones":
            raise ApiError(404, [err(7000, "No route for that URI")])

        # /zones
        if len(segs) == 1:
            tmpl = API_PREFIX + "/zones"
            if method != "GET":
                raise ApiError(405, [err(10405, "Method not allowed")])
            self._authenticate()
            with st.lock:
                zones = list(st.zones.values())
                name = query.get("name.exact", query.get("name"))
                if name:
                    zones = [z for z in zones if str_filter(z["name"], name)]
                if query.get("status"):
                    zones = [z for z in zones if z["status"] == query["status"]]
                if query.get("account.id"):
                    zones = [z for z in zones if z["account"]["id"] == query["account.id"]]
                zones.sort(key=lambda z: z["name"], reverse=query.get("direction") == "desc")
                chunk, info = paginate(zones, query, 20, 50)
                self._envelope(copy.deepcopy(chunk), result_info=info)
            return tmpl, {"matched": len(chunk)}

        zid = segs[1]
        if len(segs) == 2:
            tmpl = API_PREFIX + "/zones/{zone_id}"
            if method != "GET":
                raise ApiError(405, [err(10405, "Method not allowed")])
            self._authenticate()
            with st.lock:
                zone = self._zone(zid, path)
                self._envelope(copy.deepcopy(zone))
            return tmpl, {}

        if segs[2] != "dns_records" or len(segs) > 4:
            raise ApiError(404, [err(7000, "No route for that URI")])

        if len(segs) == 3:
            tmpl = API_PREFIX + "/zones/{zone_id}/dns_records"
            if method == "GET":
                self._authenticate()
                with st.lock:
                    self._zone(zid, path)
                    recs = self._filter_records(list(st.records[zid].values()), query)
                    chunk, info = paginate(recs, query, 100, 5000000)
                    self._envelope(copy.deepcopy(chunk), result_info=info)
                return tmpl, {"matched": len(chunk)}
            if method == "POST":
                self._authenticate()
                payload = self._json(body)
                with st.lock:
                    zone = self._zone(zid, path)
                    missing = [f for f in ("type", "name", "content") if payload.get(f) in (None, "")]
                    if missing:
                        raise ApiError(400, [err(9000 + (3 if "name" in missing else 4 if "type" in missing else 5),
                                                 "DNS Validation Error: missing %s" % ", ".join(missing))])
                    rec = st._make_record(zone, payload)
                    errors = validate_record(rec)
                    if errors:
                        raise ApiError(400, errors)
                    conflict = check_conflicts(st.records[zid], rec)
                    if conflict:
                        raise conflict
                    st.records[zid][rec["id"]] = rec
                    self._envelope(copy.deepcopy(rec))
                return tmpl, {"record_id": rec["id"], "body": payload, "content": rec["content"]}
            raise ApiError(405, [err(10405, "Method not allowed")])

        rid = segs[3]
        tmpl = API_PREFIX + "/zones/{zone_id}/dns_records/{record_id}"
        if method not in ("GET", "PUT", "PATCH", "DELETE"):
            raise ApiError(405, [err(10405, "Method not allowed")])
        self._authenticate()
        payload = self._json(body) if method in ("PUT", "PATCH") else None
        with st.lock:
            zone = self._zone(zid, path)
            recs = st.records[zid]
            old = recs.get(rid)
            if old is None:
                raise ApiError(404, [err(81044, "Record does not exist.")])
            if method == "GET":
                self._envelope(copy.deepcopy(old))
                return tmpl, {"record_id": rid}
            if method == "DELETE":
                del recs[rid]
                self._envelope({"id": rid})
                return tmpl, {"record_id": rid}
            if method == "PUT":
                missing = [f for f in ("type", "name", "content") if payload.get(f) in (None, "")]
                if missing:
                    raise ApiError(400, [err(9000 + (3 if "name" in missing else 4 if "type" in missing else 5),
                                             "DNS Validation Error: missing %s" % ", ".join(missing))])
                merged = payload
            else:  # PATCH
                merged = {k: old[k] for k in ("type", "name", "content", "ttl", "proxied", "comment", "tags", "settings")}
                if "priority" in old:
                    merged["priority"] = old["priority"]
                merged.update(payload)
            new = st._make_record(zone, merged, created_on=old["created_on"])
            new["id"] = rid
            new["modified_on"] = now_iso()
            errors = validate_record(new)
            if errors:
                raise ApiError(400, errors)
            conflict = check_conflicts(recs, new, exclude_id=rid)
            if conflict:
                raise conflict
            recs[rid] = new
            self._envelope(copy.deepcopy(new))
        return tmpl, {"record_id": rid, "body": payload, "old_content": old["content"], "content": new["content"]}

    def _zone(self, zid, path):
        zone = self.state.zones.get(zid)
        if zone is None:
            if not ID_RE.match(zid):
                raise ApiError(400, [err(7003, "Could not route to %s, perhaps your object identifier is invalid?" % path)])
            raise ApiError(404, [err(1001, "Invalid zone identifier")])
        return zone

    @staticmethod
    def _json(body):
        if not body:
            return {}
        try:
            payload = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, [err(9207, "Request body is invalid.")])
        if not isinstance(payload, dict):
            raise ApiError(400, [err(9207, "Request body is invalid.")])
        return payload

    @staticmethod
    def _filter_records(recs, query):
        conds = []
        for key, val in query.items():
            base, _, op = key.partition(".")
            if base == "type":
                conds.append(lambda r, v=val: r["type"] == v.upper())
            elif base in ("name", "content", "comment"):
                op = op or "exact"
                if base == "name":
                    v = val.lower().rstrip(".")
                else:
                    v = val
                fn = {
                    "exact": lambda a, b: a == b,
                    "contains": lambda a, b: b in a,
                    "startswith": lambda a, b: a.startswith(b),
                    "endswith": lambda a, b: a.endswith(b),
                    "absent": lambda a, b: not a,
                    "present": lambda a, b: bool(a),
                }.get(op)
                if fn is None:
                    raise ApiError(400, [err(9000, "Invalid filter %s" % key)])
                if base == "name":
                    conds.append(lambda r, fn=fn, v=v: fn(r["name"], v))
                else:
                    conds.append(lambda r, fn=fn, v=v, b=base: fn(r.get(b) or "", v))
            elif base == "proxied":
                conds.append(lambda r, v=val.lower() == "true": r["proxied"] == v)
        if query.get("match", "all") == "any" and conds:
            recs = [r for r in recs if any(c(r) for c in conds)]
        else:
            recs = [r for r in recs if all(c(r) for c in conds)]
        order = query.get("order", "type")
        if order in ("type", "name", "content", "ttl", "proxied"):
            recs.sort(key=lambda r: (str(r[order]), r["name"]), reverse=query.get("direction") == "desc")
        return recs

    # -- lingering close: some clients (inadyn) send bytes past the request; drain
    #    them before close so the kernel does not answer with RST over our reply.
    def finish(self):
        try:
            super().finish()
        finally:
            if self.close_connection:
                sock = self.connection
                try:
                    sock.settimeout(0.5)
                    try:
                        sock.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    deadline = time.monotonic() + 0.5
                    while time.monotonic() < deadline:
                        try:
                            chunk = sock.recv(65536)
                        except (OSError, ssl.SSLError):
                            break
                        if not chunk:
                            break
                except OSError:
                    pass


# --------------------------------------------------------------------------- DNS (UDP)
#
# A minimal authoritative DNS responder over the same in-memory zones, so tools that look
# up the zone apex (dns-lexicon always asks for SOA via dnspython) or check the live
# record get answers from 127.0.0.1:53 inside the benchmark namespace.

QTYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 15: "MX", 16: "TXT", 28: "AAAA", 255: "ANY"}
QTYPE_NUM = {v: k for k, v in QTYPES.items()}


def _dns_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            b = label.encode("idna") if any(ord(c) > 127 for c in label) else label.encode()
            out += bytes([len(b)]) + b
    return out + b"\x00"


def _dns_parse_name(msg, off):
    labels = []
    jumped = False
    end = off
    for _ in range(128):
        n = msg[off]
        if n & 0xC0 == 0xC0:
            ptr = ((n & 0x3F) << 8) | msg[off + 1]
            if not jumped:
                end = off + 2
            jumped = True
            off = ptr
            continue
        if n == 0:
            if not jumped:
                end = off + 1
            break
        labels.append(msg[off + 1: off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return ".".join(labels).lower(), end


def _rr(name, rtype, ttl, rdata):
    import struct
    return _dns_name(name) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def _rdata(rtype, content, priority=None):
    import struct
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, content)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, content)
    if rtype in ("CNAME", "NS"):
        return _dns_name(content)
    if rtype == "MX":
        return struct.pack("!H", priority or 0) + _dns_name(content)
    if rtype == "TXT":
        b = content.encode()
        return b"".join(bytes([len(b[i:i + 255])]) + b[i:i + 255] for i in range(0, max(len(b), 1), 255))
    return None


def dns_answer(state, query):
    """Build the reply for one UDP DNS query; returns (reply bytes, qname, qtype name, rcode)."""
    import struct
    if len(query) < 12:
        return None, "", "", -1
    qid, flags, qd, _an, _ns, _ar = struct.unpack("!HHHHHH", query[:12])
    if qd != 1:
        return struct.pack("!HHHHHH", qid, 0x8001 | (flags & 0x0100) | 0x0080 | 4, 0, 0, 0, 0), "", "", 4
    qname, off = _dns_parse_name(query, 12)
    qtype, qclass = struct.unpack("!HH", query[off: off + 4])
    question = query[12: off + 4]
    tname = QTYPES.get(qtype, str(qtype))
    answers, authority, rcode, aa = [], [], 0, 0x0400
    with state.lock:
        zone = state.zone_for(qname)
        if zone is None:
            rcode, aa = 5, 0  # REFUSED: not a zone we serve
        else:
            apex = zone["name"]
            ns = zone["name_servers"]
            soa = _rr(apex, 6, 3600, _dns_name(ns[0]) + _dns_name("dns.cloudflare.com")
                      + struct.pack("!IIIII", 2000000000, 10000, 2400, 604800, 1800))
            recs = [r for r in state.records[zone["id"]].values() if r["name"] == qname]
            if qname == apex and tname in ("SOA", "ANY"):
                answers.append(soa)
            if qname == apex and tname in ("NS", "ANY"):
                answers += [_rr(apex, 2, 86400, _dns_name(n)) for n in ns]
            for r in recs:
                if tname in (r["type"], "ANY") or r["type"] == "CNAME":
                    rd = _rdata(r["type"], r["content"], r.get("priority"))
                    if rd is not None:
                        answers.append(_rr(qname, QTYPE_NUM.get(r["type"], 0), 300 if r["ttl"] == 1 else r["ttl"], rd))
            if not answers:
                authority.append(soa)
                if not recs and qname != apex:
                    rcode = 3  # NXDOMAIN
    rflags = 0x8000 | aa | (flags & 0x0100) | 0x0080 | rcode
    header = struct.pack("!HHHHHH", qid, rflags, 1, len(answers), len(authority), 0)
    return header + question + b"".join(answers) + b"".join(authority), qname, tname, rcode


def serve_dns(sock, state, stop):
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            data, addr = sock.recvfrom(4096)
        except socket.timeout:
            continue
        except OSError:
            break
        t0 = time.monotonic()
        state.begin()
        try:
            reply, qname, tname, rcode = dns_answer(state, data)
        except Exception:
            reply, qname, tname, rcode = None, "", "", -1
        if reply is not None:
            sock.sendto(reply, addr)
        key = "DNS %s" % (tname or "?")
        if Handler.log_fh is not None:
            entry = {"ts": time.time(), "listener": "dns", "client": "%s:%s" % addr[:2], "method": "DNS",
                     "path": qname, "template": tname, "key": key, "query": {}, "status": rcode,
                     "ms": round((time.monotonic() - t0) * 1000.0, 3)}
            with Handler.log_lock:
                Handler.log_fh.write(json.dumps(entry, separators=(",", ":")) + "\n")
                Handler.log_fh.flush()
        with state.lock:
            state.counts[key] = state.counts.get(key, 0) + 1
        state.end()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, handler, listener_name, tls_context=None):
        self.listener_name = listener_name
        self.tls_context = tls_context
        family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.address_family = family
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = super().get_request()
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        return sock, addr

    def finish_request(self, request, client_address):
        # TLS handshake happens in the worker thread, not in accept()
        if self.tls_context is not None:
            request.settimeout(30)
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                if os.environ.get("CF_EMU_VERBOSE"):
                    sys.stderr.write("TLS handshake failed from %s: %s\n" % (client_address, e))
                return
            request.settimeout(None)
        try:
            self.RequestHandlerClass(request, client_address, self)
        finally:
            if self.tls_context is not None:
                try:
                    request.close()
                except OSError:
                    pass


def ensure_loopback(host):
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as e:
        raise SystemExit("cannot resolve bind address %r: %s" % (host, e))
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            raise SystemExit("refusing to bind to non-loopback address %s (%s)" % (host, info[4][0]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", required=True, help="JSON file with tokens, zones and records")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--bind", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8080, help="plain HTTP port (0 = off, default 8080)")
    ap.add_argument("--tls-port", type=int, default=0, help="HTTPS port (needs --tls-cert/--tls-key)")
    ap.add_argument("--tls-cert", help="PEM certificate chain for HTTPS")
    ap.add_argument("--tls-key", help="PEM private key for HTTPS")
    ap.add_argument("--dns-port", type=int, default=0, help="also answer DNS (UDP) for the seeded zones on this port")
    ap.add_argument("--my-ip", help="address served by /ip and /cdn-cgi/trace (default: seed my_ip or 203.0.113.20)")
    ap.add_argument("--pid-file", help="write our PID here")
    ap.add_argument("--rate-limit", help="N/SECONDS API requests per credential per window (off by default)")
    args = ap.parse_args(argv)

    ensure_loopback(args.bind)
    state = State(args.seed, args.my_ip)
    if args.rate_limit:
        n, _, w = args.rate_limit.partition("/")
        state.rate_limit = (int(n), int(w))
    Handler.state = state
    if args.log:
        Handler.log_fh = open(args.log, "a", encoding="utf-8", buffering=1)

    servers = []
    if args.port:
        servers.append(Server((args.bind, args.port), Handler, "http"))
    if args.tls_port:
        if not (args.tls_cert and args.tls_key):
            ap.error("--tls-port needs --tls-cert and --tls-key")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        ctx.set_alpn_protocols(["http/1.1"])
        servers.append(Server((args.bind, args.tls_port), Handler, "https", ctx))
    if not servers:
        ap.error("nothing to listen on: give --port and/or --tls-port")
    dns_sock = None
    if args.dns_port:
        fam = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
        dns_sock = socket.socket(fam, socket.SOCK_DGRAM)
        dns_sock.bind((args.bind, args.dns_port))

    if args.pid_file:
        with open(args.pid_file, "w") as f:
            f.write("%d\n" % os.getpid())

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threads = []
    for s in servers:
        t = threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        t.start()
        threads.append(t)
        sys.stderr.write("cf_emulator: %s listening on %s:%d\n" % (s.listener_name, args.bind, s.server_address[1]))
    sys.stderr.flush()
    if dns_sock is not None:
        threading.Thread(target=serve_dns, args=(dns_sock, state, stop), daemon=True).start()
        sys.stderr.write("cf_emulator: dns (udp) listening on %s:%d\n" % (args.bind, args.dns_port))
        sys.stderr.flush()
    stop.wait()
    for s in servers:
        s.shutdown()
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
