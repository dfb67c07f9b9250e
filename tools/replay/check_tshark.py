#!/usr/bin/env python3
"""Checks that tshark reads captures cleanly: every packet TCP, no malformed packet, no
bad IPv4 or TCP checksum (both verified), no expert error.

usage: check_tshark.py CAPTURE... ; exit 77 (skipped, never passed) without tshark.
"""
import shutil
import subprocess
import sys

ERROR = 0x00800000  # Wireshark's PI_ERROR expert severity


def check(path, tshark):
    run = subprocess.run(
        [tshark, "-r", path, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-T", "fields",
         "-E", "separator=|", "-e", "frame.number", "-e", "ip.version", "-e", "ipv6.version", "-e", "tcp.srcport",
         "-e", "tcp.checksum.status", "-e", "ip.checksum.status", "-e", "_ws.malformed", "-e", "_ws.expert.severity"],
        capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        return [f"tshark failed: {run.stderr}"]
    problems = []
    rows = [line.split("|") for line in run.stdout.splitlines() if line]
    if not rows:
        problems.append("no packets")
    for number, ip4, ip6, port, tcp_status, ip_status, malformed, severity in rows:
        where = f"packet {number}"
        if not port:
            problems.append(f"{where} is not TCP")
        if tcp_status != "1":
            problems.append(f"{where}: TCP checksum status {tcp_status!r} (1 is good)")
        if ip4 == "4" and ip_status != "1":
            problems.append(f"{where}: IPv4 header checksum status {ip_status!r} (1 is good)")
        if ip4 not in ("4", "6") and ip6 != "6":
            problems.append(f"{where} is not IP")
        if malformed:
            problems.append(f"{where} is malformed")
        if any(int(s) >= ERROR for s in severity.split(",") if s):
            problems.append(f"{where} has an expert error")
    print(f"{path}: {len(rows)} packets")
    return problems


def main():
    tshark = shutil.which("tshark")
    if not tshark:
        print("skipped: tshark not found")
        return 77
    failed = False
    for path in sys.argv[1:]:
        for problem in check(path, tshark):
            print(f"{path}: {problem}")
            failed = True
    return 1 if failed or len(sys.argv) < 2 else 0


if __name__ == "__main__":
    sys.exit(main())
