// SPDX-License-Identifier: BSD-3-Clause
/* One request to a VM's control socket, with a deadline over every step. */
#define _GNU_SOURCE
#include "control/client.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/reply.h"

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Milliseconds left before deadline, at least 1 (0 would mean "no timeout" to SO_SNDTIMEO). */
static int left_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left < 1 ? 1 : left > INT32_MAX ? INT32_MAX : (int)left;
}

static void set_send_timeout(int fd, int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000};

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/*
 * Connects before the deadline. A unix socket's connect() waits for room in
 * the listener's queue for as long as SO_SNDTIMEO allows, then fails EAGAIN.
 */
static int connect_timed(int fd, const char *path, int64_t deadline, int timeout_ms, char *err,
			 size_t errlen)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int r;

	memcpy(a.sun_path, path, strlen(path));
	set_send_timeout(fd, left_ms(deadline));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return 0;
	if (errno == EAGAIN || errno == EINPROGRESS) {
		snprintf(err, errlen,
			 "the VM at '%s' accepted no connection within %d s (it is stuck or its "
			 "queue is full)",
			 path, timeout_ms / 1000);
		return -ETIMEDOUT;
	}
	r = errno;
	snprintf(err, errlen, "no VM at '%s': %s", path, strerror(r));
	return -r;
}

/* Waits for the answer datagram until the deadline; returns its length or -errno. */
static ssize_t receive(int fd, uint8_t *buf, size_t cap, const char *path, int64_t deadline,
		       int timeout_ms, char *err, size_t errlen)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;
	int r;

	do {
		r = poll(&p, 1, left_ms(deadline));
	} while (r < 0 && errno == EINTR && now_ms() < deadline);
	if (r <= 0) {
		snprintf(err, errlen, "no answer from the VM at '%s' within %d s", path,
			 timeout_ms / 1000);
		return -ETIMEDOUT;
	}
	/* MSG_TRUNC: the real length, so that an oversized answer fails validation. */
	n = recv(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0) {
		r = errno;
		snprintf(err, errlen, "cannot read the answer from '%s': %s", path, strerror(r));
		return -r;
	}
	if (n == 0) {
		snprintf(err, errlen, "the VM at '%s' closed the connection without answering",
			 path);
		return -EPROTO;
	}
	return (size_t)n > cap ? (ssize_t)cap : n;
}

int ctl_transact(const char *path, const struct ctl_msg *req, struct ctl_msg *resp, int timeout_ms,
		 char *err, size_t errlen)
{
	/* One byte more than the largest message tells "too long" from "just fits". */
	uint8_t buf[CTL_MAX_MSG + 1];
	int64_t deadline = now_ms() + timeout_ms;
	const char *why;
	char detail[256];
	ssize_t n;
	int fd, len, r;

	memset(resp, 0, sizeof(*resp));
	if (!path || !*path) {
		snprintf(err, errlen, "the socket path is empty");
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "socket path '%.64s...' is too long (at most %zu bytes)",
			 path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	len = ctl_encode(req, buf, sizeof(buf));
	if (len < 0 || !ctl_reply_type(req->type)) {
		snprintf(err, errlen, "not a request (type %#x)", req->type);
		return -EINVAL;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = errno;
		snprintf(err, errlen, "socket for '%s': %s", path, strerror(r));
		return -r;
	}
	r = connect_timed(fd, path, deadline, timeout_ms, err, errlen);
	if (r)
		goto out;
	set_send_timeout(fd, left_ms(deadline));
	if (send(fd, buf, (size_t)len, MSG_NOSIGNAL) != len) {
		r = errno == EAGAIN ? -ETIMEDOUT : -errno;
		snprintf(err, errlen, "cannot send to '%s': %s", path, strerror(-r));
		goto out;
	}
	n = receive(fd, buf, sizeof(buf), path, deadline, timeout_ms, err, errlen);
	if (n < 0) {
		r = (int)n;
		goto out;
	}
	if (ctl_decode(buf, (size_t)n, resp, &why)) {
		snprintf(err, errlen, "bad answer from '%s': %s", path, why);
		r = -EPROTO;
		goto out;
	}
	r = ctl_reply_check(req->type, resp, detail, sizeof(detail));
	if (r)
		snprintf(err, errlen, "%s", detail);
out:
	close(fd);
	return r;
}
