#!/usr/bin/python3
"""make demo: the coverpipe chain on loopback, live.

    pipemux | coverpipe | spiped -e | ~~~~ | spiped -d | coverpiped | pipemuxd | echo

Starts the chain with real spiped and an echo backend, pushes a load that
varies from nothing to more than the cover can carry, and prints a line a
second: the real bytes each way (data carried in blocks, from the
counters coverpipe and coverpiped log on SIGUSR1), the cover bytes each way
(block bytes that carried no data), and the wire bytes each way on the
encrypted hop (from the kernel's counters), which stay flat whatever the
load.

    demo.py BUILD_DIR [SECONDS]
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

RATE, BLOCK = 40, 1024
# Offered load, bytes a second, one value a second (the cover carries
# (BLOCK - 2) * RATE = 40,880 bytes a second each way at most).
LOAD = [0, 0, 0, 4000, 8000, 16000, 32000, 64000, 64000, 64000,
        32000, 8000, 0, 0, 0, 1000, 20000, 80000, 80000, 0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, secs=10):
    end = time.time() + secs
    while time.time() < end:
        out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"],
                             capture_output=True, text=True).stdout
        if out.strip():
            return
        time.sleep(0.05)
    sys.exit(f"demo: nothing listens on port {port}")


def echo_server(port):
    srv = socket.create_server(("127.0.0.1", port))

    def serve(c):
        with c:
            try:
                while (d := c.recv(65536)):
                    c.sendall(d)
            except OSError:
                pass
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def hop_bytes(port):
    """Bytes sent and received by spiped -e on the encrypted hop."""
    out = subprocess.run(["ss", "-tinH", f"dport = :{port}"],
                         capture_output=True, text=True).stdout
    sent = sum(int(x) for x in re.findall(r"bytes_sent:(\d+)", out))
    recv = sum(int(x) for x in re.findall(r"bytes_received:(\d+)", out))
    return sent, recv


STATS = re.compile(r"(\d+) blocks sent, (\d+) data bytes sent")


class Counters:
    """The last counters a coverpipe or coverpiped logged on SIGUSR1."""

    def __init__(self, proc):
        self.proc, self.blocks, self.data = proc, 0, 0
        threading.Thread(target=self.reader, daemon=True).start()

    def reader(self):
        for line in self.proc.stderr:
            m = STATS.search(line)
            if m:
                self.blocks, self.data = int(m[1]), int(m[2])
            elif "stats:" not in line:
                sys.stderr.write(line)

    def ask(self):
        self.proc.send_signal(signal.SIGUSR1)


class Load:
    """One connection through the chain: sends at a set rate, counts."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.rate, self.up, self.down = 0, 0, 0
        threading.Thread(target=self.reader, daemon=True).start()
        threading.Thread(target=self.writer, daemon=True).start()

    def reader(self):
        try:
            while (d := self.sock.recv(65536)):
                self.down += len(d)
        except OSError:
            pass

    def writer(self):
        chunk = os.urandom(1000)
        try:
            while True:
                if self.rate == 0:
                    time.sleep(0.05)
                    continue
                self.sock.sendall(chunk)
                self.up += len(chunk)
                time.sleep(len(chunk) / self.rate)
        except OSError:
            pass


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else len(LOAD)
    binp = os.path.join(build, "bin")
    tmp = tempfile.mkdtemp(prefix="dust-demo.")
    key = os.path.join(tmp, "spiped.key")
    with open(key, "wb") as f:
        f.write(os.urandom(32))
    p = {n: free_port() for n in
         ("echo", "muxd", "covd", "hop", "spe", "cov", "app")}
    threading.Thread(target=echo_server, args=(p["echo"],),
                     daemon=True).start()
    a = lambda n: f"[127.0.0.1]:{p[n]}"
    chain = [
        [f"{binp}/pipemuxd", "-F", "-s", a("muxd"), "-p", f"1:{a('echo')}"],
        [f"{binp}/coverpiped", "-F", "-s", a("covd"), "-t", a("muxd")],
        ["spiped", "-F", "-d", "-s", a("hop"), "-t", a("covd"), "-k", key],
        ["spiped", "-F", "-e", "-s", a("spe"), "-t", a("hop"), "-k", key],
        [f"{binp}/coverpipe", "-F", "-s", a("cov"), "-t", a("spe")],
        [f"{binp}/pipemux", "-F", "-t", a("cov"), "-p", f"1:{a('app')}"],
    ]
    procs = []
    try:
        for cmd, port in zip(chain, ("muxd", "covd", "hop", "spe", "cov",
                                     "app")):
            procs.append(subprocess.Popen(cmd, stderr=subprocess.PIPE,
                                          text=True))
            wait_port(p[port])
        cov_up, cov_down = Counters(procs[4]), Counters(procs[1])
        time.sleep(1)
        load = Load(p["app"])
        print("Cover: 1024-byte blocks 40 times a second each way, under "
              "spiped (1060-byte packets).")
        print(f"{'s':>3} {'offered':>8} | {'real up':>8} {'cover up':>8} "
              f"{'wire up':>8} | {'real dn':>8} {'cover dn':>8} "
              f"{'wire dn':>8}   (bytes/s)")
        def sample():
            cov_up.ask()
            cov_down.ask()
            time.sleep(0.05)
            return (cov_up.data, cov_up.blocks * BLOCK, cov_down.data,
                    cov_down.blocks * BLOCK, *hop_bytes(p["hop"]))
        last = sample()
        for t in range(seconds):
            load.rate = LOAD[t % len(LOAD)]
            time.sleep(0.95)
            now = sample()
            up, bup, down, bdown, wup, wdown = (n - o for n, o in
                                                zip(now, last))
            last = now
            print(f"{t:>3} {load.rate:>8} | {up:>8} {bup - up:>8} "
                  f"{wup:>8} | {down:>8} {bdown - down:>8} {wdown:>8}",
                  flush=True)
    finally:
        print("(real: data carried in blocks; cover: the rest of the "
              "blocks; wire: bytes on the encrypted hop)")
        for pr in reversed(procs):
            pr.send_signal(signal.SIGTERM)
        for pr in procs:
            try:
                pr.wait(3)
            except subprocess.TimeoutExpired:
                pr.kill()


if __name__ == "__main__":
    main()
