// SPDX-License-Identifier: BSD-3-Clause
/* The control socket inside the VM process: set-up, accept, validate, dispatch. */
#define _GNU_SOURCE
#include "control/server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/log.h"

/* How long a connected client may take to send its request. */
#define CLIENT_TIMEOUT_MS 1000

void ctl_error(struct ctl_msg *resp, int err, const char *fmt, ...)
{
	va_list ap;

	memset(resp, 0, sizeof(*resp));
	resp->type = CTL_RESP_ERR;
	resp->u.error.err = err;
	va_start(ap, fmt);
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is just above
	vsnprintf(resp->u.error.text, sizeof(resp->u.error.text), fmt, ap);
	va_end(ap);
}

static int fill_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -1;
	memcpy(a->sun_path, path, strlen(path));
	return 0;
}

enum peer { PEER_NONE, PEER_LIVE, PEER_STUCK };

/*
 * Whether a VM listens on path: a stale socket file refuses the connection; a
 * listener whose queue stays full for timeout_ms (connect() waits as long as
 * SO_SNDTIMEO allows) is a stuck VM, still not ours to replace.
 */
static enum peer probe(const struct sockaddr_un *a, int timeout_ms)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000,
			     .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	enum peer p = PEER_NONE;

	if (fd < 0)
		return PEER_NONE;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0)
		p = PEER_LIVE;
	else if (errno == EAGAIN || errno == EINTR)
		p = PEER_STUCK;
	close(fd);
	return p;
}

int ctl_server_open(struct ctl_server *s, const char *path, int probe_timeout_ms, char *err,
		    size_t errlen)
{
	struct sockaddr_un a;
	struct stat st;
	enum peer peer;
	int n;

	s->fd = -1;
	s->path[0] = '\0';
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		n = snprintf(s->path, sizeof(s->path), "%s/crosvm-%d.sock", path, (int)getpid());
	else
		n = snprintf(s->path, sizeof(s->path), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(s->path) || fill_addr(&a, s->path)) {
		snprintf(err, errlen,
			 "--socket '%s': path too long for a unix socket (max %zu bytes)", path,
			 sizeof(s->path) - 1);
		s->path[0] = '\0';
		return -1;
	}
	if (lstat(s->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "--socket '%s': exists and is not a socket", s->path);
			s->path[0] = '\0';
			return -1;
		}
		peer = probe(&a, probe_timeout_ms);
		if (peer != PEER_NONE) {
			snprintf(err, errlen, "--socket '%s': a running VM already listens there%s",
				 s->path,
				 peer == PEER_STUCK ? " (it accepts no connection: stuck?)" : "");
			s->path[0] = '\0';
			return -1;
		}
		unlink(s->path); /* stale: its VM is gone */
	}
	s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s->fd, 8) < 0) {
		snprintf(err, errlen, "--socket '%s': %s", s->path, strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		s->path[0] = '\0';
		return -1;
	}
	return 0;
}

void ctl_server_close(struct ctl_server *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->path[0])
		unlink(s->path);
	s->path[0] = '\0';
}

int ctl_server_process(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		       const struct ctl_handler *h)
{
	struct ctl_msg req, resp;
	const char *why = NULL;

	memset(&resp, 0, sizeof(resp));
	if (ctl_decode(in, len, &req, &why))
		ctl_error(&resp, EINVAL, "malformed request: %s", why);
	else if (req.type >= CTL_RESP_OK)
		ctl_error(&resp, EINVAL, "malformed request: a response type was sent");
	else
		h->handle(h->opaque, &req, &resp);
	return ctl_encode(&resp, out, cap);
}

void ctl_server_serve(struct ctl_server *s, const struct ctl_handler *h)
{
	struct timeval tv = {.tv_sec = CLIENT_TIMEOUT_MS / 1000,
			     .tv_usec = (suseconds_t)(CLIENT_TIMEOUT_MS % 1000) * 1000};
	/* One byte more than the largest message, to tell "too long" from "just fits". */
	uint8_t in[CTL_MAX_MSG + 1], out[CTL_MAX_MSG];
	ssize_t n;
	int c, olen;

	c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return; /* spurious wake-up or a client that went away */
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = recv(c, in, sizeof(in), MSG_TRUNC);
	if (n < 0) {
		log_warn("control socket: no request from a client: %s", strerror(errno));
		close(c);
		return;
	}
	/* MSG_TRUNC reports the real datagram length: an oversized one fails validation. */
	if ((size_t)n > sizeof(in))
		n = sizeof(in);
	olen = ctl_server_process(in, (size_t)n, out, sizeof(out), h);
	if (olen > 0 && send(c, out, (size_t)olen, MSG_NOSIGNAL) < 0)
		log_warn("control socket: cannot answer: %s", strerror(errno));
	close(c);
}
