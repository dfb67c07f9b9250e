#!/usr/bin/env bash
# Re-records the kernel captures in this folder (root; iproute2, tcpdump, python3).
# Every capture is made inside network namespaces this script creates and removes,
# so traffic never leaves them:
#   kernel_ipv4.pcap     loopback (Ethernet link type): handshakes with options, data both
#                        ways, FIN teardown, an abort (RST), a refused connection, and a
#                        transfer under 10% loss (SACK blocks)
#   kernel_ipv6.pcap     the same over ::1
#   kernel_cooked.pcap   Linux cooked (SLL) capture of IPv4 traffic
#   kernel_veth.pcap     Ethernet between two namespaces over a veth pair
set -euo pipefail
cd "$(dirname "$0")"
ns=synack-rec-$$
peer=synack-peer-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; ip netns del "$peer" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip netns add "$peer"
ip -n "$ns" link set lo up

traffic() { # traffic ADDRESS
    ip netns exec "$ns" python3 - "$1" <<'PY'
import socket, struct, sys, threading, time
addr = sys.argv[1]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
srv = socket.socket(fam, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, 8080)); srv.listen(8)
def serve():
    for _ in range(3):
        c, _ = srv.accept()
        data = b""
        while True:
            chunk = c.recv(65536)
            if not chunk: break
            data += chunk
            if data.endswith(b"ABORT"):
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); break
            c.sendall(b"echo:" + chunk[:64])
        c.close()
t = threading.Thread(target=serve); t.start()
# 1: a short exchange and an orderly close
c = socket.create_connection((addr, 8080)); c.sendall(b"hello"); c.recv(100); c.shutdown(socket.SHUT_WR); c.recv(100); c.close()
# 2: the server aborts (SO_LINGER 0 sends RST)
c = socket.create_connection((addr, 8080)); c.sendall(b"please ABORT"); time.sleep(0.2)
try: c.recv(100)
except OSError: pass
c.close()
# 3: a bulk transfer (under loss where the caller set netem)
c = socket.create_connection((addr, 8080)); c.sendall(b"x" * 20000); c.shutdown(socket.SHUT_WR)
while c.recv(65536): pass
c.close()
t.join()
# 4: refused: nobody listens on 8081
try: socket.create_connection((addr, 8081), timeout=2)
except OSError: pass
PY
}

capture() { # capture FILE NAMESPACE TCPDUMP-ARGS... -- COMMAND...
    local file=$1 where=$2; shift 2
    local args=()
    while [ "$1" != "--" ]; do args+=("$1"); shift; done; shift
    ip netns exec "$where" tcpdump -U -w "$file" "${args[@]}" tcp 2>/dev/null &
    local pid=$!
    sleep 1
    "$@"
    sleep 1
    kill "$pid"; wait "$pid" || true
}

ip netns exec "$ns" tc qdisc add dev lo root netem loss 10% 2>/dev/null || echo "netem unavailable: no loss, fewer SACK blocks" >&2
capture kernel_ipv4.pcap "$ns" -i lo -- traffic 127.0.0.1
capture kernel_ipv6.pcap "$ns" -i lo -- traffic ::1
ip netns exec "$ns" tc qdisc del dev lo root 2>/dev/null || true
capture kernel_cooked.pcap "$ns" -i any -y LINUX_SLL -- traffic 127.0.0.1

ip link add veth-rec-$$ netns "$ns" type veth peer name veth-peer-$$ netns "$peer"
ip -n "$ns" addr add 192.0.2.1/24 dev veth-rec-$$
ip -n "$peer" addr add 192.0.2.2/24 dev veth-peer-$$
ip -n "$ns" link set veth-rec-$$ up
ip -n "$peer" link set veth-peer-$$ up
ip -n "$peer" link set lo up
ip netns exec "$peer" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("192.0.2.2", 8080)); s.listen(1)
c, _ = s.accept(); c.sendall(c.recv(100)); c.close()' &
server=$!
sleep 0.5
capture kernel_veth.pcap "$ns" -i veth-rec-$$ -- ip netns exec "$ns" python3 -c '
import socket
c = socket.create_connection(("192.0.2.2", 8080)); c.sendall(b"over veth"); c.recv(100); c.close()'
wait $server || true
ls -l ./*.pcap
