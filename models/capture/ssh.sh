#!/bin/sh
# Capture SSH between OpenSSH's ssh and sshd on loopback:
#   sh models/capture/ssh.sh OUT.pcap [CONNECTIONS]
#   build/bin/dust model learn OUT.pcap --port PORT -o models/ssh-learned.json
# The built-in model "ssh" (the SSH format: docs/protocol.md, "The SSH
# format") is learned from such a capture of 100 connections with
#   build/bin/dust model learn OUT.pcap --port PORT --name ssh --hellos 4 \
#       --no-conversations -o models/ssh.json
#   sh scripts/gen-models.sh > lib/shape/models_builtin.c
# (learn keeps the starts, identification to NEWKEYS, of 4 connections of
# one client and server; the captured sshd's throwaway host key is in
# them, and nobody needs its private key).
# Each connection is one ssh run (key authentication) of a short command
# whose output is 0 to 100 kB: cat of a page or blob, or echo.
OUT=${1:?usage: ssh.sh OUT.pcap [CONNECTIONS]}
N=${2:-100}
. "$(dirname "$0")/common.sh"
[ -x /usr/sbin/sshd ] || skip "sshd is not installed"

make_www "$T/www"
ssh-keygen -q -t ed25519 -N '' -f "$T/user_key"
cp "$T/user_key.pub" "$T/authorized_keys"
chmod 600 "$T/authorized_keys"
start_sshd
PORT=$P_SSHD
wait_port "$PORT"
start_tcpdump "$PORT"
i=0
while [ $i -lt "$N" ]; do
	if [ $((i % 4)) -eq 3 ]; then cmd="echo hello $i"
	else cmd="head -c 100000 $T/www/$(pick_file)"; fi
	ssh -q -p "$PORT" -i "$T/user_key" -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
	    root@127.0.0.1 "$cmd" > /dev/null || fail "ssh failed"
	i=$((i + 1))
done
stop_tcpdump
echo "port $PORT"
