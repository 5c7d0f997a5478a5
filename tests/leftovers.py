"""Find the processes a test left running, and end them.

    python3 tests/leftovers.py SID TOKEN

tests/run.sh runs each test as the leader of a session of its own (SID)
with DUST_TEST_TOKEN=TOKEN in its environment.  A process of that session,
or one whose environment holds the token (one that left the session:
a daemon calls setsid), outlived the test.  Processes that are exiting
get GRACE seconds to go; those still there are printed ("comm pid", one a
line), sent SIGTERM, then SIGKILL after GRACE more seconds.  Exit 1 if
any was found, else 0.
"""
import os
import signal
import sys
import time

GRACE = 2.0


def stat_of(pid):
    """Return (state, session id, comm) of PID, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            s = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    # comm may hold spaces and parentheses: it ends at the last ')'.
    comm = s[s.index("(") + 1:s.rindex(")")]
    fields = s[s.rindex(")") + 2:].split()
    return fields[0], int(fields[3]), comm


def has_token(pid, token):
    """Return True if PID's environment holds DUST_TEST_TOKEN=token."""
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            env = f.read().split(b"\0")
    except OSError:
        return False
    return ("DUST_TEST_TOKEN=%s" % token).encode() in env


def leftovers(sid, token):
    """Return {pid: comm} of the live processes of the test."""
    me = os.getpid()
    found = {}
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        pid = int(d)
        st = stat_of(pid)
        if st is None or st[0] in ("Z", "X"):
            continue
        if st[1] == sid or has_token(pid, token):
            found[pid] = st[2]
    return found


def wait_gone(sid, token, secs):
    """Return the leftovers still there after up to SECS seconds."""
    end = time.monotonic() + secs
    while True:
        left = leftovers(sid, token)
        if not left or time.monotonic() >= end:
            return left
        time.sleep(0.1)


def main():
    sid, token = int(sys.argv[1]), sys.argv[2]
    left = wait_gone(sid, token, GRACE)
    if not left:
        return 0
    for pid, comm in sorted(left.items()):
        print("%s %d" % (comm, pid))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in left:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        left = wait_gone(sid, token, GRACE)
        if not left:
            break
    return 1


if __name__ == "__main__":
    sys.exit(main())
