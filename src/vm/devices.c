// SPDX-License-Identifier: BSD-3-Clause
/* The VM's virtio devices: made from the table's rows, reached through their hosts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/layout.h"
#include "devices/virtio/host_local.h"
#include "devices/virtio/pci.h"
#include "util/log.h"
#include "vm/vm.h"
#ifdef CROSVM_HAVE_SECCOMP
#include "sandbox/host_proxy.h"
#endif

int vm_devices_prepare(struct vm *vm)
{
	char err[512];

	for (unsigned r = 0; r < virtio_nr_rows; r++) {
		const struct virtio_row *row = &virtio_rows[r];
		unsigned n = row->count(vm->cfg);

		for (unsigned i = 0; i < n; i++) {
			struct vm_device *d;

			if (vm->nr_devices == VM_MAX_DEVICES) {
				log_err("too many devices: at most %d", VM_MAX_DEVICES);
				return EXIT_BAD_INPUT;
			}
			d = &vm->devices[vm->nr_devices++];
			d->row = row;
			if (row->prepare(vm->cfg, i, &d->spec, &d->owned, err, sizeof(err))) {
				log_err("%s", err);
				return EXIT_BAD_INPUT;
			}
		}
	}
	return 0;
}

static void device_failed(void *opaque)
{
	vm_request_exit(opaque, VM_EXIT_DEVICE);
}

/* The rest of the spec: what the row and the slot decide. */
static void complete_spec(struct vm_device *d, unsigned n)
{
	d->spec.ops = d->row->ops;
	d->spec.create = d->row->create;
	d->spec.memfd = d->row->memfd;
	d->spec.slot = n + 1; /* slot 0 is the host bridge */
	d->spec.bar0 = X86_PCI_HOLE_START + (uint64_t)n * VPCI_BAR_SIZE;
}

int vm_devices_add(struct vm *vm)
{
	struct virtio_host_env env = {
		.kvm = &vm->kvm,
		.pci = &vm->board.pci,
		.mmio = &vm->mmio,
		.loop = &vm->loop,
		.mem = &vm->mem,
		.failed = device_failed,
		.opaque = vm,
	};
#ifdef CROSVM_HAVE_SECCOMP
	struct sandbox_config sb = {
		.jail = {.pivot_root = vm->cfg->pivot_root,
			 .max_open_files = 128,
			 .max_memlock = 64 << 10},
		.policy_dir = vm->cfg->seccomp_policy_dir,
		.log_failures = vm->cfg->seccomp_log_failures,
	};
	char err[512];

	if (vm->cfg->sandbox && jail_prepare(&sb.jail, err, sizeof(err))) {
		log_err("%s", err);
		return EXIT_RUNTIME;
	}
#endif
	for (unsigned n = 0; n < vm->nr_devices; n++) {
		struct vm_device *d = &vm->devices[n];
		int r;

		complete_spec(d, n);
#ifdef CROSVM_HAVE_SECCOMP
		if (vm->cfg->sandbox)
			r = virtio_proxy_new(&env, &d->spec, &sb, &d->host);
		else
#endif
			r = virtio_local_new(&env, &d->spec, &d->host);
		d->spec.nr_fds = 0; /* the host's now, made or not */
		if (r) {
			d->host = NULL;
			log_err("%s: %s", d->spec.ops->name, strerror(-r));
			return EXIT_RUNTIME;
		}
	}
	return 0;
}

int vm_devices_start(struct vm *vm)
{
	for (unsigned n = 0; n < vm->nr_devices; n++) {
		struct virtio_host *h = vm->devices[n].host;
		int r = h->ops->start(h);

		if (r) {
			/* -ECHILD: the process's failure is logged already. */
			log_err("cannot start %s%s%s", h->name, r == -ECHILD ? "" : ": ",
				r == -ECHILD ? "" : strerror(-r));
			return -1;
		}
	}
	return 0;
}

void vm_devices_stop(struct vm *vm)
{
	for (unsigned n = 0; n < vm->nr_devices; n++)
		if (vm->devices[n].host)
			vm->devices[n].host->ops->stop(vm->devices[n].host);
}

void vm_devices_free(struct vm *vm)
{
	for (unsigned n = 0; n < vm->nr_devices; n++) {
		struct vm_device *d = &vm->devices[n];

		if (d->host)
			d->host->ops->free(d->host);
		d->host = NULL;
		virtio_spec_close_fds(&d->spec);
		free(d->owned);
		d->owned = NULL;
	}
	vm->nr_devices = 0;
}
