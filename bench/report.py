#!/usr/bin/env python3
"""Tables, goal check and SVG chart of one benchmark run (standard library only).

  report.py RESULTS_DIR        prints Markdown; writes RESULTS_DIR/chart.svg and summary.json

Reads runs.jsonl (one-shot runs), resident.jsonl, soak.jsonl, scale.jsonl and env.txt written by
harness.sh / scale.sh.  Medians over the OK runs of each (tool, transport, scenario).
"""

import json
import os
import statistics
import sys

MIB = 1024.0
GOAL_ANON_KIB = 1024                      # issue 16: anonymous RSS of the idle service
GOAL_FULL_BYTES = 5 * 1024 * 1024         # issue 16: the full build (every feature)
GOAL_ROUTER_BYTES = 3 * 1024 * 1024       # issue 16: a router build with one provider


def load(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append(json.loads(line))
    return rows


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def env(out):
    d = {}
    p = os.path.join(out, "env.txt")
    if os.path.exists(p):
        with open(p) as f:
            for line in f:
                k, _, v = line.partition(":")
                d[k.strip()] = v.strip()
    return d


def fmt_counts(c):
    short = []
    for k, v in sorted(c.items()):
        m, _, p = k.partition(" ")
        p = p.replace("/client/v4", "").replace("{zone_id}", "{z}").replace("{record_id}", "{r}")
        short.append("%s %s" % (m, p) + ("×%d" % v if v != 1 else ""))
    return ", ".join(short) or "none"


def ms(x):
    return "-" if x is None else "%.1f" % (x * 1000)


def groups(runs):
    g = {}
    for r in runs:
        g.setdefault((r["tool"], r["mode"], r.get("scenario", "change")), []).append(r)
    out = {}
    for key, rs in g.items():
        good = [r for r in rs if r["ok"]]
        use = good or rs
        out[key] = {
            "tool": key[0], "mode": key[1], "scenario": key[2], "version": rs[0]["version"],
            "ok": len(good), "n": len(rs),
            "wall_s": med([r["wall_s"] for r in use]), "cpu_s": med([r["cpu_s"] for r in use]),
            "cpu_min_s": min(r["cpu_s"] for r in use), "cpu_max_s": max(r["cpu_s"] for r in use),
            "maxrss_kib": med([r["maxrss_kib"] for r in use]),
            "api": sorted(set(r.get("api_requests", 0) for r in use)),
            "echo": sorted(set(r.get("echo_requests", 0) for r in use)),
            "dns": sorted(set(r.get("dns_queries", 0) for r in use)),
            "verify_s": med([r.get("write_to_last_dns_s") for r in use]),
            "counts": use[-1].get("counts", {}),
        }
    return out


def slash(xs):
    return "/".join(str(x) for x in xs) if xs else "-"


def one_shot_table(g, floor_cpu):
    out = ["| tool | version | transport | scenario | ok | wall ms | CPU ms (user+sys) | CPU ms − floor | peak RSS KiB | API req | IP-echo req | DNS q | requests made |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    order = {"change": 0, "nochange": 1, "warm": 2, "-": -1}
    for key in sorted(g, key=lambda k: (k[0] != "(floor: time -v /bin/true)", k[0] != "mxddns", k[0], k[1], order.get(k[2], 9))):
        s = g[key]
        floor = key[0].startswith("(floor")
        net = None if floor or floor_cpu is None else s["cpu_s"] - floor_cpu
        out.append("| %s | %s | %s | %s | %d/%d | %s | %s | %s | %d | %s | %s | %s | %s |" % (
            s["tool"], s["version"], s["mode"], s["scenario"], s["ok"], s["n"], ms(s["wall_s"]), ms(s["cpu_s"]),
            ms(net), int(s["maxrss_kib"] or 0), "-" if floor else slash(s["api"]), "-" if floor else slash(s["echo"]),
            "-" if floor else slash(s["dns"]), "" if floor else fmt_counts(s["counts"])))
    return out


def resident_table(res):
    out = ["| tool (resident) | transport | first update after s | VmRSS KiB after 1st cycle | VmRSS KiB after idle | VmHWM KiB | threads | idle CPU s (ticks) | requests while idle |",
           "|---|---|---|---|---|---|---|---|---|"]
    for d in res:
        out.append("| %s | %s | %s | %d | %d | %d | %d | %.6f (%d) | %d |" % (
            d["tool"], d["mode"], d["first_update_s"], d["vmrss_after_cycle_kib"], d["vmrss_after_idle_kib"],
            d["vmhwm_kib"], d["threads"], d["idle_cpu_s"], d["idle_ticks"], d["requests_idle"]))
    maps = ["%s: %s" % (d["tool"], ", ".join("%s %d" % (os.path.basename(k) or k, v) for k, v in d.get("rss_by_mapping_kib", [])[:5]))
            for d in res if d.get("rss_by_mapping_kib")]
    if maps:
        out += ["", "Where the resident RSS is (KiB per mapping, /proc/PID/smaps after the idle window; "
                "RssAnon / RssFile: %s)." % "; ".join("%s %d/%d" % (d["tool"], d["rss_anon_kib"], d["rss_file_kib"]) for d in res), ""]
        out += ["* " + m for m in maps]
    return out


def soak_table(soak):
    out = ["| tool | how | cycles | address changes | wall s | VmRSS KiB at cycle: value … |", "|---|---|---|---|---|---|"]
    for s in soak:
        pts = ", ".join("%d: %d" % (p["cycle"], p["vmrss_kib"]) for p in s["samples"])
        out.append("| %s | %s | %d/%d | %d | %.0f | %s |" % (s["tool"], s.get("note", ""), s["cycles"], s["target_cycles"],
                                                            s["address_changes"], s["wall_s"], pts))
    return out


def scale_table(scale):
    out = ["| backend | scenario | run | ok | domains | wall s | CPU s | peak RSS KiB | API req (status: n) | writes | most API req in a window | most writes in a window | DNS q | IP-echo | peak sockets |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]

    def n(v):
        return "n/a" if v is None else str(v)
    for r in scale:
        st = ", ".join("%s: %d" % kv for kv in sorted(r["api_statuses"].items())) or "-"
        if r["ok"]:
            ok = "yes"
        elif r["records_at_expected"] is None:
            ok = "NO (rc %s)" % r["rc"]
        else:
            ok = "NO (rc %s, %d/%d at %s)" % (r["rc"], r["records_at_expected"], r["domains"], r["expected"])
        mw = r.get("max_writes_per_window")
        out.append("| %s | %s | %d | %s | %d | %.3f | %.3f | %s | %s (%s) | %s | %s | %s | %s | %s | %s |" % (
            r.get("backend", "cf_emulator"), r["scenario"], r["run"], ok, r["domains"], r["wall_s"], r["cpu_s"],
            n(r["maxrss_kib"]), n(r["api_requests"]), st, n(r["writes"]),
            "n/a" if r["max_api_per_window"] is None else "%d per %gs" % (r["max_api_per_window"], r["window_s"]),
            "n/a" if mw is None else "%d per %gs" % (mw, r["window_s"]),
            n(r["dns_queries"]), n(r["echo_requests"]), n(r["peak_sockets"])))
    limits = sorted(set((r["backend"], r["rate_limit"]) for r in scale if r.get("rate_limit")))
    if limits:
        out += ["", "Rate limits (the window of the columns above): " + "; ".join("%s %s" % kv for kv in limits) + "."]
    return out


def scale_requests_table(scale):
    """What each back-end was asked in the first run of each scenario (fake registrar log or
    BIND's statistics channel; DNS = queries the back-end's DNS server answered)."""
    out = ["| backend | scenario | requests and DNS messages the back-end saw |", "|---|---|---|"]
    seen = set()
    for r in scale:
        key = (r.get("backend", "cf_emulator"), r["scenario"])
        if key in seen or not r.get("counts"):
            continue
        seen.add(key)
        c = r["counts"]
        if r.get("backend") == "rfc2136":
            keep = {k: v for k, v in c.items() if k.startswith(("opcode ", "qtype ")) or k in (
                "ns UpdateDone", "ns UpdateFail", "ns UpdateRej", "ns UpdateBadPrereq", "ns XfrReqDone", "ns XfrRej",
                "ns ReqTSIG", "ns ReqTCP", "ns Requestv4", "ns TruncatedResp")}
            txt = ", ".join("%s %d" % kv for kv in sorted(keep.items()))
        else:
            txt = ", ".join("%s ×%d" % kv for kv in sorted(c.items()))
        out.append("| %s | %s | %s |" % (key[0], key[1], txt or "none"))
    return out


def soak_goal(tool, s, e):
    rows = []
    if s:
        x = s[-1]
        smp = x["samples"]
        first = smp[1] if len(smp) > 1 else smp[0]
        last = smp[-1]
        half = min(smp, key=lambda p: abs(p["cycle"] - x["target_cycles"] / 2))
        anon = ""
        if "rss_anon_kib" in first:
            anon = "; RssAnon %d → %d KiB" % (first["rss_anon_kib"], last["rss_anon_kib"])
        measured = "VmRSS %d KiB at cycle %d → %d at cycle %d → %d at cycle %d%s" % (
            first["vmrss_kib"], first["cycle"], half["vmrss_kib"], half["cycle"], last["vmrss_kib"], last["cycle"], anon)
        if x["cycles"] < x["target_cycles"]:
            verdict = "incomplete: %d/%d cycles" % (x["cycles"], x["target_cycles"])
        else:
            verdict = "met" if last["vmrss_kib"] - half["vmrss_kib"] <= 64 else "NOT met"
        rows.append(("%s: no growth over %d cycles (%s)" % (tool, x["target_cycles"], x.get("note", "")),
                     "VmRSS flat: ≤ +64 KiB over the second half", measured, verdict))
    else:
        why = "not run"
        p = os.path.join(e.get("_out", ""), "soak-skipped.txt")
        if os.path.exists(p):
            with open(p) as f:
                why = f.read().strip()
        rows.append(("%s: no growth over 1,000 cycles" % tool, "", "", "missing: %s" % why))
    return rows


def goals(g, res, soak, scale, e, floor_cpu):
    """[(goal, target, measured, verdict)] -- verdict 'met', 'NOT met' or 'missing: why'."""
    rows = []

    def get(tool, mode, scen="change"):
        return g.get((tool, mode, scen))

    ina_h, ina_s, ddc = get("inadyn", "http"), get("inadyn", "https"), get("ddclient", "https")
    variants = [t for t in ("mxddns", "mxddns-musl") if any(k[0] == t for k in g) or any(d["tool"] == t for d in res)]
    for tool in variants or ["mxddns"]:
        # Judged over https (what every real cycle uses); over http only against inadyn http.
        for mode, against in (("https", (("inadyn https", ina_s),)), ("http", (("inadyn http", ina_h),))):
            mx = get(tool, mode)
            if not (mx and mx["ok"]):
                rows.append(("%s %s: change cycle CPU/RSS vs inadyn and ddclient" % (tool, mode), "", "",
                             "missing: no OK %s %s change run" % (tool, mode)))
                continue
            for label, peer in against:
                if peer:
                    rows.append(("%s %s: change cycle CPU ≤ %s" % (tool, mode, label), "≤ %s ms" % ms(peer["cpu_s"]),
                                 "%s ms" % ms(mx["cpu_s"]), "met" if mx["cpu_s"] <= peer["cpu_s"] else "NOT met"))
                    rows.append(("%s %s: change cycle peak RSS ≤ %s" % (tool, mode, label), "≤ %d KiB" % peer["maxrss_kib"],
                                 "%d KiB" % mx["maxrss_kib"],
                                 "met" if mx["maxrss_kib"] <= peer["maxrss_kib"] else "NOT met"))
            if ddc and mode == "https":
                rows.append(("%s https: change cycle CPU ≥10× below ddclient https" % tool, "≤ %s ms" % ms(ddc["cpu_s"] / 10),
                             "%s ms" % ms(mx["cpu_s"]), "met" if mx["cpu_s"] * 10 <= ddc["cpu_s"] else "NOT met"))
                rows.append(("%s https: change cycle peak RSS ≥10× below ddclient https" % tool,
                             "≤ %d KiB" % (ddc["maxrss_kib"] / 10), "%d KiB" % mx["maxrss_kib"],
                             "met" if mx["maxrss_kib"] * 10 <= ddc["maxrss_kib"] else "NOT met"))
            if mode == "https":
                rows.append(("%s: verification latency on loopback (write → last DNS query)" % tool, "reported",
                             "%s ms" % ms(mx["verify_s"]),
                             "reported" if mx["verify_s"] is not None else "missing: no DNS query after the write"))
        mode = "https" if get(tool, "https", "nochange") else "http"
        nc = get(tool, mode, "nochange")
        if nc and nc["ok"]:
            rows.append(("%s %s: unchanged cycle: API requests" % (tool, mode), "0", slash(nc["api"]),
                         "met" if nc["api"] == [0] else "NOT met"))
            net = nc["cpu_s"] - (floor_cpu or 0)
            rows.append(("%s %s: unchanged cycle: CPU within a few ms" % (tool, mode), "≤ 5 ms net of the floor",
                         "%s ms" % ms(net), "met" if net <= 0.005 else "NOT met"))
        else:
            rows.append(("%s: unchanged cycle" % tool, "", "", "missing: no OK nochange run"))
        w = get(tool, mode, "warm")
        if w and w["ok"]:
            rows.append(("%s %s: warm state, address moved: API requests per changed record" % (tool, mode), "1",
                         slash(w["api"]), "met" if w["api"] == [1] else "NOT met"))
        else:
            rows.append(("%s: warm state file" % tool, "", "", "missing: no OK warm run"))
        r = [d for d in res if d["tool"] == tool]
        if r:
            d = r[-1]
            rows.append(("%s: idle service's anonymous RSS (RssAnon after %gs idle)" % (tool, d["idle_s"]),
                         "≤ %d KiB" % GOAL_ANON_KIB, "%d KiB" % d["rss_anon_kib"],
                         "met" if d["rss_anon_kib"] <= GOAL_ANON_KIB else "NOT met"))
            rows.append(("%s: resident RSS after first cycle / after %gs idle (file-backed pages included)" % (
                tool, d["idle_s"]), "reported", "%d / %d KiB (RssFile %d)" % (
                d["vmrss_after_cycle_kib"], d["vmrss_after_idle_kib"], d["rss_file_kib"]), "reported"))
            rows.append(("%s: no CPU while idle (%gs)" % (tool, d["idle_s"]), "0 ticks",
                         "%.6f s (%d ticks)" % (d["idle_cpu_s"], d["idle_ticks"]), "met" if d["idle_ticks"] == 0 else "NOT met"))
        else:
            rows.append(("%s: resident service" % tool, "", "", "missing: no resident sample"))
        size = e.get("%s_size_bytes" % tool)
        if size:
            rows.append(("%s: stripped release binary, full build" % tool, "≤ 5 MiB (%d B)" % GOAL_FULL_BYTES,
                         "%s B (%.2f MiB)" % (size, int(size) / MIB / MIB),
                         "met" if int(size) <= GOAL_FULL_BYTES else "NOT met"))
        else:
            rows.append(("%s: stripped release binary" % tool, "≤ 5 MiB", "", "missing: no binary"))
    for tool in ["mxddns"] + sorted(set(x["tool"] for x in soak) - {"mxddns"}):
        rows += soak_goal(tool, [x for x in soak if x["tool"] == tool], e)
    fake = [x for x in scale if x.get("backend") == "mxddns-fakereg"]
    other = scale
    scale = [x for x in scale if x.get("backend", "cf_emulator") == "cf_emulator"]
    for scen in ("unchanged-cold", "unchanged-warm"):
        rs = [x for x in fake if x["scenario"] == scen]
        if rs:
            wall = med([x["wall_s"] for x in rs])
            rows.append(("1,000 domains %s on mxddns-fakereg: wall < 1 s" % scen, "< 1 s",
                         "%.3f s (API requests not observable there)" % wall,
                         "met" if all(x["ok"] for x in rs) and wall < 1 else "NOT met"))
    if scale:
        for scen in ("unchanged-cold", "unchanged-warm", "unchanged-after"):
            rs = [x for x in scale if x["scenario"] == scen]
            if rs:
                wall = med([x["wall_s"] for x in rs])
                api = sorted(set(x["api_requests"] for x in rs))
                ok = all(x["ok"] for x in rs)
                rows.append(("1,000 domains %s: wall < 1 s, 0 API requests" % scen, "< 1 s, 0",
                             "%.3f s, %s API" % (wall, slash(api)),
                             "met" if ok and wall < 1 and api == [0] else "NOT met"))
        for scen in ("changed-cold", "changed-warm"):
            rs = [x for x in scale if x["scenario"] == scen]
            if rs:
                x = rs[-1]
                n429 = x["api_statuses"].get("429", 0)
                lim = e.get("scale_rate", "")
                rows.append(("1,000 domains %s: rate limit respected" % scen, "no 429, ≤ limit per window",
                             "%d API req in %.1f s, %d × 429, most %d per %gs window, %d/%d records updated" % (
                                 x["api_requests"], x["wall_s"], n429, x["max_api_per_window"], x["window_s"],
                                 x["records_at_expected"], x["domains"]),
                             "met" if x["ok"] and n429 == 0 else "NOT met"))
        peak = max((x["peak_sockets"] or 0) for x in scale)
        rows.append(("DNS concurrent but bounded", "bounded", "peak %d open sockets" % peak, "reported"))
    else:
        rows.append(("1,000 domains", "", "", "missing: scale scenario not run"))
    for be in ("dnspod", "huaweicloud", "aliyun", "rfc2136"):
        rows += backend_goals(be, [x for x in other if x.get("backend") == be])
    return rows


def backend_goals(be, rs):
    """Goal rows for one of the scale_backends.sh back-ends (no rows when it did not run)."""
    rows = []
    if not rs:
        return rows
    for scen in ("unchanged-cold", "unchanged-warm", "unchanged-after"):
        xs = [x for x in rs if x["scenario"] == scen]
        if xs:
            wall = med([x["wall_s"] for x in xs])
            writes = sorted(set(x["writes"] for x in xs))
            api = sorted(set(x["api_requests"] for x in xs if x["api_requests"] is not None))
            ok = all(x["ok"] for x in xs)
            rows.append(("1,000 domains %s on %s: wall < 1 s, no write" % (scen, be), "< 1 s, 0 writes",
                         "%.3f s, %s writes%s" % (wall, slash(writes), ", %s API requests" % slash(api) if api else ""),
                         "met" if ok and wall < 1 and writes == [0] else ("NOT met" if ok else "FAILED")))
    for scen in ("changed-cold", "changed-warm"):
        xs = [x for x in rs if x["scenario"] == scen]
        if not xs:
            continue
        x = xs[-1]
        bad = sum(v for k, v in x["api_statuses"].items() if not k.startswith("2"))
        lim = x.get("rate_limit", "")
        try:
            cap = int(lim.split("/", 1)[0])
        except ValueError:
            cap = None
        most = x.get("max_api_per_window")
        if be == "aliyun":   # the quota is per write action: compare the writes
            most = x.get("max_writes_per_window")
        within = most is None or cap is None or most <= cap
        if be == "rfc2136":
            measured = "%d UPDATE and %d QUERY messages at named in %.1f s, %d/%d records updated" % (
                x["writes"], x["dns_queries"], x["wall_s"], x["records_at_expected"], x["domains"])
        else:
            measured = "%d API req (%d writes) in %.1f s, %d non-2xx, most %s %sper %gs, %d/%d records updated" % (
                x["api_requests"], x["writes"], x["wall_s"], bad, most, "writes " if be == "aliyun" else "",
                x["window_s"], x["records_at_expected"], x["domains"])
        rows.append(("1,000 domains %s on %s: all updated, rate limit respected" % (scen, be),
                     "all records, no throttling, ≤ %s" % (lim or "limit"), measured,
                     "met" if x["ok"] and bad == 0 and within else "NOT met"))
    return rows


def bar_chart(svg, x0, y0, width, title, items, unit, fmt, logscale=False):
    """Horizontal bars: items = [(label, value, colour)]; returns the height used."""
    import math
    h_bar, gap, label_w = 18, 6, 230
    svg.append('<text x="%d" y="%d" font-size="14" font-weight="bold">%s</text>' % (x0, y0 + 14, title))
    y = y0 + 26
    vals = [v for _, v, _ in items if v]
    if not vals:
        return 30
    vmax = max(vals)
    vmin = min(vals)
    span = width - label_w - 90
    for label, v, colour in items:
        if v is None:
            continue
        if logscale:
            lo = math.log10(vmin / 2)
            frac = (math.log10(v) - lo) / (math.log10(vmax) - lo)
        else:
            frac = v / vmax
        w = max(2, frac * span)
        svg.append('<text x="%d" y="%d" font-size="12" text-anchor="end">%s</text>' % (x0 + label_w - 6, y + 13, label))
        svg.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (x0 + label_w, y, w, h_bar, colour))
        svg.append('<text x="%.1f" y="%d" font-size="12">%s %s</text>' % (x0 + label_w + w + 4, y + 13, fmt(v), unit))
        y += h_bar + gap
    if logscale:
        svg.append('<text x="%d" y="%d" font-size="10" fill="#666">log scale</text>' % (x0 + label_w, y + 10))
        y += 12
    return y - y0 + 10


def chart(out, g, res, footer=""):
    colours = {"mxddns": "#d9480f", "mxddns-musl": "#f08c00", "inadyn": "#1971c2", "ddclient": "#2f9e44", "ddns": "#7048e8", "lexicon": "#868e96"}
    rows = [s for k, s in g.items() if k[2] == "change" and not k[0].startswith("(floor") and s["ok"]]
    rows.sort(key=lambda s: s["cpu_s"])
    cpu = [("%s %s" % (s["tool"], s["mode"]), s["cpu_s"] * 1000, colours.get(s["tool"], "#495057")) for s in rows]
    rss = [("%s %s" % (s["tool"], s["mode"]), s["maxrss_kib"] / MIB, colours.get(s["tool"], "#495057"))
           for s in sorted(rows, key=lambda s: s["maxrss_kib"])]
    resident = [(d["tool"], d["vmrss_after_idle_kib"] / MIB, colours.get(d["tool"], "#495057"))
                for d in sorted(res, key=lambda d: d["vmrss_after_idle_kib"])]
    width = 760
    svg = []
    y = 10
    y += bar_chart(svg, 10, y, width, "One update cycle (A record change): CPU user+sys, median", cpu, "ms",
                   lambda v: "%.1f" % v, logscale=True)
    y += bar_chart(svg, 10, y, width, "One update cycle: peak RSS, median", rss, "MiB", lambda v: "%.1f" % v)
    if resident:
        y += bar_chart(svg, 10, y, width, "Resident service: VmRSS after first cycle + idle", resident, "MiB",
                       lambda v: "%.1f" % v)
    if footer:
        svg.append('<text x="10" y="%d" font-size="10" fill="#666">%s</text>' % (y + 4, footer))
        y += 14
    head = ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif">'
            '<rect width="100%%" height="100%%" fill="white"/>' % (width, y + 10))
    with open(os.path.join(out, "chart.svg"), "w") as f:
        f.write(head + "\n" + "\n".join(svg) + "\n</svg>\n")


def main():
    out = sys.argv[1]
    runs = load(os.path.join(out, "runs.jsonl"))
    res = load(os.path.join(out, "resident.jsonl"))
    soak = load(os.path.join(out, "soak.jsonl"))
    scale = load(os.path.join(out, "scale.jsonl"))
    e = env(out)
    e["_out"] = out
    sp = os.path.join(out, "scale", "env.txt")
    if os.path.exists(sp):
        with open(sp) as f:
            e["scale_rate"] = f.read().strip()
    g = groups(runs)
    fl = g.get(("(floor: time -v /bin/true)", "-", "-"))
    floor_cpu = fl["cpu_s"] if fl else None
    lines = ["Run: %s UTC; %s; kernel %s; load average at start %s; mxddns %s (commit %s)." % (
        e.get("date_utc", "?"), e.get("cpu", "?"), e.get("kernel", "?"), e.get("loadavg_at_start", "?"),
        e.get("mxddns", "?").split(" ", 1)[-1] or "?", e.get("mxddns_commit", "?")), ""]
    lines += ["### Goals", "", "| goal | target | measured | verdict |", "|---|---|---|---|"]
    gl = goals(g, res, soak, scale, e, floor_cpu)
    lines += ["| %s | %s | %s | %s |" % row for row in gl]
    lines += ["", "### One-shot runs (median of the OK runs)", ""] + one_shot_table(g, floor_cpu)
    if res:
        lines += ["", "### Resident mode", ""] + resident_table(res)
    if soak:
        lines += ["", "### Soak (resident, many cycles)", ""] + soak_table(soak)
    if scale:
        lines += ["", "### Scale (%s)" % e.get("scale_rate", "").replace("scale: ", ""), ""] + scale_table(scale)
        lines += ["", "What each back-end saw (first run of each scenario):", ""] + scale_requests_table(scale)
    print("\n".join(lines))
    chart(out, g, res, "bench/run.sh, %s UTC, %s; CPU and RSS include the measuring chain (floor %s ms, %s KiB)" % (
        e.get("date_utc", "?"), e.get("cpu", "?"), ms(floor_cpu), int(fl["maxrss_kib"]) if fl else "?"))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"env": e, "one_shot": list(g.values()), "resident": res, "soak": soak, "scale": scale,
                   "goals": [dict(zip(("goal", "target", "measured", "verdict"), r)) for r in gl]}, f, indent=1)


if __name__ == "__main__":
    main()
