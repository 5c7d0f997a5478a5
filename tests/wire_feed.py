#!/usr/bin/python3
"""Alternate idle and saturated periods through a command's stdin.

    wire_feed.py PERIOD_S CYCLES RATE_BPS LOG -- COMMAND...

Runs COMMAND (e.g. ssh host cat, which echoes, so both directions are
loaded; its output is discarded) and, CYCLES times, leaves
it idle for PERIOD_S seconds, then writes RATE_BPS bytes a second of random
data for PERIOD_S seconds: more than the cover carries, so that the cover
is saturated through each busy period.  Alternating short periods, rather
than one long window of each, keeps slow drifts of the machine's load from
falsely telling the two states apart.  LOG gets one line a period:
"idle|busy START END" (epoch seconds, the clock tcpdump stamps with).
"""
import os
import subprocess
import sys
import time


def main():
    period, cycles, rate = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    log = open(sys.argv[4], "w")
    cmd = sys.argv[sys.argv.index("--") + 1:]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL)
    chunk = os.urandom(rate // 20)
    for _ in range(cycles):
        start = time.time()
        time.sleep(period)
        log.write(f"idle {start:.6f} {time.time():.6f}\n")
        start = time.time()
        sent = 0
        while time.time() < start + period:
            proc.stdin.write(chunk)
            proc.stdin.flush()
            sent += len(chunk)
            # Pace to RATE_BPS; a full pipe blocks the write instead.
            ahead = sent / rate - (time.time() - start)
            if ahead > 0:
                time.sleep(ahead)
        log.write(f"busy {start:.6f} {time.time():.6f}\n")
    log.close()
    proc.stdin.close()
    proc.wait()


if __name__ == "__main__":
    main()
