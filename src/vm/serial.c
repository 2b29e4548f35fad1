// SPDX-License-Identifier: BSD-3-Clause
/*
 * The COM ports' host side, as --serial asks: where each port's output goes
 * (stdout, a file, syslog, a unix datagram socket) and what it reads (stdin,
 * an input= file). Everything is opened before KVM, so a missing file or
 * socket is bad input.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "vm/vm.h"

/* How long type=unix waits for its socket to appear (crosvm waits for it too). */
#define UNIX_WAIT_MS 5000

void vm_serial_close(struct x86_serial_out out[SERIAL_PORTS])
{
	for (int i = 0; i < SERIAL_PORTS; i++) {
		if (out[i].kind != SERIAL_OUT_SINK && out[i].fd != STDOUT_FILENO && out[i].fd >= 0)
			close(out[i].fd);
		out[i] = (struct x86_serial_out){SERIAL_OUT_SINK, -1};
	}
}

/*
 * type=unix: an unbound SOCK_DGRAM socket connected to path, as crosvm's. A
 * socket that does not exist yet, or refuses, is tried again for a while
 * (its reader may be starting with us). Returns the socket, or -1 logged.
 */
static int connect_unix(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	const struct timespec pause = {0, 10000000L}; /* 10 ms */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		log_err("--serial: socket: %s", strerror(errno));
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1); /* its length was checked by the parser */
	for (int waited = 0;; waited += 10) {
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		if ((errno != ENOENT && errno != ECONNREFUSED) || waited >= UNIX_WAIT_MS)
			break;
		nanosleep(&pause, NULL);
	}
	log_err("--serial: type=unix: cannot connect to '%s': %s", path, strerror(errno));
	close(fd);
	return -1;
}

static int open_output(const struct serial_config *sc, struct x86_serial_out *out)
{
	switch (sc->type) {
	case SERIAL_STDOUT:
		*out = (struct x86_serial_out){SERIAL_OUT_FD, STDOUT_FILENO};
		return 0;
	case SERIAL_FILE:
		out->fd = open(sc->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out->fd < 0) {
			log_err("--serial: cannot open '%s': %s", sc->path, strerror(errno));
			return -1;
		}
		out->kind = SERIAL_OUT_FD;
		return 0;
	case SERIAL_SYSLOG:
		out->kind = SERIAL_OUT_SYSLOG;
		return 0;
	case SERIAL_UNIX:
		out->fd = connect_unix(sc->path);
		if (out->fd < 0)
			return -1;
		out->kind = SERIAL_OUT_DATAGRAM;
		return 0;
	case SERIAL_SINK:
		return 0;
	}
	return 0;
}

/* Port i's input: stdin, the input= file, or none (-1 with *fd -1); -1 logged on failure. */
static int open_input(const struct serial_config *sc, int *fd)
{
	*fd = -1;
	if (sc->stdin_input)
		*fd = STDIN_FILENO;
	if (!sc->input)
		return 0;
	*fd = open(sc->input, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		log_err("--serial: input '%s': %s", sc->input, strerror(errno));
		return -1;
	}
	return 0;
}

int vm_serial_open(struct vm *vm, struct x86_serial_out out[SERIAL_PORTS])
{
	int in_fd, r, status = EXIT_BAD_INPUT;

	for (int i = 0; i < SERIAL_PORTS; i++)
		out[i] = (struct x86_serial_out){SERIAL_OUT_SINK, -1};
	for (int i = 0; i < SERIAL_PORTS; i++) {
		const struct serial_config *sc = &vm->cfg->serial[i];

		if (!sc->configured)
			continue;
		if (open_output(sc, &out[i]) || open_input(sc, &in_fd))
			goto fail;
		if (in_fd < 0)
			continue;
		/* The port itself is set up later; the feeder only keeps its address. */
		r = serial_stdin_init(&vm->serial_in[i], &vm->board.serial[i], in_fd);
		if (r) {
			log_err("eventfd: %s", strerror(-r));
			status = EXIT_RUNTIME;
			goto fail;
		}
	}
	return 0;
fail:
	vm_serial_close(out);
	vm_serial_stop_inputs(vm);
	return status;
}

void vm_serial_stop_inputs(struct vm *vm)
{
	for (int i = 0; i < SERIAL_PORTS; i++)
		serial_stdin_stop(&vm->serial_in[i]);
}
