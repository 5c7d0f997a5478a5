#!/usr/bin/python3
"""Extended ORPort reference, written from ext-orport-spec.txt alone.

A second implementation of what lib/pt/extorport.c speaks, with nothing but
Python's standard library (hmac, hashlib), for the known-answer vectors in
tests/vectors/extorport.txt.  Section names are those of
ext-orport-spec.txt.

  python3 tests/ref/extorport_ref.py write FILE   make the vector file
  python3 tests/ref/extorport_ref.py check FILE   recompute it, compare
"""
import hashlib
import hmac
import sys

# "Cookie-file format": a 32-byte static header, then the 32-byte cookie.
HEADER = b"! Extended ORPort Auth Cookie !\x0a"
# "SAFE_COOKIE Protocol specification": the HMAC context strings.
SERVER_CONTEXT = b"ExtORPort authentication server-to-client hash"
CLIENT_CONTEXT = b"ExtORPort authentication client-to-server hash"
SAFE_COOKIE = 1
# "Protocol": command and reply codes.
DONE, USERADDR, TRANSPORT = 0x0000, 0x0001, 0x0002
OKAY, DENY, CONTROL = 0x1000, 0x1001, 0x1002


def cookie_file(cookie):
    """The bytes of a cookie file holding cookie."""
    assert len(HEADER) == 32 and len(cookie) == 32
    return HEADER + cookie


def cookie_from_file(data):
    """The cookie of a cookie file; ValueError if it is not one."""
    if len(data) != 64 or data[:32] != HEADER:
        raise ValueError("not an ExtORPort cookie file")
    return data[32:]


def server_hash(cookie, client_nonce, server_nonce):
    """ServerHash: HMAC-SHA256(cookie, context | ClientNonce | ServerNonce)."""
    return hmac.new(cookie, SERVER_CONTEXT + client_nonce + server_nonce,
                    hashlib.sha256).digest()


def client_hash(cookie, client_nonce, server_nonce):
    """ClientHash, as ServerHash with the client-to-server context."""
    return hmac.new(cookie, CLIENT_CONTEXT + client_nonce + server_nonce,
                    hashlib.sha256).digest()


def message(code, body):
    """COMMAND [2, big-endian] BODYLEN [2, big-endian] BODY."""
    return code.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body


def exchange(case):
    """The bytes each side sends in a whole exchange: (to_tor, from_tor)."""
    cookie = cookie_from_file(case["cookie_file"])
    cn, sn = case["client_nonce"], case["server_nonce"]
    to_tor = bytes([SAFE_COOKIE]) + cn + client_hash(cookie, cn, sn)
    if case["useraddr"]:
        to_tor += message(USERADDR, case["useraddr"])
    to_tor += message(TRANSPORT, case["transport"]) + message(DONE, b"")
    from_tor = (case["auth_types"] + server_hash(cookie, cn, sn) + sn +
                b"\x01" + case["replies"])
    return to_tor, from_tor


def cases():
    """Three exchanges from fixed inputs (SHA-256 of their names)."""
    def fixed(what):
        return hashlib.sha256(b"dust extorport vector " + what).digest()
    out = []
    for i, (useraddr, types, replies, result) in enumerate([
            (b"192.0.2.7:50123", b"\x01\x00", message(OKAY, b""), "OKAY"),
            (b"[2001:db8::5]:443", b"\x03\x01\x02\x00",
             message(CONTROL, b"xyz") + message(OKAY, b"ignored"), "OKAY"),
            (b"", b"\x01\x00", message(DENY, b""), "DENY")]):
        n = str(i + 1).encode()
        case = {
            "cookie_file": cookie_file(fixed(b"cookie " + n)),
            "client_nonce": fixed(b"client nonce " + n),
            "server_nonce": fixed(b"server nonce " + n),
            "auth_types": types,
            "useraddr": useraddr,
            "transport": b"dust",
            "replies": replies,
        }
        cookie = cookie_from_file(case["cookie_file"])
        case["server_hash"] = server_hash(cookie, case["client_nonce"],
                                          case["server_nonce"])
        case["client_hash"] = client_hash(cookie, case["client_nonce"],
                                          case["server_nonce"])
        case["to_tor"], case["from_tor"] = exchange(case)
        case["result"] = result.encode()
        out.append(case)
    return out


KEYS = ["cookie_file", "client_nonce", "server_nonce", "auth_types",
        "useraddr", "transport", "replies", "server_hash", "client_hash",
        "to_tor", "from_tor", "result"]
TEXT = {"useraddr", "transport", "result"}


def render():
    """The vector file's text."""
    lines = ["# ExtORPort SAFE_COOKIE exchanges (ext-orport-spec.txt), made by",
             "# tests/ref/extorport_ref.py; checked against lib/pt/extorport.c",
             "# by tests/unit/test_extorport.c.  Byte strings in hex, text in",
             "# quotes; a blank line ends a case.", ""]
    for case in cases():
        for k in KEYS:
            v = case[k]
            lines.append(f'{k} = "{v.decode()}"' if k in TEXT
                         else f"{k} = {v.hex()}")
        lines.append("")
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    text = render()
    if sys.argv[1] == "write":
        with open(sys.argv[2], "w", encoding="ascii") as f:
            f.write(text)
        return 0
    with open(sys.argv[2], encoding="ascii") as f:
        have = f.read()
    if have != text:
        for a, b in zip(have.splitlines(), text.splitlines()):
            if a != b:
                print(f"FAIL: {sys.argv[2]} has\n  {a}\nthe reference makes"
                      f"\n  {b}")
                break
        else:
            print(f"FAIL: {sys.argv[2]} differs in length")
        return 1
    print(f"{len(cases())} exchanges match the reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
