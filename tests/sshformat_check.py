"""The checks of tests/integration/ssh_format.sh on a capture of Dust
connections made with an SSH format (not a test itself; its SSH parsing is
shared with tests/integration/sshformat_ref.py):

  sshformat_check.py DUST.pcap PORT MODEL.json REAL.pcap REALPORT [--stats]
  sshformat_check.py synth TOOL_OUTPUT DUST.pcap

DUST.pcap holds Dust connections to PORT, REAL.pcap real OpenSSH ones to
REALPORT (models/capture/ssh.sh), MODEL.json the model whose "format" the
Dust connections use.  tshark (Debian's) dissects both.  ("synth" writes
the flights that tests/tools/tlsformat_tool prints as TCP connections to
port 22 into a pcap: no packet leaves the process.)  Checks, for every
Dust connection:
  1. no malformed packet, and no expert info of severity error but those
     tshark gives the real OpenSSH connections (Debian 12's Wireshark 4.0
     does not know sntrup761x25519-sha512: "Invalid key length: 1190");
  2. both identification lines are the model's, and tshark reads KEXINIT
     (20), the key exchange (30 from the client, 31 from the server) and
     NEWKEYS (21) as SSH;
  3. tshark's hasshAlgorithms and hasshServerAlgorithms strings equal the
     learned client's and server's (from the model's captured starts);
  4. the X25519 parts of Q_C and Q_S (read from the reassembled TCP
     streams) are canonical u-coordinates of points on Curve25519, not on
     its twist, in the prime-order subgroup, and all distinct.
With --stats, over the connections (n of them): the KEXINIT cookies of
both sides (the client's and the server's) look uniform: no value repeats,
and for each of their 128 bit positions the count of ones is within 5
standard deviations of n/2; and the values of the clients' sntrup761 keys
(decoded: every key must be the encoding of 761 values below 4591) look
uniform below 4591: for each of the 5 digit places of the 80 values that
carry the mark, and for the 681 others, a chi-square over 64 bins of the
value (expected counts from the bins' widths) is within 5 standard
deviations of its 63 degrees of freedom (262 + 6 tests: a false alarm
about once in 5,000 runs).
Exit 0 on success, 1 with the first failure named.
"""
import json
import os
import struct
import subprocess
import sys

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests", "ref"))
import curve_ref  # noqa: E402

TSHARK = "/usr/bin/tshark"


def ntru_decode(s, m):
    """NTRU Prime's Decode of ${s} into len(${m}) values below the bounds
    ${m}, and the bytes used."""
    if not m:
        return [], 0
    if len(m) == 1:
        v, k, mm = 0, 0, m[0]
        while mm > 1:
            v |= s[k] << (8 * k)
            k += 1
            mm = (mm + 255) // 256
        return [v % m[0]], k
    lo, t, m2, k = [], [], [], 0
    for i in range(0, len(m) - 1, 2):
        mm, low, tt = m[i] * m[i + 1], 0, 1
        while mm >= 16384:
            low += s[k] * tt
            k += 1
            tt <<= 8
            mm = (mm + 255) // 256
        lo.append(low)
        t.append(tt)
        m2.append(mm)
    if len(m) & 1:
        m2.append(m[-1])
    r2, used = ntru_decode(s[k:], m2)
    r = []
    for i in range(0, len(m) - 1, 2):
        v = lo[i // 2] + t[i // 2] * r2[i // 2]
        r += [v % m[i], (v // m[i]) % m[i + 1]]
    if len(m) & 1:
        r.append(r2[-1])
    return r, k + used


def ntru_encode(r, m):
    """NTRU Prime's Encode of the values ${r} below ${m}."""
    if len(m) == 1:
        out, rr, mm = b"", r[0], m[0]
        while mm > 1:
            out += bytes([rr & 255])
            rr >>= 8
            mm = (mm + 255) // 256
        return out
    out, r2, m2 = b"", [], []
    for i in range(0, len(m) - 1, 2):
        mm, rr = m[i] * m[i + 1], r[i] + m[i] * r[i + 1]
        while mm >= 16384:
            out += bytes([rr & 255])
            rr >>= 8
            mm = (mm + 255) // 256
        r2.append(rr)
        m2.append(mm)
    if len(m) & 1:
        r2.append(r[-1])
        m2.append(m[-1])
    return out + ntru_encode(r2, m2)


def sntrup_values(pk):
    """The 761 values below 4591 of the sntrup761 public key ${pk}, or
    None if it is not their encoding."""
    m = [4591] * 761
    v, used = ntru_decode(pk, m)
    if used != len(pk) or ntru_encode(v, m) != pk:
        return None
    return v


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def tshark(pcap, port, *args):
    r = subprocess.run([TSHARK, "-n", "-r", pcap, "-d",
                        "tcp.port==%d,ssh" % port] + list(args),
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        fail("tshark: " + r.stderr.strip())
    return r.stdout


def check_point(name, b):
    """${b} (32 bytes) is an X25519 key of the prime-order subgroup."""
    u = int.from_bytes(b, "little")
    if u >> 255 or u >= curve_ref.P:
        fail("%s: not a canonical u-coordinate: %s" % (name, b.hex()))
    if curve_ref.chi(curve_ref.curve_rhs(u)) == -1:
        fail("%s: a point of the twist, not of the curve: %s" %
             (name, b.hex()))
    if u in (0, 1) or not curve_ref.in_prime_subgroup(u):
        fail("%s: not of the prime-order subgroup: %s" % (name, b.hex()))


def packets(b, off, n):
    """The payloads of the ${n} binary packets of ${b} from ${off}, and
    the offset after them."""
    out = []
    for _ in range(n):
        plen, pad = struct.unpack("!IB", b[off:off + 5])
        out.append(b[off + 5:off + 4 + plen - pad])
        off += 4 + plen
    return out, off


def strings(p, n):
    """The ${n} SSH strings at the start of ${p}."""
    out, off = [], 0
    for _ in range(n):
        k = struct.unpack("!I", p[off:off + 4])[0]
        out.append(p[off + 4:off + 4 + k])
        off += 4 + k
    return out


def start_of(b, server, n=2):
    """(ident, KEXINIT payload, key exchange payload) of a side's bytes,
    and the offset after the ${n} packets from KEXINIT on."""
    off = 0
    while server and not b.startswith(b"SSH-", off):
        off = b.index(b"\n", off) + 1
    end = b.index(b"\r\n", off)
    pk, after = packets(b, end + 2, n)
    return b[off:end].decode(), pk[0], pk[1], after


def hassh(kexinit, server):
    """The HASSH (or HASSHServer) string of a KEXINIT payload."""
    lists = strings(kexinit[17:], 10)
    pick = (0, 3, 5, 7) if server else (0, 2, 4, 6)
    return ";".join(lists[i].decode() for i in pick)


def learned(model):
    """The model's client and server identification and HASSH strings."""
    f = json.load(open(model))["format"]
    ci, ck, _, _ = start_of(bytes.fromhex(f["client_starts"][0]), False)
    si, sk, _, _ = start_of(bytes.fromhex(f["server_starts"][0]), True)
    return ci, si, hassh(ck, False), hassh(sk, True)


def streams(pcap, port):
    """Each TCP stream's bytes: {stream: [client's, server's]}."""
    out = {}
    rows = tshark(pcap, port, "-Y", "tcp.len > 0", "-T", "fields", "-E",
                  "separator=|", "-e", "tcp.stream", "-e", "tcp.srcport",
                  "-e", "tcp.payload")
    for row in rows.splitlines():
        s, sport, data = row.split("|")
        side = out.setdefault(int(s), [bytearray(), bytearray()])
        side[int(sport) == port] += bytes.fromhex(data.replace(":", ""))
    return out


def experts(pcap, port):
    """{stream: set of expert error messages} of ${pcap}."""
    out = {}
    errs = tshark(pcap, port, "-Y", "_ws.expert.severity >= 8388608", "-T",
                  "fields", "-E", "separator=|", "-E", "aggregator=;",
                  "-e", "tcp.stream", "-e", "_ws.expert.message")
    for row in errs.splitlines():
        s, msgs = row.split("|", 1)
        out.setdefault(int(s), set()).update(msgs.split(";"))
    return out


def bits_uniform(name, values, nbits):
    """${values} (bytes of nbits / 8) do not repeat, and each bit position
    is one in n/2 of them within 5 standard deviations."""
    n = len(values)
    if len(set(values)) != n:
        fail("%s: a value repeats" % name)
    for bit in range(nbits):
        ones = sum((v[bit // 8] >> (bit % 8)) & 1 for v in values)
        if abs(ones - n / 2) > 5 * (n / 4) ** 0.5:
            fail("%s: bit %d is one in %d of %d" % (name, bit, ones, n))


def values_uniform(name, values, q=4591, nbins=64):
    """A chi-square of ${values} (below ${q}) over ${nbins} bins of nearly
    equal width is within 5 standard deviations of its mean."""
    count = [0] * nbins
    width = [0] * nbins
    for u in range(q):
        width[u * nbins // q] += 1
    for u in values:
        count[u * nbins // q] += 1
    n, df = len(values), nbins - 1
    chi2 = sum((count[i] - n * width[i] / q) ** 2 / (n * width[i] / q)
               for i in range(nbins))
    if chi2 > df + 5 * (2 * df) ** 0.5:
        fail("%s: chi-square %.1f over %d bins of %d values" %
             (name, chi2, nbins, n))
    return chi2


def stats(byte_streams):
    """The --stats checks on the connections' bytes."""
    cookies = {"client": [], "server": []}
    digits = [[] for _ in range(5)]
    rest = []
    for s, (cb, sb) in byte_streams.items():
        for side, b, server in (("client", bytes(cb), False),
                                ("server", bytes(sb), True)):
            cookies[side].append(start_of(b, server)[1][1:17])
        init = start_of(bytes(cb), False)[2]
        v = sntrup_values(strings(init[1:], 1)[0][:1158])
        if v is None:
            fail("stream %d: Q_C's sntrup761 part is not the encoding of "
                 "761 values below 4591" % s)
        for k in range(80):
            digits[k % 5].append(v[k])
        rest += v[80:]
    for side in cookies:
        bits_uniform("%s KEXINIT cookies" % side, cookies[side], 128)
    chi = [values_uniform("sntrup761 mark values, digit %d" % i, d)
           for i, d in enumerate(digits)]
    chi.append(values_uniform("sntrup761 other values", rest))
    return ("%d connections: cookies uniform (256 bit positions, no "
            "repeat); sntrup761 values uniform (chi-square, 63 df: mark "
            "digits %s, others %.1f)" %
            (len(byte_streams), " ".join("%.1f" % c for c in chi[:5]),
             chi[5]))


def synth(out, pcap):
    """Write tlsformat_tool's flights ${out} as a pcap of port 22."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from pcapsynth import connection, write_pcap
    conns = {}
    for line in open(out):
        i, side, data = line.split()
        conns.setdefault(int(i), []).append((side == "s",
                                             bytes.fromhex(data)))
    packets = []
    for i in sorted(conns):
        packets += connection(i, 22, conns[i])
    write_pcap(pcap, packets)


def main():
    if sys.argv[1] == "synth":
        synth(sys.argv[2], sys.argv[3])
        return
    pcap, port, model, real, rport = sys.argv[1:6]
    port, rport = int(port), int(rport)
    ci, si, hc, hs = learned(model)
    bad = tshark(pcap, port, "-Y", "_ws.malformed", "-T", "fields", "-e",
                 "frame.number")
    if bad.strip():
        fail("malformed packets: frames " + bad.replace("\n", " "))
    allowed = set().union(*experts(real, rport).values())
    for s, msgs in experts(pcap, port).items():
        if not msgs <= allowed:
            fail("stream %d: expert errors %s (real OpenSSH's: %s)" %
                 (s, sorted(msgs), sorted(allowed)))
    seen = {}
    rows = tshark(pcap, port, "-Y", "ssh", "-T", "fields", "-E",
                  "separator=|", "-e", "tcp.stream", "-e", "tcp.srcport",
                  "-e", "ssh.protocol", "-e", "ssh.message_code",
                  "-e", "ssh.kex.hassh_algorithms",
                  "-e", "ssh.kex.hasshserver_algorithms")
    for row in rows.splitlines():
        s, sport, proto, codes, thc, ths = row.split("|")
        c = seen.setdefault(int(s), {"proto": {}, "codes": {}, "hc": "",
                                     "hs": ""})
        side = "server" if int(sport) == port else "client"
        if proto:
            c["proto"][side] = proto
        c["codes"].setdefault(side, set()).update(
            x for x in codes.split(",") if x)
        c["hc"] = c["hc"] or thc
        c["hs"] = c["hs"] or ths
    want = {"client": {"20", "30", "21"}, "server": {"20", "31", "21"}}
    for s, c in seen.items():
        if c["proto"] != {"client": ci, "server": si}:
            fail("stream %d: identification lines %s" % (s, c["proto"]))
        for side in want:
            if not want[side] <= c["codes"].get(side, set()):
                fail("stream %d: %s message codes %s" %
                     (s, side, sorted(c["codes"].get(side, set()))))
        if (c["hc"], c["hs"]) != (hc, hs):
            fail("stream %d: tshark's HASSH strings %s %s, learned %s %s" %
                 (s, c["hc"], c["hs"], hc, hs))
    keys = set()
    byte_streams = streams(pcap, port)
    for s, (cb, sb) in byte_streams.items():
        _, _, init, _ = start_of(bytes(cb), False)
        _, _, reply, _ = start_of(bytes(sb), True)
        if init[0] != 30 or reply[0] != 31:
            fail("stream %d: key exchange messages %d, %d" %
                 (s, init[0], reply[0]))
        qc = strings(init[1:], 1)[0]
        qs = strings(reply[1:], 2)[1]
        for name, q in (("Q_C", qc), ("Q_S", qs)):
            check_point("stream %d %s" % (s, name), q[-32:])
            keys.add(q[-32:])
    if len(keys) != 2 * len(byte_streams) or set(seen) != set(byte_streams):
        fail("%d X25519 keys in %d streams (%d dissected as SSH)" %
             (len(keys), len(byte_streams), len(seen)))
    print("%d Dust connections: identification, KEXINIT, ECDH init and "
          "reply, NEWKEYS dissected; no malformed packet; expert errors "
          "only those of real OpenSSH (%s); tshark's HASSH strings = the "
          "learned ones; %d distinct X25519 keys, every one a point of the "
          "curve's prime-order subgroup" %
          (len(seen), "; ".join(sorted(allowed)) or "none", len(keys)))
    if "--stats" in sys.argv[6:]:
        print(stats(byte_streams))


if __name__ == "__main__":
    main()
