// SPDX-License-Identifier: BSD-3-Clause
/* TAP set-up for virtio-net, in the VMM before the sandbox: see tap.h. */
#include "devices/virtio/net/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TUN_PATH   "/dev/net/tun"
#define TAP_FLAGS  (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)
#define PROBE_OFFL (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

static int open_tun(const char *flag, char *err, size_t errlen)
{
	int fd = open(TUN_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		snprintf(err, errlen, "%s: %s: %s", flag, TUN_PATH, strerror(errno));
	return fd;
}

/* TUNSETIFF on a fresh /dev/net/tun descriptor; ifr.ifr_name in and out. */
static int attach(int fd, struct ifreq *ifr, const char *flag, char *err, size_t errlen)
{
	bool existing = ifr->ifr_name[0] && !strchr(ifr->ifr_name, '%');

	ifr->ifr_flags = TAP_FLAGS;
	if (ioctl(fd, TUNSETIFF, ifr) == 0)
		return 0;
	if (errno == EPERM && existing)
		snprintf(err, errlen,
			 "%s: TAP '%s': not permitted (it belongs to another user or group; "
			 "its owner or CAP_NET_ADMIN can attach)",
			 flag, ifr->ifr_name);
	else if (errno == EPERM)
		snprintf(err, errlen,
			 "%s: TUNSETIFF: needs CAP_NET_ADMIN (run as root, or make the TAP "
			 "beforehand and pass --tap-name or --tap-fd)",
			 flag);
	else if (errno == EINVAL && existing)
		snprintf(err, errlen, "%s: '%s' is not a TAP", flag, ifr->ifr_name);
	else
		snprintf(err, errlen, "%s: TUNSETIFF: %s", flag, strerror(errno));
	return -1;
}

static int set_addr(int sock, const char *name, unsigned long req, uint32_t addr)
{
	struct ifreq ifr;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = addr};

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	return ioctl(sock, req, &ifr);
}

int tap_create(uint32_t ip, uint32_t mask, char *name, size_t namelen, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd = open_tun("--host_ip", err, errlen), sock = -1;
	const char *what = NULL;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vmtap%%d");
	if (attach(fd, &ifr, "--host_ip", err, errlen))
		goto fail;
	snprintf(name, namelen, "%s", ifr.ifr_name);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		what = "socket";
	else if (set_addr(sock, ifr.ifr_name, SIOCSIFADDR, ip))
		what = "SIOCSIFADDR";
	else if (set_addr(sock, ifr.ifr_name, SIOCSIFNETMASK, mask))
		what = "SIOCSIFNETMASK";
	else if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		what = "SIOCGIFFLAGS";
	if (!what) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(sock, SIOCSIFFLAGS, &ifr))
			what = "SIOCSIFFLAGS";
	}
	if (what) {
		snprintf(err, errlen, "--host_ip: %s on %s: %s%s", what, name, strerror(errno),
			 errno == EPERM ? " (needs CAP_NET_ADMIN)" : "");
		goto fail;
	}
	close(sock);
	return fd;
fail:
	if (sock >= 0)
		close(sock);
	close(fd);
	return -1;
}

static bool if_exists(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (s < 0)
		return true; /* cannot tell: TUNSETIFF will say */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	r = ioctl(s, SIOCGIFINDEX, &ifr);
	close(s);
	return r == 0 || errno != ENODEV;
}

int tap_open_name(const char *name, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd;

	/* TUNSETIFF would make a TAP of that name: one that is not there is an error. */
	if (!if_exists(name)) {
		snprintf(err, errlen, "--tap-name: no network interface '%s'", name);
		return -1;
	}
	fd = open_tun("--tap-name", err, errlen);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (attach(fd, &ifr, "--tap-name", err, errlen)) {
		close(fd);
		return -1;
	}
	return fd;
}

int tap_check_fd(int fd, char *err, size_t errlen)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (fcntl(fd, F_GETFD) < 0) {
		snprintf(err, errlen, "--tap-fd: %d is not an open descriptor", fd);
		return -1;
	}
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		snprintf(err, errlen, "--tap-fd: %d is not a TAP (TUNGETIFF: %s)", fd,
			 strerror(errno));
		return -1;
	}
	if (!(ifr.ifr_flags & IFF_TAP)) {
		snprintf(err, errlen, "--tap-fd: %d is a TUN, not a TAP (no IFF_TAP)", fd);
		return -1;
	}
	if ((ifr.ifr_flags & (IFF_NO_PI | IFF_VNET_HDR)) != (IFF_NO_PI | IFF_VNET_HDR)) {
		snprintf(err, errlen, "--tap-fd: TAP %d was opened without IFF_NO_PI|IFF_VNET_HDR",
			 fd);
		return -1;
	}
	return 0;
}

int tap_setup(int fd, bool *offloads, char *err, size_t errlen)
{
	int sz = sizeof(struct virtio_net_hdr_v1);

	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
		snprintf(err, errlen, "TUNSETVNETHDRSZ %d: %s", sz, strerror(errno));
		return -1;
	}
	*offloads = ioctl(fd, TUNSETOFFLOAD, (unsigned long)PROBE_OFFL) == 0;
	/* Plain frames until the guest says what it takes. */
	if (*offloads && ioctl(fd, TUNSETOFFLOAD, 0ul) < 0) {
		snprintf(err, errlen, "TUNSETOFFLOAD 0: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static const char *flag_of(const struct net_config *nc)
{
	return nc->kind == NET_TAP_CREATE ? "--host_ip"
	       : nc->kind == NET_TAP_NAME ? "--tap-name"
					  : "--tap-fd";
}

int net_prepare_arg(const struct net_config *nc, struct net_arg *arg, char *err, size_t errlen)
{
	char name[IFNAMSIZ], why[200];
	int fd;

	memset(arg, 0, sizeof(*arg));
	if (nc->kind == NET_TAP_CREATE) {
		fd = tap_create(nc->host_ip, nc->netmask, name, sizeof(name), err, errlen);
	} else if (nc->kind == NET_TAP_NAME) {
		fd = tap_open_name(nc->tap_name, err, errlen);
	} else {
		if (tap_check_fd(nc->tap_fd, err, errlen))
			return -1;
		/* Ours from here on, apart from what the caller does with its number. */
		fd = fcntl(nc->tap_fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			snprintf(err, errlen, "--tap-fd: dup %d: %s", nc->tap_fd, strerror(errno));
			return -1;
		}
		close(nc->tap_fd);
	}
	if (fd < 0)
		return -1;
	if (tap_setup(fd, &arg->offloads, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", flag_of(nc), why);
		close(fd);
		return -1;
	}
	arg->fd = fd;
	arg->tap = true;
	memcpy(arg->mac, nc->mac, 6);
	return 0;
}
