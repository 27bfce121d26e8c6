# mk/bench.mk — `make bench`: kvmtimer against crash's own commands, timer -r,
# drgn, the CLI and the raw-read floor (scripts/bench/bench.py), results in
# bench/RESULTS-<date>.md.  A benchmark, not a test: not in CHECK_SUITES.
BENCH_BIN  := $(BUILD)/ktbench
BENCH_ARGS ?=

$(BENCH_BIN): scripts/bench/ktbench.c $(CLI_OBJS) $(CORE_LIB)
	$(CC) $(CFLAGS) -Isrc/cli -o $@ $< $(CLI_OBJS) $(CORE_LIB) $(CLI_LIBS) -lm

# The 4,096-vCPU dump (scenario scale-4k) goes into an index of its own: the test
# suites read vmcores/index.json and never wait for it.  Made once, then cached.
# When the factory cannot make it, the other dumps are still timed (and the
# per-vCPU table stops at 1,024).
BENCH_INDEX := $(BUILD)/bench-vmcores.json
.PHONY: bench-vmcores
bench-vmcores: $(BUILD)/refvmm-static
	@REFVMM=$(abspath $(BUILD)/refvmm-static) VMCORES_INDEX=$(abspath $(BENCH_INDEX)) \
		scripts/vmcores.sh scale-4k || echo "bench: the scale-4k dump could not be made (see above); timing the others"

bench: $(BENCH_BIN) $(EXT_SO) $(CLI_BIN) bench-vmcores
	@[ -f vmcores/index.json ] || $(MAKE) --no-print-directory vmcores
	@python3 scripts/bench/bench.py --build $(BUILD) --extra-index $(BENCH_INDEX) $(BENCH_ARGS)
