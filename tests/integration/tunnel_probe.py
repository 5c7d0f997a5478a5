"""Active probing of a dust server (DECISIONS §5).

A dust server (model tests/models/probe.json: skewed byte weights, 50
packets a second, connections of 1.5 to 2.5 s) is probed by connections
that send nothing, 4000 random bytes, a replayed recording of a real
client's stream, or the first 20 bytes of that recording (a truncated
handshake); 6 connections of each kind at once.  The baseline is the
server's traffic to a real dust client whose session sends nothing,
recorded by a relay between client and server.  For every probe, as for
the real client:
  - the server does not close before 1.45 s (the model's shortest
    duration, less 50 ms) and closes by 3.5 s (longest, plus slack);
  - its byte rate is within 0.6x to 1.6x the real client's (the model
    fixes it at 50 packets of 550 bytes on average a second);
  - its byte histogram (all probes of a kind together, >= 20,000 bytes)
    is not distinguishable from the real client's: chi-square test of
    homogeneity on the 256 values, p > 0.001.
"""
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
from scipy.stats import chi2_contingency

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
BIN = os.environ.get("DUST_BIN", os.path.join(ROOT, "build/asan/bin"))
DUST = os.path.join(BIN, "dust")
MODEL = os.path.join(ROOT, "tests/models/probe.json")
PER_KIND = 6


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, secs=10):
    end = time.time() + secs
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("FAIL: nothing listens on %d" % port)


def collect(sock, send=b"", result=None):
    """Send ${send}, then read until the server closes; return (bytes,
    seconds until close)."""
    t0 = time.monotonic()
    got = bytearray()
    sock.settimeout(10)
    try:
        if send:
            sock.sendall(send)
        while True:
            d = sock.recv(65536)
            if not d:
                break
            got += d
    except (ConnectionResetError, socket.timeout):
        pass
    dt = time.monotonic() - t0
    sock.close()
    if result is not None:
        result.append((bytes(got), dt))
    return bytes(got), dt


class Recorder(threading.Thread):
    """A relay that records the first connection's bytes both ways."""

    def __init__(self, port, target):
        super().__init__(daemon=True)
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", port))
        self.ls.listen(16)
        self.target = target
        self.up = []        # client -> server, per connection
        self.down = []      # (server -> client bytes, seconds open)

    def pump(self, a, b, buf):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                buf += d
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def conn(self, a):
        b = socket.create_connection(("127.0.0.1", self.target))
        up, down = bytearray(), bytearray()
        t0 = time.monotonic()
        t = threading.Thread(target=self.pump, args=(a, b, up), daemon=True)
        t.start()
        self.pump(b, a, down)
        self.down.append((bytes(down), time.monotonic() - t0))
        t.join()
        self.up.append(bytes(up))

    def run(self):
        while True:
            a, _ = self.ls.accept()
            threading.Thread(target=self.conn, args=(a,), daemon=True).start()


def main():
    if not os.access(DUST, os.X_OK):
        print("skipped: no dust binary")
        return 77
    tmp = tempfile.mkdtemp(prefix="dust-probe.")
    procs = []
    fails = []
    try:
        sp, tp, cp, rp = free_port(), free_port(), free_port(), free_port()
        key, inv = os.path.join(tmp, "key"), os.path.join(tmp, "invite")
        subprocess.run([DUST, "keygen", "-k", key], check=True,
                       stdout=subprocess.DEVNULL)
        with open(inv, "w") as f:
            subprocess.run([DUST, "invite", "-k", key, "-a",
                            "127.0.0.1:%d" % sp, "-m", MODEL], check=True,
                           stdout=f)
        # A target that accepts and holds connections.
        tl = socket.socket()
        tl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tl.bind(("127.0.0.1", tp))
        tl.listen(16)
        slog = open(os.path.join(tmp, "server.log"), "w")
        procs.append(subprocess.Popen(
            [DUST, "server", "-F", "-v", "-s", "[127.0.0.1]:%d" % sp, "-t",
             "[127.0.0.1]:%d" % tp, "-k", key, "-i", inv],
            stdout=slog, stderr=slog))
        rec = Recorder(rp, sp)
        rec.start()
        procs.append(subprocess.Popen(
            [DUST, "client", "-F", "-c", "1", "-s", "[127.0.0.1]:%d" % cp,
             "-i", inv, "-t", "[127.0.0.1]:%d" % rp],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(sp)
        wait_port(cp)
        # Baseline: an idle session for 6 s (several connections).
        app = socket.create_connection(("127.0.0.1", cp))
        time.sleep(6.5)
        app.close()
        time.sleep(0.5)
        real = [d for d in rec.down if len(d[0]) > 0]
        if len(real) < 2 or not rec.up:
            print("FAIL: the real client made %d connections" % len(real))
            return 1
        recording = rec.up[0]
        rng = random.Random(5)
        kinds = {
            "silent": b"",
            "random": bytes(rng.getrandbits(8) for _ in range(4000)),
            "replay": recording,
            "truncated": recording[:20],
        }
        results = {k: [] for k in kinds}
        threads = []
        for k, payload in kinds.items():
            for _ in range(PER_KIND):
                s = socket.create_connection(("127.0.0.1", sp))
                t = threading.Thread(target=collect,
                                     args=(s, payload, results[k]))
                t.start()
                threads.append(t)
        for t in threads:
            t.join()
        real_rate = sum(len(b) for b, _ in real) / sum(d for _, d in real)
        real_hist = np.bincount(np.frombuffer(b"".join(b for b, _ in real),
                                              dtype=np.uint8), minlength=256)
        print("real client: %d connections, %.0f bytes/s, %.2f to %.2f s" %
              (len(real), real_rate, min(d for _, d in real),
               max(d for _, d in real)))
        for k, res in results.items():
            durs = [d for _, d in res]
            rate = sum(len(b) for b, _ in res) / sum(durs)
            data = b"".join(b for b, _ in res)
            hist = np.bincount(np.frombuffer(data, dtype=np.uint8),
                               minlength=256)
            cols = (hist + real_hist) > 0
            p = chi2_contingency(np.vstack([hist[cols],
                                            real_hist[cols]]))[1]
            print("%-9s %d connections, %.2f to %.2f s, %.0f bytes/s "
                  "(%.2fx), %d bytes, chi-square p = %.3g" %
                  (k, len(res), min(durs), max(durs), rate,
                   rate / real_rate, len(data), p))
            if min(durs) < 1.45:
                fails.append("%s: closed after %.2f s" % (k, min(durs)))
            if max(durs) > 3.5:
                fails.append("%s: open for %.2f s" % (k, max(durs)))
            if not 0.6 <= rate / real_rate <= 1.6:
                fails.append("%s: rate %.2fx the real one" %
                             (k, rate / real_rate))
            if len(data) < 20000:
                fails.append("%s: only %d bytes" % (k, len(data)))
            if p <= 0.001:
                fails.append("%s: byte histogram differs (p = %.3g)" %
                             (k, p))
        slog.flush()
        with open(os.path.join(tmp, "server.log")) as f:
            log = f.read()
        if "replay" not in log:
            fails.append("the server did not log the replay")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    for f in fails:
        print("FAIL: " + f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
