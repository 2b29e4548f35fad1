// SPDX-License-Identifier: BSD-3-Clause
/*
 * The seccomp policy compiler: syntax, constants, includes, one-line errors, the built-in
 * policies, the directory resolver, and real enforcement in forked children.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/policy.h"
#include "sandbox/policy_ast.h"

/* ---- an in-memory resolver: a NULL-terminated list of {name, text} ---- */

struct file {
	const char *name, *text;
};

static int mem_resolve(void *ctx, const char *name, struct policy_text *out)
{
	for (const struct file *f = ctx; f->name; f++) {
		if (!strcmp(f->name, name)) {
			*out = (struct policy_text){.data = f->text, .len = strlen(f->text)};
			return 0;
		}
	}
	return -ENOENT;
}

static int parse_one(const char *text, struct policy *p, char *err, size_t errlen)
{
	struct file files[] = {{"t.policy", text}, {NULL, NULL}};

	return policy_parse("t.policy", mem_resolve, files, p, err, errlen);
}

static int compile_one(const char *text, enum policy_mode mode, scmp_filter_ctx *f, char *err,
		       size_t errlen)
{
	struct file files[] = {{"t.policy", text}, {NULL, NULL}};

	return policy_compile("t.policy", mem_resolve, files, mode, f, err, errlen);
}

static const struct policy_rule *rule_for(const struct policy *p, int nr)
{
	for (size_t i = 0; i < p->nrules; i++) {
		if (p->rules[i].nr == nr)
			return &p->rules[i];
	}
	return NULL;
}

/* ---- syntax ---- */

static void test_actions(void **state)
{
	static const char text[] = "# a comment\n"
				   "\n"
				   "read: 1\n"
				   "  write : allow   # trailing comment\n"
				   "open: return ENOENT\n"
				   "openat: return 13\n"
				   "ptrace: kill\n"
				   "kexec_load: kill-process\n"
				   "tkill: kill-thread\n"
				   "uname: trap\n"
				   "getuid: log\n"
				   "3: 1\n"
				   "@frequency ./common_device.frequency\n";
	struct policy p;
	char err[256];
	const struct policy_rule *r;

	assert_int_equal(parse_one(text, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nrules, 10);
	r = rule_for(&p, SCMP_SYS(read));
	assert_non_null(r);
	assert_int_equal(r->action, PACT_ALLOW);
	assert_int_equal(r->natoms, 0);
	assert_int_equal(r->line, 3);
	assert_string_equal(r->file, "t.policy");
	assert_int_equal(rule_for(&p, SCMP_SYS(write))->action, PACT_ALLOW);
	r = rule_for(&p, SCMP_SYS(open));
	assert_int_equal(r->action, PACT_ERRNO);
	assert_int_equal(r->errno_val, ENOENT);
	assert_int_equal(rule_for(&p, SCMP_SYS(openat))->errno_val, 13);
	assert_int_equal(rule_for(&p, SCMP_SYS(ptrace))->action, PACT_KILL_PROCESS);
	assert_int_equal(rule_for(&p, SCMP_SYS(kexec_load))->action, PACT_KILL_PROCESS);
	assert_int_equal(rule_for(&p, SCMP_SYS(tkill))->action, PACT_KILL_THREAD);
	assert_int_equal(rule_for(&p, SCMP_SYS(uname))->action, PACT_TRAP);
	assert_int_equal(rule_for(&p, SCMP_SYS(getuid))->action, PACT_LOG);
	assert_int_equal(rule_for(&p, 3)->action, PACT_ALLOW); /* close, by number */
	assert_int_equal(rule_for(&p, 3)->line, 12);
	policy_free(&p);
}

static void test_expressions(void **state)
{
	static const char text[] =
		"mmap: arg2 in ~PROT_EXEC || arg2 == PROT_READ|PROT_EXEC && arg3 & MAP_PRIVATE\n"
		"ioctl: arg1 == FIONBIO; return ENOTTY\n"
		"fcntl: arg1 != 1 && arg1 < 0x10 && arg2 <= 010 || arg1 > 7 && arg1 >= 9\n";
	struct policy p;
	char err[256];
	const struct policy_rule *r;

	assert_int_equal(parse_one(text, &p, err, sizeof(err)), 0);
	r = rule_for(&p, SCMP_SYS(mmap));
	assert_int_equal(r->natoms, 3);
	assert_int_equal(r->ngroups, 2);
	assert_int_equal(r->action, PACT_ALLOW);
	assert_int_equal(r->else_action, PACT_DEFAULT);
	assert_int_equal(r->atoms[0].arg, 2);
	assert_int_equal(r->atoms[0].op, POP_IN);
	assert_true(r->atoms[0].val == ~(uint64_t)PROT_EXEC);
	assert_int_equal(r->atoms[0].group, 0);
	assert_int_equal(r->atoms[1].op, POP_EQ);
	assert_int_equal(r->atoms[1].val, PROT_READ | PROT_EXEC);
	assert_int_equal(r->atoms[1].group, 1);
	assert_int_equal(r->atoms[2].arg, 3);
	assert_int_equal(r->atoms[2].op, POP_SET);
	assert_int_equal(r->atoms[2].val, MAP_PRIVATE);
	assert_int_equal(r->atoms[2].group, 1);

	r = rule_for(&p, SCMP_SYS(ioctl));
	assert_int_equal(r->natoms, 1);
	assert_int_equal(r->atoms[0].val, FIONBIO);
	assert_int_equal(r->else_action, PACT_ERRNO);
	assert_int_equal(r->else_errno, ENOTTY);

	r = rule_for(&p, SCMP_SYS(fcntl));
	assert_int_equal(r->natoms, 5);
	assert_int_equal(r->ngroups, 2);
	assert_int_equal(r->atoms[0].op, POP_NE);
	assert_int_equal(r->atoms[1].op, POP_LT);
	assert_int_equal(r->atoms[1].val, 16);
	assert_int_equal(r->atoms[2].op, POP_LE);
	assert_int_equal(r->atoms[2].val, 8); /* octal */
	assert_int_equal(r->atoms[3].op, POP_GT);
	assert_int_equal(r->atoms[4].op, POP_GE);
	assert_int_equal(r->atoms[4].group, 1);
	policy_free(&p);
}

static uint64_t value_of(const char *expr)
{
	char text[256], err[256];
	struct policy p;
	uint64_t v;

	snprintf(text, sizeof(text), "read: arg0 == %s\n", expr);
	if (parse_one(text, &p, err, sizeof(err))) {
		fail_msg("%s: %s", expr, err);
		return 0;
	}
	v = p.rules[0].atoms[0].val;
	policy_free(&p);
	return v;
}

static void test_values(void **state)
{
	assert_int_equal(value_of("42"), 42);
	assert_int_equal(value_of("0x2A"), 42);
	assert_int_equal(value_of("052"), 42);
	assert_int_equal(value_of("0"), 0);
	assert_true(value_of("0xffffffffffffffff") == UINT64_MAX);
	assert_true(value_of("18446744073709551615") == UINT64_MAX);
	assert_int_equal(value_of("O_RDWR|O_CLOEXEC"), O_RDWR | O_CLOEXEC);
	assert_int_equal(value_of("PROT_READ | PROT_WRITE"), PROT_READ | PROT_WRITE);
	assert_true(value_of("~PROT_EXEC") == ~(uint64_t)PROT_EXEC);
	assert_true(value_of("~(PROT_WRITE|PROT_EXEC)") == ~(uint64_t)(PROT_WRITE | PROT_EXEC));
	assert_int_equal(value_of("(1|2)|0x10"), 0x13);
	assert_int_equal(value_of("EFD_CLOEXEC|EFD_NONBLOCK"), EFD_CLOEXEC | EFD_NONBLOCK);
	assert_int_equal(value_of("F_DUPFD_CLOEXEC"), F_DUPFD_CLOEXEC);
	assert_int_equal(value_of("FUTEX_WAIT_PRIVATE"), 128);
	assert_int_equal(value_of("MADV_DONTNEED"), MADV_DONTNEED);
	assert_int_equal(value_of("CLONE_THREAD"), 0x10000);
	assert_int_equal(value_of("SOCK_SEQPACKET|SOCK_CLOEXEC"), 5 | 02000000);
	assert_int_equal(value_of("KVM_RUN"), 0xae80);
	assert_int_equal(value_of("TCGETS"), 0x5401);
	assert_int_equal(value_of("FIOCLEX"), 0x5451);
	assert_int_equal(value_of("EPERM"), 1);
}

static void test_continuation_and_includes(void **state)
{
	static const struct file files[] = {
		{"top.policy", "@include /usr/share/policy/crosvm/a.policy\n"
			       "@include ./b.policy\n"
			       "read: arg0 == 1 || \\\n"
			       "      arg0 == 2 # comment then more \\\n"
			       "write: 1\n"},
		{"a.policy", "@include common.policy\nopen: return ENOENT\n"},
		{"b.policy", "@include common.policy\nopenat: return ENOENT\n"},
		{"common.policy", "close: 1\n"},
		{NULL, NULL},
	};
	struct policy p;
	char err[256];
	const struct policy_rule *r;

	assert_int_equal(
		policy_parse("top.policy", mem_resolve, (void *)files, &p, err, sizeof(err)), 0);
	/* common.policy is read once although both a and b include it. */
	assert_int_equal(p.nrules, 5);
	assert_string_equal(rule_for(&p, SCMP_SYS(close))->file, "common.policy");
	r = rule_for(&p, SCMP_SYS(read));
	assert_int_equal(r->line, 3);
	assert_int_equal(r->ngroups, 2);
	/* The comment ends the continuation: line 5 is a rule of its own. */
	assert_int_equal(rule_for(&p, SCMP_SYS(write))->line, 5);
	policy_free(&p);
}

/* ---- errors: each one line FILE:LINE: reason ---- */

static void check_error(const char *text, const char *want)
{
	scmp_filter_ctx f = NULL;
	char err[256];

	memset(err, 'x', sizeof(err));
	if (compile_one(text, POLICY_MODE_KILL, &f, err, sizeof(err)) == 0) {
		seccomp_release(f);
		fail_msg("accepted: %s", text);
	}
	assert_null(f);
	assert_null(strchr(err, '\n'));
	assert_string_equal(err, want);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"nosuch: 1", "t.policy:1: unknown syscall 'nosuch'"},
		{"\nmmap2: 1", "t.policy:2: unknown syscall 'mmap2'"},
		{"9999: 1", "t.policy:1: unknown syscall number '9999'"},
		{"read 1", "t.policy:1: expected ':' at '1'"},
		{": 1", "t.policy:1: expected a syscall name at ':'"},
		{"read:", "t.policy:1: expected arg0..arg5 at end of line"},
		{"read: 2", "t.policy:1: expected 1, an action or an expression at '2'"},
		{"read: arg6 == 1", "t.policy:1: expected arg0..arg5 at 'arg6'"},
		{"read: arg0 =< 1",
		 "t.policy:1: expected a comparison (== != < <= > >= & in) at '='"},
		{"read: arg0 == NOPE", "t.policy:1: unknown constant 'NOPE'"},
		{"read: arg0 == PROT_READ|NOPE", "t.policy:1: unknown constant 'NOPE'"},
		{"read: arg0 == 0x", "t.policy:1: bad number '0x'"},
		{"read: arg0 == 08", "t.policy:1: bad number '08'"},
		{"read: arg0 == 18446744073709551616",
		 "t.policy:1: bad number '18446744073709551616'"},
		{"read: arg0 == 1 ||", "t.policy:1: expected arg0..arg5 at end of line"},
		{"read: arg0 == 1 && || arg1 == 2", "t.policy:1: expected arg0..arg5 at '||'"},
		{"read: arg0 == (1", "t.policy:1: expected ')' at end of line"},
		{"read: arg0 ==", "t.policy:1: expected a value at end of line"},
		{"read: arg0 == 1; kill", "t.policy:1: expected 'return' after ';' at 'kill'"},
		{"read: return 4096", "t.policy:1: errno 4096 out of range (0..4095)"},
		{"read: return", "t.policy:1: expected a value at end of line"},
		{"read: 1 extra", "t.policy:1: unexpected text at 'extra'"},
		{"read: 1 $", "t.policy:1: unexpected text at '$'"},
		{"read: 1\nwrite: 1\nread: return 1",
		 "t.policy:3: duplicate syscall 'read' (first at t.policy:1)"},
		{"close: 1\n3: 1", "t.policy:2: duplicate syscall 'close' (first at t.policy:1)"},
		{"@bogus x", "t.policy:1: unknown directive '@bogus'"},
		{"@include", "t.policy:1: bad include path ''"},
		{"@include dir/", "t.policy:1: bad include path 'dir/'"},
		{"@include nope.policy",
		 "t.policy:1: cannot include 'nope.policy': no such policy"},
		{"@include t.policy", "t.policy:1: include loop back to 't.policy'"},
		{"read: arg0 == ~~~~~~~~~~~~~~~~~~1", "t.policy:1: value nested too deeply"},
		{"read: arg0 == 1 || \\\n arg1 == 2\nwrite: bogus",
		 "t.policy:3: expected arg0..arg5 at 'bogus'"},
		/* Compile-time: what libseccomp cannot express. */
		{"read: 1\nwrite: arg2 >= 1 && arg2 <= 5",
		 "t.policy:2: arg2: two tests that libseccomp cannot combine into the one "
		 "comparison per argument it allows"},
		{"read: arg0 < 3 && arg1 > 1000 || arg0 == 9",
		 "t.policy:1: != < <= > >= (or == with \"; return\") need the whole line to be one "
		 "seccomp rule (libseccomp merges several wrongly); use == & in"},
		/* The errno rules need "arg1 != 1 && arg1 != 2": not one comparison. */
		{"ioctl: arg1 == 1 || arg1 == 2; return ENOTTY",
		 "t.policy:1: arg1: two tests that libseccomp cannot combine into the one "
		 "comparison per argument it allows"},
		{"ioctl: arg1 == 1; return ENOTTY",
		 "t.policy:1: != < <= > >= (or == with \"; return\") need the whole line to be one "
		 "seccomp rule (libseccomp merges several wrongly); use == & in"},
		{"read: arg0 & 0xffff && arg1 & 0xffff && arg2 & 3",
		 "t.policy:1: expression needs more than 256 seccomp rules"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_error(cases[i].text, cases[i].want);
}

static int nul_resolve(void *ctx, const char *name, struct policy_text *out)
{
	static const char text[] = "read: 1\nwrite: 1\0\n";

	*out = (struct policy_text){.data = text, .len = sizeof(text) - 1};
	return 0;
}

static int eio_resolve(void *ctx, const char *name, struct policy_text *out)
{
	return -EIO;
}

static void test_errors_from_the_resolver(void **state)
{
	scmp_filter_ctx f;
	char err[256];
	struct file none[] = {{NULL, NULL}};

	assert_int_equal(policy_compile("n.policy", nul_resolve, NULL, POLICY_MODE_KILL, &f, err,
					sizeof(err)),
			 -1);
	assert_string_equal(err, "n.policy:2: NUL byte in policy text");
	assert_int_equal(policy_compile("io.policy", eio_resolve, NULL, POLICY_MODE_KILL, &f, err,
					sizeof(err)),
			 -1);
	assert_string_equal(err, "io.policy:0: Input/output error");
	assert_int_equal(policy_compile("gone.policy", mem_resolve, none, POLICY_MODE_KILL, &f, err,
					sizeof(err)),
			 -1);
	assert_string_equal(err, "gone.policy:0: no such policy");
	/* A tiny buffer still gets a terminated (truncated) message. */
	assert_int_equal(compile_one("nosuch: 1", POLICY_MODE_KILL, &f, err, 8), -1);
	assert_string_equal(err, "t.polic");
}

static void test_include_depth(void **state)
{
	/* d0 includes d1 ... includes dN: 8 levels below the top are fine, 9 are not. */
	char names[11][16], texts[11][32];
	struct file files[12];
	struct policy p;
	char err[256];

	for (int i = 0; i <= 10; i++) {
		snprintf(names[i], sizeof(names[i]), "d%d.policy", i);
		if (i < 10)
			snprintf(texts[i], sizeof(texts[i]), "@include d%d.policy\n", i + 1);
		else
			snprintf(texts[i], sizeof(texts[i]), "read: 1\n");
		files[i] = (struct file){names[i], texts[i]};
	}
	files[11] = (struct file){NULL, NULL};
	assert_int_equal(policy_parse("d2.policy", mem_resolve, files, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nrules, 1);
	assert_int_equal(p.nfiles, 9);
	policy_free(&p);
	assert_int_equal(policy_parse("d1.policy", mem_resolve, files, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "d9.policy:1: includes nested deeper than 8");

	/* A loop through several files. */
	{
		struct file loop[] = {{"a.policy", "read: 1\n@include b.policy\n"},
				      {"b.policy", "@include c.policy\n"},
				      {"c.policy", "\n\n@include a.policy\n"},
				      {NULL, NULL}};

		assert_int_equal(policy_parse("a.policy", mem_resolve, loop, &p, err, sizeof(err)),
				 -1);
		assert_string_equal(err, "c.policy:3: include loop back to 'a.policy'");
	}
	/* An error inside an included file names that file. */
	{
		struct file inc[] = {{"a.policy", "@include b.policy\n"},
				     {"b.policy", "read: 1\nwrite: nope\n"},
				     {NULL, NULL}};

		assert_int_equal(policy_parse("a.policy", mem_resolve, inc, &p, err, sizeof(err)),
				 -1);
		assert_string_equal(err, "b.policy:2: expected arg0..arg5 at 'nope'");
	}
	/* A syscall in both the includer and the included file. */
	{
		struct file dup[] = {{"a.policy", "@include b.policy\nread: 1\n"},
				     {"b.policy", "read: 1\n"},
				     {NULL, NULL}};

		assert_int_equal(policy_parse("a.policy", mem_resolve, dup, &p, err, sizeof(err)),
				 -1);
		assert_string_equal(err,
				    "a.policy:2: duplicate syscall 'read' (first at b.policy:1)");
	}
}

/* ---- compiled filters ---- */

static void test_compile_shapes(void **state)
{
	static const char *const ok[] = {
		"read: 1",
		"read: arg0 == 1 && arg0 == 1",			  /* same test twice: merged */
		"read: arg0 == 1 && arg0 != 2",			  /* EQ decides the other */
		"read: arg0 == 1 && arg0 == 2",			  /* never holds: no rule */
		"read: arg0 & 1 && arg0 & 2",			  /* masks merge */
		"read: arg0 < 10 && arg0 <= 5 && arg0 != 7",	  /* arg0 <= 5 */
		"read: arg0 in 0xff && arg0 & 0x10",		  /* masks merge */
		"read: arg0 & 0",				  /* never holds */
		"read: arg0 in 0xffffffffffffffff; return EPERM", /* always holds */
		"read: arg0 & 0; return EPERM",			  /* never holds: all errno */
		"mmap: arg2 in ~PROT_EXEC || arg2 in ~PROT_WRITE; return EPERM",
		"mmap: arg3 in MAP_PRIVATE|MAP_ANONYMOUS; return EPERM", /* 62 errno rules */
		"read: kill\nwrite: kill-thread",
		"read: arg0 == 0 && arg1 == 1 && arg2 == 2 && arg3 == 3 && arg4 == 4 && arg5 == 5",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		for (int mode = POLICY_MODE_KILL; mode <= POLICY_MODE_LOG; mode++) {
			scmp_filter_ctx f;
			char err[256];

			if (compile_one(ok[i], mode, &f, err, sizeof(err)))
				fail_msg("%s: %s", ok[i], err);
			seccomp_release(f);
		}
	}
}

static void test_builtins(void **state)
{
	static const char *const needed[] = {"common_device.policy", "block_device.policy",
					     "rng_device.policy",    "balloon_device.policy",
					     "video_device.policy",  "vcpu.policy",
					     "net_device.policy",    "main.policy"};

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		bool found = false;

		for (size_t j = 0; j < policy_builtin_count; j++)
			found |= !strcmp(policy_builtins[j].name, needed[i]);
		if (!found)
			fail_msg("%s is not built in", needed[i]);
	}
	for (size_t i = 0; i < policy_builtin_count; i++) {
		const struct policy_builtin *b = &policy_builtins[i];
		char path[512], err[256];
		scmp_filter_ctx f;
		FILE *fp;
		char *disk;
		long n;

		assert_int_equal(strlen(b->text), b->len);
		/* The built-in text is the checked-in file, byte for byte. */
		snprintf(path, sizeof(path), "%s/%s", POLICY_SRC_DIR, b->name);
		fp = fopen(path, "rb");
		assert_non_null(fp);
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		rewind(fp);
		assert_int_equal(n, (long)b->len);
		disk = malloc((size_t)n + 1);
		assert_non_null(disk);
		assert_int_equal(fread(disk, 1, (size_t)n, fp), (size_t)n);
		fclose(fp);
		assert_memory_equal(disk, b->text, b->len);
		free(disk);

		for (int mode = POLICY_MODE_KILL; mode <= POLICY_MODE_LOG; mode++) {
			if (policy_compile(b->name, policy_resolve_dir, NULL, mode, &f, err,
					   sizeof(err)))
				fail_msg("built-in %s: %s", b->name, err);
			seccomp_release(f);
		}
	}
}

static void test_resolve_dir(void **state)
{
	char dir[] = "/tmp/policy-test-XXXXXX", path[512], err[256];
	struct policy_text t;
	struct policy p;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rng_device.policy", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("@include common_device.policy\ngetrandom: return EPERM\n", fp);
	fclose(fp);

	/* The directory's file wins; its include comes from the built-ins. */
	assert_int_equal(
		policy_parse("rng_device.policy", policy_resolve_dir, dir, &p, err, sizeof(err)),
		0);
	assert_int_equal(rule_for(&p, SCMP_SYS(getrandom))->action, PACT_ERRNO);
	assert_non_null(rule_for(&p, SCMP_SYS(futex)));
	policy_free(&p);

	/* Names are base names only. */
	assert_int_equal(policy_resolve_dir(dir, "../etc/passwd", &t), -EINVAL);
	assert_int_equal(policy_resolve_dir(dir, "..", &t), -EINVAL);
	assert_int_equal(policy_resolve_dir(dir, "", &t), -EINVAL);
	assert_int_equal(policy_resolve_dir(dir, "nope.policy", &t), -ENOENT);
	assert_int_equal(policy_resolve_dir(NULL, "nope.policy", &t), -ENOENT);
	/* Not a regular file: refused, not read (a FIFO would block). */
	snprintf(path, sizeof(path), "%s/fifo.policy", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(policy_resolve_dir(dir, "fifo.policy", &t), -EINVAL);
	unlink(path);
	/* A missing directory falls back to the built-ins. */
	assert_int_equal(policy_resolve_dir("/nonexistent-dir", "block_device.policy", &t), 0);
	assert_null(t.owned);

	snprintf(path, sizeof(path), "%s/rng_device.policy", dir);
	unlink(path);
	rmdir(dir);
}

/* ---- enforcement, in forked children ---- */

/*
 * A filtered child leaves by the raw syscall: the sanitizers' _exit() interceptor runs a leak
 * check that clones threads, which the child's tiny policy would (rightly) kill.
 */
static __attribute__((noreturn)) void child_exit(int code)
{
	syscall(SYS_exit_group, code);
	abort();
}

static scmp_filter_ctx child_filter;
static unsigned child_flags;

/* Runs fn in a child with child_filter loaded; returns its wait status. */
static int run_child(int (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];
		struct rlimit none = {0, 0};

		/* The child is meant to die of SIGSYS: no core file for it. */
		setrlimit(RLIMIT_CORE, &none);
		prctl(PR_SET_DUMPABLE, 0);
		if (policy_load(child_filter, child_flags, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			child_exit(100);
		}
		child_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int call_getpid(void)
{
	return syscall(SYS_getpid) > 0 ? 0 : 1;
}

static int call_getppid_expect_42(void)
{
	return syscall(SYS_getppid) == -1 && errno == 42 ? 0 : 1;
}

static void load_policy(const char *text, enum policy_mode mode, unsigned flags)
{
	char err[256], *full;

	/* The sanitizer runtimes (scripts/sanitize) call sigaltstack in the child. */
	assert_true(asprintf(&full, "sigaltstack: 1\n%s", text) > 0);
	if (compile_one(full, mode, &child_filter, err, sizeof(err)))
		fail_msg("%s", err);
	free(full);
	child_flags = flags;
}

static void test_enforce_kill(void **state)
{
	int st;

	load_policy("exit_group: 1\n", POLICY_MODE_KILL, 0);
	st = run_child(call_getpid);
	seccomp_release(child_filter);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);

	/* The same child with getpid allowed lives: the death above was the filter. */
	load_policy("exit_group: 1\ngetpid: 1\n", POLICY_MODE_KILL, 0);
	st = run_child(call_getpid);
	seccomp_release(child_filter);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);

	/* An explicit kill. */
	load_policy("exit_group: 1\ngetpid: kill\n", POLICY_MODE_KILL, 0);
	st = run_child(call_getpid);
	seccomp_release(child_filter);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void test_enforce_errno(void **state)
{
	int st;

	load_policy("exit_group: 1\ngetppid: return 42\n", POLICY_MODE_KILL, 0);
	st = run_child(call_getppid_expect_42);
	seccomp_release(child_filter);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_enforce_log_failures(void **state)
{
	int st;

	/* Logged, not killed: both the default and an explicit kill. */
	load_policy("exit_group: 1\n", POLICY_MODE_LOG, 0);
	st = run_child(call_getpid);
	seccomp_release(child_filter);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);

	load_policy("exit_group: 1\ngetpid: kill\n", POLICY_MODE_LOG, 0);
	st = run_child(call_getpid);
	seccomp_release(child_filter);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A SIGSYS handler that leaves at once: a trapped call exits 42, a killed one dies. */
static void exit_42(int sig)
{
	child_exit(42);
}

static int trap_then_getpid(void)
{
	signal(SIGSYS, exit_42);
	return call_getpid();
}

static int trap_then_getppid_expect_42(void)
{
	signal(SIGSYS, exit_42);
	/* 43: the errno line gave way to the trap. */
	return call_getppid_expect_42() ? 1 : 43;
}

static void test_enforce_trap(void **state)
{
	static const struct {
		const char *policy;
		enum policy_mode mode;
		int (*fn)(void);
		int sig, code; /* death by sig, or else exit with code */
	} cases[] = {
		/* The default traps; the same call allowed does not. */
		{"", POLICY_MODE_TRAP, trap_then_getpid, 0, 42},
		{"getpid: 1\n", POLICY_MODE_TRAP, trap_then_getpid, 0, 0},
		/* A kill line still kills, whatever the handler. */
		{"getpid: kill\n", POLICY_MODE_TRAP, trap_then_getpid, SIGSYS, 0},
		{"getpid: kill-thread\n", POLICY_MODE_TRAP, trap_then_getpid, SIGSYS, 0},
		/* An errno line still fails the call. */
		{"getppid: return 42\n", POLICY_MODE_TRAP, trap_then_getppid_expect_42, 0, 43},
		/* A trap line traps in log and kill mode too. */
		{"getpid: trap\n", POLICY_MODE_LOG, trap_then_getpid, 0, 42},
		{"getpid: trap\n", POLICY_MODE_KILL, trap_then_getpid, 0, 42},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *policy;
		int st;

		assert_true(asprintf(&policy, "exit_group: 1\nrt_sigaction: 1\n%s",
				     cases[i].policy) > 0);
		load_policy(policy, cases[i].mode, 0);
		st = run_child(cases[i].fn);
		seccomp_release(child_filter);
		if (cases[i].sig ? !WIFSIGNALED(st) || WTERMSIG(st) != cases[i].sig
				 : !WIFEXITED(st) || WEXITSTATUS(st) != cases[i].code)
			fail_msg("mode %d, %s: status %#x", cases[i].mode, cases[i].policy, st);
		free(policy);
	}
}

/*
 * Argument filters for real, on fcntl(-1, a1, a2): it fails with EBADF when the filter lets
 * it through. Every (a1, a2) of a grid is checked against the same expression in C.
 */
static const uint64_t grid_a1[] = {0, 1, 2, 3, 0x10, 0x20, 0x30, 0x40, 0xfff, 0x1000, 0x2000};
static const uint64_t grid_a2[] = {0, 5, 6, 0xff, 0x100, 99, 100, 1000, 1001};
static uint64_t grid_x, grid_y;

static int call_fcntl_once(void)
{
	return syscall(SYS_fcntl, -1, grid_x, grid_y) == -1 && errno == EBADF ? 0 : 1;
}

static bool expect_groups(uint64_t a1, uint64_t a2)
{
	return (a1 == 1 && (a2 & ~0xffULL) == 0) || ((a1 & 0x30) && a2 == 5) ||
	       (a1 == 0x1000 && a2 & 0x104) || ((a1 & ~3ULL) == 0 && a2 == 1001);
}

static bool expect_range(uint64_t a1, uint64_t a2)
{
	return a1 < 3 && a2 >= 100;
}

static bool expect_range2(uint64_t a1, uint64_t a2)
{
	return a1 > 0x20 && a2 != 100;
}

/* A call outside the expression dies: one child per grid point. */
static void check_kill_grid(const char *policy, bool (*expected)(uint64_t, uint64_t))
{
	load_policy(policy, POLICY_MODE_KILL, 0);
	for (size_t i = 0; i < sizeof(grid_a1) / sizeof(grid_a1[0]); i++) {
		for (size_t j = 0; j < sizeof(grid_a2) / sizeof(grid_a2[0]); j++) {
			int st;

			grid_x = grid_a1[i];
			grid_y = grid_a2[j];
			st = run_child(call_fcntl_once);
			if (expected(grid_x, grid_y) ? !WIFEXITED(st) || WEXITSTATUS(st)
						     : !WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
				fail_msg("%s: fcntl(-1, %#llx, %#llx): status %#x", policy,
					 (unsigned long long)grid_x, (unsigned long long)grid_y,
					 st);
		}
	}
	seccomp_release(child_filter);
}

static void test_enforce_arguments(void **state)
{
	check_kill_grid("exit_group: 1\nfcntl: arg1 == 1 && arg2 in 0xff || arg1 & 0x30 && "
			"arg2 == 5 || arg1 == 0x1000 && arg2 & 0x104 || "
			"arg1 in 3 && arg2 == 1001\n",
			expect_groups);
	check_kill_grid("exit_group: 1\nfcntl: arg1 < 3 && arg2 >= 100\n", expect_range);
	check_kill_grid("exit_group: 1\nfcntl: arg1 > 0x20 && arg2 != 100\n", expect_range2);
}

/* "expr; return 42": the child walks the grid and exits with the first mismatch (+1). */
static bool (*errno_expected)(uint64_t a1, uint64_t a2);

static bool errno_expected_1(uint64_t a1, uint64_t a2)
{
	return (a1 & 0x30) && (a2 & ~0xffULL) == 0;
}

static bool errno_expected_2(uint64_t a1, uint64_t a2)
{
	return (a1 & ~3ULL) == 0 || (a2 & 0x100);
}

static int call_fcntl_grid(void)
{
	int k = 0;

	for (size_t i = 0; i < sizeof(grid_a1) / sizeof(grid_a1[0]); i++) {
		for (size_t j = 0; j < sizeof(grid_a2) / sizeof(grid_a2[0]); j++) {
			long r = syscall(SYS_fcntl, -1, grid_a1[i], grid_a2[j]);
			int want = errno_expected(grid_a1[i], grid_a2[j]) ? EBADF : 42;

			k++;
			if (r != -1 || errno != want)
				return k;
		}
	}
	return 0;
}

static void test_enforce_arguments_errno(void **state)
{
	static const struct {
		const char *policy;
		bool (*expected)(uint64_t a1, uint64_t a2);
	} cases[] = {
		{"exit_group: 1\nfcntl: arg1 & 0x30 && arg2 in 0xff; return 42\n",
		 errno_expected_1},
		{"exit_group: 1\nfcntl: arg1 in 3 || arg2 & 0x100; return 42\n", errno_expected_2},
		/* Refused: two comparisons of arg2, and a range test in several rules. */
		{"exit_group: 1\nfcntl: arg1 & 0x30 && arg2 >= 100 && arg2 <= 0xff; return 42\n",
		 NULL},
		{"exit_group: 1\nfcntl: arg1 & 0x30 && arg2 >= 100; return 42\n", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		scmp_filter_ctx f;
		char err[256];
		int st;

		if (!cases[i].expected) {
			assert_int_equal(compile_one(cases[i].policy, POLICY_MODE_KILL, &f, err,
						     sizeof(err)),
					 -1);
			continue;
		}
		load_policy(cases[i].policy, POLICY_MODE_KILL, 0);
		errno_expected = cases[i].expected;
		st = run_child(call_fcntl_grid);
		seccomp_release(child_filter);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
}

/* TSYNC: a thread started before the filter is covered only when the whole process is. */
static int tsync_pipe[2];

static void *tsync_thread(void *arg)
{
	char c;

	while (read(tsync_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	syscall(SYS_getpid);
	return NULL;
}

static pthread_t tsync_tid;

static int join_tsync_thread(void)
{
	char c = 1;

	if (write(tsync_pipe[1], &c, 1) != 1)
		return 2;
	pthread_join(tsync_tid, NULL);
	return 0;
}

static int run_tsync_child(unsigned flags)
{
	int st;

	load_policy("exit_group: 1\nexit: 1\nread: 1\nwrite: 1\nfutex: 1\nmadvise: 1\n"
		    "munmap: 1\nrt_sigprocmask: 1\n",
		    POLICY_MODE_KILL, flags);
	assert_int_equal(pipe(tsync_pipe), 0);
	/* The thread must exist before the filter: start it in the parent-side fork helper. */
	{
		pid_t pid;

		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char err[256];
			struct rlimit none = {0, 0};

			setrlimit(RLIMIT_CORE, &none);
			prctl(PR_SET_DUMPABLE, 0);
			if (pthread_create(&tsync_tid, NULL, tsync_thread, NULL))
				child_exit(101);
			if (policy_load(child_filter, child_flags, err, sizeof(err)))
				child_exit(100);
			child_exit(join_tsync_thread());
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
	}
	seccomp_release(child_filter);
	close(tsync_pipe[0]);
	close(tsync_pipe[1]);
	return st;
}

static void test_enforce_tsync(void **state)
{
	int st = run_tsync_child(POLICY_LOAD_TSYNC);

	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
	st = run_tsync_child(0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_expressions),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_continuation_and_includes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_from_the_resolver),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_compile_shapes),
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_resolve_dir),
		cmocka_unit_test(test_enforce_kill),
		cmocka_unit_test(test_enforce_errno),
		cmocka_unit_test(test_enforce_log_failures),
		cmocka_unit_test(test_enforce_trap),
		cmocka_unit_test(test_enforce_arguments),
		cmocka_unit_test(test_enforce_arguments_errno),
		cmocka_unit_test(test_enforce_tsync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
