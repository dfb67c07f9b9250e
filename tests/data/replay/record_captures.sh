#!/usr/bin/env bash
# Re-records the Linux captures synack-replay is tested on (root; iproute2, tcpdump, python3).
# Each is one TCP connection between two python3 sockets on the loopback device of a
# network namespace this script creates and removes, so no traffic leaves it. The
# namespace's loopback has a 1500-byte MTU and no segmentation offload above it, so
# segments are captured as a 1500-byte link carries them.
#   hello.pcap               "hello" and "HELLO", the client half-closes first, then the server
#   hello_ipv6.pcap          the same over ::1
#   server_closes_first.pcap the server greets and closes at once; the client reads, then closes
#   transfer.pcap            20000 bytes to the server in one write, "ok" back, the client closes first
#   reset.pcap               the server aborts (SO_LINGER 0) after reading: RST
#   refused.pcap             nobody listens: the SYN is answered with RST,ACK
# After re-recording, review what synack-replay prints for each and update the .expected
# files beside them (see tools/replay/README.section.md).
set -euo pipefail
cd "$(dirname "$0")"
ns=synack-replay-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link set dev lo mtu 1500
ip -n "$ns" link set dev lo gso_max_size 1500

capture() { # capture FILE SCENARIO CLIENT-PORT
    local file=$1 scenario=$2 client_port=$3 log
    log=$(mktemp)
    # --immediate-mode: packets reach the file at once, not when a buffer block retires;
    # -B: a buffer large enough that the kernel drops none of a burst
    ip netns exec "$ns" tcpdump --immediate-mode -B 32768 -U -s 0 -i lo -w "$file" tcp 2>"$log" &
    local pid=$!
    until grep -q "listening on" "$log"; do sleep 0.05; done
    sleep 0.5 # the message comes a moment before packets do
    ip netns exec "$ns" python3 - "$scenario" "$client_port" <<'PY'
import socket, struct, sys, threading, time
scenario = sys.argv[1]
client_port = int(sys.argv[2])
port = 8080
family, host = socket.AF_INET, "127.0.0.1"
if scenario.endswith("_ipv6"):
    scenario = scenario[:-len("_ipv6")]
    family, host = socket.AF_INET6, "::1"
srv = None
if scenario != "refused":
    srv = socket.socket(family)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(1)

def read_all(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk

def serve():
    c, _ = srv.accept()
    if scenario == "hello":
        c.recv(100); time.sleep(0.05); c.sendall(b"HELLO"); read_all(c)
    elif scenario == "server_closes_first":
        c.sendall(b"welcome")
    elif scenario == "transfer":
        n = 0
        while n < 20000:
            n += len(c.recv(65536))
        c.sendall(b"ok"); read_all(c)
    elif scenario == "reset":
        c.recv(100)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()

if srv:
    t = threading.Thread(target=serve); t.start()
time.sleep(0.05)
c = socket.socket(family)
c.bind((host, client_port))
try:
    c.connect((host, port))
except ConnectionRefusedError:
    sys.exit(0)
if scenario == "hello":
    c.sendall(b"hello"); c.recv(100); time.sleep(0.05); c.shutdown(socket.SHUT_WR); read_all(c)
elif scenario == "server_closes_first":
    read_all(c)
elif scenario == "transfer":
    c.sendall(b"x" * 20000); c.recv(100); time.sleep(0.05); c.shutdown(socket.SHUT_WR); read_all(c)
elif scenario == "reset":
    c.sendall(b"please reset")
    try:
        read_all(c)
    except ConnectionResetError:
        pass
time.sleep(0.05)
c.close()
t.join()
PY
    sleep 0.3
    kill "$pid"; wait "$pid" || true
    if ! grep -q "^0 packets dropped by kernel" "$log"; then
        cat "$log" >&2
        echo "$file: the kernel dropped packets before tcpdump saw them; run again" >&2
        exit 1
    fi
    rm -f "$log"
}

port=40001
for scenario in hello server_closes_first transfer reset refused hello_ipv6; do
    capture "$scenario.pcap" "$scenario" "$port"
    port=$((port + 1))
done
chmod a+r ./*.pcap
ls -l ./*.pcap
