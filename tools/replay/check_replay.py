#!/usr/bin/env python3
"""Runs synack-replay on a capture and compares the differences it prints with a file.

usage: check_replay.py SYNACK_REPLAY CAPTURE ROLE EXPECTED [--strict] [--known-failure]

EXPECTED holds the difference lines synack-replay should print, in order; lines starting
with "--" explain them and are not compared. An empty EXPECTED (comments aside) says
synack must send what the recorded stack sent.

--known-failure: the case is listed as one synack fails today (a bug of the connection,
named where the list is). It passes while the output still differs from EXPECTED, and
fails once it matches, so the list is shortened when the bug is fixed.
"""
import difflib
import subprocess
import sys


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    if len(args) != 4:
        print(__doc__)
        return 2
    binary, capture, role, expected_path = args
    strict = "--strict" in flags
    known_failure = "--known-failure" in flags
    command = [binary, capture, "--as", role] + (["--strict"] if strict else [])
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        print("synack-replay did not finish")
        return 1
    lines = run.stdout.splitlines()
    if run.returncode not in (0, 1) or len(lines) < 2 or not lines[-1].startswith("synack-replay:"):
        print(f"synack-replay failed (exit {run.returncode}):\n{run.stdout}{run.stderr}")
        return 1
    differences = lines[1:-1]
    if (run.returncode == 0) != (not differences):
        print(f"exit {run.returncode} does not agree with the differences printed:\n{run.stdout}")
        return 1
    with open(expected_path) as f:
        expected = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("--")]
    same = differences == expected
    print(run.stdout)
    if known_failure:
        if same:
            print("this known failure passes now: take it off the list of known failures")
            return 1
        print("still a known failure: synack-replay prints what is above, not what " + expected_path + " holds")
        return 0
    if not same:
        print("\n".join(difflib.unified_diff(expected, differences, "expected", "printed", lineterm="")))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
