#!/bin/sh
# Throughput of pipemux + pipemuxd against direct TCP, side by side in one
# run on loopback (release build).  Figures are MiB/s of payload delivered
# (the sink confirms every byte), and the ratio mux / direct.
#
#   sh bench/run-mux.sh [BUILD]     (default build/)
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
DUST_BIN="$BUILD/bin"
[ -x "$DUST_BIN/pipemux" ] || { echo "run-mux: build first (make)"; exit 1; }
cd "$ROOT"
DUST_ROOT="$ROOT" . tests/lib.sh
PY=/usr/bin/python3
MIB=${MUX_BENCH_MIB:-512}

sinkp=$(free_port); src=$(free_port); lp=$(free_port)
spawn sink $PY bench/mux_xfer.py sink "$sinkp"
spawn pipemuxd "$DUST_BIN/pipemuxd" -F -s "[127.0.0.1]:$src" \
    -p "1:[127.0.0.1]:$sinkp"
wait_port "$sinkp"; wait_port "$src"
spawn pipemux "$DUST_BIN/pipemux" -F -t "[127.0.0.1]:$src" \
    -p "1:[127.0.0.1]:$lp"
wait_port "$lp"
sleep 0.3

for n in 1 4; do
	each=$((MIB / n))
	d=$($PY bench/mux_xfer.py send "$sinkp" "$each" "$n")
	m=$($PY bench/mux_xfer.py send "$lp" "$each" "$n")
	r=$($PY -c "print('%.2f' % ($m / $d))")
	echo "mux throughput, $n connection(s), $MIB MiB: direct $d MiB/s," \
	    "pipemux+pipemuxd $m MiB/s, ratio $r"
done
echo "RSS after: pipemux $(awk '/VmRSS/{print $2}' /proc/$PID_pipemux/status) KiB," \
    "pipemuxd $(awk '/VmRSS/{print $2}' /proc/$PID_pipemuxd/status) KiB"
