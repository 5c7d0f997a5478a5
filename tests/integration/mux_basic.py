#!/usr/bin/python3
"""pipemux -> pipemuxd on loopback, with real backends started here.

Port ids: 1 echo (Python), 2 nginx-light (static file), 3 a backend that
accepts and never reads, 4 a backend that floods and whose client never
reads, 5 a refused target (nothing listens), 6 a backend that half-closes
first, 7 a target whose connect never completes (full backlog), 9 unknown
to pipemuxd.  Checked: several concurrent multi-MB
transfers with sha256 both ways; half-close both ways; prompt EOF for an
unknown port id and a refused target; stalled connections do not stall
another transfer and RSS stays bounded; link loss and reconnection;
hostile bytes on pipemuxd's SOURCE drop that link only; clean SIGTERM
exits (under ASan, a leak would make the exit status non-zero); daemon
mode; running out of descriptors.
"""
import errno
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests"))
from testlib import free_port, recv_all  # noqa: E402
import testlib  # noqa: E402

BIN = os.environ.get("DUST_BIN", os.path.join(ROOT, "build/asan/bin"))
T = tempfile.mkdtemp(prefix="dust-mux.")
PROCS = []
# A small ASan quarantine, so that RSS reflects what is live (the default
# quarantine alone is 256 MiB).
ENV = dict(os.environ)
ENV["ASAN_OPTIONS"] = (ENV.get("ASAN_OPTIONS", "detect_leaks=1") +
                       ":quarantine_size_mb=4")

# RSS growth allowed while two connections stall (each may hold its
# 256 KiB window in each program, plus a 256 KiB link buffer): 24 MiB.
RSS_GROWTH_LIMIT_KB = 24 * 1024
STALL_PUSH = 64 << 20   # what the stalled sender tries to push
# Bytes a stalled connection may absorb before its sender blocks: the
# 256 KiB window plus the kernel's loopback socket buffers (up to 4 MiB
# send + 6 MiB receive on each of the two sockets it crosses): 32 MiB.
# Without flow control the flood backend writes GiBs in the 3 s it runs.
BACKPRESSURE_LIMIT = 32 << 20


def fail(msg):
    print("FAIL: " + msg, flush=True)
    for name in ("pipemux", "pipemuxd", "pipemuxd2"):
        p = os.path.join(T, name + ".log")
        if os.path.exists(p):
            print("---- " + name + ".log (tail)")
            print("".join(open(p).readlines()[-15:]))
    sys.exit(1)


def wait_port(port, secs=10):
    testlib.wait_port(port, secs, fail)


def spawn(name, argv):
    log = open(os.path.join(T, name + ".log"), "w")
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                         env=ENV)
    PROCS.append(p)
    return p


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_secs(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def log_text(name):
    return open(os.path.join(T, name + ".log")).read()


def seeded(seed, n):
    return random.Random(seed).randbytes(n)


# ---- backends ---------------------------------------------------------

def serve(port, handler):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)

    def loop():
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            threading.Thread(target=handler, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return ls


def echo_handler(c):
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


STALLED = []


def stall_handler(c):
    STALLED.append(c)           # accept, keep open, never read


FLOODED = [0]


def flood_handler(c):
    block = b"f" * 65536
    try:
        while True:
            c.sendall(block)
            FLOODED[0] += len(block)
    except OSError:
        pass


HALF = {}


def halfclose_handler(c):
    """Send 1 MiB, half-close, then hash all the client sends."""
    try:
        c.sendall(seeded(61, 1 << 20))
        c.shutdown(socket.SHUT_WR)
        h = hashlib.sha256()
        n = 0
        while True:
            d = c.recv(65536)
            if not d:
                break
            h.update(d)
            n += len(d)
        HALF["got"] = (n, h.hexdigest())
    except OSError as e:
        HALF["got"] = ("error", str(e))
    c.close()


HOLD = []


def blackhole():
    """A loopback port where connects hang: a full backlog, SYNs dropped."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(0)
    port = ls.getsockname()[1]
    HOLD.append(ls)
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        HOLD.append(c)
    time.sleep(0.2)
    return port


def start_nginx(port):
    www = os.path.join(T, "www")
    os.makedirs(www)
    os.makedirs(os.path.join(T, "tmp"))
    body = seeded(21, 4 << 20)
    open(os.path.join(www, "file.bin"), "wb").write(body)
    os.chmod(T, 0o755)
    conf = os.path.join(T, "nginx.conf")
    tmp = os.path.join(T, "tmp")
    open(conf, "w").write("""
%s
daemon off;
worker_processes 1;
pid %s/nginx.pid;
error_log %s/nginx-error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %s/cb; proxy_temp_path %s/px;
    fastcgi_temp_path %s/fc; uwsgi_temp_path %s/uw; scgi_temp_path %s/sc;
    server { listen 127.0.0.1:%d; root %s; }
}
""" % ("user root root;" if os.getuid() == 0 else "", T, T, tmp, tmp, tmp,
       tmp, tmp, port, www))
    spawn("nginx", ["/usr/sbin/nginx", "-c", conf, "-p", T])
    wait_port(port)
    return hashlib.sha256(body).hexdigest()


# ---- clients ----------------------------------------------------------

def echo_transfer(port, seed, size, results, key, timeout=60):
    """Send ${size} seeded bytes, half-close, read the echo to EOF."""
    try:
        data = seeded(seed, size)
        s = socket.create_connection(("127.0.0.1", port), 5)
        s.settimeout(timeout)
        got = []

        def reader():
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    got.append(d)
            except OSError as e:
                got.append(("error", str(e)))
        t = threading.Thread(target=reader)
        t.start()
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        t.join(timeout)
        s.close()
        if any(isinstance(g, tuple) for g in got):
            results[key] = "read error " + repr(got[-1])
            return
        back = b"".join(got)
        ok = hashlib.sha256(back).digest() == hashlib.sha256(data).digest()
        results[key] = "ok" if ok else "mismatch (%d of %d bytes)" % (
            len(back), size)
    except OSError as e:
        results[key] = "error: %s" % e


def http_get(port, path, results, key):
    try:
        s = socket.create_connection(("127.0.0.1", port), 5)
        s.settimeout(60)
        s.sendall(("GET %s HTTP/1.0\r\nHost: x\r\n\r\n" % path).encode())
        raw = recv_all(s)
        s.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            results[key] = "bad reply %r" % head[:40]
            return
        results[key] = hashlib.sha256(body).hexdigest()
    except OSError as e:
        results[key] = "error: %s" % e


def expect_prompt_eof(port, what, reset_ok=False):
    """A connection to ${port} must end (EOF; or RST if ${reset_ok})."""
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.settimeout(3)
    t0 = time.time()
    try:
        d = s.recv(100)
    except socket.timeout:
        fail("%s: no EOF within 3 s" % what)
    except ConnectionResetError:
        if not reset_ok:
            fail("%s: reset instead of EOF" % what)
        d = b""
    if d != b"":
        fail("%s: got data %r instead of EOF" % (what, d))
    s.close()
    print("ok: %s gives EOF after %.3f s" % (what, time.time() - t0))


def run_parallel(jobs):
    ts = [threading.Thread(target=f, args=a) for f, a in jobs]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)


def check_echo(port, seed, size, what):
    r = {}
    echo_transfer(port, seed, size, r, "x", timeout=20)
    if r.get("x") != "ok":
        fail("%s: %s" % (what, r.get("x")))


# ---- the test ---------------------------------------------------------

def main():
    for prog in ("pipemux", "pipemuxd"):
        path = os.path.join(BIN, prog)
        if not os.access(path, os.X_OK):
            fail("%s not built" % path)
        out = subprocess.run([path, "--version"], capture_output=True,
                             text=True)
        if out.returncode != 0 or not out.stdout.startswith(prog + " "):
            fail("%s --version: %r" % (prog, out.stdout))
        out = subprocess.run([path, "-h"], capture_output=True, text=True)
        if out.returncode != 0 or "usage:" not in out.stdout:
            fail("%s -h" % prog)
        out = subprocess.run([path, "-p", "300:[127.0.0.1]:1"],
                             capture_output=True, text=True)
        if out.returncode == 0 or "300" not in out.stderr:
            fail("%s accepts port id 300" % prog)

    pe, pn, ps, pf, pr, ph = (free_port() for _ in range(6))
    pb = blackhole()
    serve(pe, echo_handler)
    serve(ps, stall_handler)
    serve(pf, flood_handler)
    serve(ph, halfclose_handler)
    nginx_sha = start_nginx(pn)

    src = free_port()
    dargs = [os.path.join(BIN, "pipemuxd"), "-F", "-v",
             "-s", "[127.0.0.1]:%d" % src,
             "-p", "1:[127.0.0.1]:%d" % pe, "-p", "2:[127.0.0.1]:%d" % pn,
             "-p", "3:[127.0.0.1]:%d" % ps, "-p", "4:[127.0.0.1]:%d" % pf,
             "-p", "5:[127.0.0.1]:%d" % pr, "-p", "6:[127.0.0.1]:%d" % ph,
             "-p", "7:[127.0.0.1]:%d" % pb]
    muxd = spawn("pipemuxd", dargs)
    wait_port(src)
    L = {i: free_port() for i in (1, 2, 3, 4, 5, 6, 9)}
    margs = [os.path.join(BIN, "pipemux"), "-F", "-v",
             "-t", "[127.0.0.1]:%d" % src]
    for i, p in L.items():
        margs += ["-p", "%d:[127.0.0.1]:%d" % (i, p)]
    mux = spawn("pipemux", margs)
    for p in L.values():
        wait_port(p)
    time.sleep(0.5)

    # 1. Concurrent transfers: 4 echo connections of 3 MiB each way and
    # 2 nginx downloads of 4 MiB, all at once on the one link.
    res = {}
    t0 = time.time()
    jobs = [(echo_transfer, (L[1], 100 + i, 3 << 20, res, "echo%d" % i))
            for i in range(4)]
    jobs += [(http_get, (L[2], "/file.bin", res, "nginx%d" % i))
             for i in range(2)]
    run_parallel(jobs)
    for i in range(4):
        if res.get("echo%d" % i) != "ok":
            fail("echo transfer %d: %s" % (i, res.get("echo%d" % i)))
    for i in range(2):
        if res.get("nginx%d" % i) != nginx_sha:
            fail("nginx download %d: %s" % (i, res.get("nginx%d" % i)))
    print("ok: 4 x 3 MiB echo (sha256 both ways) + 2 x 4 MiB nginx in "
          "%.2f s" % (time.time() - t0))

    # 2. Half-close, server first: the backend sends 1 MiB and shuts
    # down its writes; the client reads to EOF, then still sends 2 MiB.
    HALF.clear()        # wait_port's probe connection counted too
    s = socket.create_connection(("127.0.0.1", L[6]), 5)
    s.settimeout(20)
    got = recv_all(s)
    if got != seeded(61, 1 << 20):
        fail("half-close: reply of %d bytes differs" % len(got))
    up = seeded(62, 2 << 20)
    s.sendall(up)
    s.shutdown(socket.SHUT_WR)
    end = time.time() + 20
    while "got" not in HALF and time.time() < end:
        time.sleep(0.05)
    s.close()
    if HALF.get("got") != (len(up), hashlib.sha256(up).hexdigest()):
        fail("half-close: backend got %r" % (HALF.get("got"),))
    print("ok: half-close both ways (client-first in 1, server-first here)")

    # 3. Prompt EOF for an unknown port id and for a refused target.
    expect_prompt_eof(L[9], "unknown port id 9")
    expect_prompt_eof(L[5], "refused target (port id 5)")

    # 4. Stalls: a connection whose backend never reads, and one whose
    # client never reads a flooding backend.
    rss0 = (rss_kb(mux.pid), rss_kb(muxd.pid))
    stall = socket.create_connection(("127.0.0.1", L[3]), 5)
    stall.settimeout(1.0)
    pushed = [0]

    def pusher():
        block = b"s" * 65536
        try:
            while pushed[0] < STALL_PUSH:
                pushed[0] += stall.send(block)
        except OSError:
            pass
    pt = threading.Thread(target=pusher)
    pt.start()
    flood = socket.create_connection(("127.0.0.1", L[4]), 5)
    flood.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    time.sleep(2)
    t0 = time.time()
    check_echo(L[1], 200, 3 << 20, "echo during stalls")
    dt = time.time() - t0
    time.sleep(1)
    pt.join(5)
    rss1 = (rss_kb(mux.pid), rss_kb(muxd.pid))
    growth = max(rss1[0] - rss0[0], rss1[1] - rss0[1])
    print("ok: 3 MiB echo in %.2f s beside the stalls; stalled sender "
          "pushed %.1f MiB of %d MiB, flood backend wrote %.1f MiB; RSS "
          "pipemux %d->%d KiB, pipemuxd %d->%d KiB (limit +%d KiB)" % (
              dt, pushed[0] / 1048576.0, STALL_PUSH >> 20,
              FLOODED[0] / 1048576.0, rss0[0], rss1[0], rss0[1], rss1[1],
              RSS_GROWTH_LIMIT_KB))
    if pushed[0] >= BACKPRESSURE_LIMIT:
        fail("no back-pressure: the stalled sender pushed %d bytes" %
             pushed[0])
    if FLOODED[0] >= BACKPRESSURE_LIMIT:
        fail("no back-pressure: the flood backend wrote %d bytes" %
             FLOODED[0])
    if growth > RSS_GROWTH_LIMIT_KB:
        fail("RSS grew by %d KiB" % growth)
    stall.close()
    flood.close()

    # 5. Hostile input straight to pipemuxd's SOURCE, each on its own
    # link, while the pipemux link goes on working.
    rnd = random.Random(5)
    hostile = [
        ("random bytes", rnd.randbytes(4096), True, "protocol error"),
        ("random bytes, 256 KiB", rnd.randbytes(256 << 10), True,
         "protocol error"),
        ("truncated frame", b"\x00\x10\x00\x01abc", True,
         "inside a frame's data"),
        ("truncated header", b"\x80\x10\x00", True,
         "inside a frame header"),
        ("open on id 0", b"\x80\x00\x00\x00\x01", False, "id 0"),
        ("write to unknown id", b"\x00\x01\x00\x07x", False,
         "write frame on unknown connection id 7"),
        # Credit the server never needed: its window would exceed 256 KiB.
        ("window overflow", b"\x80\x00\x00\x01\x03" +
         b"\x00\x07\x00\x00\x01\x00\x01\x00\x00\x00\x01", False,
         "window overflow on connection id 1"),
        # Data beyond the window: the target (port id 7) never finishes
        # connecting, so nothing is consumed; 9 x 32767 > 262144 bytes.
        ("oversize data (window overflow)", b"\x80\x00\x00\x01\x07" +
         (b"\x7f\xff\x00\x01" + b"o" * 32767) * 9, False,
         "window overflow on connection id 1: 32767 bytes with 8 bytes"),
        ("close on unknown id", b"\x00\x00\x00\x08", False,
         "close frame on unknown connection id 8"),
        ("malformed control", b"\x00\x03\x00\x00\x01\x00\x01", False,
         "truncated WINDOW"),
        ("open twice", b"\x80\x00\x00\x02\x09" * 2, False,
         "connection id 2, which is in use"),
    ]
    for what, data, half, msg in hostile:
        before = log_text("pipemuxd").count("dropped")
        h = socket.create_connection(("127.0.0.1", src), 5)
        h.settimeout(5)
        try:
            # pipemuxd may drop the link before it has read everything:
            # a reset while sending (or a shutdown after it) is that
            # drop, checked below.
            h.sendall(data)
            if half:
                h.shutdown(socket.SHUT_WR)
        except OSError as e:
            if e.errno not in (errno.ECONNRESET, errno.EPIPE,
                               errno.ENOTCONN):
                raise
        try:
            while h.recv(65536):
                pass
        except socket.timeout:
            fail("hostile %s: pipemuxd kept the link" % what)
        except ConnectionResetError:
            pass
        h.close()
        end = time.time() + 5
        while time.time() < end:
            lines = [ln for ln in log_text("pipemuxd").splitlines()
                     if "dropped" in ln]
            if len(lines) > before:
                break
            time.sleep(0.05)
        if len(lines) <= before or msg not in lines[-1]:
            fail("hostile %s: no log line naming '%s'" % (what, msg))
        if muxd.poll() is not None:
            fail("hostile %s: pipemuxd died" % what)
        print("ok: hostile %s -> %s" % (what, lines[-1].strip()))
        check_echo(L[1], 300, 256 << 10, "good link after " + what)

    # 6. Link drop: a connection open on the link is reset or ended,
    # new ones are refused while the link is down, and pipemux
    # reconnects to a new pipemuxd.
    live = socket.create_connection(("127.0.0.1", L[1]), 5)
    live.sendall(b"ping")
    live.settimeout(5)
    if live.recv(4) != b"ping":
        fail("live connection before the drop")
    muxd.send_signal(signal.SIGTERM)
    if muxd.wait(15) != 0:
        fail("pipemuxd exit status %d after SIGTERM" % muxd.returncode)
    try:
        d = live.recv(10)
    except ConnectionResetError:
        d = b""
    except socket.timeout:
        fail("connection on the dropped link neither reset nor ended")
    if d != b"":
        fail("connection on the dropped link got %r" % d)
    live.close()
    time.sleep(0.3)
    expect_prompt_eof(L[1], "new connection while the link is down",
                      reset_ok=True)
    muxd2 = spawn("pipemuxd2", dargs)
    wait_port(src)
    end = time.time() + 20
    while time.time() < end:
        r = {}
        echo_transfer(L[1], 400, 1 << 20, r, "x", timeout=10)
        if r.get("x") == "ok":
            break
        time.sleep(0.25)
    else:
        fail("pipemux did not reconnect within 20 s")
    if "reconnecting in" not in log_text("pipemux"):
        fail("pipemux logged no reconnection")
    print("ok: link drop: reset, refused while down, reconnected")

    # 7. Clean exits on SIGTERM (ASan leak check included).
    for p, name in ((mux, "pipemux"), (muxd2, "pipemuxd")):
        p.send_signal(signal.SIGTERM)
        if p.wait(15) != 0:
            fail("%s exit status %d after SIGTERM" % (name, p.returncode))

    # 8. Daemon mode: -P pidfile, the pid in it, SIGTERM.
    pidfile = os.path.join(T, "d.pid")
    src2 = free_port()
    rc = subprocess.run([os.path.join(BIN, "pipemuxd"), "-s",
                         "[127.0.0.1]:%d" % src2, "-P", pidfile,
                         "-p", "1:[127.0.0.1]:%d" % pe], env=ENV).returncode
    if rc != 0:
        fail("pipemuxd as a daemon: exit %d" % rc)
    pid = int(open(pidfile).read())
    wait_port(src2)
    os.kill(pid, signal.SIGTERM)
    end = time.time() + 10
    while time.time() < end and os.path.exists("/proc/%d" % pid):
        time.sleep(0.05)
    if os.path.exists("/proc/%d" % pid):
        fail("daemon did not exit on SIGTERM")
    print("ok: daemon mode with -P pidfile")

    # 9. Out of descriptors: pipemuxd with 20 of them (its -n 2 needs 18:
    # it keeps -n 2) pauses accepting (no busy loop: under 0.5 s of CPU in
    # the 1.5 s it is starved), and serves a new link once links are
    # closed.
    src3 = free_port()
    starved = spawn("pipemuxd3", ["sh", "-c", "ulimit -n 20 && exec \"$0\" \"$@\"",
                                  os.path.join(BIN, "pipemuxd"), "-F", "-s",
                                  "[127.0.0.1]:%d" % src3, "-n", "2",
                                  "-p", "1:[127.0.0.1]:%d" % pe])
    wait_port(src3)
    cpu0 = cpu_secs(starved.pid)
    many = [socket.create_connection(("127.0.0.1", src3), 5)
            for _ in range(30)]
    time.sleep(1.5)
    cpu = cpu_secs(starved.pid) - cpu0
    if "pausing" not in log_text("pipemuxd3"):
        fail("no log line when out of descriptors")
    if cpu > 0.5:
        fail("pipemuxd used %.2f s of CPU while out of descriptors" % cpu)
    for c in many:
        c.close()
    time.sleep(0.5)
    h = socket.create_connection(("127.0.0.1", src3), 5)
    h.settimeout(5)
    h.sendall(b"\x80\x00\x00\x01\xc8")    # open id 1 to port id 200
    if h.recv(4) != b"\x00\x00\x00\x01":
        fail("no close frame for an unknown port id after the starvation")
    h.close()
    print("ok: out of descriptors: paused (%.2f s CPU), then served" % cpu)

    # 10. -n 2: a third connection at once is refused with a close frame.
    h = socket.create_connection(("127.0.0.1", src3), 5)
    h.settimeout(3)
    h.sendall(b"\x80\x00\x00\x01\x01" b"\x80\x00\x00\x02\x01"
              b"\x80\x00\x00\x03\x01")
    if h.recv(4) != b"\x00\x00\x00\x03":
        fail("-n 2: the third connection was not refused")
    try:
        extra = h.recv(4)
    except socket.timeout:
        extra = b""
    if extra:
        fail("-n 2: unexpected frame %r" % extra)
    h.close()
    if "refused, 2 connections already" not in log_text("pipemuxd3"):
        fail("-n 2: no log line")
    print("ok: -n 2 refuses the third connection")
    print("PASS")


try:
    main()
finally:
    testlib.stop_procs(PROCS)
    if os.environ.get("KEEP") != "1":
        shutil.rmtree(T, ignore_errors=True)
