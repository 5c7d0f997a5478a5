#!/bin/sh
# Capture TLS 1.3 between curl and nginx (ssl_protocols TLSv1.3) for the
# built-in model `tls` (models/tls.json, docs/models.md): browsing and
# downloads, with the server name of a real-looking site:
#   sh models/capture/tls-builtin.sh OUT.pcap [CONNECTIONS]
#   build/bin/dust model learn OUT.pcap --port PORT --no-conversations \
#       --hellos 4 -o models/tls.json
#   sh scripts/gen-models.sh > lib/shape/models_builtin.c
# (the port is printed).  Each connection is one curl run (a new TLS 1.3
# handshake, no resumption) sending the server name $TLS_SNI (default
# www.microsoft.com) and reaching nginx through --resolve NAME:PORT:ADDRESS,
# which presents a chain as a public site's is (made here unless $TLS_DIR
# holds one: an RSA 2048 leaf for the name and an RSA 4096 intermediate,
# signed by a throwaway root that is not sent), so that the encrypted
# Certificate and CertificateVerify have a real site's lengths, not a
# self-signed test certificate's;
# so that nothing leaves the machine: on loopback, or with $PATH_DELAY_MS
# (and $PATH_RATE_MBIT) over the emulated path of common.sh (MTU 1500:
# the segment lengths of a real path; the shipped model was learned with
# PATH_DELAY_MS=10 PATH_RATE_MBIT=20).  Of every four connections, one
# downloads 1 to 3 random blobs of 1, 2 or 4 MB (as compressed media: the
# lengths and durations of bulk transfer) on one connection, one uploads
# one such blob (PUT, nginx's WebDAV module), and two browse as tls.sh
# does (browse in common.sh, 1 to 6 requests); the draws follow the seed
# $HTTP_SEED.
OUT=${1:?usage: tls-builtin.sh OUT.pcap [CONNECTIONS]}
N=${2:-60}
SNI=${TLS_SNI:-www.microsoft.com}
. "$(dirname "$0")/common.sh"
[ -x /usr/sbin/nginx ] || skip "nginx is not installed"

# make_chain DIR: key.pem and cert.pem (leaf, then intermediate) in DIR.
make_chain() {
	mkdir -p "$1"
	cd "$1" || fail "cd $1"
	openssl req -x509 -newkey rsa:4096 -nodes -keyout root.key \
	    -out root.pem -days 30 -subj "/C=US/O=Dust Test Root/CN=Dust Test Root CA" \
	    2>/dev/null || fail "root"
	openssl req -newkey rsa:4096 -nodes -keyout int.key -out int.csr \
	    -subj "/C=US/O=Dust Test/CN=Dust Test TLS Issuing CA 01" \
	    2>/dev/null || fail "intermediate"
	printf 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > int.ext
	openssl x509 -req -in int.csr -CA root.pem -CAkey root.key \
	    -CAcreateserial -days 30 -extfile int.ext -out int.pem \
	    2>/dev/null || fail "sign intermediate"
	openssl req -newkey rsa:2048 -nodes -keyout key.pem -out leaf.csr \
	    -subj "/C=US/O=Dust Test/CN=$SNI" 2>/dev/null || fail "leaf"
	printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' \
	    "$SNI" > leaf.ext
	openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key \
	    -CAcreateserial -days 30 -extfile leaf.ext -out leaf.pem \
	    2>/dev/null || fail "sign leaf"
	cat leaf.pem int.pem > cert.pem
	cd - > /dev/null || fail "cd back"
}

[ -n "${TLS_DIR:-}" ] || { TLS_DIR=$T/chain; make_chain "$TLS_DIR"; }
make_www "$T/www"
mkdir -p "$T/www/dl" "$T/www/upload"
chmod 755 "$T/www/dl"
chown nobody "$T/www/upload"
for mb in 1 2 4; do
	head -c $((mb * 1000000)) /dev/urandom > "$T/www/dl/blob$mb.bin"
done
PORT=$(free_port)
start_nginx "$PORT" ssl
start_tcpdump "$PORT"
i=0
while [ $i -lt "$N" ]; do
	if [ $((i % 4)) -eq 3 ]; then
		rand
		$AT_CLIENT curl -s -o /dev/null -k --tlsv1.3 \
		    --resolve "$SNI:$PORT:$SRV" -T "$T/www/dl/blob$((1 << (R % 3))).bin" \
		    "https://$SNI:$PORT/upload/$i.bin" || fail "curl failed"
	elif [ $((i % 4)) -eq 1 ]; then
		rand
		set --
		j=$((R % 3))
		while [ $j -ge 0 ]; do
			rand
			[ $# -eq 0 ] || set -- "$@" --next
			set -- "$@" -s -o /dev/null -k --tlsv1.3 \
			    --resolve "$SNI:$PORT:$SRV" \
			    "https://$SNI:$PORT/dl/blob$((1 << (R % 3))).bin"
			j=$((j - 1))
		done
		$AT_CLIENT curl "$@" || fail "curl failed"
	else
		browse "https://$SNI:$PORT" "$i" -k --tlsv1.3 \
		    --resolve "$SNI:$PORT:$SRV" || fail "curl failed"
	fi
	i=$((i + 1))
done
stop_tcpdump
echo "port $PORT"
