#!/usr/bin/env python3
"""Interop tests of synack-udp: the two ends run as separate processes on loopback.

usage: interop_test.py SYNACK_UDP CASE WORKDIR

Exit 0 when the case holds, 1 when it does not, 77 when what it needs is missing here
(tshark, an IPv6 loopback address): skipped, never passed.
"""
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time

SKIP = 77
LIMIT = 30  # seconds any one process may run


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


class Listener:
    """synack-udp listen in the background, on a port the system picks."""

    def __init__(self, binary, workdir, name, address, *args):
        self.out_path = os.path.join(workdir, name + ".out")
        self.err_path = os.path.join(workdir, name + ".err")
        self.port = free_udp_port(address)
        host = f"[{address}]" if ":" in address else address
        self.process = subprocess.Popen(
            [binary, "listen", "--local", f"{host}:{self.port}", "--timeout", str(LIMIT), *args],
            stdout=open(self.out_path, "wb"), stderr=open(self.err_path, "wb"))
        deadline = time.monotonic() + 5
        while "listening on" not in self.errors():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise Failure(f"the listener did not start: {self.errors()}")
            time.sleep(0.02)

    def errors(self):
        with open(self.err_path, "r", errors="replace") as f:
            return f.read()

    def output(self):
        with open(self.out_path, "rb") as f:
            return f.read()

    def wait(self):
        try:
            return self.process.wait(timeout=LIMIT + 5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise Failure("the listener did not exit")

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def free_udp_port(address):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def connect(binary, address, port, *args, timeout=LIMIT):
    host = f"[{address}]" if ":" in address else address
    try:
        return subprocess.run([binary, "connect", "--peer", f"{host}:{port}", "--timeout", str(timeout), *args],
                              capture_output=True, timeout=LIMIT + 5)
    except subprocess.TimeoutExpired:
        raise Failure("the client did not exit")


def describe(result):
    return f"exit {result.returncode}, stderr:\n{result.stderr.decode(errors='replace')}"


def echo_session(binary, workdir, address, data, *extra):
    server = Listener(binary, workdir, "server", address, "--echo", *extra)
    try:
        path = os.path.join(workdir, "data.bin")
        with open(path, "wb") as f:
            f.write(data)
        client = connect(binary, address, server.port, "--send-file", path, "--half-close", *extra)
        check(client.returncode == 0, f"client: {describe(client)}")
        check(client.stdout == data, f"the client read back {len(client.stdout)} bytes, not the {len(data)} it sent")
        status = server.wait()
        check(status == 0, f"server: exit {status}, stderr:\n{server.errors()}")
        check(server.output() == data, f"the server read {len(server.output())} bytes, not {len(data)}")
    finally:
        server.stop()


def echo_with_half_close(binary, workdir):
    echo_session(binary, workdir, "127.0.0.1", b"hello, synack\n")


def large_transfer_both_ways(binary, workdir):
    data = random.Random(7).randbytes(300_000)
    echo_session(binary, workdir, "127.0.0.1", data)


def peer_closes_first(binary, workdir):
    server = Listener(binary, workdir, "server", "127.0.0.1", "--reply", "answer")
    try:
        client = connect(binary, "127.0.0.1", server.port, "--send", "question")
        check(client.returncode == 0, f"client: {describe(client)}")
        check(client.stdout == b"answer", f"the client read {client.stdout!r}")
        status = server.wait()
        check(status == 0, f"server: exit {status}, stderr:\n{server.errors()}")
        check(server.output() == b"question", f"the server read {server.output()!r}")
    finally:
        server.stop()


def listener_serves_connections_in_turn(binary, workdir):
    server = Listener(binary, workdir, "server", "127.0.0.1", "--echo", "--count", "3")
    try:
        sent = b""
        for i in range(3):
            message = f"message {i}\n".encode()
            client = connect(binary, "127.0.0.1", server.port, "--send", message.decode(), "--half-close")
            check(client.returncode == 0, f"client {i}: {describe(client)}")
            check(client.stdout == message, f"client {i} read {client.stdout!r}")
            sent += message
        status = server.wait()
        check(status == 0, f"server: exit {status}, stderr:\n{server.errors()}")
        check(server.output() == sent, f"the server read {server.output()!r}")
        check(server.errors().count("connection from") == 3, "the server did not report three connections")
    finally:
        server.stop()


def refused_by_the_listener(binary, workdir):
    server = Listener(binary, workdir, "server", "127.0.0.1", "--echo")
    try:
        # The listener's UDP port, but a TCP port nobody listens on: RST to the SYN.
        client = connect(binary, "127.0.0.1", server.port, "--service", "9", "--send", "x")
        check(client.returncode == 4, f"a refused connection: {describe(client)}")
        check(b"connection refused" in client.stderr, "the client did not say it was refused")
    finally:
        server.stop()


def reset_by_the_listener(binary, workdir):
    server = Listener(binary, workdir, "server", "127.0.0.1", "--abort")
    try:
        client = connect(binary, "127.0.0.1", server.port, "--send", "hello")
        check(client.returncode == 3, f"a reset connection: {describe(client)}")
        status = server.wait()
        check(status == 0, f"server: exit {status}, stderr:\n{server.errors()}")
        check(server.output() == b"hello", f"the server read {server.output()!r}")
    finally:
        server.stop()


def times_out_with_nobody_there(binary, workdir):
    port = free_udp_port("127.0.0.1")
    start = time.monotonic()
    client = connect(binary, "127.0.0.1", port, "--send", "anyone?", timeout=2)
    took = time.monotonic() - start
    check(client.returncode == 5, f"nobody there: {describe(client)}")
    check(1.5 < took < 10, f"gave up after {took:.1f} s, not about 2 s")
    check(b"ICMP" in client.stderr, "the client did not mention the ICMP errors")


def ipv6_loopback(binary, workdir):
    try:
        free_udp_port("::1")
    except OSError as e:
        print(f"skipped: no IPv6 loopback here ({e})")
        sys.exit(SKIP)
    echo_session(binary, workdir, "::1", b"over IPv6\n")


def captures_open_cleanly_in_tshark(binary, workdir):
    tshark = shutil.which("tshark")
    if not tshark:
        print("skipped: tshark not found")
        sys.exit(SKIP)
    client_pcap, server_pcap = os.path.join(workdir, "client.pcap"), os.path.join(workdir, "server.pcap")
    data = random.Random(3).randbytes(20_000)
    server = Listener(binary, workdir, "server", "127.0.0.1", "--echo", "--pcap", server_pcap)
    try:
        path = os.path.join(workdir, "data.bin")
        with open(path, "wb") as f:
            f.write(data)
        client = connect(binary, "127.0.0.1", server.port, "--send-file", path, "--half-close", "--pcap", client_pcap)
        check(client.returncode == 0, f"client: {describe(client)}")
        check(server.wait() == 0, f"server: {server.errors()}")
    finally:
        server.stop()
    sent = int(re.search(rb"(\d+) segments sent", client.stderr).group(1))
    received = int(re.search(rb"(\d+) received", client.stderr).group(1))
    for pcap in (client_pcap, server_pcap):
        fields = subprocess.run(
            [tshark, "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-T", "fields",
             "-E", "separator=|", "-e", "frame.number", "-e", "tcp.srcport", "-e", "tcp.checksum.status",
             "-e", "ip.checksum.status", "-e", "_ws.malformed", "-e", "_ws.expert.severity"],
            capture_output=True, text=True, timeout=60)
        check(fields.returncode == 0, f"tshark failed on {pcap}: {fields.stderr}")
        rows = [line.split("|") for line in fields.stdout.splitlines() if line]
        check(len(rows) > 20, f"{pcap}: only {len(rows)} packets")
        for number, port, tcp_status, ip_status, malformed, severity in rows:
            where = f"{os.path.basename(pcap)} packet {number}"
            check(port != "", f"{where} is not TCP")
            check(tcp_status == "1", f"{where}: TCP checksum status {tcp_status} (1 is good)")
            check(ip_status == "1", f"{where}: IP checksum status {ip_status} (1 is good)")
            check(malformed == "", f"{where} is malformed")
            error = 0x00800000  # PI_ERROR
            check(all(int(s) < error for s in severity.split(",") if s), f"{where} has an expert error")
        if pcap == client_pcap:
            check(len(rows) == sent + received, f"{len(rows)} packets in the client's capture, not {sent} + {received}")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    binary, case, workdir = sys.argv[1:]
    os.makedirs(workdir, exist_ok=True)
    test = globals().get(case)
    if test is None:
        print(f"no case {case}")
        return 2
    try:
        test(binary, workdir)
    except Failure as e:
        print(f"FAIL {case}: {e}")
        return 1
    print(f"ok {case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
