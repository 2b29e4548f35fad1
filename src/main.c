// SPDX-License-Identifier: BSD-3-Clause
/* crosvm: global options, then a command: run, or a control-socket subcommand. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "control/commands.h"
#include "disk/qcow2.h"
#include "util/parse.h"
#include "util/log.h"
#include "vm/vm.h"

static void usage(FILE *f)
{
	fputs("Usage: crosvm [--log-level LEVEL] [--syslog-tag TAG] COMMAND [ARGS]\n"
	      "\n"
	      "crosvm-c, a virtual machine monitor for Linux/KVM.\n"
	      "\n"
	      "Commands (each has its own --help):\n"
	      "  run [OPTIONS] KERNEL       start a new VM\n",
	      f);
	ctl_commands_usage(f);
	fputs("  create_qcow2 [--backing-file BACKING] PATH [SIZE]\n"
	      "                             create an empty qcow2 image (SIZE with K/M/G;\n"
	      "                             default the backing file's size)\n"
	      "  version                    show the version\n"
	      "\n"
	      "Options (before COMMAND; also accepted by run itself):\n"
	      "  --log-level LEVEL          error, warn, info (default) or debug\n"
	      "  --syslog-tag TAG           also log to syslog under TAG\n"
	      "  -h, --help                 show this help\n",
	      f);
}

static int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	char err[512];
	int status;

	switch (config_parse_run(argc, argv, &cfg, err, sizeof(err))) {
	case PARSE_HELP:
		config_print_run_usage(stdout);
		config_free(&cfg);
		return EXIT_OK;
	case PARSE_ERROR:
		fprintf(stderr, "crosvm run: %s\n", err);
		config_free(&cfg);
		return EXIT_BAD_INPUT;
	case PARSE_OK:
		break;
	}
	log_set_level(cfg.log_level);
	log_init_syslog(cfg.syslog_tag);
	status = vm_run(&cfg);
	config_free(&cfg);
	return status;
}

/* crosvm create_qcow2 [--backing-file B] PATH [SIZE] */
static int cmd_create_qcow2(int argc, char **argv)
{
	const char *backing = NULL, *path = NULL, *size_s = NULL;
	uint64_t size = 0;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("Usage: crosvm create_qcow2 [--backing-file B] PATH [SIZE]\n"
			       "Creates an empty qcow2 v3 image (64 KiB clusters). SIZE takes "
			       "K/M/G\n"
			       "suffixes and defaults to the backing file's size; a relative B is\n"
			       "relative to PATH's directory.\n");
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--backing-file") && i + 1 < argc)
			backing = argv[++i];
		else if (!strncmp(argv[i], "--backing-file=", 15))
			backing = argv[i] + 15;
		else if ((argv[i][0] == '-' && argv[i][1]) || (path && size_s)) {
			fprintf(stderr, "crosvm create_qcow2: unexpected argument '%s'\n", argv[i]);
			return EXIT_BAD_INPUT;
		} else if (!path) {
			path = argv[i];
		} else {
			size_s = argv[i];
		}
	}
	if (!path || (!size_s && !backing)) {
		fprintf(stderr, "crosvm create_qcow2: usage: create_qcow2 [--backing-file B] PATH "
				"[SIZE]\n");
		return EXIT_BAD_INPUT;
	}
	if (size_s && (!parse_size(size_s, &size) || size == 0)) {
		fprintf(stderr, "crosvm create_qcow2: bad size '%s'\n", size_s);
		return EXIT_BAD_INPUT;
	}
	if (qcow2_create(path, size, backing, err, sizeof(err))) {
		fprintf(stderr, "crosvm create_qcow2: %s\n", err);
		return EXIT_BAD_INPUT;
	}
	return EXIT_OK;
}

/*
 * The options before the command, as crosvm takes them: they go to `run` in
 * front of its own arguments (which may override them). Returns the index of
 * the command in argv, or -1 after an error message.
 */
static int global_options(int argc, char **argv, char **run_argv, int *nrun)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		bool level = !strncmp(a, "--log-level", 11), tag = !strncmp(a, "--syslog-tag", 12);
		size_t n = level ? 11 : 12;

		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return i;
		if (!strcmp(a, "--version"))
			return i;
		if (!(level || tag) || (a[n] != '\0' && a[n] != '=')) {
			fprintf(stderr, "crosvm: unknown option '%s' (see crosvm --help)\n", a);
			return -1;
		}
		run_argv[(*nrun)++] = argv[i];
		if (a[n] == '\0') {
			if (i + 1 >= argc) {
				fprintf(stderr, "crosvm: %s: needs a value\n", a);
				return -1;
			}
			run_argv[(*nrun)++] = argv[++i];
		}
	}
	return i;
}

/* Output that did not reach stdout (a full disk, a closed pipe) is a failure. */
static int flush_stdout(int status)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	fprintf(stderr, "crosvm: cannot write to stdout: %s\n", strerror(errno));
	return status ? status : EXIT_RUNTIME;
}

static int dispatch(int argc, char **argv)
{
	char **run_argv = calloc((size_t)argc + 1, sizeof(*run_argv));
	int cmd, nrun = 1, status;
	const char *c;

	if (!run_argv) {
		fprintf(stderr, "crosvm: out of memory\n");
		return EXIT_RUNTIME;
	}
	run_argv[0] = "run";
	cmd = global_options(argc, argv, run_argv, &nrun);
	if (cmd < 0 || cmd >= argc) {
		if (cmd >= 0)
			usage(stderr);
		free(run_argv);
		return EXIT_BAD_INPUT;
	}
	c = argv[cmd];
	if (!strcmp(c, "-h") || !strcmp(c, "--help") || !strcmp(c, "help")) {
		usage(stdout);
		status = EXIT_OK;
	} else if (!strcmp(c, "version") || !strcmp(c, "--version")) {
		printf("crosvm-c %s\n", CROSVM_VERSION);
		status = EXIT_OK;
	} else if (!strcmp(c, "create_qcow2")) {
		status = cmd_create_qcow2(argc - cmd, argv + cmd);
	} else if (!strcmp(c, "run")) {
		for (int i = cmd + 1; i < argc; i++)
			run_argv[nrun++] = argv[i];
		status = cmd_run(nrun, run_argv);
	} else {
		status = ctl_command(argc - cmd, argv + cmd);
		if (status < 0) {
			fprintf(stderr, "crosvm: unknown command '%s' (see crosvm --help)\n", c);
			status = EXIT_BAD_INPUT;
		}
	}
	free(run_argv);
	return status;
}

int main(int argc, char **argv)
{
	/* A closed stdout must end in an orderly stop, not a silent death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return flush_stdout(dispatch(argc, argv));
}
