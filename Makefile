# Dust: plain GNU make, no configure step.
#
# The tree is discovered, not listed: every lib/*/*.c is part of libdust
# (sans-I/O; built static and shared), every include/dust/*.h one of its
# public headers (installed; every other header is internal and lives
# beside its code), every common/*.c part of libcommon (sockets, addresses,
# daemon support for the programs), every top-level folder holding a
# main.c is a program, every man/*.1 and man/*.3 a man page, every
# tests/unit/test_*.c a cmocka test, every tests/tools/*.c a
# helper program for the integration tests, every bench/*.c a benchmark and
# every fuzz/fuzz_*.c a libFuzzer target.
#
#   make                 release build into build/
#   make check           install missing packages, build under ASan+UBSan
#                        into build/asan/, run every test
#   make demo            the coverpipe chain on loopback, live figures
#   make bench           benchmarks (release build), figures to stdout
#   make install PREFIX=DIR    programs, man pages, analysis scripts,
#                        libdust (static and shared), its public headers
#                        and DIR/lib/pkgconfig/dust.pc (DESTDIR honoured)
#   make fuzz            build the libFuzzer targets into build/fuzz/

BUILD	?= build
PREFIX	?= /usr/local
SAN	?=
FUZZ	?=
VERSION	:= 0.1.0

WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2 \
	   -Wundef -Wno-unused-parameter
ifeq ($(SAN),1)
OPT	:= -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
else ifeq ($(FUZZ),1)
OPT	:= -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	   -fno-sanitize-recover=all -fno-omit-frame-pointer
else
OPT	:= -O2 -g
endif
CFLAGS	?=
CFLAGS	+= -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(OPT) $(WARN) \
	   -DDUST_VERSION='"$(VERSION)"' -MMD -MP
LDFLAGS	+= $(filter -fsanitize=%,$(OPT))
LDLIBS	:= -Wl,--as-needed -lsodium -levent -ljansson -lpcap -lm

# Include paths.  libdust sees its public headers ("dust/engine.h") and its
# internal ones ("shape/huffman.h", "crypto/skein.h"), never common/.  The
# programs, tests, benchmarks and fuzzers see common/ as well; they may use
# internal headers of libdust, which a program built on the installed
# library cannot (docs/hacking.md).
LIB_INC		:= -Iinclude -Ilib
PROG_INC	:= $(LIB_INC) -Icommon

# libdust's objects are built once, position-independent, and archived
# into both the static and the shared library: compiling lib/ twice would
# double the build for nothing, as PIC code costs next to nothing on
# x86-64 and the static link relaxes its GOT accesses.  Nobody may
# interpose libdust's functions, so the compiler may still inline them
# (-fno-semantic-interposition).
#
# What is installed exposes only the public API, the functions declared at
# the start of a line of include/dust/*.h (listed in libdust.syms): the
# shared library through a version script that marks everything else
# local, the static one by linking lib/'s objects into one object whose
# other symbols objcopy makes local (so that, say, libdust's fe25519_*
# cannot clash with libsodium.a's in a static link).  The in-tree
# programs, tests, benchmarks and fuzzers link $(BUILD)/lib/libdust.a,
# whose internal functions stay visible to them.
LIB_PIC		:= -fPIC -fno-semantic-interposition
LIB_LDLIBS	:= -lsodium -ljansson -lm
SOMAJOR		:= $(firstword $(subst ., ,$(VERSION)))
SONAME		:= libdust.so.$(SOMAJOR)
OBJCOPY		?= objcopy

LIB_SRCS	:= $(sort $(wildcard lib/*/*.c))
PUB_HDRS	:= $(sort $(wildcard include/dust/*.h))
COMMON_SRCS	:= $(sort $(wildcard common/*.c))
PROGS		:= $(sort $(patsubst %/main.c,%,$(wildcard */main.c)))
UNIT_SRCS	:= $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRCS	:= $(sort $(wildcard tests/tools/*.c))
BENCH_SRCS	:= $(sort $(wildcard bench/*.c))
FUZZ_SRCS	:= $(sort $(wildcard fuzz/fuzz_*.c))

obj		= $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIBDUST		:= $(BUILD)/lib/libdust.a
LIBDUST_SO	:= $(BUILD)/lib/libdust.so.$(VERSION)
LIBDUST_SYMS	:= $(BUILD)/lib/libdust.syms
LIBDUST_MAP	:= $(BUILD)/lib/libdust.map
LIBDUST_PUB	:= $(BUILD)/lib/public/libdust.a
LIBCOMMON	:= $(BUILD)/lib/libcommon.a
PROG_BINS	:= $(addprefix $(BUILD)/bin/,$(PROGS))
UNIT_BINS	:= $(patsubst %.c,$(BUILD)/%,$(UNIT_SRCS))
TOOL_BINS	:= $(patsubst %.c,$(BUILD)/%,$(TOOL_SRCS))
BENCH_BINS	:= $(patsubst %.c,$(BUILD)/%,$(BENCH_SRCS))
FUZZ_BINS	:= $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

.PHONY: all tests check check-build deps demo bench install fuzz fuzz-build clean
.DEFAULT_GOAL := all

all: $(LIBDUST) $(LIBDUST_PUB) $(LIBDUST_SO) $(LIBCOMMON) $(PROG_BINS)

tests: all $(UNIT_BINS) $(TOOL_BINS)

# Quiet by default; V=1 shows the commands.
Q	:= $(if $(V),,@)

$(BUILD)/obj/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(LIB_INC) $(LIB_PIC) -c $< -o $@

# Where dust looks for installed models (docs/protocol.md, "Invites").
$(BUILD)/obj/dust/modelio.o: CFLAGS += \
	-DDUST_MODELDIR='"$(PREFIX)/share/dust/models"'

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(PROG_INC) -c $< -o $@

$(LIBDUST): $(call obj,$(LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBDUST_SYMS): $(PUB_HDRS)
	@mkdir -p $(@D)
	sed -n 's/^[a-z][^(]*[ *]\([a-z_][a-z0-9_]*\)(.*/\1/p' $^ | sort -u > $@

$(LIBDUST_MAP): $(LIBDUST_SYMS)
	{ echo '{ global:'; sed 's/.*/	&;/' $<; echo 'local: *; };'; } > $@

$(LIBDUST_PUB): $(call obj,$(LIB_SRCS)) $(LIBDUST_SYMS)
	@mkdir -p $(@D)
	$(LD) -r -o $(@D)/libdust.o $(filter %.o,$^)
	$(OBJCOPY) --keep-global-symbols=$(LIBDUST_SYMS) $(@D)/libdust.o
	rm -f $@ && $(AR) rcs $@ $(@D)/libdust.o

$(LIBDUST_SO): $(call obj,$(LIB_SRCS)) $(LIBDUST_MAP)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(LIBDUST_MAP) \
	    -Wl,--no-undefined $(LDFLAGS) $(filter %.o,$^) $(LIB_LDLIBS) -o $@

$(LIBCOMMON): $(call obj,$(COMMON_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

# One link rule per program: its folder's objects, then the libraries.
define prog_rule
$(BUILD)/bin/$(1): $(call obj,$(sort $(wildcard $(1)/*.c))) $(LIBCOMMON) $(LIBDUST)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(LIBCOMMON) $(LIBDUST)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBCOMMON) $(LIBDUST)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBCOMMON) $(LIBDUST)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/fuzz/%: $(BUILD)/obj/fuzz/%.o $(LIBCOMMON) $(LIBDUST)
	@mkdir -p $(@D)
	$(CC) -fsanitize=fuzzer,address,undefined $^ $(LDLIBS) -o $@

# A target on code of the dust program links its objects too.
$(BUILD)/fuzz/fuzz_bridge: $(BUILD)/obj/fuzz/fuzz_bridge.o \
    $(call obj,dust/bridge.c dust/modelio.c) $(LIBCOMMON) $(LIBDUST)
	@mkdir -p $(@D)
	$(CC) -fsanitize=fuzzer,address,undefined $^ $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# The targets a user types.

deps:
	@sh scripts/deps.sh

check: deps
	$(MAKE) BUILD=build/asan SAN=1 tests
	$(MAKE) BUILD=build/fuzz FUZZ=1 CC=clang fuzz-build
	sh tests/run.sh build/asan build/fuzz

fuzz: deps
	$(MAKE) BUILD=build/fuzz FUZZ=1 CC=clang fuzz-build

demo: deps
	$(MAKE) all
	sh scripts/demo.sh $(BUILD)

bench: deps
	$(MAKE) all $(BENCH_BINS) $(TOOL_BINS)
	sh bench/run.sh $(BUILD)

# The library: libdust.a, libdust.so.VERSION with its soname link and the
# link for -ldust, the public headers, and dust.pc for pkg-config (made from
# lib/dust.pc.in with the prefix and version filled in).
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(PROG_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 0644 man/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -d $(DESTDIR)$(PREFIX)/share/dust/models
	install -m 0644 models/*.json $(DESTDIR)$(PREFIX)/share/dust/models/
	install -d $(DESTDIR)$(PREFIX)/share/dust/analysis
	install -m 0644 analysis/*.py $(DESTDIR)$(PREFIX)/share/dust/analysis/
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/dust
	install -m 0644 $(LIBDUST_PUB) $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(LIBDUST_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(notdir $(LIBDUST_SO)) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libdust.so
	install -m 0644 $(PUB_HDRS) $(DESTDIR)$(PREFIX)/include/dust/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    lib/dust.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/dust.pc

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
