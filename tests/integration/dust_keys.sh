#!/bin/sh
# dust keygen / invite / invite --show end to end: key file mode 0600,
# refusal to overwrite, the JSON fields of an invite, and mistyped,
# truncated or foreign invites refused with a clear message, and a model
# that cannot carry the tunnel refused by the client and the server.
. tests/lib.sh
DUST="$DUST_BIN/dust"
[ -x "$DUST" ] || fail "no $DUST"
cd "$T"

# expect_fail WHAT MESSAGE CMD...: CMD exits 1 and says MESSAGE on stderr.
expect_fail() {
	what=$1 msg=$2; shift 2
	if "$@" > out 2> err; then fail "$what: succeeded"; fi
	grep -qF -- "$msg" err || fail "$what: stderr '$(cat err)' lacks '$msg'"
	[ ! -s out ] || fail "$what: wrote to stdout: $(cat out)"
}

"$DUST" --version | grep -q '^dust [0-9]' || fail "--version"
"$DUST" -h | grep -q keygen || fail "-h does not list keygen"
"$DUST" keygen -h | grep -q 'usage: dust keygen' || fail "keygen -h"
"$DUST" invite -h | grep -q 'usage: dust invite' || fail "invite -h"

# keygen: mode 0600 whatever the umask, 163 bytes, public key printed.
pub=$(umask 022 && "$DUST" keygen -k server.key) || fail "keygen"
[ "$(stat -c %a server.key)" = 600 ] || fail "mode $(stat -c %a server.key)"
[ "$(stat -c %s server.key)" = 163 ] || fail "size $(stat -c %s server.key)"
grep -q "^public $pub\$" server.key || fail "printed key is not the file's"
cp server.key before
expect_fail "overwrite" "server.key already exists: not overwriting it" \
    "$DUST" keygen -k server.key
cmp -s server.key before || fail "keygen changed an existing key file"
expect_fail "keygen without -k" "-k KEYFILE is required" "$DUST" keygen
expect_fail "keygen in a missing folder" "cannot create key file" \
    "$DUST" keygen -k nodir/x.key

# invite and --show: every field as given.
inv=$("$DUST" invite -k server.key -a 127.0.0.1:8025 -m http) || fail invite
case "$inv" in dust:*) ;; *) fail "invite '$inv' lacks dust:" ;; esac
"$DUST" invite --show "$inv" > show.json || fail "--show"
/usr/bin/python3 - "$pub" show.json <<'PY' || fail "JSON fields"
import json, sys
j = json.load(open(sys.argv[2]))
want = {"version": 1, "address": "127.0.0.1", "port": 8025,
        "transport": "tcp", "public_key": sys.argv[1],
        "sid": "007f0000011f59", "model": "http"}
assert j == want, j
PY

# IPv6, a model file embedded, the invite read from standard input.
printf 'model text\nwith "quotes" \303\251\n' > m.model
inv6=$("$DUST" invite -k server.key -a '[::1]:443' -m m.model) || fail inv6
echo "$inv6" | "$DUST" invite --show - > show6.json || fail "--show -"
/usr/bin/python3 - show6.json m.model <<'PY' || fail "IPv6 JSON fields"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["address"] == "::1" and j["port"] == 443, j
assert j["model"] == open(sys.argv[2], encoding="utf-8").read(), j
PY

# A mistyped invite: one character changed in the middle.
mid=$(( ${#inv} / 2 ))
c=$(printf '%s' "$inv" | cut -c $mid)
[ "$c" = A ] && r=B || r=A
bad=$(printf '%s' "$inv" | cut -c 1-$((mid - 1)))$r$(printf '%s' "$inv" | cut -c $((mid + 1))-)
expect_fail "mistyped" "invite checksum does not match: mistyped?" \
    "$DUST" invite --show "$bad"
expect_fail "truncated" "invite is truncated" \
    "$DUST" invite --show "$(printf '%s' "$inv" | cut -c 1-$((${#inv} - 8)))"
expect_fail "not an invite" "not a dust invite" \
    "$DUST" invite --show "https://example.com/"

# Bad key files and addresses.
printf 'dust server key v1\nsecret 00\n' > short.key
expect_fail "short key" "short.key: key file: secret key is not 64 hex digits" \
    "$DUST" invite -k short.key -a 127.0.0.1:1
expect_fail "missing key" "none.key: No such file or directory" \
    "$DUST" invite -k none.key -a 127.0.0.1:1
head -c 1000 /dev/zero > big.key
expect_fail "key file too large" "big.key: larger than 227 bytes" \
    "$DUST" invite -k big.key -a 127.0.0.1:1
expect_fail "host name" "host names are not allowed" \
    "$DUST" invite -k server.key -a localhost:80
expect_fail "port" "is not a number from 1 to 65535" \
    "$DUST" invite -k server.key -a 127.0.0.1:99999
expect_fail "model" "neither a model file nor a model name" \
    "$DUST" invite -k server.key -a 127.0.0.1:1 -m 'no such/model'
expect_fail "unknown command" "unknown command 'frob'" "$DUST" frob

# A model whose conversations seldom carry a tunnel link is refused at
# start by both programs: here the shipped TLS model with each connection
# cut after the client's Finished (80 bytes after the ServerHello, not
# enough for a link's code, IV, CONTINUE and ACK; TLS connections of one
# request each, as the TLS model was learned before keep-alive, carried
# one in 5 of 1000).  The shipped HTTP and TLS models start.
/usr/bin/python3 - "$DUST_ROOT/models/tls-learned.json" > nolink.json <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
for c in m["conversations"]["list"]:
    s = c["steps"]
    k = next(i for i in range(1, len(s)) if s[i][0] == 0 and s[i - 1][0] == 1)
    c["steps"] = s[:k + 1]
    c.pop("close", None)
json.dump(m, sys.stdout)
EOF
"$DUST" invite -k server.key -a 127.0.0.1:1 -m nolink.json > nolink.inv ||
	fail "invite nolink"
expect_fail "cut client" "0.0% of its conversations can carry the tunnel" \
    "$DUST" client -F -s "[127.0.0.1]:1" -i nolink.inv
expect_fail "cut server" "0.0% of its conversations can carry the tunnel" \
    "$DUST" server -F -s "[127.0.0.1]:1" -t "[127.0.0.1]:2" -k server.key \
    -i nolink.inv
for p in http tls; do
	"$DUST" invite -k server.key -a 127.0.0.1:1 \
	    -m "$DUST_ROOT/models/$p-learned.json" > $p.inv ||
		fail "invite $p"
	timeout 2 "$DUST" client -F -s "[127.0.0.1]:$(free_port)" -i $p.inv \
	    2> err && fail "$p client: exited"
	grep -q "carry the tunnel" err && fail "$p client: $(cat err)"
done
echo "dust_keys: ok"
