#!/usr/bin/env python3
"""Helpers for harness.sh (standard library only).

  measure       posix_spawn + wait4 one command: wall ns, user+sys CPU (µs), peak RSS
  addrun        append one one-shot run (time -v numbers + emulator counts/state) to a JSONL file
  wait-record   wait until the emulator holds RECORD=VALUE (or the PID dies / timeout)
  daemon-sample read VmRSS/VmHWM/threads/CPU of a PID and its descendants from /proc, append JSONL
  resident      sample a resident process after its first cycle and again after an idle window
  soak          let a resident process run N cycles, sampling VmRSS as it goes
  scalerun      one scale-scenario run against cf_emulator.py (its counts, state and request log)
  scalerun-log  one scale-scenario run against mxddns-fakereg (its --log) or a real BIND (its
                statistics channel), records checked by asking the DNS server
  summarize     print the Markdown tables from the JSONL files

Copied from the shared peer benchmark (shared/peer-bench/bench_tool.py) and extended for mxddns:
scenarios, API/echo/DNS request split, `resident` and `soak`.
"""

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request


def emu_get(base, path, method="GET", data=None):
    req = urllib.request.Request(base + path, method=method, data=data)
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read().decode())


def record_content(base, name, rtype="A"):
    state = emu_get(base, "/__emu/state")
    vals = [r["content"] for z in state["zones"] for r in z["records"] if r["name"] == name and r["type"] == rtype]
    return vals


def parse_time_v(path):
    out = {}
    keys = {
        "User time (seconds)": ("user_s", float),
        "System time (seconds)": ("sys_s", float),
        "Maximum resident set size (kbytes)": ("maxrss_kib", int),
        "Elapsed (wall clock) time (h:mm:ss or m:ss)": ("elapsed_timev", str),
        "Exit status": ("exit_status", int),
        "Voluntary context switches": ("vcs", int),
        "Involuntary context switches": ("ivcs", int),
        "Major (requiring I/O) page faults": ("majflt", int),
        "Minor (reclaiming a frame) page faults": ("minflt", int),
    }
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            for key, (name, conv) in keys.items():
                if line.startswith(key + ":"):
                    v = line[len(key) + 1:].strip()
                    try:
                        out[name] = conv(v)
                    except ValueError:
                        out[name] = v
    return out


def cmd_measure(a):
    """posix_spawn CMD (normally "/usr/bin/time -v -o FILE tool ..."), wait4 it, write wall/rusage as JSON.

    GNU time prints CPU with 10 ms resolution; wait4 gives microseconds.  The numbers cover
    /usr/bin/time itself plus the tool (time's own share is measured by the harness floor row).
    """
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    fa = []
    if a.stdout:
        fa.append((os.POSIX_SPAWN_OPEN, 1, a.stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
        fa.append((os.POSIX_SPAWN_DUP2, 1, 2))
    fa.append((os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0))
    t0 = time.perf_counter_ns()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=fa)
    peak = {"sockets": 0, "threads": 0, "samples": 0}
    stop = None
    if a.sample_fds:
        import threading
        stop = threading.Event()
        th = threading.Thread(target=sample_fds, args=(pid, stop, peak, a.sample_fds), daemon=True)
        th.start()
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    if stop is not None:
        stop.set()
        th.join()
    rc = os.waitstatus_to_exitcode(status)
    out = {"rc": rc, "wall_ns": t1 - t0, "utime_s": ru.ru_utime, "stime_s": ru.ru_stime,
           "maxrss_kib": ru.ru_maxrss, "minflt": ru.ru_minflt, "nvcsw": ru.ru_nvcsw, "nivcsw": ru.ru_nivcsw}
    if a.sample_fds:
        out.update({"peak_sockets": peak["sockets"], "peak_threads": peak["threads"], "fd_samples": peak["samples"]})
    with open(a.out, "w") as f:
        json.dump(out, f)
    return rc if 0 <= rc < 256 else 1


def sample_fds(pid, stop, peak, interval):
    """Poll the open sockets and threads of PID's descendants (the tool under /usr/bin/time)."""
    while not stop.is_set():
        socks = threads = 0
        for p in [pid] + descendants(pid):
            try:
                for fd in os.listdir("/proc/%d/fd" % p):
                    try:
                        if os.readlink("/proc/%d/fd/%s" % (p, fd)).startswith("socket:"):
                            socks += 1
                    except OSError:
                        pass
                threads += int(proc_status(p).get("Threads", "0"))
            except (OSError, ValueError):
                pass
        peak["sockets"] = max(peak["sockets"], socks)
        peak["threads"] = max(peak["threads"], threads)
        peak["samples"] += 1
        stop.wait(interval)


def cmd_addrun(a):
    t = parse_time_v(a.timefile)
    m = {}
    if a.measure and os.path.exists(a.measure):
        with open(a.measure) as f:
            m = json.load(f)
    if a.no_emulator:
        counts, content = {}, None
        ok = a.rc == 0
    else:
        counts = emu_get(a.emu, "/__emu/counts")
        content = record_content(a.emu, a.record)
        ok = a.rc == 0 and content == [a.expect]
    writes = sum(v for k, v in counts.items() if k.split(" ", 1)[0] in ("PUT", "PATCH", "POST"))
    row = {
        "tool": a.tool, "title": a.title, "version": a.version, "mode": a.mode, "run": a.run,
        "scenario": a.scenario,
        "api_requests": api_requests(counts), "echo_requests": echo_requests(counts),
        "rc": a.rc, "ok": ok, "record_after": content,
        "wall_s": (m.get("wall_ns") or a.wall_ns) / 1e9,
        "user_s": m.get("utime_s", t.get("user_s")), "sys_s": m.get("stime_s", t.get("sys_s")),
        "cpu_s": round((m.get("utime_s", t.get("user_s")) or 0) + (m.get("stime_s", t.get("sys_s")) or 0), 4),
        "maxrss_kib": t.get("maxrss_kib") or m.get("maxrss_kib"),
        "timev_wall": t.get("elapsed_timev"), "timev_user_s": t.get("user_s"), "timev_sys_s": t.get("sys_s"),
        "timev_maxrss_kib": t.get("maxrss_kib"),
        "requests": sum(counts.values()),
        "http_requests": sum(v for k, v in counts.items() if not k.startswith("DNS ")),
        "dns_queries": sum(v for k, v in counts.items() if k.startswith("DNS ")),
        "writes": writes,
        "counts": counts,
        "minflt": t.get("minflt"), "vcs": t.get("vcs"), "ivcs": t.get("ivcs"),
        "ts": time.time(),
    }
    if a.log and not a.no_emulator:
        row.update(write_to_last_dns(a.log, a.log_offset))
    with open(a.results, "a") as f:
        f.write(json.dumps(row) + "\n")
    print("  %-10s %-5s %-8s run %-2s rc=%s ok=%s wall=%.4fs cpu=%.4fs rss=%sKiB req=%d %s" % (
        a.tool, a.mode, a.scenario, a.run, a.rc, ok, row["wall_s"], row["cpu_s"], row["maxrss_kib"], row["requests"],
        json.dumps(counts, separators=(",", ":"))))
    return 0


def write_to_last_dns(log, offset):
    """From the emulator's log of one run: seconds from the (last) successful API write to the
    last DNS query after it -- for mxddns, how long its verification at the authoritative server
    took on loopback (None when the run wrote nothing or asked nothing after the write)."""
    write_ts, last_dns = None, None
    with open(log) as f:
        f.seek(offset)
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("method") in ("PUT", "PATCH", "POST") and e.get("status") == 200:
                write_ts, last_dns = e["ts"], None
            elif e.get("listener") == "dns" and write_ts is not None:
                last_dns = e["ts"]
    if write_ts is None or last_dns is None:
        return {"write_to_last_dns_s": None}
    return {"write_to_last_dns_s": round(last_dns - write_ts, 6)}


def api_requests(counts):
    """Requests to the registrar API (/client/v4/...), not the IP echo, not DNS."""
    return sum(v for k, v in counts.items() if " /client/v4" in k)


def echo_requests(counts):
    return sum(v for k, v in counts.items() if k.endswith(" /ip") or k.endswith(" /cdn-cgi/trace"))


def cmd_wait_record(a):
    deadline = time.monotonic() + a.timeout
    t0 = a.since_ns / 1e9 if a.since_ns else time.time()
    while time.monotonic() < deadline:
        try:
            if record_content(a.emu, a.record) == [a.value]:
                # time of the write as the emulator logged it, relative to the daemon's start
                print("%.3f" % (last_write_ts(a.log) - t0 if a.log else time.time() - t0))
                return 0
        except OSError:
            pass
        if a.pid and not os.path.exists("/proc/%d" % a.pid):
            print("dead")
            return 2
        time.sleep(0.1)
    print("timeout")
    return 1


def last_write_ts(log):
    ts = None
    with open(log) as f:
        for line in f:
            if '"PUT"' in line or '"PATCH"' in line or '"POST"' in line:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if e.get("method") in ("PUT", "PATCH", "POST") and e.get("status") == 200:
                    ts = e["ts"]
    return ts if ts is not None else time.time()


def cpu_seconds(pid):
    """CPU time of a live process: /proc/PID/schedstat (ns) if present, else utime+stime ticks."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        ps = proc_stat(pid)
        return (ps["utime"] + ps["stime"]) / os.sysconf("SC_CLK_TCK")


def proc_status(pid):
    d = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            d[k] = v.strip()
    return d


def proc_stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    rest = s[s.rindex(")") + 2:].split()
    # fields after comm: state(0) ppid(1) ... utime(11) stime(12)
    return {"ppid": int(rest[1]), "utime": int(rest[11]), "stime": int(rest[12])}


def descendants(pid):
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            kids.setdefault(proc_stat(int(name))["ppid"], []).append(int(name))
        except (OSError, ValueError, IndexError):
            pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def kib(v):
    return int(v.split()[0]) if v else 0


def cmd_daemon_sample(a):
    st = proc_status(a.pid)
    kids = descendants(a.pid)
    kid_rss = 0
    for k in kids:
        try:
            kid_rss += kib(proc_status(k).get("VmRSS"))
        except OSError:
            pass
    counts = emu_get(a.emu, "/__emu/counts")
    row = {
        "tool": a.tool, "title": a.title, "version": a.version, "mode": a.mode,
        "first_update_s": a.first_update_s, "idle_s": a.idle,
        "vmrss_kib": kib(st.get("VmRSS")), "vmhwm_kib": kib(st.get("VmHWM")),
        "rss_anon_kib": kib(st.get("RssAnon")), "rss_file_kib": kib(st.get("RssFile")),
        "threads": int(st.get("Threads", "0")), "children": len(kids), "children_rss_kib": kid_rss,
        "cpu_s": round(cpu_seconds(a.pid), 4),
        "requests": sum(counts.values()), "counts": counts, "ts": time.time(),
    }
    with open(a.results, "a") as f:
        f.write(json.dumps(row) + "\n")
    print("  %-10s %-5s daemon: first update after %ss, VmRSS=%d KiB (HWM %d), threads=%d, children=%d, cpu=%.3fs, req=%d" % (
        a.tool, a.mode, a.first_update_s, row["vmrss_kib"], row["vmhwm_kib"], row["threads"], row["children"],
        row["cpu_s"], row["requests"]))
    return 0


def sample(pid):
    """VmRSS/VmHWM/threads and CPU of a live process (CPU: schedstat ns and utime+stime ticks)."""
    st = proc_status(pid)
    ps = proc_stat(pid)
    return {
        "vmrss_kib": kib(st.get("VmRSS")), "vmhwm_kib": kib(st.get("VmHWM")),
        "rss_anon_kib": kib(st.get("RssAnon")), "rss_file_kib": kib(st.get("RssFile")),
        "threads": int(st.get("Threads", "0")), "cpu_s": cpu_seconds(pid),
        "ticks": ps["utime"] + ps["stime"], "t": time.monotonic(),
    }


def smaps_by_mapping(pid):
    """Rss KiB per mapped file (or [heap], [stack], anon) from /proc/PID/smaps, largest first."""
    out, name = {}, None
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                parts = line.split()
                if not parts:
                    continue
                if "-" in parts[0] and not parts[0].endswith(":"):
                    name = parts[5] if len(parts) > 5 else "[anon]"
                elif parts[0] == "Rss:" and name is not None:
                    out[name] = out.get(name, 0) + int(parts[1])
    except OSError:
        return []
    return sorted(([k, v] for k, v in out.items() if v), key=lambda kv: -kv[1])


def cmd_resident(a):
    """After the first cycle (+settle s): RSS; then idle for IDLE s: RSS again, CPU and requests used."""
    time.sleep(a.settle)
    c1 = emu_get(a.emu, "/__emu/counts")
    s1 = sample(a.pid)
    time.sleep(a.idle)
    s2 = sample(a.pid)
    c2 = emu_get(a.emu, "/__emu/counts")
    kids = descendants(a.pid)
    row = {
        "tool": a.tool, "title": a.title, "version": a.version, "mode": a.mode,
        "first_update_s": a.first_update_s, "settle_s": a.settle, "idle_s": a.idle,
        "vmrss_after_cycle_kib": s1["vmrss_kib"], "vmrss_after_idle_kib": s2["vmrss_kib"],
        "vmhwm_kib": s2["vmhwm_kib"], "rss_anon_kib": s2["rss_anon_kib"], "rss_file_kib": s2["rss_file_kib"],
        "threads": s2["threads"], "children": len(kids),
        "cpu_to_first_cycle_s": round(s1["cpu_s"], 4),
        "idle_cpu_s": round(s2["cpu_s"] - s1["cpu_s"], 6), "idle_ticks": s2["ticks"] - s1["ticks"],
        "requests_first_cycle": sum(c1.values()), "counts_first_cycle": c1,
        "requests_idle": sum(c2.values()) - sum(c1.values()),
        "rss_by_mapping_kib": smaps_by_mapping(a.pid)[:8],
        "ts": time.time(),
    }
    with open(a.results, "a") as f:
        f.write(json.dumps(row) + "\n")
    print("  %-10s %-5s resident: first update %ss, VmRSS %d KiB after cycle, %d KiB after %gs idle (HWM %d), "
          "threads %d, idle CPU %.6fs (%d ticks), idle requests %d" % (
              a.tool, a.mode, a.first_update_s, row["vmrss_after_cycle_kib"], row["vmrss_after_idle_kib"], a.idle,
              row["vmhwm_kib"], row["threads"], row["idle_cpu_s"], row["idle_ticks"], row["requests_idle"]))
    return 0


def cmd_soak(a):
    """Let a resident process run --cycles cycles (one echo request = one cycle), flipping the echo
    address every --flip-every cycles so that some cycles write, and sample VmRSS as it goes."""
    ips = a.ips.split(",")
    base = emu_get(a.emu, "/__emu/counts").get(a.cycle_key, 0)
    t0 = time.monotonic()
    samples, flips, last_sampled, last_flip, done = [], 0, 0, 0, 0
    s0 = sample(a.pid)
    samples.append({"cycle": 0, "vmrss_kib": s0["vmrss_kib"], "vmhwm_kib": s0["vmhwm_kib"],
                    "rss_anon_kib": s0["rss_anon_kib"], "rss_file_kib": s0["rss_file_kib"], "cpu_s": round(s0["cpu_s"], 4)})
    while time.monotonic() - t0 < a.timeout:
        if not os.path.exists("/proc/%d" % a.pid):
            break
        with urllib.request.urlopen(a.emu + "/__emu/counts", timeout=5) as r:
            done = json.loads(r.read().decode()).get(a.cycle_key, 0) - base
        if done // a.sample_every != last_sampled // a.sample_every or done >= a.cycles:
            s = sample(a.pid)
            samples.append({"cycle": done, "vmrss_kib": s["vmrss_kib"], "vmhwm_kib": s["vmhwm_kib"],
                            "rss_anon_kib": s["rss_anon_kib"], "rss_file_kib": s["rss_file_kib"],
                            "cpu_s": round(s["cpu_s"], 4)})
            last_sampled = done
        if a.flip_every and done - last_flip >= a.flip_every:
            flips += 1
            last_flip = done
            emu_get(a.emu, "/__emu/myip", method="POST", data=ips[flips % len(ips)].encode())
        if done >= a.cycles:
            break
        time.sleep(a.poll)
    counts = emu_get(a.emu, "/__emu/counts")
    row = {"tool": a.tool, "note": a.note, "cycles": done, "target_cycles": a.cycles,
           "wall_s": round(time.monotonic() - t0, 2),
           "address_changes": flips, "samples": samples, "counts": counts, "ts": time.time()}
    with open(a.results, "a") as f:
        f.write(json.dumps(row) + "\n")
    first = samples[1] if len(samples) > 1 else samples[0]
    print("  %s soak: %d/%d cycles in %.0fs, %d address changes, VmRSS %d KiB at cycle %d -> %d KiB at cycle %d" % (
        a.tool, done, a.cycles, row["wall_s"], flips, first["vmrss_kib"], first["cycle"],
        samples[-1]["vmrss_kib"], samples[-1]["cycle"]))
    return 0 if done >= a.cycles else 1


def cmd_scalerun(a):
    """One scale-scenario run: measure JSON + emulator counts/state/log -> one JSONL row."""
    with open(a.measure) as f:
        m = json.load(f)
    # peak RSS from `time -v`: wait4's ru_maxrss of a child spawned from Python (vfork) starts at
    # the Python parent's high-water mark, so it is not the tool's figure
    tv = parse_time_v(a.timefile)
    if a.emu == "-":   # a backend without counts or state (the standalone mxddns-fakereg)
        return scalerun_opaque(a, m, tv)
    counts = emu_get(a.emu, "/__emu/counts")
    state = emu_get(a.emu, "/__emu/state")
    a_recs = [r for z in state["zones"] for r in z["records"] if r["type"] == "A" and r["name"].startswith("mail.")]
    at_expected = sum(1 for r in a_recs if r["content"] == a.expect)
    statuses, api_ts = {}, []
    with open(a.log) as f:
        f.seek(a.log_offset)
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("listener") == "dns":
                continue
            if "/client/v4" in (e.get("path") or ""):
                statuses[str(e.get("status"))] = statuses.get(str(e.get("status")), 0) + 1
                api_ts.append(e["ts"])
    per_window = 0
    if api_ts and a.window:
        api_ts.sort()
        j = 0
        for i, t in enumerate(api_ts):  # most API requests in any window-long span
            while api_ts[j] < t - a.window:
                j += 1
            per_window = max(per_window, i - j + 1)
    row = {
        "scenario": a.scenario, "run": a.run, "backend": a.backend, "domains": len(a_recs), "rc": m["rc"],
        "wall_s": m["wall_ns"] / 1e9, "cpu_s": round(m["utime_s"] + m["stime_s"], 4),
        "user_s": m["utime_s"], "sys_s": m["stime_s"], "maxrss_kib": tv.get("maxrss_kib"),
        "peak_sockets": m.get("peak_sockets"), "peak_threads": m.get("peak_threads"),
        "api_requests": api_requests(counts), "echo_requests": echo_requests(counts),
        "dns_queries": sum(v for k, v in counts.items() if k.startswith("DNS ")),
        "writes": sum(v for k, v in counts.items() if k.split(" ", 1)[0] in ("PUT", "PATCH", "POST")
                      and "/client/v4" in k),
        "api_statuses": statuses, "max_api_per_window": per_window, "window_s": a.window,
        "api_span_s": round(api_ts[-1] - api_ts[0], 3) if api_ts else 0,
        "records_at_expected": at_expected, "expected": a.expect, "counts": counts, "ts": time.time(),
    }
    row["ok"] = row["rc"] == 0 and at_expected == len(a_recs)
    with open(a.results, "a") as f:
        f.write(json.dumps(row) + "\n")
    print("  scale %-16s run %d rc=%s ok=%s wall=%.3fs cpu=%.3fs rss=%dKiB api=%d (statuses %s) dns=%d writes=%d "
          "records@%s=%d/%d peak sockets=%s threads=%s" % (
              a.scenario, a.run, row["rc"], row["ok"], row["wall_s"], row["cpu_s"], row["maxrss_kib"],
              row["api_requests"], statuses, row["dns_queries"], row["writes"], a.expect, at_expected, len(a_recs),
              row["peak_sockets"], row["peak_threads"]))
    return 0


def scalerun_opaque(a, m, t):
    row = {
        "scenario": a.scenario, "run": a.run, "backend": a.backend, "domains": a.domains, "rc": m["rc"],
        "wall_s": m["wall_ns"] / 1e9, "cpu_s": round(m["utime_s"] + m["stime_s"], 4),
        "user_s": m["utime_s"], "sys_s": m["stime_s"], "maxrss_kib": t.get("maxrss_kib"),
        "peak_sockets": m.get("peak_sockets"), "peak_threads": m.get("peak_threads"),
        "api_requests": None, "echo_requests": None, "dns_queries": None, "writes": None, "api_statuses": {},
        "max_api_per_window": None, "window_s": a.window, "api_span_s": None,
        "records_at_expected": None, "expected": a.expect, "counts": {}, "ts": time.time(),
    }
    row["ok"] = row["rc"] == 0   # exit 0 = every record holds the address and verification passed
    with open(a.results, "a") as f:
        f.write(json.dumps(row) + "\n")
    print("  scale %-16s run %d [%s] rc=%s wall=%.3fs cpu=%.3fs rss=%sKiB peak sockets=%s" % (
        a.scenario, a.run, a.backend, row["rc"], row["wall_s"], row["cpu_s"], row["maxrss_kib"], row["peak_sockets"]))
    return 0


def dns_a(sock, server, name, qid):
    """One UDP query for NAME A; the addresses answered (standard library only)."""
    import struct
    q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split(".")) + b"\0"
    q += struct.pack(">HH", 1, 1)
    for _ in range(3):
        sock.sendto(q, server)
        try:
            while True:
                data, _ = sock.recvfrom(4096)
                if data[:2] == q[:2]:
                    break
        except OSError:
            continue
        an = struct.unpack(">H", data[6:8])[0]
        i = 12
        while data[i]:          # the question's name (never compressed)
            i += data[i] + 1
        i += 5
        out = []
        for _ in range(an):
            while True:         # the answer's owner: labels, maybe ending in a pointer
                if data[i] >= 0xC0:
                    i += 2
                    break
                if data[i] == 0:
                    i += 1
                    break
                i += data[i] + 1
            rtype, _cls, _ttl, rdlen = struct.unpack(">HHIH", data[i:i + 10])
            i += 10
            if rtype == 1 and rdlen == 4:
                out.append(".".join(str(b) for b in data[i:i + 4]))
            i += rdlen
        return out
    return None


def records_at(server, names, expect):
    """How many of NAMES answer exactly EXPECT for A at SERVER (host:port)."""
    import socket
    host, _, port = server.rpartition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(2)
    n = 0
    try:
        for k, name in enumerate(names):
            if dns_a(sock, (host, int(port)), name, k & 0xFFFF) == [expect]:
                n += 1
    finally:
        sock.close()
    return n


def most_in_window(ts, window):
    ts = sorted(ts)
    best, j = 0, 0
    for i, t in enumerate(ts):
        while ts[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def named_stats(url):
    """BIND's statistics channel (JSON): request opcodes and the name-server counters."""
    with urllib.request.urlopen(url + "/json/v1/server", timeout=10) as r:
        d = json.loads(r.read().decode())
    out = {"opcode " + k: v for k, v in d.get("opcodes", {}).items()}
    out.update({"qtype " + k: v for k, v in d.get("qtypes", {}).items()})
    out.update({"ns " + k: v for k, v in d.get("nsstats", {}).items()})
    return out


def api_path(path):
    """A path with its ids as {id} (Huawei Cloud: one path per zone and record set)."""
    return "/".join("{id}" if len(x) >= 16 and x.isalnum() else x for x in (path or "").split("/"))


def cmd_scalerun_log(a):
    """One scale run on mxddns-fakereg (request log lines [from, to) of --log) or on BIND
    (--stats-before/--stats-after JSON from its statistics channel) -> one scale.jsonl row."""
    with open(a.measure) as f:
        m = json.load(f)
    tv = parse_time_v(a.timefile)
    with open(a.names) as f:
        names = [ln.strip() for ln in f if ln.strip()]
    counts, statuses, api_ts, write_ts = {}, {}, [], []
    api = writes = dns = echo = 0
    if a.log:
        with open(a.log, "rb") as f:
            f.seek(a.log_from)
            chunk = f.read(a.log_to - a.log_from).decode("utf-8", "replace")
        for line in chunk.splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("kind") == "dns":
                dns += 1
                key = "DNS %s" % e.get("qtype")
            elif e.get("vendor") == "echo":
                echo += 1
                key = "echo %s %s" % (e.get("method"), e.get("path"))
            else:
                api += 1
                api_ts.append(e["ts"])
                statuses[str(e.get("status"))] = statuses.get(str(e.get("status")), 0) + 1
                if e.get("write"):
                    writes += 1
                    write_ts.append(e["ts"])
                key = "%s %s" % (e.get("vendor"), e.get("action") or "%s %s" % (e.get("method"), api_path(e.get("path"))))
            counts[key] = counts.get(key, 0) + 1
    else:
        with open(a.stats_before) as f:
            b = json.load(f)
        with open(a.stats_after) as f:
            c = json.load(f)
        counts = {k: v - b.get(k, 0) for k, v in c.items() if v - b.get(k, 0)}
        writes = counts.get("opcode UPDATE", 0)
        dns = counts.get("opcode QUERY", 0)
        api = None
        if a.echo_log:
            with open(a.echo_log, "rb") as f:
                f.seek(a.log_from)
                echo = sum(1 for ln in f.read(a.log_to - a.log_from).decode("utf-8", "replace").splitlines()
                           if '"vendor":"echo"' in ln)
    at = records_at(a.dns, names, a.expect)
    row = {
        "scenario": a.scenario, "run": a.run, "backend": a.backend, "domains": len(names), "rc": m["rc"],
        "wall_s": m["wall_ns"] / 1e9, "cpu_s": round(m["utime_s"] + m["stime_s"], 4),
        "user_s": m["utime_s"], "sys_s": m["stime_s"], "maxrss_kib": tv.get("maxrss_kib"),
        "peak_sockets": m.get("peak_sockets"), "peak_threads": m.get("peak_threads"),
        "api_requests": api, "echo_requests": echo, "dns_queries": dns, "writes": writes,
        "api_statuses": statuses, "window_s": a.window,
        "max_api_per_window": most_in_window(api_ts, a.window) if a.log else None,
        "max_writes_per_window": most_in_window(write_ts, a.window) if a.log else None,
        "rate_limit": a.rate_limit,
        "api_span_s": round(max(api_ts) - min(api_ts), 3) if api_ts else 0,
        "records_at_expected": at, "expected": a.expect, "counts": counts, "ts": time.time(),
    }
    row["ok"] = row["rc"] == 0 and at == len(names)
    with open(a.results, "a") as f:
        f.write(json.dumps(row) + "\n")
    print("  scale %-12s %-16s run %d rc=%s ok=%s wall=%.3fs cpu=%.3fs rss=%sKiB api=%s (statuses %s) writes=%s "
          "dns=%s echo=%s most/window=%s records@%s=%d/%d peak sockets=%s" % (
              a.backend, a.scenario, a.run, row["rc"], row["ok"], row["wall_s"], row["cpu_s"], row["maxrss_kib"],
              api, statuses, writes, dns, echo, row["max_api_per_window"], a.expect, at, len(names),
              row["peak_sockets"]))
    return 0


def cmd_named_stats(a):
    with open(a.out, "w") as f:
        json.dump(named_stats(a.url), f)
    return 0


def load(path):
    rows = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append(json.loads(line))
    return rows


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_counts(c):
    short = []
    for k, v in sorted(c.items(), key=lambda kv: kv[0]):
        m, _, p = k.partition(" ")
        p = p.replace("/client/v4", "").replace("{zone_id}", "{z}").replace("{record_id}", "{r}")
        short.append("%s %s" % (m, p) + ("×%d" % v if v != 1 else ""))
    return ", ".join(short)


def cmd_summarize(a):
    runs = load(a.runs)
    daemons = load(a.daemons)
    out = []
    if runs:
        out.append("| tool | version | transport | ok runs | wall s (median) | user+sys CPU s (median) | max RSS KiB (median) | HTTP requests | DNS queries | requests made (per run) |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        groups = {}
        for r in runs:
            groups.setdefault((r["tool"], r["mode"]), []).append(r)
        for (tool, mode), rs in groups.items():
            good = [r for r in rs if r["ok"]]
            use = good or rs
            http = "/".join(str(x) for x in sorted(set(r["http_requests"] for r in use)))
            dns = "/".join(str(x) for x in sorted(set(r["dns_queries"] for r in use)))
            counts = use[-1]["counts"]
            if tool.startswith("(floor"):
                http = dns = "-"
            out.append("| %s | %s | %s | %d/%d | %.4f | %.4f | %s | %s | %s | %s |" % (
                tool, rs[0]["version"], mode, len(good), len(rs),
                med([r["wall_s"] for r in use]), med([r["cpu_s"] for r in use]),
                int(med([r["maxrss_kib"] for r in use]) or 0), http, dns, fmt_counts(counts)))
    if daemons:
        out.append("")
        out.append("| tool (resident mode) | transport | first update after s | VmRSS KiB after 10 s idle | VmHWM KiB | threads | CPU s (start→sample) | requests |")
        out.append("|---|---|---|---|---|---|---|---|")
        for d in daemons:
            rss = d["vmrss_kib"] + d.get("children_rss_kib", 0)
            extra = " (+%d children)" % d["children"] if d.get("children") else ""
            out.append("| %s | %s | %s | %d%s | %d | %d | %.4f | %d |" % (
                d["tool"], d["mode"], d["first_update_s"], rss, extra, d["vmhwm_kib"], d["threads"], d["cpu_s"],
                d["requests"]))
    print("\n".join(out))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("measure")
    p.add_argument("--out", required=True)
    p.add_argument("--stdout", help="file for the command's stdout+stderr")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    p.add_argument("--sample-fds", type=float, default=0,
                   help="every N s, count the open sockets and threads of the tool (peak reported)")
    p.set_defaults(fn=cmd_measure)
    p = sub.add_parser("addrun")
    for k in ("results", "tool", "title", "version", "mode", "timefile", "emu", "record", "expect"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--measure")
    p.add_argument("--no-emulator", action="store_true")
    p.add_argument("--scenario", default="change")
    p.add_argument("--log", help="emulator request log (for write -> last DNS query timing)")
    p.add_argument("--log-offset", type=int, default=0, help="where this run starts in --log")
    p.add_argument("--run", type=int, required=True)
    p.add_argument("--rc", type=int, required=True)
    p.add_argument("--wall-ns", type=int, required=True)
    p.set_defaults(fn=cmd_addrun)
    p = sub.add_parser("wait-record")
    p.add_argument("--emu", required=True)
    p.add_argument("--record", required=True)
    p.add_argument("--value", required=True)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--pid", type=int, default=0)
    p.add_argument("--since-ns", type=int, default=0, help="daemon start, epoch ns (date +%%s%%N)")
    p.add_argument("--log", help="emulator request log, to take the write's own timestamp")
    p.set_defaults(fn=cmd_wait_record)
    p = sub.add_parser("daemon-sample")
    for k in ("results", "tool", "title", "version", "mode", "emu", "first-update-s"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--idle", type=float, required=True)
    p.set_defaults(fn=cmd_daemon_sample)
    p = sub.add_parser("resident")
    for k in ("results", "tool", "title", "version", "mode", "emu", "first-update-s"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--idle", type=float, default=10)
    p.add_argument("--settle", type=float, default=1)
    p.set_defaults(fn=cmd_resident)
    p = sub.add_parser("soak")
    for k in ("results", "tool", "emu"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--cycles", type=int, default=1000)
    p.add_argument("--sample-every", type=int, default=100)
    p.add_argument("--flip-every", type=int, default=50, help="change the echo address every N cycles (0: never)")
    p.add_argument("--ips", default="203.0.113.20,203.0.113.30")
    p.add_argument("--cycle-key", default="GET /ip", help="the count that ticks once per cycle")
    p.add_argument("--timeout", type=float, default=1800)
    p.add_argument("--poll", type=float, default=0.05)
    p.add_argument("--note", default="", help="how the cycles were driven (shown in the table)")
    p.set_defaults(fn=cmd_soak)
    p = sub.add_parser("scalerun")
    for k in ("results", "scenario", "emu", "measure", "timefile", "log", "expect"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--run", type=int, default=1)
    p.add_argument("--backend", default="cf_emulator")
    p.add_argument("--domains", type=int, default=0, help="with --emu -: how many domains the config has")
    p.add_argument("--log-offset", type=int, default=0)
    p.add_argument("--window", type=float, default=300)
    p.set_defaults(fn=cmd_scalerun)
    p = sub.add_parser("scalerun-log")
    for k in ("results", "scenario", "backend", "measure", "timefile", "expect", "names", "dns"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--run", type=int, default=1)
    p.add_argument("--log", help="mxddns-fakereg --log file")
    p.add_argument("--echo-log", help="with --stats-*: the log of the echo (mxddns-fakereg --log)")
    p.add_argument("--log-from", type=int, default=0)
    p.add_argument("--log-to", type=int, default=0)
    p.add_argument("--stats-before")
    p.add_argument("--stats-after")
    p.add_argument("--window", type=float, default=1)
    p.add_argument("--rate-limit", default="", help="the provider's limit, as text for the table")
    p.set_defaults(fn=cmd_scalerun_log)
    p = sub.add_parser("named-stats")
    p.add_argument("--url", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(fn=cmd_named_stats)
    p = sub.add_parser("summarize")
    p.add_argument("--runs")
    p.add_argument("--daemons")
    p.set_defaults(fn=cmd_summarize)
    a = ap.parse_args()
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
