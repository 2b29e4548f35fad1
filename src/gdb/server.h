/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_GDB_SERVER_H
#define CROSVM_GDB_SERVER_H

/*
 * The debugger's TCP side: a listening socket on 127.0.0.1 only (the stub can
 * write guest memory, so it is never reachable from elsewhere), one client at a
 * time, acks and retransmission. What it reads goes through the bounded decoder
 * and then the command set of gdb/stub.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "gdb/packet.h"
#include "gdb/stub.h"

/* Binds and listens; returns the fd or -errno, with a one-line reason naming --gdb in err. */
int gdb_listen(uint16_t port, char *err, size_t errlen);

struct gdb_conn {
	int fd;
	struct gdb_decoder dec;
	uint8_t in[1024]; /* read but not yet fed to the decoder */
	size_t in_pos, in_len;
	uint8_t last[2 * GDB_MAX_PACKET + 4]; /* the last frame sent, for a '-' */
	size_t last_len;
	char reply[GDB_MAX_PACKET + 1];
};

enum gdb_serve {
	GDB_SERVE_GONE = -1,	/* the client closed or the socket failed */
	GDB_SERVE_CONTINUE = 1, /* 'c'/vCont;c: resume every vCPU */
	GDB_SERVE_STEP,		/* step session->run_cpu */
	GDB_SERVE_DETACH,	/* 'D' answered: close, the VM runs on */
	GDB_SERVE_KILL,		/* 'k' */
	GDB_SERVE_INTERRUPT,	/* 0x03 while the VM runs */
};

void gdb_conn_init(struct gdb_conn *c, int fd);

/*
 * Reads from the client (blocking) and answers packets until one needs the VM
 * to move, or an interrupt byte arrives; returns what to do.
 */
enum gdb_serve gdb_conn_serve(struct gdb_conn *c, struct gdb_session *s);

/* Frames and sends one payload (a stop reply); 0 or -errno. */
int gdb_conn_send(struct gdb_conn *c, const char *payload, size_t len);

#endif
