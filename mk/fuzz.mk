# mk/fuzz.mk — libFuzzer targets (fuzz/), their short run in `make check`
# (suite fuzz-short, tests/fuzz/short.sh) and `make fuzz-long`.
#
# The fuzz build is its own tree, build/fuzz (clang, -fsanitize=fuzzer,address,
# undefined), whatever SAN says: the core and the CLI's parsers are compiled
# again with coverage instrumentation.  fuzz/README.md says what each target
# feeds and how to replay a crash.
FUZZ_CC      ?= clang
FUZZ_OUT     := build/fuzz
FUZZ_CFLAGS  := -g -O1 -std=c11 -D_GNU_SOURCE -Iinclude -Wall -Wextra \
		-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_CORE    := $(patsubst src/%.c,$(FUZZ_OUT)/core/%.o,$(CORE_SRCS))
FUZZ_CLI     := $(patsubst src/cli/%.c,$(FUZZ_OUT)/cli/%.o,$(filter-out src/cli/main.c,$(wildcard src/cli/*.c)))
FUZZ_TARGETS := fuzz_walk fuzz_args fuzz_json fuzz_dump fuzz_dwarf fuzz_regs
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_OUT)/%)
FUZZ_SNAPDIR := $(abspath tests/snapshots)

$(FUZZ_OUT)/core/%.o: src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc -c -o $@ $<

$(FUZZ_OUT)/cli/%.o: src/cli/%.c $(wildcard src/cli/*.h include/kvmtimer/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc/cli -c -o $@ $<

$(FUZZ_OUT)/fuzz/%.o: fuzz/%.c $(wildcard fuzz/*.h tests/snapshot/*.h include/kvmtimer/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc/cli -Itests/snapshot -DKT_FUZZ_SNAPDIR='"$(FUZZ_SNAPDIR)"' -c -o $@ $<

# The snapshot replay reader (tests/snapshot/snapshot.c), shared with the golden tests.
$(FUZZ_OUT)/snapshot.o: tests/snapshot/snapshot.c $(wildcard tests/snapshot/*.h include/kvmtimer/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_OUT)/fuzz_walk: $(FUZZ_OUT)/fuzz/fuzz_walk.o $(FUZZ_OUT)/snapshot.o $(FUZZ_OUT)/fuzz/jsoncheck.o $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ -lz -ldw -lelf -lm

$(FUZZ_OUT)/fuzz_args: $(FUZZ_OUT)/fuzz/fuzz_args.o $(FUZZ_OUT)/snapshot.o $(FUZZ_OUT)/fuzz/jsoncheck.o $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ -lz -ldw -lelf -lm

$(FUZZ_OUT)/fuzz_json: $(FUZZ_OUT)/fuzz/fuzz_json.o $(FUZZ_OUT)/fuzz/jsoncheck.o $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ -ldw -lelf -lm

$(FUZZ_OUT)/fuzz_regs: $(FUZZ_OUT)/fuzz/fuzz_regs.o $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ -ldw -lelf -lm

$(FUZZ_OUT)/fuzz_dump: $(FUZZ_OUT)/fuzz/fuzz_dump.o $(FUZZ_CLI) $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ -ldw -lelf -lkdumpfile -lm

$(FUZZ_OUT)/fuzz_dwarf: $(FUZZ_OUT)/fuzz/fuzz_dwarf.o $(FUZZ_CLI) $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ -ldw -lelf -lkdumpfile -lm

.PHONY: fuzz-build fuzz-short fuzz-long fuzz-snapshots
fuzz-build: $(FUZZ_BINS)

# Kept for habit: the snapshots now live in tests/snapshots (mk/golden.mk).
fuzz-snapshots: snapshots

# Short run in `make check`: replay the committed corpus and regressions, then
# FUZZ_SECONDS of new inputs per target (6 targets: ~30 s).
FUZZ_SECONDS ?= 5
CHECK_SUITES += fuzz-short
fuzz-short: $(FUZZ_BINS)
	@FUZZ_OUT=$(FUZZ_OUT) FUZZ_SECONDS=$(FUZZ_SECONDS) \
		tests/run-suite.sh fuzz-short $(BUILD)/test-logs tests/fuzz/run.sh $(FUZZ_TARGETS)

# Long run: FUZZ_LONG_SECONDS per target, corpus kept in build/fuzz/corpus/.
FUZZ_LONG_SECONDS ?= 600
fuzz-long: $(FUZZ_BINS)
	@mkdir -p $(BUILD)/test-logs
	@FUZZ_OUT=$(FUZZ_OUT) FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) FUZZ_KEEP=1 FUZZ_SEED=0 \
		tests/run-suite.sh fuzz-long $(BUILD)/test-logs tests/fuzz/run.sh $(FUZZ_TARGETS)
