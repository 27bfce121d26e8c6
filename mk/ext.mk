# The crash extension kvmtimer.so (ext/) and its end-to-end tests (tests/ext/).
#
# ext/*.c that include crash's defs.h are compiled with -isystem for its
# directory, so the header's own warnings are not ours; our code keeps
# -Wall -Wextra -Werror.  gnu11: defs.h uses GNU extensions.
CRASH_INC   ?= /usr/include/crash
EXT_SRCS    := $(wildcard ext/*.c)
EXT_OBJS    := $(EXT_SRCS:ext/%.c=$(BUILD)/ext/%.o)
EXT_SO      := $(BUILD)/kvmtimer.so
EXT_CFLAGS  := $(filter-out -std=c11,$(CFLAGS)) -std=gnu11 -fPIC -DX86_64 -isystem $(CRASH_INC) -Iext
ALL_TARGETS += $(EXT_SO)

$(BUILD)/ext/%.o: ext/%.c $(wildcard ext/*.h include/kvmtimer/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(EXT_CFLAGS) -c -o $@ $<

$(EXT_SO): $(EXT_OBJS) $(CORE_LIB)
	$(CC) -shared -rdynamic -fPIC $(LDFLAGS) -o $@ $(EXT_OBJS) $(CORE_LIB) $(CORE_LIBS) -lm

# Test-only extension: the reader backend's ops as a crash command (tests/ext/reader.py).
EXT_PROBE := $(BUILD)/tests/ext/reader_probe.so
ALL_TARGETS += $(EXT_PROBE)
$(EXT_PROBE): tests/ext/reader_probe.c $(BUILD)/ext/reader_crash.o $(CORE_LIB) $(wildcard ext/*.h include/kvmtimer/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(EXT_CFLAGS) -shared -rdynamic $(LDFLAGS) -o $@ $< $(BUILD)/ext/reader_crash.o $(CORE_LIB) $(CORE_LIBS) -lm

# `extend kvmtimer.so` by bare name: crash 8.0.2 looks in $CRASH_EXTENSIONS,
# /usr/lib64/crash/extensions (64-bit), /usr/lib/crash/extensions, ./extensions.
CRASH_EXTDIR ?= /usr/lib/crash/extensions
install: build-all
	install -d $(DESTDIR)$(CRASH_EXTDIR)
	install -m 0644 $(EXT_SO) $(DESTDIR)$(CRASH_EXTDIR)/kvmtimer.so
	@if [ -x $(BUILD)/kvmtimer ]; then \
		install -d $(DESTDIR)$(PREFIX)/bin && \
		install -m 0755 $(BUILD)/kvmtimer $(DESTDIR)$(PREFIX)/bin/kvmtimer && \
		echo "installed $(DESTDIR)$(PREFIX)/bin/kvmtimer"; \
	fi

# The one-command story: storm dump, crash in batch mode, kvmtriage.
demo: deps-build
	@tests/ext/demo.sh

# End to end, in crash, on every scenario dump of vmcores/index.json.
CHECK_SUITES += ext-e2e ext-reader
.PHONY: ext-e2e ext-reader
ext-e2e: $(EXT_SO) vmcores
	@tests/run-suite.sh ext-e2e $(BUILD)/test-logs tests/ext/e2e.sh
ext-reader: $(EXT_PROBE) vmcores
	@tests/run-suite.sh ext-reader $(BUILD)/test-logs python3 tests/ext/reader.py --probe $(EXT_PROBE)
# kvmregs against crash's help -r / bt -a / rd and the manifests (tests/ext/regs.py).
CHECK_SUITES += ext-regs
.PHONY: ext-regs
ext-regs: $(EXT_SO) vmcores
	@BUILD=$(BUILD) tests/run-suite.sh ext-regs $(BUILD)/test-logs python3 tests/ext/regs.py
# The pt-hole dump: a page-table page outside RAM under a struct kvm (issue #13).
CHECK_SUITES += ext-pthole
.PHONY: ext-pthole
ext-pthole: $(EXT_SO) $(EXT_PROBE) vmcores
	@tests/run-suite.sh ext-pthole $(BUILD)/test-logs python3 tests/ext/pthole.py \
		--so $(EXT_SO) --probe $(EXT_PROBE)
