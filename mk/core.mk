# Core library (no crash dependency) and its unit tests.
CORE_SRCS := $(wildcard src/core/*.c)
CORE_OBJS := $(CORE_SRCS:src/core/%.c=$(BUILD)/core/%.o)
# Position-independent: the same archive links into kvmtimer.so and the CLI.
CORE_LIB  := $(BUILD)/libkvmtimer.a
ALL_TARGETS += $(CORE_LIB)

$(BUILD)/core/%.o: src/core/%.c $(wildcard include/kvmtimer/*.h src/core/*.h src/core/*.def)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

UNIT_FIXTURE := tests/unit/fixture.c
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_*.c))
ALL_TARGETS += $(UNIT_TESTS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(UNIT_FIXTURE) $(CORE_LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(UNIT_FIXTURE) $(CORE_LIB) $(LDFLAGS) -lcmocka -lm

UNIT_SUITES += $(UNIT_TESTS:$(BUILD)/tests/unit/%=unit-%)
.PHONY: $(UNIT_TESTS:$(BUILD)/tests/unit/%=unit-%)
$(UNIT_TESTS:$(BUILD)/tests/unit/%=unit-%): unit-%: $(BUILD)/tests/unit/%
	@CMOCKA_MESSAGE_OUTPUT=TAP tests/run-suite.sh $* $(BUILD)/test-logs $<
