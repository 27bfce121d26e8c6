# mk/vmcores.mk — the dump factory (scripts/vmcores.sh, scripts/vmcores/) and its tests
# (tests/vmcores).  `make vmcores` builds or reuses kernels, initramfs and dumps in
# $(CACHE) and writes vmcores/index.json.  VMCORES=healthy storm ... limits the set.
VMCORES ?=

.PHONY: vmcores vmcores-crash
# A failed factory run leaves a "not ok" in the test logs, so `make check` (make -k)
# counts it even though the suites depending on it cannot run.
vmcores: $(BUILD)/refvmm-static
	@scripts/deps.sh all
	@REFVMM=$(abspath $(BUILD)/refvmm-static) scripts/vmcores.sh $(VMCORES) || { \
	  mkdir -p $(BUILD)/test-logs; \
	  echo "not ok 1 - make vmcores failed (see the output above and \$$CACHE/dumps/*/*.tmp)" \
	    | tee $(BUILD)/test-logs/vmcores-factory.log; exit 1; }

CHECK_SUITES += vmcores-crash
# crash itself opens every dump of the index and confirms the manifest's basics.
vmcores-crash: vmcores
	@tests/run-suite.sh vmcores-crash $(BUILD)/test-logs tests/vmcores/crash-basics.sh vmcores/index.json
