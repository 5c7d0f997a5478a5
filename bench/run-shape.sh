#!/bin/sh
# The shaping layer's benchmark: coder throughput, bits per wire byte and
# KL divergence for every built-in model (markdown on stdout).
#   sh bench/run-shape.sh [BUILD] [MB]
set -eu
BUILD=${1:-build}
"$BUILD/bench/bench_shape" "${2:-16}"
