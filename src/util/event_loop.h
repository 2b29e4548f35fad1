/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_UTIL_EVENT_LOOP_H
#define CROSVM_UTIL_EVENT_LOOP_H

#include <stdint.h>

/*
 * One epoll set and the sources that wait in it. A source is embedded in its
 * owner, which adds it and removes it (before closing its fd); ready runs on
 * the thread that waits.
 */
struct event_source {
	int fd;
	void (*ready)(struct event_source *src, uint32_t events);
};

struct event_loop {
	int epfd;
};

/* 0 or -errno. */
int event_loop_init(struct event_loop *l);
void event_loop_close(struct event_loop *l);
/* Watches src->fd for input (EPOLLIN); 0 or -errno. */
int event_loop_add(struct event_loop *l, struct event_source *src);
void event_loop_del(struct event_loop *l, struct event_source *src);
/* Waits up to timeout_ms (-1: for ever) and runs the ready sources; 0 or -errno. */
int event_loop_wait(struct event_loop *l, int timeout_ms);

#endif
