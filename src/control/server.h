/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_CONTROL_SERVER_H
#define CROSVM_CONTROL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "control/protocol.h"

/* The VM's side of the control socket (-s PATH). */
struct ctl_server {
	int fd; /* listening SOCK_SEQPACKET socket, -1 when closed */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/*
 * What the VM does for each request: fills resp (CTL_RESP_OK, CTL_RESP_ERR
 * with a message, or a typed answer). Runs on the thread that calls
 * ctl_server_serve().
 */
struct ctl_handler {
	void *opaque;
	void (*handle)(void *opaque, const struct ctl_msg *req, struct ctl_msg *resp);
};

/*
 * Listens on path, or on PATH/crosvm-PID.sock when path is a directory.
 * Refuses when a VM listens there (also one that accepts no connection within
 * probe_timeout_ms); replaces a stale socket. Returns 0, or -1 with a
 * one-line reason in err.
 */
int ctl_server_open(struct ctl_server *s, const char *path, int probe_timeout_ms, char *err,
		    size_t errlen);
/* Closes and unlinks the socket (idempotent). */
void ctl_server_close(struct ctl_server *s);
/* Accepts one connection and serves its one request; never waits long on a silent client. */
void ctl_server_serve(struct ctl_server *s, const struct ctl_handler *h);
/*
 * One request datagram in, one response datagram out (the length is returned):
 * a malformed request is answered with CTL_RESP_ERR, never passed to h.
 */
int ctl_server_process(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		       const struct ctl_handler *h);
/* Fills resp as an error response. */
void ctl_error(struct ctl_msg *resp, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
