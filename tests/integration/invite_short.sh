#!/bin/sh
# One-line invites and bridge lines (docs/protocol.md, "Invites"): for
# every shipped model (models/*.json, with $DUST_MODEL_DIR pointing at
# them as make install's directory would) the invite and the bridge line
# are one line under 250 characters, read back by dust invite --show and
# loaded by dust engine; a model file that is not installed is embedded
# and dust invite says so with the length; a named model that is missing,
# or installed in another version, is refused naming the file; old
# invites (embedded JSON, a built-in name) still load; mistyped invites
# and bridge lines are refused naming what is wrong.  (That make install
# fills the models directory is install_lib's check.)
. tests/lib.sh
DUST="$DUST_BIN/dust"
[ -x "$DUST" ] || fail "no $DUST"
cd "$T"
export DUST_MODEL_DIR="$DUST_ROOT/models"
"$DUST" keygen -k key > /dev/null || fail keygen
FP=0123456789ABCDEF0123456789ABCDEF01234567

# expect_fail WHAT MESSAGE CMD...: CMD fails and says MESSAGE on stderr.
expect_fail() {
	what=$1 msg=$2; shift 2
	if "$@" > out 2> err; then fail "$what: succeeded"; fi
	grep -qF -- "$msg" err || fail "$what: stderr '$(cat err)' lacks '$msg'"
}

n=0
for f in "$DUST_ROOT"/models/*.json; do
	m=$(basename "$f" .json)
	for arg in "$m" "$f"; do
		inv=$("$DUST" invite -k key -a 203.0.113.45:44321 -m "$arg" \
		    2> err) || fail "invite -m $arg: $(cat err)"
		[ ! -s err ] || fail "invite -m $arg: a note: $(cat err)"
		bl=$("$DUST" invite -k key -a 203.0.113.45:44321 -m "$arg" \
		    --bridge-line --fingerprint $FP) || fail "bridge line $arg"
		[ ${#inv} -lt 250 ] || fail "$m: invite of ${#inv} characters"
		[ ${#bl} -lt 250 ] || fail "$m: bridge line of ${#bl} characters"
		case "$bl" in
		"Bridge dust 203.0.113.45:44321 $FP key="*) ;;
		*) fail "$m: bridge line $bl" ;;
		esac
		"$DUST" invite --show "$inv" > inv.json || fail "$m: --show"
		"$DUST" invite --show "$bl" > bl.json || fail "$m: --show bl"
		grep -q "\"model\": \"$m" inv.json || fail "$m: $(cat inv.json)"
		cmp -s inv.json bl.json && fail "$m: no fingerprint in --show"
		grep -v fingerprint bl.json | sed 's/,$//' > a
		grep -v fingerprint inv.json | sed "s/,$//" > b
		cmp -s a b || fail "$m: bridge line and invite differ"
		"$DUST" engine --role client --invite "$inv" < /dev/null \
		    > /dev/null 2> err || fail "$m: engine: $(cat err)"
	done
	echo "$m: invite ${#inv}, bridge line ${#bl} characters"
	n=$((n + 1))
done
[ $n -ge 8 ] || fail "only $n shipped models"

# A model that is not installed: embedded, with a note saying how long.
cp "$DUST_ROOT/models/http-learned.json" mine.json
printf ' \n' >> mine.json
"$DUST" invite -k key -a 203.0.113.45:44321 -m mine.json > long 2> err ||
    fail "embedded: $(cat err)"
len=$(wc -c < long)
[ "$len" -gt 100000 ] || fail "embedded invite of $len bytes"
grep -q "so it is embedded: the invite is $((len - 1)) characters" err ||
    fail "no note on the embedded model: $(cat err)"
expect_fail "bridge line of an embedded model" "the model is embedded" \
    "$DUST" invite -k key -a 203.0.113.45:44321 -m mine.json --bridge-line
"$DUST" engine --role client --invite long < /dev/null > /dev/null 2>&1 ||
    fail "an embedded (old) invite does not load"
old=$("$DUST" invite -k key -a 203.0.113.45:44321 -m http)
"$DUST" invite --show "$old" | grep -q '"model": "http"' ||
    fail "a built-in name is no longer a name"

# A named model missing here, or in another version.
inv=$("$DUST" invite -k key -a 203.0.113.45:44321 -m tls-learned)
mkdir other
expect_fail "model not installed" "other/tls-learned.json" \
    env DUST_MODEL_DIR="$T/other" "$DUST" engine --role client \
    --invite "$inv"
cp "$DUST_ROOT/models/tls-learned.json" other/
printf ' ' >> other/tls-learned.json
expect_fail "another version" "differs from the one installed here" \
    env DUST_MODEL_DIR="$T/other" "$DUST" engine --role client \
    --invite "$inv"

# Mistyped invites and bridge lines.
bl=$("$DUST" invite -k key -a 203.0.113.45:44321 -m tls-learned \
    --bridge-line)
key=$(echo "$bl" | sed 's/.* key=\([^ ]*\).*/\1/')
expect_fail "mistyped invite" "checksum does not match" \
    "$DUST" invite --show "$(echo "$inv" | tr 'Ab' 'bA')"
expect_fail "not a bridge line" 'must start with "Bridge dust"' \
    "$DUST" invite --show "Bridge obfs4 203.0.113.45:1 key=$key"
expect_fail "short key" "not 43 characters of base64url" \
    "$DUST" invite --show "Bridge dust 203.0.113.45:1 key=${key%?}"
expect_fail "no key" "no key= argument" \
    "$DUST" invite --show "Bridge dust 203.0.113.45:1 model=http"
expect_fail "unknown argument" "unknown argument 'cert'" \
    "$DUST" invite --show "Bridge dust 203.0.113.45:1 key=$key cert=x"
expect_fail "key twice" "key" \
    "$DUST" invite --show "Bridge dust 203.0.113.45:1 key=$key key=$key"
expect_fail "bad word" "neither a fingerprint" \
    "$DUST" invite --show "Bridge dust 203.0.113.45:1 $FP x key=$key"
expect_fail "host name" "host names are not allowed" \
    "$DUST" invite --show "Bridge dust example.org:1 key=$key"
expect_fail "bad model reference" "not 32 lower-case hex digits" \
    "$DUST" invite --show "Bridge dust 203.0.113.45:1 key=$key model=a@12"
expect_fail "bad fingerprint" "not 40 hex digits" \
    "$DUST" invite -k key -a 203.0.113.45:1 --bridge-line --fingerprint xyz

# --sni: the TLS server_name, carried in the model field and both loaders.
sni=$("$DUST" invite -k key -a 203.0.113.45:44321 -m tls --sni www.example.org)
[ ${#sni} -lt 250 ] || fail "--sni invite of ${#sni} characters"
"$DUST" invite --show "$sni" | grep -q '"model": "tls;sni=www.example.org"' ||
	fail "--sni: the model field"
bl=$("$DUST" invite -k key -a 203.0.113.45:44321 -m tls --sni www.example.org \
    --bridge-line)
"$DUST" invite --show "$bl" | grep -q '"model": "tls;sni=www.example.org"' ||
	fail "--sni: the bridge line's model"
expect_fail "--sni without a TLS format" "the model has no TLS format" \
    "$DUST" invite -k key -a 203.0.113.45:1 -m http --sni www.example.org
expect_fail "--sni with SSH" "needs a TLS format" \
    "$DUST" invite -k key -a 203.0.113.45:1 -m ssh --sni www.example.org
expect_fail "--sni not a host" "is not a host name" \
    "$DUST" invite -k key -a 203.0.113.45:1 -m tls --sni -x.org
expect_fail "unknown model option" "only sni=HOST" \
    "$DUST" invite --show "Bridge dust 203.0.113.45:1 key=$key model=tls;x=1"

echo "ok"
