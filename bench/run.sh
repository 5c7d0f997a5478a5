#!/bin/sh
# Run every benchmark: each executable BUILD/bench/bench_* (the C programs
# of bench/*.c), then each bench/run-*.sh script with BUILD as argument.
# Figures go to stdout.
#
#   sh bench/run.sh [BUILD]        (default build/)
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd) || exit 1
cd "$ROOT" || exit 1

rc=0
for b in "$BUILD"/bench/bench_*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	echo "### $(basename "$b")"
	echo
	"$b" || { echo "bench: $(basename "$b") failed" >&2; rc=1; }
	echo
done
for s in bench/run-*.sh; do
	[ -f "$s" ] || continue
	echo "### $(basename "$s")"
	echo
	sh "$s" "$BUILD" || { echo "bench: $s failed" >&2; rc=1; }
	echo
done
exit $rc
