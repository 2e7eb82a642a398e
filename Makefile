# mamori: the one entry point (GNU make).
#   make                 build mamorid, mamorictl and the plugins
#   make run             the agent once on the shipped policy (this machine, or a demo root)
#   make check           all tests;  make check SANITIZE=1  under ASan+UBSan
#   make CC=clang        the same with clang
#   make fuzz            libFuzzer targets (clang);  make fuzz-run FUZZ_SECONDS=60
#   make bench           benchmarks
VERSION := 0.1.0

CC ?= cc
SANITIZE ?=
BUILD ?= build/$(notdir $(CC))$(if $(SANITIZE),-san)

PKGS := libsystemd libudev blkid yaml-0.1 sqlite3 libcrypto json-c
# Recursive (=) on purpose: pkg-config runs when a recipe needs the flags,
# after the deps stamp has installed what was missing.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wvla -Wno-unused-parameter \
        -Wmissing-prototypes -Wstrict-prototypes
BASE_CFLAGS := -std=gnu11 -g -O2 -fPIC -fvisibility=hidden -D_GNU_SOURCE \
        -DMAMORI_VERSION='"$(VERSION)"' -Iagent
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif
ALL_CFLAGS = $(BASE_CFLAGS) $(WARN) $(SAN_FLAGS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)
LIBS = $(PKG_LIBS) -ldl -lm
# A plugin must not lean on symbols of the agent: every undefined symbol is
# an error (not under sanitizers, whose runtime lives in the executable).
PLUGIN_LDFLAGS := $(if $(SANITIZE),,-Wl,-z,defs)

AGENT_MAINS := agent/mamorid.c agent/mamorictl.c agent/reportd.c agent/collect.c
CORE_SRCS := $(filter-out $(AGENT_MAINS),$(wildcard agent/*.c))
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
PLUGIN_NAMES := $(patsubst plugins/%/,%,$(wildcard plugins/*/))
PLUGIN_SOS := $(PLUGIN_NAMES:%=$(BUILD)/plugins/%.so)
TEST_HELPER_SRCS := $(wildcard tests/helpers/*.c)
TEST_HELPERS := $(TEST_HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)
TEST_PLUGIN_SRCS := $(wildcard tests/plugins/*.c)
TEST_PLUGIN_SOS := $(TEST_PLUGIN_SRCS:tests/plugins/%.c=$(BUILD)/tests/plugins/%.so) \
                   $(BUILD)/tests/plugins/wrong-abi.so
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/%.c=%)
BINS := $(BUILD)/mamorid $(BUILD)/mamorictl $(BUILD)/mamori-reportd $(BUILD)/mamori-collect

# A plugin's objects go into the unit tests and fuzz targets whose name
# starts with the plugin's name, with tests/unit/fake-host.c standing in for
# mamorid.
plugin_srcs = $(wildcard plugins/$(1)/*.c)
plugin_objs = $(patsubst %.c,$(BUILD)/%.o,$(call plugin_srcs,$(1)))
# Core modules a unit test links: TEST_MODS_<name> when set (so that one
# module's test builds while another module is half-written), else all.
TEST_MODS_policy := policy util log
TEST_MODS_store := store util log
TEST_MODS_config := config util log
TEST_MODS_score := score policy util log
TEST_MODS_util := util log
unit_name = $(patsubst test-%,%,$(1))
fuzz_name = $(patsubst fuzz-%,%,$(1))
test_core = $(if $(TEST_MODS_$(1)),$(patsubst %,$(BUILD)/agent/%.o,$(TEST_MODS_$(1))),$(BUILD)/libmamori-core.a)
test_plugin = $(firstword $(subst -, ,$(1)))
test_deps = $(if $(filter $(call test_plugin,$(1)),$(PLUGIN_NAMES)),\
        $(call plugin_objs,$(call test_plugin,$(1))) $(BUILD)/tests/unit/fake-host.o \
        $(if $(TEST_MODS_$(1)),$(call test_core,$(1))),\
        $(call test_core,$(1)))

# Fragments for programs and test groups beyond the agent (mk/NAME.mk):
# each may add to EXTRA_PROGRAMS (built by `all`), CHECK_EXTRA (run by
# `check`, after the integration tests) and define its own rules; they may
# use every variable above.
EXTRA_PROGRAMS :=
CHECK_EXTRA :=
include $(sort $(wildcard mk/*.mk))

.PHONY: all deps deps-test check check-all check-unit check-integration check-vm check-fuzz-corpus \
        fuzz fuzz-run run bench clean
.DEFAULT_GOAL := all
# Keep objects made through chained pattern rules.
.SECONDARY:
all: $(BINS) $(PLUGIN_SOS) $(EXTRA_PROGRAMS)

DEPS_STAMP := build/.deps-build
$(DEPS_STAMP): packaging/install-deps.sh
	@mkdir -p $(@D)
	@packaging/install-deps.sh build
	@touch $@
deps: $(DEPS_STAMP)
deps-test: $(DEPS_STAMP)
	@packaging/install-deps.sh test upstream

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libmamori-core.a: $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/mamorid $(BUILD)/mamorictl: $(BUILD)/%: $(BUILD)/agent/%.o $(BUILD)/libmamori-core.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The report endpoint (its own unprivileged process) and the fleet collector.
$(BUILD)/mamori-reportd: $(BUILD)/agent/reportd.o $(BUILD)/libmamori-core.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(shell pkg-config --libs libmicrohttpd gnutls) -lpthread
$(BUILD)/mamori-collect: $(BUILD)/agent/collect.o $(BUILD)/libmamori-core.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(shell pkg-config --libs libcurl)

.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(call plugin_objs,$$*)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -shared $(PLUGIN_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/plugins/%.so: tests/plugins/%.c agent/mamori-plugin.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -shared -o $@ $< $(LIBS)
# The same test plugin built against another ABI version, to be refused.
$(BUILD)/tests/plugins/wrong-abi.so: tests/plugins/flood.c agent/mamori-plugin.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DTEST_PLUGIN_ABI=99 -DTEST_PLUGIN_NAME='"wrong-abi"' \
		-shared -o $@ $< $(LIBS)

# Programs the integration tests run beside the agent (a fake polkitd).
$(BUILD)/tests/helpers/%: $(BUILD)/tests/helpers/%.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $$(call test_deps,$$(call unit_name,$$*))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

# --- tests -------------------------------------------------------------
# The README's test command: every test under gcc, again under ASan+UBSan,
# and a warning-free clang build.
check-all: deps-test
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory check SANITIZE=1
	@$(MAKE) --no-print-directory CC=clang all
	@echo "check-all: gcc, gcc with ASan+UBSan and clang all passed"

check: deps-test
	@$(MAKE) --no-print-directory check-build
	@$(MAKE) --no-print-directory check-unit check-fuzz-corpus check-integration \
		$(CHECK_EXTRA) $(if $(SANITIZE),,check-vm)

.PHONY: check-build
check-build: all $(UNIT_BINS) $(TEST_PLUGIN_SOS) $(TEST_HELPERS) $(FUZZ_NAMES:%=$(BUILD)/fuzz-corpus/%)

check-unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; \
		MAMORI_TEST_SRCDIR=$(CURDIR) MAMORI_BUILD=$(CURDIR)/$(BUILD) $$t || fail=1; \
	done; exit $$fail

check-integration: all $(TEST_PLUGIN_SOS) $(TEST_HELPERS)
	@MAMORI_BUILD=$(CURDIR)/$(BUILD) SANITIZE=$(SANITIZE) tests/integration/run-all.sh

# Real kernels under QEMU: USB hot-plug. Not under the sanitizers: the
# guest runs the plain build, and the sanitizers run the same code above.
check-vm: all
	@packaging/install-deps.sh vm
	@MAMORI_BUILD=$(CURDIR)/$(BUILD) tests/integration/run-all.sh tests/vm vm

# Fuzz targets built with a plain main() and run over their seed corpus,
# so that every parser's corpus is replayed by the ordinary test run.
$(BUILD)/fuzz-corpus/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/standalone.o \
		$$(call test_deps,$$(call fuzz_name,$$*))
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

check-fuzz-corpus: $(FUZZ_NAMES:%=$(BUILD)/fuzz-corpus/%)
	@fail=0; for f in $(FUZZ_NAMES); do \
		$(BUILD)/fuzz-corpus/$$f tests/fuzz/corpus/$$f || fail=1; \
	done; exit $$fail

# libFuzzer builds: always clang, in their own build folder.
FUZZ_BUILD := build/fuzz
fuzz:
	@packaging/install-deps.sh build fuzz
	@$(MAKE) --no-print-directory CC=clang BUILD=$(FUZZ_BUILD) \
		CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -DFUZZING" \
		$(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzzer/%)

$(FUZZ_BUILD)/fuzzer/%: $(FUZZ_BUILD)/tests/fuzz/%.o $$(call test_deps,$$(call fuzz_name,$$*))
	@mkdir -p $(@D)
	$(CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)

FUZZ_SECONDS ?= 30
fuzz-run: fuzz
	@for f in $(FUZZ_NAMES); do \
		mkdir -p build/fuzz/corpus/$$f; \
		echo "== $$f ($(FUZZ_SECONDS)s)"; \
		$(FUZZ_BUILD)/fuzzer/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			build/fuzz/corpus/$$f tests/fuzz/corpus/$$f || exit 1; \
	done

# --- running -----------------------------------------------------------
run: all
	@tests/demo/run.sh $(BUILD)

bench: all
	@packaging/install-deps.sh build bench upstream usbguard
	@tests/bench/run-all.sh $(BUILD)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
