#!/usr/bin/python3
"""Accepting at the file limit (common/acceptor.c).

Three programs are sent 100 connections at once, more than they have
descriptors for: `dust server` under `ulimit -n 64` (soft and hard),
which lowers its -n to fit ((64 - 16) / 2 = 24 connections) and holds
there; a `dust server` whose limit is cut to 64 by prlimit after it
started (its -n no longer fits: it meets EMFILE); and pipemuxd under
`ulimit -n 64` (links are not counted by its -n: it meets EMFILE).
Checked for each:
  - while the connections wait, the program uses less than 20% of one
    core (CPU time from /proc/PID/stat over 3 s) instead of retrying
    accept() in a loop;
  - it writes at most 5 log lines in all (a line per episode of running
    out, not one per failed accept);
  - some connections were left queued (Recv-Q of the listening socket
    above 0: the limit was really met), and once the first 90 clients
    close, the queue drains (Recv-Q 0 within 10 s) while the last 10
    stay open.
"""
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests"))
from testlib import free_port, listening  # noqa: E402

BIN = os.environ.get("DUST_BIN", os.path.join(ROOT, "build/asan/bin"))
T = tempfile.mkdtemp(prefix="dust-accept.")
FILE_LIMIT = 64
CONNECTIONS = 100
CLOSED_FIRST = 90
CPU_WINDOW = 3.0          # seconds of CPU time measured
CPU_SHARE_MAX = 0.20      # of one core
LOG_LINES_MAX = 5
DRAIN_SECS = 10
PROCS = []


def fail(msg):
    print("FAIL: " + msg, flush=True)
    for name in os.listdir(T):
        if name.endswith(".log"):
            print("---- %s (first 10 lines)" % name)
            with open(os.path.join(T, name), errors="replace") as f:
                print("".join(f.readlines()[:10]))
    sys.exit(1)


def spawn_limited(name, argv, limited=True):
    """Run ${argv} (under ulimit -n FILE_LIMIT if ${limited}; exec keeps
    the PID), output in T/name.log."""
    log = open(os.path.join(T, name + ".log"), "w")
    if limited:
        argv = ["sh", "-c", "ulimit -n %d && exec \"$0\" \"$@\""
                % FILE_LIMIT] + argv
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    PROCS.append(p)
    return p


def cpu_secs(pid):
    """User plus system CPU time of ${pid} so far, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def queued(port):
    """The connections waiting in the accept queue of 127.0.0.1:${port}."""
    out = subprocess.run(["ss", "-Hltn", "sport = :%d" % port],
                         capture_output=True, text=True).stdout.split()
    return int(out[1]) if len(out) > 1 else -1


def log_lines(name):
    with open(os.path.join(T, name + ".log"), errors="replace") as f:
        return f.read().splitlines()


def check(name, proc, port):
    """Connect CONNECTIONS clients to ${port} and check ${proc} as the
    module's docstring says."""
    listening(port, fail=fail)
    clients = [socket.create_connection(("127.0.0.1", port), 5)
               for _ in range(CONNECTIONS)]
    time.sleep(1)
    if proc.poll() is not None:
        fail("%s exited (%d)" % (name, proc.returncode))
    cpu0 = cpu_secs(proc.pid)
    time.sleep(CPU_WINDOW)
    cpu = cpu_secs(proc.pid) - cpu0
    waiting = queued(port)
    lines = log_lines(name)
    print("%s: %.2f s of CPU in %.1f s (%.0f%% of a core), %d log lines, "
          "%d connections queued" % (name, cpu, CPU_WINDOW,
                                     100 * cpu / CPU_WINDOW, len(lines),
                                     waiting), flush=True)
    if cpu > CPU_SHARE_MAX * CPU_WINDOW:
        fail("%s used %.0f%% of a core at the file limit (limit %.0f%%)"
             % (name, 100 * cpu / CPU_WINDOW, 100 * CPU_SHARE_MAX))
    if len(lines) > LOG_LINES_MAX:
        fail("%s wrote %d log lines (limit %d)" % (name, len(lines),
                                                   LOG_LINES_MAX))
    if waiting <= 0:
        fail("%s: no connection left queued: the limit was not met" % name)
    for c in clients[:CLOSED_FIRST]:
        c.close()
    end = time.time() + DRAIN_SECS
    while time.time() < end and queued(port) != 0:
        time.sleep(0.1)
    left = queued(port)
    print("%s: %d still queued after the first %d clients closed"
          % (name, left, CLOSED_FIRST), flush=True)
    if left != 0:
        fail("%s: the accept queue did not drain (%d left)" % (name, left))
    if proc.poll() is not None:
        fail("%s exited (%d)" % (name, proc.returncode))
    for c in clients[CLOSED_FIRST:]:
        c.close()


def main():
    dust = os.path.join(BIN, "dust")
    if not os.access(dust, os.X_OK):
        print("skipped: no dust binary")
        return 77
    key, invite = os.path.join(T, "key"), os.path.join(T, "invite")
    sp, tp = free_port(), free_port()
    subprocess.run([dust, "keygen", "-k", key], check=True,
                   stdout=subprocess.DEVNULL)
    with open(invite, "w") as f:
        subprocess.run([dust, "invite", "-k", key, "-a",
                        "127.0.0.1:%d" % sp], check=True, stdout=f)
    # Nothing listens on tp: no client here ever opens a session.
    server = spawn_limited("dust-server", [
        dust, "server", "-F", "-s", "[127.0.0.1]:%d" % sp,
        "-t", "[127.0.0.1]:%d" % tp, "-k", key, "-i", invite])
    check("dust-server", server, sp)

    sp = free_port()
    with open(invite, "w") as f:
        subprocess.run([dust, "invite", "-k", key, "-a",
                        "127.0.0.1:%d" % sp], check=True, stdout=f)
    cut = spawn_limited("dust-server-cut", [
        dust, "server", "-F", "-s", "[127.0.0.1]:%d" % sp,
        "-t", "[127.0.0.1]:%d" % tp, "-k", key, "-i", invite],
        limited=False)
    listening(sp, fail=fail)
    resource.prlimit(cut.pid, resource.RLIMIT_NOFILE,
                     (FILE_LIMIT, FILE_LIMIT))
    check("dust-server-cut", cut, sp)

    src = free_port()
    muxd = spawn_limited("pipemuxd", [
        os.path.join(BIN, "pipemuxd"), "-F", "-s", "[127.0.0.1]:%d" % src,
        "-p", "1:[127.0.0.1]:%d" % tp])
    check("pipemuxd", muxd, src)
    print("ok: at the file limit all three stayed quiet and drained "
          "their queue")
    return 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(T, ignore_errors=True)
    sys.exit(rc)
