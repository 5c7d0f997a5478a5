#!/bin/sh
# Demand-driven connections on the learned client's process (issue #17;
# docs/streams.md "Connections on the learned process"), on loopback:
# $N parallel downloads of $KB KiB (seeded bytes) from nginx-light through
# `dust client -s` / `dust server -t` with $MODEL (default
# models/http-learned.json, whose "hosts" object was learned from
# models/capture/http.sh with 6 connections at once), the Dust port
# captured by tcpdump.  Checked:
#   1. every download arrives, by sha256;
#   2. the Dust connections, as `dust model learn` reads them from the
#      capture (its "hosts" object, the same learner as the model's), keep
#      to the learned client's process: at most as many at once as it had
#      (the largest point of hosts.concurrency) plus one (a closed
#      connection's FIN may leave after queued packets, behind the next
#      one's SYN: hosts/compare.py), and their start gaps no
#      shorter than its: the share of gaps below the learned gaps' 10th
#      percentile is at most 0.10 + 3 standard errors of a share of 0.10
#      over the gaps seen (at least 10 gaps, else the test fails: too few
#      connections to judge);
#   3. the session then idle (no stream, nothing to say) from 1 s to 4 s
#      after the last download: with the "hosts" object (whose learned
#      client sent no keep-alive) no Dust connection starts in those 3 s;
#   4. for comparison, printed only: the same with the model's "hosts"
#      object removed (the -c default of 2, the seed's behaviour: an idle
#      session polls every 50 ms to 1 s).
# Environment: HOSTS_N, HOSTS_KB, HOSTS_MODEL (bench/run-hosts.sh uses
# this test to measure).  About 20-40 s on a busy machine.
. tests/lib.sh
. tests/tunnel_lib.sh
command -v curl > /dev/null || skip "curl not installed"
[ -x /usr/sbin/nginx ] || skip "nginx-light not installed"
[ -x /usr/bin/tcpdump ] || skip "tcpdump not installed"
[ "$(id -u)" -eq 0 ] || skip "capturing on lo needs root"
N=${HOSTS_N:-8}
KB=${HOSTS_KB:-512}
MODEL=${HOSTS_MODEL:-models/http-learned.json}

PN=$(free_port)
mkdir -p "$T/www" "$T/tmp"
$PY -c 'import random,sys; sys.stdout.buffer.write(random.Random(17).randbytes(int(sys.argv[1]) << 10))' "$KB" > "$T/www/f.bin"
WANT=$(sha256sum < "$T/www/f.bin" | cut -d' ' -f1)
chmod 755 "$T"
start_www "listen 127.0.0.1:$PN;"
wait_port "$PN"
"$D" keygen -k "$T/key" > /dev/null

# run TAG MODEL: the downloads through a server and client with MODEL, the
# Dust port captured in $T/TAG.pcap; print the seconds taken.
run() {
	SP=$(free_port); CP=$(free_port)
	"$D" invite -k "$T/key" -a "127.0.0.1:$SP" -m "$2" > "$T/invite$1"
	spawn "tcpdump$1" tcpdump -Z root -B 32768 -i lo -U -w "$T/$1.pcap" \
	    "tcp port $SP"
	sleep 1
	spawn "server$1" "$D" server -F -v -s "[127.0.0.1]:$SP" \
	    -t "[127.0.0.1]:$PN" -k "$T/key" -i "$T/invite$1"
	spawn "client$1" "$D" client -F -v -s "[127.0.0.1]:$CP" \
	    -i "$T/invite$1"
	wait_port "$SP"; wait_port "$CP"
	s0=$(date +%s.%N)
	i=0 curls=
	while [ $i -lt "$N" ]; do
		curl -sS -m 120 -o "$T/$1-$i" --connect-to "::127.0.0.1:$CP" \
		    "http://127.0.0.1:$PN/f.bin" &
		curls="$curls $!"
		i=$((i + 1))
	done
	for p in $curls; do wait "$p" || fail "$1: a download failed"; done
	s1=$(date +%s.%N)
	i=0
	while [ $i -lt "$N" ]; do
		[ "$(sha256sum < "$T/$1-$i" | cut -d' ' -f1)" = "$WANT" ] ||
		    fail "$1: download $i differs"
		i=$((i + 1))
	done
	sleep 4.5
	eval "kill \$PID_client$1 \$PID_server$1"
	sleep 1
	eval "kill \$PID_tcpdump$1"
	eval "wait \$PID_tcpdump$1" 2>/dev/null || true
	# Connections started while idle: SYNs 1 s to 4 s after the end.
	tcpdump -r "$T/$1.pcap" -nn -tt \
	    'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' 2>/dev/null |
	    awk -v a="$s1" '$1 > a + 1 && $1 < a + 4 { n++ } END { print n + 0 }' \
	    > "$T/$1.idle"
	"$D" model learn "$T/$1.pcap" --port "$SP" --no-conversations \
	    --no-format -o "$T/$1.json" 2>> "$T/learn.log" ||
	    fail "$1: cannot read the capture: $(cat "$T/learn.log")"
	echo "$s1 - $s0" | bc
}

$PY -c 'import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if "hosts" in m else 1)' "$MODEL" || fail "$MODEL has no hosts"
$PY -c 'import json, sys
m = json.load(open(sys.argv[1])); del m["hosts"]
json.dump(m, open(sys.argv[2], "w"))' "$MODEL" "$T/nohosts.json"

secs=$(run hosts "$MODEL")
echo "with hosts: $N downloads of $KB KiB in $secs s, all intact;" \
    "$(cat "$T/hosts.idle") connections started in 3 s idle"
secs0=$(run before "$T/nohosts.json")
echo "without (the seed's -c 2): $N downloads of $KB KiB in $secs0 s," \
    "all intact; $(cat "$T/before.idle") connections started in 3 s idle"
[ "$(cat "$T/hosts.idle")" -eq 0 ] ||
    fail "an idle session with the hosts object started connections"
$PY tests/integration/hosts/compare.py "$MODEL" "$T/hosts.json" \
    "$T/before.json" || fail "the Dust connections left the learned process"
