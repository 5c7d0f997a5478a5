#!/bin/sh
# Regenerate tests/vectors/ssh-hellos.txt: real SSH-2 connection starts,
# captured on loopback only, for the SSH template module
# (lib/format/sshhello.c, docs/formats.md):
#   sh tests/vectors/make-ssh-hellos.sh [OUT]
# sshd (Debian's openssh-server) listens on 127.0.0.1 with a throwaway
# ed25519 host key and a config of its own, both in a scratch folder; a
# relay on 127.0.0.1 (Python, below) passes each connection to it and
# keeps every byte each side sent, up to the connection's end.  The client
# is ssh (BatchMode, a throwaway key that sshd does not accept, so the
# connection ends at authentication: only the handshake is wanted), each
# run a new process, so a new key exchange:
#   openssh-I  ssh's defaults (RUNS runs, default 4): OpenSSH 9.2 picks
#              sntrup761x25519-sha512@openssh.com and
#              chacha20-poly1305@openssh.com, whose packet lengths are
#              encrypted;
#   x25519-I   -o KexAlgorithms=curve25519-sha256 (RUNS runs);
#   gcm-I      -c aes128-gcm@openssh.com (RUNS runs), whose packet lengths
#              are in the clear after NEWKEYS.
# The programs and their versions are written into the file's header.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/tests/vectors/ssh-hellos.txt}
RUNS=${RUNS:-4}
DUST_ROOT=$ROOT
# tests/lib.sh: scratch folder $T, spawn, cleanup of every process started.
. "$ROOT/tests/lib.sh"
for b in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen; do
	[ -x "$b" ] || skip "$b is not installed"
done
[ "$(id -u)" -eq 0 ] || skip "sshd needs root"

ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$T/user_key"
: > "$T/authorized_keys"
mkdir -p /run/sshd
PORT=$(free_port)
cat > "$T/sshd_config" <<EOC
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/host_key
AuthorizedKeysFile $T/authorized_keys
PidFile $T/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
EOC
spawn sshd /usr/sbin/sshd -D -e -f "$T/sshd_config"
wait_port "$PORT"
RPORT=$(free_port)
spawn relay /usr/bin/python3 -c '
import select, socket, sys
lport, dport, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", lport))
ls.listen(8)
print("relay: ready", flush=True)
while True:
    c, _ = ls.accept()
    s = socket.create_connection(("127.0.0.1", dport))
    sent = {c: b"", s: b""}
    peer = {c: s, s: c}
    live = [c, s]
    while live:
        r, _, _ = select.select(live, [], [], 10)
        if not r:
            break
        for a in r:
            try:
                d = a.recv(65536)
            except ConnectionResetError:
                d = b""
            if not d:
                live.remove(a)
                try:
                    peer[a].shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                continue
            sent[a] += d
            try:
                peer[a].sendall(d)
            except OSError:
                pass
    c.close()
    s.close()
    with open(out, "a") as f:
        f.write(sent[c].hex() + " " + sent[s].hex() + "\n")
' "$RPORT" "$PORT" "$T/flights"
until grep -q "relay: ready" "$T/relay.log"; do sleep 0.1; done

# flights_wait K: wait until the relay has written K connections.
flights_wait() {
	w=0
	while [ "$(cat "$T/flights" 2>/dev/null | wc -l)" -lt "$1" ]; do
		w=$((w + 1))
		[ $w -lt 100 ] || fail "the relay did not record connection $1"
		sleep 0.1
	done
}

k=0
for kind in openssh x25519 gcm; do
	case $kind in
	openssh) opt="" ;;
	x25519) opt="-oKexAlgorithms=curve25519-sha256" ;;
	gcm) opt="-caes128-gcm@openssh.com" ;;
	esac
	i=1
	while [ $i -le "$RUNS" ]; do
		# Refused at authentication (exit 255): what is wanted.
		ssh -F /dev/null -p "$RPORT" -i "$T/user_key" \
		    -o IdentitiesOnly=yes -o BatchMode=yes \
		    -o StrictHostKeyChecking=no \
		    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		    $opt nobody@127.0.0.1 true < /dev/null > "$T/ssh.out" 2>&1 &&
		    fail "ssh logged in"
		grep -q "Permission denied" "$T/ssh.out" ||
			fail "ssh: $(cat "$T/ssh.out")"
		k=$((k + 1))
		flights_wait $k
		echo "$kind-$i" >> "$T/names"
		i=$((i + 1))
	done
done

{
	echo "# SSH-2 connection starts captured on loopback by"
	echo "# tests/vectors/make-ssh-hellos.sh (lib/format/sshhello.c,"
	echo "# docs/formats.md)."
	echo "# Server: sshd of openssh-server" \
	    "$(dpkg-query -W -f '${Version}' openssh-server 2>/dev/null)" \
	    "(a throwaway ed25519 host key)."
	echo "# Client: $(ssh -V 2>&1 | cut -d, -f1), BatchMode, refused at"
	echo "#   authentication; openssh-*: its defaults; x25519-*:"
	echo "#   -o KexAlgorithms=curve25519-sha256; gcm-*:"
	echo "#   -c aes128-gcm@openssh.com."
	echo "# Format: NAME client HEX (every byte the client sent), then"
	echo "# NAME server HEX (every byte the server sent)."
	paste -d' ' "$T/names" "$T/flights" | while read -r name c s; do
		echo "$name client $c"
		echo "$name server $s"
	done
} > "$OUT"
echo "$(basename "$0"): $k connections -> $OUT"
