// SPDX-License-Identifier: BSD-3-Clause
/*
 * Building a VM on a host without KVM: every check that does not need KVM
 * runs first, so bad input is named (status 2) instead of hidden behind the
 * KVM error. A good VM gets as far as KVM, which shows the others stopped
 * before it.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "vm/vm.h"

static char dir[64], kernel[96], errtext[2048];

/* A minimal ELF64 kernel: one segment of memsz bytes at 1 MiB. */
static void write_elf(const char *path, uint16_t type, uint64_t memsz)
{
	uint8_t img[0x300] = {0};
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	FILE *f = fopen(path, "wb");

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = type;
	eh->e_machine = EM_X86_64;
	eh->e_entry = 0x100000;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	*ph = (Elf64_Phdr){.p_type = PT_LOAD,
			   .p_offset = 0x200,
			   .p_paddr = 0x100000,
			   .p_vaddr = 0x100000,
			   .p_filesz = 0x100,
			   .p_memsz = memsz};
	assert_non_null(f);
	assert_int_equal(fwrite(img, sizeof(img), 1, f), 1);
	fclose(f);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/crosvm-build-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(kernel, sizeof(kernel), "%s/vmlinux", dir);
	write_elf(kernel, ET_EXEC, 0x1000);
	log_set_level(LOG_LVL_ERROR);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* crosvm run ARGS with no usable /dev/kvm; its status, its log in errtext. */
static int run(int argc, char **argv)
{
	struct vm_config cfg;
	char err[512];
	int e = memfd_create("err", 0), saved = dup(2), st;
	ssize_t n;

	assert_int_equal(config_parse_run(argc, argv, &cfg, err, sizeof(err)), PARSE_OK);
	cfg.kvm_path = "/nonexistent/kvm";
	fflush(stderr);
	dup2(e, 2);
	st = vm_run(&cfg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(e, errtext, sizeof(errtext) - 1, 0);
	errtext[n > 0 ? n : 0] = '\0';
	close(e);
	config_free(&cfg);
	return st;
}

#define RUN(...)                                                     \
	({                                                           \
		char *argv_[] = {"run", __VA_ARGS__};                \
		run((int)(sizeof(argv_) / sizeof(argv_[0])), argv_); \
	})

/* Refused for the reason named, and KVM was never reached. */
static void assert_refused(int st, const char *why)
{
	assert_int_equal(st, EXIT_BAD_INPUT);
	if (!strstr(errtext, why))
		fail_msg("wanted '%s' in: %s", why, errtext);
	assert_null(strstr(errtext, "kvm"));
}

static void test_good_reaches_kvm(void **state)
{
	assert_int_equal(RUN("--disable-sandbox", kernel), EXIT_BAD_INPUT);
	assert_non_null(strstr(errtext, "/nonexistent/kvm"));
}

static void test_kernel_checked_first(void **state)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/prog", dir);
	write_elf(path, ET_DYN, 0x1000);
	assert_refused(RUN("--disable-sandbox", path), "not a kernel");
	/* Too big for --mem. */
	write_elf(path, ET_EXEC, 64u << 20);
	assert_refused(RUN("--disable-sandbox", "-m", "16", path), "outside guest memory");
	/* Truncated inside its header. */
	assert_int_equal(truncate(path, 40), 0);
	assert_refused(RUN("--disable-sandbox", path), "truncated");
}

static void test_params_and_serial_first(void **state)
{
	static char longp[4000];
	char serial[160];

	memset(longp, 'x', sizeof(longp) - 1);
	assert_refused(RUN("--disable-sandbox", "-p", longp, kernel), "--params");
	snprintf(serial, sizeof(serial), "type=file,path=%s/no/such/dir/com1", dir);
	assert_refused(RUN("--disable-sandbox", "--serial", serial, kernel), "--serial");
	snprintf(serial, sizeof(serial), "type=sink,input=%s/no-such-input", dir);
	assert_refused(RUN("--disable-sandbox", "--serial", serial, kernel), "no-such-input");
}

/* type=unix connects to a datagram socket before KVM; another kind of socket is refused. */
static void test_serial_unix(void **state)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char serial[160];
	int fd;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/stream.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	snprintf(serial, sizeof(serial), "type=unix,path=%s", a.sun_path);
	assert_refused(RUN("--disable-sandbox", "--serial", serial, kernel), "type=unix");
	close(fd);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/dgram.sock", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	snprintf(serial, sizeof(serial), "type=unix,path=%s", a.sun_path);
	assert_int_equal(RUN("--disable-sandbox", "--serial", serial, kernel), EXIT_BAD_INPUT);
	assert_non_null(strstr(errtext, "/nonexistent/kvm")); /* it got as far as KVM */
	close(fd);
}

/* virtio-net's TAP is opened and checked before KVM; one the VM made is gone after it. */
static void test_net_first(void **state)
{
	char fd[16], pdir[96], path[160];
	int p[2];
	FILE *f;

	assert_int_equal(pipe(p), 0);
	snprintf(fd, sizeof(fd), "%d", p[0]);
	assert_refused(RUN("--disable-sandbox", "--tap-fd", fd, kernel), "is not a TAP");
	assert_non_null(strstr(errtext, "--tap-fd: "));
	close(p[0]);
	close(p[1]);
	assert_refused(RUN("--disable-sandbox", "--tap-name", "crosvmnone0", kernel),
		       "--tap-name: no network interface 'crosvmnone0'");
	/* As root, in a network namespace of this process's own, so nothing leaves it. */
	if (getuid() != 0 || access("/dev/net/tun", R_OK | W_OK) || unshare(CLONE_NEWNET))
		return;
	assert_int_equal(RUN("--disable-sandbox", "--host_ip", "169.254.3.1", "--netmask",
			     "255.255.255.0", kernel),
			 EXIT_BAD_INPUT);
	assert_non_null(strstr(errtext, "/nonexistent/kvm")); /* it got as far as KVM */
	assert_int_not_equal(access("/sys/class/net/vmtap0", F_OK), 0);
#ifdef CROSVM_HAVE_SECCOMP
	/* The device's policy is compiled before KVM too. */
	snprintf(pdir, sizeof(pdir), "%s/net-policies", dir);
	assert_int_equal(mkdir(pdir, 0700), 0);
	snprintf(path, sizeof(path), "%s/net_device.policy", pdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("read: 1\nnot_a_syscall_at_all: 1\n", f);
	fclose(f);
	assert_refused(RUN("--seccomp-policy-dir", pdir, "--host_ip", "169.254.3.1", "--netmask",
			   "255.255.255.0", kernel),
		       "net_device.policy:2");
	assert_int_not_equal(access("/sys/class/net/vmtap0", F_OK), 0);
#else
	(void)pdir;
	(void)path;
	(void)f;
#endif
}

#ifdef CROSVM_HAVE_SECCOMP
/* A policy file that does not compile is bad input, named, before KVM. */
static void test_broken_policy_first(void **state)
{
	char pdir[96], path[160], vcpu[160];
	FILE *f;

	snprintf(pdir, sizeof(pdir), "%s/policies", dir);
	assert_int_equal(mkdir(pdir, 0700), 0);
	snprintf(path, sizeof(path), "%s/rng_device.policy", pdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("read: 1\nnot_a_syscall_at_all: 1\n", f);
	fclose(f);
	assert_refused(RUN("--seccomp-policy-dir", pdir, kernel), "rng_device.policy:2");
	/* The VMM's own policies too. */
	snprintf(vcpu, sizeof(vcpu), "%s/vcpu.policy", pdir);
	assert_int_equal(rename(path, vcpu), 0);
	assert_refused(RUN("--seccomp-policy-dir", pdir, kernel), "vcpu.policy:2");
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_reaches_kvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_checked_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_and_serial_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_unix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_net_first, setup, teardown),
#ifdef CROSVM_HAVE_SECCOMP
		cmocka_unit_test_setup_teardown(test_broken_policy_first, setup, teardown),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
