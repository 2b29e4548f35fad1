// SPDX-License-Identifier: BSD-3-Clause
/*
 * Every `crosvm run` flag: one table row names it once, and both the parser and
 * the help text come from the rows; all validation is in one place.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "arch/x86_64/layout.h"
#include "util/macros.h"
#include "util/parse.h"

struct name_value {
	const char *name;
	int value;
};

static const struct name_value serial_types[] = {
	{"stdout", SERIAL_STDOUT}, {"file", SERIAL_FILE}, {"sink", SERIAL_SINK},
	{"syslog", SERIAL_SYSLOG}, {"unix", SERIAL_UNIX},
};

static const struct name_value log_levels[] = {
	{"error", LOG_LVL_ERROR},
	{"warn", LOG_LVL_WARN},
	{"info", LOG_LVL_INFO},
	{"debug", LOG_LVL_DEBUG},
};

/* The value of the entry named s, or -1. */
static int lookup(const struct name_value *t, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(t[i].name, s))
			return t[i].value;
	}
	return -1;
}

/* Cuts "key=value" at the '=' and returns the value; NULL (with err) without one. */
static char *split_kv(const char *flag, char *kv, char *err, size_t errlen)
{
	char *eq = strchr(kv, '=');

	if (!eq) {
		snprintf(err, errlen, "--%s: '%s' is not key=value", flag, kv);
		return NULL;
	}
	*eq = '\0';
	return eq + 1;
}

/* "true" when kv is one of the boolean keys given bare (no '='), else NULL. */
static const char *bare_bool(const char *kv, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(kv, keys[i]))
			return "true";
	}
	return NULL;
}

static const char *const serial_bools[] = {"console", "earlycon", "stdin"};

static int parse_bool_key(const char *flag, const char *k, const char *v, bool *out, char *err,
			  size_t errlen)
{
	bool b;

	if (!parse_bool(v, &b)) {
		snprintf(err, errlen, "--%s: %s must be true or false, not '%s'", flag, k, v);
		return -1;
	}
	*out = b;
	return 0;
}

/* A --serial value as far as it is parsed: the port, and what is checked at the end. */
struct serial_spec {
	struct serial_config sc;
	uint64_t num;
	bool have_type;
	bool virtio; /* hardware=virtio-console */
};

static int serial_key(struct serial_spec *s, const char *k, const char *v, char *err, size_t errlen)
{
	if (!strcmp(k, "type")) {
		int type = lookup(serial_types, ARRAY_SIZE(serial_types), v);

		if (type < 0) {
			snprintf(err, errlen,
				 "--serial: unknown type '%s' (stdout, file, sink, syslog or unix)",
				 v);
			return -1;
		}
		s->sc.type = (enum serial_type)type;
		s->have_type = true;
	} else if (!strcmp(k, "num")) {
		if (!parse_u64(v, &s->num) || s->num < 1 || s->num > SERIAL_PORTS) {
			snprintf(err, errlen, "--serial: num must be 1 to %d, not '%s'",
				 SERIAL_PORTS, v);
			return -1;
		}
	} else if (!strcmp(k, "path") || !strcmp(k, "input")) {
		char **field = !strcmp(k, "path") ? &s->sc.path : &s->sc.input;

		if (!*v) {
			snprintf(err, errlen, "--serial: %s is empty", k);
			return -1;
		}
		free(*field);
		*field = strdup(v);
	} else if (!strcmp(k, "hardware")) {
		if (strcmp(v, "serial") && strcmp(v, "virtio-console")) {
			snprintf(err, errlen,
				 "--serial: unknown hardware '%s' (serial or virtio-console)", v);
			return -1;
		}
		s->virtio = !strcmp(v, "virtio-console");
	} else if (!strcmp(k, "console")) {
		return parse_bool_key("serial", k, v, &s->sc.console, err, errlen);
	} else if (!strcmp(k, "earlycon")) {
		return parse_bool_key("serial", k, v, &s->sc.earlycon, err, errlen);
	} else if (!strcmp(k, "stdin")) {
		return parse_bool_key("serial", k, v, &s->sc.stdin_input, err, errlen);
	} else {
		snprintf(err, errlen, "--serial: unknown key '%s'", k);
		return -1;
	}
	return 0;
}

/* The checks that need the whole value, and the port still being free. */
static int serial_check(const struct serial_spec *s, const struct vm_config *cfg, char *err,
			size_t errlen)
{
	if (!s->have_type) {
		snprintf(err, errlen, "--serial: type= is required");
		return -1;
	}
	bool has_path = s->sc.type == SERIAL_FILE || s->sc.type == SERIAL_UNIX;

	if (has_path && !s->sc.path) {
		snprintf(err, errlen, "--serial: type=%s needs path=",
			 s->sc.type == SERIAL_FILE ? "file" : "unix");
		return -1;
	}
	if (!has_path && s->sc.path) {
		snprintf(err, errlen, "--serial: path= only applies to type=file and type=unix");
		return -1;
	}
	if (s->sc.type == SERIAL_UNIX &&
	    strlen(s->sc.path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "--serial: path '%s' is too long for a unix socket",
			 s->sc.path);
		return -1;
	}
	if (s->sc.input && s->sc.stdin_input) {
		snprintf(err, errlen,
			 "--serial: input= and stdin are exclusive (one input a port)");
		return -1;
	}
	if (s->virtio) {
		/* Its output and input are descriptors in the device's jailed process. */
		if (s->sc.type == SERIAL_SYSLOG || s->sc.type == SERIAL_UNIX) {
			snprintf(err, errlen,
				 "--serial: hardware=virtio-console takes type=stdout, file or "
				 "sink");
			return -1;
		}
		if (s->sc.stdin_input || s->sc.earlycon) {
			snprintf(err, errlen,
				 "--serial: hardware=virtio-console takes no %s (use input= for "
				 "input; earlycon is the COM ports')",
				 s->sc.stdin_input ? "stdin" : "earlycon");
			return -1;
		}
	}
	if ((s->virtio ? cfg->consoles : cfg->serial)[s->num - 1].configured) {
		snprintf(err, errlen, "--serial: num=%llu is given twice%s",
			 (unsigned long long)s->num, s->virtio ? " for virtio-console" : "");
		return -1;
	}
	return 0;
}

int config_parse_serial(const char *value, struct vm_config *cfg, char *err, size_t errlen)
{
	struct serial_spec s = {.sc = {.configured = true, .type = SERIAL_SINK}, .num = 1};
	char *copy = strdup(value), *save = NULL, *kv;
	const char *v;
	int ret = -1;

	if (!copy) {
		snprintf(err, errlen, "--serial: out of memory");
		return -1;
	}
	for (kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		/* crosvm's bare boolean keys: "console" is "console=true". */
		v = bare_bool(kv, serial_bools, ARRAY_SIZE(serial_bools));
		if (!v)
			v = split_kv("serial", kv, err, errlen);
		if (!v || serial_key(&s, kv, v, err, errlen))
			goto out;
	}
	if (serial_check(&s, cfg, err, errlen))
		goto out;
	(s.virtio ? cfg->consoles : cfg->serial)[s.num - 1] = s.sc;
	s.sc.path = s.sc.input = NULL;
	ret = 0;
out:
	free(s.sc.path);
	free(s.sc.input);
	free(copy);
	return ret;
}

/* One key=value of a disk flag's OPTS. */
static int disk_key(const char *flag, struct disk_config *dc, const char *k, const char *v,
		    char *err, size_t errlen)
{
	uint64_t n;

	if (!strcmp(k, "sparse"))
		return parse_bool_key(flag, k, v, &dc->sparse, err, errlen);
	if (!strcmp(k, "o_direct"))
		return parse_bool_key(flag, k, v, &dc->o_direct, err, errlen);
	if (!strcmp(k, "block_size")) {
		if (!parse_u64(v, &n) || n < 512 || n > 65536 || (n & (n - 1))) {
			snprintf(err, errlen,
				 "--%s: block_size must be a power of two from 512 to 65536, "
				 "not '%s'",
				 flag, v);
			return -1;
		}
		dc->block_size = (uint32_t)n;
		return 0;
	}
	if (!strcmp(k, "format")) {
		if (!strcmp(v, "raw"))
			dc->format = DISK_FORMAT_RAW;
		else if (!strcmp(v, "qcow2"))
			dc->format = DISK_FORMAT_QCOW2;
		else {
			snprintf(err, errlen, "--%s: format must be raw or qcow2, not '%s'", flag,
				 v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(k, "id")) {
		if (strlen(v) > 20) {
			snprintf(err, errlen, "--%s: id is longer than 20 bytes", flag);
			return -1;
		}
		memcpy(dc->id, v, strlen(v) + 1);
		return 0;
	}
	snprintf(err, errlen, "--%s: unknown option '%s'", flag, k);
	return -1;
}

static int disk_add(const char *flag, const struct disk_config *dc, struct vm_config *cfg,
		    char *err, size_t errlen)
{
	if (cfg->nr_disks >= MAX_DISKS) {
		snprintf(err, errlen, "--%s: more than %d disks", flag, MAX_DISKS);
		return -1;
	}
	if (dc->root) {
		if (cfg->nr_disks && cfg->disks[0].root) {
			snprintf(err, errlen, "--%s: a root disk is already given", flag);
			return -1;
		}
		/* The root disk is always /dev/vda. */
		memmove(&cfg->disks[1], &cfg->disks[0], cfg->nr_disks * sizeof(cfg->disks[0]));
		cfg->disks[0] = *dc;
	} else {
		cfg->disks[cfg->nr_disks] = *dc;
	}
	cfg->nr_disks++;
	return 0;
}

int config_parse_disk(const char *flag, const char *value, bool read_only, bool root,
		      struct vm_config *cfg, char *err, size_t errlen)
{
	struct disk_config dc = {.read_only = read_only, .root = root, .sparse = true};
	char *copy = strdup(value), *save = NULL, *kv, *v;
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
		v = split_kv(flag, kv, err, errlen);
		if (!v || disk_key(flag, &dc, kv, v, err, errlen))
			goto out;
	}
	if (disk_add(flag, &dc, cfg, err, errlen))
		goto out;
	dc.path = NULL;
	ret = 0;
out:
	free(dc.path);
	free(copy);
	return ret;
}

/* One key of --block (crosvm's names); the legacy flags' keys are in disk_key(). */
static int block_key(struct disk_config *dc, const char *k, const char *v, char *err, size_t errlen)
{
	bool b;

	if (!strcmp(k, "path")) {
		if (!*v) {
			snprintf(err, errlen, "--block: path is empty");
			return -1;
		}
		free(dc->path);
		dc->path = strdup(v);
		return dc->path ? 0 : -1;
	}
	if (!strcmp(k, "ro") || !strcmp(k, "root")) {
		if (parse_bool_key("block", k, v, &b, err, errlen))
			return -1;
		if (!strcmp(k, "ro"))
			dc->read_only = b;
		else
			dc->root = b;
		return 0;
	}
	if (!strcmp(k, "direct"))
		return disk_key("block", dc, "o_direct", v, err, errlen);
	if (!strcmp(k, "block-size"))
		return disk_key("block", dc, "block_size", v, err, errlen);
	if (!strcmp(k, "sparse") || !strcmp(k, "id") || !strcmp(k, "format"))
		return disk_key("block", dc, k, v, err, errlen);
	snprintf(err, errlen, "--block: unknown option '%s'", k);
	return -1;
}

static const char *const block_bools[] = {"ro", "root", "sparse", "direct"};

int config_parse_block(const char *value, struct vm_config *cfg, char *err, size_t errlen)
{
	struct disk_config dc = {.sparse = true};
	char *copy = strdup(value), *save = NULL, *kv;
	const char *k, *v;
	bool first = true;
	int ret = -1;

	if (!copy) {
		snprintf(err, errlen, "--block: out of memory");
		return -1;
	}
	for (kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save), first = false) {
		k = kv;
		v = bare_bool(kv, block_bools, ARRAY_SIZE(block_bools));
		/* The first value may be the path alone, as crosvm takes it. */
		if (!v && first && !strchr(kv, '=')) {
			v = kv;
			k = "path";
		}
		if (!v)
			v = split_kv("block", kv, err, errlen);
		if (!v || block_key(&dc, k, v, err, errlen))
			goto out;
	}
	if (!dc.path) {
		snprintf(err, errlen, "--block: path= is required");
		goto out;
	}
	if (disk_add("block", &dc, cfg, err, errlen))
		goto out;
	dc.path = NULL;
	ret = 0;
out:
	free(dc.path);
	free(copy);
	return ret;
}

struct flag;

/*
 * Parses one flag's value into cfg. v is NULL for a switch, and for an optional
 * value that is not given; a switch's handler sees the "--flag=VALUE" value.
 */
typedef enum parse_result (*flag_parser)(const struct flag *fl, const char *v,
					 struct vm_config *cfg, char *err, size_t errlen);

struct flag {
	const char *name;
	char short_name; /* 0: none */
	/*
	 * The value's placeholder in the help, which also says how it is given: NULL
	 * for none, "[=X]" for one only as --name=X, anything else for a required one.
	 */
	const char *help_arg;
	/* '\n' breaks a line. NULL: the flag is listed with the row above, under its help. */
	const char *help;
	flag_parser parse;
	/* For the handlers that several rows share: */
	size_t field;  /* offsetof() the vm_config member to set */
	unsigned bits; /* the row's variant */
	bool once;     /* given twice is an error (as crosvm refuses a second -m) */
};

/* A member's offset for a shared handler; a member of another type does not compile. */
#define CFG_BOOL(m) _Generic(((struct vm_config *)0)->m, bool : offsetof(struct vm_config, m))
#define CFG_STR(m) \
	_Generic(((struct vm_config *)0)->m, const char * : offsetof(struct vm_config, m))

enum { DISK_READ_ONLY = 1, DISK_ROOT = 2 };
enum { PATH_NONEMPTY = 1, PATH_ABSOLUTE = 2 };

static bool value_optional(const struct flag *fl)
{
	return fl->help_arg && fl->help_arg[0] == '[';
}

static void *cfg_field(struct vm_config *cfg, const struct flag *fl)
{
	return (char *)cfg + fl->field;
}

static enum parse_result parse_help(const struct flag *fl, const char *v, struct vm_config *cfg,
				    char *err, size_t errlen)
{
	return PARSE_HELP; /* also as -hX or --help=X, before any later flag is looked at */
}

static enum parse_result parse_switch(const struct flag *fl, const char *v, struct vm_config *cfg,
				      char *err, size_t errlen)
{
	if (v) {
		snprintf(err, errlen, "--%s: takes no value", fl->name);
		return PARSE_ERROR;
	}
	*(bool *)cfg_field(cfg, fl) = fl->bits;
	return PARSE_OK;
}

static enum parse_result parse_path(const struct flag *fl, const char *v, struct vm_config *cfg,
				    char *err, size_t errlen)
{
	if ((fl->bits & PATH_NONEMPTY) && !*v) {
		snprintf(err, errlen, "--%s: the path is empty", fl->name);
		return PARSE_ERROR;
	}
	if ((fl->bits & PATH_ABSOLUTE) && *v != '/') {
		snprintf(err, errlen, "--%s: '%s' is not an absolute path", fl->name, v);
		return PARSE_ERROR;
	}
	*(const char **)cfg_field(cfg, fl) = v;
	return PARSE_OK;
}

static enum parse_result parse_params(const struct flag *fl, const char *v, struct vm_config *cfg,
				      char *err, size_t errlen)
{
	size_t old = cfg->params ? strlen(cfg->params) : 0;
	char *n = realloc(cfg->params, old + strlen(v) + 2);

	if (!n) {
		snprintf(err, errlen, "--params: out of memory");
		return PARSE_ERROR;
	}
	if (old)
		n[old++] = ' ';
	strcpy(n + old, v);
	cfg->params = n;
	return PARSE_OK;
}

static enum parse_result parse_mem(const struct flag *fl, const char *v, struct vm_config *cfg,
				   char *err, size_t errlen)
{
	uint64_t n;

	if (!strncmp(v, "size=", 5)) /* crosvm's -m size=N */
		v += 5;
	if (!parse_u64(v, &n)) {
		snprintf(err, errlen, "--mem: '%s' is not a number of MiB", v);
		return PARSE_ERROR;
	}
	if (n == 0) {
		snprintf(err, errlen, "--mem: must be at least 1 MiB");
		return PARSE_ERROR;
	}
	cfg->mem_mib = n;
	return PARSE_OK;
}

static enum parse_result parse_cpus(const struct flag *fl, const char *v, struct vm_config *cfg,
				    char *err, size_t errlen)
{
	uint64_t n;

	if (!strncmp(v, "num-cores=", 10)) /* crosvm's -c num-cores=N */
		v += 10;
	if (!parse_u64(v, &n)) {
		snprintf(err, errlen, "--cpus: '%s' is not a number", v);
		return PARSE_ERROR;
	}
	if (n == 0) {
		snprintf(err, errlen, "--cpus: must be at least 1");
		return PARSE_ERROR;
	}
	if (n > MAX_CPUS) {
		snprintf(err, errlen, "--cpus: %llu is more than the %d supported",
			 (unsigned long long)n, MAX_CPUS);
		return PARSE_ERROR;
	}
	cfg->cpus = (unsigned)n;
	return PARSE_OK;
}

static enum parse_result parse_gdb(const struct flag *fl, const char *v, struct vm_config *cfg,
				   char *err, size_t errlen)
{
	uint64_t n;

	if (!parse_u64(v, &n) || n == 0 || n > 65535) {
		snprintf(err, errlen, "--gdb: '%s' is not a TCP port (1-65535)", v);
		return PARSE_ERROR;
	}
	cfg->gdb_port = (unsigned)n;
	return PARSE_OK;
}

static enum parse_result parse_serial(const struct flag *fl, const char *v, struct vm_config *cfg,
				      char *err, size_t errlen)
{
	return config_parse_serial(v, cfg, err, errlen) ? PARSE_ERROR : PARSE_OK;
}

static enum parse_result parse_disk(const struct flag *fl, const char *v, struct vm_config *cfg,
				    char *err, size_t errlen)
{
	bool read_only = fl->bits & DISK_READ_ONLY, root = fl->bits & DISK_ROOT;

	return config_parse_disk(fl->name, v, read_only, root, cfg, err, errlen) ? PARSE_ERROR
										 : PARSE_OK;
}

static enum parse_result parse_block(const struct flag *fl, const char *v, struct vm_config *cfg,
				     char *err, size_t errlen)
{
	return config_parse_block(v, cfg, err, errlen) ? PARSE_ERROR : PARSE_OK;
}

static enum parse_result parse_video_encoder(const struct flag *fl, const char *v,
					     struct vm_config *cfg, char *err, size_t errlen)
{
	if (v && strcmp(v, "libavcodec")) {
		snprintf(err, errlen, "--video-encoder: unknown backend '%s' (libavcodec)", v);
		return PARSE_ERROR;
	}
#ifdef CROSVM_HAVE_VIDEO
	cfg->video_encoder = true;
	return PARSE_OK;
#else
	snprintf(err, errlen,
		 "--video-encoder: this crosvm was built without libavcodec (meson "
		 "-Dvideo=enabled)");
	return PARSE_ERROR;
#endif
}

int config_parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	/* inet_pton takes only the dotted quad, never "10.1" or "0x0a000001". */
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = a.s_addr;
	return 0;
}

int config_parse_netmask(const char *s, uint32_t *out)
{
	uint32_t m;

	if (config_parse_ipv4(s, out))
		return -1;
	m = ntohl(*out);
	/* Ones, then zeroes: ~m + 1 is then a power of two (or 0 for /0, refused). */
	return m && !((~m + 1) & ~m) ? 0 : -1;
}

int config_parse_mac(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return -1;
	for (size_t i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		char hex[3] = {p[0], p[1], 0};

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    (i < 5 && p[2] != ':'))
			return -1;
		mac[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	return 0;
}

static enum parse_result parse_host_ip(const struct flag *fl, const char *v, struct vm_config *cfg,
				       char *err, size_t errlen)
{
	if (config_parse_ipv4(v, &cfg->host_ip)) {
		snprintf(err, errlen, "--host_ip: '%s' is not an IPv4 address", v);
		return PARSE_ERROR;
	}
	cfg->have_host_ip = true;
	return PARSE_OK;
}

static enum parse_result parse_netmask(const struct flag *fl, const char *v, struct vm_config *cfg,
				       char *err, size_t errlen)
{
	uint32_t m;

	if (config_parse_ipv4(v, &m)) {
		snprintf(err, errlen, "--netmask: '%s' is not an IPv4 netmask", v);
		return PARSE_ERROR;
	}
	if (config_parse_netmask(v, &cfg->netmask)) {
		snprintf(err, errlen, "--netmask: '%s' is not contiguous (ones, then zeroes)", v);
		return PARSE_ERROR;
	}
	cfg->have_netmask = true;
	return PARSE_OK;
}

static enum parse_result parse_mac(const struct flag *fl, const char *v, struct vm_config *cfg,
				   char *err, size_t errlen)
{
	static const uint8_t zero[6];

	if (config_parse_mac(v, cfg->mac)) {
		snprintf(err, errlen, "--mac: '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", v);
		return PARSE_ERROR;
	}
	if ((cfg->mac[0] & 1) || !memcmp(cfg->mac, zero, 6)) {
		snprintf(err, errlen, "--mac: '%s' is not a unicast address", v);
		return PARSE_ERROR;
	}
	cfg->have_mac = true;
	return PARSE_OK;
}

/* A --tap-name or --tap-fd NIC: the next slot, or an error when all are taken. */
static struct net_config *net_add(const struct flag *fl, struct vm_config *cfg, char *err,
				  size_t errlen)
{
	if (cfg->nr_nets == MAX_NETS) {
		snprintf(err, errlen, "--%s: at most %d network devices", fl->name, MAX_NETS);
		return NULL;
	}
	return &cfg->nets[cfg->nr_nets++];
}

static enum parse_result parse_tap_name(const struct flag *fl, const char *v, struct vm_config *cfg,
					char *err, size_t errlen)
{
	struct net_config *nc;

	if (!*v || strlen(v) >= sizeof(nc->tap_name) || strchr(v, '/')) {
		snprintf(err, errlen, "--tap-name: '%s' is not an interface name (1 to %zu bytes)",
			 v, sizeof(nc->tap_name) - 1);
		return PARSE_ERROR;
	}
	nc = net_add(fl, cfg, err, errlen);
	if (!nc)
		return PARSE_ERROR;
	*nc = (struct net_config){.kind = NET_TAP_NAME, .tap_fd = -1};
	memcpy(nc->tap_name, v, strlen(v) + 1);
	return PARSE_OK;
}

static enum parse_result parse_tap_fd(const struct flag *fl, const char *v, struct vm_config *cfg,
				      char *err, size_t errlen)
{
	struct net_config *nc;
	uint64_t n;

	if (!parse_u64(v, &n) || n > INT32_MAX) {
		snprintf(err, errlen, "--tap-fd: '%s' is not a descriptor number", v);
		return PARSE_ERROR;
	}
	if (n <= 2) {
		snprintf(err, errlen, "--tap-fd: %s is stdin, stdout or stderr, not a TAP", v);
		return PARSE_ERROR;
	}
	for (unsigned i = 0; i < cfg->nr_nets; i++)
		if (cfg->nets[i].kind == NET_TAP_FD && cfg->nets[i].tap_fd == (int)n) {
			snprintf(err, errlen, "--tap-fd: %s is given twice", v);
			return PARSE_ERROR;
		}
	if (fcntl((int)n, F_GETFD) < 0) {
		snprintf(err, errlen, "--tap-fd: %s is not an open descriptor", v);
		return PARSE_ERROR;
	}
	nc = net_add(fl, cfg, err, errlen);
	if (!nc)
		return PARSE_ERROR;
	*nc = (struct net_config){.kind = NET_TAP_FD, .tap_fd = (int)n};
	return PARSE_OK;
}

static enum parse_result parse_log_level(const struct flag *fl, const char *v,
					 struct vm_config *cfg, char *err, size_t errlen)
{
	int level = lookup(log_levels, ARRAY_SIZE(log_levels), v);

	if (level < 0) {
		snprintf(err, errlen, "--log-level: unknown level '%s'", v);
		return PARSE_ERROR;
	}
	cfg->log_level = (enum log_level)level;
	return PARSE_OK;
}

static enum parse_result parse_syslog_tag(const struct flag *fl, const char *v,
					  struct vm_config *cfg, char *err, size_t errlen)
{
	if (!*v || strlen(v) > 64) {
		snprintf(err, errlen, "--syslog-tag: must be 1 to 64 characters");
		return PARSE_ERROR;
	}
	cfg->syslog_tag = v;
	return PARSE_OK;
}

/* In the order of the help. */
static const struct flag flags[] = {
	{"initrd", 'i', "PATH", "initial ramdisk to load with the kernel", parse_path,
	 CFG_STR(initrd), 0, true},
	{"params", 'p', "STRING", "kernel command line parameters (repeatable, appended)",
	 parse_params, 0, 0, false},
	{"mem", 'm', "MiB", "guest memory in MiB (default 256; also as size=MiB)", parse_mem, 0, 0,
	 true},
	{"cpus", 'c', "N", "number of vCPUs (default 1; also as num-cores=N)", parse_cpus, 0, 0,
	 true},
	{"serial", 0,
	 "type=TYPE[,num=N][,path=P][,input=P][,console][,earlycon][,stdin][,hardware=H]",
	 "configure COM port N (1-4, default 1); TYPE is stdout,\n"
	 "file (needs path=), sink, syslog or unix (path= names an\n"
	 "existing SOCK_DGRAM socket; each line is a datagram).\n"
	 "Without any --serial, COM1 is type=stdout,console,stdin.\n"
	 "console adds console=ttyS<N-1>, earlycon adds\n"
	 "earlycon=uart8250,io,PORT; the guest reads from stdin\n"
	 "or from the file input= names. Bare keys mean =true.\n"
	 "hardware=virtio-console makes it /dev/hvc<N-1> instead\n"
	 "(TYPE stdout, file or sink; input= but no stdin).",
	 parse_serial, 0, 0, false},
	{"root", 'r', "PATH[,OPTS]", "read-only root disk (/dev/vda; adds root=/dev/vda ro)",
	 parse_disk, 0, DISK_READ_ONLY | DISK_ROOT, false},
	{"rwroot", 0, "PATH[,OPTS]", "writable root disk (adds root=/dev/vda rw)", parse_disk, 0,
	 DISK_ROOT, false},
	{"disk", 'd', "PATH[,OPTS]", "read-only disk (/dev/vdb, ... in the order given)",
	 parse_disk, 0, DISK_READ_ONLY, false},
	{"rwdisk", 0, "PATH[,OPTS]",
	 "writable disk. OPTS: sparse=BOOL (default true: discard\n"
	 "punches holes), block_size=N (default 512), id=STR\n"
	 "(up to 20 bytes), o_direct=BOOL (default false),\n"
	 "format=raw|qcow2 (default: detected from the file)",
	 parse_disk, 0, 0, false},
	{"block", 0, "path=P[,ro][,root][,sparse=B][,block-size=N][,id=S][,direct=B][,format=F]",
	 "a disk as crosvm takes it: read-only with ro, /dev/vda\n"
	 "(root=/dev/vda) with root; bare keys mean =true",
	 parse_block, 0, 0, false},
	{"host_ip", 0, "IP",
	 "virtio-net on a TAP made by the VMM, the host's\n"
	 "address IP on it (needs --netmask and CAP_NET_ADMIN)",
	 parse_host_ip, 0, 0, true},
	{"netmask", 0, "MASK", "the host's netmask on that TAP (e.g. 255.255.255.0)", parse_netmask,
	 0, 0, true},
	{"mac", 0, "MAC",
	 "the guest's MAC address on the first virtio-net device\n"
	 "(default 02:43:56:4d:00:N for device N, from 1)",
	 parse_mac, 0, 0, true},
	{"tap-name", 0, "NAME", "virtio-net on the existing TAP NAME (repeatable)", parse_tap_name,
	 0, 0, false},
	{"tap-fd", 0, "N",
	 "virtio-net on the open TAP descriptor N (made with\n"
	 "IFF_TAP|IFF_NO_PI|IFF_VNET_HDR; repeatable)",
	 parse_tap_fd, 0, 0, false},
	{"no-rng", 0, NULL, "omit the virtio-rng entropy device", parse_switch, CFG_BOOL(rng),
	 false, false},
	{"no-i8042", 0, NULL, "omit the i8042 keyboard controller (ports 0x60, 0x64)", parse_switch,
	 CFG_BOOL(i8042), false, false},
	{"no-rtc", 0, NULL, "omit the CMOS real-time clock (ports 0x70, 0x71)", parse_switch,
	 CFG_BOOL(rtc), false, false},
	{"socket", 's', "PATH",
	 "control socket (crosvm stop|suspend|resume|balloon|\n"
	 "balloon_stats|disk resize talk to it); in a directory,\n"
	 "PATH/crosvm-PID.sock. Removed when the VM ends.",
	 parse_path, CFG_STR(socket_path), PATH_NONEMPTY, true},
	{"balloon", 0, NULL, "with or without the virtio-balloon device (default: with)",
	 parse_switch, CFG_BOOL(balloon), true, false},
	{"no-balloon", 0, NULL, NULL, parse_switch, CFG_BOOL(balloon), false, false},
	{"video-encoder", 0, "[=libavcodec]",
	 "add a virtio-video encoder (H.264, VP8, VP9 from NV12\n"
	 "or I420 frames), encoding with libavcodec",
	 parse_video_encoder, 0, 0, false},
	{"disable-sandbox", 0, NULL,
	 "run the devices inside the VMM process, unjailed and\n"
	 "without seccomp (debugging; hosts without user namespaces)",
	 parse_switch, CFG_BOOL(sandbox), false, false},
	{"pivot-root", 0, "DIR",
	 "empty directory each jailed device sees as / (default\n"
	 "/var/empty, created if missing)",
	 parse_path, CFG_STR(pivot_root), PATH_ABSOLUTE, false},
	{"seccomp-policy-dir", 0, "DIR",
	 "read seccomp policies (*.policy) from DIR; a file missing\n"
	 "there comes from the copies built into crosvm",
	 parse_path, CFG_STR(seccomp_policy_dir), PATH_ABSOLUTE, false},
	{"seccomp-log-failures", 0, NULL,
	 "log a system call outside a policy and let it proceed,\n"
	 "instead of killing the process (to repair a policy)",
	 parse_switch, CFG_BOOL(seccomp_log_failures), true, false},
	{"gdb", 0, "PORT",
	 "GDB remote stub on 127.0.0.1:PORT (one debugger at a\n"
	 "time, every vCPU a thread); the VM waits for it before\n"
	 "the first instruction and runs on when it detaches",
	 parse_gdb, 0, 0, true},
	{"log-level", 0, "LEVEL", "error, warn, info (default) or debug", parse_log_level, 0, 0,
	 false},
	{"syslog-tag", 0, "TAG",
	 "also log to syslog under TAG (done anyway, as \"crosvm\",\n"
	 "when stderr is not a terminal)",
	 parse_syslog_tag, 0, 0, false},
	{"help", 'h', NULL, "show this help", parse_help, 0, 0, false},
};

static const struct flag *find_flag(const char *arg, const char **inline_value)
{
	*inline_value = NULL;
	if (arg[0] == '-' && arg[1] == '-') {
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);

		for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
			if (strlen(flags[i].name) == n && !strncmp(flags[i].name, name, n)) {
				*inline_value = eq ? eq + 1 : NULL;
				return &flags[i];
			}
		}
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		if (flags[i].short_name && arg[1] == flags[i].short_name) {
			/* "-m512" style: the value follows the letter; a switch takes none. */
			if (arg[2] && !flags[i].help_arg)
				return NULL;
			*inline_value = arg[2] ? arg + 2 : NULL;
			return &flags[i];
		}
	}
	return NULL;
}

/* Parses the flag argv[*i], and the next argument if it is the flag's value. */
static enum parse_result parse_flag(int argc, char **argv, int *i, struct vm_config *cfg,
				    bool *seen, char *err, size_t errlen)
{
	const char *v;
	const struct flag *fl = find_flag(argv[*i], &v);

	if (!fl) {
		snprintf(err, errlen, "unknown flag '%s' (see crosvm run --help)", argv[*i]);
		return PARSE_ERROR;
	}
	if (fl->once && seen[fl - flags]) {
		snprintf(err, errlen, "--%s: given twice", fl->name);
		return PARSE_ERROR;
	}
	seen[fl - flags] = true;
	if (fl->help_arg && !value_optional(fl) && !v) {
		if (*i + 1 >= argc) {
			snprintf(err, errlen, "--%s: needs a value", fl->name);
			return PARSE_ERROR;
		}
		v = argv[++*i];
	}
	return fl->parse(fl, v, cfg, err, errlen);
}

static void set_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_mib = DEFAULT_MEM_MIB;
	cfg->cpus = DEFAULT_CPUS;
	cfg->kvm_path = "/dev/kvm";
	cfg->log_level = LOG_LVL_INFO;
	cfg->rng = true;
	cfg->balloon = true;
	cfg->i8042 = true;
	cfg->rtc = true;
	cfg->sandbox = true;
}

/* A directory flag's value must name an existing directory. */
static int check_dir(const char *flag, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st)) {
		snprintf(err, errlen, "--%s: '%s': %s", flag, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--%s: '%s' is not a directory", flag, path);
		return -1;
	}
	return 0;
}

/* The --host_ip NIC goes first; every NIC gets its MAC. */
static int finish_nets(struct vm_config *cfg, char *err, size_t errlen)
{
	if (cfg->have_host_ip != cfg->have_netmask) {
		snprintf(err, errlen,
			 cfg->have_host_ip ? "--host_ip: needs --netmask too"
					   : "--netmask: needs --host_ip too");
		return -1;
	}
	if (cfg->have_host_ip) {
		if (cfg->nr_nets == MAX_NETS) {
			snprintf(err, errlen, "--host_ip: at most %d network devices", MAX_NETS);
			return -1;
		}
		memmove(&cfg->nets[1], &cfg->nets[0], cfg->nr_nets * sizeof(cfg->nets[0]));
		cfg->nets[0] = (struct net_config){.kind = NET_TAP_CREATE,
						   .tap_fd = -1,
						   .host_ip = cfg->host_ip,
						   .netmask = cfg->netmask};
		cfg->nr_nets++;
	}
	if (cfg->have_mac && !cfg->nr_nets) {
		snprintf(err, errlen,
			 "--mac: no network device (--host_ip with --netmask, --tap-name or "
			 "--tap-fd)");
		return -1;
	}
	for (unsigned i = 0; i < cfg->nr_nets; i++) {
		static const uint8_t base[6] = {0x02, 0x43, 0x56, 0x4d, 0x00, 0x00};

		memcpy(cfg->nets[i].mac, base, 6);
		cfg->nets[i].mac[5] = (uint8_t)(i + 1);
	}
	if (cfg->have_mac)
		memcpy(cfg->nets[0].mac, cfg->mac, 6);
	return 0;
}

static int validate(struct vm_config *cfg, char *err, size_t errlen)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t host_mib = pages > 0 && psize > 0 ? ((uint64_t)pages * (uint64_t)psize) >> 20 : 0;
	int consoles = 0, stdins = 0, earlycons = 0;

	if (cfg->seccomp_policy_dir &&
	    check_dir("seccomp-policy-dir", cfg->seccomp_policy_dir, err, errlen))
		return -1;
	if (host_mib && cfg->mem_mib > host_mib) {
		snprintf(err, errlen, "--mem: %llu MiB is more than the host's %llu MiB",
			 (unsigned long long)cfg->mem_mib, (unsigned long long)host_mib);
		return -1;
	}
	for (int i = 0; i < SERIAL_PORTS; i++) {
		consoles += cfg->serial[i].configured && cfg->serial[i].console;
		consoles += cfg->consoles[i].configured && cfg->consoles[i].console;
		stdins += cfg->serial[i].configured && cfg->serial[i].stdin_input;
		earlycons += cfg->serial[i].configured && cfg->serial[i].earlycon;
	}
	if (stdins > 1) {
		snprintf(err, errlen, "--serial: stdin=true is given for more than one port");
		return -1;
	}
	if (consoles > 1) {
		snprintf(err, errlen,
			 "--serial: console=true is given for more than one port (COM or "
			 "virtio-console)");
		return -1;
	}
	if (earlycons > 1) {
		snprintf(err, errlen, "--serial: earlycon is given for more than one port");
		return -1;
	}
	return finish_nets(cfg, err, errlen);
}

/* What follows the arguments: the kernel is required, COM1 is the console by default. */
static enum parse_result finish(struct vm_config *cfg, char *err, size_t errlen)
{
	bool any_serial = false;

	if (!cfg->kernel) {
		snprintf(err, errlen, "KERNEL: missing (crosvm run [OPTIONS] KERNEL)");
		return PARSE_ERROR;
	}
	/* Each --serial configures a port, so none configured means no --serial. */
	for (int i = 0; i < SERIAL_PORTS; i++)
		any_serial |= cfg->serial[i].configured || cfg->consoles[i].configured;
	if (!any_serial) {
		cfg->serial[0] = (struct serial_config){.configured = true,
							.type = SERIAL_STDOUT,
							.console = true,
							.stdin_input = true};
	}
	return validate(cfg, err, errlen) ? PARSE_ERROR : PARSE_OK;
}

enum parse_result config_parse_run(int argc, char **argv, struct vm_config *cfg, char *err,
				   size_t errlen)
{
	bool seen[ARRAY_SIZE(flags)] = {0};
	int i;

	set_defaults(cfg);
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		enum parse_result r;

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
		r = parse_flag(argc, argv, &i, cfg, seen, err, errlen);
		if (r != PARSE_OK)
			return r;
	}
	for (; i < argc; i++) {
		if (cfg->kernel) {
			snprintf(err, errlen, "unexpected argument '%s'", argv[i]);
			return PARSE_ERROR;
		}
		cfg->kernel = argv[i];
	}
	return finish(cfg, err, errlen);
}

/* Where each flag's help starts; a wider flag column puts it on the next line. */
#define HELP_COLUMN 25

/* "  -x, --name ARG", and the rows listed with it; returns the width printed. */
static int print_flag_names(FILE *f, const struct flag *fl, const struct flag *end)
{
	int n;

	if (fl->short_name)
		n = fprintf(f, "  -%c, --%s", fl->short_name, fl->name);
	else
		n = fprintf(f, "      --%s", fl->name);
	if (fl->help_arg)
		n += fprintf(f, "%s%s", value_optional(fl) ? "" : " ", fl->help_arg);
	for (fl++; fl < end && !fl->help; fl++)
		n += fprintf(f, ", --%s", fl->name);
	return n;
}

void config_print_run_usage(FILE *f)
{
	const struct flag *end = flags + ARRAY_SIZE(flags);

	fputs("Usage: crosvm run [OPTIONS] KERNEL\n"
	      "\n"
	      "Boots KERNEL (a bzImage, or an uncompressed ELF64 vmlinux) in a new VM.\n"
	      "\n"
	      "Options:\n",
	      f);
	for (const struct flag *fl = flags; fl < end; fl++) {
		const char *help = fl->help, *nl;
		int n;

		if (!help)
			continue; /* listed with the row above */
		n = print_flag_names(f, fl, end);
		if (n >= HELP_COLUMN) {
			fputc('\n', f);
			n = 0;
		}
		fprintf(f, "%*s", HELP_COLUMN - n, "");
		while ((nl = strchr(help, '\n'))) {
			fprintf(f, "%.*s\n%*s", (int)(nl - help), help, HELP_COLUMN, "");
			help = nl + 1;
		}
		fprintf(f, "%s\n", help);
	}
	fputs("\n"
	      "Exit status: 0 when the guest powers off, reboots or panics (with panic=-1),\n"
	      "1 on a runtime failure, 2 on bad input, 3 on a guest triple fault,\n"
	      "4 on a KVM internal error.\n",
	      f);
}

char *config_kernel_cmdline(const struct vm_config *cfg)
{
	static const uint16_t ports[SERIAL_PORTS] = X86_COM_PORTS;
	char implied[256] = "";
	size_t l = 0, n;
	char *s;

	/* What the config implies, each word followed by a space. */
	for (int i = 0; i < SERIAL_PORTS; i++) {
		if (cfg->serial[i].configured && cfg->serial[i].console)
			l += (size_t)snprintf(implied + l, sizeof(implied) - l, "console=ttyS%d ",
					      i);
		if (cfg->consoles[i].configured && cfg->consoles[i].console)
			l += (size_t)snprintf(implied + l, sizeof(implied) - l, "console=hvc%d ",
					      i);
	}
	for (int i = 0; i < SERIAL_PORTS; i++) {
		if (cfg->serial[i].configured && cfg->serial[i].earlycon)
			l += (size_t)snprintf(implied + l, sizeof(implied) - l,
					      "earlycon=uart8250,io,%#x ", ports[i]);
	}
	if (cfg->nr_disks && cfg->disks[0].root)
		l += (size_t)snprintf(implied + l, sizeof(implied) - l, "root=/dev/vda %s ",
				      cfg->disks[0].read_only ? "ro" : "rw");
	if (l && !cfg->params)
		implied[--l] = '\0'; /* no trailing space */
	n = l + (cfg->params ? strlen(cfg->params) : 0) + 1;
	s = malloc(n);
	if (!s)
		return NULL;
	snprintf(s, n, "%s%s", implied, cfg->params ? cfg->params : "");
	return s;
}

void config_free(struct vm_config *cfg)
{
	free(cfg->params);
	cfg->params = NULL;
	for (int i = 0; i < SERIAL_PORTS; i++) {
		free(cfg->serial[i].path);
		free(cfg->serial[i].input);
		free(cfg->consoles[i].path);
		free(cfg->consoles[i].input);
		cfg->serial[i].path = cfg->serial[i].input = NULL;
		cfg->consoles[i].path = cfg->consoles[i].input = NULL;
	}
	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		free(cfg->disks[i].path);
		cfg->disks[i].path = NULL;
	}
	cfg->nr_disks = 0;
}
