# The model pipeline end to end, on captures made here by the capture
# scripts (real curl, nginx, obfs4proxy on loopback, tcpdump):
#
#   1. HTTP/1.1, 60 keep-alive connections (models/capture/http.sh, 1 to 6
#      requests each), learned with `dust model learn`; the model must
#      load (learn checks it, check loads it again) and hold one
#      conversation per connection and a "hosts" object of 60
#      connections one at a time, each closed by the client's FIN;
#      --no-conversations leaves the conversations out,
#      --conversations N keeps N.
#   2. A second HTTP capture (60 connections, another keep-alive draw)
#      checked against the model
#      with the first as --against: report.md with every section and the
#      plots; real HTTP is 100% exempt from the GFW rules, 0% of its first
#      segments look uniform, its client bytes are within 0.5 bit/byte
#      (KL) of the model, its client lengths pass KS at p > 0.001.
#   3. obfs4proxy (iat-mode=0), 30 connections, checked with --against the
#      HTTP capture: at least 90% blocked by the GFW rules, at least 80%
#      look uniform, classifier AUC >= 0.9.  Skipped (with a message) when
#      obfs4proxy is not installed.
#   4. Dust (tests/tools/dust_wire: client and server engines back to back
#      on a simulated clock, 60 connections) with the learned model, in
#      conversation mode: at least 99% exempt from the GFW rules, none
#      looking uniform, application data delivered both ways (in at least
#      a third of the connections each way: measured 68-90% with 60
#      learned conversations), and the classifier on the connection's
#      structure (no timing, no first-segment byte statistics) at AUC <=
#      0.88 against real HTTP, while the per-packet model (learned with
#      --no-conversations; connections of at most 3 s) is told apart at
#      AUC >= 0.92.  Measured on six seeds: 0.69-0.78 and 0.95-0.99; with
#      60 connections per class an AUC's standard error is about 0.05, so
#      each bound is about 2 standard errors beyond the worst seen (the
#      conversation-mode AUC was above the 0.48 of two real captures
#      because 60 draws from 60 learned conversations repeated some of
#      them, and repeats are easy to recognize; since dust_wire's client
#      draws none of its recent ones, as the tunnel's, 0.53-0.69 on six
#      seeds against one pair of captures where the earlier draws gave
#      0.65-0.83, and one run of the test saw 0.883 before).  With every feature but timing
#      (the structure and the first client segment's entropy, printable
#      share and popcount, which the first segment's permutation of a real
#      one's bytes makes exactly real): AUC <= 0.92; measured 0.63-0.83 on
#      eight runs (was 0.997-1.000 before first segments, which this bound
#      catches), so about 2 standard errors beyond the worst seen.  With the built-in uniform
#      model (1 s connections): at least 90% blocked.
#   5. Bad input: a missing file, an empty file, a text file, a truncated
#      capture, a capture without the port, an unknown model: a message
#      naming the problem, exit 1, no crash.
#   6. TLS 1.3 (models/capture/tls.sh, 20 curl connections to nginx): the
#      learned model has a "format" holding the ClientHellos and server
#      flights of 16 connections (--hellos 4: 4; --no-format and the HTTP
#      model: none); model check reports that 100% of the TLS capture's
#      connections parse as TLS 1.3, 0% of the HTTP capture's and of Dust's
#      with the HTTP model; a capture of one TLS connection is refused
#      ("needs the first flights of 2 connections"), a model whose format
#      holds a damaged ClientHello is refused naming it; the built-in tls
#      model loads in model check and as --timing, and gives a one-line
#      invite.
. tests/lib.sh

for b in /usr/sbin/nginx /usr/bin/tcpdump /usr/bin/curl; do
	[ -x "$b" ] || skip "$b is not installed (make check installs it as root)"
done
[ "$(id -u)" -eq 0 ] || skip "capturing on lo needs root"
DUST="$DUST_BIN/dust"

# summary KEY...: print a number of summary.json of report $R.
summary() {
	/usr/bin/python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    s = s[k]
print(s)' "$R/summary.json" "$@"
}

# at_least X Y WHAT: fail unless X >= Y.
at_least() {
	/usr/bin/python3 -c 'import sys; sys.exit(not float(sys.argv[1]) >= float(sys.argv[2]))' "$1" "$2" ||
		fail "$3: $1 (must be >= $2)"
}

echo "== 1. learn from real HTTP"
out=$(HTTP_SEED=1 sh models/capture/http.sh "$T/http1.pcap" 60) || fail "capture: $out"
P1=$(echo "$out" | sed -n 's/^port //p')
"$DUST" model learn "$T/http1.pcap" --port "$P1" -o "$T/http.json" ||
	fail "learn"
grep -q '"prefix": "GET /"' "$T/http.json" || fail "no GET prefix learned"
grep -q '"prefix": "HTTP/1.1 ' "$T/http.json" || fail "no response prefix"
[ "$(/usr/bin/python3 -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["conversations"]["list"]))' "$T/http.json")" = 60 ] ||
	fail "not one conversation per connection"
# The host-level behaviour (docs/models.md, "hosts"): http.sh runs one
# curl after another, each closing its connection before the next starts.
/usr/bin/python3 -c 'import json, sys
h = json.load(open(sys.argv[1]))["hosts"]
assert h["connections"] == 60, h["connections"]
assert h["concurrency"]["points"] == [[1, 60]], h["concurrency"]
assert h["close"]["client_fin"] == 1, h["close"]
assert h["keepalive"] == 0, h["keepalive"]
assert sum(w for v, w in h["start_gap"]["points"]) == 59' "$T/http.json" ||
	fail "hosts: not 60 connections one at a time, each closed by the client"
"$DUST" model learn "$T/http1.pcap" --port "$P1" --no-conversations \
    -o "$T/http-pp.json" || fail "learn --no-conversations"
grep -q '"conversations"' "$T/http-pp.json" && fail "--no-conversations: conversations"
# --conversations N keeps the first N.
"$DUST" model learn "$T/http1.pcap" --port "$P1" --conversations 7 \
    -o "$T/http-7.json" || fail "learn --conversations 7"
[ "$(/usr/bin/python3 -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["conversations"]["list"]))' "$T/http-7.json")" = 7 ] ||
	fail "--conversations 7: not 7 conversations"
# --timing: flow and duration from the built-in http model, the rest learned.
"$DUST" model learn "$T/http1.pcap" --port "$P1" --timing http \
    -o "$T/http-timed.json" || fail "learn --timing"
grep -q '"flow": {"family":"poisson","lambda":3}' "$T/http-timed.json" ||
	fail "--timing: no flow of the http model"
[ "$(grep -c '"bytes"' "$T/http-timed.json")" = 2 ] || fail "--timing: bytes"

echo "== 2. check real HTTP against it"
out=$(HTTP_SEED=2 sh models/capture/http.sh "$T/http2.pcap" 60) || fail "capture: $out"
R="$T/report-http"
"$DUST" model check "$T/http.json" "$T/http2.pcap" --against "$T/http1.pcap" \
    -o "$R" || fail "check"
for sec in "## Summary" "## Fit to the model" "## GFW fully-encrypted" \
    "## Entropy tests" "## Classifier" "AUC"; do
	grep -q "$sec" "$R/report.md" || fail "report.md lacks '$sec'"
done
for f in bytes lengths flow gaps first; do
	grep -q "<svg" "$R/$f.svg" || fail "no plot $f.svg"
done
[ "$(summary gfw exempt)" = 1.0 ] || fail "real HTTP not 100% exempt: $(summary gfw exempt)"
[ "$(summary entropy uniform)" = 0.0 ] || fail "real HTTP looks uniform: $(summary entropy uniform)"
at_least 0.5 "$(summary fit c2s bytes kl_bits)" "KL of client bytes"
at_least "$(summary fit c2s length p)" 0.001 "KS p of client lengths"
at_least "$(summary connections)" 60 "connections found"
summary classifier auc > /dev/null || fail "no classifier AUC"

echo "== 3. obfs4proxy is caught"
if command -v obfs4proxy > /dev/null; then
	out=$(sh models/capture/obfs4.sh "$T/obfs4.pcap" 30) || fail "capture: $out"
	R="$T/report-obfs4"
	"$DUST" model check "$T/http.json" "$T/obfs4.pcap" \
	    --against "$T/http2.pcap" -o "$R" || fail "check obfs4"
	at_least "$(summary gfw blocked)" 0.9 "obfs4 blocked by the GFW rules"
	# Uniform bytes pass all three entropy tests 97% of the time (docs/
	# detectability.md): of 30, 27 or more with probability 0.988, 24 or
	# more with 0.99998; 0.9 failed a CI run (26 of 30).
	at_least "$(summary entropy uniform)" 0.8 "obfs4 looking uniform"
	at_least "$(summary classifier auc)" 0.9 "classifier AUC on obfs4"
else
	echo "obfs4proxy is not installed: part 3 skipped (apt-get install -y obfs4proxy)"
fi

echo "== 4. Dust, simulated, with the learned model and with uniform"
export DUST_WIRE_MAX_MS=3000
"$DUST_TOOLS/dust_wire" "$T/http.json" 60 "$T/dust.pcap" 1 > "$T/dust.conns" ||
	fail "dust_wire"
R="$T/report-dust"
"$DUST" model check "$T/http.json" "$T/dust.pcap" --against "$T/http2.pcap" \
    -o "$R" || fail "check dust"
at_least "$(summary gfw exempt)" 0.99 "Dust (learned HTTP) exempt from the GFW rules"
[ "$(summary entropy uniform)" = 0.0 ] || fail "Dust (learned HTTP) looks uniform"
at_least 0.88 "$(summary classifier_structure auc)" "structure AUC, conversation mode"
at_least 0.92 "$(summary classifier_untimed auc)" "AUC without timing, conversation mode"
# Lines "conn I ms MS c2s GOT/WANTED s2c GOT/WANTED": connections that
# delivered application data each way.
[ "$(grep -c '^conn' "$T/dust.conns")" = 60 ] || fail "dust_wire: $(cat "$T/dust.conns")"
c2s=$(awk '{ split($6, a, "/"); if (a[1] > 0) n++ } END { print n + 0 }' "$T/dust.conns")
s2c=$(awk '{ split($8, a, "/"); if (a[1] > 0) n++ } END { print n + 0 }' "$T/dust.conns")
at_least "$c2s" 20 "connections delivering client data"
at_least "$s2c" 20 "connections delivering server data"
"$DUST_TOOLS/dust_wire" "$T/http-pp.json" 60 "$T/dust-pp.pcap" 1 > /dev/null ||
	fail "dust_wire per packet"
R="$T/report-dust-pp"
"$DUST" model check "$T/http-pp.json" "$T/dust-pp.pcap" --against "$T/http2.pcap" \
    -o "$R" || fail "check dust per packet"
at_least "$(summary classifier_structure auc)" 0.92 "structure AUC, per-packet mode"
DUST_WIRE_MAX_MS=1000 "$DUST_TOOLS/dust_wire" uniform 30 "$T/dust-u.pcap" 2 || fail "dust_wire uniform"
R="$T/report-dust-u"
"$DUST" model check uniform "$T/dust-u.pcap" -o "$R" || fail "check uniform"
at_least "$(summary gfw blocked)" 0.9 "Dust (uniform) blocked by the GFW rules"

echo "== 5. bad input"
# expect_error MESSAGE CMD...: CMD must exit 1 and say MESSAGE.
expect_error() {
	msg=$1; shift
	if "$@" > "$T/err.log" 2>&1; then fail "$* succeeded"; fi
	rc=$?
	grep -q -e "$msg" "$T/err.log" || fail "$*: no '$msg' in: $(cat "$T/err.log")"
	grep -q "AddressSanitizer\|runtime error" "$T/err.log" && fail "$*: sanitizer"
	return 0
}
: > "$T/empty.pcap"
echo "not a capture" > "$T/text.pcap"
head -c 3000 "$T/http1.pcap" > "$T/trunc.pcap"
expect_error "cannot read the capture" "$DUST" model learn "$T/none.pcap" -o "$T/x.json"
expect_error "cannot read the capture" "$DUST" model learn "$T/empty.pcap" -o "$T/x.json"
expect_error "cannot read the capture" "$DUST" model learn "$T/text.pcap" -o "$T/x.json"
expect_error "no TCP connection to port 9" "$DUST" model learn "$T/http1.pcap" --port 9 -o "$T/x.json"
expect_error "--port" "$DUST" model learn "$T/http1.pcap" --port 0 -o "$T/x.json"
expect_error "--conversations" "$DUST" model learn "$T/http1.pcap" --conversations 0 -o "$T/x.json"
expect_error "--conversations" "$DUST" model learn "$T/http1.pcap" --conversations 4097 -o "$T/x.json"
expect_error "--filter" "$DUST" model learn "$T/http1.pcap" --filter "tcp port" -o "$T/x.json"
expect_error "neither a model file nor a built-in" "$DUST" model check nosuchmodel "$T/http2.pcap" -o "$T/r"
echo '{"name": "x"}' > "$T/bad.json"
expect_error "client_to_server" "$DUST" model check "$T/bad.json" "$T/http2.pcap" -o "$T/r"
# A truncated capture: what was read before the damage is used, or a
# clear error if that is nothing; never a crash.
"$DUST" model learn "$T/trunc.pcap" -o "$T/trunc.json" > "$T/trunc.log" 2>&1 || true
grep -q "truncated\|no TCP\|none carrying\|distinct payload" "$T/trunc.log" ||
	fail "truncated capture: $(cat "$T/trunc.log")"
grep -q "AddressSanitizer\|runtime error" "$T/trunc.log" && fail "sanitizer on truncated capture"
echo "== 6. TLS 1.3: the format, and the parse test"
# nformat MODEL KEY: how many captures the model's format holds in KEY.
nformat() {
	/usr/bin/python3 -c 'import json, sys
print(len(json.load(open(sys.argv[1])).get("format", {}).get(sys.argv[2], [])))' "$1" "$2"
}
out=$(sh models/capture/tls.sh "$T/tls.pcap" 20) || fail "capture: $out"
PT=$(echo "$out" | sed -n 's/^port //p')
"$DUST" model learn "$T/tls.pcap" --port "$PT" --no-conversations \
    -o "$T/tls.json" || fail "learn TLS"
[ "$(nformat "$T/tls.json" client_hellos)" = 16 ] || fail "not 16 ClientHellos"
[ "$(nformat "$T/tls.json" server_flights)" = 16 ] || fail "not 16 server flights"
grep -q "TLS 1.3 format from the first flights of 16" "$T/tls.json" ||
	fail "the description does not name the format"
"$DUST" model learn "$T/tls.pcap" --port "$PT" --no-conversations --hellos 4 \
    -o "$T/tls-4.json" || fail "learn --hellos 4"
[ "$(nformat "$T/tls-4.json" client_hellos)" = 4 ] || fail "--hellos 4: not 4"
"$DUST" model learn "$T/tls.pcap" --port "$PT" --no-conversations \
    --no-format -o "$T/tls-nf.json" || fail "learn --no-format"
grep -q '"format"' "$T/tls-nf.json" && fail "--no-format: a format"
grep -q '"format"' "$T/http.json" && fail "the HTTP model has a format"
# The built-in tls as --timing (its prefix holds \u0000).
"$DUST" model learn "$T/tls.pcap" --port "$PT" --no-conversations \
    --timing tls -o "$T/tls-timed.json" || fail "learn --timing tls"
R="$T/report-tls"
"$DUST" model check "$T/tls.json" "$T/tls.pcap" --port "$PT" \
    --against "$T/http2.pcap" -o "$R" > "$T/check-tls.log" ||
	fail "check TLS"
grep -q "TLS 1.3 parse: 100.0% of 20 connections (against: 0.0% of" \
    "$T/check-tls.log" || fail "TLS parse: $(cat "$T/check-tls.log")"
[ "$(summary tls_parse)" = 1.0 ] || fail "real TLS parses $(summary tls_parse)"
[ "$(summary against_tls_parse)" = 0.0 ] || fail "HTTP parses as TLS"
grep -q "parses as TLS 1.3" "$R/report.md" || fail "report.md lacks the parse test"
R="$T/report-dust"
[ "$(summary tls_parse)" = 0.0 ] || fail "Dust (HTTP model) parses as TLS"
R="$T/report-tls-builtin"
"$DUST" model check tls "$T/tls.pcap" --port "$PT" -o "$R" > /dev/null ||
	fail "check with the built-in tls"
[ "$(summary tls_parse)" = 1.0 ] || fail "built-in tls: real TLS parses $(summary tls_parse)"
"$DUST" keygen -k "$T/key" > /dev/null || fail "keygen"
[ "$("$DUST" invite -k "$T/key" -a 127.0.0.1:443 -m tls | wc -l)" = 1 ] ||
	fail "invite -m tls"
out=$(sh models/capture/tls.sh "$T/tls1.pcap" 1) || fail "capture: $out"
P1T=$(echo "$out" | sed -n 's/^port //p')
expect_error "needs the first flights of 2 connections" \
    "$DUST" model learn "$T/tls1.pcap" --port "$P1T" -o "$T/x.json"
[ -e "$T/x.json" ] && fail "a model was written from one TLS connection"
/usr/bin/python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
h = m["format"]["client_hellos"]
h[1] = h[1][:300]
json.dump(m, open(sys.argv[2], "w"))' "$T/tls.json" "$T/tls-bad.json"
expect_error "format.client_hellos\[1\]: ClientHello: " \
    "$DUST" model check "$T/tls-bad.json" "$T/tls.pcap" -o "$T/r"
echo "model_pipeline: ok"
