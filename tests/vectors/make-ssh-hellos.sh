#!/bin/sh
# Regenerate tests/vectors/ssh-hellos.txt: real SSH-2 connection starts,
# captured on loopback only, for the SSH template module
# (lib/format/sshhello.c, docs/formats.md):
#   sh tests/vectors/make-ssh-hellos.sh [OUT]
# sshd (Debian's openssh-server) listens on 127.0.0.1 with a throwaway
# ed25519 host key and a config of its own, both in a scratch folder; a
# relay on 127.0.0.1 (tests/vectors/relay.py) passes each connection to
# it and keeps every byte each side sent, up to the connection's end.  The
# client is ssh (BatchMode, a throwaway key that sshd does not accept, so
# the connection ends at authentication: only the handshake is wanted),
# each run a new process, so a new key exchange:
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
# tests/lib.sh: scratch folder $T, spawn, cleanup of every process started;
# tests/vectors/capture.sh: the relay that keeps what each side sent.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/vectors/capture.sh"
for b in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen; do
	[ -x "$b" ] || skip "$b is not installed"
done
[ "$(id -u)" -eq 0 ] || skip "sshd needs root"

ssh-keygen -q -t ed25519 -N '' -f "$T/user_key"
: > "$T/authorized_keys"
start_sshd
PORT=$P_SSHD
wait_port "$PORT"
start_relay "$PORT" all

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
		flights_named "$kind-$i"
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
	flights_print
} > "$OUT"
echo "$(basename "$0"): $k connections -> $OUT"
