// SPDX-License-Identifier: BSD-3-Clause
/* crosvm stop|suspend|resume|powerbtn|balloon|balloon_stats|disk: libcrosvm_control's first user.
 */
#include "control/commands.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "config.h"
#include "control/control_lib.h"
#include "control/crosvm_control.h"
#include "util/macros.h"
#include "util/parse.h"

struct command {
	const char *name;
	const char *args; /* after the name, in the usage line */
	const char *help;
	int nargs;
	/* Runs it with the arguments after the name; returns the exit status. */
	int (*run)(const struct command *c, char **argv);
};

static int bad(const struct command *c, const char *what, const char *value, const char *why)
{
	fprintf(stderr, "crosvm %s: %s '%s' %s (crosvm %s --help)\n", c->name, what, value, why,
		c->name);
	return EXIT_BAD_INPUT;
}

/* The SOCKET argument: what libcrosvm_control cannot tell from a missing VM. */
static int check_socket(const struct command *c, const char *path)
{
	if (!*path) {
		fprintf(stderr, "crosvm %s: SOCKET is empty (the path given to crosvm run -s)\n",
			c->name);
		return EXIT_BAD_INPUT;
	}
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return bad(c, "SOCKET", path, "is too long for a unix socket");
	return 0;
}

/* A library call's outcome as an exit status, with its reason on stderr. */
static int outcome(const struct command *c, bool ok)
{
	if (ok)
		return EXIT_OK;
	fprintf(stderr, "crosvm %s: %s\n", c->name, crosvm_client_last_error());
	return EXIT_RUNTIME;
}

static int run_simple(const struct command *c, char **argv)
{
	bool ok;

	if (check_socket(c, argv[0]))
		return EXIT_BAD_INPUT;
	if (!strcmp(c->name, "stop"))
		ok = crosvm_client_stop_vm(argv[0]);
	else if (!strcmp(c->name, "suspend"))
		ok = crosvm_client_suspend_vm(argv[0]);
	else if (!strcmp(c->name, "powerbtn"))
		ok = ctl_lib_powerbtn(argv[0]);
	else
		ok = crosvm_client_resume_vm(argv[0]);
	if (ok)
		printf("%s: done\n", c->name);
	return outcome(c, ok);
}

static int run_balloon(const struct command *c, char **argv)
{
	uint64_t bytes;
	bool ok;

	if (!parse_size(argv[0], &bytes))
		return bad(c, "SIZE", argv[0], "is not a byte count (decimal, K/M/G allowed)");
	if (check_socket(c, argv[1]))
		return EXIT_BAD_INPUT;
	ok = crosvm_client_balloon_vms(argv[1], bytes);
	if (ok)
		printf("balloon: target set to %" PRIu64 " bytes\n", bytes);
	return outcome(c, ok);
}

static void json_field(const char *name, int64_t v, bool last)
{
	if (v < 0)
		printf("      \"%s\": null%s\n", name, last ? "" : ",");
	else
		printf("      \"%s\": %" PRId64 "%s\n", name, v, last ? "" : ",");
}

/* As crosvm prints its VmResponse::BalloonStats (serde_json, pretty). */
static void print_stats_json(const struct BalloonStatsFfi *s, uint64_t actual)
{
	printf("{\n  \"BalloonStats\": {\n    \"stats\": {\n");
	json_field("swap_in", s->swap_in, false);
	json_field("swap_out", s->swap_out, false);
	json_field("major_faults", s->major_faults, false);
	json_field("minor_faults", s->minor_faults, false);
	json_field("free_memory", s->free_memory, false);
	json_field("total_memory", s->total_memory, false);
	json_field("available_memory", s->available_memory, false);
	json_field("disk_caches", s->disk_caches, false);
	json_field("hugetlb_allocations", s->hugetlb_allocations, false);
	json_field("hugetlb_failures", s->hugetlb_failures, false);
	json_field("shared_memory", s->shared_memory, false);
	json_field("unevictable_memory", s->unevictable_memory, true);
	printf("    },\n    \"balloon_actual\": %" PRIu64 "\n  }\n}\n", actual);
}

static int run_balloon_stats(const struct command *c, char **argv)
{
	struct BalloonStatsFfi s;
	uint64_t actual;
	bool ok;

	if (check_socket(c, argv[0]))
		return EXIT_BAD_INPUT;
	ok = crosvm_client_balloon_stats(argv[0], &s, &actual);
	if (ok)
		print_stats_json(&s, actual);
	return outcome(c, ok);
}

static int run_disk(const struct command *c, char **argv)
{
	uint64_t index, size;
	bool ok;

	if (strcmp(argv[0], "resize"))
		return bad(c, "subcommand", argv[0], "is unknown (only resize)");
	if (!parse_u64(argv[1], &index) || index > UINT32_MAX)
		return bad(c, "DISK_INDEX", argv[1], "is not a disk number");
	if (!parse_size(argv[2], &size))
		return bad(c, "NEW_SIZE", argv[2], "is not a byte count (decimal, K/M/G allowed)");
	if (check_socket(c, argv[3]))
		return EXIT_BAD_INPUT;
	ok = crosvm_client_resize_disk(argv[3], index, size);
	if (ok)
		printf("disk %" PRIu64 ": resized to %" PRIu64 " bytes\n", index, size);
	return outcome(c, ok);
}

static const struct command commands[] = {
	{"stop", "SOCKET", "stop the VM listening on SOCKET (run -s), disks flushed", 1,
	 run_simple},
	{"suspend", "SOCKET", "pause its vCPUs and devices", 1, run_simple},
	{"resume", "SOCKET", "let them go on", 1, run_simple},
	{"powerbtn", "SOCKET", "press its ACPI power button (the guest shuts down)", 1, run_simple},
	{"balloon", "SIZE SOCKET", "set the balloon to SIZE bytes (K/M/G allowed)", 2, run_balloon},
	{"balloon_stats", "SOCKET", "the guest's memory statistics (JSON, as crosvm prints)", 1,
	 run_balloon_stats},
	{"disk", "resize DISK_INDEX NEW_SIZE SOCKET",
	 "grow writable disk DISK_INDEX (0 = /dev/vda) to NEW_SIZE bytes", 4, run_disk},
};

static void usage(FILE *f, const struct command *c)
{
	fprintf(f, "Usage: crosvm %s %s\n\n%c%s.\n\n", c->name, c->args, toupper(c->help[0]),
		c->help + 1);
	fprintf(f,
		"Prints one line (balloon_stats: JSON) and exits 0, or names the problem and\n"
		"exits 1 (no VM at SOCKET, a refused request, no answer within %d s) or 2\n"
		"(bad arguments).\n",
		ctl_lib_timeout_ms() / 1000);
}

/* Where `crosvm --help` starts each command's help. */
#define USAGE_COLUMN 29

void ctl_commands_usage(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct command *c = &commands[i];
		int n = fprintf(f, "  %s %s", c->name, c->args);

		if (n >= USAGE_COLUMN) {
			fputc('\n', f);
			n = 0;
		}
		fprintf(f, "%*s%s\n", USAGE_COLUMN - n, "", c->help);
	}
}

int ctl_command(int argc, char **argv)
{
	const struct command *c = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, argv[0]))
			c = &commands[i];
	if (!c)
		return -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout, c);
			return EXIT_OK;
		}
		/* A path that starts with '-' can be given as ./-name. */
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "crosvm %s: unknown flag '%s' (crosvm %s --help)\n",
				c->name, argv[i], c->name);
			return EXIT_BAD_INPUT;
		}
	}
	if (argc - 1 != c->nargs) {
		fprintf(stderr, "crosvm %s: expected %s (crosvm %s --help)\n", c->name, c->args,
			c->name);
		return EXIT_BAD_INPUT;
	}
	return c->run(c, argv + 1);
}
