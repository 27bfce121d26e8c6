/* scenario.c — parse refvmm's scenario language into struct scenario.
 *
 *   --vm    key=value,key=value,...   one VM; per-vCPU keys take a slash list that
 *                                     cycles over the vCPUs (mode=periodic/oneshot)
 *   --event key=value,...             one timed control action
 *   --scenario FILE                   lines "vm SPEC" / "event SPEC" (a leading "--" is
 *                                     allowed; a bare SPEC is a vm); '#' starts a comment
 *
 * Every vCPU's timer is resolved here, so the manifest states exactly what was
 * programmed: TMICT, divide and the period KVM derives from them (KVM's tmict_to_ns():
 * TMICT * APIC_BUS_CYCLE_NS * divide, raised to min_timer_period_us for periodic timers
 * by limit_periodic_timer_frequency()).
 */
#include "refvmm.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_CYCLE 64
#define MAX_VCPUS 1024
/* Events far in the future or pauses without end would only hang the run. */
#define EVENT_MAX_AT_MS 86400000
#define EVENT_MAX_PAUSE_MS 600000
#define DEFAULT_PERIOD_US 10000		/* 10 ms */
#define DEFAULT_DEADLINE_MS 500000	/* 500 s: still armed when a dump is taken */
#define DEFAULT_DIVIDE 16

const char *timer_mode_name(enum timer_mode m)
{
	static const char *const n[] = { "periodic", "oneshot", "tscdeadline" };
	return n[m];
}

const char *run_variant_name(enum run_variant r)
{
	static const char *const n[] = { "hlt", "cli-hlt", "spin" };
	return n[r];
}

const char *event_action_name(enum event_action a)
{
	static const char *const n[] = { "pause_ms", "set_tsc", "tsc_khz", "migrate" };
	return n[a];
}

/* TDCR bits 0,1,3 encode divide-by 2^((bits+1) & 7) (SDM 11.5.4; KVM apic_update_divide). */
uint32_t tdcr_from_divide(uint32_t divide)
{
	unsigned k = (unsigned)__builtin_ctz(divide);	/* divide = 2^k */
	unsigned v = (k + 7) & 7;
	return (v & 3) | ((v & 4) << 1);
}

uint32_t divide_from_tdcr(uint32_t tdcr)
{
	unsigned v = ((tdcr & 3) | ((tdcr & 8) >> 1)) + 1;
	return 1u << (v & 7);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void scenario_init(struct scenario *s)
{
	memset(s, 0, sizeof(*s));
	s->seconds = -1;
	s->min_timer_period_us = KVM_MIN_TIMER_PERIOD_US_DEFAULT;
	FILE *f = fopen("/sys/module/kvm/parameters/min_timer_period_us", "r");
	if (f) {
		unsigned v;
		if (fscanf(f, "%u", &v) == 1) {
			s->min_timer_period_us = v;
			s->min_timer_period_known = 1;
		}
		fclose(f);
	}
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;
	if (!*v || *v == '-' || isspace((unsigned char)*v))
		return -1;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 0);
	if (errno || *end)
		return -1;
	*out = x;
	return 0;
}

/* A VM spec as text: each key with its slash-separated values. */
struct raw_key {
	const char *key;
	int per_vcpu;
	char *vals[MAX_CYCLE];
	int n;
};

enum { K_NAME, K_VCPUS, K_TSC_KHZ, K_MODE, K_PERIOD_US, K_TMICT, K_DIVIDE, K_X2APIC,
       K_MASKED, K_RUN, K_PIN, K_DEADLINE_MS, K_REARM, K_COUNT };

static const struct { const char *key; int per_vcpu; } vm_keys[K_COUNT] = {
	[K_NAME] = { "name", 0 },	  [K_VCPUS] = { "vcpus", 0 },
	[K_TSC_KHZ] = { "tsc_khz", 0 },	  [K_MODE] = { "mode", 1 },
	[K_PERIOD_US] = { "period_us", 1 }, [K_TMICT] = { "tmict", 1 },
	[K_DIVIDE] = { "divide", 1 },	  [K_X2APIC] = { "x2apic", 1 },
	[K_MASKED] = { "masked", 1 },	  [K_RUN] = { "run", 1 },
	[K_PIN] = { "pin", 1 },		  [K_DEADLINE_MS] = { "deadline_ms", 1 },
	[K_REARM] = { "rearm", 1 },
};

static const char *raw_get(struct raw_key *r, int k, int vcpu)
{
	return r[k].n ? r[k].vals[vcpu % r[k].n] : NULL;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false")) {
		*out = 0;
		return 0;
	}
	if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true")) {
		*out = 1;
		return 0;
	}
	return -1;
}

/* Split "a=b,c=d" in place; calls fn(key, value) for each pair. */
static int split_pairs(char *text, const char *what, char *err, size_t errlen,
		       int (*fn)(void *ctx, char *key, char *val, char *err, size_t errlen),
		       void *ctx)
{
	char *save = NULL;
	int any = 0;
	for (char *tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1])
			return fail(err, errlen, "%s: expected key=value, got '%s'", what, tok);
		*eq = 0;
		if (fn(ctx, tok, eq + 1, err, errlen) < 0)
			return -1;
		any = 1;
	}
	if (!any)
		return fail(err, errlen, "%s: empty specification", what);
	return 0;
}

static int vm_pair(void *ctx, char *key, char *val, char *err, size_t errlen)
{
	struct raw_key *r = ctx;
	for (int k = 0; k < K_COUNT; k++) {
		if (strcmp(key, vm_keys[k].key))
			continue;
		if (r[k].n)
			return fail(err, errlen, "--vm: key '%s' given twice", key);
		char *save = NULL;
		for (char *v = strtok_r(val, "/", &save); v; v = strtok_r(NULL, "/", &save)) {
			if (r[k].n == MAX_CYCLE)
				return fail(err, errlen, "--vm: %s: more than %d values", key, MAX_CYCLE);
			r[k].vals[r[k].n++] = v;
		}
		if (!r[k].n)
			return fail(err, errlen, "--vm: %s: empty value", key);
		if (!vm_keys[k].per_vcpu && r[k].n > 1)
			return fail(err, errlen, "--vm: %s takes one value, not a list", key);
		return 0;
	}
	return fail(err, errlen, "--vm: unknown key '%s'", key);
}

/* Derive TMICT and divide for a timer of delay_ns, or check the explicit ones. */
static int resolve_count(struct vcpu_spec *c, const char *tmict_s, const char *div_s,
			 uint64_t delay_ns, int vm_i, int id, char *err, size_t errlen)
{
	uint64_t div = 0, tmict;
	if (div_s) {
		if (parse_u64(div_s, &div) || !div || div > 128 || (div & (div - 1)))
			return fail(err, errlen, "--vm #%d vcpu %d: divide must be 1, 2, 4 ... 128, got '%s'",
				    vm_i, id, div_s);
	}
	if (tmict_s) {
		if (parse_u64(tmict_s, &tmict) || !tmict || tmict > UINT32_MAX)
			return fail(err, errlen, "--vm #%d vcpu %d: tmict must be 1..4294967295, got '%s'",
				    vm_i, id, tmict_s);
		if (!div)
			div = DEFAULT_DIVIDE;
	} else {
		/* Default divide 16, raised until the count fits in 32 bits. */
		if (!div)
			for (div = DEFAULT_DIVIDE; div < 128 && delay_ns / (div * APIC_BUS_CYCLE_NS) > UINT32_MAX;)
				div *= 2;
		tmict = delay_ns / (div * APIC_BUS_CYCLE_NS);
		if (!tmict || tmict > UINT32_MAX)
			return fail(err, errlen,
				    "--vm #%d vcpu %d: %llu ns does not fit TMICT with divide %llu",
				    vm_i, id, (unsigned long long)delay_ns, (unsigned long long)div);
	}
	c->tmict = (uint32_t)tmict;
	c->divide = (uint32_t)div;
	return 0;
}

static int resolve_vcpu(struct scenario *s, struct raw_key *r, struct vcpu_spec *c, int id,
			char *err, size_t errlen)
{
	int vm_i = s->nvms;
	const char *v;
	uint64_t x;

	memset(c, 0, sizeof(*c));
	c->pin = -1;
	v = raw_get(r, K_MODE, id);
	if (!v || !strcmp(v, "periodic"))
		c->mode = MODE_PERIODIC;
	else if (!strcmp(v, "oneshot"))
		c->mode = MODE_ONESHOT;
	else if (!strcmp(v, "tscdeadline"))
		c->mode = MODE_TSCDEADLINE;
	else
		return fail(err, errlen, "--vm #%d: mode must be periodic, oneshot or tscdeadline, got '%s'",
			    vm_i, v);
	v = raw_get(r, K_RUN, id);
	if (!v || !strcmp(v, "hlt"))
		c->run = RUNV_HLT;
	else if (!strcmp(v, "cli-hlt"))
		c->run = RUNV_CLI_HLT;
	else if (!strcmp(v, "spin"))
		c->run = RUNV_SPIN;
	else
		return fail(err, errlen, "--vm #%d: run must be hlt, cli-hlt or spin, got '%s'", vm_i, v);
	static const int boolkeys[] = { K_MASKED, K_X2APIC, K_REARM };
	int *boolout[] = { &c->masked, &c->x2apic, &c->rearm };
	for (int i = 0; i < 3; i++) {
		v = raw_get(r, boolkeys[i], id);
		if (v && parse_bool(v, boolout[i]))
			return fail(err, errlen, "--vm #%d: %s must be 0 or 1, got '%s'", vm_i,
				    vm_keys[boolkeys[i]].key, v);
	}
	v = raw_get(r, K_PIN, id);
	if (v && strcmp(v, "-1")) {
		if (parse_u64(v, &x) || x > 4095)
			return fail(err, errlen, "--vm #%d: pin must be a CPU number or -1, got '%s'", vm_i, v);
		c->pin = (int)x;
	}

	const char *tmict_s = raw_get(r, K_TMICT, id), *div_s = raw_get(r, K_DIVIDE, id);
	uint64_t delay_ns;
	if (c->mode == MODE_PERIODIC) {
		uint64_t us = DEFAULT_PERIOD_US;
		v = raw_get(r, K_PERIOD_US, id);
		if (v && (parse_u64(v, &us) || !us || us > 1000000000ull))
			return fail(err, errlen, "--vm #%d: period_us must be 1..1e9, got '%s'", vm_i, v);
		delay_ns = us * 1000;
	} else {
		uint64_t ms = DEFAULT_DEADLINE_MS;
		v = raw_get(r, K_DEADLINE_MS, id);
		if (v && (parse_u64(v, &ms) || ms > 1000000000ull))
			return fail(err, errlen, "--vm #%d: deadline_ms must be 0..1e9, got '%s'", vm_i, v);
		delay_ns = ms * 1000000;
		if (!delay_ns && c->mode == MODE_ONESHOT && !tmict_s)
			return fail(err, errlen, "--vm #%d: a oneshot deadline_ms must be > 0", vm_i);
	}
	if (c->mode == MODE_TSCDEADLINE) {
		/* TDCR is still programmed (KVM ignores it in this mode); no count. */
		uint64_t div = DEFAULT_DIVIDE;
		if (div_s && (parse_u64(div_s, &div) || !div || div > 128 || (div & (div - 1))))
			return fail(err, errlen, "--vm #%d: divide must be 1, 2, 4 ... 128, got '%s'",
				    vm_i, div_s);
		c->divide = (uint32_t)div;
		c->deadline_ns = delay_ns;
		return 0;
	}
	if (resolve_count(c, tmict_s, div_s, delay_ns, vm_i, id, err, errlen))
		return -1;
	uint64_t raw_ns = (uint64_t)c->tmict * c->divide * APIC_BUS_CYCLE_NS;
	if (c->mode == MODE_ONESHOT) {
		c->deadline_ns = raw_ns;
		c->period_ns = raw_ns;	/* KVM sets lapic_timer.period for one-shot too, unclamped */
	} else {
		uint64_t min_ns = (uint64_t)s->min_timer_period_us * 1000;
		c->period_ns = raw_ns < min_ns ? min_ns : raw_ns; /* limit_periodic_timer_frequency() */
	}
	return 0;
}

static int valid_name(const char *n)
{
	if (!*n || strlen(n) >= REFVMM_NAME_MAX)
		return 0;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("_-.", *n))
			return 0;
	return 1;
}

int scenario_add_vm(struct scenario *s, const char *spec, char *err, size_t errlen)
{
	struct raw_key r[K_COUNT];
	memset(r, 0, sizeof(r));
	char *text = strdup(spec);
	if (!text)
		return fail(err, errlen, "out of memory");
	int ret = -1;
	struct vm_spec vm;
	memset(&vm, 0, sizeof(vm));
	if (split_pairs(text, "--vm", err, errlen, vm_pair, r))
		goto out;
	if (r[K_TMICT].n && r[K_PERIOD_US].n) {
		fail(err, errlen, "--vm #%d: give tmict= or period_us=, not both", s->nvms);
		goto out;
	}
	const char *name = raw_get(r, K_NAME, 0);
	if (name) {
		if (!valid_name(name)) {
			fail(err, errlen, "--vm #%d: name must be 1..%d of [A-Za-z0-9_.-], got '%s'",
			     s->nvms, REFVMM_NAME_MAX - 1, name);
			goto out;
		}
		snprintf(vm.name, sizeof(vm.name), "%s", name);
	} else {
		snprintf(vm.name, sizeof(vm.name), "vm%d", s->nvms);
	}
	for (int i = 0; i < s->nvms; i++)
		if (!strcmp(s->vms[i].name, vm.name)) {
			fail(err, errlen, "--vm: two VMs named '%s'", vm.name);
			goto out;
		}
	uint64_t x = 1;
	const char *v = raw_get(r, K_VCPUS, 0);
	if (v && (parse_u64(v, &x) || !x || x > MAX_VCPUS)) {
		fail(err, errlen, "--vm #%d: vcpus must be 1..%d, got '%s'", s->nvms, MAX_VCPUS, v);
		goto out;
	}
	vm.nvcpus = (int)x;
	v = raw_get(r, K_TSC_KHZ, 0);
	if (v && (parse_u64(v, &x) || !x || x > UINT32_MAX)) {
		fail(err, errlen, "--vm #%d: tsc_khz must be a positive kHz value, got '%s'", s->nvms, v);
		goto out;
	}
	vm.tsc_khz = v ? (uint32_t)x : 0;
	vm.vcpus = calloc((size_t)vm.nvcpus, sizeof(*vm.vcpus));
	if (!vm.vcpus) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	for (int i = 0; i < vm.nvcpus; i++)
		if (resolve_vcpu(s, r, &vm.vcpus[i], i, err, errlen))
			goto out;
	struct vm_spec *n = realloc(s->vms, (size_t)(s->nvms + 1) * sizeof(*n));
	if (!n) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	s->vms = n;
	s->vms[s->nvms++] = vm;
	vm.vcpus = NULL;
	ret = 0;
out:
	free(vm.vcpus);
	free(text);
	return ret;
}

struct ev_parse {
	struct event_spec ev;
	int nactions;
};

static int event_pair(void *ctx, char *key, char *val, char *err, size_t errlen)
{
	struct ev_parse *p = ctx;
	uint64_t x;
	if (!strcmp(key, "vm")) {
		if (strcmp(val, "all") && !valid_name(val))
			return fail(err, errlen, "--event: bad vm name '%s'", val);
		snprintf(p->ev.vm, sizeof(p->ev.vm), "%s", strcmp(val, "all") ? val : "");
		return 0;
	}
	if (!strcmp(key, "vcpu")) {
		if (!strcmp(val, "all")) {
			p->ev.vcpu = -1;
			return 0;
		}
		if (parse_u64(val, &x) || x >= MAX_VCPUS)
			return fail(err, errlen, "--event: vcpu must be a vCPU id or 'all', got '%s'", val);
		p->ev.vcpu = (int)x;
		return 0;
	}
	if (parse_u64(val, &x))
		return fail(err, errlen, "--event: %s needs a non-negative number, got '%s'", key, val);
	if (!strcmp(key, "at_ms")) {
		if (x > EVENT_MAX_AT_MS)
			return fail(err, errlen, "--event: at_ms must be at most %d (a day), got '%s'",
				    EVENT_MAX_AT_MS, val);
		p->ev.at_ms = x;
		return 0;
	}
	for (int a = EV_PAUSE; a <= EV_MIGRATE; a++) {
		if (strcmp(key, event_action_name((enum event_action)a)))
			continue;
		if (a == EV_MIGRATE && x != 1)
			return fail(err, errlen, "--event: migrate takes the value 1");
		if (a == EV_PAUSE && x > EVENT_MAX_PAUSE_MS)
			return fail(err, errlen, "--event: pause_ms must be at most %d (10 minutes), got '%s'",
				    EVENT_MAX_PAUSE_MS, val);
		if (a == EV_TSC_KHZ && (!x || x > UINT32_MAX))
			return fail(err, errlen, "--event: tsc_khz must be a positive kHz value");
		p->ev.action = (enum event_action)a;
		p->ev.value = x;
		p->nactions++;
		return 0;
	}
	return fail(err, errlen, "--event: unknown key '%s'", key);
}

int scenario_add_event(struct scenario *s, const char *spec, char *err, size_t errlen)
{
	struct ev_parse p;
	memset(&p, 0, sizeof(p));
	p.ev.vcpu = -1;
	char *text = strdup(spec);
	if (!text)
		return fail(err, errlen, "out of memory");
	int r = split_pairs(text, "--event", err, errlen, event_pair, &p);
	free(text);
	if (r)
		return -1;
	if (p.nactions != 1)
		return fail(err, errlen,
			    "--event: give exactly one of pause_ms=, set_tsc=, tsc_khz=, migrate=1");
	struct event_spec *n = realloc(s->events, (size_t)(s->nevents + 1) * sizeof(*n));
	if (!n)
		return fail(err, errlen, "out of memory");
	s->events = n;
	s->events[s->nevents++] = p.ev;
	return 0;
}

int scenario_load_file(struct scenario *s, const char *path, char *err, size_t errlen)
{
	/* A directory opens fine and reads as nothing: without these checks the
	 * built-in scenario would silently run instead of the user's. */
	FILE *f = fopen(path, "r");
	struct stat st;
	if (!f)
		return fail(err, errlen, "--scenario %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return fail(err, errlen, "--scenario %s: not a regular file", path);
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, ret = 0, nvms = s->nvms;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		char *e = p + strlen(p);
		while (e > p && isspace((unsigned char)e[-1]))
			*--e = 0;
		if (!*p)
			continue;
		if (!strncmp(p, "--", 2))
			p += 2;
		int is_event = 0;
		if (!strncmp(p, "vm", 2) && isspace((unsigned char)p[2]))
			p += 3;
		else if (!strncmp(p, "event", 5) && isspace((unsigned char)p[5]))
			p += 6, is_event = 1;
		while (isspace((unsigned char)*p))
			p++;
		char sub[256];
		if ((is_event ? scenario_add_event : scenario_add_vm)(s, p, sub, sizeof(sub))) {
			fail(err, errlen, "%s:%d: %s", path, lineno, sub);
			ret = -1;
			break;
		}
	}
	if (!ret && ferror(f))
		ret = fail(err, errlen, "--scenario %s: %s", path, strerror(errno));
	else if (!ret && s->nvms == nvms)
		ret = fail(err, errlen, "--scenario %s: defines no vm", path);
	free(line);
	fclose(f);
	return ret;
}

/* The built-in scenario: two VMs (forked), every mode, both APIC interfaces, a masked
 * timer, and all three run variants. */
static const char *const default_vms[] = {
	"name=alpha,vcpus=4,mode=periodic/oneshot/tscdeadline/periodic,x2apic=0/1/1/0,"
	"masked=0/0/0/1,run=hlt,period_us=10000",
	"name=beta,vcpus=4,mode=periodic/periodic/tscdeadline/oneshot,x2apic=1/0/0/1,"
	"masked=0,run=spin/cli-hlt/hlt/cli-hlt,period_us=1000/50/1000/1000,divide=16/1/16/128",
};

int scenario_add_default(struct scenario *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(default_vms) / sizeof(default_vms[0]); i++)
		if (scenario_add_vm(s, default_vms[i], err, errlen))
			return -1;
	s->is_default = 1;
	s->fork = 1;
	return 0;
}

int scenario_finish(struct scenario *s, char *err, size_t errlen)
{
	for (int i = 0; i < s->nevents; i++) {
		const struct event_spec *e = &s->events[i];
		int found = !e->vm[0];
		for (int v = 0; v < s->nvms; v++) {
			if (e->vm[0] && strcmp(e->vm, s->vms[v].name))
				continue;
			found = 1;
			if (e->vcpu >= s->vms[v].nvcpus)
				return fail(err, errlen, "--event #%d: vm %s has no vcpu %d", i,
					    s->vms[v].name, e->vcpu);
		}
		if (!found)
			return fail(err, errlen, "--event #%d: no vm named '%s'", i, e->vm);
	}
	return 0;
}

void scenario_free(struct scenario *s)
{
	for (int i = 0; i < s->nvms; i++)
		free(s->vms[i].vcpus);
	free(s->vms);
	free(s->events);
	memset(s, 0, sizeof(*s));
}
