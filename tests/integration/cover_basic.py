"""coverpipe -> coverpiped on loopback, with a Python echo backend.

Real processes (the sanitized build under tests/run.sh), a Python relay on
the cover hop that records every byte and the time each block completes.
Checks, each with its threshold:
  1. integrity and rate: 4 MiB (seeded random) echoed through -r 400
     -b 8192; sha256 equal both ways; throughput within [0.85, 1.05] of
     the ceiling (block - 2) * rate.
  2. wire at the defaults (40/s, 1024 B): every block on the hop is 1024
     bytes with a valid length word and zero padding; over a 2.0 s window
     each direction carries 80 +- 4 blocks; median gap 25 ms +- 1.5 ms;
     95% of gaps within 10 ms of 25 ms (loaded 2-core CI box, ASan).
  3. end of stream: a half-close travels as an EOS block (0xFFFF) each way,
     each stream ends right after it, both processes log a clean close.
  4. target down: the source connection is closed within 3 s.
  5. coverpiped killed (SIGKILL) mid-link: the source connection ends
     within 3 s; after a restart a new link works.
  6. hostile input to coverpiped (random bytes, oversize length, reserved
     0xFFFE, bad padding, bytes after EOS, truncated block): each link is
     dropped with its log line, another link keeps working, the process
     stays up and exits cleanly (no sanitizer report) on SIGTERM; and to
     coverpipe from a fake far end (random bytes, oversize length, bad
     padding): each source connection closed, one log line each.
  7. the hop on a Unix socket: data echoed intact.
  8. backpressure: a far end that stops reading for 1.5 s; the stream
     stays whole valid blocks with the data in order, skipped ticks are
     counted.
  9. daemon mode: pidfile written before the parent returns, SIGTERM
     ends the daemon.
"""
import hashlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests"))
import testlib  # noqa: E402
from testlib import free_port  # noqa: E402
BIN = os.environ.get("DUST_BIN", os.path.join(ROOT, "build/asan/bin"))
TMP = tempfile.mkdtemp(prefix="dust-cover.")
PROCS = []


def fail(msg):
    print("FAIL: " + msg)
    for p in PROCS:
        p.kill()
    for name in sorted(os.listdir(TMP)):
        if name.endswith(".log"):
            print("--- " + name)
            print(open(os.path.join(TMP, name)).read()[-3000:])
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok: " + msg)


def wait_port(port, secs=10):
    # Ask ss, not connect(): a probe connection would make a link.
    testlib.listening(port, secs, fail)


def addr(a):
    """A port number is [127.0.0.1]:port; a string is a Unix path."""
    return a if isinstance(a, str) else "[127.0.0.1]:%d" % a


def start(name, prog, src, dst, *extra):
    log = open(os.path.join(TMP, name + ".log"), "a")
    args = [os.path.join(BIN, prog), "-F", "-v", "-s", addr(src),
            "-t", addr(dst)] + list(extra)
    p = subprocess.Popen(args, stdout=log, stderr=log)
    PROCS.append(p)
    if isinstance(src, str):
        end = time.time() + 10
        while not os.path.exists(src) and time.time() < end:
            time.sleep(0.05)
    else:
        wait_port(src)
    return p


def logtext(name):
    return open(os.path.join(TMP, name + ".log")).read()


def stop(p, name):
    """SIGTERM; the process must exit 0 with no sanitizer report."""
    p.terminate()
    try:
        rc = p.wait(10)
    except subprocess.TimeoutExpired:
        fail(name + " did not exit on SIGTERM")
    t = logtext(name)
    check(rc == 0 and "Sanitizer" not in t and "runtime error" not in t,
          name + " exits 0 on SIGTERM, no sanitizer report")


class Echo(threading.Thread):
    """Echo server: echoes each connection, half-closes after its EOF."""

    def __init__(self):
        super().__init__(daemon=True)
        self.port = free_port()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        self.start()

    def run(self):
        while True:
            c, _ = self.sock.accept()
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    @staticmethod
    def serve(c):
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        c.close()


class Relay(threading.Thread):
    """Forward the cover hop; record each direction's bytes and the time
    each block is complete."""

    def __init__(self, dst, block):
        super().__init__(daemon=True)
        self.dst, self.block = dst, block
        self.port = free_port()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)
        self.links = []
        self.start()

    def run(self):
        while True:
            a, _ = self.sock.accept()
            b = socket.create_connection(("127.0.0.1", self.dst))
            rec = {"up": [bytearray(), []], "down": [bytearray(), []]}
            self.links.append(rec)
            for src, dst, d in ((a, b, "up"), (b, a, "down")):
                threading.Thread(target=self.pump, args=(src, dst, rec[d]),
                                 daemon=True).start()

    def pump(self, src, dst, rec):
        buf, times = rec
        try:
            while True:
                d = src.recv(65536)
                now = time.monotonic()
                if not d:
                    break
                before = len(buf) // self.block
                buf += d
                times += [now] * (len(buf) // self.block - before)
                dst.sendall(d)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            # A reset (e.g. the peer was killed) ends both sides, as
            # spiped would.
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def parse(stream, block):
    """Check the block format; return (data, saw_eos, blocks)."""
    if len(stream) % block:
        fail("stream of %d bytes is not whole %d-byte blocks"
             % (len(stream), block))
    data, eos = bytearray(), False
    for i in range(0, len(stream), block):
        b = stream[i:i + block]
        w = int.from_bytes(b[:2], "big")
        if eos:
            fail("block after end of stream")
        if w == 0xFFFF:
            eos, n = True, 0
        elif w > block - 2:
            fail("bad length word %d" % w)
        else:
            n = w
        if any(b[2 + n:]):
            fail("non-zero padding")
        data += b[2:2 + n]
    return bytes(data), eos, len(stream) // block


def roundtrip(port, payload, timeout=10):
    """Send payload while reading; half-close; return what came back."""
    c = socket.create_connection(("127.0.0.1", port))
    c.settimeout(timeout)
    got = bytearray()

    def reader():
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                got.extend(d)
        except OSError:
            pass
    t = threading.Thread(target=reader)
    t.start()
    c.sendall(payload)
    c.shutdown(socket.SHUT_WR)
    t.join(timeout + 5)
    c.close()
    return bytes(got)


def closed_within(c, secs):
    """True if the peer closes ${c} within ${secs} (reading past blocks)."""
    c.settimeout(secs)
    end = time.time() + secs
    try:
        while time.time() < end:
            if not c.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return False


def main():
    echo = Echo()
    rng = random.Random(20261125)

    # 1. Integrity and rate.
    B1, R1 = 8192, 400
    pd = free_port()
    relay1 = None
    d1 = start("coverpiped1", "coverpiped", pd, echo.port, "-r", str(R1),
               "-b", str(B1))
    relay1 = Relay(pd, B1)
    pp = free_port()
    p1 = start("coverpipe1", "coverpipe", pp, relay1.port, "-r", str(R1),
               "-b", str(B1))
    payload = rng.randbytes(4 << 20)
    t0 = time.monotonic()
    got = roundtrip(pp, payload, 30)
    secs = time.monotonic() - t0
    check(hashlib.sha256(got).digest() == hashlib.sha256(payload).digest(),
          "4 MiB echoed intact (sha256)")
    ceiling = (B1 - 2) * R1
    ratio = len(payload) / secs / ceiling
    print("throughput %.0f B/s, ceiling %d B/s, ratio %.3f"
          % (len(payload) / secs, ceiling, ratio))
    check(0.85 <= ratio <= 1.05, "throughput within [0.85, 1.05] of ceiling")
    time.sleep(0.3)
    up, eos_up, _ = parse(relay1.links[0]["up"][0], B1)
    down, eos_down, _ = parse(relay1.links[0]["down"][0], B1)
    check(up == payload and down == payload and eos_up and eos_down,
          "hop carries the data in valid %d-byte blocks, EOS both ways" % B1)
    stop(p1, "coverpipe1")
    stop(d1, "coverpiped1")

    # 2 and 3. The wire at the defaults; end of stream.
    B = 1024
    pd = free_port()
    d2 = start("coverpiped2", "coverpiped", pd, echo.port)
    relay = Relay(pd, B)
    pp = free_port()
    p2 = start("coverpipe2", "coverpipe", pp, relay.port)
    c = socket.create_connection(("127.0.0.1", pp))
    time.sleep(3.0)                                   # idle
    msg = rng.randbytes(30000)
    c.sendall(msg)                                    # busy, then EOF
    c.shutdown(socket.SHUT_WR)
    back = bytearray()
    c.settimeout(10)
    while True:
        d = c.recv(65536)
        if not d:
            break
        back += d
    c.close()
    check(bytes(back) == msg, "30000 bytes echoed at the defaults")
    time.sleep(0.3)
    link = relay.links[0]
    for d in ("up", "down"):
        data, eos, n = parse(link[d][0], B)
        check(data == msg and eos,
              "%s: %d blocks of %d bytes, data intact, ends with EOS"
              % (d, n, B))
        times = link[d][1]
        t0 = times[0]
        inwin = [t for t in times if t0 + 0.5 <= t < t0 + 2.5]
        check(76 <= len(inwin) <= 84,
              "%s: %d blocks in a 2.0 s idle window (80 +- 4)"
              % (d, len(inwin)))
        gaps = sorted(b - a for a, b in zip(times, times[1:]))
        med = gaps[len(gaps) // 2]
        near = sum(1 for g in gaps if abs(g - 0.025) <= 0.010) / len(gaps)
        print("%s: %d gaps, median %.2f ms, %.1f%% within 10 ms of 25 ms"
              % (d, len(gaps), med * 1000, near * 100))
        check(abs(med - 0.025) <= 0.0015, "%s: median gap 25 ms +- 1.5" % d)
        check(near >= 0.95, "%s: 95%% of gaps within 10 ms of 25 ms" % d)
    time.sleep(0.2)
    check("end of stream both ways" in logtext("coverpipe2") and
          "end of stream both ways" in logtext("coverpiped2"),
          "both ends log a clean close after end of stream")

    # 4. Target down: the source is closed.
    pdown = free_port()
    p3 = start("coverpipe3", "coverpipe", free_port(), pdown)
    src3 = int(p3.args[p3.args.index("-s") + 1].split(":")[-1])
    c = socket.create_connection(("127.0.0.1", src3))
    check(closed_within(c, 3), "target down: source connection closed")
    c.close()
    time.sleep(0.2)
    check("cannot connect to target" in logtext("coverpipe3"),
          "target down: logged")
    stop(p3, "coverpipe3")

    # 5. coverpiped killed mid-link, restarted: new links work.
    c = socket.create_connection(("127.0.0.1", pp))
    c.sendall(b"ping")
    c.settimeout(5)
    check(c.recv(100) == b"ping", "link up before the kill")
    d2.kill()
    d2.wait()
    check(closed_within(c, 3), "coverpiped killed: source connection ends")
    c.close()
    d2 = start("coverpiped2", "coverpiped", pd, echo.port)
    check(roundtrip(pp, b"after restart" * 100) == b"after restart" * 100,
          "after coverpiped restarts, a new link works")
    check(p2.poll() is None, "coverpipe stayed up")

    # 6. Hostile input straight to coverpiped.
    good = socket.create_connection(("127.0.0.1", pp))
    good.settimeout(5)

    def good_ok(tag):
        good.sendall(tag)
        got = b""
        while len(got) < len(tag):
            got += good.recv(100)
        return got == tag

    check(good_ok(b"good-0"), "good link up")

    def blk(w, data=b"", pad=None):
        b = bytearray(w.to_bytes(2, "big") + data + bytes(B - 2 - len(data)))
        if pad is not None:
            b[pad] = 1
        return bytes(b)

    hostile = [
        ("random bytes", rng.randbytes(4096), "protocol error"),
        ("oversize length", blk(0) + blk(1023), "above block size"),
        ("reserved 0xFFFE", blk(0xFFFE), "above block size"),
        ("bad padding", blk(3, b"abc", pad=900), "non-zero byte"),
        ("bytes after EOS", blk(0xFFFF) + b"\0", "after the end-of-stream"),
        ("truncated block", blk(5, b"hello")[:100], "truncated"),
    ]
    for i, (what, bytes_, expect) in enumerate(hostile):
        before = logtext("coverpiped2").count("link dropped")
        h = socket.create_connection(("127.0.0.1", pd))
        h.sendall(bytes_)
        if what == "truncated block":
            h.shutdown(socket.SHUT_WR)
        check(closed_within(h, 3), "hostile %s: link dropped" % what)
        h.close()
        time.sleep(0.1)
        dropped = [ln for ln in logtext("coverpiped2").splitlines()
                   if "link dropped" in ln]
        check(len(dropped) == before + 1 and expect in dropped[-1],
              "hostile %s: one log line naming it" % what)
        check(good_ok(b"good-%d" % (i + 1)), "other link fine after %s" % what)
    check(d2.poll() is None, "coverpiped alive after hostile input")

    # 6b. Hostile input to coverpipe, from its target: a fake far end that
    # answers each link with one kind of bad stream.
    bad = [rng.randbytes(2048), blk(0) + blk(5000), blk(2, b"ok", pad=40)]
    fake = socket.socket()
    fake.bind(("127.0.0.1", 0))
    fake.listen(8)

    def fake_link(c, b):
        c.sendall(b)
        time.sleep(5)
        c.close()

    def fake_far_end():
        for b in bad:
            c, _ = fake.accept()
            threading.Thread(target=fake_link, args=(c, b),
                             daemon=True).start()
    threading.Thread(target=fake_far_end, daemon=True).start()
    p4 = start("coverpipe4", "coverpipe", free_port(),
               fake.getsockname()[1])
    src4 = int(p4.args[p4.args.index("-s") + 1].split(":")[-1])
    for i in range(len(bad)):
        c = socket.create_connection(("127.0.0.1", src4))
        check(closed_within(c, 3), "coverpipe: hostile target %d: source "
              "connection closed" % i)
        c.close()
    time.sleep(0.2)
    dropped = [ln for ln in logtext("coverpipe4").splitlines()
               if "protocol error from target" in ln and "dropped" in ln]
    check(len(dropped) == len(bad), "coverpipe: one log line per hostile "
          "target link (%d)" % len(dropped))
    check(good_ok(b"good-after-coverpipe4"), "other links fine")
    stop(p4, "coverpipe4")
    print([l for l in logtext("coverpiped2").splitlines() if "dropped" in l])
    good.close()
    time.sleep(0.2)
    stop(p2, "coverpipe2")
    stop(d2, "coverpiped2")

    # 7. The hop on a Unix socket (as with spiped -s /path).
    sock = os.path.join(TMP, "hop.sock")
    d5 = start("coverpiped5", "coverpiped", sock, echo.port)
    pp5 = free_port()
    p5 = start("coverpipe5", "coverpipe", pp5, sock)
    msg = rng.randbytes(5000)
    check(roundtrip(pp5, msg) == msg, "Unix-socket hop: 5000 bytes echoed")
    stop(p5, "coverpipe5")
    stop(d5, "coverpiped5")

    # 8. Backpressure on the cover side: a far end that does not read for
    # 1.5 s while data pours in (-r 1000 -b 65536 fills the socket
    # buffers at once), then reads.  The stream must still be whole,
    # valid blocks carrying a prefix of the data in order, and the
    # ticks that found a block unfinished are counted (SIGUSR1).
    BB = 65536
    slow = socket.socket()
    slow.bind(("127.0.0.1", 0))
    slow.listen(1)
    got8 = bytearray()

    def slow_far_end():
        c, _ = slow.accept()
        time.sleep(1.5)
        c.settimeout(0.5)
        end = time.time() + 1.0     # then read for 1 s
        try:
            while time.time() < end:
                d = c.recv(1 << 20)
                if not d:
                    break
                got8.extend(d)
        except OSError:
            pass
        c.close()
    t8 = threading.Thread(target=slow_far_end)
    t8.start()
    pp6 = free_port()
    p6 = start("coverpipe6", "coverpipe", pp6, slow.getsockname()[1],
               "-r", "1000", "-b", str(BB))
    c = socket.create_connection(("127.0.0.1", pp6))
    c.settimeout(0.2)
    src8 = rng.randbytes(8 << 20)
    off = 0
    end = time.time() + 2.5
    while time.time() < end and off < len(src8):
        try:
            off += c.send(src8[off:off + 65536])
        except socket.timeout:
            pass
    t8.join()
    p6.send_signal(signal.SIGUSR1)
    time.sleep(0.3)
    c.close()
    whole = len(got8) - len(got8) % BB
    data8, _, n8 = parse(bytes(got8[:whole]), BB)
    check(n8 > 10 and src8.startswith(data8),
          "backpressure: %d whole %d-byte blocks, data in order" % (n8, BB))
    stats = [ln for ln in logtext("coverpipe6").splitlines() if "stats:" in ln]
    skipped = int(re.search(r"(\d+) ticks skipped", stats[-1]).group(1))
    check(skipped > 0, "backpressure: %d ticks skipped and counted" % skipped)
    stop(p6, "coverpipe6")

    # 9. Daemon mode: the parent returns once the pidfile is written and
    # the socket listens; SIGTERM ends the daemon.
    pidf = os.path.join(TMP, "coverpiped.pid")
    pd9 = free_port()
    rc = subprocess.run([os.path.join(BIN, "coverpiped"), "-s",
                         addr(pd9), "-t", addr(echo.port), "-p", pidf],
                        timeout=10).returncode
    check(rc == 0 and os.path.exists(pidf), "daemon: parent exits 0, "
          "pidfile written")
    pid9 = int(open(pidf).read())
    wait_port(pd9)
    os.kill(pid9, signal.SIGTERM)
    end = time.time() + 5
    while time.time() < end:
        try:
            # Gone, or a zombie not yet reaped by init: it has exited.
            st = open("/proc/%d/stat" % pid9).read()
            if st.rsplit(")", 1)[1].split()[0] == "Z":
                break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        fail("daemon did not exit on SIGTERM")
    print("ok: daemon exits on SIGTERM")
    print("PASS")


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
