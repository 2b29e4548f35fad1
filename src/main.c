// SPDX-License-Identifier: BSD-3-Clause
/* crosvm: command line -> config -> run; subcommands. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "control/client.h"
#include "util/log.h"
#include "vm/vm.h"

static const char usage[] =
	"Usage: crosvm COMMAND [ARGS]\n"
	"\n"
	"crosvm-c, a virtual machine monitor for Linux/KVM.\n"
	"\n"
	"Commands:\n"
	"  run      start a new VM (crosvm run --help for its options)\n"
	"  stop SOCKET              stop the VM listening on SOCKET (run -s)\n"
	"  suspend SOCKET           pause its vCPUs and devices\n"
	"  resume SOCKET            let them go on\n"
	"  balloon SIZE SOCKET      set the balloon to SIZE bytes (K/M/G allowed)\n"
	"  balloon_stats SOCKET     the guest's memory statistics\n"
	"  disk resize INDEX SIZE SOCKET\n"
	"                           grow writable disk INDEX (0 = /dev/vda)\n"
	"  version  show the version\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n";

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

int main(int argc, char **argv)
{
	int status;

	/* A closed stdout must end in an orderly stop, not a silent death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_BAD_INPUT;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("crosvm-c %s\n", CROSVM_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	status = ctl_command(argv[1], argc - 2, argv + 2);
	if (status >= 0)
		return status;
	fprintf(stderr, "crosvm: unknown command '%s' (see crosvm --help)\n", argv[1]);
	return EXIT_BAD_INPUT;
}
