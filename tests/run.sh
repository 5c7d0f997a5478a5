#!/bin/sh
# Run every test: cmocka unit tests, a short libFuzzer run of each target,
# then the integration tests (real processes on loopback).
#
#   sh tests/run.sh BUILD [FUZZBUILD]
#
# Environment: TESTS=glob runs only the tests whose name matches;
# FUZZ_SECONDS (default 2) is the time given to each fuzz target: a smoke
# run from the seed corpus in every check (27 targets); long campaigns are
# `make fuzz`, then build/fuzz/fuzz/NAME CORPUS.
# A test exits 0 to pass, 77 to be skipped, anything else to fail.
# Each test runs as the leader of a session of its own, DUST_TEST_TOKEN in
# its environment: a process of the session, or one holding the token,
# still running when the test has ended (after a grace of 2 s) fails the
# test, named in its log and killed (tests/leftovers.py).
# The last line is "tests: N passed, N failed, N skipped".
set -u
BUILD=${1:?usage: tests/run.sh BUILD [FUZZBUILD]}
FUZZBUILD=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
export DUST_ROOT="$ROOT" DUST_BUILD="$BUILD" DUST_BIN="$BUILD/bin" \
    DUST_TOOLS="$BUILD/tests/tools"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
FUZZ_SECONDS=${FUZZ_SECONDS:-2}
LOGDIR="$BUILD/test-logs"
rm -rf "$LOGDIR" && mkdir -p "$LOGDIR"

pass=0 fail=0 skip=0 failed="" ntests=0

# left_behind NAME SIDFILE TOKEN RC: end what the test NAME (session ID in
# SIDFILE, token TOKEN) left running, saying so in its log; print its exit
# code: RC, or 1 if it passed or was skipped but left processes.
left_behind() {
	if [ ! -s "$2" ]; then
		echo "tests/run.sh: the test did not start" >> "$LOGDIR/$1.log"
		echo 1
		return
	fi
	if left=$(/usr/bin/python3 "$ROOT/tests/leftovers.py" "$(cat "$2")" \
	    "$3"); then
		echo "$4"
		return
	fi
	echo "FAIL: left running after the test ended (now killed):" \
	    "$(echo "$left" | paste -sd, - | sed 's/,/, /g')" \
	    >> "$LOGDIR/$1.log"
	case $4 in 0|77) echo 1 ;; *) echo "$4" ;; esac
}

# run NAME CMD...: run one test, its output kept in $LOGDIR/NAME.log, in a
# session of its own; fail it if it leaves processes running.
run() {
	name=$1; shift
	case "$name" in ${TESTS:-*}) ;; *) return ;; esac
	start=$(date +%s)
	mkdir -p "$(dirname "$LOGDIR/$name")"
	ntests=$((ntests + 1))
	token="$$-$ntests"
	sidfile=$(mktemp)
	DUST_TEST_TOKEN=$token setsid -w sh -c 'echo $$ > "$0" && exec "$@"' \
	    "$sidfile" "$@" > "$LOGDIR/$name.log" 2>&1
	rc=$(left_behind "$name" "$sidfile" "$token" $?)
	rm -f "$sidfile"
	secs=$(( $(date +%s) - start ))
	case $rc in
	0)  pass=$((pass + 1)); echo "PASS  $name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "SKIP  $name: $(tail -n 1 "$LOGDIR/$name.log")" ;;
	*)  fail=$((fail + 1)); failed="$failed $name"
	    echo "FAIL  $name (exit $rc, ${secs}s); last lines of its log:"
	    tail -n 25 "$LOGDIR/$name.log" | sed 's/^/      /' ;;
	esac
}

# fuzz_run TARGET: a short run from the seed corpus, kept out of the tree.
fuzz_run() {
	t=$1
	corpus=$(mktemp -d)
	[ -d "$ROOT/fuzz/corpus/$t" ] && cp -r "$ROOT/fuzz/corpus/$t/." "$corpus/"
	run "fuzz/$t" "$FUZZBUILD/fuzz/$t" -max_total_time="$FUZZ_SECONDS" \
	    -rss_limit_mb=2048 -print_final_stats=1 "$corpus"
	rm -rf "$corpus"
}

cd "$ROOT" || exit 1
for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	run "unit/$(basename "$t")" "$t"
done
if [ -n "$FUZZBUILD" ] && [ -d "$FUZZBUILD/fuzz" ]; then
	FUZZBUILD=$(cd "$FUZZBUILD" && pwd)
	for t in "$FUZZBUILD"/fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		fuzz_run "$(basename "$t")"
	done
fi
for t in tests/integration/*.sh tests/integration/*.py; do
	[ -f "$t" ] || continue
	name="integration/$(basename "$t" | sed 's/\.[a-z]*$//')"
	case "$t" in
	*.sh) run "$name" sh "$t" ;;
	*.py) run "$name" /usr/bin/python3 "$t" ;;
	esac
done

echo
[ -n "$failed" ] && echo "failed:$failed (logs in $LOGDIR)"
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
