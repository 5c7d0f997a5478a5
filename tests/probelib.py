"""Helpers of the probe suites (tests/integration/probe_fallback.py,
probe_tls.py): probes run side by side against a Dust server with
--fallback and against the site behind it, and what they are compared
by.  Loopback addresses only."""
import os
import random
import socket
import struct
import subprocess
import threading
import time

from testlib import recv_all

# Close times of a probe through Dust and directly may differ by this
# much (s); each is measured from the probe's own connect, both at once.
TOL = 0.100
MIN_XFER = 3           # transfers through a Dust client, at least
XFER_PAUSE = 0.1       # s between them (traffic, not a flood)


def web_root(tmp):
    """Fill ${tmp}/www: index.html and file.bin (30,000 bytes, seed 7)."""
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("<html><body>" + "probe " * 40 + "</body></html>\n")
    rnd = random.Random(7)
    with open(os.path.join(www, "file.bin"), "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(30000)))

def probe(port, payload, shut, slow, out, key):
    """Connect to ${port}, send ${payload} (a byte a second if ${slow}),
    half-close if ${shut}, read until the close; out[key] = (bytes, "FIN"
    or "RST" or "open", seconds from connect to close)."""
    data = bytearray()
    s = socket.socket()
    s.settimeout(30)
    t0 = time.monotonic()
    s.connect(("127.0.0.1", port))
    kind = "FIN"
    try:
        if slow:
            # Half a second off nginx's whole-second timeout.
            for b in payload:
                time.sleep(0.5)
                s.sendall(bytes([b]))
                time.sleep(0.5)
        elif payload:
            s.sendall(payload)
        if shut:
            s.shutdown(socket.SHUT_WR)
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except ConnectionResetError:
        kind = "RST"
    except BrokenPipeError:
        kind = "RST"
    except socket.timeout:
        kind = "open"
    t = time.monotonic() - t0
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    out[key] = (bytes(data), kind, t)

def undated(b):
    """${b} with the Date header's value blanked."""
    lines = b.split(b"\r\n")
    return b"\r\n".join(b"Date: -" if ln.startswith(b"Date: ") else ln
                        for ln in lines)

def record_first_flight(listen, target, got):
    """Relay one connection from ${listen} to ${target}, recording the
    client's bytes of its first second in got[0]."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen))
    ls.listen(4)
    ls.settimeout(20)
    try:
        a, _ = ls.accept()
    except socket.timeout:
        return
    finally:
        ls.close()
    b = socket.create_connection(("127.0.0.1", target))
    rec = bytearray()

    def down():
        try:
            while True:
                d = b.recv(65536)
                if not d:
                    break
                a.sendall(d)
        except OSError:
            pass

    t = threading.Thread(target=down, daemon=True)
    t.start()
    a.settimeout(0.2)
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        try:
            d = a.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            break
        if not d:
            break
        rec += d
        b.sendall(d)
    got.append(bytes(rec))
    for s in (a, b):
        s.close()

def transfers(cport, path, done, result, pause=XFER_PAUSE):
    """Fetch the file ${path} of the web root through the Dust client on
    ${cport} again and again, ${pause} s apart, until the event ${done} is
    set, and at least MIN_XFER times; result = [whole ones, all]."""
    with open(path, "rb") as f:
        want = f.read()
    request = ("GET /%s HTTP/1.1\r\nHost: localhost\r\nConnection: "
               "close\r\n\r\n" % os.path.basename(path)).encode()
    while not done.is_set() or result[1] < MIN_XFER:
        if result[1] > 0:
            time.sleep(pause)
        result[1] += 1
        try:
            s = socket.create_connection(("127.0.0.1", cport), timeout=60)
            s.sendall(request)
            d = recv_all(s)
            s.close()
            body = d.split(b"\r\n\r\n", 1)[-1]
            result[0] += body == want
            if body != want:
                print("transfer: %d bytes, %r" % (len(d), d[:200]))
        except OSError as e:
            print("transfer: %s" % e)

def spawn(procs, args, log):
    procs.append(subprocess.Popen(args, stdout=log, stderr=log))

def wait_log(path, text, count, secs):
    """Wait up to ${secs} seconds until the file ${path} has ${count}
    lines holding ${text}; return whether it has."""
    end = time.monotonic() + secs
    while True:
        with open(path) as f:
            if sum(text in ln for ln in f) >= count:
                return True
        if time.monotonic() > end:
            return False
        time.sleep(0.05)

def side_by_side(kinds, ports, out):
    """Run every probe of ${kinds} ((name, payload, half-close, slow)
    tuples) against every side of ${ports} ({side: port}) at once;
    out[(name, side)] = probe's result."""
    threads = []
    for name, payload, shut, slow in kinds:
        for side, port in ports.items():
            threads.append(threading.Thread(
                target=probe, args=(port, payload, shut, slow, out,
                                    (name, side))))
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def compare(out, names, side, base, fails, same=None):
    """Print and judge the probes ${names} of ${side} against ${base}:
    the same bytes (Date aside, or as same(a, b) says), close kind, and
    close time within TOL; failing ones go to ${fails}.  Return the
    largest difference in close time."""
    worst = 0.0
    for name in names:
        d, n = out[(name, side)], out[(name, base)]
        alike = (same(d[0], n[0]) if same is not None else
                 undated(d[0]) == undated(n[0]))
        dt = abs(d[2] - n[2])
        worst = max(worst, dt)
        ok = alike and d[1] == n[1] and dt <= TOL
        print("%-24s %s %7d B %s %6.3f s | %s %7d B %s %6.3f s%s" % (
            name, side, len(d[0]), d[1], d[2], base, len(n[0]), n[1], n[2],
            "" if ok else "   DIFFERS"))
        if not ok:
            fails.append("%s: %s" % (side, name))
    print("%s: largest difference in close time %.3f s (tolerance %.3f)"
          % (side, worst, TOL))
    return worst
