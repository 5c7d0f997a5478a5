#!/bin/sh
# The installed library, as a program built on it sees it: `make install
# PREFIX=$T/prefix` (the release tree, build/), then
#   - the files: libdust.a, libdust.so.VERSION with soname libdust.so.MAJOR
#     and its two links, dust.pc, libdust.3, the public headers and only
#     those, the shipped models (share/dust/models/*.json);
#   - each installed header compiles alone (-Wall -Wextra -Werror -pedantic,
#     C11) and includes only installed headers;
#   - both libraries export exactly the functions the headers declare;
#   - tests/install/engine_pair.c built with nothing but
#     `pkg-config --cflags --libs dust`, once against the shared library
#     (readelf: it needs libdust.so.MAJOR; run with LD_LIBRARY_PATH) and
#     once fully static (`pkg-config --static`): both run a client and a
#     server engine back to back and must get each side's data intact;
#   - DESTDIR puts the same files under a staging folder, dust.pc naming
#     the real prefix.
# Skipped (77) without pkg-config or readelf.  $T (with the prefix) is
# removed at the end.
. tests/lib.sh
command -v pkg-config > /dev/null || skip "pkg-config is not installed"
command -v readelf > /dev/null || skip "readelf is not installed"
CC=${CC:-cc}
CWARN="-std=c11 -Wall -Wextra -Werror -pedantic"

VERSION=$(sed -n 's/^VERSION[ 	]*:*=[ 	]*//p' Makefile)
MAJOR=${VERSION%%.*}
[ -n "$VERSION" ] || fail "no VERSION in the Makefile"

# make_install ARGS...: make install with ARGS, a make of its own (not the
# jobserver of a make check that runs this test).
make_install() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -j2 install "$@" \
	    > "$T/install.log" 2>&1 ||
	    { tail -n 30 "$T/install.log"; fail "make install $*"; }
}

P=$T/prefix
make_install PREFIX="$P"
L=$P/lib

# The files.
for f in "$L/libdust.a" "$L/libdust.so.$VERSION" "$L/pkgconfig/dust.pc" \
    "$P/share/man/man3/libdust.3"; do
	[ -f "$f" ] || fail "$f was not installed"
done
# The shipped models, which invites name (docs/protocol.md, "Invites").
for f in models/*.json; do
	cmp -s "$f" "$P/share/dust/models/${f#models/}" ||
	    fail "model $f was not installed in $P/share/dust/models"
done
[ "$(readlink "$L/libdust.so.$MAJOR")" = "libdust.so.$VERSION" ] ||
    fail "libdust.so.$MAJOR does not point to libdust.so.$VERSION"
[ "$(readlink -f "$L/libdust.so")" = "$(readlink -f "$L/libdust.so.$VERSION")" ] ||
    fail "libdust.so does not lead to libdust.so.$VERSION"
readelf -d "$L/libdust.so.$VERSION" | grep -q "SONAME.*\[libdust\.so\.$MAJOR\]" ||
    fail "the soname of libdust.so.$VERSION is not libdust.so.$MAJOR"
echo "installed: libdust.a, libdust.so.$VERSION (soname libdust.so.$MAJOR), dust.pc, libdust.3"

# The public headers, and only those.
(cd include/dust && ls *.h) > "$T/hdr.tree"
(cd "$P/include/dust" && ls *.h) > "$T/hdr.installed"
cmp -s "$T/hdr.tree" "$T/hdr.installed" ||
    { diff "$T/hdr.tree" "$T/hdr.installed"; fail "installed headers differ from include/dust/"; }
for h in lib/*/*.h; do
	[ ! -e "$P/include/dust/$(basename "$h")" ] ||
	    fail "internal header $h was installed"
done
echo "headers: $(wc -l < "$T/hdr.installed") public, none of lib/*/*.h"

export PKG_CONFIG_PATH="$L/pkgconfig"
[ "$(pkg-config --modversion dust)" = "$VERSION" ] ||
    fail "pkg-config --modversion dust is not $VERSION"
CFLAGS_DUST=$(pkg-config --cflags dust)

# Each header alone, including only installed headers.
for h in $(cat "$T/hdr.installed"); do
	for inc in $(sed -n 's/^#include "\(.*\)"/\1/p' "$P/include/dust/$h"); do
		[ -f "$P/include/$inc" ] ||
		    fail "dust/$h includes \"$inc\", which is not installed"
	done
	printf '#include <dust/%s>\n' "$h" > "$T/alone.c"
	$CC $CWARN $CFLAGS_DUST -fsyntax-only "$T/alone.c" ||
	    fail "dust/$h does not compile on its own"
done
echo "headers: each compiles on its own"

# Both libraries export only what the headers declare (the static one
# too: its internal functions must not clash with another library's in a
# static link).
nm -D --defined-only "$L/libdust.so.$VERSION" |
    awk '$2 ~ /^[A-Z]$/ { print $3 }' | sort > "$T/exports.so"
nm -g --defined-only "$L/libdust.a" |
    awk 'NF == 3 && $2 ~ /^[A-Z]$/ { print $3 }' | sort > "$T/exports.a"
for lib in so a; do
	[ -s "$T/exports.$lib" ] || fail "libdust.$lib exports nothing"
	for s in $(cat "$T/exports.$lib"); do
		grep -qw "$s" "$P"/include/dust/*.h ||
		    fail "libdust.$lib exports $s, which no public header declares"
	done
done
cmp -s "$T/exports.so" "$T/exports.a" ||
    { diff "$T/exports.so" "$T/exports.a"; fail "libdust.so and libdust.a export different symbols"; }

# ...and every function they declare: the compiler's reading of the
# headers (preprocessed, what comes from include/dust/ kept, struct and
# enum bodies dropped, split into declarations), not the Makefile's.
for h in $(cat "$T/hdr.installed"); do echo "#include <dust/$h>"; done |
    $CC -std=c11 -E $CFLAGS_DUST -x c - | /usr/bin/python3 -c '
import re, sys
src, keep = [], False
for line in sys.stdin:
    m = re.match(r"# \d+ \"([^\"]*)\"", line)
    if m:
        keep = "/include/dust/" in m.group(1)
    elif keep:
        src.append(line)
text, prev = " ".join(src), None
while text != prev:
    prev, text = text, re.sub(r"\{[^{}]*\}", " ", text)
for d in text.split(";"):
    m = re.match(r"\s*(?!typedef\b)[^()]*?\b([A-Za-z_]\w*)\s*\(", d)
    if m:
        print(m.group(1))
' | sort -u > "$T/declared"
[ -s "$T/declared" ] || fail "found no function in the public headers"
cmp -s "$T/declared" "$T/exports.so" ||
    { diff "$T/declared" "$T/exports.so"; fail "the functions the public headers declare (<) and libdust exports (>) differ"; }
echo "exports: the $(wc -l < "$T/exports.so") functions the public headers declare, no more, the same in libdust.so and libdust.a"

# Built against the shared library.
$CC $CWARN tests/install/engine_pair.c $(pkg-config --cflags --libs dust) \
    -o "$T/pair_shared" || fail "cannot build engine_pair (shared)"
readelf -d "$T/pair_shared" | grep -q "NEEDED.*\[libdust\.so\.$MAJOR\]" ||
    fail "engine_pair (shared) does not need libdust.so.$MAJOR"
LD_LIBRARY_PATH=$L ldd "$T/pair_shared" | grep -q "libdust\.so\.$MAJOR => $L/" ||
    fail "engine_pair (shared) does not load the installed libdust"
LD_LIBRARY_PATH=$L "$T/pair_shared" || fail "engine_pair (shared) failed"
echo "shared: engine_pair needs libdust.so.$MAJOR and passed"

# Built statically.
$CC $CWARN -static tests/install/engine_pair.c \
    $(pkg-config --static --cflags --libs dust) -o "$T/pair_static" ||
    fail "cannot build engine_pair (static)"
! readelf -d "$T/pair_static" | grep -q NEEDED ||
    fail "engine_pair (static) needs shared libraries"
"$T/pair_static" || fail "engine_pair (static) failed"
echo "static: engine_pair passed"

# DESTDIR: the same tree under a staging folder, for the real prefix.
make_install DESTDIR="$T/stage" PREFIX=/opt/dust
S=$T/stage/opt/dust
for f in lib/libdust.a "lib/libdust.so.$VERSION" lib/libdust.so \
    include/dust/engine.h lib/pkgconfig/dust.pc; do
	[ -e "$S/$f" ] || fail "DESTDIR: $f was not installed"
done
grep -qx 'prefix=/opt/dust' "$S/lib/pkgconfig/dust.pc" ||
    fail "DESTDIR: dust.pc does not name the prefix /opt/dust"
echo "DESTDIR: staged under $T/stage for /opt/dust"
echo "install_lib: passed"
