"""Hold N connections to a server and report its memory (bench only).

  tunnel_hold.py PORT N PID
Open N TCP connections to 127.0.0.1:PORT (sending nothing, reading and
dropping what comes), wait until the server at PID has accepted them all
(its count of TCP sockets), and print "held N rss_before_kib
rss_after_kib": the server's resident memory before and after.
"""
import os
import selectors
import socket
import sys
import time


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def nsockets(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


def main():
    port, n, pid = map(int, sys.argv[1:4])
    before = rss_kib(pid)
    base = nsockets(pid)
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(n):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            s.connect(("127.0.0.1", port))
        except OSError as e:
            print("connect %d failed: %s" % (i, e), file=sys.stderr)
            break
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
    end = time.time() + 60
    while time.time() < end and nsockets(pid) - base < len(socks):
        for key, _ in sel.select(0.1):
            try:
                key.fileobj.recv(65536)
            except OSError:
                pass
    held = nsockets(pid) - base
    t = time.time() + 3
    while time.time() < t:
        for key, _ in sel.select(0.1):
            try:
                key.fileobj.recv(65536)
            except OSError:
                pass
    print("held %d %d %d" % (held, before, rss_kib(pid)))


if __name__ == "__main__":
    sys.exit(main())
