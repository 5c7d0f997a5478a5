#!/bin/sh
# coverpipe/coverpiped benchmarks, 1.5 to 2 minutes (bench/run.sh calls it):
#   sh bench/run-cover.sh [BUILD]
# The C parts are named cover_*.c, not bench_*.c, so that bench/run.sh
# runs them once, from here.
# BUILD (default build) holds a release build: make all
# build/bench/cover_timer build/bench/cover_floor
# build/tests/tools/cover_sink (make bench builds them).  SECS (default
# 10) is each measuring window; LINKS (default "1000 5000") the idle link
# counts.  Figures go to stdout; those in docs/benchmarks.md come from it.
set -eu
BUILD=${1:-build}
for f in bin/coverpipe bin/coverpiped tests/tools/cover_sink \
    bench/cover_timer; do
	[ -x "$BUILD/$f" ] || { echo "missing $BUILD/$f: build it first" >&2;
	    exit 1; }
done
echo "## timers alone: one libevent timer per link vs the slot wheel"
"$BUILD/bench/cover_timer"
echo "## kernel floor: the hop's socket work alone, both ends in one process"
"$BUILD/bench/cover_floor"
DUST_BUILD=$BUILD /usr/bin/python3 "$(dirname "$0")/cover_bench.py"
