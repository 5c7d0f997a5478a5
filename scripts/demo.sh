#!/bin/sh
# make demo: run the coverpipe chain live (scripts/demo.py), for
# DEMO_SECONDS seconds (default: one pass of the load pattern, 20 s).
set -eu
exec /usr/bin/python3 "$(dirname "$0")/demo.py" "${1:-build}" ${DEMO_SECONDS:-}
