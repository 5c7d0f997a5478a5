#!/bin/sh
# dust model learn's reading speed and memory, side by side with tshark
# reading the same capture (the usual way to get per-packet fields out of
# a pcap), in one run:
#   sh bench/run-detect.sh [BUILD]
# The capture: 120 connections of Dust with the built-in uniform model,
# 20 s each (tests/tools/dust_wire, seed 1): about 75 MB.
# Figures: seconds and peak RSS (best of 3), and the ratio tshark / learn.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
WIRE="$BUILD/tests/tools/dust_wire"
[ -x "$WIRE" ] || { echo "run-detect: no $WIRE (make tests)"; exit 0; }
command -v tshark > /dev/null || { echo "run-detect: no tshark"; exit 0; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DUST_WIRE_MAX_MS=20000 "$WIRE" uniform 120 "$T/cap.pcap" 1
size=$(stat -c %s "$T/cap.pcap")

# best CMD...: the best of 3 runs, "seconds max_rss_kB".
best() {
	b=""
	for i in 1 2 3; do
		/usr/bin/time -f "%e %M" -o "$T/time" "$@" > /dev/null 2>&1
		r=$(cat "$T/time")
		if [ -z "$b" ] || [ "$(echo "$r $b" | awk '{print ($1 < $3)}')" = 1 ]; then
			b=$r
		fi
	done
	echo "$b"
}
L=$(best "$BUILD/bin/dust" model learn "$T/cap.pcap" -o "$T/m.json")
S=$(best tshark -r "$T/cap.pcap" -T fields -e frame.time_epoch -e tcp.len)
echo "$L $S $size" | awk '{
	printf "capture: %.1f MB\n", $5 / 1e6
	printf "| reader | seconds | MB/s | peak RSS (MB) |\n| --- | --- | --- | --- |\n"
	printf "| dust model learn | %.2f | %.0f | %.1f |\n", $1, $5 / 1e6 / ($1 > 0 ? $1 : 0.01), $2 / 1024
	printf "| tshark -T fields | %.2f | %.0f | %.1f |\n", $3, $5 / 1e6 / ($3 > 0 ? $3 : 0.01), $4 / 1024
	printf "ratio tshark / learn: %.1fx the time\n", $3 / ($1 > 0 ? $1 : 0.01)
}'
