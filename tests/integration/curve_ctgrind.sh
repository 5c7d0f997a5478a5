#!/bin/sh
# Constant-time check, "ctgrind" style: run tests/tools/ct_curve under
# valgrind's memcheck with the secrets marked undefined; memcheck reports
# every branch or memory index that depends on them.  Built here without
# sanitizers (valgrind cannot run ASan binaries), at -O2 with ${CC:-cc},
# and with DWARF 4 debug information (valgrind 3.19 cannot read clang
# 14's DWARF 5).  Also runs the tool's leaky control and requires valgrind
# to catch it, so that a silent valgrind cannot pass the test.  Skipped
# (77) without valgrind.
. tests/lib.sh
command -v valgrind > /dev/null || skip "valgrind is not installed"
[ -f /usr/include/valgrind/memcheck.h ] || skip "valgrind/memcheck.h missing"

${CC:-cc} -std=c11 -O2 -gdwarf-4 -D_DEFAULT_SOURCE -Iinclude -Ilib \
    tests/tools/ct_curve.c lib/crypto/fe25519.c lib/crypto/elligator.c \
    lib/crypto/x25519_dirty.c lib/util/rng.c -lsodium -o "$T/ct_curve" ||
    fail "cannot build ct_curve"

VG="valgrind --tool=memcheck --error-exitcode=3 --track-origins=yes
    --suppressions=tests/ct/ctgrind.supp"

# Control: a branch on a secret must be reported.
rc=0
$VG "$T/ct_curve" --leaky > "$T/leaky.log" 2>&1 || rc=$?
[ $rc -eq 3 ] || { cat "$T/leaky.log"; fail "valgrind missed the leaky control (exit $rc)"; }
echo "control: valgrind reports the secret-dependent branch"

rc=0
$VG "$T/ct_curve" 40 > "$T/ct.log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
	sed -n '1,80p' "$T/ct.log"
	fail "secret-dependent branch or index in the curve code (exit $rc)"
fi
grep -E "ct_curve:|ERROR SUMMARY" "$T/ct.log"
echo "curve_ctgrind: no secret-dependent branch or index"
