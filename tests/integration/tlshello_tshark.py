#!/usr/bin/python3
"""Filled TLS 1.3 templates as Wireshark's dissector sees them.

tests/tools/tlshello_tool learns templates (lib/format/tlshello.h) from the
captured curl <-> nginx first flights of tests/vectors/tls13-hellos.txt,
puts the SNI www.example.com in the client's, and fills CONNS connections
with drawn values (seed SEED); the script writes them, and the captured
connections themselves, as TCP connections to port 443 into a pcap (no
packet leaves the process; nothing is sent on any network), and tshark
(Debian's, installed) dissects it.  Checks, for every connection:
  1. no malformed packet and no expert info of severity error;
  2. the client sends a ClientHello and the server a ServerHello, a
     ChangeCipherSpec and application-data records (TLS 1.3's opaque
     type 23), all as TLS;
  3. tshark's JA3 string of each filled ClientHello equals the learned
     client's (tshark's for the captured hello), and equals our own
     lib/format JA3; our JA4 equals the learned client's;
  4. the SNI tshark reads is www.example.com (the captured: localhost).
Exit 0 on success, 77 without tshark, 1 with the first failure named.
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests"))
from pcapsynth import TSHARK, connection, tshark, write_pcap  # noqa: E402
TOOLS = os.environ.get("DUST_TOOLS",
                       os.path.join(ROOT, "build/asan/tests/tools"))
TOOL = os.path.join(TOOLS, "tlshello_tool")
VECTORS = os.path.join(ROOT, "tests", "vectors", "tls13-hellos.txt")
CONNS = 20
SEED = 20261207
SNI = "www.example.com"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    if not os.access(TSHARK, os.X_OK):
        print("skipped: tshark is not installed")
        sys.exit(77)
    out = subprocess.run([TOOL, VECTORS, "curl-", str(CONNS), str(SEED),
                          SNI], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        fail("tlshello_tool: " + out.stderr.strip())
    lines = out.stdout.splitlines()
    _, ja3_learned, ja4_learned = lines[0].split()
    conns = []
    captured = [line.split() for line in open(VECTORS)
                if line.startswith("curl-")]
    for name, side, h in captured:
        if side == "client":
            conns.append(("captured " + name, bytes.fromhex(h), None, None,
                          "localhost"))
        else:
            c = conns[-1]
            conns[-1] = (c[0], c[1], bytes.fromhex(h), None, c[4])
    for line in lines[1:]:
        _, i, ch, sh, ja3, ja4 = line.split()
        if ja3 != ja3_learned or ja4 != ja4_learned:
            fail("conn %s: our JA3/JA4 %s %s, learned %s %s" %
                 (i, ja3, ja4, ja3_learned, ja4_learned))
        conns.append(("filled " + i, bytes.fromhex(ch), bytes.fromhex(sh),
                      ja3, SNI))
    packets = []
    for i, (_, ch, sh, _, _) in enumerate(conns):
        packets += connection(i, 443, ((False, ch), (True, sh)))
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "tls.pcap")
        write_pcap(pcap, packets)
        bad = tshark(pcap, "-Y", "_ws.malformed || _ws.expert.severity >= "
                     "8388608", "-T", "fields", "-e", "frame.number",
                     "-e", "_ws.expert.message")
        if bad.strip():
            fail("malformed or expert errors:\n" + bad)
        rows = tshark(pcap, "-T", "fields", "-E", "separator=|",
                      "-e", "tcp.stream", "-e", "tls.record.content_type",
                      "-e", "tls.record.opaque_type",
                      "-e", "tls.handshake.type",
                      "-e", "tls.handshake.ja3_full",
                      "-e", "tls.handshake.extensions_server_name")
    seen = {}
    for row in rows.splitlines():
        stream, ctypes, otypes, htypes, ja3, sni = row.split("|")
        s = seen.setdefault(int(stream), {"ctypes": set(), "htypes": set(),
                                          "ja3": "", "sni": ""})
        s["ctypes"].update(x for x in (ctypes + "," + otypes).split(",")
                           if x)
        s["htypes"].update(x for x in htypes.split(",") if x)
        s["ja3"] = s["ja3"] or ja3
        s["sni"] = s["sni"] or sni
    ja3_tshark = seen[0]["ja3"]
    if ja3_tshark != ja3_learned:
        fail("tshark's JA3 of the captured hello %s, ours %s" %
             (ja3_tshark, ja3_learned))
    for i, (name, _, _, _, sni) in enumerate(conns):
        s = seen.get(i)
        if s is None:
            fail("%s: tshark saw no TLS" % name)
        if s["ctypes"] != {"20", "22", "23"} or s["htypes"] != {"1", "2"}:
            fail("%s: record types %s, handshake types %s" %
                 (name, sorted(s["ctypes"]), sorted(s["htypes"])))
        if s["ja3"] != ja3_learned:
            fail("%s: tshark's JA3 %s, learned %s" % (name, s["ja3"],
                                                      ja3_learned))
        if s["sni"] != sni:
            fail("%s: SNI %r, not %r" % (name, s["sni"], sni))
    print("%d connections (%d captured, %d filled): ClientHello, "
          "ServerHello, ChangeCipherSpec, application data; no malformed "
          "packet or expert error; JA3 %s = tshark's; JA4 %s" %
          (len(conns), len(captured) // 2, CONNS, ja3_learned, ja4_learned))


main()
