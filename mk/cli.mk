# The standalone CLI build/kvmtimer (src/cli/) and its tests (tests/cli/).
# libdw for types, libelf for symbols, libkdumpfile for the dumps.
CLI_LIBS    := -ldw -lelf -lkdumpfile
CLI_SRCS    := $(filter-out src/cli/main.c,$(wildcard src/cli/*.c))
CLI_OBJS    := $(CLI_SRCS:src/cli/%.c=$(BUILD)/cli/%.o)
CLI_BIN     := $(BUILD)/kvmtimer
CLI_PROBE   := $(BUILD)/tests/cli/probe
CLI_DUMPCHECK := $(BUILD)/tests/cli/dumpcheck
ALL_TARGETS += $(CLI_BIN) $(CLI_PROBE) $(CLI_DUMPCHECK)

$(BUILD)/cli/%.o: src/cli/%.c $(wildcard src/cli/*.h include/kvmtimer/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/cli -c -o $@ $<

$(CLI_BIN): $(BUILD)/cli/main.o $(CLI_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CLI_LIBS) -lm

$(CLI_PROBE): tests/cli/probe.c $(CLI_OBJS) $(CORE_LIB) $(wildcard src/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/cli $(LDFLAGS) -o $@ tests/cli/probe.c $(CLI_OBJS) $(CORE_LIB) $(CLI_LIBS) -lm

$(CLI_DUMPCHECK): tests/cli/dumpcheck.c $(CLI_OBJS) $(CORE_LIB) $(wildcard src/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/cli $(LDFLAGS) -o $@ tests/cli/dumpcheck.c $(CLI_OBJS) $(CORE_LIB) $(CLI_LIBS) -lm

# cli-syms: the symbol table (src/cli/symbols.c) on a made-up vmlinux symbol table,
# every answer against the rules written out in tests/cli/syms_test.c: a unit test.
CLI_SYMS_TEST := $(BUILD)/tests/cli/syms_test
ALL_TARGETS += $(CLI_SYMS_TEST)
$(CLI_SYMS_TEST): tests/cli/syms_test.c $(CLI_OBJS) $(CORE_LIB) $(wildcard src/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/cli $(LDFLAGS) -o $@ $< $(CLI_OBJS) $(CORE_LIB) $(CLI_LIBS) -lcmocka -lm
UNIT_SUITES += cli-syms
.PHONY: cli-syms
cli-syms: $(CLI_SYMS_TEST)
	@CMOCKA_MESSAGE_OUTPUT=TAP tests/run-suite.sh cli-syms $(BUILD)/test-logs $<

# cli-damaged: hostile and damaged files made by the test itself (FIFOs, damaged
# headers, PN_XNUM, a flattened dump of zeros, non-UTF-8 paths): no dump needed,
# so it runs with the unit tests (and under make san).
UNIT_SUITES += cli-damaged
.PHONY: cli-damaged
cli-damaged: $(CLI_BIN) $(CLI_DUMPCHECK)
	@BUILD=$(BUILD) tests/run-suite.sh cli-damaged $(BUILD)/test-logs tests/cli/damaged.sh

# cli-args: usage errors, missing and non-dump files (no dumps needed beyond
# what exists); cli-backend: the reader against crash's own answers;
# cli-agree: CLI JSON == extension JSON on every scenario; cli-mem: valgrind.
# Dumps come from the factory (make vmcores) and cli-agree needs the extension;
# both are optional fragments, so depend on them only when they exist.
CLI_SUITES := cli-args cli-backend cli-agree cli-mem
CLI_DUMPS  := $(if $(wildcard mk/vmcores.mk),vmcores)
CHECK_SUITES += $(CLI_SUITES)
.PHONY: $(CLI_SUITES)
$(CLI_SUITES): cli-%: $(CLI_BIN) $(CLI_PROBE) $(CLI_DUMPS)
	@BUILD=$(BUILD) tests/run-suite.sh cli-$* $(BUILD)/test-logs tests/cli/$*.sh
cli-agree: $(EXT_SO)

# The CLI's own unit check under ASan/UBSan: make SAN=1 cli-san
.PHONY: cli-san
cli-san: $(CLI_BIN) $(CLI_PROBE)
	@BUILD=$(BUILD) tests/run-suite.sh cli-args $(BUILD)/test-logs tests/cli/args.sh
