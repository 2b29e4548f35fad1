// SPDX-License-Identifier: BSD-3-Clause
/*
 * The `crosvm run` command line: the input is split on NUL bytes into argv
 * (after "run"), parsed by config_parse_run(), and each argument is also fed
 * to config_parse_serial() on its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(const char *err, size_t errlen)
{
	if (!memchr(err, '\0', errlen) || !err[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2];
	char err[512];
	struct vm_config cfg;
	int argc = 1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "run";
	for (size_t i = 0; i <= size && argc < MAX_ARGS + 1;) {
		size_t n = strlen(buf + i);

		argv[argc++] = buf + i;
		i += n + 1;
	}
	argv[argc] = NULL;

	memset(err, 0, sizeof(err));
	switch (config_parse_run(argc, argv, &cfg, err, sizeof(err))) {
	case PARSE_OK: {
		char *cmdline = config_kernel_cmdline(&cfg);

		if (!cfg.kernel || cfg.cpus < 1 || cfg.cpus > MAX_CPUS || cfg.mem_mib < 1)
			abort();
		free(cmdline);
		break;
	}
	case PARSE_ERROR:
		check_err(err, sizeof(err));
		break;
	case PARSE_HELP:
		break;
	}
	config_free(&cfg);

	for (int i = 1; i < argc; i++) {
		memset(&cfg, 0, sizeof(cfg));
		memset(err, 0, sizeof(err));
		if (config_parse_serial(argv[i], &cfg, err, sizeof(err)))
			check_err(err, sizeof(err));
		config_free(&cfg);
	}
	free(buf);
	return 0;
}
