// SPDX-License-Identifier: BSD-3-Clause
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static struct vm_config cfg;
static char err[512];

#define PARSE(...)                                                                       \
	({                                                                               \
		char *argv[] = {"run", __VA_ARGS__};                                     \
		config_free(&cfg);                                                       \
		config_parse_run((int)(sizeof(argv) / sizeof(argv[0])), argv, &cfg, err, \
				 sizeof(err));                                           \
	})

static int teardown(void **state)
{
	config_free(&cfg);
	return 0;
}

static void test_defaults(void **state)
{
	char *cl;

	assert_int_equal(PARSE("vmlinux"), PARSE_OK);
	assert_string_equal(cfg.kernel, "vmlinux");
	assert_int_equal(cfg.mem_mib, 256);
	assert_int_equal(cfg.cpus, 1);
	assert_true(cfg.serial[0].configured);
	assert_int_equal(cfg.serial[0].type, SERIAL_STDOUT);
	assert_true(cfg.serial[0].console);
	assert_true(cfg.serial[0].stdin_input);
	assert_false(cfg.serial[1].configured);
	cl = config_kernel_cmdline(&cfg);
	assert_string_equal(cl, "console=ttyS0");
	free(cl);
}

static void test_flags(void **state)
{
	char *cl;

	assert_int_equal(PARSE("-m", "1024", "--cpus=4", "-i", "initrd", "-p", "quiet", "--params",
			       "panic=-1", "bz"),
			 PARSE_OK);
	assert_int_equal(cfg.mem_mib, 1024);
	assert_int_equal(cfg.cpus, 4);
	assert_string_equal(cfg.initrd, "initrd");
	assert_string_equal(cfg.params, "quiet panic=-1");
	cl = config_kernel_cmdline(&cfg);
	assert_string_equal(cl, "console=ttyS0 quiet panic=-1");
	free(cl);
	assert_int_equal(PARSE("-m512", "--mem", "64", "bz"), PARSE_ERROR); /* given twice */
	assert_int_equal(PARSE("--help"), PARSE_HELP);
	assert_int_equal(PARSE("-h", "bz"), PARSE_HELP);
}

static void test_errors(void **state)
{
	assert_int_equal(PARSE("-m", "0", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--mem"));
	assert_int_equal(PARSE("-m", "-5", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("-m", "12abc", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("-m", "99999999999", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "host"));
	assert_int_equal(PARSE("-c", "0", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--cpus"));
	assert_int_equal(PARSE("-c", "100000", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--bogus", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--bogus"));
	assert_int_equal(PARSE("-x", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("bz", "extra"), PARSE_ERROR);
	assert_int_equal(PARSE("-m"), PARSE_ERROR);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(PARSE("-m", "64"), PARSE_ERROR);
	assert_non_null(strstr(err, "KERNEL"));
	assert_int_equal(PARSE("--log-level", "loud", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--gdb", "0", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--gdb"));
	assert_int_equal(PARSE("--gdb", "65536", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--gdb", "12ab", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--gdb", "1234", "bz"), PARSE_OK);
	assert_int_equal(cfg.gdb_port, 1234);
	assert_int_equal(PARSE("bz"), PARSE_OK);
	assert_int_equal(cfg.gdb_port, 0);
}

/* The control socket, the balloon switch and the syslog tag. */
static void test_control_flags(void **state)
{
	assert_int_equal(PARSE("bz"), PARSE_OK);
	assert_true(cfg.balloon);
	assert_null(cfg.socket_path);
	assert_null(cfg.syslog_tag);
	assert_int_equal(PARSE("-s", "/run/vm.sock", "--no-balloon", "--syslog-tag", "vm1", "bz"),
			 PARSE_OK);
	assert_string_equal(cfg.socket_path, "/run/vm.sock");
	assert_false(cfg.balloon);
	assert_string_equal(cfg.syslog_tag, "vm1");
	assert_int_equal(PARSE("--no-balloon", "--balloon", "--socket=/tmp", "bz"), PARSE_OK);
	assert_true(cfg.balloon);
	assert_string_equal(cfg.socket_path, "/tmp");
	assert_int_equal(PARSE("--socket=", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--socket"));
	assert_int_equal(PARSE("--balloon=yes", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--balloon"));
	assert_int_equal(PARSE("--syslog-tag", "", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--syslog-tag"));
}

/* The sandbox flags: on by default, paths absolute. */
static void test_sandbox_flags(void **state)
{
	assert_int_equal(PARSE("bz"), PARSE_OK);
	assert_true(cfg.sandbox);
	assert_false(cfg.seccomp_log_failures);
	assert_null(cfg.seccomp_policy_dir);
	assert_null(cfg.pivot_root);
	assert_int_equal(PARSE("--disable-sandbox", "--seccomp-log-failures",
			       "--seccomp-policy-dir", "/etc", "--pivot-root=/srv/empty", "bz"),
			 PARSE_OK);
	assert_false(cfg.sandbox);
	assert_true(cfg.seccomp_log_failures);
	assert_string_equal(cfg.seccomp_policy_dir, "/etc");
	assert_string_equal(cfg.pivot_root, "/srv/empty");
	assert_int_equal(PARSE("--pivot-root", "var/empty", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--pivot-root"));
	assert_non_null(strstr(err, "absolute"));
	assert_int_equal(PARSE("--seccomp-policy-dir", "", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--seccomp-policy-dir"));
	assert_int_equal(PARSE("--disable-sandbox=1", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--disable-sandbox"));
	assert_int_equal(PARSE("--seccomp-policy-dir", "bz"), PARSE_ERROR);
}

static void test_serial(void **state)
{
	char *cl;

	assert_int_equal(PARSE("--serial", "type=file,num=2,path=/tmp/x,console=true", "bz"),
			 PARSE_OK);
	assert_false(cfg.serial[0].configured);
	assert_true(cfg.serial[1].configured);
	assert_int_equal(cfg.serial[1].type, SERIAL_FILE);
	assert_string_equal(cfg.serial[1].path, "/tmp/x");
	cl = config_kernel_cmdline(&cfg);
	assert_string_equal(cl, "console=ttyS1");
	free(cl);

	assert_int_equal(PARSE("--serial", "type=sink", "--serial", "type=syslog,num=4", "bz"),
			 PARSE_OK);
	assert_int_equal(cfg.serial[0].type, SERIAL_SINK);
	assert_int_equal(cfg.serial[3].type, SERIAL_SYSLOG);
	cl = config_kernel_cmdline(&cfg);
	assert_string_equal(cl, "");
	free(cl);

	assert_int_equal(PARSE("--serial", "type=bogus", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--serial"));
	assert_int_equal(PARSE("--serial", "num=9,type=stdout", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--serial", "num=0,type=stdout", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--serial", "num=1", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "type="));
	assert_int_equal(PARSE("--serial", "type=file", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--serial", "type=stdout,path=/x", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--serial", "type=stdout,color=red", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--serial", "type=stdout,stdin", "bz"), PARSE_OK); /* bare key */
	assert_int_equal(PARSE("--serial", "type=stdout,path", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--serial", "type=stdout,console=maybe", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--serial", "type=stdout", "--serial", "type=sink", "bz"),
			 PARSE_ERROR);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(PARSE("--serial", "type=stdout,stdin=true", "--serial",
			       "type=stdout,num=2,stdin=true", "bz"),
			 PARSE_ERROR);
}

static void test_disks(void **state)
{
	char *cl;

	assert_int_equal(PARSE("--rwdisk", "a.img,sparse=false,id=data", "-d", "b.img", "-r",
			       "root.img,block_size=4096", "bz"),
			 PARSE_OK);
	assert_int_equal(cfg.nr_disks, 3);
	/* The root disk is /dev/vda whatever its position on the command line. */
	assert_string_equal(cfg.disks[0].path, "root.img");
	assert_true(cfg.disks[0].root);
	assert_true(cfg.disks[0].read_only);
	assert_int_equal(cfg.disks[0].block_size, 4096);
	assert_string_equal(cfg.disks[1].path, "a.img");
	assert_false(cfg.disks[1].read_only);
	assert_false(cfg.disks[1].sparse);
	assert_string_equal(cfg.disks[1].id, "data");
	assert_string_equal(cfg.disks[2].path, "b.img");
	assert_true(cfg.disks[2].read_only);
	assert_true(cfg.disks[2].sparse);
	cl = config_kernel_cmdline(&cfg);
	assert_string_equal(cl, "console=ttyS0 root=/dev/vda ro");
	free(cl);
	assert_int_equal(PARSE("--rwroot", "r.img", "bz"), PARSE_OK);
	cl = config_kernel_cmdline(&cfg);
	assert_string_equal(cl, "console=ttyS0 root=/dev/vda rw");
	free(cl);

	assert_int_equal(PARSE("--rwdisk", "", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--rwdisk"));
	assert_int_equal(PARSE("-d", "a,block_size=1000", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "block_size"));
	assert_int_equal(PARSE("-d", "a,id=123456789012345678901", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("-d", "a,sparse=maybe", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("-d", "a,color=red", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("-d", "a,junk", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("-r", "a", "--rwroot", "b", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "root"));
	assert_int_equal(PARSE("--no-rng", "bz"), PARSE_OK);
	assert_false(cfg.rng);
	assert_int_equal(PARSE("--no-rng=1", "bz"), PARSE_ERROR);
	assert_int_equal(PARSE("--video-encoder=vaapi", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--video-encoder"));
#ifdef CROSVM_HAVE_VIDEO
	assert_int_equal(PARSE("bz"), PARSE_OK);
	assert_false(cfg.video_encoder);
	assert_int_equal(PARSE("--video-encoder", "bz"), PARSE_OK);
	assert_true(cfg.video_encoder);
	assert_int_equal(PARSE("--video-encoder=libavcodec", "bz"), PARSE_OK);
	assert_true(cfg.video_encoder);
#else
	assert_int_equal(PARSE("--video-encoder", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "without libavcodec"));
#endif
}

/* Every flag of `crosvm run`, as its help should list it. */
static const char *const run_flags[] = {
	"initrd",
	"params",
	"mem",
	"cpus",
	"serial",
	"gdb",
	"root",
	"rwroot",
	"disk",
	"rwdisk",
	"block",
	"host_ip",
	"netmask",
	"mac",
	"tap-name",
	"tap-fd",
	"no-rng",
	"no-i8042",
	"no-rtc",
	"socket",
	"balloon",
	"no-balloon",
	"video-encoder",
	"disable-sandbox",
	"pivot-root",
	"seccomp-policy-dir",
	"seccomp-log-failures",
	"log-level",
	"syslog-tag",
	"help",
};

static char *run_usage(void)
{
	FILE *f = tmpfile();
	char *text;
	long len;

	assert_non_null(f);
	config_print_run_usage(f);
	len = ftell(f);
	assert_true(len > 0);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	rewind(f);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

/* Each "--name" in a flag column must be a flag the parser knows; returns how many. */
static size_t check_flag_names(const char *col, size_t len)
{
	size_t nr = 0;

	for (const char *p = strstr(col, "--"); p && p < col + len; p = strstr(p + 2, "--")) {
		char flag[64];
		size_t n = strcspn(p, " [=,");
		char *argv[] = {"run", flag, "bz"};

		assert_true(n < sizeof(flag));
		memcpy(flag, p, n);
		flag[n] = '\0';
		config_free(&cfg);
		if (config_parse_run(3, argv, &cfg, err, sizeof(err)) == PARSE_ERROR)
			assert_null(strstr(err, "unknown flag"));
		nr++;
	}
	return nr;
}

/*
 * The generated help: the fixed header and exit statuses around one entry per flag,
 * each flag's help in column 25 (from the next line after a wide flag column), and
 * every "--name" it lists accepted by the parser.
 */
/* Issue 18's numbers and repeated flags: decimal only, -m/-c/-i/-s once. */
static void test_numbers_and_repeats(void **state)
{
	assert_int_equal(PARSE("-m", "0777", "k"), PARSE_OK);
	assert_int_equal(cfg.mem_mib, 777);
	assert_int_equal(PARSE("-m", "08", "k"), PARSE_OK);
	assert_int_equal(cfg.mem_mib, 8);
	assert_int_equal(PARSE("-m", "0x100", "k"), PARSE_ERROR);
	assert_non_null(strstr(err, "--mem"));
	assert_int_equal(PARSE("-m", " 5", "k"), PARSE_ERROR);
	assert_int_equal(PARSE("-c", "+2", "k"), PARSE_ERROR);
	assert_int_equal(PARSE("--serial", "type=sink,num=0x2", "k"), PARSE_ERROR);
	assert_int_equal(PARSE("-m", "1", "-m", "2", "k"), PARSE_ERROR);
	assert_string_equal(err, "--mem: given twice");
	assert_int_equal(PARSE("-c", "1", "--cpus=2", "k"), PARSE_ERROR);
	assert_string_equal(err, "--cpus: given twice");
	assert_int_equal(PARSE("-i", "a", "--initrd", "b", "k"), PARSE_ERROR);
	assert_string_equal(err, "--initrd: given twice");
	assert_int_equal(PARSE("-s", "a", "-s", "b", "k"), PARSE_ERROR);
	/* Repeatable ones stay repeatable. */
	assert_int_equal(PARSE("-p", "a", "-p", "b", "--no-rng", "--no-rng", "k"), PARSE_OK);
	/* crosvm's key=value forms. */
	assert_int_equal(PARSE("-m", "size=512", "-c", "num-cores=3", "k"), PARSE_OK);
	assert_int_equal(cfg.mem_mib, 512);
	assert_int_equal(cfg.cpus, 3);
	assert_int_equal(PARSE("-m", "size=", "k"), PARSE_ERROR);
	assert_int_equal(PARSE("-c", "clusters=2", "k"), PARSE_ERROR);
}

/* A switch's letter with more after it is no switch: -hello is not -h. */
static void test_short_switches(void **state)
{
	assert_int_equal(PARSE("-hello", "k"), PARSE_ERROR);
	assert_non_null(strstr(err, "'-hello'"));
	assert_int_equal(PARSE("-h"), PARSE_HELP);
	assert_int_equal(PARSE("k", "-h"), PARSE_HELP);
	assert_int_equal(PARSE("-m512", "k"), PARSE_OK); /* a value may follow its letter */
	assert_int_equal(cfg.mem_mib, 512);
}

static void test_policy_dir(void **state)
{
	assert_int_equal(PARSE("--seccomp-policy-dir", "/nonexistent-policies", "k"), PARSE_ERROR);
	assert_string_equal(err, "--seccomp-policy-dir: '/nonexistent-policies': No such file or "
				 "directory");
	assert_int_equal(PARSE("--seccomp-policy-dir", "/dev/null", "k"), PARSE_ERROR);
	assert_non_null(strstr(err, "not a directory"));
	assert_int_equal(PARSE("--seccomp-policy-dir", "/", "k"), PARSE_OK);
}

/* --block as crosvm takes it, and --serial's bare boolean keys. */
static void test_block_and_bare_keys(void **state)
{
	assert_int_equal(PARSE("--block", "path=/d.img", "--block",
			       "/r.img,ro,root,sparse=false,block-size=4096,id=abc,direct",
			       "--block", "path=/w.img,ro=false,direct=false", "k"),
			 PARSE_OK);
	assert_int_equal(cfg.nr_disks, 3);
	assert_string_equal(cfg.disks[0].path, "/r.img"); /* the root disk is /dev/vda */
	assert_true(cfg.disks[0].read_only && cfg.disks[0].root && cfg.disks[0].o_direct);
	assert_false(cfg.disks[0].sparse);
	assert_int_equal(cfg.disks[0].block_size, 4096);
	assert_string_equal(cfg.disks[0].id, "abc");
	assert_string_equal(cfg.disks[1].path, "/d.img");
	assert_false(cfg.disks[1].read_only); /* writable unless ro, as in crosvm */
	assert_true(cfg.disks[1].sparse);
	assert_false(cfg.disks[2].read_only || cfg.disks[2].o_direct);
	assert_int_equal(PARSE("--block", "ro", "k"), PARSE_ERROR);
	assert_string_equal(err, "--block: path= is required");
	assert_int_equal(PARSE("--block", "path=", "k"), PARSE_ERROR);
	assert_int_equal(PARSE("--block", "/a,bogus=1", "k"), PARSE_ERROR);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(PARSE("--block", "/a,ro=maybe", "k"), PARSE_ERROR);
	assert_int_equal(PARSE("--block", "/a,block-size=1000", "k"), PARSE_ERROR);
	assert_int_equal(PARSE("--block", "/a,root", "--rwroot", "/b", "k"), PARSE_ERROR);

	assert_int_equal(PARSE("--serial", "type=stdout,console,stdin", "k"), PARSE_OK);
	assert_true(cfg.serial[0].console && cfg.serial[0].stdin_input);
	assert_int_equal(PARSE("--serial", "type=sink,num=2,console", "k"), PARSE_OK);
	assert_true(cfg.serial[1].console);
	assert_int_equal(PARSE("--serial", "type", "k"), PARSE_ERROR);
	assert_int_equal(PARSE("--serial", "type=sink,num", "k"), PARSE_ERROR);
}

/* --no-i8042, --no-rtc; --serial's earlycon, input=, type=unix and what they cannot be given with.
 */
static void test_legacy_and_serial_keys(void **state)
{
	char *cl;

	assert_int_equal(PARSE("k"), PARSE_OK);
	assert_true(cfg.i8042 && cfg.rtc);
	assert_int_equal(PARSE("--no-i8042", "--no-rtc", "k"), PARSE_OK);
	assert_false(cfg.i8042 || cfg.rtc);
	assert_int_equal(PARSE("--no-rtc=1", "k"), PARSE_ERROR);
	assert_string_equal(err, "--no-rtc: takes no value");

	/* earlycon names the port's I/O base, after console=, before -p. */
	assert_int_equal(
		PARSE("--serial", "type=stdout,num=2,console,earlycon", "-p", "quiet", "k"),
		PARSE_OK);
	assert_true(cfg.serial[1].earlycon);
	cl = config_kernel_cmdline(&cfg);
	assert_string_equal(cl, "console=ttyS1 earlycon=uart8250,io,0x2f8 quiet");
	free(cl);
	assert_int_equal(PARSE("--serial", "type=sink,earlycon=true", "--serial",
			       "type=sink,num=4,earlycon=false", "k"),
			 PARSE_OK);
	cl = config_kernel_cmdline(&cfg);
	assert_string_equal(cl, "earlycon=uart8250,io,0x3f8");
	free(cl);
	assert_int_equal(PARSE("--serial", "type=sink,num=3,earlycon", "--rwroot", "/r", "k"),
			 PARSE_OK);
	cl = config_kernel_cmdline(&cfg);
	assert_string_equal(cl, "earlycon=uart8250,io,0x3e8 root=/dev/vda rw");
	free(cl);
	assert_int_equal(PARSE("--serial", "type=sink,earlycon", "--serial",
			       "type=sink,num=2,earlycon", "k"),
			 PARSE_ERROR);
	assert_string_equal(err, "--serial: earlycon is given for more than one port");
	assert_int_equal(PARSE("--serial", "type=sink,earlycon=maybe", "k"), PARSE_ERROR);

	/* input=: a file the port reads; not with stdin, and not empty. */
	assert_int_equal(PARSE("--serial", "type=sink,input=/tmp/in", "k"), PARSE_OK);
	assert_string_equal(cfg.serial[0].input, "/tmp/in");
	assert_false(cfg.serial[0].stdin_input);
	assert_int_equal(PARSE("--serial", "type=stdout,stdin,input=/tmp/in", "k"), PARSE_ERROR);
	assert_string_equal(err, "--serial: input= and stdin are exclusive (one input a port)");
	assert_int_equal(PARSE("--serial", "type=sink,input=", "k"), PARSE_ERROR);
	assert_string_equal(err, "--serial: input is empty");
	assert_int_equal(PARSE("--serial", "type=sink,input", "k"), PARSE_ERROR);

	/* type=unix needs a path that fits a sockaddr_un. */
	assert_int_equal(PARSE("--serial", "type=unix,path=/run/log.sock,num=2", "k"), PARSE_OK);
	assert_int_equal(cfg.serial[1].type, SERIAL_UNIX);
	assert_string_equal(cfg.serial[1].path, "/run/log.sock");
	assert_int_equal(PARSE("--serial", "type=unix", "k"), PARSE_ERROR);
	assert_string_equal(err, "--serial: type=unix needs path=");
	assert_int_equal(PARSE("--serial",
			       "type=unix,path=/"
			       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			       "k"),
			 PARSE_ERROR);
	assert_non_null(strstr(err, "too long for a unix socket"));
	assert_int_equal(PARSE("--serial", "type=syslog,path=/x", "k"), PARSE_ERROR);
	assert_string_equal(err, "--serial: path= only applies to type=file and type=unix");
}

/* --serial hardware=virtio-console: /dev/hvcN, numbered apart from the COM ports. */
static void test_virtio_console(void **state)
{
	char *cl;

	assert_int_equal(PARSE("--serial", "type=file,path=/o,hardware=virtio-console,console",
			       "--serial", "type=sink,num=2,hardware=virtio-console,input=/i",
			       "--serial", "type=stdout,hardware=serial", "k"),
			 PARSE_OK);
	assert_true(cfg.consoles[0].configured && cfg.consoles[1].configured);
	assert_string_equal(cfg.consoles[0].path, "/o");
	assert_string_equal(cfg.consoles[1].input, "/i");
	assert_true(cfg.serial[0].configured);
	assert_false(cfg.serial[0].console);
	cl = config_kernel_cmdline(&cfg);
	assert_string_equal(cl, "console=hvc0");
	free(cl);
	/* A virtio-console alone is a --serial: no default COM1 console. */
	assert_int_equal(PARSE("--serial", "type=sink,hardware=virtio-console", "k"), PARSE_OK);
	assert_false(cfg.serial[0].configured);
	/* One console in all; each kind's num given once; what the device cannot do. */
	assert_int_equal(PARSE("--serial", "type=sink,console", "--serial",
			       "type=sink,hardware=virtio-console,console", "k"),
			 PARSE_ERROR);
	assert_non_null(strstr(err, "more than one port"));
	assert_int_equal(PARSE("--serial", "type=sink,hardware=virtio-console", "--serial",
			       "type=sink,hardware=virtio-console", "k"),
			 PARSE_ERROR);
	assert_string_equal(err, "--serial: num=1 is given twice for virtio-console");
	assert_int_equal(PARSE("--serial", "type=syslog,hardware=virtio-console", "k"),
			 PARSE_ERROR);
	assert_string_equal(err,
			    "--serial: hardware=virtio-console takes type=stdout, file or sink");
	assert_int_equal(PARSE("--serial", "type=stdout,stdin,hardware=virtio-console", "k"),
			 PARSE_ERROR);
	assert_non_null(strstr(err, "takes no stdin"));
	assert_int_equal(PARSE("--serial", "type=sink,earlycon,hardware=virtio-console", "k"),
			 PARSE_ERROR);
	assert_int_equal(PARSE("--serial", "type=sink,hardware=pl011", "k"), PARSE_ERROR);
	assert_string_equal(err, "--serial: unknown hardware 'pl011' (serial or virtio-console)");
}

static void test_net_flags(void **state)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	int p[2];
	char fd[16];

	assert_int_equal(PARSE("bz"), PARSE_OK);
	assert_int_equal(cfg.nr_nets, 0);
	assert_int_equal(PARSE("--host_ip", "169.254.10.1", "--netmask", "255.255.255.0", "--mac",
			       "52:54:00:AB:cd:ef", "--tap-name", "tap7", "bz"),
			 PARSE_OK);
	/* The created TAP first, with --mac; the others keep their defaults. */
	assert_int_equal(cfg.nr_nets, 2);
	assert_int_equal(cfg.nets[0].kind, NET_TAP_CREATE);
	assert_int_equal(cfg.nets[0].host_ip, htonl(0xa9fe0a01));
	assert_int_equal(cfg.nets[0].netmask, htonl(0xffffff00));
	assert_memory_equal(cfg.nets[0].mac, mac, 6);
	assert_int_equal(cfg.nets[1].kind, NET_TAP_NAME);
	assert_string_equal(cfg.nets[1].tap_name, "tap7");
	assert_int_equal(cfg.nets[1].mac[0], 0x02); /* locally administered, unicast */
	assert_int_equal(cfg.nets[1].mac[5], 2);

	assert_int_equal(pipe(p), 0);
	snprintf(fd, sizeof(fd), "%d", p[0]);
	assert_int_equal(PARSE("--tap-fd", fd, "--tap-name=a", "--tap-name", "b", "bz"), PARSE_OK);
	assert_int_equal(cfg.nr_nets, 3);
	assert_int_equal(cfg.nets[0].kind, NET_TAP_FD);
	assert_int_equal(cfg.nets[0].tap_fd, p[0]);
	assert_int_not_equal(memcmp(cfg.nets[0].mac, cfg.nets[2].mac, 6), 0);
	assert_int_equal(PARSE("--tap-fd", fd, "--tap-fd", fd, "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "is given twice"));
	close(p[0]);
	close(p[1]);
	assert_int_equal(PARSE("--tap-fd", fd, "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--tap-fd: "));
	assert_non_null(strstr(err, "is not an open descriptor"));
	assert_int_equal(PARSE("--tap-fd", "1", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--tap-fd: 1 is stdin"));
	assert_int_equal(PARSE("--tap-fd", "x3", "bz"), PARSE_ERROR);
	assert_string_equal(err, "--tap-fd: 'x3' is not a descriptor number");

	assert_int_equal(PARSE("--host_ip", "10.0.0", "--netmask", "255.0.0.0", "bz"), PARSE_ERROR);
	assert_string_equal(err, "--host_ip: '10.0.0' is not an IPv4 address");
	assert_int_equal(PARSE("--host_ip", "10.0.0.256", "--netmask", "255.0.0.0", "bz"),
			 PARSE_ERROR);
	assert_non_null(strstr(err, "--host_ip: "));
	assert_int_equal(PARSE("--host_ip", "10.0.0.1", "--netmask", "255.0.255.0", "bz"),
			 PARSE_ERROR);
	assert_string_equal(err, "--netmask: '255.0.255.0' is not contiguous (ones, then zeroes)");
	assert_int_equal(PARSE("--host_ip", "10.0.0.1", "--netmask", "0.0.0.0", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--netmask: "));
	assert_int_equal(PARSE("--host_ip", "10.0.0.1", "--netmask", "mask", "bz"), PARSE_ERROR);
	assert_string_equal(err, "--netmask: 'mask' is not an IPv4 netmask");
	assert_int_equal(PARSE("--host_ip", "10.0.0.1", "--netmask", "255.255.255.255", "bz"),
			 PARSE_OK);
	assert_int_equal(PARSE("--host_ip", "10.0.0.1", "bz"), PARSE_ERROR);
	assert_string_equal(err, "--host_ip: needs --netmask too");
	assert_int_equal(PARSE("--netmask", "255.255.0.0", "bz"), PARSE_ERROR);
	assert_string_equal(err, "--netmask: needs --host_ip too");
	assert_int_equal(PARSE("--host_ip", "10.0.0.1", "--host_ip", "10.0.0.2", "bz"),
			 PARSE_ERROR);
	assert_string_equal(err, "--host_ip: given twice");

	assert_int_equal(PARSE("--tap-name", "t", "--mac", "52:54:00:ab:cd", "bz"), PARSE_ERROR);
	assert_string_equal(err,
			    "--mac: '52:54:00:ab:cd' is not a MAC address (xx:xx:xx:xx:xx:xx)");
	assert_int_equal(PARSE("--tap-name", "t", "--mac", "52-54-00-ab-cd-ef", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--mac: "));
	assert_int_equal(PARSE("--tap-name", "t", "--mac", "52:54:00:ab:cd:eg", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--mac: "));
	assert_int_equal(PARSE("--tap-name", "t", "--mac", "01:00:5e:00:00:01", "bz"), PARSE_ERROR);
	assert_string_equal(err, "--mac: '01:00:5e:00:00:01' is not a unicast address");
	assert_int_equal(PARSE("--mac", "52:54:00:ab:cd:ef", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--mac: no network device"));
	assert_int_equal(PARSE("--tap-name", "", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--tap-name: '' is not an interface name"));
	assert_int_equal(PARSE("--tap-name", "a-name-of-16-chr", "bz"), PARSE_ERROR);
	assert_non_null(strstr(err, "--tap-name: "));
	assert_int_equal(PARSE("--tap-name", "a-name-of-15-ch", "bz"), PARSE_OK);
	assert_int_equal(PARSE("--tap-name", "a", "--tap-name", "b", "--tap-name", "c",
			       "--tap-name", "d", "--tap-name", "e", "--tap-name", "f",
			       "--tap-name", "g", "--tap-name", "h", "--tap-name", "i", "bz"),
			 PARSE_ERROR);
	assert_string_equal(err, "--tap-name: at most 8 network devices");
	assert_int_equal(PARSE("--tap-name", "a", "--tap-name", "b", "--tap-name", "c",
			       "--tap-name", "d", "--tap-name", "e", "--tap-name", "f",
			       "--tap-name", "g", "--tap-name", "h", "--host_ip", "10.0.0.1",
			       "--netmask", "255.0.0.0", "bz"),
			 PARSE_ERROR);
	assert_string_equal(err, "--host_ip: at most 8 network devices");
}

static void test_usage(void **state)
{
	char *text = run_usage(), *save = NULL, *line;
	bool want_help = false;
	size_t nr_names = 0;

	assert_int_equal(strncmp(text, "Usage: crosvm run [OPTIONS] KERNEL\n\n", 36), 0);
	assert_non_null(strstr(text, "\n\nExit status: 0 when the guest powers off"));
	assert_non_null(strstr(text, "\n4 on a KVM internal error.\n"));
	for (size_t i = 0; i < sizeof(run_flags) / sizeof(run_flags[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "--%s", run_flags[i]);
		assert_non_null(strstr(text, name));
	}
	line = strstr(text, "\nOptions:\n");
	assert_non_null(line);
	for (line = strtok_r(line + 10, "\n", &save); line && strncmp(line, "Exit status", 11);
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		if (len > 25 && !strncmp(line, "                         ", 25)) {
			assert_true(line[25] != ' ');
			want_help = false;
			continue;
		}
		assert_false(want_help);
		assert_true(!strncmp(line, "  -", 3) || !strncmp(line, "      --", 8));
		if (len > 25 && line[24] == ' ' && line[25] != ' ') {
			nr_names += check_flag_names(line, 25);
		} else {
			nr_names += check_flag_names(line, len);
			want_help = true;
		}
	}
	assert_non_null(line);
	assert_false(want_help);
	assert_int_equal(nr_names, sizeof(run_flags) / sizeof(run_flags[0]));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_legacy_and_serial_keys),
		cmocka_unit_test(test_virtio_console),
		cmocka_unit_test(test_disks),
		cmocka_unit_test(test_control_flags),
		cmocka_unit_test(test_sandbox_flags),
		cmocka_unit_test(test_net_flags),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_numbers_and_repeats),
		cmocka_unit_test(test_short_switches),
		cmocka_unit_test(test_policy_dir),
		cmocka_unit_test(test_block_and_bare_keys),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
