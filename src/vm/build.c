// SPDX-License-Identifier: BSD-3-Clause
/* Building a VM: files checked first, then KVM, memory, the kernel, the board, vCPUs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/boot_params.h"
#include "arch/x86_64/pvh.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/regs.h"
#include "loader/loader.h"
#include "util/log.h"
#include "vm/vm.h"
#ifdef CROSVM_HAVE_SECCOMP
#include "vm/seccomp.h"
#endif

#define FAIL(status_, ...)            \
	do {                          \
		log_err(__VA_ARGS__); \
		return (status_);     \
	} while (0)

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

static int setup_kvm(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
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
	if (x86_board_init_vm(&vm->kvm, err, sizeof(err)))
		FAIL(EXIT_RUNTIME, "%s", err);
	return 0;
}

/* Guest memory is a memfd of our own: made (and loaded) before KVM is asked for anything. */
static int create_memory(struct vm *vm)
{
	struct gm_layout layout;
	int r;

	x86_board_memory_layout(vm->cfg->mem_mib << 20, &layout);
	r = gm_create(&vm->mem, &layout);
	if (r)
		FAIL(EXIT_RUNTIME, "cannot allocate %llu MiB of guest memory: %s",
		     (unsigned long long)vm->cfg->mem_mib, strerror(-r));
	return 0;
}

static int register_memory(struct vm *vm)
{
	int r;

	for (int i = 0; i < vm->mem.nr_regions; i++) {
		struct gm_region *g = &vm->mem.regions[i];

		r = kvm_set_memory(&vm->kvm, (uint32_t)i, g->gpa, g->size, g->host);
		if (r)
			FAIL(EXIT_RUNTIME, "KVM_SET_USER_MEMORY_REGION: %s", strerror(-r));
	}
	return 0;
}

/* The kernel command line, at its fixed address. */
static int load_cmdline(struct vm *vm, const struct kernel_info *ki, struct x86_boot_config *boot)
{
	char *cmdline = config_kernel_cmdline(vm->cfg);
	size_t cmdlen;
	int r;

	if (!cmdline)
		FAIL(EXIT_RUNTIME, "out of memory");
	cmdlen = strlen(cmdline);
	if (cmdlen > ki->cmdline_max || cmdlen + 1 > X86_CMDLINE_MAX) {
		free(cmdline);
		FAIL(EXIT_BAD_INPUT,
		     "--params: kernel command line is %zu bytes, the kernel takes %u", cmdlen,
		     ki->cmdline_max);
	}
	r = gm_write(&vm->mem, X86_CMDLINE_ADDR, cmdline, cmdlen + 1);
	log_debug("kernel command line: %s", cmdline);
	free(cmdline);
	if (r)
		FAIL(EXIT_BAD_INPUT, "--mem: too small for the kernel command line");
	boot->cmdline_addr = X86_CMDLINE_ADDR;
	boot->cmdline_size = (uint32_t)cmdlen + 1;
	return 0;
}

static int load_images(struct vm *vm, const struct images *im, struct x86_entry *entry)
{
	const struct vm_config *cfg = vm->cfg;
	struct x86_boot_config boot = {0};
	struct kernel_info ki;
	char err[256];
	int r;

	r = kernel_load(&vm->mem, im->kernel, im->kernel_len, &ki, err, sizeof(err));
	if (r)
		FAIL(EXIT_BAD_INPUT, "KERNEL '%s': %s", cfg->kernel, err);
	*entry = (struct x86_entry){ki.entry, ki.pvh};
	if ((r = load_cmdline(vm, &ki, &boot)))
		return r;
	if (im->initrd) {
		r = initrd_place(&vm->mem, &ki, im->initrd_len, &boot.initrd_addr, err,
				 sizeof(err));
		if (r)
			FAIL(EXIT_BAD_INPUT, "--initrd '%s': %s", cfg->initrd, err);
		gm_write(&vm->mem, boot.initrd_addr, im->initrd, im->initrd_len);
		boot.initrd_size = im->initrd_len;
	}
	if (x86_acpi_build(&vm->mem, vm->nr_vcpus, cfg->rtc, &boot.rsdp_addr))
		FAIL(EXIT_BAD_INPUT, "--mem: too small for the ACPI tables");
	if (x86_write_boot_tables(&vm->mem))
		FAIL(EXIT_BAD_INPUT, "--mem: too small for the boot page tables");
	boot.hdr = ki.has_setup_header ? &ki.hdr : NULL;
	if (ki.pvh ? x86_write_pvh_start_info(&vm->mem, &boot)
		   : x86_write_boot_params(&vm->mem, &boot))
		FAIL(EXIT_BAD_INPUT, "--mem: too small for the boot parameters");
	return 0;
}

static void exit_notify(void *opaque, enum vm_exit_reason reason)
{
	vm_request_exit(opaque, reason);
}

/* The legacy devices, writing to out (whose descriptors they now own). */
static int setup_legacy(struct vm *vm, const struct x86_serial_out out[SERIAL_PORTS])
{
	struct x86_legacy_config lc = {.rtc = vm->cfg->rtc, .i8042 = vm->cfg->i8042};

	memcpy(lc.out, out, sizeof(lc.out));
	if (x86_legacy_init(&vm->board, &vm->kvm, &vm->pio, &lc,
			    (struct exit_notifier){exit_notify, vm}, &vm->mem))
		FAIL(EXIT_RUNTIME, "cannot map the legacy devices");
	return 0;
}

static int setup_vcpus(struct vm *vm, const struct x86_entry *entry)
{
	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		FAIL(EXIT_RUNTIME, "out of memory");
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		int r = vcpu_create(vm, v, i);

		if (!r)
			r = x86_board_init_vcpu(&vm->kvm, v->fd, i, vm->nr_vcpus, entry);
		if (r)
			FAIL(EXIT_RUNTIME, "vcpu %u setup: %s", i, strerror(-r));
	}
	return 0;
}

static int vm_check_policies(const struct vm *vm)
{
#ifdef CROSVM_HAVE_SECCOMP
	return vm_seccomp_check(vm);
#else
	return 0;
#endif
}

int vm_build(struct vm *vm, struct x86_entry *entry)
{
	struct x86_serial_out out[SERIAL_PORTS];
	struct images im = {0};
	int r;

	vm->nr_vcpus = vm->cfg->cpus;
	/*
	 * Everything that can be checked without KVM is, before /dev/kvm is opened:
	 * the devices' files, the kernel and initrd (loaded into guest memory, which
	 * is ours), the command line, the serial files and the seccomp policies. On
	 * a host without usable KVM, bad input is still named as such.
	 */
	r = vm_devices_prepare(vm);
	if (!r)
		r = map_images(vm->cfg, &im);
	if (!r)
		r = create_memory(vm);
	if (!r)
		r = load_images(vm, &im, entry);
	unmap_images(&im);
	if (r)
		return r;
	r = vm_serial_open(vm, out);
	if (r)
		return r;
	r = vm_check_policies(vm);
	if (!r)
		r = setup_kvm(vm);
	if (!r)
		r = register_memory(vm);
	if (!r)
		r = setup_legacy(vm, out);
	else
		vm_serial_close(out);
	if (!r)
		r = vm_devices_add(vm);
	if (!r)
		r = setup_vcpus(vm, entry);
	return r;
}
