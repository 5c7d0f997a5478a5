"""Synthetic TCP connections written as a pcap, for the tests that show
tshark what our code writes (tlshello_tshark, sshhello_tshark), imported by
path (a test puts ROOT/tests on sys.path).  Nothing is sent on any
network: the packets only go to a file."""
import struct
import subprocess

from testlib import exit_fail

MSS = 1448
TSHARK = "/usr/bin/tshark"
CLIENT = bytes([10, 0, 0, 1])
SERVER = bytes([10, 0, 0, 2])


def csum(data):
    """The Internet checksum of ${data}."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    """One IPv4 packet of a TCP segment, checksums set."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + payload
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                     6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def connection(i, port, sends):
    """The packets of TCP connection ${i}, 10.0.0.1:(40000 + i) to
    10.0.0.2:${port}: the handshake, then each (from_server, data) of
    ${sends} in segments of MSS bytes at most, acknowledged by the other
    side."""
    c, s = CLIENT, SERVER
    cp, sp = 40000 + i, port
    seq = {c: 1000, s: 5000}
    pk = [packet(c, s, cp, sp, seq[c], 0, 0x02),
          packet(s, c, sp, cp, seq[s], seq[c] + 1, 0x12)]
    seq[c] += 1
    seq[s] += 1
    pk.append(packet(c, s, cp, sp, seq[c], seq[s], 0x10))
    for from_server, data in sends:
        src, dst, a, b = (s, c, sp, cp) if from_server else (c, s, cp, sp)
        for off in range(0, len(data), MSS):
            seg = data[off:off + MSS]
            pk.append(packet(src, dst, a, b, seq[src], seq[dst], 0x18, seg))
            seq[src] += len(seg)
        pk.append(packet(dst, src, b, a, seq[dst], seq[src], 0x10))
    return pk


def write_pcap(path, packets):
    """Write ${packets} (raw IPv4) to the pcap ${path}, 1 us apart."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        for k, p in enumerate(packets):
            f.write(struct.pack("<IIII", 1, k, len(p), len(p)) + p)


def tshark(pcap, *args):
    """tshark's output on ${pcap} with ${args}; fail the test if it
    fails."""
    r = subprocess.run([TSHARK, "-n", "-r", pcap] + list(args),
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        exit_fail("tshark: " + r.stderr.strip())
    return r.stdout
