#!/usr/bin/env python3
"""Every field synack-dissect prints agrees with what tshark says of the same capture.

Exit 77 (ctest: skipped) when tshark is not installed."""
import json
import shutil
import subprocess
import sys

dissect, pcap = sys.argv[1], sys.argv[2]
if not shutil.which("tshark"):
    print("tshark not installed (Debian: tshark): skipped")
    sys.exit(77)

FIELDS = ["frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport",
          "tcp.seq_raw", "tcp.ack_raw", "tcp.flags", "tcp.window_size_value", "tcp.hdr_len", "tcp.len",
          "tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.sack_perm",
          "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "tcp.options.sack_le",
          "tcp.options.sack_re", "tcp.checksum.status", "tcp.option_kind", "_ws.malformed", "_ws.expert.message"]
cmd = ["tshark", "-r", pcap, "-Y", "tcp", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
       "-E", "aggregator=,", "-o", "tcp.check_checksum:TRUE", "-o", "tcp.relative_sequence_numbers:FALSE",
       "-o", "tcp.analyze_sequence_numbers:FALSE"]
for f in FIELDS:
    cmd += ["-e", f]
rows = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
shark = {}
for row in rows:
    cols = row.split("\t")
    cols += [""] * (len(FIELDS) - len(cols))
    rec = dict(zip(FIELDS, cols))
    shark[int(rec["frame.number"])] = rec

ours = [json.loads(line) for line in subprocess.run([dissect, pcap], check=True, capture_output=True, text=True).stdout.splitlines()]
if not ours:
    sys.exit("synack-dissect printed no packet")

LETTERS = "FSRPAUEC"
problems = []
def differ(frame, name, mine, theirs):
    problems.append(f"frame {frame}: {name}: synack {mine!r}, tshark {theirs!r}")

def ints(text):
    return [int(x, 0) for x in text.split(",") if x != ""]

for p in ours:
    n = p["frame"]
    t = shark.get(n)
    if t is None:
        differ(n, "frame", "present", "no tcp")
        continue
    src = t["ip.src"] or t["ipv6.src"]
    dst = t["ip.dst"] or t["ipv6.dst"]
    if p["src"] != src: differ(n, "src", p["src"], src)
    if p["dst"] != dst: differ(n, "dst", p["dst"], dst)
    if "sport" not in p:
        continue  # fewer than 20 bytes: tshark cannot show the header either
    for mine, theirs in [("sport", "tcp.srcport"), ("dport", "tcp.dstport"), ("seq", "tcp.seq_raw"),
                         ("ack", "tcp.ack_raw"), ("window", "tcp.window_size_value")]:
        if t[theirs] and p[mine] != int(t[theirs]): differ(n, mine, p[mine], t[theirs])
    bits = int(t["tcp.flags"], 16) & 0xff if t["tcp.flags"] else None
    if bits is not None:
        letters = "".join(c for i, c in enumerate(LETTERS) if bits >> i & 1)
        if p["flags"] != letters: differ(n, "flags", p["flags"], letters)
    malformed = p["error"] is not None
    if not malformed:
        if t["tcp.hdr_len"] and p["header_len"] != int(t["tcp.hdr_len"]): differ(n, "header_len", p["header_len"], t["tcp.hdr_len"])
        if t["tcp.len"] and p["payload_len"] != int(t["tcp.len"]): differ(n, "payload_len", p["payload_len"], t["tcp.len"])
        o = p["options"]
        if ints(t["tcp.options.mss_val"])[-1:] != ([o["mss"]] if "mss" in o else []): differ(n, "mss", o.get("mss"), t["tcp.options.mss_val"])
        if ints(t["tcp.options.wscale.shift"])[-1:] != ([o["window_scale"]] if "window_scale" in o else []): differ(n, "window_scale", o.get("window_scale"), t["tcp.options.wscale.shift"])
        kinds = ints(t["tcp.option_kind"])
        if (4 in kinds) != o.get("sack_permitted", False): differ(n, "sack_permitted", o.get("sack_permitted"), kinds)
        ts = [ints(t["tcp.options.timestamp.tsval"])[-1:], ints(t["tcp.options.timestamp.tsecr"])[-1:]]
        mine_ts = [[o["timestamp"][0]], [o["timestamp"][1]]] if "timestamp" in o else [[], []]
        if ts != mine_ts: differ(n, "timestamp", o.get("timestamp"), ts)
        sack = [list(x) for x in zip(ints(t["tcp.options.sack_le"]), ints(t["tcp.options.sack_re"]))]
        if sack != o.get("sack", []): differ(n, "sack", o.get("sack"), sack)
        unknown = [k for k in kinds if k not in (0, 1, 2, 3, 4, 5, 8)]
        if unknown != o.get("unknown", []): differ(n, "unknown", o.get("unknown"), unknown)
        status = t["tcp.checksum.status"]
        theirs = {"1": "good", "0": "bad", "2": "unverified"}.get(status)
        if theirs and p["checksum"] != theirs: differ(n, "checksum", p["checksum"], theirs)
    else:
        # tshark must see something wrong with the same segment: a malformed-packet or expert warning.
        if not (t["_ws.malformed"] or t["_ws.expert.message"]):
            differ(n, "error", p["error"], "no complaint")

extra = sorted(set(shark) - {p["frame"] for p in ours})
for n in extra:
    differ(n, "frame", "skipped", "tcp")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"{len(ours)} TCP packets, every field agrees with tshark")
