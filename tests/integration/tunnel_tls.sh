#!/bin/sh
# TLS through the tunnel: the shipped TLS model (models/tls-learned.json,
# curl <-> nginx over TLS 1.3 with keep-alive, docs/models.md) carrying
# HTTPS (curl -> dust client ~~Dust shaped as TLS~~ dust server -> nginx
# over TLS 1.3), on loopback: models/capture/dust.sh with INNER=tls.
# Checks:
#   1. All 8 transfers arrive (curl ends its own TLS session with nginx
#      through the tunnel).  Before keep-alive the TLS model's connections
#      could not carry a link: the tunnel opened thousands of connections
#      and delivered nothing ("NEW_OK never acknowledged"), and then
#      refused the model at start (dust_keys).
#   2. No session was given up for want of the server's confirmation.
#   3. Every Dust connection is exempt from the GFW rules (>= 99%) and none
#      looks uniform (dust model check).
. tests/lib.sh
for b in /usr/sbin/nginx /usr/bin/tcpdump /usr/bin/curl; do
	[ -x "$b" ] || skip "$b is not installed"
done
[ "$(id -u)" -eq 0 ] || skip "capturing on lo needs root"
export DUST="$DUST_BIN/dust"
PY=/usr/bin/python3

out=$(INNER=tls CURL_TIMEOUT=60 sh models/capture/dust.sh \
    models/tls-learned.json "$T/dust.pcap" 8) || fail "capture: $out"
echo "$out" | tail -3
echo "$out" | grep -q "transfers failed or timed out: 0 of 8" ||
	fail "transfers failed"
echo "$out" | grep -q "server confirmation (client log): 0 of" ||
	fail "sessions without the server's confirmation"
PD=$(echo "$out" | sed -n 's/^port //p')
R="$T/report"
"$DUST" model check models/tls-learned.json "$T/dust.pcap" --port "$PD" \
    -o "$R" > "$T/check.log" || { cat "$T/check.log"; fail "check"; }
$PY -c 'import json, sys
s = json.load(open(sys.argv[1]))
print("connections", s["connections"], "exempt", s["gfw"]["exempt"],
      "uniform", s["entropy"]["uniform"])
sys.exit(not (s["connections"] >= 8 and s["gfw"]["exempt"] >= 0.99 and
              s["entropy"]["uniform"] == 0))' "$R/summary.json" ||
	fail "the Dust connections do not pass as TLS (above)"
echo "ok"
