#!/bin/sh
# Capture obfs4 (obfs4proxy, iat-mode=0) carrying HTTP on loopback: the
# control that the detectability report must catch.
#   sh models/capture/obfs4.sh OUT.pcap [CONNECTIONS]
# curl -> obfs4proxy client (SOCKS5) ~~obfs4~~ obfs4proxy server -> nginx.
# Both obfs4proxy ends run standalone as managed transports (pt-spec):
# the client's SOCKS port is read from its CMETHOD line, the server's cert
# from its state folder's obfs4_bridgeline.txt, and the bridge arguments
# "cert=...;iat-mode=0" go in the SOCKS5 username and password, split in
# two.  Only the obfs4 hop (the server's port, printed) is captured.
OUT=${1:?usage: obfs4.sh OUT.pcap [CONNECTIONS]}
N=${2:-200}
. "$(dirname "$0")/common.sh"
[ -x /usr/sbin/nginx ] || skip "nginx is not installed"
command -v obfs4proxy > /dev/null ||
	skip "obfs4proxy is not installed (apt-get install -y obfs4proxy)"

make_www "$T/www"
P_HTTP=$(free_port)
start_nginx "$P_HTTP"

P_OBFS=$(free_port)
mkdir -p "$T/srv" "$T/cli"
spawn obfs4_server env TOR_PT_MANAGED_TRANSPORT_VER=1 \
    TOR_PT_STATE_LOCATION="$T/srv" TOR_PT_SERVER_TRANSPORTS=obfs4 \
    TOR_PT_SERVER_BINDADDR="obfs4-127.0.0.1:$P_OBFS" \
    TOR_PT_SERVER_TRANSPORT_OPTIONS="obfs4:iat-mode=0" \
    TOR_PT_ORPORT="127.0.0.1:$P_HTTP" obfs4proxy
spawn obfs4_client env TOR_PT_MANAGED_TRANSPORT_VER=1 \
    TOR_PT_STATE_LOCATION="$T/cli" TOR_PT_CLIENT_TRANSPORTS=obfs4 obfs4proxy
wait_port "$P_OBFS"
i=0
until [ -s "$T/srv/obfs4_bridgeline.txt" ] &&
    grep -q '^CMETHOD obfs4' "$T/obfs4_client.log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "obfs4proxy did not start: $(cat "$T"/obfs4_*.log)"
	sleep 0.1
done
CERT=$(sed -n 's/.*cert=\([^ ]*\).*/\1/p' "$T/srv/obfs4_bridgeline.txt" | tail -n 1)
SOCKS=$(sed -n 's/^CMETHOD obfs4 socks5 //p' "$T/obfs4_client.log")
[ -n "$CERT" ] && [ -n "$SOCKS" ] || fail "no cert or no SOCKS port"
ARGS="cert=$CERT;iat-mode=0"
HALF=$(( ${#ARGS} / 2 ))
USER=$(printf %s "$ARGS" | cut -c1-$HALF)
PASS=$(printf %s "$ARGS" | cut -c$((HALF + 1))-)

start_tcpdump "$P_OBFS"
i=0
while [ $i -lt "$N" ]; do
	curl -s -o /dev/null --socks5 "$SOCKS" --proxy-user "$USER:$PASS" \
	    "http://127.0.0.1:$P_OBFS/$(pick_file)" || fail "curl through obfs4 failed"
	i=$((i + 1))
done
stop_tcpdump
echo "port $P_OBFS"
