/* manifest.c — refvmm's ground truth as JSON.
 *
 * Shape (keys are never renamed; new ones may be added):
 *   {"tool":"refvmm","phase":"ready"|"exit","min_timer_period_us":N,...,
 *    "vms":[{"pid":N,"name":S,"vcpus":[{"id":N,"tid":N,"cpu_pinned":N,"mode":S,
 *            "masked":B,"x2apic":B,"tmict":N,"divide":N,"period_ns":N,
 *            "tsc_deadline":N,...,"lapic":{...}}],"event_log":[...]}],
 *    "events":[{"at_ms":N,"vm":S,"vcpu":N,"action":S,"value":N}]}
 * A VM object is rendered on one line so that a child process can send it to the
 * parent as one line of text (--fork).
 */
#include "refvmm.h"
#include "guest_abi.h"
#include "kvm.h"
#include "kvmtimer/json.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s)
			kvm_die("manifest", "out of memory");
		b->s = s;
		b->cap = cap;
	}
}

static void sb_put(void *ctx, const char *bytes, size_t n)
{
	sb_printf(ctx, "%.*s", (int)n, bytes);
}

/* The core's one JSON string escaper (include/kvmtimer/json.h). */
void sb_json_str(struct strbuf *b, const char *s)
{
	kt_json_quote(s, sb_put, b);
}

void sb_free(struct strbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static const char *tf(int v)
{
	return v ? "true" : "false";
}

/* The LAPIC as KVM reports it (KVM_GET_LAPIC), decoded where it matters. */
static void lapic_json(struct strbuf *b, const struct vcpu_snap *s)
{
	if (!s->valid) {
		sb_printf(b, "null");
		return;
	}
	const struct kvm_lapic_state *l = &s->lapic;
	uint32_t lvtt = lapic_reg(l, APIC_LVTT), tdcr = lapic_reg(l, APIC_TDCR);
	unsigned mode = (lvtt & APIC_LVT_TIMER_MODE_MASK) >> 17;
	static const char *const modes[] = { "oneshot", "periodic", "tscdeadline", "reserved" };
	sb_printf(b,
		  "{\"svr\":%u,\"lvtt\":%u,\"lvtt_mode\":\"%s\",\"lvtt_masked\":%s,\"lvtt_vector\":%u,"
		  "\"tmict\":%u,\"tmcct\":%u,\"tdcr\":%u,\"divide\":%u,\"timer_irr\":%s,"
		  "\"timer_isr\":%s,\"apic_base\":%llu,\"x2apic_enabled\":%s,"
		  "\"tscdeadline_msr\":%llu,\"tsc\":%llu}",
		  lapic_reg(l, APIC_SPIV), lvtt, modes[mode], tf(lvtt & APIC_LVT_MASKED), lvtt & 0xff,
		  lapic_reg(l, APIC_TMICT), lapic_reg(l, APIC_TMCCT), tdcr, divide_from_tdcr(tdcr),
		  tf(lapic_vector_set(l, APIC_IRR, GUEST_TIMER_VECTOR)),
		  tf(lapic_vector_set(l, APIC_ISR, GUEST_TIMER_VECTOR)),
		  (unsigned long long)s->apic_base, tf(s->apic_base & (1u << 10)),
		  (unsigned long long)s->tscdeadline_msr, (unsigned long long)s->tsc);
}

static void vcpu_json(struct strbuf *b, const struct vcpu_rt *v, int final)
{
	const struct vcpu_spec *c = v->spec;
	const struct vcpu_snap *s = final ? &v->final : &v->armed;
	/* Ticks and elapsed time: at the final snapshot, or now (ready manifest). */
	uint32_t ticks = final ? s->ticks : __atomic_load_n((uint32_t *)(v->page + PG_TICKS),
							    __ATOMIC_RELAXED);
	uint64_t t = final ? s->t_ns : now_ns();
	uint32_t other = __atomic_load_n((uint32_t *)(v->page + PG_OTHER_IRQS), __ATOMIC_RELAXED);
	sb_printf(b,
		  "{\"id\":%d,\"tid\":%d,\"cpu_pinned\":%d,\"mode\":\"%s\",\"masked\":%s,"
		  "\"x2apic\":%s,\"tmict\":%u,\"divide\":%u,\"tdcr\":%u,\"period_ns\":%llu,"
		  "\"tsc_deadline\":%llu,\"deadline_ns\":%llu,\"tsc_khz\":%llu,\"run\":\"%s\","
		  "\"rearm\":%s,\"vector\":%u,\"ticks\":%u,\"other_irqs\":%u,\"run_ns\":%llu,"
		  "\"restarts\":%d,\"lapic\":",
		  v->id, (int)atomic_load(&v->tid), c->pin, timer_mode_name(c->mode), tf(c->masked),
		  tf(c->x2apic), c->tmict, c->divide, tdcr_from_divide(c->divide),
		  (unsigned long long)c->period_ns, (unsigned long long)v->tsc_deadline,
		  (unsigned long long)c->deadline_ns, (unsigned long long)v->tsc_khz,
		  run_variant_name(c->run), tf(c->rearm && c->mode != MODE_PERIODIC),
		  GUEST_TIMER_VECTOR, ticks, other,
		  (unsigned long long)(v->armed_ns && t > v->armed_ns ? t - v->armed_ns : 0),
		  v->restarts);
	lapic_json(b, s);
	sb_printf(b, "}");
}

void manifest_vm_json(struct strbuf *b, const struct vm_rt *vm, int final)
{
	sb_printf(b, "{\"pid\":%d,\"name\":", (int)getpid());
	sb_json_str(b, vm->spec->name);
	sb_printf(b, ",\"index\":%d,\"nvcpus\":%d,\"mem_bytes\":%zu,\"vcpus\":[", vm->index,
		  vm->spec->nvcpus, vm->mem_size);
	for (int i = 0; i < vm->spec->nvcpus; i++) {
		if (i)
			sb_printf(b, ",");
		vcpu_json(b, &vm->vcpus[i], final);
	}
	sb_printf(b, "],\"event_log\":[");
	pthread_mutex_lock((pthread_mutex_t *)&vm->loglock);
	for (int i = 0; i < vm->nlog; i++) {
		const struct event_log *l = &vm->log[i];
		const struct event_spec *e = &vm->scn->events[l->event];
		sb_printf(b, "%s{\"event\":%d,\"vcpu\":%d,\"action\":\"%s\",\"value\":%llu,"
			  "\"at_ms\":%llu,\"done_ms\":%llu,\"result\":", i ? "," : "", l->event, l->vcpu,
			  event_action_name(e->action), (unsigned long long)e->value,
			  (unsigned long long)e->at_ms, (unsigned long long)l->done_ms);
		sb_json_str(b, l->result);
		sb_printf(b, "}");
	}
	pthread_mutex_unlock((pthread_mutex_t *)&vm->loglock);
	sb_printf(b, "]}");
}

int manifest_write(const char *path, const struct scenario *s, const char *phase,
		   char *const *parts, int nparts)
{
	struct strbuf b = { 0 };
	sb_printf(&b, "{\"tool\":\"refvmm\",\"format\":1,\"phase\":\"%s\",\"pid\":%d,\"fork\":%s,"
		  "\"default_scenario\":%s,\"min_timer_period_us\":%u,\"min_timer_period_source\":\"%s\","
		  "\"apic_bus_cycle_ns\":%d,\"vms\":[",
		  phase, (int)getpid(), tf(s->fork), tf(s->is_default), s->min_timer_period_us,
		  s->min_timer_period_known ? "/sys/module/kvm/parameters/min_timer_period_us"
					    : "default", APIC_BUS_CYCLE_NS);
	for (int i = 0; i < nparts; i++)
		sb_printf(&b, "%s\n  %s", i ? "," : "", parts[i]);
	sb_printf(&b, "],\n \"events\":[");
	for (int i = 0; i < s->nevents; i++) {
		const struct event_spec *e = &s->events[i];
		sb_printf(&b, "%s{\"index\":%d,\"at_ms\":%llu,\"vm\":", i ? "," : "", i,
			  (unsigned long long)e->at_ms);
		sb_json_str(&b, e->vm[0] ? e->vm : "all");
		sb_printf(&b, ",\"vcpu\":%d,\"action\":\"%s\",\"value\":%llu}", e->vcpu,
			  event_action_name(e->action), (unsigned long long)e->value);
	}
	sb_printf(&b, "]}\n");

	/* A new file of our own in the target's directory, then rename() over the
	 * target: refvmm runs as root, and a predictable "<path>.tmp" could be a
	 * symlink planted by anyone who can write that directory. */
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	char *tmp = malloc(dlen + sizeof(".refvmm-manifest-XXXXXX"));
	if (!tmp) {
		sb_free(&b);
		return -ENOMEM;
	}
	memcpy(tmp, path, dlen);
	strcpy(tmp + dlen, ".refvmm-manifest-XXXXXX");
	int ret = 0;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		ret = -errno;
	else {
		size_t done = 0;
		while (!ret && done < b.len) {
			ssize_t w = write(fd, b.s + done, b.len - done);
			if (w < 0 && errno != EINTR)
				ret = -errno;
			else if (w > 0)
				done += (size_t)w;
		}
		if (!ret && fchmod(fd, 0644))
			ret = -errno;
		if (close(fd) && !ret)
			ret = -errno;
		if (!ret && rename(tmp, path))
			ret = -errno;
		if (ret)
			unlink(tmp);
	}
	free(tmp);
	sb_free(&b);
	return ret;
}
