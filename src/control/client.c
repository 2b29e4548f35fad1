// SPDX-License-Identifier: BSD-3-Clause
/* crosvm stop|suspend|resume|balloon|balloon_stats|disk: one request to a VM's socket. */
#define _GNU_SOURCE
#include "control/client.h"

#include <errno.h>
#include <linux/virtio_balloon.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "control/protocol.h"
#include "util/parse.h"

/* Long enough for balloon_stats, which waits for the guest's report. */
#define REPLY_TIMEOUT_MS 15000

/* Sends req to the VM at path and reads its answer; returns an exit status. */
static int request(const char *cmd, const char *path, const struct ctl_msg *req,
		   struct ctl_msg *resp)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	uint8_t buf[CTL_MAX_MSG + 1];
	struct pollfd p;
	const char *why;
	ssize_t n;
	int fd, len;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "crosvm %s: socket path '%s' is too long\n", cmd, path);
		return EXIT_BAD_INPUT;
	}
	memcpy(a.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "crosvm %s: no VM at '%s': %s\n", cmd, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_RUNTIME;
	}
	len = ctl_encode(req, buf, sizeof(buf));
	if (len < 0 || send(fd, buf, (size_t)len, MSG_NOSIGNAL) != len) {
		fprintf(stderr, "crosvm %s: cannot send to '%s': %s\n", cmd, path, strerror(errno));
		close(fd);
		return EXIT_RUNTIME;
	}
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	if (poll(&p, 1, REPLY_TIMEOUT_MS) <= 0) {
		fprintf(stderr, "crosvm %s: no answer from the VM at '%s' within %d s\n", cmd, path,
			REPLY_TIMEOUT_MS / 1000);
		close(fd);
		return EXIT_RUNTIME;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n <= 0) {
		fprintf(stderr,
			"crosvm %s: the VM at '%s' closed the connection without answering\n", cmd,
			path);
		return EXIT_RUNTIME;
	}
	if (ctl_decode(buf, (size_t)n, resp, &why)) {
		fprintf(stderr, "crosvm %s: bad answer from '%s': %s\n", cmd, path, why);
		return EXIT_RUNTIME;
	}
	if (resp->type == CTL_RESP_ERR) {
		fprintf(stderr, "crosvm %s: refused: %s\n", cmd, resp->u.error.text);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int usage_error(const char *cmd, const char *usage)
{
	fprintf(stderr, "crosvm %s: usage: crosvm %s\n", cmd, usage);
	return EXIT_BAD_INPUT;
}

static void print_stats(const struct ctl_balloon_stats *s)
{
	static const char *const names[] = {
		[VIRTIO_BALLOON_S_SWAP_IN] = "swap_in",
		[VIRTIO_BALLOON_S_SWAP_OUT] = "swap_out",
		[VIRTIO_BALLOON_S_MAJFLT] = "major_faults",
		[VIRTIO_BALLOON_S_MINFLT] = "minor_faults",
		[VIRTIO_BALLOON_S_MEMFREE] = "free_memory",
		[VIRTIO_BALLOON_S_MEMTOT] = "total_memory",
		[VIRTIO_BALLOON_S_AVAIL] = "available_memory",
		[VIRTIO_BALLOON_S_CACHES] = "disk_caches",
		[VIRTIO_BALLOON_S_HTLB_PGALLOC] = "hugetlb_allocations",
		[VIRTIO_BALLOON_S_HTLB_PGFAIL] = "hugetlb_failures",
	};

	printf("balloon_actual=%llu target=%llu", (unsigned long long)s->actual_bytes,
	       (unsigned long long)s->target_bytes);
	for (unsigned i = 0; i < CTL_BALLOON_STATS_MAX; i++) {
		if (!(s->valid & (1ull << i)))
			continue;
		if (i < sizeof(names) / sizeof(names[0]) && names[i])
			printf(" %s=%llu", names[i], (unsigned long long)s->stat[i]);
		else
			printf(" stat%u=%llu", i, (unsigned long long)s->stat[i]);
	}
	printf("\n");
}

int ctl_command(const char *name, int argc, char **argv)
{
	struct ctl_msg req = {0}, resp;
	const char *sock;
	int st;

	if (!strcmp(name, "stop") || !strcmp(name, "suspend") || !strcmp(name, "resume")) {
		if (argc != 1)
			return usage_error(name, !strcmp(name, "stop")	    ? "stop SOCKET"
						 : !strcmp(name, "suspend") ? "suspend SOCKET"
									    : "resume SOCKET");
		req.type = !strcmp(name, "stop")      ? CTL_REQ_STOP
			   : !strcmp(name, "suspend") ? CTL_REQ_SUSPEND
						      : CTL_REQ_RESUME;
		sock = argv[0];
	} else if (!strcmp(name, "balloon")) {
		if (argc != 2)
			return usage_error(name,
					   "balloon SIZE SOCKET (SIZE in bytes, or with K/M/G)");
		if (!parse_size(argv[0], &req.u.bytes)) {
			fprintf(stderr, "crosvm balloon: SIZE '%s' is not a byte count\n", argv[0]);
			return EXIT_BAD_INPUT;
		}
		req.type = CTL_REQ_BALLOON_SET;
		sock = argv[1];
	} else if (!strcmp(name, "balloon_stats")) {
		if (argc != 1)
			return usage_error(name, "balloon_stats SOCKET");
		req.type = CTL_REQ_BALLOON_STATS;
		sock = argv[0];
	} else if (!strcmp(name, "disk")) {
		uint64_t index;

		if (argc != 4 || strcmp(argv[0], "resize"))
			return usage_error(name, "disk resize DISK_INDEX NEW_SIZE SOCKET");
		if (!parse_u64(argv[1], &index) || index > UINT32_MAX) {
			fprintf(stderr,
				"crosvm disk resize: DISK_INDEX '%s' is not a disk number\n",
				argv[1]);
			return EXIT_BAD_INPUT;
		}
		if (!parse_size(argv[2], &req.u.resize.size)) {
			fprintf(stderr, "crosvm disk resize: NEW_SIZE '%s' is not a byte count\n",
				argv[2]);
			return EXIT_BAD_INPUT;
		}
		req.type = CTL_REQ_DISK_RESIZE;
		req.u.resize.index = (uint32_t)index;
		sock = argv[3];
	} else {
		return -1;
	}
	st = request(req.type == CTL_REQ_DISK_RESIZE ? "disk resize" : name, sock, &req, &resp);
	if (st != EXIT_OK)
		return st;
	switch (req.type) {
	case CTL_REQ_BALLOON_STATS:
		if (resp.type != CTL_RESP_BALLOON_STATS) {
			fprintf(stderr, "crosvm balloon_stats: unexpected answer type %#x\n",
				resp.type);
			return EXIT_RUNTIME;
		}
		print_stats(&resp.u.stats);
		break;
	case CTL_REQ_BALLOON_SET:
		printf("balloon: target set to %llu bytes\n", (unsigned long long)req.u.bytes);
		break;
	case CTL_REQ_DISK_RESIZE:
		printf("disk %u: resized to %llu bytes\n", req.u.resize.index,
		       (unsigned long long)req.u.resize.size);
		break;
	default:
		printf("%s: done\n", name);
		break;
	}
	return EXIT_OK;
}
