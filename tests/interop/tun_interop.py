#!/usr/bin/env python3
"""synack-tun against the Linux kernel's TCP, through a TUN device in a network namespace.

    tun_interop.py --tool PATH/synack-tun [--work DIR] [--expect-failure] [--keep] CASE
    tun_interop.py --list

Each run creates a network namespace of its own (synack-<pid>), and in it the TUN device
synack0 with the kernel's address 10.77.0.1/24 (fd77::1/64); synack-tun runs on the device
as 10.77.0.2 (fd77::2), and the kernel's side is Python sockets in the same namespace.
tcpdump records the device, and tshark must find no malformed packet and no bad checksum
in the capture. Traffic never leaves the namespace, which is removed at the end whatever
happens. Every step has a time limit.

Exit status: 0 the case passed; 1 it failed; 77 it cannot run here (not root, no
/dev/net/tun, no iproute2, no network namespaces; or, for loss_netem, no netem in the
kernel; for pcap_clean, no tcpdump or tshark), which ctest reports as skipped.
With --expect-failure (a case that shows a known bug): 0 when the case's check fails
as expected, 1 when it passes (the bug is fixed: take the case off the list) or when
anything else goes wrong.
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

SKIP = 77
DEVICE = "synack0"
KERNEL4, SYNACK4 = "10.77.0.1", "10.77.0.2"
KERNEL6, SYNACK6 = "fd77::1", "fd77::2"
STEP = 20.0      # seconds any one step may take
LOSSY_STEP = 60.0  # the same through 20% loss
CASE_LIMIT = 120  # seconds a whole case may take (ctest's TIMEOUT is 180)


class CaseFailed(Exception):
    """The case's check failed: what synack or the kernel did is not what the case expects."""


class HarnessError(Exception):
    """The test could not do what it needed (a tool failed, a step timed out before the check)."""


def check(condition, message):
    if not condition:
        raise CaseFailed(message)


def payload(size, seed):
    """Deterministic bytes that differ from one position to the next."""
    return random.Random(seed).randbytes(size)


def run(cmd, timeout=STEP, check_status=True, **kw):
    result = subprocess.run(cmd, timeout=timeout, capture_output=True, **kw)
    if check_status and result.returncode != 0:
        raise HarnessError(f"{' '.join(cmd)}: exit {result.returncode}: {result.stderr.decode(errors='replace').strip()}")
    return result


# ---------------------------------------------------------------------------
# synack-tun as a child process: its output collected as it comes

class Tool:
    def __init__(self, path, *args, stdin=subprocess.DEVNULL):
        self.args = [path, *args]
        print("$", " ".join(self.args), flush=True)
        self.proc = subprocess.Popen(self.args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = bytearray()
        self.err = bytearray()
        self.changed = threading.Condition()
        self.readers = [threading.Thread(target=self._collect, args=(self.proc.stdout, self.out), daemon=True),
                        threading.Thread(target=self._collect, args=(self.proc.stderr, self.err), daemon=True)]
        for r in self.readers:
            r.start()

    def _collect(self, stream, into):
        while True:
            chunk = stream.read1(65536)
            with self.changed:
                if not chunk:
                    self.changed.notify_all()
                    return
                into += chunk
                self.changed.notify_all()

    def wait_for(self, stream, pattern, timeout=STEP):
        """Waits until the output (b'out' or b'err') matches the regular expression `pattern`."""
        buf = self.out if stream == "out" else self.err
        deadline = time.monotonic() + timeout
        with self.changed:
            while not re.search(pattern, bytes(buf)):
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not any(r.is_alive() for r in self.readers)):
                    raise HarnessError(f"synack-tun never printed {pattern!r} on std{stream}; stderr:\n{self.stderr()}")
                self.changed.wait(min(left, 0.2))

    def wait(self, timeout=STEP):
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise CaseFailed(f"synack-tun did not exit within {timeout} s; stderr:\n{self.stderr()}")
        for r in self.readers:
            r.join(5)
        return status

    def stderr(self):
        return bytes(self.err).decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stopped(self):
        """True when the process is stopped (SIGSTOP took effect)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "T"


# ---------------------------------------------------------------------------
# the kernel's side

def family(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def kernel_listener(address, port):
    s = socket.socket(family(address), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(8)
    s.settimeout(STEP)
    return s


def kernel_accept(listener):
    try:
        conn, peer = listener.accept()
    except socket.timeout:
        raise CaseFailed("the kernel's accept() did not return: synack's handshake never completed")
    conn.settimeout(STEP)
    return conn, peer


def kernel_connect(address, port):
    s = socket.socket(family(address), socket.SOCK_STREAM)
    s.settimeout(STEP)
    try:
        s.connect((address, port))
    except OSError as e:
        raise CaseFailed(f"the kernel could not connect to synack's listener: {e}")
    return s


def recv_to_eof(conn):
    data = bytearray()
    while True:
        try:
            chunk = conn.recv(65536)
        except socket.timeout:
            raise CaseFailed(f"the kernel waited {conn.gettimeout()} s for data or a FIN after {len(data)} bytes")
        if not chunk:
            return bytes(data)
        data += chunk


def recv_exactly(conn, n):
    data = bytearray()
    while len(data) < n:
        try:
            chunk = conn.recv(n - len(data))
        except socket.timeout:
            raise CaseFailed(f"the kernel waited {STEP} s after {len(data)} of {n} bytes")
        if not chunk:
            raise CaseFailed(f"the kernel saw the end of the stream after {len(data)} of {n} bytes")
        data += chunk
    return bytes(data)


class Sender(threading.Thread):
    """Sends while the caller receives, so that neither side's buffers block the other."""

    def __init__(self, conn, data, then_shutdown=True):
        super().__init__(daemon=True)
        self.conn, self.data, self.then_shutdown, self.error = conn, data, then_shutdown, None
        self.start()

    def run(self):
        try:
            self.conn.sendall(self.data)
            if self.then_shutdown:
                self.conn.shutdown(socket.SHUT_WR)
        except OSError as e:
            self.error = e

    def finish(self, timeout=STEP):
        self.join(timeout)
        if self.is_alive():
            raise CaseFailed("the kernel could not send everything: synack's window never opened")
        if self.error:
            raise CaseFailed(f"the kernel's send failed: {self.error}")


def tcp_state(conn):
    """The kernel's state of `conn` (tcpi_state of TCP_INFO)."""
    names = {1: "ESTABLISHED", 2: "SYN-SENT", 3: "SYN-RECEIVED", 4: "FIN-WAIT-1", 5: "FIN-WAIT-2", 6: "TIME-WAIT",
             7: "CLOSED", 8: "CLOSE-WAIT", 9: "LAST-ACK", 10: "LISTEN", 11: "CLOSING"}
    info = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    return names.get(info[0], str(info[0]))


def expect_bytes(what, got, want):
    if got != want:
        first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise CaseFailed(f"{what}: {len(got)} bytes, expected {len(want)}; first difference at byte {first}")


def expect_exit(tool, want, timeout=STEP):
    status = tool.wait(timeout)
    print(tool.stderr(), end="", flush=True)
    check(status == want, f"synack-tun exited {status}, expected {want}")


# ---------------------------------------------------------------------------
# the namespace and its device

class Namespace:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        self.pcap = os.path.join(self.work, f"{args.case}.pcap")
        self.dumper = None
        self.capture_dropped = 0
        self.tools = []

    def tool(self, *args, stdin=subprocess.DEVNULL):
        t = Tool(self.args.tool, *args, stdin=stdin)
        self.tools.append(t)
        return t

    def make_device(self, name=DEVICE):
        run(["ip", "tuntap", "add", "dev", name, "mode", "tun"])
        run(["ip", "addr", "add", f"{KERNEL4}/24", "dev", name])
        run(["ip", "-6", "addr", "add", f"{KERNEL6}/64", "dev", name, "nodad"])
        run(["ip", "link", "set", name, "up"])

    def start_capture(self, device=DEVICE):
        if not shutil.which("tcpdump"):
            print("tcpdump not installed: the traffic is not recorded", flush=True)
            return
        self.dumper = subprocess.Popen(["tcpdump", "-i", device, "-n", "--immediate-mode", "-B", "16384",
                                        "-w", self.pcap],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        line = b""
        deadline = time.monotonic() + STEP
        while b"listening on" not in line:  # tcpdump says so once it captures
            if time.monotonic() > deadline or self.dumper.poll() is not None:
                raise HarnessError(f"tcpdump did not start: {line.decode(errors='replace')}")
            line += self.dumper.stderr.readline()

    def stop_capture(self):
        if not self.dumper:
            return None
        time.sleep(0.2)  # the last segments reach the capture
        self.dumper.send_signal(signal.SIGINT)
        try:
            _, err = self.dumper.communicate(timeout=STEP)
        except subprocess.TimeoutExpired:
            self.dumper.kill()
            _, err = self.dumper.communicate()
        self.dumper = None
        dropped = re.search(rb"(\d+) packets? dropped by kernel", err or b"")
        self.capture_dropped = int(dropped.group(1)) if dropped else 0
        if self.capture_dropped:
            print(f"tcpdump: {self.capture_dropped} packets dropped by the kernel (capture buffer full)", flush=True)
        return self.pcap

    def cleanup(self):
        for t in self.tools:
            t.stop()
        if self.dumper and self.dumper.poll() is None:
            self.dumper.kill()
            self.dumper.wait()


def check_capture(pcap, synack_address, required):
    """tshark finds no malformed packet, no bad checksum and no expert error in the capture,
    and synack's segments are in it. Returns the number of TCP packets."""
    if not pcap or not shutil.which("tshark"):
        if required:
            raise SkipCase("tcpdump or tshark is not installed (Debian: tcpdump, tshark)")
        print("tshark or tcpdump not installed: the capture is not checked", flush=True)
        return 0
    fields = ["frame.number", "ip.src", "ipv6.src", "tcp.srcport", "tcp.flags.str", "tcp.len",
              "tcp.checksum.status", "ip.checksum.status", "_ws.malformed", "_ws.expert.severity", "_ws.expert.message"]
    cmd = ["tshark", "-r", pcap, "-Y", "tcp", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"]
    for f in fields:
        cmd += ["-e", f]
    # Only frame, raw IP, IPv4, IPv6 and TCP are dissected: the payload is random bytes, which a
    # dissector chosen by port (7000 is Gryphon's) would call malformed. A configuration folder
    # of our own disables every other protocol.
    config = pcap + ".wireshark"
    os.makedirs(config, exist_ok=True)
    protocols = run(["tshark", "-G", "protocols"], timeout=60).stdout.decode(errors="replace").splitlines()
    keep = {"frame", "raw", "ip", "ipv6", "tcp", "data"}
    with open(os.path.join(config, "disabled_protos"), "w") as f:
        for line in protocols:
            name = line.split("\t")[2] if line.count("\t") >= 2 else ""
            if name and name not in keep and not name.startswith("_ws"):
                f.write(name + "\n")
    out = run(cmd, timeout=60, env={**os.environ, "WIRESHARK_CONFIG_DIR": config}).stdout.decode(errors="replace")
    problems, packets, from_synack = [], 0, 0
    for line in out.splitlines():
        row = dict(zip(fields, line.split("\t")))
        packets += 1
        src = row.get("ip.src") or row.get("ipv6.src")
        if src == synack_address:
            from_synack += 1
        severities = row.get("_ws.expert.severity", "")
        # Wireshark's checksum status: 0 bad, 1 good, 2 unverified.
        if row.get("tcp.checksum.status") != "1" or row.get("ip.checksum.status", "") not in ("", "1"):
            problems.append(f"frame {row['frame.number']}: checksum status tcp={row.get('tcp.checksum.status')} "
                            f"ip={row.get('ip.checksum.status')}")
        if row.get("_ws.malformed"):
            problems.append(f"frame {row['frame.number']}: malformed")
        if any(s and int(s, 0) >= 0x00800000 for s in severities.split(",")):  # PI_ERROR
            problems.append(f"frame {row['frame.number']}: expert error: {row.get('_ws.expert.message')}")
    print(f"capture: {packets} TCP packets, {from_synack} from synack, {len(problems)} problems ({pcap})", flush=True)
    check(not problems, "tshark:\n  " + "\n  ".join(problems))
    check(from_synack > 0, f"the capture holds no segment from synack ({synack_address})")
    return packets


class SkipCase(Exception):
    pass


# ---------------------------------------------------------------------------
# the cases: each takes the namespace and returns when it passed, or raises

PORT = 7000


def connect_args(*extra, local=SYNACK4, peer=f"{KERNEL4}:{PORT}"):
    return ["connect", "--dev", DEVICE, "--local", local, "--peer", peer, *extra]


def listen_args(*extra, local=f"{SYNACK4}:{PORT}"):
    return ["listen", "--dev", DEVICE, "--local", local, *extra]


def data_file(ns, name, data):
    path = os.path.join(ns.work, f"{ns.args.case}.{name}")
    with open(path, "wb") as f:
        f.write(data)
    return path


def case_connect_data_both_ways(ns, address=KERNEL4, local=SYNACK4, peer=None, extra=(), size=300_000):
    """synack connects to a kernel listener; 300 KB each way at once, byte-exact; the kernel closes first."""
    mine, theirs = payload(size, 1), payload(size, 2)
    listener = kernel_listener(address, PORT)
    tool = ns.tool(*connect_args("--send-file", data_file(ns, "out", mine), *extra, local=local,
                                 peer=peer or f"{address}:{PORT}"))
    conn, who = kernel_accept(listener)
    check(who[0] == local, f"the kernel accepted {who[0]}, not synack's {local}")
    sender = Sender(conn, theirs)
    got = recv_to_eof(conn)
    sender.finish()
    conn.close()
    expect_exit(tool, 0)
    expect_bytes("what the kernel received", got, mine)
    expect_bytes("what synack printed", bytes(tool.out), theirs)


def case_connect_synack_closes_first(ns):
    """synack sends and closes at once (--half-close); the kernel reads to the end, then closes."""
    mine = payload(50_000, 3)
    listener = kernel_listener(KERNEL4, PORT)
    tool = ns.tool(*connect_args("--send-file", data_file(ns, "out", mine), "--half-close", "--trace"))
    conn, _ = kernel_accept(listener)
    got = recv_to_eof(conn)
    check(tcp_state(conn) == "CLOSE-WAIT", f"the kernel is in {tcp_state(conn)} after synack's FIN, not CLOSE-WAIT")
    conn.close()
    expect_exit(tool, 0)
    expect_bytes("what the kernel received", got, mine)
    check(len(tool.out) == 0, f"synack printed {len(tool.out)} bytes; the kernel sent none")
    closed_first(tool)


def closed_first(tool):
    """synack's trace shows it closed first: its FIN went out in ESTABLISHED, and it ended in TIME-WAIT
    (from FIN-WAIT-2, or from FIN-WAIT-1 when the kernel's FIN carried the ACK of synack's)."""
    err = tool.stderr()
    check("ESTABLISHED -> FIN-WAIT-1 (CLOSE)" in err, "synack did not close from ESTABLISHED")
    check(re.search(r"FIN-WAIT-[12] -> TIME-WAIT", err), "synack did not reach TIME-WAIT from FIN-WAIT-1 or -2")
    check("CLOSE-WAIT" not in err, "synack saw the kernel's FIN before it closed")


def case_connect_kernel_closes_first(ns):
    """The kernel sends and closes first; synack closes once it saw the kernel's FIN."""
    mine, theirs = payload(2_000, 4), payload(40_000, 5)
    listener = kernel_listener(KERNEL4, PORT)
    tool = ns.tool(*connect_args("--send-file", data_file(ns, "out", mine), "--trace"))
    conn, _ = kernel_accept(listener)
    conn.sendall(theirs)
    conn.shutdown(socket.SHUT_WR)
    got = recv_to_eof(conn)
    conn.close()
    expect_exit(tool, 0)
    expect_bytes("what the kernel received", got, mine)
    expect_bytes("what synack printed", bytes(tool.out), theirs)
    check("CLOSE-WAIT -> LAST-ACK" in tool.stderr(), "synack did not close from CLOSE-WAIT")


def stop(tool):
    """Stops synack-tun (SIGSTOP) once it has waited in poll(2) for 0.3 s with nothing to do
    (longer than the kernel's delayed ACK), and waits until it is stopped: signals sent from
    then on are all pending when it runs again (SIGCONT), and reach it in poll(2), before
    its loop does anything else."""
    def switches():
        with open(f"/proc/{tool.proc.pid}/status") as f:
            return [line for line in f if "ctxt_switches" in line]

    def waiting_in_poll():
        with open(f"/proc/{tool.proc.pid}/wchan") as f:
            return "poll" in f.read()

    deadline = time.monotonic() + STEP
    while True:
        before = switches()
        time.sleep(0.3)
        if waiting_in_poll() and switches() == before:
            break
        if time.monotonic() > deadline:
            raise HarnessError("synack-tun never waited quietly in poll(2)")
    tool.signal(signal.SIGSTOP)
    deadline = time.monotonic() + STEP
    while not tool.stopped():
        if time.monotonic() > deadline:
            raise HarnessError("synack-tun did not stop")
        time.sleep(0.01)


def simultaneous_close(ns, tool, conn):
    """Both FINs cross: synack is stopped while the kernel closes, then asked to close
    (SIGTERM) before it reads the kernel's FIN. Both must pass through CLOSING."""
    stop(tool)
    conn.shutdown(socket.SHUT_WR)  # the kernel's FIN waits in the device for synack
    check(tcp_state(conn) == "FIN-WAIT-1", f"the kernel is in {tcp_state(conn)} after its close, not FIN-WAIT-1")
    tool.signal(signal.SIGTERM)     # delivered before synack runs again: it closes first, then reads
    tool.signal(signal.SIGCONT)
    got = recv_to_eof(conn)
    deadline = time.monotonic() + STEP
    kernel_states = {tcp_state(conn)}
    while tcp_state(conn) not in ("TIME-WAIT", "CLOSED") and time.monotonic() < deadline:
        time.sleep(0.01)
        kernel_states.add(tcp_state(conn))
    return got, kernel_states


def case_connect_both_close_at_once(ns):
    """synack and the kernel close at once: the FINs cross, both go through CLOSING."""
    listener = kernel_listener(KERNEL4, PORT)
    tool = ns.tool(*connect_args("--send", "hello", "--trace"))
    conn, _ = kernel_accept(listener)
    check(recv_exactly(conn, 5) == b"hello", "the kernel did not receive hello")
    conn.sendall(b"world")
    tool.wait_for("out", b"world")
    got, _ = simultaneous_close(ns, tool, conn)
    conn.close()
    expect_exit(tool, 0)
    check(got == b"", f"the kernel received {len(got)} more bytes")
    check(bytes(tool.out) == b"world", f"synack printed {bytes(tool.out)!r}")
    check("FIN-WAIT-1 -> CLOSING" in tool.stderr() and "CLOSING -> TIME-WAIT" in tool.stderr(),
          "synack did not go FIN-WAIT-1 -> CLOSING -> TIME-WAIT")


def case_connect_synack_half_closes_kernel_sends(ns):
    """synack sends and half-closes; the kernel, having read to the end, sends 200 KB more,
    which synack prints in FIN-WAIT-2; then the kernel closes."""
    mine, theirs = payload(20_000, 6), payload(200_000, 7)
    listener = kernel_listener(KERNEL4, PORT)
    tool = ns.tool(*connect_args("--send-file", data_file(ns, "out", mine), "--half-close", "--trace"))
    conn, _ = kernel_accept(listener)
    got = recv_to_eof(conn)
    conn.sendall(theirs)
    conn.close()
    expect_exit(tool, 0)
    expect_bytes("what the kernel received", got, mine)
    expect_bytes("what synack printed after its FIN", bytes(tool.out), theirs)
    data_after_fin(tool)


def data_after_fin(tool):
    """synack's FIN was acknowledged before the kernel's data came, which synack took in FIN-WAIT-2."""
    err = tool.stderr()
    closed_first(tool)
    check("FIN-WAIT-1 -> FIN-WAIT-2" in err and "FIN-WAIT-2 -> TIME-WAIT" in err,
          "synack did not pass through FIN-WAIT-2 while the kernel sent")


def case_connect_kernel_half_closes_synack_sends(ns):
    """The kernel sends and half-closes; only then does synack's input arrive (200 KB on
    standard input), which it sends in CLOSE-WAIT before it closes."""
    mine, theirs = payload(200_000, 8), payload(1_000, 9)
    listener = kernel_listener(KERNEL4, PORT)
    tool = ns.tool(*connect_args("--trace"), stdin=subprocess.PIPE)
    conn, _ = kernel_accept(listener)
    conn.sendall(theirs)
    conn.shutdown(socket.SHUT_WR)
    tool.wait_for("err", rb"ESTABLISHED -> CLOSE-WAIT")
    writer = threading.Thread(target=lambda: (tool.proc.stdin.write(mine), tool.proc.stdin.close()), daemon=True)
    writer.start()
    got = recv_to_eof(conn)
    writer.join(STEP)
    conn.close()
    expect_exit(tool, 0)
    expect_bytes("what the kernel received after its FIN", got, mine)
    expect_bytes("what synack printed", bytes(tool.out), theirs)


def start_listener(ns, *extra, local=f"{SYNACK4}:{PORT}"):
    tool = ns.tool(*listen_args(*extra, local=local))
    tool.wait_for("err", rb"listening on")
    return tool


def case_listen_data_both_ways(ns):
    """The kernel connects to synack's listener (--echo): 300 KB each way, byte-exact."""
    theirs = payload(300_000, 10)
    tool = start_listener(ns, "--echo")
    conn = kernel_connect(SYNACK4, PORT)
    sender = Sender(conn, theirs)
    got = recv_to_eof(conn)
    sender.finish()
    conn.close()
    expect_exit(tool, 0)
    expect_bytes("the echo the kernel received", got, theirs)
    expect_bytes("what synack printed", bytes(tool.out), theirs)


def case_listen_synack_closes_first(ns):
    """synack's listener sends and closes at once (--send --half-close); the kernel reads to the end and closes."""
    mine = payload(30_000, 11)
    tool = start_listener(ns, "--send-file", data_file(ns, "out", mine), "--half-close", "--trace")
    conn = kernel_connect(SYNACK4, PORT)
    got = recv_to_eof(conn)
    check(tcp_state(conn) == "CLOSE-WAIT", f"the kernel is in {tcp_state(conn)} after synack's FIN, not CLOSE-WAIT")
    conn.close()
    expect_exit(tool, 0)
    expect_bytes("what the kernel received", got, mine)
    closed_first(tool)


def case_listen_kernel_closes_first(ns):
    """The kernel sends and half-closes first; synack echoes everything in CLOSE-WAIT, then closes."""
    theirs = payload(100_000, 12)
    tool = start_listener(ns, "--echo", "--trace")
    conn = kernel_connect(SYNACK4, PORT)
    conn.sendall(theirs)
    conn.shutdown(socket.SHUT_WR)
    got = recv_to_eof(conn)
    conn.close()
    expect_exit(tool, 0)
    expect_bytes("the echo the kernel received", got, theirs)
    check("CLOSE-WAIT -> LAST-ACK" in tool.stderr(), "synack did not close from CLOSE-WAIT")


def case_listen_both_close_at_once(ns):
    """synack's listener and the kernel close at once: the FINs cross, both go through CLOSING."""
    tool = start_listener(ns, "--send", "hi", "--trace")
    conn = kernel_connect(SYNACK4, PORT)
    check(recv_exactly(conn, 2) == b"hi", "the kernel did not receive hi")
    conn.sendall(b"there")
    tool.wait_for("out", b"there")
    got, _ = simultaneous_close(ns, tool, conn)
    conn.close()
    expect_exit(tool, 0)
    check(got == b"", f"the kernel received {len(got)} more bytes")
    check("FIN-WAIT-1 -> CLOSING" in tool.stderr() and "CLOSING -> TIME-WAIT" in tool.stderr(),
          "synack did not go FIN-WAIT-1 -> CLOSING -> TIME-WAIT")


def case_listen_synack_half_closes_kernel_sends(ns):
    """synack's listener sends and half-closes; the kernel then sends 200 KB, which synack prints in FIN-WAIT-2."""
    mine, theirs = payload(5_000, 13), payload(200_000, 14)
    tool = start_listener(ns, "--send-file", data_file(ns, "out", mine), "--half-close", "--trace")
    conn = kernel_connect(SYNACK4, PORT)
    got = recv_to_eof(conn)
    conn.sendall(theirs)
    conn.close()
    expect_exit(tool, 0)
    expect_bytes("what the kernel received", got, mine)
    expect_bytes("what synack printed after its FIN", bytes(tool.out), theirs)
    data_after_fin(tool)


def case_listen_serves_count_connections(ns):
    """--count 3: three kernel connections at once, each echoed byte-exact; then synack exits 0."""
    tool = start_listener(ns, "--echo", "--count", "3")
    results, errors = {}, []

    def client(i):
        try:
            data = payload(60_000, 100 + i)
            conn = kernel_connect(SYNACK4, PORT)
            sender = Sender(conn, data)
            results[i] = (recv_to_eof(conn), data)
            sender.finish()
            conn.close()
        except Exception as e:  # reported below, with the others
            errors.append(f"connection {i}: {e}")

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(STEP * 2)
    check(not errors, "; ".join(errors))
    check(len(results) == 3, f"{len(results)} of 3 connections finished")
    for i, (got, want) in results.items():
        expect_bytes(f"the echo on connection {i}", got, want)
    expect_exit(tool, 0)
    check(len(tool.out) == 180_000, f"synack printed {len(tool.out)} bytes, expected 180000")


def case_refused(ns):
    """Nobody listens on the kernel's port: the kernel answers the SYN with a RST, synack reports refused (5)."""
    tool = ns.tool(*connect_args("--send", "hello", peer=f"{KERNEL4}:{PORT + 1}"))
    expect_exit(tool, 5)
    check("refused" in tool.stderr(), "synack did not say refused")


def case_reset_by_kernel(ns):
    """The kernel aborts (SO_LINGER 0: a RST) while synack waits for more: synack reports reset (4)."""
    listener = kernel_listener(KERNEL4, PORT)
    tool = ns.tool(*connect_args("--send", "hello"))
    conn, _ = kernel_accept(listener)
    check(recv_exactly(conn, 5) == b"hello", "the kernel did not receive hello")
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    expect_exit(tool, 4)
    check("reset by peer" in tool.stderr(), "synack did not say reset by peer")


def case_listen_reset_by_kernel(ns):
    """A kernel client aborts (SO_LINGER 0) a connection to synack's listener: synack reports reset (4)."""
    tool = start_listener(ns, "--echo")
    conn = kernel_connect(SYNACK4, PORT)
    conn.sendall(b"ping")
    check(recv_exactly(conn, 4) == b"ping", "the kernel did not get its echo")
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    expect_exit(tool, 4)
    check("reset by peer" in tool.stderr(), "synack did not say reset by peer")


def case_second_signal_aborts(ns):
    """A second signal while the first one's close is under way aborts: synack sends a RST,
    the kernel's recv() fails with ECONNRESET, and synack-tun exits 1 (aborted)."""
    listener = kernel_listener(KERNEL4, PORT)
    tool = ns.tool(*connect_args("--send", "hello", "--trace"))
    conn, _ = kernel_accept(listener)
    check(recv_exactly(conn, 5) == b"hello", "the kernel did not receive hello")
    stop(tool)
    tool.signal(signal.SIGINT)   # two different signals, so that both are delivered on SIGCONT
    tool.signal(signal.SIGTERM)
    tool.signal(signal.SIGCONT)
    try:
        data = conn.recv(100)
        raise CaseFailed(f"the kernel's recv() returned {data!r} instead of failing with a reset")
    except ConnectionResetError:
        pass
    expect_exit(tool, 1)
    check("aborted" in tool.stderr(), "synack did not say aborted")


def case_device_removed(ns):
    """The device is deleted while synack-tun is connected through it: it says the device
    is gone and exits 3 (device error) at once, instead of waiting on a dead descriptor."""
    listener = kernel_listener(KERNEL4, PORT)
    tool = ns.tool(*connect_args("--send", "hello"))
    conn, _ = kernel_accept(listener)
    check(recv_exactly(conn, 5) == b"hello", "the kernel did not receive hello")
    check_capture(ns.stop_capture(), SYNACK4, required=False)  # tcpdump would lose the device too
    run(["ip", "link", "del", DEVICE])
    expect_exit(tool, 3, timeout=5)
    check("gone" in tool.stderr(), "synack-tun did not say the device is gone")
    conn.close()


def case_not_a_tun_device(ns):
    """--dev names a device that is not a TUN device (the namespace's loopback): synack-tun
    says so and exits 3 (device error), leaving the device as it was."""
    before = run(["ip", "-o", "link", "show", "lo"]).stdout
    tool = ns.tool("connect", "--dev", "lo", "--local", SYNACK4, "--peer", f"{KERNEL4}:{PORT}")
    expect_exit(tool, 3)
    check("not a TUN device" in tool.stderr(), "synack-tun did not say lo is not a TUN device")
    check(run(["ip", "-o", "link", "show", "lo"]).stdout == before, "lo changed")


def case_timed_out(ns):
    """No host answers (10.77.0.9 is nobody's; the kernel does not forward): synack's SYN
    retransmissions run out (--retries 2, --rto 200: 0.2 + 0.4 + 0.8 s) and it reports timed out (6)."""
    start = time.monotonic()
    tool = ns.tool("connect", "--dev", DEVICE, "--local", SYNACK4, "--peer", "10.77.0.9:80", "--retries", "2",
                   "--rto", "200", "--trace")
    expect_exit(tool, 6)
    elapsed = time.monotonic() - start
    syns = len(re.findall(r"out \S+ > 10\.77\.0\.9:80 S ", tool.stderr()))
    check(syns == 3, f"synack sent {syns} SYNs, expected 1 + 2 retransmissions")
    check(1.3 <= elapsed <= 5.0, f"synack gave up after {elapsed:.2f} s, expected about 1.4 s")


def case_ipv6_data_both_ways(ns):
    """IPv6 framing: synack (fd77::2) connects to a kernel listener on fd77::1; 300 KB each way."""
    case_connect_data_both_ways(ns, address=KERNEL6, local=SYNACK6, peer=f"[{KERNEL6}]:{PORT}")


def created_device_serves(ns, kernel, synack, extra):
    """synack-tun creates the device synack1, gives the kernel `kernel` on it, serves one kernel
    connection to `synack` port 7 (echo), and the device is gone once it exits."""
    name = "synack1"
    check(run(["ip", "link", "show", name], check_status=False).returncode != 0, f"{name} exists already")
    local = f"[{synack}]:7" if ":" in synack else f"{synack}:7"
    tool = ns.tool("listen", "--dev", name, "--local", local, "--kernel-address", *extra, "--echo")
    tool.wait_for("err", rb"listening on")
    ns.start_capture(name)
    conn = kernel_connect(synack, 7)
    check(conn.getsockname()[0] == kernel, f"the kernel connected from {conn.getsockname()[0]}, not {kernel}")
    conn.sendall(b"new device")
    conn.shutdown(socket.SHUT_WR)
    got = recv_to_eof(conn)
    conn.close()
    expect_exit(tool, 0)
    check(got == b"new device", f"the kernel received {got!r}")
    check(run(["ip", "link", "show", name], check_status=False).returncode != 0,
          f"{name} is still there after synack-tun exited")
    return synack


def case_creates_missing_device(ns):
    """With no device of that name, synack-tun creates one, gives the kernel its IPv4 address
    point-to-point (--kernel-address 10.78.0.1), serves a kernel connection on it, and the
    device is gone after it exits."""
    return created_device_serves(ns, "10.78.0.1", "10.78.0.2", ["10.78.0.1"])


def case_creates_missing_device_ipv6(ns):
    """The same with IPv6: the kernel's address fd78::1/64 on the device synack-tun creates."""
    return created_device_serves(ns, "fd78::1", "fd78::2", ["fd78::1/64"])


def netem_available():
    result = run(["tc", "qdisc", "add", "dev", DEVICE, "root", "netem", "loss", "20%"], check_status=False)
    return result.returncode == 0, result.stderr.decode(errors="replace").strip()


def kernel_retransmissions(conn):
    """tcpi_total_retrans of the kernel's socket (struct tcp_info, offset 100)."""
    info = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return struct.unpack_from("I", info, 100)[0]


def lossy_exchange(ns, *extra):
    """The handshake, 8 KB each way and the teardown, through 20% loss. synack keeps no
    out-of-order segments and retransmits one segment per timeout (of at least 1 s, RFC
    6298 2.4), so the data is kept small: what this checks is that every step recovers."""
    mine, theirs = payload(8_000, 20), payload(8_000, 21)
    listener = kernel_listener(KERNEL4, PORT)
    listener.settimeout(LOSSY_STEP)
    tool = ns.tool(*connect_args("--send-file", data_file(ns, "out", mine), "--half-close", "--trace", *extra))
    conn, _ = kernel_accept(listener)
    conn.settimeout(LOSSY_STEP)  # backed-off retransmissions take longer
    sender = Sender(conn, theirs)
    got = recv_to_eof(conn)
    sender.finish(LOSSY_STEP)
    kernel_retransmitted = kernel_retransmissions(conn)
    conn.close()
    expect_exit(tool, 0, timeout=LOSSY_STEP)
    expect_bytes("what the kernel received", got, mine)
    expect_bytes("what synack printed", bytes(tool.out), theirs)
    retransmitted = re.search(r"(\d+) retransmitted", tool.stderr())
    synack_retransmitted = int(retransmitted.group(1)) if retransmitted else 0
    print(f"retransmissions: synack {synack_retransmitted}, kernel {kernel_retransmitted}", flush=True)
    check(synack_retransmitted + kernel_retransmitted > 0, "nothing was retransmitted through 20% loss")
    return tool


def case_loss_netem(ns):
    """tc netem drops 20% of the device's traffic toward synack; the exchange completes by retransmission."""
    ok, why = netem_available()
    if not ok:
        raise SkipCase(f"tc qdisc ... netem loss 20% is not available in this kernel ({why})")
    lossy_exchange(ns)


def case_loss_injected(ns):
    """synack-tun --drop 0.2 loses 20% of the frames both ways (the kernel here has no netem);
    the handshake, data and teardown complete by both stacks' retransmissions."""
    tool = lossy_exchange(ns, "--drop", "0.2", "--seed", "7")
    dropped = re.search(r"(\d+) frames dropped in, (\d+) out", tool.stderr())
    check(dropped and int(dropped.group(1)) > 0 and int(dropped.group(2)) > 0, "no frame was dropped each way")


def case_listen_loss_injected(ns):
    """synack's listener with --drop 0.2 (20% of the frames lost both ways): the kernel
    connects, sends 8 KB and half-closes; the handshake, synack's echo and both FINs get
    through by retransmission, and the listener exits 0."""
    theirs = payload(8_000, 22)
    tool = start_listener(ns, "--echo", "--trace", "--drop", "0.2", "--seed", "11")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(LOSSY_STEP)
    s.connect((SYNACK4, PORT))
    sender = Sender(s, theirs)
    got = recv_to_eof(s)
    sender.finish(LOSSY_STEP)
    kernel_retransmitted = kernel_retransmissions(s)
    s.close()
    expect_exit(tool, 0, timeout=LOSSY_STEP)
    expect_bytes("the echo the kernel received", got, theirs)
    retransmitted = re.search(r"(\d+) retransmitted", tool.stderr())
    synack_retransmitted = int(retransmitted.group(1)) if retransmitted else 0
    print(f"retransmissions: synack {synack_retransmitted}, kernel {kernel_retransmitted}", flush=True)
    check(synack_retransmitted + kernel_retransmitted > 0, "nothing was retransmitted through 20% loss")


def case_pcap_clean(ns):
    """A whole exchange (options, 60 KB each way, teardown) recorded twice: by synack-tun
    itself (--pcap) and by tcpdump on the device. In both, tshark finds no malformed packet
    and no bad checksum, and both hold the same TCP packets. Needs tcpdump and tshark."""
    if not ns.dumper:
        raise SkipCase("tcpdump is not installed (Debian: tcpdump)")
    if not shutil.which("tshark"):
        raise SkipCase("tshark is not installed (Debian: tshark)")
    own = os.path.join(ns.work, f"{ns.args.case}.synack.pcap")
    case_connect_data_both_ways(ns, extra=("--pcap", own), size=60_000)
    recorded = check_capture(own, SYNACK4, required=True)
    dumped = check_capture(ns.stop_capture(), SYNACK4, required=True)
    if ns.capture_dropped:
        print("tcpdump lost packets: the two captures are not compared", flush=True)
    else:
        check(recorded == dumped, f"synack recorded {recorded} TCP packets, tcpdump saw {dumped} on the device")


def case_full_mss_segments_with_timestamps(ns):
    """The MSS Linux announces on a 1500-byte link (1460), timestamps on: synack's full
    segments carry 1448 bytes of data and 12 of options (RFC 9293 3.7.1), so they fit
    the MTU and the data arrives."""
    mine = payload(20_000, 30)
    listener = kernel_listener(KERNEL4, PORT)
    tool = ns.tool(*connect_args("--send-file", data_file(ns, "out", mine), "--half-close", "--mss", "1460",
                                 "--retries", "3", "--rto", "200"))
    conn, _ = kernel_accept(listener)
    conn.settimeout(8)
    data = bytearray()
    try:
        while chunk := conn.recv(65536):
            data += chunk
    except socket.timeout:
        pass
    conn.close()
    status = tool.wait(STEP)
    print(tool.stderr(), end="", flush=True)
    expect_bytes("what the kernel received", bytes(data), mine)
    check(status == 0, f"synack-tun exited {status}")


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}
# Cases with no traffic on synack0 to capture (the device synack-tun creates is captured by the case itself).
NO_CAPTURE = {"creates_missing_device", "creates_missing_device_ipv6", "not_a_tun_device"}


# ---------------------------------------------------------------------------
# running a case inside the namespace

def show_tool_output(ns):
    for t in ns.tools:
        if t.err:
            print(f"--- synack-tun stderr, the end ({' '.join(t.args[1:])}):\n{t.stderr()[-6000:]}", flush=True)


def inside(args):
    ns = Namespace(args)
    def over_time(*_):
        raise HarnessError(f"the case ran over {CASE_LIMIT} s")

    signal.signal(signal.SIGALRM, over_time)
    signal.alarm(CASE_LIMIT)
    try:
        run(["ip", "link", "set", "lo", "up"])
        ns.make_device()
        if args.case not in NO_CAPTURE:
            ns.start_capture()
        synack_address = CASES[args.case](ns) or (SYNACK6 if args.case.startswith("ipv6") else SYNACK4)
        pcap = ns.stop_capture()
        if pcap:  # still capturing: the case did not check the capture itself
            check_capture(pcap, synack_address, required=False)
        return 0
    except SkipCase as e:
        print(f"SKIPPED: {e}", flush=True)
        return SKIP
    except CaseFailed as e:
        print(f"FAILED: {e}", flush=True)
        show_tool_output(ns)
        return 1
    except (HarnessError, subprocess.TimeoutExpired, OSError) as e:
        print(f"ERROR (the harness, not the case): {e}", flush=True)
        show_tool_output(ns)
        return 2
    finally:
        signal.alarm(0)
        ns.cleanup()


# ---------------------------------------------------------------------------
# outside: checks, the namespace's life, and the verdict

def skip_reason():
    if sys.platform != "linux":
        return "TUN devices are a Linux interface"
    if os.geteuid() != 0:
        return "needs root (network namespaces and TUN devices)"
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing (no TUN driver)"
    if not shutil.which("ip"):
        return "iproute2's ip is not installed"
    return None


def outside(args):
    reason = skip_reason()
    if reason:
        print(f"SKIPPED: {reason}", flush=True)
        return SKIP
    name = f"synack-{os.getpid()}"
    created = False

    def stop(signum, _):
        raise SystemExit(f"stopped by signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    try:
        result = subprocess.run(["ip", "netns", "add", name], capture_output=True, timeout=STEP)
        if result.returncode != 0:
            print(f"SKIPPED: cannot create a network namespace: {result.stderr.decode(errors='replace').strip()}")
            return SKIP
        created = True
        os.makedirs(args.work, exist_ok=True)
        cmd = ["ip", "netns", "exec", name, sys.executable, os.path.abspath(__file__), "--inside",
               "--tool", os.path.abspath(args.tool), "--work", os.path.abspath(args.work), args.case]
        try:
            status = subprocess.run(cmd, timeout=CASE_LIMIT + 30).returncode
        except subprocess.TimeoutExpired:
            print(f"ERROR: the case did not end within {CASE_LIMIT + 30} s", flush=True)
            status = 2
    finally:
        if created:
            # End what still runs in the namespace (only processes this test started live there), then remove it.
            pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, timeout=STEP).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=STEP)
    if args.expect_failure:
        if status == 1:
            print("EXPECTED FAILURE: this case shows a known bug (see tools/tun/CMakeLists.txt)")
            return 0
        if status == 0:
            print("UNEXPECTEDLY PASSED: the bug is fixed; take this case off the expected failures")
            return 1
        return status if status == SKIP else 1
    return 0 if status == 0 else SKIP if status == SKIP else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tool", help="the synack-tun program")
    parser.add_argument("--work", default="interop-work", help="folder for captures and data files")
    parser.add_argument("--expect-failure", action="store_true", help="the case shows a known bug")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--list", action="store_true", help="list the cases")
    parser.add_argument("case", nargs="?", choices=sorted(CASES))
    args = parser.parse_args()
    if args.list:
        for name, fn in CASES.items():
            print(f"{name}: {' '.join(fn.__doc__.split())}")
        return 0
    if not args.case or not args.tool:
        parser.error("a case and --tool are required")
    return inside(args) if args.inside else outside(args)


if __name__ == "__main__":
    sys.exit(main())
