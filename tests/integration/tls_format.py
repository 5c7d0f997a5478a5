#!/usr/bin/python3
"""Dust connections of the built-in `tls` model as a censor's parser sees
them (docs/protocol.md, "The TLS format").

Real programs: a real nginx serves HTTP on loopback; `dust server` (-t
nginx) and `dust client` run with an invite of `-m tls --sni
www.example.org` (both ends then expect that server_name); tcpdump records
the Dust port while CONNS GETs and one 4 MB download (sha256 checked) go
through the tunnel, as streams of one session.  Engine-made: CONNS more
connections from tests/tools/tlsformat_tool (the engine with the same
model, a marked client and a server requiring the mark: handshake, a
request, an answer), written as TCP connections into a pcap (no packet
leaves the process).  Then, on both captures, with Debian's tshark and a
big-integer reference of Curve25519 (tests/ref/curve_ref.py):
  1. tcpdump dropped no packet; tshark finds no malformed packet and no
     expert info of severity warning or more but TCP's own (a full window,
     a D-SACK: the path's);
  2. every record of every Dust connection is TLS 1.3's: handshake (22)
     only in the first flights, ChangeCipherSpec (20), application data
     (23); each connection has one ClientHello and one ServerHello;
  3. every ClientHello's JA3 (tshark's) and SNI equal those of the model's
     first captured ClientHello (curl's; the SNI the invite's for the real
     programs' capture), and every ServerHello's cipher
     suite and extension types the captured nginx's; the engine-made
     ClientHellos' JA4 (lib/format's; Debian's tshark has none) is the
     learned client's (the tool checks it);
  4. every key share, the client's X and the server's Y, is a canonical
     u-coordinate of a point on the curve (not the twist) in the
     prime-order subgroup, as real X25519 keys are;
  5. over the engine-made connections, the client randoms (which carry
     the mark), client session ids and server randoms look uniform: no
     value repeats, and for each of the 256 bit positions of each field
     the count of ones over the n connections is within 5 standard
     deviations of n/2 (768 tests: a false alarm about once in 2,000
     runs);
  6. `dust model check` (the censor's parse test and the GFW rules of
     docs/detectability.md) finds every engine-made connection parsing as
     TLS 1.3 and exempt.
Exit 0 on success, 77 without nginx, tcpdump, tshark or root, 1 on failure.
"""
import hashlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "ref"))
import curve_ref  # noqa: E402
from pcapsynth import TSHARK, connection, tshark, write_pcap  # noqa: E402
from testlib import exit_fail, free_port, recv_all, stop_procs  # noqa: E402
from testlib import listening, nginx_conf, wait_port  # noqa: E402

DUST = os.path.join(os.environ.get("DUST_BIN", "build/asan/bin"), "dust")
NGINX = "/usr/sbin/nginx"
TCPDUMP = "/usr/bin/tcpdump"
TOOLS = os.environ.get("DUST_TOOLS",
                       os.path.join(ROOT, "build/asan/tests/tools"))
TOOL = os.path.join(TOOLS, "tlsformat_tool")
CONNS = 1000
SEED = 20261208
BIG = 4 * 1024 * 1024
SIGMAS = 5
SNI = "www.example.org"     # dust invite --sni, for the real programs


def web_root(tmp):
    """The pages nginx serves: ${tmp}/www."""
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("<html><body>" + "page " * 60 + "</body></html>\n")
    with open(os.path.join(www, "big.bin"), "wb") as f:
        f.write(random.Random(15).randbytes(BIG))


def get(port, path):
    """GET ${path} through 127.0.0.1:${port}; return the body."""
    with socket.create_connection(("127.0.0.1", port), 30) as s:
        s.settimeout(60)
        s.sendall(b"GET " + path + b" HTTP/1.0\r\nHost: localhost\r\n\r\n")
        resp = recv_all(s)
    head, _, body = resp.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        exit_fail("GET %s: %r" % (path.decode(), head[:60]))
    return body


def traffic(cport):
    """The application connections through the client: streams of one
    session, on one Dust connection."""
    for _ in range(CONNS):
        get(cport, b"/index.html")
    body = get(cport, b"/big.bin")
    with open(os.path.join(os.environ["TLS_WWW"], "big.bin"), "rb") as f:
        if hashlib.sha256(body).digest() != hashlib.sha256(f.read()).digest():
            exit_fail("the 4 MB download differs")
    print("%d GETs and a 4 MB download through -m tls: ok" % CONNS)


def engine_pcap(tmp):
    """The tool's connections as a pcap; return its path."""
    out = subprocess.run([TOOL, str(CONNS), str(SEED)], capture_output=True,
                         text=True, timeout=600)
    if out.returncode != 0:
        exit_fail("tlsformat_tool: " + out.stderr.strip())
    print("engine-made connections: " + out.stderr.strip())
    sends = {}
    for line in out.stdout.splitlines():
        i, side, h = line.split()
        sends.setdefault(int(i), []).append((side == "s", bytes.fromhex(h)))
    packets = []
    for i in sorted(sends):
        packets += connection(i, 443, sends[i])
    pcap = os.path.join(tmp, "engine.pcap")
    write_pcap(pcap, packets)
    return pcap


def fields(pcap, filt, names):
    """tshark's values of ${names} for the packets matching ${filt}, a
    list of tuples (one per packet; multiple values joined by ',')."""
    args = ["-Y", filt, "-T", "fields", "-E", "occurrence=a",
            "-E", "separator=/t"]
    for n in names:
        args += ["-e", n]
    out = tshark(pcap, *args)
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def learned(tmp):
    """tshark's JA3 and SNI of the model's first captured ClientHello, and
    the cipher suite and extension types of its first ServerHello."""
    model = json.load(open(os.path.join(ROOT, "models", "tls.json")))
    ch = bytes.fromhex(model["format"]["client_hellos"][0])
    sf = bytes.fromhex(model["format"]["server_flights"][0])
    pcap = os.path.join(tmp, "learned.pcap")
    write_pcap(pcap, connection(0, 443, [(0, ch), (1, sf)]))
    c = fields(pcap, "tls.handshake.type == 1",
               ["tls.handshake.ja3", "tls.handshake.extensions_server_name"])
    s = fields(pcap, "tls.handshake.type == 2",
               ["tls.handshake.ciphersuite", "tls.handshake.extension.type"])
    return c[0], s[0]


def check_wire(pcap, tmp, sni=None):
    """Checks 1 to 3 on ${pcap} (the SNI ${sni} if given, else the
    model's); return the ClientHellos' and ServerHellos' fields."""
    # Expert infos of warning or error: TCP's own (a full window in bulk
    # transfer, D-SACK on loopback) are the path's, not ours.
    bad = [line for line in tshark(pcap, "-q", "-z", "expert,warn")
           .splitlines() if line.strip() and line.split()[0].isdigit()
           and line.split()[2] != "TCP"]
    bad += tshark(pcap, "-Y", "_ws.malformed").splitlines()
    if bad:
        exit_fail("tshark: malformed packets or expert warnings:\n" +
                  "\n".join(bad[:5]))
    # TLS 1.3's encrypted records are the opaque type to tshark.
    types = fields(pcap, "tls.record", ["tcp.stream",
                                         "tls.record.content_type",
                                         "tls.record.opaque_type"])
    for stream, t, opaque in types:
        got = set(v for v in (t + "," + opaque).split(",") if v)
        if not got or not got <= {"20", "22", "23"}:
            exit_fail("stream %s: record types %s" % (stream, got))
    want_c, want_s = learned(tmp)
    if sni is not None:
        want_c = (want_c[0], sni)
    ch = fields(pcap, "tls.handshake.type == 1", [
        "tcp.stream", "tls.handshake.ja3", "tls.handshake.extensions_server_name",
        "tls.handshake.random", "tls.handshake.session_id",
        "tls.handshake.extensions_key_share_key_exchange"])
    sh = fields(pcap, "tls.handshake.type == 2", [
        "tcp.stream", "tls.handshake.ciphersuite",
        "tls.handshake.extension.type", "tls.handshake.random",
        "tls.handshake.extensions_key_share_key_exchange"])
    streams = set(t[0] for t in types)
    if len(ch) != len(streams) or len(sh) != len(streams) or \
            len(set(c[0] for c in ch)) != len(ch):
        exit_fail("%d connections, %d ClientHellos, %d ServerHellos" %
                  (len(streams), len(ch), len(sh)))
    for c in ch:
        if (c[1], c[2]) != want_c:
            exit_fail("stream %s: JA3 %s SNI %s, learned %s" %
                      (c[0], c[1], c[2], want_c))
    for s in sh:
        if (s[1], s[2]) != want_s:
            exit_fail("stream %s: suite %s extensions %s, learned %s" %
                      (s[0], s[1], s[2], want_s))
    print("%d connections: TLS 1.3 records only, no malformed packet; "
          "JA3 %s, SNI %s; ServerHello suite %s, extensions %s" %
          (len(streams), want_c[0], want_c[1], want_s[0], want_s[1]))
    return ch, sh


def check_model(pcap, tmp):
    """Check 6: dust model check's censor tests on ${pcap}."""
    r = os.path.join(tmp, "report")
    out = subprocess.run([DUST, "model", "check", "tls", pcap, "--port",
                          "443", "-o", r], capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        exit_fail("dust model check: " + out.stderr.strip())
    s = json.load(open(os.path.join(r, "summary.json")))
    print("dust model check: %d connections, %.1f%% parse as TLS 1.3, "
          "%.1f%% exempt from the GFW rules" %
          (s["connections"], 100 * s["tls_parse"], 100 * s["gfw"]["exempt"]))
    if s["connections"] != CONNS or s["tls_parse"] != 1.0 or \
            s["gfw"]["exempt"] != 1.0:
        exit_fail("dust model check: not all parse as TLS 1.3 or exempt")


def check_points(ch, sh):
    """Check 4."""
    for what, rows, col in (("X", ch, 5), ("Y", sh, 4)):
        for r in rows:
            b = bytes.fromhex(r[col].replace(":", ""))
            u = int.from_bytes(b, "little")
            if len(b) != 32 or u >= curve_ref.P:
                exit_fail("stream %s: %s is not a canonical u" % (r[0], what))
            if curve_ref.chi(curve_ref.curve_rhs(u)) != 1:
                exit_fail("stream %s: %s is on the twist" % (r[0], what))
            if not curve_ref.in_prime_subgroup(u):
                exit_fail("stream %s: %s is not in the prime-order "
                          "subgroup" % (r[0], what))
    print("%d client and %d server key shares: on the curve, in the "
          "prime-order subgroup" % (len(ch), len(sh)))


def check_bits(name, values):
    """Check 5 for one field: ${values} are hex strings of 32 bytes."""
    vals = [bytes.fromhex(v.replace(":", "")) for v in values]
    n = len(vals)
    if any(len(v) != 32 for v in vals) or len(set(vals)) != n:
        exit_fail("%s: not %d distinct 32-byte values" % (name, n))
    bound = SIGMAS * (n ** 0.5) / 2
    worst = 0
    for bit in range(256):
        ones = sum((v[bit // 8] >> (bit % 8)) & 1 for v in vals)
        worst = max(worst, abs(ones - n / 2))
        if abs(ones - n / 2) > bound:
            exit_fail("%s: bit %d is 1 in %d of %d (bound +-%.1f)" %
                      (name, bit, ones, n, bound))
    print("%s: %d distinct values, bit counts within +-%.1f of n/2 (worst "
          "%.1f)" % (name, n, bound, worst))


def main():
    for b in (NGINX, TCPDUMP, TSHARK):
        if not os.access(b, os.X_OK):
            print("skipped: %s is not installed" % b)
            return 77
    if os.geteuid() != 0:
        print("skipped: capturing on lo needs root")
        return 77
    tmp = tempfile.mkdtemp(prefix="dust-tlsformat.")
    os.chmod(tmp, 0o755)
    os.environ["TLS_WWW"] = os.path.join(tmp, "www")
    procs = []
    try:
        np_, sp, cp = free_port(), free_port(), free_port()
        log = open(os.path.join(tmp, "log"), "w")
        web_root(tmp)
        procs.append(subprocess.Popen([NGINX, "-c", nginx_conf(tmp, np_),
                                       "-p", tmp], stdout=log, stderr=log))
        wait_port(np_)
        key, inv = os.path.join(tmp, "key"), os.path.join(tmp, "invite")
        subprocess.run([DUST, "keygen", "-k", key], check=True,
                       stdout=subprocess.DEVNULL)
        with open(inv, "w") as f:
            subprocess.run([DUST, "invite", "-k", key, "-a",
                            "127.0.0.1:%d" % sp, "-m", "tls", "--sni", SNI],
                           check=True,
                           stdout=f)
        pcap = os.path.join(tmp, "dust.pcap")
        dump = subprocess.Popen([TCPDUMP, "-i", "lo", "-B", "65536", "-s",
                                 "0", "-w", pcap, "tcp port %d" % sp],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        procs.append(dump)
        procs.append(subprocess.Popen(
            [DUST, "server", "-F", "-s", "127.0.0.1:%d" % sp, "-t",
             "127.0.0.1:%d" % np_, "-k", key, "-i", inv],
            stdout=log, stderr=log))
        procs.append(subprocess.Popen(
            [DUST, "client", "-F", "-s", "127.0.0.1:%d" % cp, "-i", inv],
            stdout=log, stderr=log))
        listening(sp)
        listening(cp)
        time.sleep(0.5)         # tcpdump is listening by now
        traffic(cp)
        time.sleep(1)
        dump.terminate()
        err = dump.communicate(timeout=30)[1]
        if not re.search(r"^0 packets dropped by kernel", err, re.M):
            exit_fail("tcpdump dropped packets: " + err.strip())
        ch, sh = check_wire(pcap, tmp, SNI)
        check_points(ch, sh)
        epcap = engine_pcap(tmp)
        ch, sh = check_wire(epcap, tmp)
        check_points(ch, sh)
        check_model(epcap, tmp)
        check_bits("client random (the mark)", [c[3] for c in ch])
        check_bits("client session id", [c[4] for c in ch])
        check_bits("server random", [s[3] for s in sh])
    finally:
        stop_procs(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
