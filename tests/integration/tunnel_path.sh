#!/bin/sh
# Dust over a path with a round trip
# (docs/notes/2026-12-05-detectability-path.md, "Over a path with a round
# trip"): two network namespaces joined by tests/tools/netpath
# (10 ms each way, MTU 1500), real HTTP captured on it (curl <-> nginx, 40
# keep-alive connections) and learned, then the tunnel carrying 10 of
# dust.sh's transfers with that model, captured beside the client.
# Checks, each of which failed before the change it guards:
#   1. The learned gaps are think times: a server step after a client
#      step has the capture point's round trip to the server (20 ms here)
#      taken off (dust model learn): median below 5 ms, where it was the
#      round trip itself, so that Dust's replay waited two round trips.
#      The capture point is beside the client, so a client step after a
#      server step keeps its whole gap (the client kernel's 0.09 ms to
#      answer is not a path): the learned median within 0.02 ms of the
#      capture's, where it was 0.09 ms short and the tunnel's client
#      answered that early.
#   2. Through the tunnel that turn takes what it takes in the real
#      capture: medians within 2 ms of each other (about 20.5 ms; 40.5
#      without 1); and the client's turn within 1 ms (0.4 ms here).
#   3. Server bursts leave as the real server's do, several segments on
#      one ACK: the share of server-after-server gaps under 0.1 ms is at
#      least half the real capture's (measured 0.58 against 0.62; 0.16
#      when each step waited until the last had left the kernel).
#   4. Connections close as the real ones did (dust model learn's
#      "close"): the client first in at least 80% of them where curl
#      closed first in at least 90% (nginx keeps connections alive; before,
#      the Dust server closed first, a round trip early, in all of them).
#      Needs tshark; skipped with a message without it.
#   5. All the transfers arrive, every connection is exempt from the GFW
#      rules (>= 99%), and none looks uniform.
# The classifier's AUC is printed, not tested: 10 transfers make about
# 100 connections, too few for an AUC to mean much (the figures from
# larger runs: docs/notes/2026-12-05-detectability-path.md).
. tests/lib.sh
for b in /usr/sbin/nginx /usr/bin/tcpdump /usr/bin/curl; do
	[ -x "$b" ] || skip "$b is not installed"
done
[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
ip netns add "dpt$$" 2>/dev/null || skip "cannot make network namespaces"
ip netns del "dpt$$"
export PATH_DELAY_MS=10 NETPATH="$DUST_TOOLS/netpath" DUST="$DUST_BIN/dust"
PY=/usr/bin/python3

# summary KEY...: print a number of summary.json of report $R.
summary() {
	$PY -c 'import json, sys
s = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    s = s[k]
print(s)' "$R/summary.json" "$@"
}

# gaps WHICH KEY...: a figure of conv_gaps.py for report $R's WHICH
# capture (observed or against), worked out once per capture.
gaps() {
	[ -s "$T/gaps-$1.json" ] ||
		$PY tests/conv_gaps.py "$R" "$1" > "$T/gaps-$1.json"
	f="$T/gaps-$1.json"
	shift
	$PY -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v[k]
print(v)' "$f" "$@"
}
# gap WHICH TURN: the median gap (ms) of TURN in report $R's WHICH capture.
gap() {
	gaps "$1" "$2" median_ms
}

# check EXPR MESSAGE: fail with MESSAGE unless the Python EXPR is true.
check() {
	$PY -c "import sys; sys.exit(not ($1))" || fail "$2"
}

echo "== real HTTP over the path, learned"
out=$(HTTP_SEED=1 sh models/capture/http.sh "$T/http.pcap" 40) ||
	fail "capture: $out"
PH=$(echo "$out" | sed -n 's/^port //p')
"$DUST" model learn "$T/http.pcap" --port "$PH" -o "$T/http.json" ||
	fail "learn"
# learned_turn A B: the median learned gap of a step of direction B after
# one of direction A.
learned_turn() {
	$PY -c 'import json, statistics, sys
m = json.load(open(sys.argv[1]))
d = (int(sys.argv[2]), int(sys.argv[3]))
g = []
for c in m["conversations"]["list"]:
    s = c["steps"] if isinstance(c, dict) else c
    g += [b[2] for a, b in zip(s, s[1:]) if (a[0], b[0]) == d]
print(statistics.median(g))' "$T/http.json" "$1" "$2"
}
learned=$(learned_turn 0 1)
echo "learned server-after-client gap: median $learned ms"
check "$learned < 5" "learned gaps keep the round trip: $learned ms"
learned_client=$(learned_turn 1 0)

echo "== Dust over the path with that model"
out=$(CURL_TIMEOUT=60 sh models/capture/dust.sh "$T/http.json" \
    "$T/dust.pcap" 10) || fail "capture: $out"
echo "$out" | tail -3
echo "$out" | grep -q "transfers failed or timed out: 0 of" ||
	fail "transfers failed"
PD=$(echo "$out" | sed -n 's/^port //p')
R="$T/report"
"$DUST" model check "$T/http.json" "$T/dust.pcap" --port "$PD" \
    --against "$T/http.pcap" --against-port "$PH" -o "$R" > "$T/check.log" ||
	{ cat "$T/check.log"; fail "check"; }
tail -3 "$T/check.log"
real_client=$(gap against s2c-c2s)
echo "client after server: learned $learned_client ms, captured $real_client ms"
check "abs($learned_client - $real_client) < 0.02" \
    "client turn learned $learned_client ms, captured $real_client ms"
check "$(summary gfw exempt) >= 0.99" "GFW exempt: $(summary gfw exempt)"
check "$(summary entropy uniform) == 0" "uniform: $(summary entropy uniform)"

dust_turn=$(gap observed c2s-s2c)
real_turn=$(gap against c2s-s2c)
echo "server after client: Dust $dust_turn ms, real $real_turn ms"
check "abs($dust_turn - $real_turn) < 2" \
    "server turn: Dust $dust_turn ms against real $real_turn ms"
dust_client=$(gap observed s2c-c2s)
echo "client after server: Dust $dust_client ms, real $real_client ms"
check "abs($dust_client - $real_client) < 1" \
    "client turn: Dust $dust_client ms against real $real_client ms"
# fast WHICH: the share of server-after-server gaps under 0.1 ms.
fast() {
	gaps "$1" s2c_burst_fast
}
dust_fast=$(fast observed)
real_fast=$(fast against)
echo "server gaps under 0.1 ms: Dust $dust_fast, real $real_fast"
check "$dust_fast >= $real_fast / 2" \
    "server bursts spread out: $dust_fast against $real_fast"
# client_first PCAP PORT: the share of connections to PORT whose first
# FIN or RST came from the client.
client_first() {
	tshark -r "$1" -Y "tcp.port == $2 && (tcp.flags.fin == 1 || \
	    tcp.flags.reset == 1)" -T fields -e tcp.stream -e tcp.srcport \
	    2>/dev/null | $PY -c 'import sys
first = {}
for line in sys.stdin:
    s, port = line.split()
    first.setdefault(s, port != sys.argv[1])
print(sum(first.values()) / max(1, len(first)))' "$2"
}
if command -v tshark > /dev/null; then
	dust_cf=$(client_first "$T/dust.pcap" "$PD")
	real_cf=$(client_first "$T/http.pcap" "$PH")
	echo "client closes first: Dust $dust_cf, real $real_cf"
	check "$real_cf >= 0.9" "real HTTP: the client closed first in $real_cf"
	check "$dust_cf >= 0.8" "Dust: the client closed first in $dust_cf"
else
	echo "tshark is not installed: the close check is skipped"
fi
echo "ok"
