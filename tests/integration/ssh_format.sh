#!/bin/sh
# The built-in model "ssh" (the SSH format, docs/protocol.md "The SSH
# format") through dust client and dust server on loopback, captured by
# tcpdump, beside real OpenSSH connections captured by
# models/capture/ssh.sh.  Checks:
#   1. one session carries 20 MB each way, exact (SHA-256 at both ends,
#      tests/tunnel_peer.py), then 4 rounds of 50 sessions at once carry
#      10 kB each way each, exact: 201 Dust connections;
#   2. tshark (tests/sshformat_check.py) dissects every Dust connection as
#      SSH: identification lines, KEXINIT, the key exchange and NEWKEYS of
#      both sides, no malformed packet, no expert error but those of the
#      real OpenSSH connections, hasshAlgorithms and hasshServerAlgorithms
#      equal to the model's captured OpenSSH's;
#   3. every X25519 part of Q_C and Q_S (402) is a point of the curve's
#      prime-order subgroup (Python with big integers), all distinct.
OUT=${T:-/tmp}/unused.pcap
N=0
. models/capture/common.sh
. tests/tunnel_lib.sh
[ -x /usr/bin/tshark ] || skip "tshark is not installed"
[ -x /usr/sbin/sshd ] || skip "sshd is not installed"

real=$(sh models/capture/ssh.sh "$T/real.pcap" 2) || fail "real: $real"
RP=$(echo "$real" | sed -n 's/^port //p')

tunnel_invite ssh
OUT=$T/dust.pcap
start_tcpdump "$SP"
tunnel_server
tunnel_client
MB=20
timeout 120 $PY tests/tunnel_peer.py client "$CP" 1 ${MB}000000 \
    ${MB}000000 1 > "$T/peer.log" 2>&1 || { cat "$T/peer.log"; \
    tail -5 "$T/client.log" "$T/server.log"; fail "transfer not exact"; }
cat "$T/peer.log"
for round in 1 2 3 4; do
	timeout 120 $PY tests/tunnel_peer.py client "$CP" 50 10000 10000 \
	    $((round * 100)) > "$T/peer.log" 2>&1 || { cat "$T/peer.log"; \
	    fail "round $round not exact"; }
done
cat "$T/peer.log"
stop_tcpdump
$PY tests/sshformat_check.py "$T/dust.pcap" "$SP" models/ssh.json \
    "$T/real.pcap" "$RP" || fail "the Dust connections do not pass as SSH"
echo "ok"
