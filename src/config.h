/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_CONFIG_H
#define CROSVM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/log.h"

/* Process exit statuses. */
#define EXIT_OK		    0
#define EXIT_RUNTIME	    1 /* a failure while running (host error, device failure) */
#define EXIT_BAD_INPUT	    2 /* bad command line, kernel, initrd, or no usable /dev/kvm */
#define EXIT_TRIPLE_FAULT   3
#define EXIT_INTERNAL_ERROR 4 /* KVM internal error or failed VM entry */

#define SERIAL_PORTS	4
#define DEFAULT_MEM_MIB 256
#define DEFAULT_CPUS	1
#define MAX_CPUS	254 /* APIC IDs must fit the MADT's 8-bit fields (0xff is broadcast) */

enum serial_type { SERIAL_SINK, SERIAL_STDOUT, SERIAL_FILE, SERIAL_SYSLOG, SERIAL_UNIX };

struct serial_config {
	bool configured;
	enum serial_type type;
	char *path;  /* heap: type=file's file, type=unix's socket */
	char *input; /* heap: input=, a file the guest reads from (NULL: none) */
	bool console;
	bool earlycon; /* adds earlycon=uart8250,io,PORT */
	bool stdin_input;
};

#define MAX_DISKS 16

struct disk_config {
	char *path; /* heap */
	bool read_only;
	bool root; /* also sets root=/dev/vda on the command line */
	bool sparse;
	bool o_direct;
	uint32_t block_size;
	char id[21];
	/* format=: image format; auto detects it from the file's magic once, at open. */
	enum disk_format { DISK_FORMAT_AUTO, DISK_FORMAT_RAW, DISK_FORMAT_QCOW2 } format;
};

#define MAX_NETS 8

/* A virtio-net device's TAP: made by the VMM (--host_ip), found by name, or handed over. */
enum net_kind { NET_TAP_CREATE, NET_TAP_NAME, NET_TAP_FD };

struct net_config {
	enum net_kind kind;
	char tap_name[16];	   /* NET_TAP_NAME; IFNAMSIZ with its NUL */
	int tap_fd;		   /* NET_TAP_FD */
	uint32_t host_ip, netmask; /* NET_TAP_CREATE, network byte order */
	uint8_t mac[6];		   /* the guest's (config space) */
};

struct vm_config {
	const char *kernel;
	const char *initrd;
	char *params; /* the -p strings, joined by spaces (heap) */
	uint64_t mem_mib;
	unsigned cpus;
	struct serial_config serial[SERIAL_PORTS];
	/* --serial hardware=virtio-console: /dev/hvc<N-1>, numbered apart from the COM ports. */
	struct serial_config consoles[SERIAL_PORTS];
	struct disk_config disks[MAX_DISKS]; /* in /dev/vdX order; a root disk is first */
	unsigned nr_disks;
	/* virtio-net: the one --host_ip/--netmask make first, then --tap-name/--tap-fd in order. */
	struct net_config nets[MAX_NETS];
	unsigned nr_nets;
	uint32_t host_ip, netmask; /* --host_ip, --netmask (network order) */
	uint8_t mac[6];		   /* --mac: the first NIC's */
	bool have_host_ip, have_netmask, have_mac;
	bool rng;			/* virtio-rng (on by default, as in crosvm) */
	bool video_encoder;		/* virtio-video encoder (libavcodec) */
	bool balloon;			/* virtio-balloon (on by default, as in crosvm) */
	bool i8042;			/* the i8042 keyboard controller (--no-i8042 omits it) */
	bool rtc;			/* the CMOS RTC (--no-rtc omits it) */
	const char *socket_path;	/* -s: control socket, NULL for none */
	const char *syslog_tag;		/* --syslog-tag, NULL for the default */
	bool sandbox;			/* jailed, seccomp-filtered device processes (default) */
	bool seccomp_log_failures;	/* --seccomp-log-failures */
	const char *seccomp_policy_dir; /* NULL: the built-in policies */
	const char *pivot_root;		/* NULL: JAIL_DEFAULT_PIVOT_ROOT */
	const char *kvm_path;
	unsigned gdb_port; /* --gdb: 0 for none */
	enum log_level log_level;
};

enum parse_result { PARSE_OK, PARSE_HELP, PARSE_ERROR };

/*
 * Parses the arguments of `crosvm run` (argv[0] is "run"). On PARSE_ERROR, err
 * holds one line naming the flag and the reason.
 */
enum parse_result config_parse_run(int argc, char **argv, struct vm_config *cfg, char *err,
				   size_t errlen);
void config_free(struct vm_config *cfg);
/* Parses one --serial value into cfg (exposed for tests). Returns 0 or -1 with err. */
int config_parse_serial(const char *value, struct vm_config *cfg, char *err, size_t errlen);
/* Parses one disk flag's value (PATH[,key=value...]) into cfg (exposed for tests). */
int config_parse_disk(const char *flag, const char *value, bool read_only, bool root,
		      struct vm_config *cfg, char *err, size_t errlen);
/* Parses one --block value (crosvm's syntax: path=P[,ro][,root][,...]) into cfg. */
int config_parse_block(const char *value, struct vm_config *cfg, char *err, size_t errlen);
/* Parses an IPv4 address / a contiguous netmask / a unicast MAC (exposed for tests). */
int config_parse_ipv4(const char *s, uint32_t *out);
int config_parse_netmask(const char *s, uint32_t *out);
int config_parse_mac(const char *s, uint8_t mac[6]);
/* The kernel command line: the -p params plus what the config implies (console=). Heap. */
char *config_kernel_cmdline(const struct vm_config *cfg);
/* The `crosvm run --help` text, generated from the table of flags. */
void config_print_run_usage(FILE *f);

#endif
