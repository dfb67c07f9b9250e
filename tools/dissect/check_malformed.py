#!/usr/bin/env python3
"""The dissector names each malformed class of the generated capture, in order."""
import json
import subprocess
import sys

EXPECTED = [
    None, "too_short", "data_offset_too_small", "data_offset_beyond_segment", "option_length_missing",
    "option_length_zero", "option_length_one", "option_length_beyond_options", "mss_bad_length",
    "window_scale_bad_length", "sack_permitted_bad_length", "sack_bad_length", "timestamps_bad_length",
    None, None, None,
]

dissect, pcap = sys.argv[1], sys.argv[2]
lines = subprocess.run([dissect, pcap], check=True, capture_output=True, text=True).stdout.splitlines()
packets = [json.loads(line) for line in lines]
errors = [p["error"] for p in packets]
if errors != EXPECTED:
    sys.exit(f"errors {errors}\nexpected {EXPECTED}")
if packets[13]["options"] != {"mss": 1460, "unknown": [99]}:
    sys.exit(f"options of the unknown-kind packet: {packets[13]['options']}")
if packets[14]["options"] != {"timestamp": [9, 7], "sack": [[4096, 8192], [4294967280, 16]]}:
    sys.exit(f"options of the SACK packet: {packets[14]['options']}")
if [p["checksum"] for p in packets][-1] != "bad" or packets[0]["checksum"] != "good":
    sys.exit("checksum verdicts wrong")
print(f"{len(packets)} packets, every malformed class named")
