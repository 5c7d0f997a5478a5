#!/bin/sh
# Capture Dust (dust client -> dust server, the tunnel) carrying GETs of
# the web root of http.sh: the traffic `dust model check` measures.
#   sh models/capture/dust.sh MODEL OUT.pcap [CONNECTIONS]
# curl -> dust client ~~Dust, shaped by MODEL~~ dust server -> nginx.
# With $INNER=tls the GETs are HTTPS (nginx over TLS 1.3, as tls.sh), so
# that a TLS model's tunnel carries TLS.
# MODEL is a model file or a built-in name (given to dust invite -m).
# Only the Dust hop (the server's port, printed) is captured.  With
# $PATH_DELAY_MS (common.sh) curl and the client are one host, the server
# and nginx the other.
# $DUST is the dust binary (default build/bin/dust).
MODEL=${1:?usage: dust.sh MODEL OUT.pcap [CONNECTIONS]}
OUT=${2:?usage: dust.sh MODEL OUT.pcap [CONNECTIONS]}
N=${3:-100}
. "$(dirname "$0")/common.sh"
[ -x /usr/sbin/nginx ] || skip "nginx is not installed"
D=${DUST:-$DUST_ROOT/build/bin/dust}
[ -x "$D" ] || skip "no $D (make)"

make_www "$T/www"
P_HTTP=$(free_port)
case ${INNER:-http} in
http) start_nginx "$P_HTTP"; scheme=http ;;
tls) start_nginx "$P_HTTP" ssl; scheme=https ;;
*) fail "INNER=$INNER: http or tls" ;;
esac
P_SRV=$(free_port)
P_CLI=$(free_port)
"$D" keygen -k "$T/key" > /dev/null
"$D" invite -k "$T/key" -a "$SRV:$P_SRV" -m "$MODEL" > "$T/invite" ||
	fail "dust invite -m $MODEL"
spawn server $AT_SERVER "$D" server -F -v -s "[$SRV]:$P_SRV" \
    -t "[$SRV]:$P_HTTP" -k "$T/key" -i "$T/invite"
spawn client $AT_CLIENT "$D" client -F -v -s "[127.0.0.1]:$P_CLI" \
    -i "$T/invite"
wait_port "$P_SRV" 10 "$AT_SERVER"
wait_port "$P_CLI" 10 "$AT_CLIENT"
start_tcpdump "$P_SRV"
# A transfer that fails or takes more than $CURL_TIMEOUT seconds (default
# 90) is counted and the next one started: the capture is what the
# censor sees either way.
i=0
failed=0
while [ $i -lt "$N" ]; do
	$AT_CLIENT curl -s -k -o /dev/null -m "${CURL_TIMEOUT:-90}" \
	    -H "Host: www.example.com" --resolve "localhost:$P_CLI:127.0.0.1" \
	    "$scheme://localhost:$P_CLI/$(pick_file)" ||
		failed=$((failed + 1))
	i=$((i + 1))
done
stop_tcpdump
echo "Dust connections without server confirmation (client log):" \
    "$(grep 'no server confirmation' "$T/client.log" |
	grep -o 'connection #[0-9]*' | sort -u | wc -l) of" \
    "$(grep -o 'connection #[0-9]*' "$T/client.log" | sort -u | wc -l)"
echo "transfers failed or timed out: $failed of $N"
echo "port $P_SRV"
