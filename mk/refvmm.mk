# mk/refvmm.mk — the reference VMM (src/refvmm) and its tests (tests/refvmm).
# build/refvmm is built with the top-level CFLAGS (sanitized under SAN=1);
# build/refvmm-static is always built without sanitizers (-static cannot take them).

REFVMM_SRCS   := $(wildcard src/refvmm/*.c)
REFVMM_HDRS   := $(wildcard src/refvmm/*.h)
# The core's JSON string escaper (one for the project) is compiled in too.
REFVMM_CORE   := src/base/json.c
REFVMM_OBJS   := $(patsubst src/refvmm/%.c,$(BUILD)/refvmm-obj/%.o,$(REFVMM_SRCS)) $(BUILD)/refvmm-obj/guest.o \
		 $(BUILD)/refvmm-obj/core-json.o
REFVMM_SOBJS  := $(patsubst src/refvmm/%.c,$(BUILD)/refvmm-static-obj/%.o,$(REFVMM_SRCS)) $(BUILD)/refvmm-static-obj/guest.o \
		 $(BUILD)/refvmm-static-obj/core-json.o
REFVMM_CFLAGS := -pthread
# The checkout's path is left out of its debug info, so every clone of one commit
# builds the same bytes: the dumps' cache keys hash the initramfs that carries it,
# and a new clone reuses the cached dumps instead of remaking them.
REFVMM_STATIC_CFLAGS := $(filter-out -fsanitize=% -fno-sanitize-recover=% -fno-omit-frame-pointer,$(CFLAGS)) \
			-ffile-prefix-map=$(CURDIR)=.

ALL_TARGETS  += $(BUILD)/refvmm $(BUILD)/refvmm-static
CHECK_SUITES += refvmm-test

$(BUILD)/refvmm-obj/%.o: src/refvmm/%.c $(REFVMM_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(REFVMM_CFLAGS) -c -o $@ $<

$(BUILD)/refvmm-obj/core-json.o: $(REFVMM_CORE) include/kvmtimer/json.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# The static build's objects also depend on this file: its flags decide the binary's
# bytes, and so the dump cache keys (objects made before a flag change kept old keys).
$(BUILD)/refvmm-static-obj/core-json.o: $(REFVMM_CORE) include/kvmtimer/json.h mk/refvmm.mk
	@mkdir -p $(@D)
	$(CC) $(REFVMM_STATIC_CFLAGS) -c -o $@ $<

$(BUILD)/refvmm-obj/guest.o: src/refvmm/guest.S src/refvmm/guest_abi.h
	@mkdir -p $(@D)
	$(CC) -Isrc/refvmm -c -o $@ $<

$(BUILD)/refvmm: $(REFVMM_OBJS)
	$(CC) $(LDFLAGS) -pthread -o $@ $^

$(BUILD)/refvmm-static-obj/%.o: src/refvmm/%.c $(REFVMM_HDRS) mk/refvmm.mk
	@mkdir -p $(@D)
	$(CC) $(REFVMM_STATIC_CFLAGS) $(REFVMM_CFLAGS) -c -o $@ $<

$(BUILD)/refvmm-static-obj/guest.o: src/refvmm/guest.S src/refvmm/guest_abi.h mk/refvmm.mk
	@mkdir -p $(@D)
	$(CC) -Isrc/refvmm -c -o $@ $<

$(BUILD)/refvmm-static: $(REFVMM_SOBJS)
	$(CC) -static -pthread -o $@ $^

# refvmm's file and process handling, without /dev/kvm: main.c's helpers, its
# main() renamed (tests/refvmm/robust_test.c).
REFVMM_ROBUST := $(BUILD)/tests/refvmm/robust_test
ALL_TARGETS   += $(REFVMM_ROBUST)
$(REFVMM_ROBUST): tests/refvmm/robust_test.c src/refvmm/main.c $(filter-out %/main.o,$(REFVMM_OBJS)) $(REFVMM_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(REFVMM_CFLAGS) -Isrc/refvmm -o $@ $< $(filter-out %/main.o,$(REFVMM_OBJS)) $(LDFLAGS) -pthread

.PHONY: refvmm-test
refvmm-test: $(BUILD)/refvmm $(BUILD)/refvmm-static $(REFVMM_ROBUST)
	@tests/run-suite.sh refvmm $(BUILD)/test-logs tests/refvmm/run.sh $(BUILD)
