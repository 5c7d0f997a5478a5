#!/usr/bin/python3
"""Filled SSH connection-start templates as Wireshark's dissector sees them.

tests/tools/sshhello_tool learns templates (lib/format/sshhello.h) from the
captured OpenSSH starts of tests/vectors/ssh-hellos.txt, for each kind of
connection captured there (ssh's defaults: sntrup761x25519-sha512 and
chacha20-poly1305; curve25519-sha256; aes128-gcm), and fills CONNS
connections of each with drawn values (seed SEED); the script writes them,
and the captured connections themselves, as TCP connections to port 22
into a pcap (no packet leaves the process; nothing is sent on any network),
and tshark (Debian's, installed) dissects it.  Checks, for every
connection:
  1. no malformed packet, and no expert info of severity error but those
     tshark also gives the captured OpenSSH connections of the same kind
     (Debian 12's Wireshark 4.0 flags every real sntrup761x25519-sha512
     Q_C: "Invalid key length: 1190");
  2. both sides' identification lines are OpenSSH's, and tshark reads the
     messages KEXINIT (20), the key exchange (30 from the client, 31 from
     the server) and NEWKEYS (21) as SSH;
  3. tshark's hasshAlgorithms and hasshServerAlgorithms strings equal the
     learned client's and server's (tshark's for the captured starts), and
     equal our own lib/format HASSH strings.
Exit 0 on success, 77 without tshark, 1 with the first failure named.
"""
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests"))
from pcapsynth import TSHARK, connection, tshark, write_pcap  # noqa: E402
TOOLS = os.environ.get("DUST_TOOLS",
                       os.path.join(ROOT, "build/asan/tests/tools"))
TOOL = os.path.join(TOOLS, "sshhello_tool")
VECTORS = os.path.join(ROOT, "tests", "vectors", "ssh-hellos.txt")
KINDS = ["openssh-", "x25519-", "gcm-"]
CONNS = 10
SEED = 20261207


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def pieces(start):
    """The identification line, KEXINIT, the key exchange message and
    NEWKEYS with what follows, of one side's start."""
    p = start.index(b"\r\n") + 2
    out = [start[:p]]
    for _ in range(2):
        n = 4 + struct.unpack("!I", start[p:p + 4])[0]
        out.append(start[p:p + n])
        p += n
    out.append(start[p:])
    return out


def ssh_connection(i, client, server):
    """The packets of connection ${i} in OpenSSH's order: TCP handshake,
    the server's identification line, the client's, the KEXINITs, Q_C, the
    server's reply and NEWKEYS, the client's NEWKEYS.  The encrypted bytes
    after NEWKEYS are left out: Debian 12's Wireshark 4.0 reads AES-GCM
    packets as if they were plaintext and calls them malformed, in the
    captured connections as in the filled ones."""
    ci, ck, ce, cn = pieces(client)
    si, sk, se, sn = pieces(server)
    sn = sn[:4 + struct.unpack("!I", sn[:4])[0]]
    cn = cn[:4 + struct.unpack("!I", cn[:4])[0]]
    return connection(i, 22, ((True, si), (False, ci), (False, ck),
                              (True, sk), (False, ce), (True, se + sn),
                              (False, cn)))


def ssh_tshark(pcap, *args):
    return tshark(pcap, "-d", "tcp.port==22,ssh", *args)


def load():
    """Every connection to write: (name, client, server, hassh, server's)."""
    conns, learned = [], {}
    vecs = [line.split() for line in open(VECTORS)
            if not line.startswith("#")]
    for kind in KINDS:
        out = subprocess.run([TOOL, VECTORS, kind, str(CONNS), str(SEED)],
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            fail("sshhello_tool: " + out.stderr.strip())
        lines = out.stdout.splitlines()
        _, hc, hs = lines[0].split()
        learned[kind] = (hc, hs)
        caught = [v for v in vecs if v[0].startswith(kind)]
        for k in range(0, len(caught), 2):
            conns.append(("captured " + caught[k][0], kind,
                          bytes.fromhex(caught[k][2]),
                          bytes.fromhex(caught[k + 1][2])))
        for line in lines[1:]:
            _, i, ch, sh, ohc, ohs = line.split()
            if (ohc, ohs) != (hc, hs):
                fail("%s conn %s: our HASSH strings %s %s, learned %s %s" %
                     (kind, i, ohc, ohs, hc, hs))
            conns.append(("filled %s%s" % (kind, i), kind,
                          bytes.fromhex(ch), bytes.fromhex(sh)))
    return conns, learned


def main():
    if not os.access(TSHARK, os.X_OK):
        print("skipped: tshark is not installed")
        sys.exit(77)
    conns, learned = load()
    packets = []
    for i, (_, _, ch, sh) in enumerate(conns):
        packets += ssh_connection(i, ch, sh)
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "ssh.pcap")
        write_pcap(pcap, packets)
        bad = ssh_tshark(pcap, "-Y", "_ws.malformed", "-T", "fields", "-e",
                     "frame.number")
        if bad.strip():
            fail("malformed packets: frames " + bad.replace("\n", " "))
        errs = ssh_tshark(pcap, "-Y", "_ws.expert.severity >= 8388608", "-T",
                      "fields", "-E", "separator=|", "-E", "aggregator=;",
                      "-e", "tcp.stream",
                      "-e", "_ws.expert.message")
        rows = ssh_tshark(pcap, "-Y", "ssh", "-T", "fields", "-E",
                      "separator=|", "-e", "tcp.stream", "-e", "tcp.srcport",
                      "-e", "ssh.protocol", "-e", "ssh.message_code",
                      "-e", "ssh.kex.hassh_algorithms",
                      "-e", "ssh.kex.hasshserver_algorithms")
    seen = {}
    for row in rows.splitlines():
        stream, sport, proto, codes, hc, hs = row.split("|")
        s = seen.setdefault(int(stream), {"proto": set(), "codes": {},
                                          "hc": "", "hs": ""})
        side = "server" if sport == "22" else "client"
        if proto:
            s["proto"].add(side)
            if not proto.startswith("SSH-2.0-OpenSSH_"):
                fail("stream %s: identification %r" % (stream, proto))
        s["codes"].setdefault(side, set()).update(
            x for x in codes.split(",") if x)
        s["hc"] = s["hc"] or hc
        s["hs"] = s["hs"] or hs
    # Expert errors: a filled connection may have only those the captured
    # OpenSSH connections of its kind have (Debian 12's Wireshark 4.0 says
    # "Invalid key length: 1190" of every real sntrup761x25519 Q_C: its
    # dissector knows only the 32-byte curve25519 keys).
    experts = {}
    for row in errs.splitlines():
        stream, msgs = row.split("|", 1)
        experts.setdefault(int(stream), set()).update(msgs.split(";"))
    real = {}
    for i, (name, kind, _, _) in enumerate(conns):
        if name.startswith("captured"):
            real.setdefault(kind, set()).update(experts.get(i, set()))
    for i, (name, kind, _, _) in enumerate(conns):
        if not experts.get(i, set()) <= real.get(kind, set()):
            fail("%s: expert errors %s (the captured ones: %s)" %
                 (name, sorted(experts[i]), sorted(real.get(kind, set()))))
    for i, (name, kind, _, _) in enumerate(conns):
        s = seen.get(i)
        if s is None:
            fail("%s: tshark saw no SSH" % name)
        if s["proto"] != {"client", "server"}:
            fail("%s: identification lines of %s" % (name, s["proto"]))
        want = {"client": {"20", "30", "21"}, "server": {"20", "31", "21"}}
        for side in want:
            if not want[side] <= s["codes"].get(side, set()):
                fail("%s: %s message codes %s" %
                     (name, side, sorted(s["codes"].get(side, set()))))
        if (s["hc"], s["hs"]) != learned[kind]:
            fail("%s: tshark's HASSH strings %s %s, learned %s %s" %
                 (name, s["hc"], s["hs"], *learned[kind]))
    print("%d connections (%d captured, %d filled) of %s: identification, "
          "KEXINIT, ECDH init and reply, NEWKEYS; no malformed packet; no "
          "expert error but those of the captured connections (%s); "
          "tshark's hasshAlgorithms and hasshServerAlgorithms = the learned "
          "ones" %
          (len(conns), len(conns) - CONNS * len(KINDS), CONNS * len(KINDS),
           ", ".join(k.rstrip("-") for k in KINDS),
           "; ".join("%s: %s" % (k.rstrip("-"), " + ".join(sorted(v)) or
                                 "none") for k, v in real.items())))


main()
