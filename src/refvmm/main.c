/* main.c — refvmm: a reference VMM that puts known LAPIC timer state into KVM.
 *
 * Runs the scenario's VMs in this process, or (--fork) one child process per VM.
 * Children talk to the parent over a socketpair, one line per message:
 *   child -> parent  "R <vm json>\n"   all vCPUs armed (manifest part, phase "ready")
 *                    "X <vm json>\n"   stopped (final part, phase "exit")
 *   parent -> child  8 bytes: CLOCK_MONOTONIC ns of "refvmm: ready" (events count from it)
 * The parent stops children with SIGTERM; a child dies with its parent (PDEATHSIG).
 * Exit status: 0 clean, 1 runtime failure, 2 bad arguments.
 */
#include "refvmm.h"
#include "kvm.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static const char usage_text[] =
	"usage: refvmm [--vm SPEC]... [--event SPEC]... [--scenario FILE] [--fork|--no-fork]\n"
	"              [--seconds N] [--manifest FILE] [--exit-manifest FILE]\n"
	"  --vm SPEC        a VM: comma-separated key=value; per-vCPU keys take a slash list\n"
	"                   cycling over the vCPUs.  VM keys: name vcpus tsc_khz.  vCPU keys:\n"
	"                   mode=periodic|oneshot|tscdeadline  period_us  tmict  divide\n"
	"                   deadline_ms  x2apic=0|1  masked=0|1  run=hlt|cli-hlt|spin  pin=CPU\n"
	"                   rearm=0|1\n"
	"  --event SPEC     at_ms=T,vm=NAME,vcpu=N and one of pause_ms=MS, set_tsc=VALUE,\n"
	"                   tsc_khz=KHZ, migrate=1 (vm/vcpu default: all; T counts from ready)\n"
	"  --scenario FILE  lines 'vm SPEC' or 'event SPEC'; '#' comments\n"
	"  --fork           one process per VM (default for the built-in scenario)\n"
	"  --no-fork        all VMs in this process\n"
	"  --seconds N      run N seconds after ready, then exit 0 (default: until SIGINT/SIGTERM)\n"
	"  --manifest FILE  ground truth JSON, written when every timer is armed\n"
	"  --exit-manifest FILE  the same, with the state read back after stopping\n"
	"Prints 'refvmm: ready' on stdout once the manifest is written.  Without --vm it runs\n"
	"the built-in scenario (see src/refvmm/README.md).\n";

static _Noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "refvmm: %s (see refvmm --help)\n", msg);
	exit(2);
}

static void announce_ready(void)
{
	fputs("refvmm: ready\n", stdout);
	fflush(stdout);
}

static void write_manifest_or_die(const char *path, const struct scenario *s, const char *phase,
				  char *const *parts, int n)
{
	int r = manifest_write(path, s, phase, parts, n);
	if (r)
		kvm_die("manifest", "cannot write %s: %s", path, strerror(-r));
}

/* Dispatch events and sleep until end_ns (UINT64_MAX: until stop_flag). */
static void event_loop(struct group *g, uint64_t end_ns)
{
	while (!stop_flag) {
		uint64_t now = now_ns();
		if (now >= end_ns)
			break;
		group_dispatch_events(g, now);
		uint64_t next = group_next_event_ns(g);
		if (next > end_ns)
			next = end_ns;
		if (next > now + 100000000u)
			next = now + 100000000u;
		if (next > now) {
			struct timespec ts = { (time_t)((next - now) / 1000000000u),
					       (long)((next - now) % 1000000000u) };
			nanosleep(&ts, NULL);
		}
	}
}

static char *vm_parts(struct group *g, int final, char **parts)
{
	for (int i = 0; i < g->nvms; i++) {
		struct strbuf b = { 0 };
		manifest_vm_json(&b, &g->vms[i], final);
		parts[i] = b.s;
	}
	return NULL;
}

static void free_parts(char **parts, int n)
{
	for (int i = 0; i < n; i++) {
		free(parts[i]);
		parts[i] = NULL;
	}
}

static int run_in_process(struct scenario *s)
{
	struct group g;
	char **parts = calloc((size_t)s->nvms, sizeof(*parts));
	if (!parts)
		kvm_die("setup", "out of memory");
	group_init(&g, s, s->vms, s->nvms);
	group_start(&g);
	if (group_wait_armed(&g, &stop_flag) == 0) {
		if (s->manifest) {
			vm_parts(&g, 0, parts);
			write_manifest_or_die(s->manifest, s, "ready", parts, s->nvms);
			free_parts(parts, s->nvms);
		}
		uint64_t t0 = now_ns();
		atomic_store(&g.t_ready_ns, t0);
		announce_ready();
		event_loop(&g, s->seconds >= 0 ? t0 + (uint64_t)s->seconds * 1000000000u : UINT64_MAX);
	}
	group_stop(&g);
	if (s->exit_manifest) {
		vm_parts(&g, 1, parts);
		write_manifest_or_die(s->exit_manifest, s, "exit", parts, s->nvms);
		free_parts(parts, s->nvms);
	}
	group_destroy(&g);
	free(parts);
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void send_part(int fd, char tag, struct group *g, int final)
{
	struct strbuf b = { 0 };
	sb_printf(&b, "%c ", tag);
	manifest_vm_json(&b, &g->vms[0], final);
	sb_printf(&b, "\n");
	if (write_all(fd, b.s, b.len))
		kvm_die("child", "lost the parent: %s", strerror(errno));
	sb_free(&b);
}

/* A --fork child: VM number vm_index, talking to the parent on fd. */
static int run_child(struct scenario *s, int vm_index, int fd)
{
	struct group g;
	group_init(&g, s, &s->vms[vm_index], 1);
	group_start(&g);
	if (group_wait_armed(&g, &stop_flag) == 0) {
		send_part(fd, 'R', &g, 0);
		uint64_t t0;
		size_t got = 0;
		while (got < sizeof(t0) && !stop_flag) {
			ssize_t n = read(fd, (char *)&t0 + got, sizeof(t0) - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got == sizeof(t0)) {
			atomic_store(&g.t_ready_ns, t0);
			event_loop(&g, UINT64_MAX);
		}
	}
	group_stop(&g);
	send_part(fd, 'X', &g, 1);
	group_destroy(&g);
	return 0;
}

struct child {
	pid_t pid;
	int fd;
	FILE *in;
	char *ready, *final;
	int status, reaped;
};

/* Read one tagged line from a child; returns the tag, 0 on EOF, -1 if interrupted. */
static int child_read_line(struct child *c)
{
	char *line = NULL;
	size_t cap = 0;
	errno = 0;
	ssize_t n = getline(&line, &cap, c->in);
	if (n < 0) {
		int eintr = errno == EINTR;
		clearerr(c->in);
		free(line);
		return eintr ? -1 : 0;
	}
	if (n < 3 || line[1] != ' ') {
		free(line);
		return 0;
	}
	if (line[n - 1] == '\n')
		line[n - 1] = 0;
	char tag = line[0];
	char *payload = strdup(line + 2);
	free(line);
	if (tag == 'R') {
		free(c->ready);
		c->ready = payload;
	} else if (tag == 'X') {
		free(c->final);
		c->final = payload;
	} else {
		free(payload);
		return 0;
	}
	return tag;
}

#define CHILD_STOP_MS 10000

/* child_read_line once a line is there before deadline (CLOCK_MONOTONIC
 * ns): the tag, 0 on EOF, -1 if interrupted, -2 on timeout.  Bytes already
 * in c->in's buffer count as there (glibc's FILE read pointers: poll on the
 * fd alone would miss them). */
static int child_wait_line(struct child *c, uint64_t deadline)
{
	for (;;) {
		if (c->in->_IO_read_ptr < c->in->_IO_read_end)
			return child_read_line(c);
		uint64_t now = now_ns();
		if (now >= deadline)
			return -2;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		uint64_t left_ms = (deadline - now) / 1000000u + 1;
		int r = poll(&p, 1, left_ms > 1000 ? 1000 : (int)left_ms);
		if (r > 0)
			return child_read_line(c);
		if (r < 0 && errno != EINTR)
			return 0;
	}
}

static void child_reap(struct child *c)
{
	if (c->reaped)
		return;
	while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	c->reaped = 1;
}

static int child_failed(struct child *c)
{
	return !c->reaped || !WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0;
}

static int run_forked(struct scenario *s)
{
	int n = s->nvms, rc = 0;
	struct child *ch = calloc((size_t)n, sizeof(*ch));
	char **parts = calloc((size_t)n, sizeof(*parts));
	if (!ch || !parts)
		kvm_die("setup", "out of memory");
	pid_t parent = getpid();
	fflush(NULL);
	for (int i = 0; i < n; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			kvm_die("setup", "socketpair: %s", strerror(errno));
		pid_t pid = fork();
		if (pid < 0)
			kvm_die("setup", "fork: %s", strerror(errno));
		if (pid == 0) {
			close(sv[0]);
			for (int j = 0; j < i; j++)
				fclose(ch[j].in);
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(1);
			free(ch);
			free(parts);
			int crc = run_child(s, i, sv[1]);
			scenario_free(s);
			exit(crc);
		}
		close(sv[1]);
		ch[i].pid = pid;
		ch[i].fd = sv[0];
		ch[i].in = fdopen(sv[0], "r");
		if (!ch[i].in)
			kvm_die("setup", "fdopen: %s", strerror(errno));
	}

	/* Ready: every child's part, in VM order. */
	for (int i = 0; i < n && !stop_flag && !rc; i++) {
		int tag;
		while ((tag = child_read_line(&ch[i])) < 0 && !stop_flag)
			;
		if (tag == 'R')
			continue;
		if (stop_flag)
			break;
		child_reap(&ch[i]);
		fprintf(stderr, "refvmm: vm %s: child process %d failed before ready\n",
			s->vms[i].name, (int)ch[i].pid);
		rc = 1;
	}
	if (!rc && !stop_flag) {
		for (int i = 0; i < n; i++)
			parts[i] = ch[i].ready;
		if (s->manifest)
			write_manifest_or_die(s->manifest, s, "ready", parts, n);
		uint64_t t0 = now_ns();
		for (int i = 0; i < n; i++)
			write_all(ch[i].fd, &t0, sizeof(t0));
		announce_ready();
		uint64_t end = s->seconds >= 0 ? t0 + (uint64_t)s->seconds * 1000000000u : UINT64_MAX;
		struct pollfd *pfd = calloc((size_t)n, sizeof(*pfd));
		if (!pfd)
			kvm_die("setup", "out of memory");
		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = ch[i].fd, .events = POLLIN };
		while (!stop_flag && !rc) {
			uint64_t now = now_ns();
			if (now >= end)
				break;
			uint64_t left_ms = (end - now) / 1000000u + 1;
			int r = poll(pfd, (nfds_t)n, left_ms > 200 ? 200 : (int)left_ms);
			for (int i = 0; r > 0 && i < n; i++) {
				if (!pfd[i].revents)
					continue;
				/* A child speaks or hangs up only when it stops: it died. */
				child_reap(&ch[i]);
				fprintf(stderr, "refvmm: vm %s: child process %d ended unexpectedly\n",
					s->vms[i].name, (int)ch[i].pid);
				rc = 1;
				break;
			}
		}
		free(pfd);
	}

	/* Stop: SIGTERM every child, collect final parts, reap.  A child that
	 * does not finish within CHILD_STOP_MS (stuck in KVM_RUN, deadlocked) is
	 * killed: shutdown never hangs on it. */
	for (int i = 0; i < n; i++)
		if (!ch[i].reaped)
			kill(ch[i].pid, SIGTERM);
	uint64_t deadline = now_ns() + (uint64_t)CHILD_STOP_MS * 1000000u;
	for (int i = 0; i < n; i++) {
		int tag;
		do
			tag = child_wait_line(&ch[i], deadline);
		while (tag == 'R' || tag == -1);
		if (tag == -2) {
			fprintf(stderr, "refvmm: vm %s: child process %d did not stop within %d ms: killed\n",
				s->vms[i].name, (int)ch[i].pid, CHILD_STOP_MS);
			kill(ch[i].pid, SIGKILL);
		}
		child_reap(&ch[i]);
		if (child_failed(&ch[i]))
			rc = 1;
		fclose(ch[i].in);
	}
	if (s->exit_manifest && !rc) {
		for (int i = 0; i < n; i++)
			parts[i] = ch[i].final;
		write_manifest_or_die(s->exit_manifest, s, "exit", parts, n);
	}
	for (int i = 0; i < n; i++) {
		free(ch[i].ready);
		free(ch[i].final);
	}
	free(parts);
	free(ch);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'v' },
		{ "event", required_argument, NULL, 'e' },
		{ "scenario", required_argument, NULL, 'f' },
		{ "fork", no_argument, NULL, 'F' },
		{ "no-fork", no_argument, NULL, 'N' },
		{ "seconds", required_argument, NULL, 's' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "exit-manifest", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct scenario s;
	char err[512];
	int fork_opt = -1;
	scenario_init(&s);
	opterr = 0;
	for (;;) {
		int o = getopt_long(argc, argv, "+:h", opts, NULL);
		if (o < 0)
			break;
		char *end;
		switch (o) {
		case 'v':
			if (scenario_add_vm(&s, optarg, err, sizeof(err)))
				usage_error("%s", err);
			break;
		case 'e':
			if (scenario_add_event(&s, optarg, err, sizeof(err)))
				usage_error("%s", err);
			break;
		case 'f':
			if (scenario_load_file(&s, optarg, err, sizeof(err)))
				usage_error("%s", err);
			break;
		case 'F': fork_opt = 1; break;
		case 'N': fork_opt = 0; break;
		case 's':
			errno = 0;
			s.seconds = strtol(optarg, &end, 10);
			if (errno || *end || !*optarg || s.seconds < 0 || s.seconds > 100000000)
				usage_error("--seconds needs a whole number of seconds, got '%s'", optarg);
			break;
		case 'm': s.manifest = optarg; break;
		case 'x': s.exit_manifest = optarg; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			usage_error("option %s needs a value", argv[optind - 1]);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!s.nvms && scenario_add_default(&s, err, sizeof(err)))
		usage_error("default scenario: %s", err);
	if (fork_opt >= 0)
		s.fork = fork_opt;
	if (scenario_finish(&s, err, sizeof(err)))
		usage_error("%s", err);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;	/* no SA_RESTART: sleeps and reads must wake up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int rc = s.fork ? run_forked(&s) : run_in_process(&s);
	scenario_free(&s);
	return rc;
}
