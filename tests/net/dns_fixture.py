#!/usr/bin/python3
"""DNS servers on 127.0.0.1 for simul's DNS tests and benchmark (tests/net/dns.cmake).

    dns_fixture.py start DIR    start the servers, write DIR/servers (KEY=ip:port lines)
    dns_fixture.py stop DIR     stop them

Who does what:
  dnsmasq (Debian's, a real DNS server no one here wrote) serves the zone
  under .test: a name with several A and AAAA records (multi.test), an
  IPv6-only name (v6only.test), a CNAME chain (chain1 -> chain2 -> multi),
  MX (mail.test), SRV (_echo._tcp.test), TXT (txt.test), replies too large
  for UDP (many.test: 60 A records; big.test: 40 TXT records; both come back
  truncated over UDP, so the client must retry over TCP), dual.test
  (127.0.0.1 and ::1, for Happy Eyeballs), v4only.test (127.0.0.1), and NXDOMAIN for any other name
  under .test.
  slow.py (this file, `serve`, on python3-dnslib) answers what dnsmasq cannot
  do on demand: slow6.test (A at once, AAAA 300 ms later), quick6.test (A at
  once, AAAA 20 ms later), servfail.test (SERVFAIL), refused.test (REFUSED),
  badcname.test and loopcname.test (malformed CNAME answers);
  anything else NXDOMAIN. The same process holds a UDP socket that reads and
  drops every query: the server that never answers.

Started once per ctest run (a CTest fixture), not per test: dnsmasq starts in
milliseconds but the Python server needs ~150 ms to import dnslib, and the
DNS tests are ~30 processes.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from_here = os.path.dirname(os.path.abspath(__file__))


def free_port():
    # A port free for both UDP and TCP on 127.0.0.1 (dnsmasq binds both).
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
        except OSError:
            u.close()
            t.close()
            continue
        u.close()
        t.close()
        return port
    raise SystemExit("dns_fixture: no free port")


def dnsmasq_args(port):
    args = [
        "dnsmasq", "--no-daemon", "--port=%d" % port, "--listen-address=127.0.0.1",
        "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
        "--local=/test/", "--pid-file", "--user=root", "--cache-size=0", "--local-ttl=300",
        "--host-record=multi.test,127.0.0.11,fd00::11",
        "--host-record=multi.test,127.0.0.12,fd00::12",
        "--host-record=multi.test,127.0.0.13",
        "--host-record=v6only.test,fd00::6",
        "--host-record=dual.test,127.0.0.1,::1",
        "--host-record=v4only.test,127.0.0.1",
        "--cname=chain1.test,chain2.test",
        "--cname=chain2.test,multi.test",
        "--mx-host=mail.test,mx1.test,10",
        "--mx-host=mail.test,mx2.test,20",
        "--srv-host=_echo._tcp.test,echo.test,7007,1,5",
        "--srv-host=_echo._tcp.test,echo2.test,7008,2,10",
        '--txt-record=txt.test,hello world,second string',
        '--txt-record=txt.test,another record',
    ]
    for i in range(60):
        args.append("--host-record=many.test,10.1.0.%d" % (i + 1))
    for i in range(40):
        args.append('--txt-record=big.test,record %02d %s' % (i, "x" * 40))
    return args


def query_ok(port, name):
    from dnslib import DNSRecord
    q = DNSRecord.question(name)
    try:
        q.send("127.0.0.1", port, timeout=0.2)
        return True
    except Exception:
        return False


def start(d):
    os.makedirs(d, exist_ok=True)
    stop(d, quiet=True)
    port = free_port()
    log = open(os.path.join(d, "dnsmasq.log"), "w")
    dm = subprocess.Popen(dnsmasq_args(port), stdout=log, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, start_new_session=True)
    ready = os.path.join(d, "slow.ready")
    if os.path.exists(ready):
        os.unlink(ready)
    slog = open(os.path.join(d, "slow.log"), "w")
    sp = subprocess.Popen([sys.executable, os.path.abspath(__file__), "serve", ready], stdout=slog,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    with open(os.path.join(d, "pids"), "w") as f:
        f.write("%d %d\n" % (dm.pid, sp.pid))
    deadline = time.time() + 10
    while time.time() < deadline:
        if dm.poll() is not None:
            raise SystemExit("dns_fixture: dnsmasq exited: " + open(os.path.join(d, "dnsmasq.log")).read())
        if query_ok(port, "multi.test") and os.path.exists(ready):
            break
        time.sleep(0.02)
    else:
        raise SystemExit("dns_fixture: the servers did not come up within 10 s")
    slow_port, hole_port = open(ready).read().split()
    with open(os.path.join(d, "servers"), "w") as f:
        f.write("DNSMASQ=127.0.0.1:%d\n" % port)
        f.write("SLOW=127.0.0.1:%s\n" % slow_port)
        f.write("BLACKHOLE=127.0.0.1:%s\n" % hole_port)
    print("dns_fixture: dnsmasq on 127.0.0.1:%d, slow.py on %s, blackhole on %s" % (port, slow_port, hole_port))


def stop(d, quiet=False):
    p = os.path.join(d, "pids")
    if not os.path.exists(p):
        return
    for pid in open(p).read().split():
        try:
            os.kill(int(pid), signal.SIGTERM)
        except ProcessLookupError:
            pass
    os.unlink(p)
    if not quiet:
        print("dns_fixture: stopped")


def serve(ready):
    from dnslib import AAAA, A, QTYPE, RCODE, RR, DNSRecord
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hole.bind(("127.0.0.1", 0))
    lock = threading.Lock()

    def send_later(delay, data, peer):
        def go():
            with lock:
                sock.sendto(data, peer)
        threading.Timer(delay, go).start()

    def drop():
        while True:
            hole.recvfrom(4096)  # the server that never answers

    threading.Thread(target=drop, daemon=True).start()
    tmp = ready + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (sock.getsockname()[1], hole.getsockname()[1]))
    os.rename(tmp, ready)
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            req = DNSRecord.parse(data)
        except Exception:
            continue
        name = str(req.q.qname).rstrip(".").lower()
        qtype = req.q.qtype
        reply = req.reply()
        delay = 0.0
        if name in ("slow6.test", "quick6.test"):
            if qtype == QTYPE.A:
                reply.add_answer(RR(req.q.qname, QTYPE.A, rdata=A("127.0.0.1"), ttl=60))
            elif qtype == QTYPE.AAAA:
                reply.add_answer(RR(req.q.qname, QTYPE.AAAA, rdata=AAAA("::1"), ttl=60))
                delay = 0.3 if name == "slow6.test" else 0.02
        elif name in ("badcname.test", "loopcname.test"):
            # Malformed replies, for the hand-written CNAME parser: an answer
            # whose rdlength runs past the end of the message, or whose
            # target is a compression pointer to itself.
            import struct
            head = struct.pack("!HHHHHH", req.header.id, 0x8180, 1, 1, 0, 0)
            question = data[12:]  # the question as the client sent it (c-ares adds nothing after it)
            if name == "badcname.test":
                answer = struct.pack("!HHHIH", 0xC00C, 5, 1, 60, 200) + b"\x03abc"
            else:
                at = 12 + len(question) + 12  # where the rdata starts
                answer = struct.pack("!HHHIH", 0xC00C, 5, 1, 60, 2) + struct.pack("!H", 0xC000 | at)
            with lock:
                sock.sendto(head + question + answer, peer)
            continue
        elif name == "servfail.test":
            reply.header.rcode = RCODE.SERVFAIL
        elif name == "refused.test":
            reply.header.rcode = RCODE.REFUSED
        else:
            reply.header.rcode = RCODE.NXDOMAIN
        out = reply.pack()
        if delay:
            send_later(delay, out, peer)
        else:
            with lock:
                sock.sendto(out, peer)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop", "serve"):
        raise SystemExit(__doc__)
    {"start": start, "stop": stop, "serve": serve}[sys.argv[1]](sys.argv[2])
