// SPDX-License-Identifier: GPL-2.0-or-later
/* The analysis step (kvmtimer/analysis.h): decoded state in, kt_analysis out.
 * The state is only read; everything derived lives in the analysis. */
#include <stdlib.h>
#include <string.h>
#include "kvmtimer/analysis.h"
#include "kvmtimer/bigmem.h"
#include "kvmtimer/detect.h"
#include "kvmtimer/error.h"
#include "analyze/regs_evidence.h"

static bool periodic(const struct kt_vcpu *v)
{
	return v->has_lapic && v->timer.mode == KT_MODE_PERIODIC && v->timer.period_ns > 0;
}

/* The model's next step for a periodic timer, once, for the renderers. */
static void run_model(const struct kt_host *h, const struct kt_thresholds *th,
		      const struct kt_vcpu *v, struct kt_vcpu_analysis *va)
{
	struct kt_vcpu_model *m = &va->model;
	kt_vcpu_model_input(h, v, th, &m->input);
	kt_model_predict(&m->input, KT_ALGO_PREFIX, &m->prefix);
	kt_model_predict(&m->input, KT_ALGO_FIXED, &m->fixed);
	m->period_cycles = kt_nsec_to_cycles((uint64_t)v->timer.period_ns,
					     v->tsc.virtual_tsc_mult, v->tsc.virtual_tsc_shift);
	va->has_model = true;
}

int kt_analyze(const struct kt_host *h, const struct kt_contexts *contexts,
	       const struct kt_thresholds *th, struct kt_analysis *a)
{
	memset(a, 0, sizeof(*a));
	a->th = *th;
	/* Damage the walkers met, in the order they met it: a missing type is
	 * worth knowing, anything else hides state. */
	for (int i = 0; i < h->ndamage; i++)
		kt_finding_add(a->findings, &a->nfindings, KT_FLAG_CORRUPT,
			       h->damage[i].kind == KT_DAMAGE_MISSING ? KT_SEV_INFO : KT_SEV_WARNING,
			       "%s", h->damage[i].what);
	for (int i = 0; i < h->nvms; i++)
		if (h->vms[i].damage.what[0])
			kt_finding_add(a->findings, &a->nfindings, KT_FLAG_CORRUPT, KT_SEV_WARNING,
				       "VM 0x%llx (pid %d): %s", (unsigned long long)h->vms[i].addr,
				       h->vms[i].userspace_pid, h->vms[i].damage.what);
	if (h->nvms) {
		a->vm_first = calloc((size_t)h->nvms, sizeof(*a->vm_first));
		if (!a->vm_first)
			goto nomem;
		for (int i = 0; i < h->nvms; i++) {
			a->vm_first[i] = a->nvcpus;
			a->nvcpus += h->vms[i].nvcpus;
		}
	}
	if (a->nvcpus) {
		a->vcpus = kt_big_calloc((size_t)a->nvcpus, sizeof(*a->vcpus));
		if (!a->vcpus)
			goto nomem;
	}
	for (int i = 0; i < h->nvms; i++)
		for (int j = 0; j < h->vms[i].nvcpus; j++) {
			const struct kt_vcpu *v = &h->vms[i].vcpus[j];
			struct kt_vcpu_analysis *va = &a->vcpus[a->vm_first[i] + j];
			kt_analyze_vcpu(h, th, v, va);
			if (periodic(v))
				run_model(h, th, v, va);
		}
	/* Each CPU context's register evidence; the one a verdict cites: the
	 * first CPU in the catch-up loop. */
	if (contexts && contexts->n) {
		a->regs = calloc((size_t)contexts->n, sizeof(*a->regs));
		if (!a->regs)
			goto nomem;
		a->nregs = contexts->n;
		for (int i = 0; i < contexts->n; i++)
			kt_regs_evidence_of(h, &contexts->cpu[i], &a->regs[i]);
		const struct kt_regs_evidence *in = kt_regs_in_loop(a);
		if (in) {
			kt_context_cite(&contexts->cpu[in - a->regs], in, a->register_evidence,
					sizeof(a->register_evidence));
			a->register_evidence_lapic = in->timer.lapic;
		}
	}
	return KT_OK;
nomem:
	kt_analysis_free(a);
	return KT_ENOMEM;
}

void kt_analysis_free(struct kt_analysis *a)
{
	kt_big_free(a->vcpus);
	free(a->vm_first);
	free(a->regs);
	memset(a, 0, sizeof(*a));
}

const struct kt_vcpu_analysis *kt_vcpu_analysis_of(const struct kt_analysis *a,
						   const struct kt_host *h,
						   const struct kt_vcpu *v)
{
	/* Compared as integers: v lies in exactly one VM's array. */
	uintptr_t p = (uintptr_t)v;
	for (int i = 0; a->vcpus && i < h->nvms; i++) {
		uintptr_t first = (uintptr_t)h->vms[i].vcpus;
		if (h->vms[i].nvcpus && p >= first &&
		    p < first + (uintptr_t)h->vms[i].nvcpus * sizeof(*v))
			return &a->vcpus[a->vm_first[i] + (int)((p - first) / sizeof(*v))];
	}
	static const struct kt_vcpu_analysis none;	/* not this host's vCPU: nothing derived */
	return &none;
}
