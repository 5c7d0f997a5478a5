"""A small real DNS server (UDP) for proxy_chain.sh: proxymuxd's resolver
(evdns, pointed here with --resolv-conf) asks it over the network.

  web.test     A 127.0.0.1        (allowed by the test's policy)
  denied.test  A 10.9.8.7         (denied: private; never connected to)
  slow.test    no answer at all   (the resolve times out)
  anything else NXDOMAIN
AAAA questions for the first two get an empty answer (NODATA).
"""
import socket
import struct
import sys

ZONE = {"web.test": "127.0.0.1", "denied.test": "10.9.8.7"}

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    q, peer = s.recvfrom(2048)
    if len(q) < 12:
        continue
    qid, flags, qd = struct.unpack(">HHH", q[:6])
    i, labels = 12, []
    while i < len(q) and q[i] != 0:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    i += 1
    if i + 4 > len(q):
        continue
    qtype = struct.unpack(">H", q[i:i + 2])[0]
    question = q[12:i + 4]
    name = ".".join(labels).lower()
    print("query", name, qtype, flush=True)
    if name == "slow.test":
        continue
    answers = b""
    rcode = 3
    if name in ZONE:
        rcode = 0
        if qtype == 1:
            answers = struct.pack(">HHHIH", 0xc00c, 1, 1, 60, 4) + \
                socket.inet_aton(ZONE[name])
    hdr = struct.pack(">HHHHHH", qid, 0x8180 | rcode, 1,
                      1 if answers else 0, 0, 0)
    s.sendto(hdr + question + answers, peer)
