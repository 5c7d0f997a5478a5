#!/bin/sh
# Regenerate tests/vectors/tls13-hellos.txt: real TLS 1.3 first flights,
# captured on loopback only, for the TLS 1.3 template module
# (lib/format/tlshello.c, docs/formats.md):
#   sh tests/vectors/make-tls13-hellos.sh [OUT]
# nginx (Debian's nginx-light, `ssl_protocols TLSv1.3`, a throwaway
# self-signed P-256 certificate) listens on 127.0.0.1; a relay on
# 127.0.0.1 (tests/vectors/relay.py) passes each connection to it and
# keeps the bytes: each client's first flight (every byte it sent before the
# server's first byte: the ClientHello record) and the server's first
# flight (every byte it sent before the client's second flight:
# ServerHello, ChangeCipherSpec and the encrypted handshake records).
# Clients: curl (CURL_RUNS runs, default 4, as models/capture/tls.sh runs
# it: -k --tlsv1.3, SNI "localhost") and `openssl s_client -tls1_3`
# (SSL_RUNS runs, default 4, SNI "localhost", no ALPN), each a new process,
# so a new handshake without resumption.  The programs and their versions
# are written into the file's header.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/tests/vectors/tls13-hellos.txt}
CURL_RUNS=${CURL_RUNS:-4}
SSL_RUNS=${SSL_RUNS:-4}
DUST_ROOT=$ROOT
# tests/lib.sh (scratch folder $T, spawn, cleanup of every process started)
# and start_nginx, through models/capture/common.sh (which wants root).
. "$ROOT/models/capture/common.sh"
# tests/vectors/capture.sh: the relay that keeps the first flights.
. "$ROOT/tests/vectors/capture.sh"
for b in /usr/sbin/nginx /usr/bin/curl /usr/bin/openssl; do
	[ -x "$b" ] || skip "$b is not installed"
done

mkdir -p "$T/www"
chmod 755 "$T" "$T/www"
echo "hello" > "$T/www/index.html"
PORT=$(free_port)
start_nginx "$PORT" ssl
start_relay "$PORT" first

k=0
i=1
while [ $i -le "$CURL_RUNS" ]; do
	curl -s -o /dev/null -k --tlsv1.3 \
	    --resolve "localhost:$RPORT:127.0.0.1" \
	    "https://localhost:$RPORT/index.html" || fail "curl failed"
	k=$((k + 1))
	flights_wait $k
	flights_named "curl-$i"
	i=$((i + 1))
done
i=1
while [ $i -le "$SSL_RUNS" ]; do
	printf 'GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n' |
	    openssl s_client -quiet -tls1_3 -connect "127.0.0.1:$RPORT" \
	    -servername localhost > /dev/null 2>&1 || fail "s_client failed"
	k=$((k + 1))
	flights_wait $k
	flights_named "openssl-$i"
	i=$((i + 1))
done

{
	echo "# TLS 1.3 first flights captured on loopback by"
	echo "# tests/vectors/make-tls13-hellos.sh (lib/format/tlshello.c, docs/formats.md)."
	echo "# Server: nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*nginx\///')" \
	    "(ssl_protocols TLSv1.3, self-signed P-256 certificate)."
	echo "# Clients: $(curl --version | head -n 1 | cut -d' ' -f1,2,4,5)"
	echo "#   (curl -k --tlsv1.3, SNI localhost), and"
	echo "#   $(openssl version | cut -d' ' -f1,2) s_client -tls1_3" \
	    "-servername localhost (no ALPN)."
	echo "# Format: NAME client HEX (every byte the client sent before the"
	echo "# server's first byte), then NAME server HEX (every byte the server"
	echo "# sent before the client's second flight)."
	flights_print
} > "$OUT"
echo "$(basename "$0"): $k connections -> $OUT"
