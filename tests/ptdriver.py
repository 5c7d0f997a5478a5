"""A small driver of Pluggable Transports (PT 1.0) for the tests of dust pt:
start a transport with a TOR_PT_* environment, read its stdout lines as
tor would, speak SOCKS5 with RFC 1929 per-bridge arguments to a client
transport, and play tor's Extended ORPort (SAFE_COOKIE, from
tests/ref/extorport_ref.py) for a server transport.  Loopback only.
Imported by path (a test puts ROOT/tests on sys.path)."""
import os
import select
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "ref"))
import extorport_ref as ext  # noqa: E402

# The lines that end the start-up exchange (pt-spec.txt).
FINAL = ("CMETHODS DONE", "SMETHODS DONE", "VERSION-ERROR", "ENV-ERROR",
         "PROXY-ERROR")


class PT:
    """A transport started as tor starts it: env holds the TOR_PT_*
    variables (nothing else of ours is passed), stdin a pipe we hold."""

    def __init__(self, argv, env, stderr=None):
        self.p = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=stderr)
        self.lines = []
        self.buf = b""

    def read_lines(self, secs=10):
        """Read lines until one of FINAL (or the end of stdout); return
        all read so far."""
        end = time.time() + secs
        while time.time() < end:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                self.lines.append(line.decode("ascii", "replace"))
                if self.lines[-1].startswith(FINAL):
                    return self.lines
            r, _, _ = select.select([self.p.stdout], [], [],
                                    max(0, end - time.time()))
            if not r:
                break
            chunk = os.read(self.p.stdout.fileno(), 4096)
            if not chunk:
                break
            self.buf += chunk
        return self.lines

    def more_lines(self, secs=0.5):
        """Lines written after the start-up ones, within ${secs}."""
        end = time.time() + secs
        while time.time() < end:
            r, _, _ = select.select([self.p.stdout], [], [], 0.05)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 4096)
                if not chunk:
                    break
                self.buf += chunk
        out = []
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            out.append(line.decode("ascii", "replace"))
        self.lines += out
        return out

    def close_stdin(self):
        self.p.stdin.close()

    def wait(self, secs):
        """The exit code, or None if still running after ${secs}."""
        try:
            return self.p.wait(secs)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        for f in (self.p.stdin, self.p.stdout):
            try:
                f.close()
            except (OSError, ValueError):
                pass


def method_addr(lines, kind):
    """(host, port, rest) of the first "CMETHOD dust socks5 ADDR" or
    "SMETHOD dust ADDR ..." line."""
    for line in lines:
        w = line.split(" ")
        if kind == "CMETHOD" and w[0] == "CMETHOD" and len(w) == 4:
            host, port = w[3].rsplit(":", 1)
            return host, int(port), ""
        if kind == "SMETHOD" and w[0] == "SMETHOD" and len(w) >= 3:
            host, port = w[2].rsplit(":", 1)
            return host, int(port), " ".join(w[3:])
    return None


def socks_args(text):
    """Per-bridge arguments k=v;k=v as tor sends them in RFC 1929: the
    username, and a password of one NUL byte if they fit in it."""
    b = text.encode()
    if len(b) <= 255:
        return b, b"\0"
    return b[:255], b[255:]


def socks_connect(port, host, dport, args, secs=10):
    """SOCKS5 CONNECT through 127.0.0.1:${port} to ${host}:${dport} with
    per-bridge arguments ${args} (None: no authentication offered).
    Return (socket, reply code); the socket is closed unless the code is
    0."""
    s = socket.create_connection(("127.0.0.1", port), secs)
    s.settimeout(secs)
    if args is None:
        s.sendall(b"\x05\x01\x00")
        want = 0
    else:
        s.sendall(b"\x05\x01\x02")
        want = 2
    r = recv_n(s, 2)
    if r != bytes([5, want]):
        s.close()
        return None, -1
    if args is not None:
        u, p = socks_args(args)
        s.sendall(bytes([1, len(u)]) + u + bytes([len(p)]) + p)
        if recv_n(s, 2) != b"\x01\x00":
            s.close()
            return None, -2
    s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(host) +
              dport.to_bytes(2, "big"))
    r = recv_n(s, 10)
    if len(r) < 2:
        s.close()
        return None, -3
    if r[1] != 0:
        s.close()
    return s, r[1]


def recv_n(s, n):
    """Up to ${n} bytes from ${s}, fewer only at its end."""
    out = b""
    while len(out) < n:
        try:
            b = s.recv(n - len(out))
        except (socket.timeout, OSError):
            break
        if not b:
            break
        out += b
    return out


class FakeExtORPort:
    """tor's Extended ORPort on 127.0.0.1: SAFE_COOKIE authentication
    checked, USERADDR and TRANSPORT recorded in ${seen}, OKAY, then the
    connection echoes what it gets (the OR protocol's place)."""

    def __init__(self, cookie):
        self.cookie = cookie
        self.seen = []
        self.errors = []
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(16)
        self.port = self.ls.getsockname()[1]
        self.done = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        self.ls.settimeout(0.2)
        while not self.done:
            try:
                c, _ = self.ls.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.one, args=(c,),
                             daemon=True).start()

    def one(self, c):
        c.settimeout(30)
        try:
            c.sendall(bytes([ext.SAFE_COOKIE, 0]))
            if recv_n(c, 1) != bytes([ext.SAFE_COOKIE]):
                raise ValueError("SAFE_COOKIE not chosen")
            cn = recv_n(c, 32)
            sn = os.urandom(32)
            c.sendall(ext.server_hash(self.cookie, cn, sn) + sn)
            if recv_n(c, 32) != ext.client_hash(self.cookie, cn, sn):
                c.sendall(b"\x00")
                raise ValueError("ClientHash differs")
            c.sendall(b"\x01")
            got = {}
            while True:
                head = recv_n(c, 4)
                if len(head) < 4:
                    raise ValueError("closed before DONE")
                code = int.from_bytes(head[:2], "big")
                body = recv_n(c, int.from_bytes(head[2:], "big"))
                if code == ext.DONE:
                    break
                got[code] = body.decode()
            self.seen.append(got)
            c.sendall(ext.message(ext.OKAY, b""))
            # The OR protocol's place: an echo, ended by a close or a
            # reset (a session aborted when its client went away).
            pipe(c, c)
        except (ValueError, OSError) as e:
            self.errors.append(str(e))
        finally:
            c.close()

    def close(self):
        self.done = True
        self.ls.close()
        self.t.join(5)


class Socks5Proxy:
    """An upstream SOCKS5 proxy on 127.0.0.1 (TOR_PT_PROXY) that requires
    the username and password given, connects only to 127.0.0.1, records
    each destination in ${dests}, and relays both ways."""

    def __init__(self, user, password):
        self.user, self.password = user.encode(), password.encode()
        self.dests = []
        self.errors = []
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(16)
        self.ls.settimeout(0.2)
        self.port = self.ls.getsockname()[1]
        self.done = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.done:
            try:
                c, _ = self.ls.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.one, args=(c,),
                             daemon=True).start()

    def one(self, c):
        c.settimeout(30)
        try:
            head = recv_n(c, 2)
            methods = recv_n(c, head[1])
            if head[0] != 5 or 2 not in methods:
                c.sendall(b"\x05\xff")
                raise ValueError("no username/password offered")
            c.sendall(b"\x05\x02")
            v, ulen = recv_n(c, 2)
            u = recv_n(c, ulen)
            p = recv_n(c, recv_n(c, 1)[0])
            if (u, p) != (self.user, self.password):
                c.sendall(b"\x01\x01")
                raise ValueError("wrong username or password")
            c.sendall(b"\x01\x00")
            req = recv_n(c, 4)
            if req[:3] != b"\x05\x01\x00" or req[3] != 1:
                raise ValueError("not a CONNECT to IPv4")
            ip = socket.inet_ntoa(recv_n(c, 4))
            port = int.from_bytes(recv_n(c, 2), "big")
            self.dests.append("%s:%d" % (ip, port))
            if ip != "127.0.0.1":
                c.sendall(b"\x05\x02\x00\x01" + bytes(6))
                raise ValueError("destination %s refused" % ip)
            t = socket.create_connection((ip, port), 10)
            c.sendall(b"\x05\x00\x00\x01" + bytes(6))
        except (ValueError, OSError, IndexError) as e:
            self.errors.append(str(e))
            c.close()
            return
        for a, b in ((c, t), (t, c)):
            threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    def close(self):
        self.done = True
        self.ls.close()
        self.t.join(5)


def pipe(a, b):
    """Copy ${a} to ${b} until ${a} ends, then shut ${b}'s write side."""
    try:
        a.settimeout(None)
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass
