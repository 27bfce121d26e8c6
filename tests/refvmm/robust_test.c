// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * robust_test — refvmm's file and process handling under hostile conditions
 * (issue #13), without /dev/kvm.  Includes src/refvmm/main.c to reach its
 * static helpers (its main() renamed).  TAP lines.
 *   1. manifest_write() with "<path>.tmp" a symlink to a victim file: the
 *      victim is untouched, the manifest is a new 0644 file.
 *   2. child_wait_line() on a child that ignores SIGTERM and never answers:
 *      it gives up at the deadline (-2) instead of blocking shutdown forever.
 */
#define main refvmm_main
#include "../../src/refvmm/main.c"
#undef main
#include <sys/stat.h>

static int n, failed;

static void ok(int cond, const char *what)
{
	printf("%s %d - %s\n", cond ? "ok" : "not ok", ++n, what);
	failed += !cond;
}

static void test_manifest_symlink(void)
{
	char dir[] = "/tmp/refvmm-robust-XXXXXX", victim[64], link[80], path[64], buf[64];
	struct scenario s;
	struct stat st;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	snprintf(link, sizeof(link), "%s.tmp", path);
	FILE *f = fopen(victim, "w");
	fputs("precious\n", f);
	fclose(f);
	if (symlink(victim, link)) {
		ok(0, "symlink");
		return;
	}
	scenario_init(&s);
	int r = manifest_write(path, &s, "ready", NULL, 0);
	f = fopen(victim, "r");
	buf[0] = 0;
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	ok(r == 0 && !strcmp(buf, "precious\n"),
	   "manifest_write: a symlink at <path>.tmp is not followed (victim untouched)");
	ok(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644,
	   "manifest_write: the manifest is a new regular file, mode 0644");
	f = fopen(path, "r");
	ok(f && fgets(buf, sizeof(buf), f) && !strncmp(buf, "{\"tool\":\"refvmm\"", 16),
	   "manifest_write: the manifest holds the document");
	if (f)
		fclose(f);
	scenario_free(&s);
	unlink(path);
	unlink(link);
	unlink(victim);
	rmdir(dir);
}

static void test_hung_child(void)
{
	int sv[2];
	struct child c = { 0 };

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		ok(0, "socketpair");
		return;
	}
	/* Ignored before fork, so the child is born ignoring it (no race with
	 * kill()); only the parent restores its own disposition: a child that
	 * restored it too would die of the SIGTERM when it lands after that. */
	void (*old)(int) = signal(SIGTERM, SIG_IGN);
	pid_t pid = fork();
	if (pid < 0) {
		signal(SIGTERM, old);
		ok(0, "fork");
		return;
	}
	if (pid > 0)
		signal(SIGTERM, old);
	if (pid == 0) {
		close(sv[0]);
		for (;;)
			pause();	/* hung: never answers, never exits */
	}
	close(sv[1]);
	c.pid = pid;
	c.fd = sv[0];
	c.in = fdopen(sv[0], "r");
	kill(pid, SIGTERM);
	uint64_t t0 = now_ns();
	int tag = child_wait_line(&c, t0 + 500000000u);
	uint64_t ms = (now_ns() - t0) / 1000000u;
	ok(tag == -2 && ms >= 450 && ms < 3000,
	   "child_wait_line: a child that ignores SIGTERM is given up on at the deadline");
	if (tag != -2)
		printf("# child_wait_line gave %d after %llu ms\n", tag, (unsigned long long)ms);
	kill(pid, SIGKILL);
	child_reap(&c);
	ok(c.reaped && WIFSIGNALED(c.status) && WTERMSIG(c.status) == SIGKILL,
	   "the hung child is killed and reaped");
	if (!WIFSIGNALED(c.status) || WTERMSIG(c.status) != SIGKILL)
		printf("# child %d: wait status %#x\n", (int)pid, c.status);
	fclose(c.in);
}

int main(void)
{
	test_manifest_symlink();
	test_hung_child();
	printf("# %d tests, %d failed\n", n, failed);
	return failed != 0;
}
