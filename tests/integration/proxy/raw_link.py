"""proxymuxd's side of the extension, spoken by hand over a plain link
(proxy_chain.sh): frames built here byte by byte, as docs/proxymux.md
gives them.  Usage: raw_link.py PROXYMUXD_PORT NGINX_PORT"""
import socket
import struct
import sys

PD, PN = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", PD), 5)
s.settimeout(5)
buf = b""


def send_open(cid, port, data):
    s.sendall(struct.pack(">HHB", 0x8000 | len(data), cid, port) + data)


def send_write(cid, data):
    s.sendall(struct.pack(">HH", len(data), cid) + data)


def send_close(cid):
    s.sendall(struct.pack(">HH", 0, cid))


def frame():
    """Next frame from proxymuxd that is not on the control channel."""
    global buf
    while True:
        while len(buf) < 4:
            d = s.recv(65536)
            if not d:
                sys.exit("link closed by proxymuxd")
            buf += d
        word, cid = struct.unpack(">HH", buf[:4])
        n = word & 0x7fff
        while len(buf) < 4 + n:
            buf += s.recv(65536)
        data, buf = buf[4:4 + n], buf[4 + n:]
        if word & 0x8000:
            sys.exit("open frame from proxymuxd")
        if cid != 0:
            return cid, data


def expect_status(cid, code, what):
    got = frame()
    ok = got[0] == cid and got[1][:1] == bytes([code])
    print("%-44s %s: %r" % (what, "ok" if ok else "WRONG", got))
    return ok, got[1][1:]


def expect_close(cid, what):
    got = frame()
    ok = got == (cid, b"")
    print("%-44s %s: %r" % (what, "ok" if ok else "WRONG", got))
    return ok


bad = 0
# Unknown address type in the open frame: status 08, then the close.
send_open(1, 0xff, b"\x07\x01\x02")
bad += not expect_status(1, 0x08, "address type 7")[0]
bad += not expect_close(1, "... then the close")
send_close(1)
# Empty name: status 04.
send_open(2, 0xff, b"\x03\x00")
bad += not expect_status(2, 0x04, "empty name")[0]
bad += not expect_close(2, "... then the close")
send_close(2)
# Another port id: proxymuxd serves none, the close comes at once.
send_open(3, 7, b"")
bad += not expect_close(3, "port id 7")
send_close(3)
# The destination split over the open frame and a write frame, with the
# request to nginx right behind it: status 00, then nginx's answer.
send_open(4, 0xff, b"\x01\x7f")
send_write(4, b"\x00\x00\x01" + struct.pack(">H", PN) +
           b"GET /small HTTP/1.0\r\n\r\n")
ok, rest = expect_status(4, 0x00, "destination split over two frames")
bad += not ok
body = rest
while True:
    cid, data = frame()
    if cid != 4:
        sys.exit("frame for connection %d" % cid)
    if data == b"":
        break
    body += data
ok = body.startswith(b"HTTP/1.1 200") and body.endswith(b"x" * 1024)
print("%-44s %s: %d bytes" % ("... nginx's answer, then the close",
                              "ok" if ok else "WRONG", len(body)))
bad += not ok
send_close(4)
s.close()
sys.exit(1 if bad else 0)
