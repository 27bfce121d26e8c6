# kvmtimer — top-level build.  Each component owns one fragment in mk/:
#   mk/core.mk     core library + unit tests      (src/LAYER/, include/, tests/unit)
#   mk/refvmm.mk   reference VMM + its tests      (src/refvmm, tests/refvmm)
#   mk/vmcores.mk  dump factory                   (scripts/, tests/vmcores)
#   mk/ext.mk      crash extension kvmtimer.so    (ext/, tests/ext)
#   mk/crash.mk    crash 8.0.6 + kvmtimer.so for it (scripts/crash-build.sh)
#   mk/cli.mk      standalone CLI                 (src/cli, tests/cli)
#   mk/fuzz.mk     libFuzzer targets              (fuzz/)
#   mk/golden.mk   snapshots and golden tests     (tests/snapshot, tests/golden)
#   mk/bench.mk    benchmark against peers        (scripts/bench, bench/)
#   mk/pkg.mk      version, man pages, .deb, RPM  (VERSION, docs/, debian/, tests/pkg)
# A fragment adds its binaries to ALL_TARGETS and its test suites to CHECK_SUITES
# (phony targets that run one suite through tests/run-suite.sh).

BUILD    ?= build
CC       ?= gcc
WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude
SAN      ?=
ifeq ($(SAN),1)
  CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=address,undefined
  BUILD   := build-san
endif
PREFIX   ?= /usr/local
CACHE    ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/kvmtimer
export CACHE

ALL_TARGETS  :=
CHECK_SUITES :=
UNIT_SUITES  :=

.PHONY: all unit check demo install deps clean san vmcores bench
all: deps-build

include mk/core.mk
-include mk/refvmm.mk
-include mk/ext.mk
-include mk/crash.mk
-include mk/cli.mk
-include mk/vmcores.mk
-include mk/fuzz.mk
-include mk/golden.mk
-include mk/bench.mk
include mk/pkg.mk

deps-build:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory build-all

build-all: $(ALL_TARGETS)

deps:
	@scripts/deps.sh all

# Fast unit tests only (no dumps, no crash).
unit: deps-build
	@rm -rf $(BUILD)/test-logs && mkdir -p $(BUILD)/test-logs
	@$(MAKE) --no-print-directory -k $(UNIT_SUITES) ; tests/summary.sh $(BUILD)/test-logs

# Every test: what CI runs.  A suite skipped for a missing tool fails here.
# Suites run CHECK_JOBS at a time (each crash or CLI run is one busy core; a suite's
# output is printed whole when it ends, -Otarget); the dumps are made once, first.
# The longest suites are named first (make starts goals in order): started last,
# vmcores-crash ran alone for its last 7 minutes and the warm run took 18 min.
CHECK_JOBS ?= 2
CHECK_LONGEST := vmcores-crash ext-e2e cli-agree cli-backend ext-regs
CHECK_ORDER = $(filter $(CHECK_SUITES),$(CHECK_LONGEST)) $(UNIT_SUITES) $(filter-out $(CHECK_LONGEST),$(CHECK_SUITES))
check: deps
	@$(MAKE) --no-print-directory build-all
	@rm -rf $(BUILD)/test-logs && mkdir -p $(BUILD)/test-logs
	@KT_REQUIRE_TOOLS=1 $(MAKE) --no-print-directory -k -j$(CHECK_JOBS) -Otarget $(CHECK_ORDER) ; tests/summary.sh $(BUILD)/test-logs

# Unit tests and CLI under ASan/UBSan.
san:
	@$(MAKE) --no-print-directory SAN=1 unit

clean:
	rm -rf build build-san
