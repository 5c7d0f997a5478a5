#!/bin/sh
# coverpipe/coverpiped benchmarks, about 2 minutes:
#   sh bench/run-cover.sh [BUILD]
# BUILD (default build) holds a release build: make all
# build/bench/bench_cover_timer build/bench/bench_cover_floor
# build/tests/tools/cover_sink (make bench builds them).  SECS (default 10) is each measuring window; LINKS (default
# "1000 2500 5000") the idle link counts.  Figures go to stdout; the ones
# in docs/benchmarks.md come from this script.
set -eu
BUILD=${1:-build}
for f in bin/coverpipe bin/coverpiped tests/tools/cover_sink \
    bench/bench_cover_timer; do
	[ -x "$BUILD/$f" ] || { echo "missing $BUILD/$f: build it first" >&2;
	    exit 1; }
done
echo "## timers alone: one libevent timer per link vs the slot wheel"
"$BUILD/bench/bench_cover_timer"
echo "## kernel floor: the hop's socket work alone, both ends in one process"
"$BUILD/bench/bench_cover_floor"
DUST_BUILD=$BUILD /usr/bin/python3 "$(dirname "$0")/cover_bench.py"
