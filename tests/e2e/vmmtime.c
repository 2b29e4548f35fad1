/*
 * vmmtime - run a VMM, time it to a console marker and measure its memory.
 *
 * usage: vmmtime [-t TIMEOUT_S] [-g GRACE_S] [-o LOG] MARKER -- COMMAND [ARG]...
 *
 * Runs COMMAND with stdin from /dev/null and stdout+stderr into a pipe,
 * copies its output to LOG (default: discarded), and watches it for
 * MARKER. When the marker appears it records the time since launch and
 * the child's VmHWM (peak RSS so far, from /proc/PID/status). After the
 * marker the child gets GRACE_S seconds (default 10) to exit by itself,
 * then is killed; it is also killed after TIMEOUT_S seconds (default 120).
 * Prints one line:
 *
 *   VMMTIME marker=1|0 marker_s=S hwm_kb=N pss_kb=N nproc=N maxrss_kb=N exit=STATUS killed=0|1
 *
 * pss_kb is the proportional set size (smaps_rollup Pss) at the marker summed
 * over the child and all its descendants: a VMM that splits into processes
 * sharing guest memory is counted once, fairly against a single process.
 * hwm_kb is the peak RSS (of the child alone) at the marker, maxrss_kb the peak RSS over the
 * whole life of the child (getrusage), exit is the exit status or
 * 128+signal. Exits 0 when the marker was seen, 1 otherwise, 2 on usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The kB value of the line starting with key in /proc/PID/file, or -1. */
static long proc_kb(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0) {
			kb = strtol(line + klen, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* Adds pid's and its descendants' Pss to *kb; counts them in *n. */
static void tree_pss(pid_t pid, long *kb, int *n, int depth)
{
	char path[64];
	long pss = proc_kb(pid, "smaps_rollup", "Pss:");
	FILE *f;
	int c;

	if (pss > 0)
		*kb += pss;
	(*n)++;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "r");
	if (!f || depth > 8) {
		if (f)
			fclose(f);
		return;
	}
	while (fscanf(f, "%d", &c) == 1)
		tree_pss(c, kb, n, depth + 1);
	fclose(f);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vmmtime [-t TIMEOUT_S] [-g GRACE_S] [-o LOG] MARKER -- COMMAND [ARG]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double timeout = 120, grace = 10, t0, marker_t = -1, deadline;
	const char *logpath = NULL, *marker;
	int opt, pfd[2], logfd = -1, status = 0, killed = 0, exited = 0;
	long hwm = -1, pss = 0;
	int nproc = 0;
	size_t mlen, keep = 0;
	char *win;
	struct rusage ru;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+t:g:o:")) != -1) {
		switch (opt) {
		case 't':
			timeout = atof(optarg);
			break;
		case 'g':
			grace = atof(optarg);
			break;
		case 'o':
			logpath = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0)
		usage();
	marker = argv[optind];
	mlen = strlen(marker);
	if (mlen == 0)
		usage();
	argv += optind + 2;

	if (logpath) {
		logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (logfd < 0) {
			perror(logpath);
			return 2;
		}
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		perror("pipe2");
		return 2;
	}
	/* The search window: the last mlen-1 bytes plus one read. */
	win = malloc(mlen + 4096);
	if (!win)
		return 2;

	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "vmmtime: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(pfd[1]);
	deadline = t0 + timeout;

	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		double left = deadline - now();
		int r;

		if (pfd[0] >= 0) {
			if (left <= 0)
				break;
			r = poll(&p, 1, left > 0.5 ? 500 : (int)(left * 1000) + 1);
			if (r < 0 && errno != EINTR)
				break;
			if (r > 0) {
				ssize_t n = read(pfd[0], win + keep, 4096);

				if (n <= 0) {
					close(pfd[0]);
					pfd[0] = -1;
				} else {
					if (logfd >= 0 && write(logfd, win + keep, (size_t)n) < 0)
						logfd = -1;
					keep += (size_t)n;
					if (marker_t < 0 && memmem(win, keep, marker, mlen)) {
						marker_t = now() - t0;
						hwm = proc_kb(pid, "status", "VmHWM:");
						tree_pss(pid, &pss, &nproc, 0);
						if (deadline > now() + grace)
							deadline = now() + grace;
					}
					if (keep >= mlen) {
						memmove(win, win + keep - (mlen - 1), mlen - 1);
						keep = mlen - 1;
					}
				}
			}
		} else {
			/* Output closed: wait for the exit, up to the deadline. */
			if (now() >= deadline)
				break;
			usleep(20000);
		}
		r = wait4(pid, &status, WNOHANG, &ru);
		if (r == pid) {
			exited = 1;
			break;
		}
	}
	if (!exited) {
		killed = 1;
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	if (!exited && wait4(pid, &status, 0, &ru) < 0)
		memset(&ru, 0, sizeof(ru));
	printf("VMMTIME marker=%d marker_s=%.3f hwm_kb=%ld pss_kb=%ld nproc=%d maxrss_kb=%ld "
	       "exit=%d "
	       "killed=%d\n",
	       marker_t >= 0, marker_t >= 0 ? marker_t : 0.0, hwm, pss, nproc, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), killed);
	return marker_t >= 0 ? 0 : 1;
}
