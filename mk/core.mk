# Core library (no crash dependency) and its unit tests.  The core is src/LAYER/,
# lowest first; a layer includes only itself and the layers before it
# (scripts/check-layers.sh, suite unit-layers) and the public headers of
# include/kvmtimer/, each of which belongs to one layer too.
CORE_LAYERS := base dump kernel model analyze render cmd
CORE_SRCS := $(foreach l,$(CORE_LAYERS),$(wildcard src/$(l)/*.c))
CORE_HDRS := $(wildcard include/kvmtimer/*.h $(CORE_LAYERS:%=src/%/*.h) $(CORE_LAYERS:%=src/%/*.def))
CORE_OBJS := $(CORE_SRCS:src/%.c=$(BUILD)/core/%.o)
# Position-independent: the same archive links into kvmtimer.so and the CLI.
CORE_LIB  := $(BUILD)/libkvmtimer.a
# The core reads DWARF variable locations (src/dump/dwarf_vars.c): libdw.
CORE_LIBS := -ldw -lelf
ALL_TARGETS += $(CORE_LIB)

$(BUILD)/core/%.o: src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -fPIC -c -o $@ $<

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

UNIT_FIXTURE := tests/unit/fixture.c
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_*.c))
ALL_TARGETS += $(UNIT_TESTS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(UNIT_FIXTURE) $(CORE_LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(UNIT_FIXTURE) $(CORE_LIB) $(LDFLAGS) -lcmocka $(CORE_LIBS) -lm

UNIT_SUITES += $(UNIT_TESTS:$(BUILD)/tests/unit/%=unit-%)
.PHONY: $(UNIT_TESTS:$(BUILD)/tests/unit/%=unit-%)
$(UNIT_TESTS:$(BUILD)/tests/unit/%=unit-%): unit-%: $(BUILD)/tests/unit/%
	@CMOCKA_MESSAGE_OUTPUT=TAP tests/run-suite.sh $* $(BUILD)/test-logs $<

# The layering of the core, proved from its #include lines.
UNIT_SUITES += unit-layers
.PHONY: unit-layers
unit-layers:
	@tests/run-suite.sh unit-layers $(BUILD)/test-logs scripts/check-layers.sh

# test_fixshapes reads lapic.c's timer code compiled in every shape and
# compiler variant (tests/unit/shapes/build.sh: gcc and clang).
SHAPES_LIST := $(BUILD)/tests/unit/shapes/list.txt
$(SHAPES_LIST): $(wildcard tests/unit/shapes/*)
	@tests/unit/shapes/build.sh $(dir $@)
$(BUILD)/tests/unit/test_fixshapes: $(SHAPES_LIST)
$(BUILD)/tests/unit/test_fixshapes: CFLAGS += -Isrc
$(BUILD)/tests/unit/test_fixobjects: CFLAGS += -Isrc
