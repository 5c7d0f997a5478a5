#!/bin/sh
# Real OpenSSH through the tunnel:
#
#   ssh | pipemux | dust client ~~ dust server | pipemuxd | sshd
#
# with the rotating test model (connections of 1.5 to 2.5 s), so pipemux's
# one link is an Ensemble session that moves across many Dust connections.
# 5 MB go up through ssh, and after 3 s (so that the session has moved
# to a new connection) 5 MB come back; SHA-256 checked both ways.
. tests/lib.sh
for b in /usr/sbin/sshd /usr/bin/ssh; do
	[ -x "$b" ] || skip "$b is not installed"
done
D=$DUST_BIN/dust
[ -x "$D" ] && [ -x "$DUST_BIN/pipemux" ] || skip "no dust or pipemux binary"

ssh-keygen -q -t ed25519 -N '' -f "$T/user_key"
cp "$T/user_key.pub" "$T/authorized_keys"
chmod 600 "$T/authorized_keys"
start_sshd

P_MUXD=$(free_port) P_SRV=$(free_port) P_CLI=$(free_port) P_SSH=$(free_port)
"$D" keygen -k "$T/key" > /dev/null
"$D" invite -k "$T/key" -a "127.0.0.1:$P_SRV" -m tests/models/rotate.json \
    > "$T/invite"
spawn pipemuxd "$DUST_BIN/pipemuxd" -F -s "[127.0.0.1]:$P_MUXD" \
    -p "1:[127.0.0.1]:$P_SSHD"
spawn server "$D" server -F -v -s "[127.0.0.1]:$P_SRV" \
    -t "[127.0.0.1]:$P_MUXD" -k "$T/key" -i "$T/invite"
spawn client "$D" client -F -v -s "[127.0.0.1]:$P_CLI" -i "$T/invite"
wait_port "$P_SSHD"; wait_port "$P_MUXD"; wait_port "$P_SRV"; wait_port "$P_CLI"
spawn pipemux "$DUST_BIN/pipemux" -F -t "[127.0.0.1]:$P_CLI" \
    -p "1:[127.0.0.1]:$P_SSH"
wait_port "$P_SSH"

head -c 5000000 /dev/urandom > "$T/five"
want=$(sha256sum < "$T/five" | cut -d' ' -f1)
timeout 120 ssh -q -p "$P_SSH" -i "$T/user_key" -o BatchMode=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o ConnectTimeout=30 root@127.0.0.1 \
    "sha256sum > $T/up.sum; sleep 3; cat $T/five" < "$T/five" > "$T/back" ||
	fail "ssh through the tunnel failed"
up=$(cut -d' ' -f1 < "$T/up.sum")
back=$(sha256sum < "$T/back" | cut -d' ' -f1)
echo "sent     $want"
echo "sshd got $up"
echo "came back $back"
[ "$up" = "$want" ] || fail "5 MB up through ssh arrived damaged"
[ "$back" = "$want" ] || fail "5 MB down through ssh arrived damaged"
N=$(grep -c "connection #" "$T/client.log" || true)
echo "client log lines about connections: $N"
[ "$N" -ge 2 ] || fail "the session never changed connections"
echo "tunnel_ssh: ok"
