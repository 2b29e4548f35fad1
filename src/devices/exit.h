/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_EXIT_H
#define CROSVM_DEVICES_EXIT_H

/* Why the VM stops; devices that can end it (i8042 reset, ACPI S5) report through this. */
enum vm_exit_reason {
	VM_EXIT_NONE,
	VM_EXIT_POWEROFF,
	VM_EXIT_RESET,
	VM_EXIT_SIGNAL,
	VM_EXIT_STOP, /* crosvm stop on the control socket */
	VM_EXIT_TRIPLE_FAULT,
	VM_EXIT_INTERNAL_ERROR,
	VM_EXIT_FAILURE,
	VM_EXIT_DEVICE, /* a device process died or stopped answering */
};

struct exit_notifier {
	void (*request)(void *opaque, enum vm_exit_reason reason);
	void *opaque;
};

static inline void exit_request(const struct exit_notifier *n, enum vm_exit_reason reason)
{
	if (n->request)
		n->request(n->opaque, reason);
}

#endif
