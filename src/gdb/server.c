// SPDX-License-Identifier: BSD-3-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb/server.h"

int gdb_listen(uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_in a;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "--gdb: socket: %s", strerror(errno));
		return -errno;
	}
	/* A debugger's old connection in TIME_WAIT must not block a restart. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
		int e = errno;

		if (e == EADDRINUSE)
			snprintf(err, errlen, "--gdb: port %u on 127.0.0.1 is in use", port);
		else
			snprintf(err, errlen, "--gdb: cannot listen on 127.0.0.1:%u: %s", port,
				 strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

void gdb_conn_init(struct gdb_conn *c, int fd)
{
	c->fd = fd;
	gdb_decoder_init(&c->dec);
	c->in_pos = c->in_len = 0;
	c->last_len = 0;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int gdb_conn_send(struct gdb_conn *c, const char *payload, size_t len)
{
	int n = gdb_encode(payload, len, c->last, sizeof(c->last));

	if (n < 0)
		return n;
	c->last_len = (size_t)n;
	return send_all(c->fd, c->last, c->last_len);
}

enum gdb_serve gdb_conn_serve(struct gdb_conn *c, struct gdb_session *s)
{
	for (;;) {
		enum gdb_event e;
		enum gdb_action a;
		size_t rlen;

		if (c->in_pos == c->in_len) {
			ssize_t n = recv(c->fd, c->in, sizeof(c->in), 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return GDB_SERVE_GONE;
			c->in_pos = 0;
			c->in_len = (size_t)n;
		}
		e = gdb_decoder_feed(&c->dec, c->in[c->in_pos++]);
		switch (e) {
		case GDB_EV_NONE:
		case GDB_EV_ACK:
			continue;
		case GDB_EV_INTERRUPT:
			return GDB_SERVE_INTERRUPT;
		case GDB_EV_NACK:
			if (c->last_len && send_all(c->fd, c->last, c->last_len))
				return GDB_SERVE_GONE;
			continue;
		case GDB_EV_BAD_SUM:
			if (send_all(c->fd, "-", 1))
				return GDB_SERVE_GONE;
			continue;
		case GDB_EV_MALFORMED:
			if (send_all(c->fd, "+", 1) || gdb_conn_send(c, "E01", 3))
				return GDB_SERVE_GONE;
			continue;
		case GDB_EV_PACKET:
			break;
		}
		if (send_all(c->fd, "+", 1))
			return GDB_SERVE_GONE;
		a = gdb_handle(s, (const char *)c->dec.buf, c->dec.len, c->reply, sizeof(c->reply),
			       &rlen);
		switch (a) {
		case GDB_ACT_REPLY:
			if (gdb_conn_send(c, c->reply, rlen))
				return GDB_SERVE_GONE;
			continue;
		case GDB_ACT_CONTINUE:
			return GDB_SERVE_CONTINUE;
		case GDB_ACT_STEP:
			return GDB_SERVE_STEP;
		case GDB_ACT_DETACH:
			gdb_conn_send(c, c->reply, rlen);
			return GDB_SERVE_DETACH;
		case GDB_ACT_KILL:
			return GDB_SERVE_KILL;
		}
	}
}
