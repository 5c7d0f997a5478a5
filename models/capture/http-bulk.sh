#!/bin/sh
# Capture bulk HTTP/1.1 between curl and nginx on loopback: large
# downloads and large uploads, to learn the content and packet lengths of
# a protocol-imitating model for bulk transfer (bench/models/http-bulk.json):
#   sh models/capture/http-bulk.sh OUT.pcap [CONNECTIONS]
#   build/bin/dust model learn OUT.pcap --port PORT --no-conversations \
#       --timing bench/models/uniform-bulk.json -o bench/models/http-bulk.json
# (the port is printed).  Each connection is one curl run keeping the
# connection alive for three requests: a GET of a large file of the web
# root, a PUT uploading another (nginx's WebDAV module stores it), and
# a GET again.  The files are the web root of http.sh scaled up to 1-8 MB:
# text pages (licence texts) and random blobs (compressed media), drawn
# one text to two blobs by a fixed-seed generator ($HTTP_SEED), as a
# browser's downloads and a backup's uploads would mix them; with
# HTTP_BULK_TEXT=1, text pages only (the content's entropy then falls from
# about 7.4 to about 4.6 bits a byte: docs/ensemble.md measures both).
OUT=${1:?usage: http-bulk.sh OUT.pcap [CONNECTIONS]}
N=${2:-40}
. "$(dirname "$0")/common.sh"
[ -x /usr/sbin/nginx ] || skip "nginx is not installed"

# make_bulk DIR: text and blob files of 1, 2, 4 and 8 MB.
make_bulk() {
	mkdir -p "$1"
	chmod 755 "$T" "$1"	# nginx's workers run as nobody.
	: > "$T/text"
	while [ "$(stat -c %s "$T/text")" -lt 8000000 ]; do
		cat /usr/share/common-licenses/* >> "$T/text"
	done
	i=0
	for size in 1000000 2000000 4000000 8000000; do
		head -c "$size" "$T/text" > "$1/page$i.html"
		head -c "$size" /dev/urandom > "$1/blob$i.bin"
		i=$((i + 1))
	done
	NFILES=$i
}

# rand: the next value 0..32767 of a fixed-seed linear congruential
# generator (POSIX sh has no seeded $RANDOM).
r=${HTTP_SEED:-1}
rand() {
	r=$(( (r * 1103515245 + 12345) % 2147483648 ))
	R=$(( r / 65536 ))
}
# pick: a file of the web root, one text to two blobs, in $F.
pick() {
	rand
	if [ $((R % 3)) -eq 0 ] || [ "${HTTP_BULK_TEXT:-0}" = 1 ]; then
		F="page$(( (R / 3) % NFILES )).html"
	else
		F="blob$(( (R / 3) % NFILES )).bin"
	fi
}

make_bulk "$T/www"
mkdir -p "$T/www/upload"
chown nobody "$T/www/upload"
PORT=$(free_port)
start_nginx "$PORT"
start_tcpdump "$PORT"
i=0
while [ $i -lt "$N" ]; do
	pick; get1=$F; pick; up=$F; pick; get2=$F
	curl -s -o /dev/null -H "Host: www.example.com" \
	    "http://127.0.0.1:$PORT/$get1" --next \
	    -s -o /dev/null -H "Host: www.example.com" \
	    -T "$T/www/$up" "http://127.0.0.1:$PORT/upload/$i-$up" --next \
	    -s -o /dev/null -H "Host: www.example.com" \
	    "http://127.0.0.1:$PORT/$get2" || fail "curl failed"
	i=$((i + 1))
done
stop_tcpdump
echo "port $PORT"
