// SPDX-License-Identifier: BSD-3-Clause
/*
 * What the VM does for each control-socket request: stop, suspend, resume and
 * the power button here; every other request goes to the device whose row
 * serves it.
 */
#include <errno.h>
#include <string.h>

#include "util/log.h"
#include "vm/vm.h"

static void suspend(struct vm *vm, struct ctl_msg *resp)
{
	int r;

	if (vm->suspended)
		return; /* already: nothing to do, and not an error */
	/* vCPUs first, so no new kicks arrive while the devices settle. */
	r = vcpus_pause(vm);
	if (r) {
		vcpus_resume(vm);
		ctl_error(resp, -r, "the vCPUs did not stop: %s", strerror(-r));
		return;
	}
	for (unsigned i = 0; i < vm->nr_devices; i++)
		vm->devices[i].host->ops->pause(vm->devices[i].host);
	vm->suspended = true;
	log_info("VM suspended");
}

static void resume(struct vm *vm)
{
	if (!vm->suspended)
		return;
	for (unsigned i = 0; i < vm->nr_devices; i++)
		vm->devices[i].host->ops->resume(vm->devices[i].host);
	vcpus_resume(vm);
	vm->suspended = false;
	log_info("VM resumed");
}

/* The command of row that serves type, or NULL. */
static const struct virtio_command *find_command(const struct virtio_row *row, uint16_t type)
{
	for (const struct virtio_command *c = row->commands; c && c->req_type; c++)
		if (c->req_type == type)
			return c;
	return NULL;
}

/* Carries a device's request and reply; false when no row serves the request. */
static bool device_command(struct vm *vm, const struct ctl_msg *req, struct ctl_msg *resp)
{
	uint8_t buf[VIRTIO_CONTROL_MAX], reply[VIRTIO_CONTROL_MAX];

	for (unsigned r = 0; r < virtio_nr_rows; r++) {
		const struct virtio_row *row = &virtio_rows[r];
		const struct virtio_command *c = find_command(row, req->type);
		struct virtio_host *h = NULL;
		uint32_t index, len, reply_len = 0;
		unsigned count = 0;
		int ret;

		if (!c)
			continue;
		len = c->encode(req, &index, buf);
		for (unsigned i = 0; i < vm->nr_devices; i++) {
			if (vm->devices[i].row != row)
				continue;
			if (count++ == index)
				h = vm->devices[i].host;
		}
		if (!h) {
			c->absent(req, count, resp);
			return true;
		}
		ret = h->ops->control(h, buf, len, reply, &reply_len);
		c->answer(req, ret, reply, reply_len, resp);
		return true;
	}
	return false;
}

void vm_control(void *opaque, const struct ctl_msg *req, struct ctl_msg *resp)
{
	struct vm *vm = opaque;

	memset(resp, 0, sizeof(*resp));
	resp->type = CTL_RESP_OK;
	switch (req->type) {
	case CTL_REQ_STOP:
		log_info("stop requested on the control socket");
		clock_gettime(CLOCK_MONOTONIC, &vm->stop_asked);
		vm_request_exit(vm, VM_EXIT_STOP);
		break;
	case CTL_REQ_SUSPEND:
		suspend(vm, resp);
		break;
	case CTL_REQ_RESUME:
		resume(vm);
		break;
	case CTL_REQ_POWERBTN:
		/* As a real button: the guest acts on it if it handles it (ACPI button driver). */
		log_info("power button pressed on the control socket");
		acpi_pm_power_button(&vm->board.acpi_pm);
		break;
	default:
		if (!device_command(vm, req, resp))
			ctl_error(resp, EINVAL, "unknown request %u", req->type);
		break;
	}
}
