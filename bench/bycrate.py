#!/usr/bin/env python3
"""Bytes of an UNSTRIPPED binary per crate, from its symbol sizes (nm -S -C).

    bench/bycrate.py BINARY [TOP]      # e.g. a sizes.sh OUT/mxddns-*.unstripped

Each symbol goes to the first `name::` in its demangled name (for `<A as B>::f`, A's crate);
symbols without one are C (musl, ring's C and assembly). Generic code instantiated for a
crate's types is often counted under `core`/`alloc`, and constants without a symbol (string
literals, part of .rodata) under none: read the figures as estimates, and confirm a
candidate by rebuilding without it.
"""
import collections
import re
import subprocess
import sys

binp = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
out = subprocess.run(["nm", "-S", "--size-sort", "-C", binp], capture_output=True, text=True, check=True).stdout
tot = collections.Counter()
allsz = 0
tok = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)::")
for line in out.splitlines():
    parts = line.split(None, 3)
    if len(parts) < 4 or parts[2].lower() not in ("t", "r", "d", "w", "v"):
        continue
    size = int(parts[1], 16)
    allsz += size
    m = tok.search(parts[3].lstrip("<&*"))
    crate = m.group(1) if m else ("(C: musl, ring)" if "::" not in parts[3] else "?")
    tot[crate] += size
print("| bytes | crate |\n|---:|---|")
for c, s in tot.most_common(top):
    print("| %s | %s |" % (format(s, ","), c))
print("| %s | (all symbols) |" % format(allsz, ","))
