/* refvmm.h — the reference VMM's scenario model and runtime state.
 *
 * scenario.c turns --vm/--event/--scenario text into struct scenario (every vCPU's
 * timer fully resolved: TMICT, divide, the period KVM will use); vm.c builds the VMs
 * and runs one thread per vCPU; manifest.c renders the ground truth as JSON; main.c
 * parses the command line and runs the VMs in one process or one process per VM.
 */
#ifndef REFVMM_H
#define REFVMM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#define REFVMM_NAME_MAX 32
#define APIC_BUS_CYCLE_NS 1 /* KVM's APIC_BUS_CYCLE_NS_DEFAULT */
#define KVM_MIN_TIMER_PERIOD_US_DEFAULT 200

enum timer_mode { MODE_PERIODIC, MODE_ONESHOT, MODE_TSCDEADLINE };
enum run_variant { RUNV_HLT, RUNV_CLI_HLT, RUNV_SPIN };

const char *timer_mode_name(enum timer_mode m);
const char *run_variant_name(enum run_variant r);

/* One vCPU's timer, resolved from the scenario. */
struct vcpu_spec {
	enum timer_mode mode;
	enum run_variant run;
	int masked, x2apic, rearm;
	int pin;		/* host CPU for the vCPU thread; -1: not pinned */
	uint32_t tmict;		/* unit: APIC bus cycles; 0 in TSC-deadline mode */
	uint32_t divide;	/* 1, 2, 4 ... 128 */
	uint64_t period_ns;	/* what KVM uses: tmict*divide, clamped up for periodic; 0 for tscdeadline */
	uint64_t deadline_ns;	/* oneshot/tscdeadline: first expiry after arming; 0 for periodic */
};

struct vm_spec {
	char name[REFVMM_NAME_MAX];
	int nvcpus;
	uint32_t tsc_khz;	/* KVM_SET_TSC_KHZ before running; 0: leave KVM's default */
	struct vcpu_spec *vcpus;
};

enum event_action { EV_PAUSE, EV_SET_TSC, EV_TSC_KHZ, EV_MIGRATE };
const char *event_action_name(enum event_action a);

struct event_spec {
	uint64_t at_ms;		/* after "refvmm: ready" */
	char vm[REFVMM_NAME_MAX]; /* "" = every VM */
	int vcpu;		/* -1 = every vCPU of the VM */
	enum event_action action;
	uint64_t value;		/* pause: ms; set_tsc: TSC value; tsc_khz: kHz; migrate: 1 */
};

struct scenario {
	struct vm_spec *vms;
	int nvms;
	struct event_spec *events;
	int nevents;
	int fork;		/* one process per VM */
	int is_default;
	long seconds;		/* -1: until SIGINT/SIGTERM */
	const char *manifest, *exit_manifest;
	unsigned min_timer_period_us; /* /sys/module/kvm/parameters/min_timer_period_us */
	int min_timer_period_known;
};

/* scenario.c.  Parse errors return -1 with a one-line message in err. */
void scenario_init(struct scenario *s);
int scenario_add_vm(struct scenario *s, const char *spec, char *err, size_t errlen);
int scenario_add_event(struct scenario *s, const char *spec, char *err, size_t errlen);
int scenario_load_file(struct scenario *s, const char *path, char *err, size_t errlen);
int scenario_add_default(struct scenario *s, char *err, size_t errlen);
int scenario_finish(struct scenario *s, char *err, size_t errlen);
void scenario_free(struct scenario *s);
uint32_t tdcr_from_divide(uint32_t divide);
uint32_t divide_from_tdcr(uint32_t tdcr);

/* ---- runtime (vm.c) ---- */

/* LAPIC and TSC state of a vCPU as read back from KVM at one moment. */
struct vcpu_snap {
	int valid;
	struct kvm_lapic_state lapic;	/* KVM_GET_LAPIC */
	uint64_t apic_base;		/* MSR 0x1b */
	uint64_t tscdeadline_msr;	/* MSR 0x6e0 (0 once fired or when not armed) */
	uint64_t tsc;			/* MSR 0x10 */
	uint64_t t_ns;			/* CLOCK_MONOTONIC when read */
	uint32_t ticks;			/* guest counter when read */
};

struct event_log {
	int event;		/* index into scenario.events */
	int vcpu;
	uint64_t done_ms;	/* after ready */
	char result[160];	/* "done", "unsupported: ...", "failed: ..." */
};

struct vm_rt;

struct vcpu_rt {
	struct vm_rt *vm;
	int id;
	const struct vcpu_spec *spec;
	int fd;
	struct kvm_run *run;
	uint8_t *page;		/* host view of the vCPU page */
	pthread_t thread;
	int started;
	_Atomic pid_t tid;
	uint64_t tsc_khz;	/* KVM_GET_TSC_KHZ */
	uint64_t tsc_delta;	/* TSC-deadline: deadline_ns in TSC cycles */
	uint64_t tsc_deadline;	/* TSC-deadline: value the guest wrote (after arming) */
	uint64_t armed_ns;	/* CLOCK_MONOTONIC when the guest reported "armed" */
	int restarts;		/* triple faults survived (vm.c) */
	struct vcpu_snap armed, final;
	_Atomic int stop;
	pthread_mutex_t qlock;	/* protects evq */
	int evq[16], nevq;
};

struct group;

struct vm_rt {
	struct group *g;
	const struct vm_spec *spec;
	const struct scenario *scn;
	int index;
	int fd;
	uint8_t *mem;
	size_t mem_size;
	struct vcpu_rt *vcpus;
	pthread_mutex_t loglock;
	struct event_log *log;
	int nlog, caplog;
};

/* Process-wide state shared by the vCPU threads of every VM in this process. */
struct group {
	int kvm_fd;
	int cap_tsc_control;
	struct kvm_cpuid2 *cpuid;
	int run_size;
	const struct scenario *scn;
	struct vm_rt *vms;
	int nvms;
	int total_vcpus;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int armed;		/* vCPUs that reported "armed" */
	_Atomic uint64_t t_ready_ns; /* CLOCK_MONOTONIC of "ready"; 0 until then */
	unsigned char *dispatched; /* per scenario event: already queued */
};

uint64_t now_ns(void);
void group_init(struct group *g, const struct scenario *scn, struct vm_spec *vms, int nvms);
void group_start(struct group *g);	/* create VMs and start vCPU threads; exits 1 on error */
int group_wait_armed(struct group *g, volatile int *stop_flag); /* 0, or -1 if stopped */
void group_dispatch_events(struct group *g, uint64_t now); /* events due by now */
uint64_t group_next_event_ns(const struct group *g);       /* UINT64_MAX if none */
void group_stop(struct group *g);	/* stop and join all vCPU threads (final snapshots) */
void group_destroy(struct group *g);

/* ---- manifest.c ---- */
struct strbuf {
	char *s;
	size_t len, cap;
};
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_json_str(struct strbuf *b, const char *s);
void sb_free(struct strbuf *b);

/* One VM object of the manifest ("pid", "name", "vcpus", ...), on one line.
 * final = 0: the state when armed; 1: the state after stopping. */
void manifest_vm_json(struct strbuf *b, const struct vm_rt *vm, int final);
/* Write {"tool":..., "vms":[parts...], "events":[...]} to path atomically (tmp + rename).
 * Returns 0 or -errno. */
int manifest_write(const char *path, const struct scenario *s, const char *phase,
		   char *const *parts, int nparts);

#endif
