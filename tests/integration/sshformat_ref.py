#!/usr/bin/python3
"""The SSH format's transcript vector, recomputed by independent references.

tests/vectors/ssh-format-transcript.txt was made by libdust (the engine with
an SSH-format model, ChaCha20-Poly1305 negotiated, tests/unit/
test_sshwire.c).  Here it is checked from the text of docs/protocol.md
("Keys as points", "The SSH format", "The mark", "The streams", "Records")
alone, with the Python references that share no code with lib/
(tests/ref/curve_ref.py, tests/ref/skein_ref.py), and an SSH parser and
NTRU Prime's decoding of their own (tests/sshformat_check.py):
  - the client's start is its identification line, KEXINIT and
    KEX_ECDH_INIT, no NEWKEYS; Q_C is 1158 bytes of sntrup761 public key
    (761 values below 4591) then X = X25519(x, 9); the first 80 values,
    five by five as base-4591 digits of V, carry the mark of X in the hour
    E as V mod 2^16, two bytes per group;
  - the server's identification line comes first, alone, before the
    client's start (it is made before the server has any byte of the
    client: the line of the start the server sends, and no more); after
    the client's start the server's flight is the rest of its start:
    KEXINIT, KEX_ECDH_REPLY whose Q_S ends with Y = X25519(y, 9), NEWKEYS,
    then the stream; the client's second flight is NEWKEYS, then its
    stream;
  - K from X25519(x, Y), X25519(x, B), the SID, X and Y; the server's
    stream is confirmation || IV_s || Seattle records carrying "hello,
    client", the client's CC || IV_c || records carrying "hello, server"
    (with ChaCha20-Poly1305 packet_length is encrypted: every byte after
    NEWKEYS is the stream's).
Exit 0 on success, 1 with the first mismatch named.
"""
import os
import sys

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests", "ref"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from sshformat_check import sntrup_values, start_of, strings  # noqa: E402
from tlsformat_ref import check, fail, keys, seattle_records  # noqa: E402

VECTOR = os.path.join(ROOT, "tests", "vectors", "ssh-format-transcript.txt")
NEWKEYS = bytes.fromhex("0000000c0a15") + bytes(10)


def mark_of(pk):
    """The 32-byte mark the sntrup761 public key ${pk} carries."""
    v = sntrup_values(pk)
    if v is None:
        fail("Q_C's sntrup761 part is not the encoding of 761 values "
             "below 4591")
    out = b""
    for g in range(16):
        V = sum(v[5 * g + i] * 4591 ** i for i in range(5))
        out += (V % 65536).to_bytes(2, "little")
    return out


def main():
    v = keys(VECTOR)
    X, Y, K = v["X"], v["Y"], v["K"]

    cs = v["client_start"]
    _, _, init, end = start_of(cs, False)
    if end != len(cs) or init[0] != 30:
        fail("the client's start is not identification, KEXINIT and "
             "KEX_ECDH_INIT alone")
    qc = strings(init[1:], 1)[0]
    if len(qc) != 1190:
        fail("Q_C of %d bytes" % len(qc))
    check("Q_C's X25519 part = X25519(x, 9)", qc[1158:], X)
    check("Q_C's sntrup761 part carries the mark", mark_of(qc[:1158]),
          v["M"])

    banner = v["server_banner"]
    if (not banner.startswith(b"SSH-2.0-") or not banner.endswith(b"\r\n")
            or banner.count(b"\n") != 1):
        fail("the server's first flight is not one identification line: "
             "%r" % banner[:80])
    sf = banner + v["server_flight"]
    _, _, reply, end = start_of(sf, True, 3)
    qs = strings(reply[1:], 2)[1]
    if reply[0] != 31 or len(qs) != 1071:
        fail("KEX_ECDH_REPLY %d with Q_S of %d bytes" % (reply[0], len(qs)))
    check("Q_S's X25519 part = X25519(y, 9)", qs[1039:], Y)
    check("server NEWKEYS", sf[end - len(NEWKEYS):end], NEWKEYS)

    sstream = sf[end:] + v["server_packets"]
    check("server stream starts with the confirmation", sstream[:32],
          v["conf"])
    seattle_records(K, sstream[32:64], sstream[64:], b"hello, client")

    cf = v["client_flight"]
    check("client NEWKEYS", cf[:len(NEWKEYS)], NEWKEYS)
    cstream = cf[len(NEWKEYS):]
    check("client stream starts with CC", cstream[:32], v["cc"])
    seattle_records(K, cstream[32:64], cstream[64:], b"hello, server")
    print("ssh-format-transcript.txt: every value recomputed by the "
          "references (server stream %d bytes, client stream %d)" %
          (len(sstream), len(cstream)))


if __name__ == "__main__":
    main()
