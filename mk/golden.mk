# mk/golden.mk — snapshots and golden tests (tests/snapshot/, tests/snapshots/, tests/golden/).
#
# A snapshot (tests/snapshots/NAME.snap.gz) is every answer the core got from a
# real dump while running the commands of tests/snapshot/commands.h.  Suite
# unit-golden replays each one through every command and compares the output
# with tests/golden/NAME.SLUG.expect: no crash, KVM, QEMU or dump needed.
#   make golden-update   rewrite tests/golden/ from the snapshots, show the diff
#   make snapshots       re-record every snapshot from vmcores/index.json
#                        (after `make vmcores`; VMCORES=storm limits the set),
#                        then make golden-update
SNAP_RECORD := $(BUILD)/kt-record
SNAP_GOLDEN := $(BUILD)/tests/kt-golden
ALL_TARGETS += $(SNAP_GOLDEN)

$(SNAP_GOLDEN): tests/snapshot/golden.c tests/snapshot/snapshot.c $(CORE_LIB) $(wildcard tests/snapshot/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/snapshot -o $@ tests/snapshot/golden.c tests/snapshot/snapshot.c \
		$(CORE_LIB) $(LDFLAGS) -lz $(CORE_LIBS) -lm

# The recorder: the CLI's reader (libdw + libkdumpfile) and the unit fixture.
$(SNAP_RECORD): tests/snapshot/record.c $(CLI_OBJS) $(CORE_LIB) tests/unit/fixture.c $(wildcard tests/snapshot/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-unused-function -Isrc/cli -Itests/unit -Itests/snapshot -DKT_RECORD_FIXTURE \
		-o $@ tests/snapshot/record.c tests/unit/fixture.c $(CLI_OBJS) $(CORE_LIB) $(LDFLAGS) \
		$(CLI_LIBS) -lcmocka -lm

UNIT_SUITES += unit-golden
.PHONY: unit-golden golden-update snapshots
unit-golden: $(SNAP_GOLDEN)
	@tests/run-suite.sh unit-golden $(BUILD)/test-logs tests/golden/check.sh $(SNAP_GOLDEN)

golden-update: $(SNAP_GOLDEN)
	@tests/golden/check.sh --update $(SNAP_GOLDEN)

snapshots: $(SNAP_RECORD)
	@tests/snapshot/record.sh $(SNAP_RECORD) vmcores/index.json tests/snapshots $(VMCORES)
	@$(MAKE) --no-print-directory golden-update
