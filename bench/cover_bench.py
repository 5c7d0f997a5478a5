"""coverpipe/coverpiped benchmarks (driver for bench/run-cover.sh).

Release binaries from $DUST_BUILD/bin (default build/bin), tools from
$DUST_BUILD/tests/tools.  Everything on loopback, ports chosen free.

  idle N      N idle links: client -> coverpipe -> coverpiped -> holder.
              CPU of each process from /proc/PID/stat over SECS seconds,
              RSS delta per link (socket buffers are kernel memory, not
              in RSS).  Also once with the hop on a Unix socket.
  jitter N    coverpipe -> cover_sink (C): block arrival vs each link's
              schedule, p50/p99/max over N links for SECS seconds.
  rate        one busy link at the defaults: throughput vs the ceiling
              (block - 2) * rate.
"""
import os
import re
import resource
import signal
import tempfile
import socket
import subprocess
import sys
import threading
import time

BUILD = os.environ.get("DUST_BUILD", "build")
BIN = os.path.join(BUILD, "bin")
TOOLS = os.path.join(BUILD, "tests", "tools")
HZ = os.sysconf("SC_CLK_TCK")
PROCS = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port):
    for _ in range(200):
        out = subprocess.run(["ss", "-Hltn", "sport = :%d" % port],
                             capture_output=True, text=True).stdout
        if out.strip():
            return
        time.sleep(0.05)
    raise SystemExit("nothing listens on %d" % port)


LOGS = {}


def start(args, port, path=None):
    """Start a program; its stderr goes to a file of its own (LOGS)."""
    log = tempfile.NamedTemporaryFile("w+", prefix="dust-bench-cover.",
                                      suffix=".log", delete=True)
    p = subprocess.Popen(args, stderr=log)
    LOGS[p.pid] = log
    PROCS.append(p)
    if path is None:
        wait_port(port)
    else:
        for _ in range(200):
            if os.path.exists(path):
                break
            time.sleep(0.05)
    return p


def cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / HZ


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def blocks_sent(procs):
    """Ask each program for its counters (SIGUSR1); return the blocks each
    has sent so far and the time they were asked."""
    def stats(p):
        LOGS[p.pid].seek(0)
        return [ln for ln in LOGS[p.pid].read().splitlines()
                if "stats:" in ln]
    before = [len(stats(p)) for p in procs]
    t = time.monotonic()
    for p in procs:
        os.kill(p.pid, signal.SIGUSR1)
    res = []
    for p, nb in zip(procs, before):
        end = time.monotonic() + 10
        while len(stats(p)) <= nb and time.monotonic() < end:
            time.sleep(0.02)
        line = stats(p)[-1]
        res.append(int(re.search(r"(\d+) blocks sent", line).group(1)))
    return res, t


class Holder(threading.Thread):
    """Accept connections and keep them open, reading nothing."""

    def __init__(self):
        super().__init__(daemon=True)
        self.port = free_port()
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", self.port))
        self.s.listen(4096)
        self.conns = []
        self.start()

    def run(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            self.conns.append(c)


def idle(n, secs, unix=False):
    """N idle links through the pair; return a dict of figures.  With
    ${unix} the cover hop is a Unix socket (as spiped allows), else TCP."""
    h = Holder()
    pd, pa = free_port(), free_port()
    hop = "[127.0.0.1]:%d" % pd
    if unix:
        hop = "/tmp/dust-bench-cover.%d.sock" % os.getpid()
    d = start([BIN + "/coverpiped", "-F", "-v", "-s", hop,
               "-t", "[127.0.0.1]:%d" % h.port], None if unix else pd,
              hop if unix else None)
    p = start([BIN + "/coverpipe", "-F", "-v", "-s", "[127.0.0.1]:%d" % pa,
               "-t", hop], pa)
    time.sleep(0.3)
    rss0 = (rss_kib(p.pid), rss_kib(d.pid))
    clients = []
    for i in range(n):
        clients.append(socket.create_connection(("127.0.0.1", pa)))
        if i % 500 == 499:
            time.sleep(0.05)
    end = time.time() + 30
    while len(h.conns) < n and time.time() < end:
        time.sleep(0.05)
    up = len(h.conns)
    if up < n * 0.99:
        raise SystemExit("only %d of %d links came up" % (up, n))
    time.sleep(2.0)                     # every link past its first tick
    b0, tb0 = blocks_sent((p, d))
    c0 = (cpu_s(p.pid), cpu_s(d.pid))
    t0 = time.monotonic()
    time.sleep(secs)
    c1 = (cpu_s(p.pid), cpu_s(d.pid))
    el = time.monotonic() - t0
    b1, tb1 = blocks_sent((p, d))
    rss1 = (rss_kib(p.pid), rss_kib(d.pid))
    r = {
        "links": up,
        # Blocks each process sent per second on the hop (coverpipe:
        # towards coverpiped; coverpiped: back), by their own counters.
        "sent": ((b1[0] - b0[0]) / (tb1 - tb0),
                 (b1[1] - b0[1]) / (tb1 - tb0)),
        "cpu_pipe": (c1[0] - c0[0]) / el,
        "cpu_piped": (c1[1] - c0[1]) / el,
        "rss_pipe_per_link": (rss1[0] - rss0[0]) * 1024 / n,
        "rss_piped_per_link": (rss1[1] - rss0[1]) * 1024 / n,
    }
    for c in clients:
        c.close()
    for x in (p, d):
        x.terminate()
        x.wait()
    h.s.close()
    for c in h.conns:
        c.close()
    return r


def jitter(n, secs):
    """coverpipe -> cover_sink with N links; return the sink's line."""
    h = Holder()
    ps, pa = free_port(), free_port()
    sink = subprocess.Popen([TOOLS + "/cover_sink", str(ps), str(n),
                             str(secs), "1024", "40"],
                            stdout=subprocess.PIPE, text=True)
    PROCS.append(sink)
    wait_port(ps)
    p = start([BIN + "/coverpipe", "-F", "-v", "-s", "[127.0.0.1]:%d" % pa,
               "-t", "[127.0.0.1]:%d" % ps], pa)
    clients = [socket.create_connection(("127.0.0.1", pa))
               for _ in range(n)]
    out, _ = sink.communicate(timeout=secs + 60)
    for c in clients:
        c.close()
    p.terminate()
    p.wait()
    h.s.close()
    return out.strip()


def rate(secs, r=40, b=1024):
    """One link pushing data both ways (echo) through the pair."""
    pe = free_port()
    es = socket.socket()
    es.bind(("127.0.0.1", pe))
    es.listen(4)

    def echo():
        c, _ = es.accept()
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        c.close()
    threading.Thread(target=echo, daemon=True).start()
    pd, pa = free_port(), free_port()
    extra = ["-r", str(r), "-b", str(b)]
    d = start([BIN + "/coverpiped", "-F", "-v", "-s", "[127.0.0.1]:%d" % pd,
               "-t", "[127.0.0.1]:%d" % pe] + extra, pd)
    p = start([BIN + "/coverpipe", "-F", "-v", "-s", "[127.0.0.1]:%d" % pa,
               "-t", "[127.0.0.1]:%d" % pd] + extra, pa)
    c = socket.create_connection(("127.0.0.1", pa))
    got = [0, None, None]

    def reader():
        while True:
            try:
                x = c.recv(65536)
            except OSError:
                break
            if not x:
                break
            now = time.monotonic()
            if got[1] is None:
                got[1] = now
            got[0] += len(x)
            got[2] = now
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    chunk = bytes(4096)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        c.sendall(chunk)
    time.sleep(0.5)
    # Bytes received in the steady part: from the first to the last read.
    first, last, total = got[1], got[2], got[0]
    c.close()
    for x in (p, d):
        x.terminate()
        x.wait()
    es.close()
    measured = total / (last - first) if last and last > first else 0
    return measured, (b - 2) * r


def main():
    secs = float(os.environ.get("SECS", "10"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        pass
    print("## coverpipe benchmarks (%s, %d CPUs, %.0f s windows, load "
          "average %.1f at start)" % (time.strftime("%Y-%m-%d %H:%M"),
                                       os.cpu_count(), secs,
                                       os.getloadavg()[0]))
    m, ceil = rate(5)
    print("throughput, one busy link at 40/s x 1024 B: %.0f B/s of the "
          "%d B/s ceiling (%.3f)" % (m, ceil, m / ceil))
    m, ceil = rate(3, 500, 8192)
    print("throughput, one busy link at 500/s x 8192 B: %.0f B/s of the "
          "%d B/s ceiling (%.3f)" % (m, ceil, m / ceil))
    print("jitter, coverpipe -> cover_sink, 200 links, defaults: "
          + jitter(200, secs))
    runs = [(int(x), False) for x in
            os.environ.get("LINKS", "1000 5000").split()]
    runs.append((1000, True))
    print("(an idle link-second = 40 blocks sent and 40 received by each "
          "process; CPU is normalised by the blocks actually sent, so a "
          "CPU-starved run still gives the cost per block)")
    for n, unix in runs:
        r = idle(n, secs, unix)
        n = r["links"]
        line = ("idle %5d links, %s hop: CPU coverpipe %5.1f%%, coverpiped "
                "%5.1f%%; RSS per link %.0f / %.0f B"
                % (n, "Unix" if unix else "TCP ", r["cpu_pipe"] * 100,
                   r["cpu_piped"] * 100, r["rss_pipe_per_link"],
                   r["rss_piped_per_link"]))
        sp, sd = r["sent"]
        per = max(r["cpu_pipe"] / (sp / 40), r["cpu_piped"] / (sd / 40))
        line += ("; blocks sent %.1f%% / %.1f%% of schedule; %.0f us CPU "
                 "per idle link-second (worse process) -> 50%% of a core "
                 "serves %.0f links"
                 % (sp / (40 * n) * 100, sd / (40 * n) * 100, per * 1e6,
                    0.5 / per))
        print(line)
        sys.stdout.flush()

if __name__ == "__main__":
    try:
        main()
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
