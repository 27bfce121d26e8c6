# mk/vmcores.mk — the dump factory (scripts/vmcores.sh, scripts/vmcores/) and its tests
# (tests/vmcores).  `make vmcores` builds or reuses kernels, initramfs and dumps in
# $(CACHE) and writes vmcores/index.json.  VMCORES=healthy storm ... limits the set.
VMCORES ?=

.PHONY: vmcores vmcores-crash
vmcores: $(BUILD)/refvmm-static
	@scripts/deps.sh all
	@REFVMM=$(abspath $(BUILD)/refvmm-static) scripts/vmcores.sh $(VMCORES)

CHECK_SUITES += vmcores-crash
# crash itself opens every dump of the index and confirms the manifest's basics.
vmcores-crash: vmcores
	@tests/run-suite.sh vmcores-crash $(BUILD)/test-logs tests/vmcores/crash-basics.sh vmcores/index.json
