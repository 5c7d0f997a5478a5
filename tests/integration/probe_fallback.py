"""Probes meet the real server (issue 16): `dust server --fallback` in
front of a real nginx, probed side by side with that nginx.

nginx (plain HTTP, client_header_timeout and keepalive_timeout 3 s so
that the test stays short) serves a small web root on one port; `dust
server -m http --fallback` (the built-in per-packet `http` model; its
sessions go to the same nginx) listens on another, and a real `dust
client` carries HTTP transfers through that port while the probes run.
Each probe runs at the same instant against the Dust port and against
nginx directly:
  - connect and send nothing;
  - a real HTTP GET;
  - random bytes (seed 16) of 1, 10, 100, 186, 187, 500, 5000, 50000;
  - a captured first flight of a real Dust client (recorded by a relay
    on its way to the server, which accepted it) sent again: a replay;
  - each of the above again with a half-close (SHUT_WR) after sending;
  - 1 byte a second for 5 s (the start of a GET);
  - the captured first flight again after the server restarted with the
    same --replay-log (still a replay).
For every probe the bytes received must be identical (the Date header's
value aside), the close the same kind (FIN, or RST), and at the same time
within TOL (100 ms; the machine may be busy with builds beside the test,
so the time is measured from each probe's own connect, both run at once).
Also: a real Dust client fetches a file of 30,000 bytes through the Dust
port again and again while the probes run (at least 3 times,
every transfer whole; a server without --fallback (tests/models/
probe.json, connections of 1.5 to 2.5 s) sends a silent prober and one
of 500 random bytes nothing and closes with a FIN when the duration ends
(1.45 to 3.5 s); a server whose fallback is down (a closed port, then a
Unix socket that does not exist) logs one clear line, resets junk, a
short GET and a half-closed prober, holds a silent one without spinning
(under 0.3 s of CPU in 1 s), and relays again, logging so, once the
site listens; and a server at its limit (-n 2, in front of an nginx
port that waits 60 s for a header: one prober awaiting the mark, one
relayed) makes a third prober wait 1.5 s, then relays it once the
relayed one closes, with one warning in its log (before the fix of
10dacb2 the third was answered at once: a handover let one more in).
TLS 1.3 probes are in probe_tls.py.  Run time about 17 s (80 s before
the transfers were made to overlap the probes).

Before this change: the same suite (PROBE_OLD=1: no --fallback, no
--replay-log, the HTTPS, restart, no-fallback and fallback-down checks
left out; the HTTPS check has since moved to probe_tls.py) run
once on 2026-12-07 with DUST_BIN=/work/main/build/bin, the release build
of main at 22ef3d2 (the server before the mark was used), on this 2-core
machine while other builds ran:
  silent                   dust 1102700 B FIN 42.947 s | nginx   0 B FIN 3.001 s
  GET                      dust  280922 B FIN 11.588 s | nginx 505 B FIN 3.001 s
  random 1                 dust  237262 B FIN  8.469 s | nginx 309 B FIN 0.001 s
  random 10                dust  290430 B FIN 11.498 s | nginx 309 B FIN 0.001 s
  random 100               dust  784464 B FIN 27.794 s | nginx 309 B FIN 0.000 s
  random 186               dust  226640 B FIN 10.405 s | nginx 309 B FIN 0.000 s
  random 187               dust  865680 B FIN 31.340 s | nginx 309 B FIN 0.000 s
  random 500               dust  460694 B FIN 17.549 s | nginx 309 B FIN 0.000 s
  random 5000              dust   97252 B FIN  4.413 s | nginx 309 B FIN 0.000 s
  random 50000             dust  941054 B FIN 35.803 s | nginx 309 B FIN 0.000 s
  replay                   dust  846848 B FIN 32.348 s | nginx 309 B FIN 0.000 s
  silent, half-close       dust       0 B FIN  0.000 s | nginx   0 B FIN 0.001 s
  GET, half-close          dust       0 B FIN  0.001 s | nginx 505 B FIN 0.001 s
  random N, half-close     dust       0 B FIN  0.001 s | nginx 309 B FIN 0.000 s
    (all eight sizes alike)
  replay, half-close       dust       0 B FIN  0.001 s | nginx 309 B FIN 0.000 s
  1 byte/s                 dust  103418 B FIN  5.088 s | nginx   0 B RST 4.588 s
  23 of 24 probes differ (the largest close-time difference 39.9 s); the
  old client's first flight was not recorded in that run (the relay got
  no connection within 20 s), so "replay" there sent 100 zero bytes.
  Transfers through the Dust client: 5 of 5.
After it (this file, the asan build): 24 of 24 probes identical, the
largest close-time difference 0.05 s (the 50 ms stall of a GET shorter
than the mark), 5 of 5 transfers, HTTPS through the Dust port as direct.
(2026-12-08, with the limit and fallback-down checks: the same, 0.051 s.)
"""
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests"))
from testlib import free_port, listening, nginx_conf, wait_port  # noqa
from probelib import (compare, probe, record_first_flight,  # noqa
                      side_by_side, spawn, transfers, undated, wait_log,
                      web_root)

BIN = os.environ.get("DUST_BIN", os.path.join(ROOT, "build/asan/bin"))
DUST = os.path.join(BIN, "dust")
NGINX = "/usr/sbin/nginx"
OLD = os.environ.get("PROBE_OLD") == "1"
TIMEOUT = 3             # nginx's header and keep-alive timeouts, s
SIZES = (1, 10, 100, 186, 187, 500, 5000, 50000)
GET = (b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n"
       b"User-Agent: probe\r\nAccept: */*\r\n\r\n")


def main():
    if not os.access(DUST, os.X_OK):
        print("skipped: no dust binary")
        return 77
    if not os.access(NGINX, os.X_OK):
        print("skipped: nginx is not installed")
        return 77
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="dust-fallback.")
    os.chmod(tmp, 0o755)        # nginx's workers read the web root
    procs = []
    fails = []
    try:
        np_, sp, cp, rp, cp2, lp = (free_port() for _ in range(6))
        log = open(os.path.join(tmp, "log"), "w")
        web_root(tmp)
        spawn(procs, [NGINX, "-c", nginx_conf(tmp, np_, None, TIMEOUT, lp),
                      "-p", tmp],
              log)
        wait_port(np_)
        key, inv = os.path.join(tmp, "key"), os.path.join(tmp, "invite")
        subprocess.run([DUST, "keygen", "-k", key], check=True,
                       stdout=subprocess.DEVNULL)
        with open(inv, "w") as f:
            subprocess.run([DUST, "invite", "-k", key, "-a",
                            "127.0.0.1:%d" % sp, "-m", "http"], check=True,
                           stdout=f)
        slog_path = os.path.join(tmp, "server.log")
        slog = open(slog_path, "w")
        args = [DUST, "server", "-F", "-v", "-s", "[127.0.0.1]:%d" % sp,
                "-t", "[127.0.0.1]:%d" % np_, "-k", key, "-i", inv]
        if not OLD:
            args += ["--fallback", "[127.0.0.1]:%d" % np_,
                     "--replay-log", os.path.join(tmp, "replay.log")]
        spawn(procs, args, slog)
        server = procs[-1]
        spawn(procs, [DUST, "client", "-F", "-v", "-s",
                      "[127.0.0.1]:%d" % cp, "-i", inv], log)
        # A second client through a recording relay: the first flight.
        flight = []
        rt = threading.Thread(target=record_first_flight,
                              args=(rp, sp, flight), daemon=True)
        rt.start()
        spawn(procs, [DUST, "client", "-F", "-c", "1", "-s",
                      "[127.0.0.1]:%d" % cp2, "-i", inv, "-t",
                      "[127.0.0.1]:%d" % rp], log)
        wait_port(sp)
        wait_port(cp)
        wait_port(cp2)
        app = socket.create_connection(("127.0.0.1", cp2))
        rt.join(25)
        app.close()
        if not flight or len(flight[0]) < 64:
            fails.append("no first flight recorded")
            flight = [b"\0" * 100]
        print("first flight recorded: %d bytes (%.1f s)" % (
            len(flight[0]), time.monotonic() - t0))

        rng = random.Random(16)
        kinds = [("silent", b"", False), ("GET", GET, False)]
        kinds += [("random %d" % n, bytes(rng.getrandbits(8)
                   for _ in range(n)), False) for n in SIZES]
        kinds += [("replay", flight[0], False)]
        kinds += [(k + ", half-close", p, True) for k, p, _ in list(kinds)]
        xfer = [0, 0]
        probes_done = threading.Event()
        xt = threading.Thread(target=transfers, args=(
            cp, os.path.join(tmp, "www", "file.bin"), probes_done, xfer))
        xt.start()
        out = {}
        side_by_side([k + (False,) for k in kinds] +
                     [("1 byte/s", GET[:5], False, True)],
                     {"dust": sp, "nginx": np_}, out)
        probes_done.set()
        xt.join()
        compare(out, [k for k, _, _ in kinds] + ["1 byte/s"], "dust",
                "nginx", fails)
        print("transfers through the Dust client while the probes ran: %d "
              "of %d whole" % tuple(xfer))
        if xfer[0] != xfer[1]:
            fails.append("transfers through the Dust port")
        print("(%.1f s)" % (time.monotonic() - t0))
        if not OLD:
            for check, cargs in (
                    (restart_check, (server, args, slog, sp, np_, flight[0],
                                     procs, fails)),
                    (silent_check, (tmp, key, fails)),
                    (down_check, (tmp, key, inv, fails)),
                    (limit_check, (tmp, key, inv, np_, lp, fails))):
                t = time.monotonic()
                check(*cargs)
                print("(%.1f s)" % (time.monotonic() - t))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    if fails:
        print("server log (kept): " + slog_path)
        print("FAIL: " + ", ".join(fails))
        return 1
    shutil.rmtree(tmp)
    print("ok")
    return 0


def restart_check(server, args, log, sp, np_, flight, procs, fails):
    """The server restarted with the same --replay-log: the captured first
    flight is still a replay (nginx's answer, not the server's)."""
    server.terminate()
    server.wait(10)
    spawn(procs, args, log)
    wait_port(sp)
    out = {}
    threads = [threading.Thread(target=probe, args=(port, flight, True,
                                                     False, out, side))
               for side, port in (("dust", sp), ("nginx", np_))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    d, n = out["dust"], out["nginx"]
    ok = undated(d[0]) == undated(n[0]) and d[1] == n[1]
    print("replay after a restart (--replay-log): dust %d B %s | nginx "
          "%d B %s%s" % (len(d[0]), d[1], len(n[0]), n[1],
                         "" if ok else "   DIFFERS"))
    if not ok:
        fails.append("replay after a restart")


def silent_check(tmp, key, fails):
    """A server requiring the mark without --fallback, model
    tests/models/probe.json (connections of 1.5 to 2.5 s): a silent
    prober and one sending 500 random bytes get nothing, and a FIN when
    the sampled duration ends (1.45 to 3.5 s)."""
    sp = free_port()
    inv = os.path.join(tmp, "invite-probe")
    with open(inv, "w") as f:
        subprocess.run([DUST, "invite", "-k", key, "-a",
                        "127.0.0.1:%d" % sp, "-m",
                        os.path.join(ROOT, "tests/models/probe.json")],
                       check=True, stdout=f)
    with open(os.path.join(tmp, "silent.log"), "w") as log:
        p = subprocess.Popen([DUST, "server", "-F", "-s",
                              "[127.0.0.1]:%d" % sp, "-t",
                              "[127.0.0.1]:%d" % free_port(), "-k", key,
                              "-i", inv], stdout=log, stderr=log)
    try:
        wait_port(sp)
        out = {}
        rng = random.Random(17)
        junk = bytes(rng.getrandbits(8) for _ in range(500))
        threads = [threading.Thread(target=probe, args=(sp, payload, False,
                                                        False, out, k))
                   for k, payload in (("silent", b""), ("random", junk))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for k in ("silent", "random"):
            d = out[k]
            ok = len(d[0]) == 0 and d[1] == "FIN" and 1.45 <= d[2] <= 3.5
            print("no --fallback, %s: %d B %s %.3f s%s" % (
                k, len(d[0]), d[1], d[2], "" if ok else "   WRONG"))
            if not ok:
                fails.append("no --fallback, " + k)
    finally:
        p.terminate()
        p.wait(10)


def cpu_seconds(pid):
    """The CPU time (user and system) the process ${pid} has used, s."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def down_check(tmp, key, inv, fails):
    """A server whose fallback is down (docs/protocol.md, "The site is
    down"): one clear log line an episode, every unauthenticated prober
    reset (100 bytes of junk, a GET shorter than the mark, a half-close),
    a silent prober held without cost (no spin: under 0.3 s of CPU in
    the 1 s it is held; a busy loop would take 1 s), the server still
    running; once the site listens again, "reachable again" and a
    prober gets the site's bytes.  Then the same with a --fallback Unix
    socket that does not exist (its connect fails at once)."""
    dead = free_port()
    for fb in ("[127.0.0.1]:%d" % dead, os.path.join(tmp, "no.sock")):
        sp = free_port()
        lp = os.path.join(tmp, "down.log")
        with open(lp, "w") as log:
            p = subprocess.Popen([DUST, "server", "-F", "-v", "-s",
                                  "[127.0.0.1]:%d" % sp, "-t",
                                  "[127.0.0.1]:%d" % dead, "-k", key, "-i",
                                  inv, "--fallback", fb],
                                 stdout=log, stderr=log)
        try:
            listening(sp)
            out = {}
            for i, (pay, shut) in enumerate(((b"\x01" * 100, False),
                                            (GET[:20], False),
                                            (b"", True))):
                probe(sp, pay, shut, False, out, i)
            kinds = [out[i][1] for i in range(3)]
            silent = socket.create_connection(("127.0.0.1", sp))
            cpu = cpu_seconds(p.pid)
            time.sleep(1)
            cpu = cpu_seconds(p.pid) - cpu
            silent.close()
            print("fallback %s down: junk, a short GET, a half-close closed "
                  "by %s; %.2f s of CPU in 1 s with a silent prober held" %
                  (fb, kinds, cpu))
            if kinds != ["RST"] * 3:
                fails.append("fallback down: not reset")
            if cpu > 0.3:
                fails.append("fallback down: %.2f s of CPU in 1 s" % cpu)
            if fb.startswith("["):
                back_check(sp, dead, lp, fails)
            if p.poll() is not None:
                fails.append("fallback down: the server exited")
        finally:
            p.terminate()
            p.wait(10)
        with open(lp) as f:
            lines = [ln for ln in f if "--fallback" in ln and "cannot" in ln]
        print("fallback down: %d log line(s): %s" % (
            len(lines), lines[0].strip() if lines else ""))
        if len(lines) != 1:
            fails.append("fallback down: %d log lines, not 1" % len(lines))


def back_check(sp, port, lp, fails):
    """The fallback site listens again on ${port}: a prober of the server
    on ${sp} gets its bytes and its FIN, and the log says so."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(4)

    def serve():
        a, _ = ls.accept()
        a.sendall(b"site\n")
        a.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    out = {}
    probe(sp, b"", False, False, out, 0)
    t.join(10)
    ls.close()
    again = wait_log(lp, "reachable again", 1, 5)
    print("fallback back: the prober got %r, %s; %s" % (
        out[0][0], out[0][1], "reachable again logged" if again else
        "NOT LOGGED"))
    if out[0][:2] != (b"site\n", "FIN") or not again:
        fails.append("fallback back up")


def limit_check(tmp, key, inv, np_, lp, fails):
    """A server with --fallback at its connection limit (-n 2; man/dust.1:
    accepting pauses at the limit, and a connection awaiting its verdict
    or relayed counts), its fallback an nginx port that waits 60 s for a
    request's header.  Two probers fill it: one silent (awaiting the
    mark), one sending the start of a request line, which stalls and is
    relayed (nginx waits for the rest).  A third prober's GET then gets
    nothing for WAIT s: nothing frees a slot for 60 s, so no timing is
    tight.  Once the relayed prober closes (nginx closes its side, the
    relay ends), the third is accepted and relayed: nginx's 200."""
    wait = 1.5
    sp = free_port()
    log_path = os.path.join(tmp, "limit.log")
    with open(log_path, "w") as log:
        p = subprocess.Popen([DUST, "server", "-F", "-v", "-n", "2", "-s",
                              "[127.0.0.1]:%d" % sp, "-t",
                              "[127.0.0.1]:%d" % np_, "-k", key, "-i", inv,
                              "--fallback", "[127.0.0.1]:%d" % lp],
                             stdout=log, stderr=log)
    held = []
    try:
        listening(sp)          # without a connection, which would count
        for payload in (b"", b"GET /index.html HTTP/1.1\r\n"):
            s = socket.create_connection(("127.0.0.1", sp))
            s.sendall(payload)
            held.append(s)
        relayed = wait_log(log_path, "first flight stalled", 1, 20)
        third = socket.create_connection(("127.0.0.1", sp))
        third.sendall(GET)
        third.settimeout(wait)
        try:
            early = third.recv(65536)
        except socket.timeout:
            early = None
        held.pop().close()
        third.settimeout(20)
        late = bytearray()
        try:
            while not late.endswith(b"</html>\n"):
                d = third.recv(65536)
                if not d:
                    break
                late += d
        except (socket.timeout, ConnectionResetError):
            pass
        third.close()
        ok_wait = early is None
        ok_late = late.startswith(b"HTTP/1.1 200")
        print("limit -n 2 (one prober awaiting the mark, one relayed%s): "
              "a third %s for %.1f s; %s after the relayed one closed" % (
                  "" if relayed else " NOT SEEN",
                  "waits" if ok_wait else "answered (%d B)" % len(early),
                  wait, ("nginx's 200 (%d B)" % len(late)) if ok_late else
                  ("%r" % bytes(late[:40]))))
        if not relayed:
            fails.append("limit: the stalled prober was not relayed")
        if not ok_wait:
            fails.append("limit: the third connection was served at once")
        if not ok_late:
            fails.append("limit: the third connection never reached nginx")
        if p.poll() is not None:
            fails.append("limit: the server exited")
    finally:
        for c in held:
            c.close()
        p.terminate()
        p.wait(10)
    with open(log_path) as f:
        lines = [ln.strip() for ln in f if "until one ends" in ln]
    print("limit: %d warning(s): %s" % (len(lines), lines[0] if lines
                                         else ""))
    if len(lines) != 1:
        fails.append("limit: %d warnings, not 1" % len(lines))


if __name__ == "__main__":
    sys.exit(main())
