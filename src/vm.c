// SPDX-License-Identifier: BSD-3-Clause
/* Builds an x86_64 VM from a config, runs it, and tears it down in order. */
#define _GNU_SOURCE
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/boot_params.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/regs.h"
#include "loader/loader.h"
#include "sandbox/proc_status.h"
#include "util/log.h"
#include "devices/virtio/balloon.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/rng.h"
#ifdef CROSVM_HAVE_VIDEO
#include "devices/virtio/video/video.h"
#endif
#include "util/term.h"
#ifdef CROSVM_HAVE_SECCOMP
#include "virtio_sandbox.h"
#include "vm_seccomp.h"
#endif

static const uint16_t serial_ports[SERIAL_PORTS] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};
static const uint8_t serial_irqs[SERIAL_PORTS] = {4, 3, 4, 3};
static const char *const serial_names[SERIAL_PORTS] = {"COM1", "COM2", "COM3", "COM4"};

#define FAIL(status_, ...)            \
	do {                          \
		log_err(__VA_ARGS__); \
		return (status_);     \
	} while (0)

void vm_request_exit(struct vm *vm, enum vm_exit_reason reason)
{
	int expected = VM_EXIT_NONE;
	uint64_t one = 1;

	if (atomic_compare_exchange_strong(&vm->exit_reason, &expected, (int)reason)) {
		if (write(vm->exit_evt, &one, sizeof(one)) < 0)
			log_err("cannot signal VM exit: %s", strerror(errno));
	}
}

static void exit_notify(void *opaque, enum vm_exit_reason reason)
{
	vm_request_exit(opaque, reason);
}

static void irq_set(void *opaque, unsigned gsi, bool level)
{
	struct vm *vm = opaque;
	int r = kvm_irq_line(&vm->kvm, gsi, level);

	if (r)
		log_warn("KVM_IRQ_LINE %u: %s", gsi, strerror(-r));
}

static void rx_space(void *opaque)
{
	struct vm *vm = opaque;
	uint64_t one = 1;

	if (write(vm->rx_space_evt, &one, sizeof(one)) < 0)
		log_warn("rx eventfd: %s", strerror(errno));
}

/* Maps a whole file read-only; returns its bytes or NULL with a message logged. */
static const uint8_t *map_file(const char *what, const char *path, size_t *len)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		log_err("%s '%s': %s", what, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_err("%s '%s': not a regular file", what, path);
		close(fd);
		return NULL;
	}
	*len = (size_t)st.st_size;
	if (st.st_size == 0) {
		log_err("%s '%s': file is empty", what, path);
		close(fd);
		return NULL;
	}
	p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		log_err("%s '%s': %s", what, path, strerror(errno));
		return NULL;
	}
	return p;
}

static int setup_memory(struct vm *vm)
{
	uint64_t bytes = vm->cfg->mem_mib << 20;
	struct gm_layout layout = {0};
	int r;

	layout.gpa[0] = 0;
	layout.size[0] = bytes < X86_PCI_HOLE_START ? bytes : X86_PCI_HOLE_START;
	layout.nr = 1;
	if (bytes > X86_PCI_HOLE_START) {
		layout.gpa[1] = X86_4G;
		layout.size[1] = bytes - X86_PCI_HOLE_START;
		layout.nr = 2;
	}
	r = gm_create(&vm->mem, &layout);
	if (r)
		FAIL(EXIT_RUNTIME, "cannot allocate %llu MiB of guest memory: %s",
		     (unsigned long long)vm->cfg->mem_mib, strerror(-r));
	for (int i = 0; i < vm->mem.nr_regions; i++) {
		struct gm_region *g = &vm->mem.regions[i];

		r = kvm_set_memory(&vm->kvm, (uint32_t)i, g->gpa, g->size, g->host);
		if (r)
			FAIL(EXIT_RUNTIME, "KVM_SET_USER_MEMORY_REGION: %s", strerror(-r));
	}
	return 0;
}

static int setup_kvm(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct kvm_pit_config pit = {0};
	char err[256];
	int r;

	if (kvm_open(&vm->kvm, cfg->kvm_path, err, sizeof(err)))
		FAIL(EXIT_BAD_INPUT, "%s", err);
	if (kvm_host_kind() == KVM_HOST_PVM_ONLY)
		log_warn("%s is provided by kvm_pvm only (no kvm_intel/kvm_amd): it cannot run a "
			 "stock Linux kernel, which will hang after its setup code",
			 cfg->kvm_path);
	if (cfg->cpus > (unsigned)vm->kvm.max_vcpus)
		FAIL(EXIT_BAD_INPUT, "--cpus: %u is more than the %d vCPUs KVM allows", cfg->cpus,
		     vm->kvm.max_vcpus);
	r = kvm_create_vm(&vm->kvm);
	if (r)
		FAIL(EXIT_RUNTIME, "KVM_CREATE_VM: %s", strerror(-r));
	if (ioctl(vm->kvm.vm_fd, KVM_SET_TSS_ADDR, (unsigned long)X86_TSS_ADDR) < 0)
		FAIL(EXIT_RUNTIME, "KVM_SET_TSS_ADDR: %s", strerror(errno));
	{
		uint64_t ident = X86_IDENTITY_MAP;

		if (ioctl(vm->kvm.vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0)
			FAIL(EXIT_RUNTIME, "KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
	}
	if (ioctl(vm->kvm.vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		FAIL(EXIT_RUNTIME, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
	if (ioctl(vm->kvm.vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		FAIL(EXIT_RUNTIME, "KVM_CREATE_PIT2: %s", strerror(errno));
	return 0;
}

/* Opens and locks every disk before any VM exists, so a bad one leaves nothing behind. */
static int open_disks(const struct vm_config *cfg, struct blk_disk *disks)
{
	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		const struct disk_config *dc = &cfg->disks[i];
		const char *flag = dc->root ? (dc->read_only ? "--root" : "--rwroot")
					    : (dc->read_only ? "--disk" : "--rwdisk");
		int flags = (dc->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC |
			    (dc->o_direct ? O_DIRECT : 0);
		struct blk_disk *d = &disks[i];
		struct stat st;
		off_t end;

		memset(d, 0, sizeof(*d));
		d->fd = open(dc->path, flags);
		if (d->fd < 0)
			FAIL(EXIT_BAD_INPUT, "%s '%s': %s", flag, dc->path, strerror(errno));
		if (fstat(d->fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
			FAIL(EXIT_BAD_INPUT, "%s '%s': not a regular file or block device", flag,
			     dc->path);
		/* Two VMMs writing one image corrupt it: take an exclusive lock for writers. */
		if (flock(d->fd, (dc->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
			FAIL(EXIT_BAD_INPUT, "%s '%s': in use by another process (%s)", flag,
			     dc->path, strerror(errno));
		end = lseek(d->fd, 0, SEEK_END);
		if (end < 0)
			FAIL(EXIT_BAD_INPUT, "%s '%s': %s", flag, dc->path, strerror(errno));
		if (end % 512)
			log_warn("%s '%s': size is not a multiple of 512; the last %lld bytes are "
				 "not visible to the guest",
				 flag, dc->path, (long long)(end % 512));
		d->size = (uint64_t)end;
		d->read_only = dc->read_only;
		d->sparse = dc->sparse;
		d->block_size = dc->block_size;
		memcpy(d->id, dc->id, sizeof(d->id));
	}
	return 0;
}

/* The kernel and initrd files, mapped and sanity-checked before any VM exists. */
struct images {
	const uint8_t *kernel, *initrd;
	size_t kernel_len, initrd_len;
};

static int map_images(const struct vm_config *cfg, struct images *im)
{
	im->kernel = map_file("KERNEL", cfg->kernel, &im->kernel_len);
	if (!im->kernel)
		return EXIT_BAD_INPUT;
	if (kernel_detect(im->kernel, im->kernel_len) == KERNEL_FORMAT_UNKNOWN)
		FAIL(EXIT_BAD_INPUT,
		     "KERNEL '%s': not a Linux kernel (neither a bzImage nor an ELF64 vmlinux)",
		     cfg->kernel);
	if (cfg->initrd) {
		im->initrd = map_file("--initrd", cfg->initrd, &im->initrd_len);
		if (!im->initrd)
			return EXIT_BAD_INPUT;
		if (im->initrd_len > (cfg->mem_mib << 20))
			FAIL(EXIT_BAD_INPUT, "--initrd '%s': %zu MiB is more than --mem %llu MiB",
			     cfg->initrd, im->initrd_len >> 20, (unsigned long long)cfg->mem_mib);
	}
	return 0;
}

static void unmap_images(struct images *im)
{
	if (im->kernel)
		munmap((void *)im->kernel, im->kernel_len);
	if (im->initrd)
		munmap((void *)im->initrd, im->initrd_len);
	memset(im, 0, sizeof(*im));
}

static int load_images(struct vm *vm, const struct images *im, uint64_t *entry)
{
	const struct vm_config *cfg = vm->cfg;
	struct x86_boot_config boot = {0};
	struct kernel_info ki;
	char err[256];
	char *cmdline;
	size_t cmdlen;
	int r;

	r = kernel_load(&vm->mem, im->kernel, im->kernel_len, &ki, err, sizeof(err));
	if (r)
		FAIL(EXIT_BAD_INPUT, "KERNEL '%s': %s", cfg->kernel, err);
	*entry = ki.entry;

	cmdline = config_kernel_cmdline(cfg);
	if (!cmdline)
		FAIL(EXIT_RUNTIME, "out of memory");
	cmdlen = strlen(cmdline);
	if (cmdlen > ki.cmdline_max || cmdlen + 1 > X86_CMDLINE_MAX) {
		free(cmdline);
		FAIL(EXIT_BAD_INPUT,
		     "--params: kernel command line is %zu bytes, the kernel takes %u", cmdlen,
		     ki.cmdline_max);
	}
	r = gm_write(&vm->mem, X86_CMDLINE_ADDR, cmdline, cmdlen + 1);
	log_debug("kernel command line: %s", cmdline);
	free(cmdline);
	if (r)
		FAIL(EXIT_BAD_INPUT, "--mem: too small for the kernel command line");
	boot.cmdline_addr = X86_CMDLINE_ADDR;
	boot.cmdline_size = (uint32_t)cmdlen + 1;

	if (im->initrd) {
		r = initrd_place(&vm->mem, &ki, im->initrd_len, &boot.initrd_addr, err,
				 sizeof(err));
		if (r)
			FAIL(EXIT_BAD_INPUT, "--initrd '%s': %s", cfg->initrd, err);
		gm_write(&vm->mem, boot.initrd_addr, im->initrd, im->initrd_len);
		boot.initrd_size = im->initrd_len;
	}

	if (x86_acpi_build(&vm->mem, vm->nr_vcpus, &boot.rsdp_addr))
		FAIL(EXIT_BAD_INPUT, "--mem: too small for the ACPI tables");
	if (x86_write_boot_tables(&vm->mem))
		FAIL(EXIT_BAD_INPUT, "--mem: too small for the boot page tables");
	boot.hdr = ki.has_setup_header ? &ki.hdr : NULL;
	if (x86_write_boot_params(&vm->mem, &boot))
		FAIL(EXIT_BAD_INPUT, "--mem: too small for the boot parameters");
	return 0;
}

static int setup_devices(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct exit_notifier exit = {exit_notify, vm};
	uint64_t low = vm->mem.regions[0].size;
	uint64_t high = vm->mem.nr_regions > 1 ? vm->mem.regions[1].size : 0;

	vm->stdin_port = -1;
	for (int i = 0; i < SERIAL_PORTS; i++) {
		const struct serial_config *sc = &cfg->serial[i];
		struct irq_line irq = {irq_set, vm, serial_irqs[i]};
		enum serial_out_kind kind = SERIAL_OUT_SINK;
		int fd = -1;

		if (sc->configured && sc->type == SERIAL_STDOUT) {
			kind = SERIAL_OUT_FD;
			fd = STDOUT_FILENO;
		} else if (sc->configured && sc->type == SERIAL_FILE) {
			fd = open(sc->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0)
				FAIL(EXIT_BAD_INPUT, "--serial: cannot open '%s': %s", sc->path,
				     strerror(errno));
			kind = SERIAL_OUT_FD;
		} else if (sc->configured && sc->type == SERIAL_SYSLOG) {
			kind = SERIAL_OUT_SYSLOG;
		}
		serial_init(&vm->serial[i], serial_names[i], irq, kind, fd);
		if (sc->configured && sc->stdin_input) {
			vm->stdin_port = i;
			vm->serial[i].rx_space = rx_space;
			vm->serial[i].rx_space_opaque = vm;
		}
		bus_add(&vm->pio, serial_ports[i], 8, serial_names[i], &serial_bus_ops,
			&vm->serial[i]);
	}
	cmos_init(&vm->cmos, low, high);
	bus_add(&vm->pio, 0x70, 2, "cmos", &cmos_bus_ops, &vm->cmos);
	i8042_init(&vm->i8042, exit);
	bus_add(&vm->pio, 0x60, 5, "i8042", &i8042_bus_ops, &vm->i8042);
	acpi_pm_init(&vm->acpi_pm, exit);
	bus_add(&vm->pio, ACPI_PM_BASE, ACPI_PM_LEN, "acpi-pm", &acpi_pm_bus_ops, &vm->acpi_pm);
	pci_root_init(&vm->pci, exit);
	bus_add(&vm->pio, 0xcf8, 8, "pci-root", &pci_root_bus_ops, &vm->pci);
	return 0;
}

void vm_mmio(struct vm *vm, uint64_t addr, uint8_t *data, uint32_t len, bool write)
{
	for (unsigned i = 0; i < vm->nr_virtio; i++)
		if (virtio_host_mmio(vm->virtio[i], addr, data, len, write))
			return;
	if (write)
		bus_write(&vm->mmio, addr, data, len);
	else
		bus_read(&vm->mmio, addr, data, len);
}

/* Plugs a virtio device into the next PCI slot, BARs pre-assigned. */
static int add_virtio(struct vm *vm, struct virtio_host *h, const struct virtio_spec *spec)
{
	unsigned slot = vm->nr_virtio + 1; /* slot 0 is the host bridge */
	uint64_t bar0 = X86_PCI_HOLE_START + (uint64_t)vm->nr_virtio * VPCI_BAR_SIZE;
	int r = virtio_host_init(h, &vm->kvm, &vm->pci, slot, bar0, spec, &vm->mem,
				 vm->cfg->sandbox);

	if (r)
		FAIL(EXIT_RUNTIME, "%s: %s", spec->ops->name, strerror(-r));
	vm->virtio[vm->nr_virtio++] = h;
	return 0;
}

/* How each device is made, here or in its own process. */
static int create_blk(struct virtio_device *d, const struct guest_memory *mem, const void *arg)
{
	return virtio_blk_init(d, mem, arg);
}

static int create_rng(struct virtio_device *d, const struct guest_memory *mem, const void *arg)
{
	(void)arg;
	return virtio_rng_init(d, mem) ? -ENOMEM : 0;
}

static int create_balloon(struct virtio_device *d, const struct guest_memory *mem, const void *arg)
{
	(void)arg;
	return virtio_balloon_init(d, mem);
}

#ifdef CROSVM_HAVE_VIDEO
static int create_video(struct virtio_device *d, const struct guest_memory *mem, const void *arg)
{
	return virtio_video_create(d, mem, arg);
}
#endif

static int setup_virtio(struct vm *vm, const struct blk_disk *disks)
{
	static struct virtio_host rng, balloon, blk[MAX_DISKS];

	for (unsigned i = 0; i < vm->cfg->nr_disks; i++) {
		struct virtio_spec spec = {
			&virtio_blk_ops, create_blk, &disks[i], {disks[i].fd}, 1};

		if (add_virtio(vm, &blk[i], &spec))
			return EXIT_RUNTIME;
		vm->disk[i] = &blk[i];
	}

	if (vm->cfg->rng) {
		struct virtio_spec spec = {&virtio_rng_ops, create_rng, NULL, {0}, 0};

		if (add_virtio(vm, &rng, &spec))
			return EXIT_RUNTIME;
	}

	if (vm->cfg->balloon) {
		/* Deflating punches holes in the guest memfd. */
		struct virtio_spec spec = {
			&virtio_balloon_ops, create_balloon, NULL, {vm->mem.fd}, 1};

		if (add_virtio(vm, &balloon, &spec))
			return EXIT_RUNTIME;
		vm->balloon = &balloon;
	}
#ifdef CROSVM_HAVE_VIDEO
	/* Last, so the slots of the other devices stay where they were. */
	if (vm->cfg->video_encoder) {
		static struct virtio_host video;
		const struct encoder_ops *backend;
		char err[512];
		struct virtio_spec spec = {&virtio_video_ops, create_video, NULL, {0}, 0};

		backend = video_backend_load("avcodec", err, sizeof(err));
		if (!backend)
			FAIL(EXIT_BAD_INPUT, "--video-encoder: %s", err);
		spec.arg = backend;
		if (add_virtio(vm, &video, &spec))
			return EXIT_RUNTIME;
	}
#endif
	return 0;
}

static int setup_vcpus(struct vm *vm, uint64_t entry)
{
	size_t cpuid_size = sizeof(struct kvm_cpuid2) +
			    vm->kvm.supported_cpuid->nent * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *cpuid = malloc(cpuid_size);
	bool tsc_deadline = ioctl(vm->kvm.fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	int r;

	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!cpuid || !vm->vcpus) {
		free(cpuid);
		FAIL(EXIT_RUNTIME, "out of memory");
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		r = vcpu_create(vm, v, i);
		if (r)
			goto fail;
		memcpy(cpuid, vm->kvm.supported_cpuid, cpuid_size);
		x86_cpuid_for_vcpu(cpuid, i, vm->nr_vcpus, tsc_deadline);
		if (ioctl(v->fd, KVM_SET_CPUID2, cpuid) < 0) {
			r = -errno;
			goto fail;
		}
		r = x86_setup_vcpu_common(v->fd);
		if (r)
			goto fail;
		/* Only the boot vCPU starts here; the others wait for INIT/SIPI from the guest. */
		if (i == 0) {
			r = x86_setup_boot_vcpu(v->fd, entry, X86_ZERO_PAGE_ADDR);
			if (r)
				goto fail;
		}
		continue;
	fail:
		free(cpuid);
		FAIL(EXIT_RUNTIME, "vcpu %u setup: %s", i, strerror(-r));
	}
	free(cpuid);
	return 0;
}

/* Host stdin -> the stdin serial port, never faster than the guest drains its FIFO. */
static void *stdin_thread(void *arg)
{
	struct vm *vm = arg;
	struct serial *s = &vm->serial[vm->stdin_port];
	uint8_t buf[SERIAL_FIFO_SIZE];
	uint64_t cnt;

	for (;;) {
		size_t room = serial_rx_room(s);
		ssize_t n;

		if (!room) {
			if (read(vm->rx_space_evt, &cnt, sizeof(cnt)) < 0 && errno != EINTR)
				break;
			continue;
		}
		n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the guest simply gets no more input */
		serial_input(s, buf, (size_t)n);
	}
	return NULL;
}

static const char *signame(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

/* Waits for a stop request (guest, device, signal or a device process's end); returns it. */
static enum vm_exit_reason wait_for_exit(struct vm *vm, int sfd)
{
	struct pollfd p[3 + 2 * PCI_ROOT_SLOTS];
	const struct ctl_handler ctl = {.opaque = vm, .handle = vm_control};

	for (;;) {
		nfds_t n = 3;

		p[0] = (struct pollfd){.fd = vm->exit_evt, .events = POLLIN};
		p[1] = (struct pollfd){.fd = sfd, .events = POLLIN};
		p[2] = (struct pollfd){.fd = vm->ctl.fd, .events = POLLIN};
#ifdef CROSVM_HAVE_SECCOMP
		/* Device processes: their exit (pidfd) and seccomp reports; -1 is skipped. */
		for (unsigned i = 0; i < vm->nr_virtio; i++) {
			p[n++] = (struct pollfd){.fd = virtio_sandbox_pidfd(vm->virtio[i]),
						 .events = POLLIN};
			p[n++] = (struct pollfd){.fd = virtio_sandbox_report_fd(vm->virtio[i]),
						 .events = POLLIN};
		}
#endif
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			vm_request_exit(vm, VM_EXIT_FAILURE);
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				log_info("received %s, stopping the VM",
					 signame((int)si.ssi_signo));
				vm_request_exit(vm, VM_EXIT_SIGNAL);
			}
		}
		if (p[2].revents & POLLIN)
			ctl_server_serve(&vm->ctl, &ctl);
#ifdef CROSVM_HAVE_SECCOMP
		for (unsigned i = 0; i < vm->nr_virtio; i++) {
			if (p[4 + 2 * i].revents)
				virtio_sandbox_read_reports(vm->virtio[i]);
			/* A device process that ends on its own fails the VM (sb.failed). */
			if (p[3 + 2 * i].revents)
				virtio_sandbox_reap(vm->virtio[i]);
		}
#endif
		if (atomic_load(&vm->exit_reason) != VM_EXIT_NONE)
			break;
	}
	return (enum vm_exit_reason)atomic_load(&vm->exit_reason);
}

static void stop_vcpus(struct vm *vm)
{
	atomic_store(&vm->stopping, true);
	/* Parked (suspended) vCPUs wake up, see stopping and leave. */
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
	/* Where each vCPU stopped: the first clue when a guest hangs. */
	if (vm->cfg->log_level >= LOG_LVL_DEBUG)
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			x86_log_regs(vm->vcpus[i].fd, i);
}

static int exit_status(enum vm_exit_reason reason)
{
	switch (reason) {
	case VM_EXIT_POWEROFF:
		log_info("guest powered off");
		return EXIT_OK;
	case VM_EXIT_RESET:
		log_info("guest reset (reboot), VM stopped");
		return EXIT_OK;
	case VM_EXIT_SIGNAL:
	case VM_EXIT_STOP:
		log_info("VM stopped");
		return EXIT_OK;
	case VM_EXIT_TRIPLE_FAULT:
		log_err("VM stopped: guest triple fault");
		return EXIT_TRIPLE_FAULT;
	case VM_EXIT_INTERNAL_ERROR:
		log_err("VM stopped: KVM internal error");
		return EXIT_INTERNAL_ERROR;
	case VM_EXIT_DEVICE:
		log_err("VM stopped: a device process failed; the other devices are stopped in "
			"order");
		return EXIT_RUNTIME;
	default:
		log_err("VM stopped after a failure");
		return EXIT_RUNTIME;
	}
}

static int vm_build(struct vm *vm, uint64_t *entry)
{
	static struct blk_disk disks[MAX_DISKS];
	struct images im = {0};
	int r;

	vm->nr_vcpus = vm->cfg->cpus;
	vm->exit_evt = eventfd(0, EFD_CLOEXEC);
	vm->rx_space_evt = eventfd(0, EFD_CLOEXEC);
	if (vm->exit_evt < 0 || vm->rx_space_evt < 0)
		FAIL(EXIT_RUNTIME, "eventfd: %s", strerror(errno));
	r = open_disks(vm->cfg, disks);
	if (!r)
		r = map_images(vm->cfg, &im);
	if (!r)
		r = setup_kvm(vm);
	if (!r)
		r = setup_memory(vm);
	if (!r)
		r = load_images(vm, &im, entry);
	unmap_images(&im);
	if (r)
		return r;
	if ((r = setup_devices(vm)))
		return r;
	if ((r = setup_virtio(vm, disks)))
		return r;
	return setup_vcpus(vm, *entry);
}

static void device_failed(void *opaque)
{
	vm_request_exit(opaque, VM_EXIT_DEVICE);
}

/*
 * Starts every virtio device: in-process threads, or (the default) jailed
 * device processes; then the VMM's own seccomp filters. Returns 0 or -1
 * with the reason logged.
 */
static int start_devices(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
#ifdef CROSVM_HAVE_SECCOMP
	struct sandbox_config sb = {
		.jail = {.pivot_root = cfg->pivot_root,
			 .max_open_files = 128,
			 .max_memlock = 64 << 10},
		.policy_dir = cfg->seccomp_policy_dir,
		.log_failures = cfg->seccomp_log_failures,
		.failed = device_failed,
		.opaque = vm,
	};
	char err[512];

	if (cfg->sandbox) {
		if (jail_prepare(&sb.jail, err, sizeof(err))) {
			log_err("%s", err);
			return -1;
		}
		if (vm_seccomp_prepare(cfg))
			return -1;
	}
#endif
	for (unsigned i = 0; i < vm->nr_virtio; i++) {
		int r;

#ifdef CROSVM_HAVE_SECCOMP
		r = virtio_host_start(vm->virtio[i], &vm->mem, cfg->sandbox ? &sb : NULL);
#else
		r = virtio_host_start(vm->virtio[i], &vm->mem, NULL);
#endif
		if (r) {
			log_err("cannot start %s%s%s", vm->virtio[i]->name,
				r == -ECHILD ? "" : ": ", r == -ECHILD ? "" : strerror(-r));
			return -1;
		}
	}
#ifdef CROSVM_HAVE_SECCOMP
	if (cfg->sandbox) {
		/* Threads started from here on (stdin, vCPUs) inherit it. */
		int r = vm_seccomp_enter_main();

		if (r) {
			log_err("cannot load main.policy: %s", strerror(-r));
			return -1;
		}
		log_debug("VMM under main.policy; vCPUs under vcpu.policy");
	}
#endif
	return 0;
}

int vm_run(const struct vm_config *cfg)
{
	static struct vm vm_storage;
	struct vm *vm = &vm_storage;
	sigset_t stop_sigs;
	pthread_t stdin_tid;
	uint64_t entry = 0;
	int sfd, status;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->ctl.fd = -1;
	vm->exit_evt = vm->rx_space_evt = -1;
	vm->kvm.fd = vm->kvm.vm_fd = -1;
	atomic_init(&vm->exit_reason, VM_EXIT_NONE);
	atomic_init(&vm->stopping, false);
	atomic_init(&vm->paused, false);
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);

	/* Stop signals are read from a signalfd by this thread; every thread blocks them. */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGHUP);
	sigaddset(&stop_sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);
	sigdelset(&stop_sigs, SIGUSR1);
	vcpu_signals_init();
	sfd = signalfd(-1, &stop_sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return EXIT_RUNTIME;
	}

	if (cfg->socket_path) {
		char err[256];

		if (ctl_server_open(&vm->ctl, cfg->socket_path, err, sizeof(err)))
			FAIL(EXIT_BAD_INPUT, "%s", err);
		log_info("control socket: %s", vm->ctl.path);
	}
	status = vm_build(vm, &entry);
	if (status) {
		ctl_server_close(&vm->ctl);
		return status;
	}
	log_debug("VM built: %u vCPUs, %llu MiB, entry %#llx", vm->nr_vcpus,
		  (unsigned long long)cfg->mem_mib, (unsigned long long)entry);

	if (start_devices(vm)) {
		vm_request_exit(vm, VM_EXIT_FAILURE);
	} else {
		if (vm->stdin_port >= 0 && !term_stdin_usable()) {
			log_warn("stdin is a terminal of another process group (background job): "
				 "no guest "
				 "input");
			vm->stdin_port = -1;
		}
		if (vm->stdin_port >= 0) {
			if (term_set_raw())
				log_warn("cannot put the terminal in raw mode: %s",
					 strerror(errno));
			if (pthread_create(&stdin_tid, NULL, stdin_thread, vm) == 0)
				pthread_detach(stdin_tid);
		}
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			int r = vcpu_start(&vm->vcpus[i]);

			if (r) {
				log_err("cannot start vcpu %u: %s", i, strerror(-r));
				vm_request_exit(vm, VM_EXIT_FAILURE);
				break;
			}
		}
	}
	status = exit_status(wait_for_exit(vm, sfd));
	if (cfg->log_level >= LOG_LVL_DEBUG) {
		char rss[32], hwm[32];

		if (!proc_status_field(getpid(), "VmRSS", rss, sizeof(rss)) &&
		    !proc_status_field(getpid(), "VmHWM", hwm, sizeof(hwm)))
			log_debug("VMM process %d: RSS %s (peak %s)", (int)getpid(), rss, hwm);
	}
	stop_vcpus(vm);
	/* Each device flushes what it must; the dead one is only reaped. */
	for (unsigned i = 0; i < vm->nr_virtio; i++)
		virtio_host_stop(vm->virtio[i]);
	ctl_server_close(&vm->ctl);
	term_restore();
	if (vm->stop_asked.tv_sec) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		log_info("stopped %lld ms after the request",
			 (long long)(now.tv_sec - vm->stop_asked.tv_sec) * 1000 +
				 (now.tv_nsec - vm->stop_asked.tv_nsec) / 1000000);
	}
	return status;
}
