# mk/crash.mk — crash 8.0.6 for the 6.12 dumps, and kvmtimer.so built against its defs.h.
# Debian 12 ships crash 8.0.2 (/usr/include/crash, mk/ext.mk), which cannot open 6.4+
# kernels.  scripts/crash-build.sh builds 8.0.6 from Debian 13's source package once
# (39 min on a cold `make check`, beside the kernels) into $(CACHE)/crash/8.0.6 and
# prints that directory; the test drivers run each dump in the crash its index entry
# names ("crash"), with the extension built for that crash: $(BUILD)/crash-8.0.6/kvmtimer.so.
# Not part of `make all` (that would put a long build in front of `make unit`);
# the suites that open dumps depend on it.
CRASH_NEW_VER := 8.0.6
CRASH_NEW_DIR := $(CACHE)/crash/$(CRASH_NEW_VER)
EXT_NEW_DIR   := $(BUILD)/crash-$(CRASH_NEW_VER)
EXT_SO_NEW    := $(EXT_NEW_DIR)/kvmtimer.so
EXT_NEW_OBJS  := $(EXT_SRCS:ext/%.c=$(EXT_NEW_DIR)/ext/%.o)
EXT_NEW_CFLAGS := $(subst -isystem $(CRASH_INC),-isystem $(CRASH_NEW_DIR)/include,$(EXT_CFLAGS))

.PHONY: crash-$(CRASH_NEW_VER)
crash-$(CRASH_NEW_VER): $(CRASH_NEW_DIR)/include/defs.h
# The script is a no-op when the cache holds this version's build.
$(CRASH_NEW_DIR)/include/defs.h: scripts/crash-build.sh
	@scripts/crash-build.sh $(CRASH_NEW_VER) >/dev/null

$(EXT_NEW_DIR)/ext/%.o: ext/%.c $(CRASH_NEW_DIR)/include/defs.h $(wildcard ext/*.h include/kvmtimer/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(EXT_NEW_CFLAGS) -c -o $@ $<

# help.o (the help pages, mk/pkg.mk) does not include defs.h: the same object serves both.
$(EXT_SO_NEW): $(EXT_NEW_OBJS) $(BUILD)/ext/help.o $(CORE_LIB)
	$(CC) -shared -rdynamic -fPIC $(LDFLAGS) -o $@ $(EXT_NEW_OBJS) $(BUILD)/ext/help.o $(CORE_LIB) $(CORE_LIBS) -lm

# The reader probe (tests/ext/reader_probe.c) for that crash too.
EXT_PROBE_NEW := $(dir $(EXT_PROBE))crash-$(CRASH_NEW_VER)/$(notdir $(EXT_PROBE))
$(EXT_PROBE_NEW): tests/ext/reader_probe.c $(EXT_NEW_DIR)/ext/reader_crash.o $(CORE_LIB) $(wildcard ext/*.h include/kvmtimer/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(EXT_NEW_CFLAGS) -shared -rdynamic $(LDFLAGS) -o $@ $< $(EXT_NEW_DIR)/ext/reader_crash.o $(CORE_LIB) $(CORE_LIBS) -lm

# The suites that open dumps in crash: 6.12 dumps run in crash 8.0.6 with the extension
# (and probe) built against its defs.h (tests/ext/crashrun.py so_for), so they need both.
ext-e2e ext-regs ext-reader ext-pthole cli-agree cli-backend vmcores-crash: $(EXT_SO_NEW) $(EXT_PROBE_NEW)
