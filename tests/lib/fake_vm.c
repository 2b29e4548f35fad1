// SPDX-License-Identifier: BSD-3-Clause
/* A fake VM on a control socket for client tests; see fake_vm.h. */
#define _GNU_SOURCE
#include "fake_vm.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control/control_lib.h"

long long fake_vm_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void die(const char *what)
{
	perror(what);
	abort();
}

static void serve_one(struct fake_vm *f, int c)
{
	uint8_t in[CTL_MAX_MSG + 1];
	struct pollfd p = {.fd = c, .events = POLLIN};
	const char *why;
	ssize_t n;

	if (poll(&p, 1, 2000) > 0) {
		n = recv(c, in, sizeof(in), MSG_DONTWAIT);
		f->requests++;
		if (n <= 0 || ctl_decode(in, (size_t)n, &f->req, &why))
			memset(&f->req, 0, sizeof(f->req));
	}
	if (f->mode == FAKE_VM_ANSWER)
		send(c, f->reply, f->reply_len, MSG_NOSIGNAL);
	if (f->mode == FAKE_VM_SILENT) {
		/* Until the client gives up (it closes its end). */
		p = (struct pollfd){.fd = c, .events = POLLIN};
		while (poll(&p, 1, 100) == 0 && !atomic_load(&f->stopping))
			;
	}
	close(c);
}

static void *server(void *arg)
{
	struct fake_vm *f = arg;

	for (;;) {
		struct pollfd p = {.fd = f->fd, .events = POLLIN};
		int c, r = poll(&p, 1, 50);

		if (atomic_load(&f->stopping) || (r < 0 && errno != EINTR))
			return NULL;
		if (r <= 0 || f->mode == FAKE_VM_BACKLOG)
			continue;
		c = accept4(f->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			serve_one(f, c);
	}
}

void fake_vm_start(struct fake_vm *f, const char *dir, enum fake_vm_mode mode)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	static int seq;

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->filler = -1;
	atomic_init(&f->stopping, false);
	snprintf(f->path, sizeof(f->path), "%s/vm%d.sock", dir, seq++);
	memcpy(a.sun_path, f->path, strlen(f->path));
	f->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(f->fd, mode == FAKE_VM_BACKLOG ? 0 : 8))
		die("fake_vm: listen");
	if (mode == FAKE_VM_BACKLOG) {
		/* Backlog 0 still queues one connection: this one, never accepted. */
		f->filler = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (f->filler < 0 || connect(f->filler, (struct sockaddr *)&a, sizeof(a)))
			die("fake_vm: filler");
	}
	if (pthread_create(&f->thread, NULL, server, f))
		die("fake_vm: thread");
}

void fake_vm_answer(struct fake_vm *f, const struct ctl_msg *m)
{
	int n = ctl_encode(m, f->reply, sizeof(f->reply));

	if (n < 0)
		die("fake_vm: encode");
	f->reply_len = (size_t)n;
}

void fake_vm_answer_raw(struct fake_vm *f, const void *bytes, size_t len)
{
	memcpy(f->reply, bytes, len);
	f->reply_len = len;
}

void fake_vm_stop(struct fake_vm *f)
{
	atomic_store(&f->stopping, true);
	pthread_join(f->thread, NULL);
	close(f->fd);
	if (f->filler >= 0)
		close(f->filler);
	unlink(f->path);
}

int fake_vm_setup(struct fake_vm *f, char *dir, const char *template)
{
	strcpy(dir, template);
	if (!mkdtemp(dir))
		return -1;
	fake_vm_start(f, dir, FAKE_VM_ANSWER);
	return 0;
}

int fake_vm_teardown(struct fake_vm *f, const char *dir)
{
	char cmd[128];

	fake_vm_stop(f);
	ctl_lib_set_timeout_ms(0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}
