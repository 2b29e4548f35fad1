/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_TESTS_FAKE_VM_H
#define CROSVM_TESTS_FAKE_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "control/protocol.h"

/*
 * A fake VM on a control socket, for client tests: it answers each
 * connection with a canned datagram (any bytes: hostile answers too), or not
 * at all, or never accepts (a full connection queue).
 */
enum fake_vm_mode {
	FAKE_VM_ANSWER,	 /* one datagram of reply[0..reply_len) per connection */
	FAKE_VM_SILENT,	 /* accepts, reads the request, never answers */
	FAKE_VM_CLOSE,	 /* accepts, reads the request, closes */
	FAKE_VM_BACKLOG, /* never accepts, its queue (backlog 0) filled by one connection */
};

struct fake_vm {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	enum fake_vm_mode mode;
	uint8_t reply[CTL_MAX_MSG + 64];
	size_t reply_len;
	int fd, filler;
	atomic_bool stopping;
	pthread_t thread;
	/* The last request received, decoded (type 0 when none or malformed). */
	struct ctl_msg req;
	int requests;
};

/* Listens on dir/name; the server thread runs until fake_vm_stop(). */
void fake_vm_start(struct fake_vm *f, const char *dir, enum fake_vm_mode mode);
/* The canned answer: m encoded, or raw bytes. */
void fake_vm_answer(struct fake_vm *f, const struct ctl_msg *m);
void fake_vm_answer_raw(struct fake_vm *f, const void *bytes, size_t len);
void fake_vm_stop(struct fake_vm *f);
/*
 * A test's fixture: a fresh directory from template (mkdtemp's XXXXXX) in dir,
 * a fake VM answering in it; and its end: the VM stopped, the client's timeout
 * back to its default, the directory removed. 0 or -1.
 */
int fake_vm_setup(struct fake_vm *f, char *dir, const char *template);
int fake_vm_teardown(struct fake_vm *f, const char *dir);
/* Milliseconds on the monotonic clock. */
long long fake_vm_now_ms(void);

#endif
