// SPDX-License-Identifier: BSD-3-Clause
/* Every `crosvm run` flag: one table, one parser, all validation in one place. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/parse.h"

const char config_run_usage[] =
	"Usage: crosvm run [OPTIONS] KERNEL\n"
	"\n"
	"Boots KERNEL (a bzImage, or an uncompressed ELF64 vmlinux) in a new VM.\n"
	"\n"
	"Options:\n"
	"  -i, --initrd PATH      initial ramdisk to load with the kernel\n"
	"  -p, --params STRING    kernel command line parameters (repeatable, appended)\n"
	"  -m, --mem MiB          guest memory in MiB (default 256)\n"
	"  -c, --cpus N           number of vCPUs (default 1)\n"
	"      --serial type=TYPE[,num=N][,path=P][,console=BOOL][,stdin=BOOL]\n"
	"                         configure COM port N (1-4, default 1); TYPE is stdout,\n"
	"                         file (needs path=), sink or syslog. Without any --serial,\n"
	"                         COM1 is type=stdout,console=true,stdin=true. console=true\n"
	"                         adds console=ttyS<N-1> to the kernel command line.\n"
	"  -r, --root PATH[,OPTS] read-only root disk (/dev/vda; adds root=/dev/vda ro)\n"
	"      --rwroot PATH[,OPTS]\n"
	"                         writable root disk (adds root=/dev/vda rw)\n"
	"  -d, --disk PATH[,OPTS] read-only disk (/dev/vdb, ... in the order given)\n"
	"      --rwdisk PATH[,OPTS]\n"
	"                         writable disk. OPTS: sparse=BOOL (default true: discard\n"
	"                         punches holes), block_size=N (default 512), id=STR\n"
	"                         (up to 20 bytes), o_direct=BOOL (default false)\n"
	"      --no-rng           omit the virtio-rng entropy device\n"
	"  -s, --socket PATH      control socket (crosvm stop|suspend|resume|balloon|\n"
	"                         balloon_stats|disk resize talk to it); in a directory,\n"
	"                         PATH/crosvm-PID.sock. Removed when the VM ends.\n"
	"      --balloon, --no-balloon\n"
	"                         with or without the virtio-balloon device (default: with)\n"
	"      --video-encoder[=libavcodec]\n"
	"                         add a virtio-video encoder (H.264, VP8, VP9 from NV12\n"
	"                         or I420 frames), encoding with libavcodec\n"
	"      --disable-sandbox  run the devices inside the VMM process, unjailed and\n"
	"                         without seccomp (debugging; hosts without user namespaces)\n"
	"      --pivot-root DIR   empty directory each jailed device sees as / (default\n"
	"                         /var/empty, created if missing)\n"
	"      --seccomp-policy-dir DIR\n"
	"                         read seccomp policies (*.policy) from DIR; a file missing\n"
	"                         there comes from the copies built into crosvm\n"
	"      --seccomp-log-failures\n"
	"                         log a system call outside a policy and let it proceed,\n"
	"                         instead of killing the process (to repair a policy)\n"
	"      --log-level LEVEL  error, warn, info (default) or debug\n"
	"      --syslog-tag TAG   also log to syslog under TAG (done anyway, as \"crosvm\",\n"
	"                         when stderr is not a terminal)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 when the guest powers off, reboots or panics (with panic=-1),\n"
	"1 on a runtime failure, 2 on bad input, 3 on a guest triple fault,\n"
	"4 on a KVM internal error.\n";

enum opt_id {
	OPT_INITRD,
	OPT_PARAMS,
	OPT_MEM,
	OPT_CPUS,
	OPT_SERIAL,
	OPT_LOG_LEVEL,
	OPT_NO_RNG,
	OPT_ROOT,
	OPT_RWROOT,
	OPT_DISK,
	OPT_RWDISK,
	OPT_SOCKET,
	OPT_BALLOON,
	OPT_NO_BALLOON,
	OPT_SYSLOG_TAG,
	OPT_VIDEO_ENCODER,
	OPT_DISABLE_SANDBOX,
	OPT_SECCOMP_POLICY_DIR,
	OPT_SECCOMP_LOG_FAILURES,
	OPT_PIVOT_ROOT,
	OPT_HELP
};

enum opt_value {
	VAL_NONE,
	VAL_REQUIRED,
	VAL_OPTIONAL, /* only as --flag=VALUE */
};

struct opt {
	enum opt_id id;
	char short_name;
	const char *long_name;
	enum opt_value value;
};

static const struct opt opts[] = {
	{OPT_INITRD, 'i', "initrd", VAL_REQUIRED},
	{OPT_PARAMS, 'p', "params", VAL_REQUIRED},
	{OPT_MEM, 'm', "mem", VAL_REQUIRED},
	{OPT_CPUS, 'c', "cpus", VAL_REQUIRED},
	{OPT_SERIAL, 0, "serial", VAL_REQUIRED},
	{OPT_LOG_LEVEL, 0, "log-level", VAL_REQUIRED},
	{OPT_NO_RNG, 0, "no-rng", VAL_NONE},
	{OPT_ROOT, 'r', "root", VAL_REQUIRED},
	{OPT_RWROOT, 0, "rwroot", VAL_REQUIRED},
	{OPT_DISK, 'd', "disk", VAL_REQUIRED},
	{OPT_RWDISK, 0, "rwdisk", VAL_REQUIRED},
	{OPT_SOCKET, 's', "socket", VAL_REQUIRED},
	{OPT_BALLOON, 0, "balloon", VAL_NONE},
	{OPT_NO_BALLOON, 0, "no-balloon", VAL_NONE},
	{OPT_SYSLOG_TAG, 0, "syslog-tag", VAL_REQUIRED},
	{OPT_VIDEO_ENCODER, 0, "video-encoder", VAL_OPTIONAL},
	{OPT_DISABLE_SANDBOX, 0, "disable-sandbox", VAL_NONE},
	{OPT_SECCOMP_POLICY_DIR, 0, "seccomp-policy-dir", VAL_REQUIRED},
	{OPT_SECCOMP_LOG_FAILURES, 0, "seccomp-log-failures", VAL_NONE},
	{OPT_PIVOT_ROOT, 0, "pivot-root", VAL_REQUIRED},
	{OPT_HELP, 'h', "help", VAL_NONE},
};

static const struct opt *find_opt(const char *arg, const char **inline_value)
{
	*inline_value = NULL;
	if (arg[0] == '-' && arg[1] == '-') {
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);

		for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			if (strlen(opts[i].long_name) == n &&
			    !strncmp(opts[i].long_name, name, n)) {
				*inline_value = eq ? eq + 1 : NULL;
				return &opts[i];
			}
		}
		return NULL;
	}
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (opts[i].short_name && arg[1] == opts[i].short_name) {
			/* "-m512" style: the value follows the letter. */
			*inline_value = arg[2] ? arg + 2 : NULL;
			return &opts[i];
		}
	}
	return NULL;
}

static int append_params(struct vm_config *cfg, const char *p)
{
	size_t old = cfg->params ? strlen(cfg->params) : 0;
	char *n = realloc(cfg->params, old + strlen(p) + 2);

	if (!n)
		return -1;
	if (old)
		n[old++] = ' ';
	strcpy(n + old, p);
	cfg->params = n;
	return 0;
}

int config_parse_serial(const char *value, struct vm_config *cfg, char *err, size_t errlen)
{
	struct serial_config sc = {.configured = true, .type = SERIAL_SINK};
	uint64_t num = 1;
	bool have_type = false;
	char *copy = strdup(value), *save = NULL, *kv;
	int ret = -1;

	if (!copy) {
		snprintf(err, errlen, "--serial: out of memory");
		return -1;
	}
	for (kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		const char *k = kv, *v;

		if (!eq) {
			snprintf(err, errlen, "--serial: '%s' is not key=value", kv);
			goto out;
		}
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(k, "type")) {
			have_type = true;
			if (!strcmp(v, "stdout"))
				sc.type = SERIAL_STDOUT;
			else if (!strcmp(v, "file"))
				sc.type = SERIAL_FILE;
			else if (!strcmp(v, "sink"))
				sc.type = SERIAL_SINK;
			else if (!strcmp(v, "syslog"))
				sc.type = SERIAL_SYSLOG;
			else {
				snprintf(err, errlen,
					 "--serial: unknown type '%s' (stdout, file, sink or "
					 "syslog)",
					 v);
				goto out;
			}
		} else if (!strcmp(k, "num")) {
			if (!parse_u64(v, &num) || num < 1 || num > SERIAL_PORTS) {
				snprintf(err, errlen, "--serial: num must be 1 to %d, not '%s'",
					 SERIAL_PORTS, v);
				goto out;
			}
		} else if (!strcmp(k, "path")) {
			if (!*v) {
				snprintf(err, errlen, "--serial: path is empty");
				goto out;
			}
			free(sc.path);
			sc.path = strdup(v);
		} else if (!strcmp(k, "console") || !strcmp(k, "stdin")) {
			bool b;

			if (!parse_bool(v, &b)) {
				snprintf(err, errlen,
					 "--serial: %s must be true or false, not '%s'", k, v);
				goto out;
			}
			if (k[0] == 'c')
				sc.console = b;
			else
				sc.stdin_input = b;
		} else {
			snprintf(err, errlen, "--serial: unknown key '%s'", k);
			goto out;
		}
	}
	if (!have_type) {
		snprintf(err, errlen, "--serial: type= is required");
		goto out;
	}
	if (sc.type == SERIAL_FILE && !sc.path) {
		snprintf(err, errlen, "--serial: type=file needs path=");
		goto out;
	}
	if (sc.type != SERIAL_FILE && sc.path) {
		snprintf(err, errlen, "--serial: path= only applies to type=file");
		goto out;
	}
	if (cfg->serial[num - 1].configured) {
		snprintf(err, errlen, "--serial: num=%llu is given twice", (unsigned long long)num);
		goto out;
	}
	cfg->serial[num - 1] = sc;
	sc.path = NULL;
	ret = 0;
out:
	free(sc.path);
	free(copy);
	return ret;
}

int config_parse_disk(const char *flag, const char *value, bool read_only, bool root,
		      struct vm_config *cfg, char *err, size_t errlen)
{
	struct disk_config dc = {.read_only = read_only, .root = root, .sparse = true};
	char *copy = strdup(value), *save = NULL, *kv;
	int ret = -1;

	if (!copy) {
		snprintf(err, errlen, "--%s: out of memory", flag);
		return -1;
	}
	kv = strtok_r(copy, ",", &save);
	if (!kv || !*value || *value == ',') {
		snprintf(err, errlen, "--%s: missing PATH", flag);
		goto out;
	}
	dc.path = strdup(kv);
	if (!dc.path) {
		snprintf(err, errlen, "--%s: out of memory", flag);
		goto out;
	}
	while ((kv = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(kv, '=');
		uint64_t n;
		bool b;

		if (!eq) {
			snprintf(err, errlen, "--%s: '%s' is not key=value", flag, kv);
			goto out;
		}
		*eq++ = '\0';
		if (!strcmp(kv, "sparse") || !strcmp(kv, "o_direct")) {
			if (!parse_bool(eq, &b)) {
				snprintf(err, errlen, "--%s: %s must be true or false, not '%s'",
					 flag, kv, eq);
				goto out;
			}
			if (kv[0] == 's')
				dc.sparse = b;
			else
				dc.o_direct = b;
		} else if (!strcmp(kv, "block_size")) {
			if (!parse_u64(eq, &n) || n < 512 || n > 65536 || (n & (n - 1))) {
				snprintf(err, errlen,
					 "--%s: block_size must be a power of two from 512 to "
					 "65536, "
					 "not '%s'",
					 flag, eq);
				goto out;
			}
			dc.block_size = (uint32_t)n;
		} else if (!strcmp(kv, "id")) {
			if (strlen(eq) > 20) {
				snprintf(err, errlen, "--%s: id is longer than 20 bytes", flag);
				goto out;
			}
			memcpy(dc.id, eq, strlen(eq) + 1);
		} else {
			snprintf(err, errlen, "--%s: unknown option '%s'", flag, kv);
			goto out;
		}
	}
	if (cfg->nr_disks >= MAX_DISKS) {
		snprintf(err, errlen, "--%s: more than %d disks", flag, MAX_DISKS);
		goto out;
	}
	if (root) {
		if (cfg->nr_disks && cfg->disks[0].root) {
			snprintf(err, errlen, "--%s: a root disk is already given", flag);
			goto out;
		}
		/* The root disk is always /dev/vda. */
		memmove(&cfg->disks[1], &cfg->disks[0], cfg->nr_disks * sizeof(cfg->disks[0]));
		cfg->disks[0] = dc;
	} else {
		cfg->disks[cfg->nr_disks] = dc;
	}
	cfg->nr_disks++;
	dc.path = NULL;
	ret = 0;
out:
	free(dc.path);
	free(copy);
	return ret;
}

static int parse_video_encoder(const char *v, struct vm_config *cfg, char *err, size_t errlen)
{
	if (v && strcmp(v, "libavcodec")) {
		snprintf(err, errlen, "--video-encoder: unknown backend '%s' (libavcodec)", v);
		return -1;
	}
#ifdef CROSVM_HAVE_VIDEO
	cfg->video_encoder = true;
	return 0;
#else
	snprintf(err, errlen,
		 "--video-encoder: this crosvm was built without libavcodec (meson "
		 "-Dvideo=enabled)");
	return -1;
#endif
}

static int parse_value(const struct opt *o, const char *v, struct vm_config *cfg, char *err,
		       size_t errlen)
{
	uint64_t n;

	switch (o->id) {
	case OPT_INITRD:
		cfg->initrd = v;
		return 0;
	case OPT_PARAMS:
		return append_params(cfg, v);
	case OPT_MEM:
		if (!parse_u64(v, &n)) {
			snprintf(err, errlen, "--mem: '%s' is not a number of MiB", v);
			return -1;
		}
		if (n == 0) {
			snprintf(err, errlen, "--mem: must be at least 1 MiB");
			return -1;
		}
		cfg->mem_mib = n;
		return 0;
	case OPT_CPUS:
		if (!parse_u64(v, &n)) {
			snprintf(err, errlen, "--cpus: '%s' is not a number", v);
			return -1;
		}
		if (n == 0) {
			snprintf(err, errlen, "--cpus: must be at least 1");
			return -1;
		}
		if (n > MAX_CPUS) {
			snprintf(err, errlen, "--cpus: %llu is more than the %d supported",
				 (unsigned long long)n, MAX_CPUS);
			return -1;
		}
		cfg->cpus = (unsigned)n;
		return 0;
	case OPT_SERIAL:
		return config_parse_serial(v, cfg, err, errlen);
	case OPT_LOG_LEVEL:
		if (!strcmp(v, "error"))
			cfg->log_level = LOG_LVL_ERROR;
		else if (!strcmp(v, "warn"))
			cfg->log_level = LOG_LVL_WARN;
		else if (!strcmp(v, "info"))
			cfg->log_level = LOG_LVL_INFO;
		else if (!strcmp(v, "debug"))
			cfg->log_level = LOG_LVL_DEBUG;
		else {
			snprintf(err, errlen, "--log-level: unknown level '%s'", v);
			return -1;
		}
		return 0;
	case OPT_ROOT:
	case OPT_RWROOT:
	case OPT_DISK:
	case OPT_RWDISK:
		return config_parse_disk(o->long_name, v, o->id == OPT_ROOT || o->id == OPT_DISK,
					 o->id == OPT_ROOT || o->id == OPT_RWROOT, cfg, err,
					 errlen);
	case OPT_SOCKET:
		if (!*v) {
			snprintf(err, errlen, "--socket: the path is empty");
			return -1;
		}
		cfg->socket_path = v;
		return 0;
	case OPT_SYSLOG_TAG:
		if (!*v || strlen(v) > 64) {
			snprintf(err, errlen, "--syslog-tag: must be 1 to 64 characters");
			return -1;
		}
		cfg->syslog_tag = v;
		return 0;
	case OPT_SECCOMP_POLICY_DIR:
	case OPT_PIVOT_ROOT:
		if (*v != '/') {
			snprintf(err, errlen, "--%s: '%s' is not an absolute path", o->long_name,
				 v);
			return -1;
		}
		if (o->id == OPT_PIVOT_ROOT)
			cfg->pivot_root = v;
		else
			cfg->seccomp_policy_dir = v;
		return 0;
	case OPT_NO_RNG:
	case OPT_DISABLE_SANDBOX:
	case OPT_SECCOMP_LOG_FAILURES:
	case OPT_BALLOON:
	case OPT_NO_BALLOON:
	case OPT_VIDEO_ENCODER:
	case OPT_HELP:
		break; /* switches: set_switch() */
	}
	return 0;
}

static void set_switch(const struct opt *o, struct vm_config *cfg)
{
	if (o->id == OPT_NO_RNG)
		cfg->rng = false;
	else if (o->id == OPT_BALLOON || o->id == OPT_NO_BALLOON)
		cfg->balloon = o->id == OPT_BALLOON;
	else if (o->id == OPT_DISABLE_SANDBOX)
		cfg->sandbox = false;
	else if (o->id == OPT_SECCOMP_LOG_FAILURES)
		cfg->seccomp_log_failures = true;
}

static int validate(struct vm_config *cfg, char *err, size_t errlen)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t host_mib = pages > 0 && psize > 0 ? ((uint64_t)pages * (uint64_t)psize) >> 20 : 0;
	int consoles = 0, stdins = 0;

	if (host_mib && cfg->mem_mib > host_mib) {
		snprintf(err, errlen, "--mem: %llu MiB is more than the host's %llu MiB",
			 (unsigned long long)cfg->mem_mib, (unsigned long long)host_mib);
		return -1;
	}
	for (int i = 0; i < SERIAL_PORTS; i++) {
		consoles += cfg->serial[i].configured && cfg->serial[i].console;
		stdins += cfg->serial[i].configured && cfg->serial[i].stdin_input;
	}
	if (stdins > 1) {
		snprintf(err, errlen, "--serial: stdin=true is given for more than one port");
		return -1;
	}
	if (consoles > 1) {
		snprintf(err, errlen, "--serial: console=true is given for more than one port");
		return -1;
	}
	return 0;
}

enum parse_result config_parse_run(int argc, char **argv, struct vm_config *cfg, char *err,
				   size_t errlen)
{
	bool any_serial = false;
	int i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_mib = DEFAULT_MEM_MIB;
	cfg->cpus = DEFAULT_CPUS;
	cfg->kvm_path = "/dev/kvm";
	cfg->log_level = LOG_LVL_INFO;
	cfg->rng = true;
	cfg->balloon = true;
	cfg->sandbox = true;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		const struct opt *o;

		if (!strcmp(arg, "--")) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			if (cfg->kernel) {
				snprintf(err, errlen, "unexpected argument '%s' (KERNEL is '%s')",
					 arg, cfg->kernel);
				return PARSE_ERROR;
			}
			cfg->kernel = arg;
			continue;
		}
		o = find_opt(arg, &v);
		if (!o) {
			snprintf(err, errlen, "unknown flag '%s' (see crosvm run --help)", arg);
			return PARSE_ERROR;
		}
		if (o->id == OPT_HELP)
			return PARSE_HELP;
		if (o->value != VAL_REQUIRED) {
			if (v && o->value == VAL_NONE) {
				snprintf(err, errlen, "--%s: takes no value", o->long_name);
				return PARSE_ERROR;
			}
			if (o->id == OPT_VIDEO_ENCODER) {
				if (parse_video_encoder(v, cfg, err, errlen))
					return PARSE_ERROR;
			} else {
				set_switch(o, cfg);
			}
			continue;
		}
		if (!v) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "--%s: needs a value", o->long_name);
				return PARSE_ERROR;
			}
			v = argv[++i];
		}
		if (o->id == OPT_SERIAL)
			any_serial = true;
		if (parse_value(o, v, cfg, err, errlen))
			return PARSE_ERROR;
	}
	for (; i < argc; i++) {
		if (cfg->kernel) {
			snprintf(err, errlen, "unexpected argument '%s'", argv[i]);
			return PARSE_ERROR;
		}
		cfg->kernel = argv[i];
	}
	if (!cfg->kernel) {
		snprintf(err, errlen, "KERNEL: missing (crosvm run [OPTIONS] KERNEL)");
		return PARSE_ERROR;
	}
	if (!any_serial) {
		cfg->serial[0] = (struct serial_config){.configured = true,
							.type = SERIAL_STDOUT,
							.console = true,
							.stdin_input = true};
	}
	if (validate(cfg, err, errlen))
		return PARSE_ERROR;
	return PARSE_OK;
}

char *config_kernel_cmdline(const struct vm_config *cfg)
{
	char console[64] = "";
	size_t n;
	char *s;

	for (int i = 0; i < SERIAL_PORTS; i++) {
		if (cfg->serial[i].configured && cfg->serial[i].console)
			snprintf(console, sizeof(console), "console=ttyS%d", i);
	}
	if (cfg->nr_disks && cfg->disks[0].root) {
		size_t l = strlen(console);

		snprintf(console + l, sizeof(console) - l, "%sroot=/dev/vda %s", l ? " " : "",
			 cfg->disks[0].read_only ? "ro" : "rw");
	}
	n = strlen(console) + (cfg->params ? strlen(cfg->params) : 0) + 2;
	s = malloc(n);
	if (!s)
		return NULL;
	snprintf(s, n, "%s%s%s", console, console[0] && cfg->params ? " " : "",
		 cfg->params ? cfg->params : "");
	return s;
}

void config_free(struct vm_config *cfg)
{
	free(cfg->params);
	cfg->params = NULL;
	for (int i = 0; i < SERIAL_PORTS; i++) {
		free(cfg->serial[i].path);
		cfg->serial[i].path = NULL;
	}
	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		free(cfg->disks[i].path);
		cfg->disks[i].path = NULL;
	}
	cfg->nr_disks = 0;
}
