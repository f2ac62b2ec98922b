#!/usr/bin/env python3
"""Self-test of cf_emulator.py (standard library only; loopback only).  Run: python3 test_cf_emulator.py"""

import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "bench-token-0123456789abcdefghijklmnopqrstu"
ZID = "023e105f4ecef8ad9ca31a8372d0c353"
RID = "372e67954025e0ba6aaa6d586b9e0b59"


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class EmulatorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.log = os.path.join(cls.tmp.name, "req.jsonl")
        cls.port = free_port()
        cls.dns_port = free_port(socket.SOCK_DGRAM)
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "cf_emulator.py"), "--seed", os.path.join(HERE, "peers", "seed.json"),
             "--log", cls.log, "--port", str(cls.port), "--dns-port", str(cls.dns_port)],
            stderr=subprocess.DEVNULL)
        cls.base = "http://127.0.0.1:%d" % cls.port
        for _ in range(100):
            try:
                urllib.request.urlopen(cls.base + "/__emu/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(5)
        cls.tmp.cleanup()

    def setUp(self):
        self.call("POST", "/__emu/reset", auth=False)

    def call(self, method, path, body=None, auth=True, headers=None):
        h = dict(headers or {})
        if auth:
            h["Authorization"] = "Bearer " + TOKEN
        data = json.dumps(body).encode() if body is not None else None
        if data:
            h["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                raw = r.read().decode()
                status = r.status
        except urllib.error.HTTPError as e:
            raw, status = e.read().decode(), e.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw

    def test_envelope_and_zone_lookup(self):
        st, b = self.call("GET", "/client/v4/zones?name=example.com")
        self.assertEqual(st, 200)
        self.assertEqual(list(b)[:2], ["result", "result_info"])
        self.assertTrue(b["success"])
        self.assertEqual(b["errors"], [])
        self.assertEqual([z["id"] for z in b["result"]], [ZID])
        self.assertEqual(b["result_info"]["total_count"], 1)
        # trailing slash (ddclient) and name.exact (ddns) behave the same
        self.assertEqual(self.call("GET", "/client/v4/zones/?name=example.com")[1]["result"][0]["id"], ZID)
        self.assertEqual(self.call("GET", "/client/v4/zones?name.exact=example.com")[1]["result"][0]["id"], ZID)
        self.assertEqual(self.call("GET", "/client/v4/zones?name=nope.com")[1]["result"], [])

    def test_auth(self):
        st, b = self.call("GET", "/client/v4/zones", auth=False)
        self.assertEqual(st, 400)
        self.assertEqual([e["code"] for e in b["errors"]], [9106, 9107])
        st, b = self.call("GET", "/client/v4/zones", auth=False, headers={"Authorization": "Bearer wrong-token-123"})
        self.assertEqual((st, b["errors"][0]["code"]), (403, 10000))
        st, b = self.call("GET", "/client/v4/zones", auth=False, headers={
            "X-Auth-Email": "bench@example.com", "X-Auth-Key": "c2547eb745079dac9320b638f5e225cf483cc"})
        self.assertEqual(st, 200)
        st, b = self.call("GET", "/client/v4/user/tokens/verify")
        self.assertEqual((st, b["result"]["status"]), (200, "active"))

    def test_record_filters_and_updates(self):
        p = "/client/v4/zones/%s/dns_records" % ZID
        st, b = self.call("GET", p + "?type=A&name=mail.example.com")
        self.assertEqual([r["id"] for r in b["result"]], [RID])
        self.assertEqual(list(b["result"][0])[0], "id")  # inadyn takes the first "id" key
        self.assertEqual(len(self.call("GET", p)[1]["result"]), 3)
        self.assertEqual(self.call("GET", p + "?type=AAAA&name=mail.example.com")[1]["result"], [])
        st, b = self.call("PATCH", p + "/" + RID, {"content": "203.0.113.20"})
        self.assertEqual((st, b["result"]["content"], b["result"]["ttl"]), (200, "203.0.113.20", 1))
        st, b = self.call("PUT", p + "/" + RID, {"type": "A", "name": "mail.example.com", "content": "203.0.113.30"})
        self.assertEqual((st, b["result"]["content"]), (200, "203.0.113.30"))
        st, b = self.call("PUT", p + "/" + RID, {"content": "203.0.113.31"})
        self.assertEqual(st, 400)
        st, b = self.call("PATCH", p + "/" + RID, {"content": "not-an-ip"})
        self.assertEqual((st, b["errors"][0]["code"]), (400, 9005))
        st, b = self.call("POST", p, {"type": "A", "name": "new", "content": "198.51.100.1", "ttl": 120})
        self.assertEqual((st, b["result"]["name"]), (200, "new.example.com"))
        st, b = self.call("POST", p, {"type": "A", "name": "new", "content": "198.51.100.1"})
        self.assertEqual((st, b["errors"][0]["code"]), (400, 81058))
        st, b = self.call("DELETE", p + "/" + b"x".hex() * 16)
        self.assertEqual(st, 404)
        st, b = self.call("GET", "/client/v4/zones/%s/dns_records" % ("0" * 32))
        self.assertEqual(st, 404)
        counts = self.call("GET", "/__emu/counts", auth=False)[1]
        self.assertEqual(counts["PATCH /client/v4/zones/{zone_id}/dns_records/{record_id}"], 2)

    def test_ip_echo_and_trace(self):
        st, b = self.call("GET", "/ip", auth=False)
        self.assertEqual((st, b.strip()), (200, "203.0.113.20"))
        st, b = self.call("GET", "/cdn-cgi/trace", auth=False)
        self.assertIn("ip=203.0.113.20\n", b)

    def test_reset_and_log(self):
        self.call("PATCH", "/client/v4/zones/%s/dns_records/%s" % (ZID, RID), {"content": "203.0.113.99"})
        self.call("POST", "/__emu/reset", auth=False)
        st, b = self.call("GET", "/__emu/state", auth=False)
        mail = [r for z in b["zones"] for r in z["records"] if r["name"] == "mail.example.com"]
        self.assertEqual(mail[0]["content"], "203.0.113.10")
        with open(self.log) as f:
            last = json.loads(f.readlines()[-1])
        self.assertEqual(last["key"], "PATCH /client/v4/zones/{zone_id}/dns_records/{record_id}")

    def test_dns(self):
        def query(name, qtype):
            q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
            q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack("!HH", qtype, 1)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(2)
            s.sendto(q, ("127.0.0.1", self.dns_port))
            r = s.recv(4096)
            s.close()
            _id, flags, _qd, an, ns, _ar = struct.unpack("!HHHHHH", r[:12])
            return flags & 0xF, an, ns, r
        rcode, an, _, r = query("example.com", 6)
        self.assertEqual((rcode, an), (0, 1))
        rcode, an, _, r = query("mail.example.com", 1)
        self.assertEqual((rcode, an), (0, 1))
        self.assertEqual(r[-4:], socket.inet_aton("203.0.113.10"))
        self.assertEqual(query("nope.example.com", 1)[0], 3)
        self.assertEqual(query("pypi.org", 1)[0], 5)

    def test_zero_counts_keeps_records(self):
        self.call("PATCH", "/client/v4/zones/%s/dns_records/%s" % (ZID, RID), {"content": "203.0.113.99"})
        _, counts = self.call("GET", "/__emu/counts", auth=False)
        self.assertEqual(sum(counts.values()), 1)
        self.call("POST", "/__emu/zero-counts", auth=False)
        _, counts = self.call("GET", "/__emu/counts", auth=False)
        self.assertEqual(counts, {})
        _, b = self.call("GET", "/__emu/state", auth=False)
        mail = [r for z in b["zones"] for r in z["records"] if r["name"] == "mail.example.com"]
        self.assertEqual(mail[0]["content"], "203.0.113.99")


class RateLimitTest(EmulatorTest):
    """--rate-limit 3/60: the 4th API call in the window is a 429 with code 971 and Retry-After."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.log = os.path.join(cls.tmp.name, "req.jsonl")
        cls.port = free_port()
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "cf_emulator.py"), "--seed", os.path.join(HERE, "peers", "seed.json"),
             "--log", cls.log, "--port", str(cls.port), "--rate-limit", "3/60"],
            stderr=subprocess.DEVNULL)
        cls.base = "http://127.0.0.1:%d" % cls.port
        for _ in range(100):
            try:
                urllib.request.urlopen(cls.base + "/__emu/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)

    def test_rate_limit(self):
        for _ in range(3):
            st, _b = self.call("GET", "/client/v4/zones?name=example.com")
            self.assertEqual(st, 200)
        req = urllib.request.Request(self.base + "/client/v4/zones", headers={"Authorization": "Bearer " + TOKEN})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=5)
        self.assertEqual(cm.exception.code, 429)
        self.assertGreater(int(cm.exception.headers["Retry-After"]), 0)
        body = json.loads(cm.exception.read().decode())
        self.assertEqual(body["errors"][0]["code"], 971)
        # the IP echo is not an API call and is never limited
        self.assertEqual(urllib.request.urlopen(self.base + "/ip", timeout=5).status, 200)

    # the inherited tests need a fresh window; only the rate-limit test runs in this class
    test_envelope_and_zone_lookup = test_auth = test_record_filters_and_updates = None
    test_ip_echo_and_trace = test_reset_and_log = test_dns = test_zero_counts_keeps_records = None


if __name__ == "__main__":
    unittest.main(verbosity=1)
