# mk/bench.mk — `make bench`: kvmtimer against crash's own commands, timer -r,
# drgn, the CLI and the raw-read floor (scripts/bench/bench.py), results in
# bench/RESULTS-<date>.md.  A benchmark, not a test: not in CHECK_SUITES.
BENCH_BIN  := $(BUILD)/ktbench
BENCH_ARGS ?=

$(BENCH_BIN): scripts/bench/ktbench.c $(CLI_OBJS) $(CORE_LIB)
	$(CC) $(CFLAGS) -Isrc/cli -o $@ $< $(CLI_OBJS) $(CORE_LIB) $(CLI_LIBS) -lm

bench: $(BENCH_BIN) $(EXT_SO) $(CLI_BIN)
	@[ -f vmcores/index.json ] || $(MAKE) --no-print-directory vmcores
	@python3 scripts/bench/bench.py --build $(BUILD) $(BENCH_ARGS)
