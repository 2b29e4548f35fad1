// SPDX-License-Identifier: BSD-3-Clause
#include "util/event_loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#define EVENTS_PER_WAIT 16

int event_loop_init(struct event_loop *l)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

void event_loop_close(struct event_loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

int event_loop_add(struct event_loop *l, struct event_source *src)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = src};

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, src->fd, &ev) ? -errno : 0;
}

void event_loop_del(struct event_loop *l, struct event_source *src)
{
	if (src->fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, src->fd, NULL);
}

int event_loop_wait(struct event_loop *l, int timeout_ms)
{
	struct epoll_event ev[EVENTS_PER_WAIT];
	int n = epoll_wait(l->epfd, ev, EVENTS_PER_WAIT, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct event_source *src = ev[i].data.ptr;

		src->ready(src, ev[i].events);
	}
	return 0;
}
