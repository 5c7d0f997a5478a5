#!/bin/sh
# The built-in model "ssh" (the SSH format, docs/protocol.md "The SSH
# format") as a censor's parser sees it, beside real OpenSSH connections
# captured by models/capture/ssh.sh (3, from which dust model learn must
# write an SSH format of 3 starts each side).
# Real programs: dust client and dust server (-m ssh) on loopback, tcpdump
# on the Dust port, while one stream carries 20 MB each way and then 50
# streams at once 10 kB each way, all exact (SHA-256 at both ends,
# tests/tunnel_peer.py).  Engine-made: 1,000 connections from
# tests/tools/tlsformat_tool (the engine with the same model, a marked
# client and a server requiring the mark: starts, a request, an answer),
# written as TCP connections into a pcap (no packet leaves the process).
# On both, tests/sshformat_check.py with Debian's tshark and a big-integer
# reference of Curve25519 (tests/ref/curve_ref.py):
#   1. tshark dissects every connection as SSH: identification lines,
#      KEXINIT, the key exchange and NEWKEYS of both sides; no malformed
#      packet; no expert error but those of the real OpenSSH connections;
#      hasshAlgorithms and hasshServerAlgorithms equal the model's
#      captured OpenSSH's;
#   2. every X25519 part of Q_C and Q_S is a point of the curve's
#      prime-order subgroup (not the twist), all distinct;
#   3. dust model check finds that every connection of the real programs
#      (and of real OpenSSH) parses as SSH-2, and the GFW rules exempt
#      them;
#   4. over the 1,000: the KEXINIT cookies of both sides pass bit tests,
#      and the clients' sntrup761 keys decode to values that look uniform
#      below 4591, the 80 that carry the mark as the others (chi-square;
#      thresholds in tests/sshformat_check.py).
OUT=${T:-/tmp}/unused.pcap
N=0
. models/capture/common.sh
. tests/tunnel_lib.sh
[ -x /usr/bin/tshark ] || skip "tshark is not installed"
[ -x /usr/sbin/sshd ] || skip "sshd is not installed"
[ -x "$DUST_TOOLS/tlsformat_tool" ] || skip "no $DUST_TOOLS/tlsformat_tool"

real=$(sh models/capture/ssh.sh "$T/real.pcap" 3) || fail "real: $real"
RP=$(echo "$real" | sed -n 's/^port //p')
# dust model learn writes an SSH format from them (the starts of all 3).
"$D" model learn "$T/real.pcap" --port "$RP" -o "$T/learned.json" \
    2> "$T/learn.log" || { cat "$T/learn.log"; fail "model learn"; }
$PY -c 'import json, sys
f = json.load(open(sys.argv[1]))["format"]
print("learned: protocol", f["protocol"], len(f["client_starts"]),
      "client starts", len(f["server_starts"]), "server starts")
sys.exit(not (f["protocol"] == "ssh" and len(f["client_starts"]) == 3 and
              len(f["server_starts"]) == 3))' "$T/learned.json" ||
	fail "the learned model has no SSH format of 3 starts"

tunnel_invite ssh
OUT=$T/dust.pcap
start_tcpdump "$SP"
tunnel_server
tunnel_client
timeout 120 $PY tests/tunnel_peer.py client "$CP" 1 20000000 20000000 1 \
    > "$T/peer.log" 2>&1 || { cat "$T/peer.log"; \
    tail -5 "$T/client.log" "$T/server.log"; fail "transfer not exact"; }
cat "$T/peer.log"
timeout 120 $PY tests/tunnel_peer.py client "$CP" 50 10000 10000 2 \
    > "$T/peer.log" 2>&1 || { cat "$T/peer.log"; fail "streams not exact"; }
cat "$T/peer.log"
stop_tcpdump
$PY tests/sshformat_check.py "$T/dust.pcap" "$SP" models/ssh.json \
    "$T/real.pcap" "$RP" || fail "the real programs' connections"
"$D" model check models/ssh.json "$T/dust.pcap" --port "$SP" \
    --against "$T/real.pcap" --against-port "$RP" -o "$T/report" \
    > "$T/check.log" 2>&1 || { cat "$T/check.log"; fail "model check"; }
grep "parse" "$T/check.log"
$PY -c 'import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(not (s["ssh_parse"] == 1 and s["against_ssh_parse"] == 1 and
              s["gfw"]["exempt"] == 1))' "$T/report/summary.json" ||
	fail "dust model check: not every connection parses as SSH-2"

"$DUST_TOOLS/tlsformat_tool" 1000 20261208 ssh > "$T/engine.txt" ||
	fail "tlsformat_tool"
$PY tests/sshformat_check.py synth "$T/engine.txt" "$T/engine.pcap"
$PY tests/sshformat_check.py "$T/engine.pcap" 22 models/ssh.json \
    "$T/real.pcap" "$RP" --stats || fail "the engine-made connections"
echo "ok"
