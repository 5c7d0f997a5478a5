"""Seeded stress of Ensemble sessions through a relay that cuts and stalls.

dust client -> tests/tunnel_relay.py -> dust server, model
tests/models/rotate.json (connections of 1.5 to 2.5 s).  The relay cuts
(RST) or silently stalls every connection it carries at a random time in
[0.05, 1.2] s, and half of them sooner, after a log-uniform number of
bytes in [1, 2,000,000] of one direction (so in the Seattle handshake,
right after New Session, in the middle of a Data message, during Close:
wherever the count falls).  SESSIONS application connections (default
60), PARALLEL (6) at a time, each with random sizes each way
(log-uniform up to 3 MB, some 0), written in random chunks with random
pauses, both directions at once.  They are streams of one session
(docs/streams.md), which carries them faster than the relay cuts
connections: with sizes up to 300 kB, as when each was a session (9.4 s,
109 connections cut or stalled), the run took 0.4 s and 4 connections;
with 3 MB about 12 s and 11 connections, and at least FAULTS_MIN (6)
faults are required.  Data messages of at most 8192, 512 or 64 bytes from the client
and 8192, 1000 or 64 from the server (-m), drawn from the seed.

Every session must end, within BOUND seconds (60), in one of two ways:
  - exact: both ends read exactly the other's stream and a clean EOF
    (the target's 8-byte trailer tells the client the target's stream up
    was exact);
  - a clean abort: the application connection is reset (RST), what it
    read before is a prefix of what was sent, and the target's side was
    reset too (or never connected, or had finished exactly).
Anything else fails: wrong or duplicated bytes, a clean EOF before the
end of a stream (silent truncation), a second target connection for one
session, a session still running after BOUND seconds, or still open in
either daemon (SIGUSR1 counters) CLOSE_BOUND (20) seconds after the last
application ended.  Both daemons must stay up, the client's log and the
applications must agree on aborts (each application connection is a
stream of the client's session, docs/streams.md: an aborted session
resets every stream it carries, so resets are seen if and only if the
client logged an aborted session), and both must exit cleanly on SIGTERM
(no sanitizer report).  The client closes its session as soon as it
carries no stream (--linger 0).  The server keeps a session
without connections 6 s (-I 6: longer than the client's longest
reconnection backoff, 5 s).  At most 10% of the sessions
may abort (the client gives a session up after 7 connections in a row
that die within a second).

  tunnel_stress.py [SEED]   (environment: STRESS_SESSIONS, STRESS_SIZE_MAX)
"""
import asyncio
import math
import os
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests"))
from testlib import free_port, listening  # noqa: E402

BIN = os.environ.get("DUST_BIN", os.path.join(ROOT, "build/asan/bin"))
PY = "/usr/bin/python3"
SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 2026
SESSIONS = int(os.environ.get("STRESS_SESSIONS", "60"))
PARALLEL = 6
BOUND = 60
CLOSE_BOUND = 20
SIZE_MAX = int(os.environ.get("STRESS_SIZE_MAX", "3000000"))
FAULTS_MIN = 6
TRAILER = b"EXACT-UP"


def size(rng):
    """A stream size: 0 one time in 8, else log-uniform in [1, SIZE_MAX]."""
    if rng.random() < 0.125:
        return 0
    return int(math.exp(rng.uniform(0, math.log(SIZE_MAX))))


class Plan:
    """What session ${i} sends each way, and how."""

    def __init__(self, i):
        rng = random.Random(SEED * 100003 + i)
        self.up = rng.randbytes(size(rng))
        self.down = rng.randbytes(size(rng))
        self.wseed = rng.getrandbits(32)


async def write_stream(writer, data, rng):
    """Write ${data} in random chunks with random short pauses."""
    off = 0
    while off < len(data):
        k = min(len(data) - off, rng.choice([1, 7, 100, 1500, 8192,
                                             40000, 70000]))
        writer.write(data[off:off + k])
        off += k
        await writer.drain()
        if rng.random() < 0.1:
            await asyncio.sleep(rng.uniform(0, 0.05))


async def read_stream(reader, want):
    """Read until EOF; return (bytes, how it ended: "eof" or "reset").
    Fails the test at the first byte that is not ${want}'s."""
    got = bytearray()
    try:
        while True:
            d = await reader.read(65536)
            if not d:
                return bytes(got), "eof"
            if want[len(got):len(got) + len(d)] != d:
                raise Corrupt("byte %d of %d differs or is extra" %
                              (len(got), len(want)))
            got += d
    except (ConnectionResetError, BrokenPipeError):
        return bytes(got), "reset"


class Corrupt(Exception):
    pass


class Target:
    """The application server behind dust server."""

    def __init__(self, plans):
        self.plans = plans
        self.result = {}            # session -> "exact" | "reset" | error
        self.bad = []

    async def handle(self, reader, writer):
        i = None
        try:
            i = struct.unpack(">Q", await reader.readexactly(8))[0]
            if i in self.result or i >= len(self.plans):
                self.bad.append("target: session %d connected twice" % i)
                writer.close()
                return
            self.result[i] = "running"
            p = self.plans[i]
            rng = random.Random(p.wseed + 1)

            async def send():
                await write_stream(writer, p.down, rng)

            (got, how), _ = await asyncio.gather(
                read_stream(reader, p.up), send())
            if how == "reset":
                self.result[i] = "reset"
            elif got != p.up:
                self.bad.append("target: session %d: clean EOF after %d "
                                "of %d bytes up" % (i, len(got), len(p.up)))
                self.result[i] = "truncated"
            else:
                writer.write(TRAILER)
                await writer.drain()
                writer.close()
                self.result[i] = "exact"
        except (ConnectionResetError, BrokenPipeError,
                asyncio.IncompleteReadError):
            if i is not None:
                self.result[i] = "reset"
            writer.close()
        except Corrupt as e:
            self.bad.append("target: session %s: %s" % (i, e))
            self.result[i] = "corrupt"
            writer.close()


async def session(port, i, plan):
    """Run session ${i}; return "exact" or "reset", or raise Corrupt."""
    rng = random.Random(plan.wseed)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return "reset"

    async def send():
        try:
            writer.write(struct.pack(">Q", i))
            await write_stream(writer, plan.up, rng)
            writer.write_eof()
        except (ConnectionResetError, BrokenPipeError):
            pass

    (got, how), _ = await asyncio.gather(
        read_stream(reader, plan.down + TRAILER), send())
    writer.close()
    if how == "reset":
        return "reset"
    if got != plan.down + TRAILER:
        raise Corrupt("clean EOF after %d of %d bytes down (+8 trailer)" %
                      (len(got), len(plan.down)))
    return "exact"


async def drive(cport, tport, plans):
    target = Target(plans)
    server = await asyncio.start_server(target.handle, "127.0.0.1", tport)
    sem = asyncio.Semaphore(PARALLEL)
    results = {}
    slowest = [0.0]

    async def one(i):
        async with sem:
            t0 = time.monotonic()
            try:
                results[i] = await asyncio.wait_for(
                    session(cport, i, plans[i]), BOUND)
            except asyncio.TimeoutError:
                results[i] = "hung past %d s" % BOUND
            except Corrupt as e:
                results[i] = "corrupt: %s" % e
            slowest[0] = max(slowest[0], time.monotonic() - t0)

    await asyncio.gather(*[one(i) for i in range(len(plans))])
    # The target's side of an aborted session ends with the server's
    # sweep (-I 6).
    end = time.monotonic() + 10
    while time.monotonic() < end and \
            any(v == "running" for v in target.result.values()):
        await asyncio.sleep(0.1)
    server.close()
    return results, target, slowest[0]


def sessions_open(proc, log, secs):
    """Ask ${proc} for its counters (SIGUSR1) until it has no session
    open, for up to ${secs} seconds; return how many are open."""
    end = time.monotonic() + secs
    n = "?"
    while time.monotonic() < end:
        proc.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        log.seek(0)
        found = re.findall(r"sessions \d+ open (\d+);", log.read())
        if found:
            n = int(found[-1])
            if n == 0:
                return 0
    return n


def main():
    d = os.path.join(BIN, "dust")
    if not os.access(d, os.X_OK):
        print("skipped: no dust binary")
        sys.exit(77)
    plans = [Plan(i) for i in range(SESSIONS)]
    # Data messages of at most this many bytes (-m), drawn per seed.
    cfg = random.Random(SEED)
    cm, sm = cfg.choice([8192, 512, 64]), cfg.choice([8192, 1000, 64])
    tmp = tempfile.mkdtemp(prefix="dust-stress.")
    sp, tp, cp, rp = free_port(), free_port(), free_port(), free_port()
    key, inv = os.path.join(tmp, "key"), os.path.join(tmp, "invite")
    subprocess.run([d, "keygen", "-k", key], check=True,
                   stdout=subprocess.DEVNULL)
    with open(inv, "w") as f:
        subprocess.run([d, "invite", "-k", key, "-a", "127.0.0.1:%d" % sp,
                        "-m", os.path.join(ROOT, "tests/models/rotate.json")],
                       check=True, stdout=f)
    logs = {n: open(os.path.join(tmp, n + ".log"), "a+")
            for n in ("server", "client", "relay")}
    procs = {
        "server": subprocess.Popen(
            [d, "server", "-F", "-v", "-I", "6", "-m", str(sm),
             "-s", "[127.0.0.1]:%d" % sp, "-t", "[127.0.0.1]:%d" % tp,
             "-k", key, "-i", inv],
            stdout=logs["server"], stderr=subprocess.STDOUT),
        "relay": subprocess.Popen(
            [PY, os.path.join(ROOT, "tests/tunnel_relay.py"), str(rp),
             str(sp), str(SEED), "0.05", "1.2", "2000000"],
            stdout=logs["relay"], stderr=subprocess.STDOUT),
        "client": subprocess.Popen(
            [d, "client", "-F", "-v", "-c", "3", "-m", str(cm),
             "--linger", "0",
             "-s", "[127.0.0.1]:%d" % cp, "-i", inv,
             "-t", "[127.0.0.1]:%d" % rp],
            stdout=logs["client"], stderr=subprocess.STDOUT),
    }
    bad = []
    aborted = None
    try:
        for port in (sp, cp, rp):
            listening(port)
        t0 = time.monotonic()
        results, target, slowest = asyncio.run(drive(cp, tp, plans))
        secs = time.monotonic() - t0
        # Every session closes (Close and Close Okay may have to cross
        # cut connections) within CLOSE_BOUND of its application's end.
        for name in ("client", "server"):
            n = sessions_open(procs[name], logs[name], CLOSE_BOUND)
            if n:
                bad.append("%s: %s sessions still open %d s after the "
                           "last application ended" % (name, n,
                                                       CLOSE_BOUND))
        for name, p in procs.items():
            if p.poll() is not None:
                bad.append("%s exited with %d during the test" %
                           (name, p.returncode))
        bad += target.bad
        exact = aborted = 0
        for i in range(SESSIONS):
            r, t = results[i], target.result.get(i, "none")
            if r == "exact":
                exact += 1
                if t != "exact":
                    bad.append("session %d: exact at the client, %s at "
                               "the target" % (i, t))
            elif r == "reset":
                aborted += 1
                if t not in ("reset", "none", "exact"):
                    bad.append("session %d: reset at the client, %s at "
                               "the target" % (i, t))
            else:
                bad.append("session %d: %s" % (i, r))
        ubytes = sum(len(p.up) for p in plans)
        dbytes = sum(len(p.down) for p in plans)
        print("seed %d (client -m %d, server -m %d): %d sessions in %.1f s "
              "(slowest %.1f s): %d exact, %d aborted; %d bytes up, %d down"
              % (SEED, cm, sm, SESSIONS, secs, slowest, exact, aborted,
                 ubytes, dbytes))
        if aborted > SESSIONS // 10:
            bad.append("%d of %d sessions aborted" % (aborted, SESSIONS))
    finally:
        for name in ("client", "server", "relay"):
            procs[name].send_signal(signal.SIGTERM)
        for name, p in procs.items():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                bad.append("%s did not exit on SIGTERM" % name)
    text = {}
    for n, f in logs.items():
        f.seek(0)
        text[n] = f.read()
        f.close()
    for n in ("client", "server"):
        if procs[n].returncode not in (0, -signal.SIGTERM):
            bad.append("%s exited with %s" % (n, procs[n].returncode))
        if re.search(r"Sanitizer|runtime error", text[n]):
            bad.append("%s: sanitizer report" % n)
    relay = text["relay"]
    print("relay: %d connections: %d reset, %d stalled on time; %d cut "
          "after a byte count (%d within the first 2000 bytes)" % (
              relay.count("connection "), relay.count(": reset"),
              relay.count(": stall"), relay.count(" after "),
              len([m for m in re.findall(r"after (\d+) bytes", relay)
                   if int(m) <= 2000])))
    faults = relay.count(": reset") + relay.count(": stall") + \
        relay.count(" after ")
    if faults < FAULTS_MIN:
        bad.append("only %d faults injected (at least %d wanted)"
                   % (faults, FAULTS_MIN))
    cab = text["client"].count(": aborted")
    sab = text["server"].count(": aborted")
    print("client log: %d sessions aborted; server log: %d aborted, %d "
          "closed cleanly" % (cab, sab, text["server"].count("closed "
                                                             "cleanly")))
    if aborted is not None and (cab > 0) != (aborted > 0):
        bad.append("the client logged %d aborted sessions, the "
                   "applications saw %d resets" % (cab, aborted))
    if bad:
        for line in bad[:20]:
            print("FAIL: " + line)
        print("logs kept in " + tmp)
        sys.exit(1)
    if os.environ.get("KEEP", "0") != "1":
        subprocess.run(["rm", "-rf", tmp])
    else:
        print("logs kept in " + tmp)


if __name__ == "__main__":
    main()
