# mk/crash.mk — crash 8.0.6 for the 6.12 dumps, and kvmtimer.so built against its defs.h.
# Debian 12 ships crash 8.0.2 (/usr/include/crash, mk/ext.mk), which cannot open 6.4+
# kernels.  scripts/crash-build.sh builds 8.0.6 from Debian 13's source package once
# (~13 min on 2 cores) into $(CACHE)/crash/8.0.6 and prints that directory; the test
# drivers run each dump in the crash its index entry names ("crash"), with the
# extension built for that crash: $(BUILD)/crash-8.0.6/kvmtimer.so.
# Not part of `make all` (that would put a 13-minute build in front of `make unit`);
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

$(EXT_SO_NEW): $(EXT_NEW_OBJS) $(CORE_LIB)
	$(CC) -shared -rdynamic -fPIC $(LDFLAGS) -o $@ $(EXT_NEW_OBJS) $(CORE_LIB) $(CORE_LIBS) -lm
