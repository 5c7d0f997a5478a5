#!/bin/sh
# dust keygen / invite / invite --show end to end (and dust model's usage,
# its subcommands' own): key file mode 0600, a key file open to group or
# others refused by everything that reads it (invite -k, server -k,
# engine -k), refusal to overwrite, the JSON fields of an invite, and
# mistyped, truncated or foreign invites refused with a clear message,
# models that do not load refused by dust invite, and a model that cannot
# carry the tunnel refused by the client and the server.
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
# dust model: its usage is its subcommands' own, options and all.
"$DUST" model learn -h > learn.use || fail "model learn -h"
"$DUST" model check -h > check.use || fail "model check -h"
grep -q -- '--conversations' learn.use || fail "learn -h: $(cat learn.use)"
grep -q -- '--against-port' check.use || fail "check -h: $(cat check.use)"
cat learn.use check.use > model.use
"$DUST" model -h > model.h || fail "model -h"
cmp -s model.h model.use || fail "model -h: '$(cat model.h)'"
if "$DUST" model > out 2> err; then fail "dust model: succeeded"; fi
grep -q "learn or check?" err || fail "dust model: $(cat err)"
grep -v "learn or check?" err | cmp -s - model.use ||
	fail "dust model: '$(cat err)'"

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

# IPv6, a model file embedded, the invite read from standard input.  The
# model is the shipped uniform one with a description holding quotes and
# a non-ASCII letter, to check that its text is carried byte for byte.
/usr/bin/python3 - "$DUST_ROOT/models/uniform.json" > m.model <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["description"] = 'model text\nwith "quotes" \u00e9'
sys.stdout.write(json.dumps(m, indent=1, ensure_ascii=False) + "\n")
EOF
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

# A key file open to group or others is refused, as ssh does, by each
# program that reads a secret key; 0600, 0400 and 0700 are accepted.  The
# message names the file, its mode and the cure.
cp server.key open.key
for mode in 644 640 604 660 620 602 610 601; do
	chmod $mode open.key
	m=$(printf '%04o' 0$mode)
	msg="key file open.key has mode $m: a secret key must not be open to group or others; run chmod 600 open.key"
	expect_fail "invite, key mode $mode" "$msg" \
	    "$DUST" invite -k open.key -a 127.0.0.1:1
	expect_fail "server, key mode $mode" "$msg" \
	    "$DUST" server -F -s "[127.0.0.1]:1" -t "[127.0.0.1]:2" \
	    -k open.key -i "$inv"
	expect_fail "engine, key mode $mode" "$msg" \
	    "$DUST" engine -r server -k open.key -i "$inv"
done
for mode in 600 400 700; do
	chmod $mode open.key
	"$DUST" invite -k open.key -a 127.0.0.1:8025 -m http > open.inv \
	    2> err || fail "invite, key mode $mode: $(cat err)"
	[ "$(cat open.inv)" = "$inv" ] || fail "invite, key mode $mode differs"
done

# Bad key files and addresses.
printf 'dust server key v1\nsecret 00\n' > short.key
chmod 600 short.key
expect_fail "short key" "short.key: key file: secret key is not 64 hex digits" \
    "$DUST" invite -k short.key -a 127.0.0.1:1
expect_fail "missing key" "none.key: No such file or directory" \
    "$DUST" invite -k none.key -a 127.0.0.1:1
head -c 1000 /dev/zero > big.key && chmod 600 big.key
expect_fail "key file too large" "big.key: larger than 227 bytes" \
    "$DUST" invite -k big.key -a 127.0.0.1:1
expect_fail "host name" "host names are not allowed" \
    "$DUST" invite -k server.key -a localhost:80
expect_fail "port" "is not a number from 1 to 65535" \
    "$DUST" invite -k server.key -a 127.0.0.1:99999
expect_fail "model" "neither a model file nor a model name" \
    "$DUST" invite -k server.key -a 127.0.0.1:1 -m 'no such/model'
expect_fail "unknown command" "unknown command 'frob'" "$DUST" frob

# A model that would not load in dust client is refused by dust invite,
# with the model named: a built-in name that does not exist (tls and ssh
# are built in; quic is not), a file that is no JSON object, a JSON object
# that is no model, and a JSON text cut short.
expect_fail "model quic" '-m quic: model: no built-in model "quic"' \
    "$DUST" invite -k server.key -a 127.0.0.1:1 -m quic
printf 'model text\n' > text.model
expect_fail "text model" "model file text.model is not a model" \
    "$DUST" invite -k server.key -a 127.0.0.1:1 -m text.model
printf '{"name": 3}\n' > bad.model
expect_fail "bad model" "-m bad.model: name: must be a string" \
    "$DUST" invite -k server.key -a 127.0.0.1:1 -m bad.model
head -c 2000 "$DUST_ROOT/models/http-learned.json" > cut.model
expect_fail "cut model" "-m cut.model: " \
    "$DUST" invite -k server.key -a 127.0.0.1:1 -m cut.model
for m in uniform cover http; do
	"$DUST" invite -k server.key -a 127.0.0.1:1 -m $m > /dev/null ||
		fail "built-in model $m refused"
done

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
