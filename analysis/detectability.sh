#!/bin/sh
# Re-measure everything in docs/detectability.md:
#   sh analysis/detectability.sh OUTDIR [BUILD]
# Captures real HTTP/1.1, TLS 1.3 and SSH twice each (one capture to learn
# from, one to test with) and obfs4proxy once, with models/capture/*.sh;
# learns models/{http,tls,ssh}-learned.json from the first captures (with
# UPDATE_MODELS=1 they are copied into models/); runs `dust model check`:
#   real-P   the second capture of P against the model of P, --against the
#            first (the baseline: a real program against itself);
#   obfs4-P  obfs4proxy against the model of P, --against the real P.
#   tunnel-M the Dust tunnel (dust client -> dust server, models/capture/
#            dust.sh) carrying GETs (HTTPS for a TLS model), with the
#            built-in http or uniform model, or P-learned-timed (the
#            learned model of P with the built-in http model's flow and
#            duration: --timing), against the real P (built-in models:
#            real HTTP);
#   sim-P    Dust with the learned model of P (and sim-uniform with the
#            built-in uniform model) simulated by tests/tools/dust_wire
#            (client and server engines back to back on a simulated clock,
#            HTTP-like exchanges), against the real P (uniform: real HTTP).
#            The learned models have conversations (conversation mode,
#            "draw": "all"); sim-P-usable draws only the usable ones,
#            sim-P-exact uses the exact coder, sim-P-perpacket is the model
#            learned with --no-conversations (per-packet mode, as before).
# The learn captures have $NLEARN connections (default 1000, the most
# conversations dust model learn keeps), the test captures $N.
# Then prints the table of docs/detectability.md from the summaries.
# REUSE=1 keeps captures already in OUTDIR.
set -eu
OUT=${1:?usage: detectability.sh OUTDIR [BUILD]}
BUILD=${2:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUST="$ROOT/$BUILD/bin/dust"
N=${N:-300}
NLEARN=${NLEARN:-1000}
NSSH=${NSSH:-150}
mkdir -p "$OUT"
cd "$ROOT"
# One TLS certificate for both TLS captures (models/capture/common.sh).
mkdir -p "$OUT/tls-cert"
export TLS_DIR="$OUT/tls-cert"

port_of() { sed -n 's/^port //p' "$1"; }

for p in http tls ssh; do
	for k in learn test; do
		n=$N; [ $k = learn ] && n=$NLEARN; [ $p = ssh ] && n=$NSSH
		[ "${REUSE:-0}" = 1 ] && [ -s "$OUT/$p-$k.pcap" ] && continue
		# Independent keep-alive draws for the two HTTP captures.
		HTTP_SEED=$([ $k = learn ] && echo 1 || echo 2) \
		    sh models/capture/$p.sh "$OUT/$p-$k.pcap" "$n" > "$OUT/$p-$k.log"
	done
	"$DUST" model learn "$OUT/$p-learn.pcap" --port "$(port_of "$OUT/$p-learn.log")" \
	    --name "$p-learned" -o "$OUT/$p-learned.json"
	"$DUST" model learn "$OUT/$p-learn.pcap" --port "$(port_of "$OUT/$p-learn.log")" \
	    --timing http --name "$p-learned-timed" -o "$OUT/$p-learned-timed.json"
	"$DUST" model learn "$OUT/$p-learn.pcap" --port "$(port_of "$OUT/$p-learn.log")" \
	    --no-conversations --name "$p-learned" -o "$OUT/$p-perpacket.json"
	sed 's/"draw": "all"/"draw": "usable"/' "$OUT/$p-learned.json" > "$OUT/$p-usable.json"
	sed 's/"coder": "huffman"/"coder": "exact"/' "$OUT/$p-learned.json" > "$OUT/$p-exact.json"
	if [ "${UPDATE_MODELS:-0}" = 1 ]; then
		cp "$OUT/$p-learned.json" "$OUT/$p-learned-timed.json" models/
	fi
done
[ "${REUSE:-0}" = 1 ] && [ -s "$OUT/obfs4.pcap" ] ||
	sh models/capture/obfs4.sh "$OUT/obfs4.pcap" "$N" > "$OUT/obfs4.log"

for p in http tls ssh; do
	"$DUST" model check "$OUT/$p-learned.json" "$OUT/$p-test.pcap" \
	    --port "$(port_of "$OUT/$p-test.log")" --against "$OUT/$p-learn.pcap" \
	    --against-port "$(port_of "$OUT/$p-learn.log")" -o "$OUT/real-$p"
	"$DUST" model check "$OUT/$p-learned.json" "$OUT/obfs4.pcap" \
	    --port "$(port_of "$OUT/obfs4.log")" --against "$OUT/$p-test.pcap" \
	    --against-port "$(port_of "$OUT/$p-test.log")" -o "$OUT/obfs4-$p"
done

# Dust through the tunnel.
NT=${NT:-100}
for m in http uniform http-learned-timed tls-learned-timed; do
	case $m in
	http|uniform) model=$m real=http ;;
	*) model="$OUT/$m.json" real=${m%%-*} ;;
	esac
	if ! { [ "${REUSE:-0}" = 1 ] && [ -s "$OUT/dust-$m.pcap" ]; }; then
		# A TLS model's tunnel carries HTTPS.
		INNER=$([ "$real" = tls ] && echo tls || echo http) \
		DUST="$DUST" sh models/capture/dust.sh "$model" \
		    "$OUT/dust-$m.pcap" "$NT" > "$OUT/dust-$m.log"
	fi
	"$DUST" model check "$model" "$OUT/dust-$m.pcap" \
	    --port "$(port_of "$OUT/dust-$m.log")" \
	    --against "$OUT/$real-test.pcap" \
	    --against-port "$(port_of "$OUT/$real-test.log")" -o "$OUT/tunnel-$m"
done

# Dust, simulated (20 s of simulated time at most per connection).
WIRE="$ROOT/$BUILD/tests/tools/dust_wire"
if [ -x "$WIRE" ]; then
	export DUST_WIRE_MAX_MS=20000
	for p in http tls ssh; do
	    for v in learned usable exact perpacket; do
		r=sim-$p-$v; [ $v = learned ] && r=sim-$p
		# One line per connection: the application bytes delivered.
		"$WIRE" "$OUT/$p-$v.json" "$N" "$OUT/$r.pcap" 1 > "$OUT/$r.conns"
		"$DUST" model check "$OUT/$p-$v.json" "$OUT/$r.pcap" \
		    --against "$OUT/$p-test.pcap" \
		    --against-port "$(port_of "$OUT/$p-test.log")" -o "$OUT/$r"
	    done
	done
	"$WIRE" uniform "$N" "$OUT/sim-uniform.pcap" 1
	"$DUST" model check uniform "$OUT/sim-uniform.pcap" \
	    --against "$OUT/http-test.pcap" \
	    --against-port "$(port_of "$OUT/http-test.log")" -o "$OUT/sim-uniform"
else
	echo "no $WIRE (make BUILD=$BUILD tests): simulated Dust not measured"
fi

/usr/bin/python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
print("| run | connections | GFW exempt | GFW blocked | looks uniform | "
      "AUC | accuracy | AUC untimed | AUC structure | KL c2s bytes (bits) | KS D c2s lengths |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for run in sorted(d for d in os.listdir(out)
                  if os.path.exists(os.path.join(out, d, "summary.json"))):
    s = json.load(open(os.path.join(out, run, "summary.json")))
    c = s.get("classifier", {})
    print(f"| {run} | {s['connections']} | {100*s['gfw']['exempt']:.1f}% | "
          f"{100*s['gfw']['blocked']:.1f}% | {100*s['entropy']['uniform']:.1f}% | "
          f"{c.get('auc', float('nan')):.3f} | {c.get('accuracy', float('nan')):.3f} | "
          f"{s.get('classifier_untimed', {}).get('auc', float('nan')):.3f} | "
          f"{s.get('classifier_structure', {}).get('auc', float('nan')):.3f} | "
          f"{s['fit']['c2s']['bytes']['kl_bits']:.3f} | {s['fit']['c2s']['length']['D']:.3f} |")
PY
