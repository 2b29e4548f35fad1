// SPDX-License-Identifier: BSD-3-Clause
/*
 * The VMM's TAP set-up: descriptors and names that are no TAP get their
 * one-line errors; as root, a real TAP in a private network namespace (so
 * nothing leaves it) gets its address, the 12-byte vnet header and offloads
 * that follow the guest's negotiation, and a guest's ARP request through the
 * device is answered by the namespace's kernel into the guest's buffers.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devices/virtio/net/tap.h"
#include "devices/virtio/worker.h"
#include "virtio_driver.h"
#ifdef CROSVM_HAVE_SECCOMP
#include "sandbox/policy.h"
#endif

#define MEM   (1u << 20)
#define QSIZE 32

static char err[256];
static bool own_netns; /* test_real_tap moved the process into a network namespace of its own */

static void test_fd_that_is_no_tap(void **state)
{
	int p[2], s[2];
	char want[64];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(tap_check_fd(p[0], err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "--tap-fd: %d is not a TAP (TUNGETIFF: ", p[0]);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
	assert_null(strchr(err, '\n'));
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s), 0);
	assert_int_equal(tap_check_fd(s[0], err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a TAP"));
	close(s[0]);
	close(s[1]);
	close(p[1]);
	close(p[0]);
	assert_int_equal(tap_check_fd(p[0], err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "--tap-fd: %d is not an open descriptor", p[0]);
	assert_string_equal(err, want);
}

static void test_name_that_does_not_exist(void **state)
{
	struct net_config nc = {.kind = NET_TAP_NAME, .tap_name = "crosvmnone0", .tap_fd = -1};
	struct net_arg a;

	assert_int_equal(tap_open_name("crosvmnone0", err, sizeof(err)), -1);
	assert_string_equal(err, "--tap-name: no network interface 'crosvmnone0'");
	assert_int_equal(net_prepare_arg(&nc, &a, err, sizeof(err)), -1);
	assert_string_equal(err, "--tap-name: no network interface 'crosvmnone0'");
	/* An interface that is there but no TAP (as root: others cannot even open the tun). */
	if (getuid() == 0 && !access("/dev/net/tun", R_OK | W_OK)) {
		assert_int_equal(tap_open_name("lo", err, sizeof(err)), -1);
		assert_string_equal(err, "--tap-name: 'lo' is not a TAP");
	}
}

/* ---- A real TAP, in a network namespace of its own ---- */

static int ethtool_get(int sock, const char *name, uint32_t cmd)
{
	struct ethtool_value v = {.cmd = cmd};
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&v;
	return ioctl(sock, SIOCETHTOOL, &ifr) ? -1 : (int)v.data;
}

static uint32_t if_addr(int sock, const char *name, unsigned long req)
{
	struct ifreq ifr;
	struct sockaddr_in sin;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	assert_int_equal(ioctl(sock, req, &ifr), 0);
	memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
	return sin.sin_addr.s_addr;
}

static void on_signal(struct virtio_device *d, unsigned q)
{
}

/* An ARP request from the guest (169.254.77.2, mac) for the host's 169.254.77.1. */
static size_t arp_request(uint8_t *f, const uint8_t *mac)
{
	static const uint8_t tail[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};
	size_t at = 12; /* a zero vnet header */

	memset(f, 0, 12 + 60);
	memset(f + at, 0xff, 6);
	memcpy(f + at + 6, mac, 6);
	at += 12;
	memcpy(f + at, tail, sizeof(tail));
	at += sizeof(tail);
	memcpy(f + at, mac, 6);
	memcpy(f + at + 6, (uint8_t[]){169, 254, 77, 2}, 4);
	memcpy(f + at + 16, (uint8_t[]){169, 254, 77, 1}, 4);
	return 12 + 60; /* padded to the Ethernet minimum */
}

static void test_real_tap(void **state)
{
	static const uint8_t mac[6] = {0x02, 0x43, 0x56, 0x4d, 0x00, 0x07};
	struct net_config nc = {.kind = NET_TAP_CREATE, .tap_fd = -1};
	struct vdrv drv;
	struct vdrv_queue dq[3];
	struct virtio_device dev;
	struct ifreq ifr;
	struct net_arg a;
	char name[IFNAMSIZ];
	uint8_t f[128];
	int sock, sz = 0;
	bool replied = false;

	if (getuid() != 0 || access("/dev/net/tun", R_OK | W_OK) || unshare(CLONE_NEWNET)) {
		skip();
		return;
	}
	own_netns = true;
	nc.host_ip = inet_addr("169.254.77.1");
	nc.netmask = inet_addr("255.255.255.0");
	memcpy(nc.mac, mac, 6);
	assert_int_equal(net_prepare_arg(&nc, &a, err, sizeof(err)), 0);
	assert_true(a.tap);
	assert_true(a.offloads); /* every kernel this runs on takes TUNSETOFFLOAD */
	assert_memory_equal(a.mac, mac, 6);

	memset(&ifr, 0, sizeof(ifr));
	assert_int_equal(ioctl(a.fd, TUNGETIFF, &ifr), 0);
	assert_int_equal(ifr.ifr_flags & (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR),
			 IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
	snprintf(name, sizeof(name), "%s", ifr.ifr_name);
	assert_int_equal(strncmp(name, "vmtap", 5), 0);
	assert_int_equal(ioctl(a.fd, TUNGETVNETHDRSZ, &sz), 0);
	assert_int_equal(sz, 12);
	assert_int_equal(tap_check_fd(a.fd, err, sizeof(err)), 0);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(sock >= 0);
	assert_int_equal(if_addr(sock, name, SIOCGIFADDR), inet_addr("169.254.77.1"));
	assert_int_equal(if_addr(sock, name, SIOCGIFNETMASK), inet_addr("255.255.255.0"));
	assert_int_equal(ioctl(sock, SIOCGIFFLAGS, &ifr), 0);
	assert_true(ifr.ifr_flags & IFF_UP);
	/* The probe left the offloads off: plain frames until a guest negotiates. */
	assert_int_equal(ethtool_get(sock, name, ETHTOOL_GTSO), 0);
	assert_int_equal(ethtool_get(sock, name, ETHTOOL_GTXCSUM), 0);

	/* The device on it: the guest takes checksum and TSO offloads. */
	assert_int_equal(vdrv_init(&drv, MEM), 0);
	assert_int_equal(virtio_net_create(&dev, &drv.mem, &a), 0);
	dev.signal = on_signal;
	dev.acked_features = dev.ops->features | (1ull << VIRTIO_F_VERSION_1);
	for (unsigned q = 0; q < 3; q++) {
		vdrv_queue_init(&drv, &dq[q], QSIZE, &dev.queues[q]);
		assert_int_equal(virtq_enable(&dev.queues[q], &drv.mem), 0);
	}
	dev.driver_ok = true;
	for (unsigned i = 0; i < 8; i++) {
		struct vdrv_buf b = {0, 2048, true};

		vdrv_make_available(&drv, &dq[0], vdrv_add_chain(&drv, &dq[0], &b, 1));
	}
	pthread_mutex_lock(&dev.lock);
	dev.ops->queue_notify(&dev, 0);
	pthread_mutex_unlock(&dev.lock);
	assert_int_equal(ethtool_get(sock, name, ETHTOOL_GTSO), 1);
	assert_int_equal(ethtool_get(sock, name, ETHTOOL_GTXCSUM), 1);

	/* The guest asks who has 169.254.77.1; the namespace's kernel answers. */
	{
		struct vdrv_buf b = {0, (uint32_t)arp_request(f, mac), false};
		uint16_t head = vdrv_add_chain(&drv, &dq[1], &b, 1);

		memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), b.len), f, b.len);
		vdrv_make_available(&drv, &dq[1], head);
		pthread_mutex_lock(&dev.lock);
		dev.ops->queue_notify(&dev, 1);
		pthread_mutex_unlock(&dev.lock);
	}
	for (int tries = 0; tries < 100 && !replied; tries++) {
		struct pollfd p = {.events = POLLIN};
		uint32_t id, len;

		pthread_mutex_lock(&dev.lock);
		p.fd = dev.ops->poll_fd(&dev);
		pthread_mutex_unlock(&dev.lock);
		if (poll(&p, 1, 20) > 0) {
			pthread_mutex_lock(&dev.lock);
			dev.ops->poll_ready(&dev);
			pthread_mutex_unlock(&dev.lock);
		}
		while (vdrv_get_used(&drv, &dq[0], &id, &len)) {
			/* Buffer id is descriptor id (one descriptor each, from 0). */
			assert_true(id < 8);
			if (len >= 12 + 42) {
				struct vring_desc *d = vdrv_ptr(&drv, dq[0].desc, 16ull * QSIZE);
				const uint8_t *fr = vdrv_ptr(&drv, d[id].addr, len);

				replied |= fr[12 + 12] == 0x08 && fr[12 + 13] == 0x06 &&
					   fr[12 + 21] == 2 && !memcmp(fr + 12, mac, 6);
			}
		}
	}
	assert_true(replied);
	{
		struct net_stats st;

		virtio_net_stats(&dev, &st);
		assert_int_equal(st.tx_frames, 1);
		assert_int_equal(st.tx_dropped, 0);
	}
	/* A reset turns the offloads off again. */
	pthread_mutex_lock(&dev.lock);
	dev.ops->reset(&dev);
	pthread_mutex_unlock(&dev.lock);
	assert_int_equal(ethtool_get(sock, name, ETHTOOL_GTSO), 0);
	assert_int_equal(ethtool_get(sock, name, ETHTOOL_GTXCSUM), 0);
	virtio_device_destroy(&dev);
	vdrv_destroy(&drv);

	/* The persistent path: a TAP by name (made here as a launcher would), then by fd. */
	{
		struct net_config byname = {.kind = NET_TAP_NAME, .tap_fd = -1};
		struct net_config byfd = {.kind = NET_TAP_FD};
		int keep = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "crosvmt0");
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
		assert_true(keep >= 0);
		assert_int_equal(ioctl(keep, TUNSETIFF, &ifr), 0);
		assert_int_equal(ioctl(keep, TUNSETPERSIST, 1), 0);
		close(keep);
		snprintf(byname.tap_name, sizeof(byname.tap_name), "crosvmt0");
		assert_int_equal(net_prepare_arg(&byname, &a, err, sizeof(err)), 0);
		assert_int_equal(ioctl(a.fd, TUNGETVNETHDRSZ, &sz), 0);
		assert_int_equal(sz, 12);
		byfd.tap_fd = a.fd;
		assert_int_equal(net_prepare_arg(&byfd, &a, err, sizeof(err)), 0);
		assert_int_not_equal(a.fd,
				     byfd.tap_fd); /* taken over: duplicated, original closed */
		assert_int_equal(fcntl(byfd.tap_fd, F_GETFD), -1);
		close(a.fd);
		/* A TAP opened without the vnet header is refused by fd. */
		keep = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
		assert_int_equal(ioctl(keep, TUNSETIFF, &ifr), 0);
		assert_int_equal(tap_check_fd(keep, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "without IFF_NO_PI|IFF_VNET_HDR"));
		assert_int_equal(ioctl(keep, TUNSETPERSIST, 0), 0);
		close(keep);
	}
	close(sock);
}

#ifdef CROSVM_HAVE_SECCOMP
static bool has_arp_reply(struct vdrv *drv, struct vdrv_queue *rq, const uint8_t *mac)
{
	struct vring_desc *d = vdrv_ptr(drv, rq->desc, 16ull * QSIZE);
	uint32_t id, len;
	bool found = false;

	while (vdrv_get_used(drv, rq, &id, &len)) {
		const uint8_t *fr;

		if (id >= QSIZE || len < 12 + 42)
			continue;
		fr = vdrv_ptr(drv, d[id].addr, len);
		found |=
			fr[24] == 0x08 && fr[25] == 0x06 && fr[33] == 2 && !memcmp(fr + 12, mac, 6);
	}
	return found;
}

static void kick_worker(struct virtio_worker *w, unsigned q)
{
	uint64_t one = 1;

	if (write(w->kick[q], &one, sizeof(one)) != sizeof(one))
		_exit(20);
}

/*
 * The device as its jailed process runs it: its worker thread, then the built-in
 * net_device policy in kill mode on every thread. Returns an exit status: 0, or the step
 * that failed (a call outside the policy kills instead).
 */
static int device_under_policy(struct net_arg *a, const uint8_t *mac)
{
	struct vdrv drv;
	struct vdrv_queue dq[3];
	struct virtio_device dev;
	struct virtio_worker w;
	struct timespec ms = {0, 1000000};
	uint8_t f[128], off = 0;
	bool replied = false;
	uint16_t head;
	uint32_t id, len;
	char why[256];

	if (vdrv_init(&drv, MEM) || virtio_net_create(&dev, &drv.mem, a))
		return 2;
	dev.signal = on_signal;
	dev.acked_features = dev.ops->features | (1ull << VIRTIO_F_VERSION_1);
	for (unsigned q = 0; q < 3; q++) {
		vdrv_queue_init(&drv, &dq[q], QSIZE, &dev.queues[q]);
		if (virtq_enable(&dev.queues[q], &drv.mem))
			return 3;
	}
	dev.driver_ok = true;
	for (unsigned i = 0; i < 8; i++) {
		struct vdrv_buf b = {0, 2048, true};

		vdrv_make_available(&drv, &dq[0], vdrv_add_chain(&drv, &dq[0], &b, 1));
	}
	if (virtio_worker_init(&w, &dev, 3) || virtio_worker_start(&w))
		return 4;
	if (policy_install("net_device.policy", policy_resolve_dir, NULL, POLICY_MODE_KILL,
			   POLICY_LOAD_TSYNC, why, sizeof(why)))
		return 5;
	kick_worker(&w, 0); /* the offloads reach the TAP */
	{
		struct vdrv_buf b = {0, (uint32_t)arp_request(f, mac), false};

		head = vdrv_add_chain(&drv, &dq[1], &b, 1);
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), b.len), f, b.len);
		vdrv_make_available(&drv, &dq[1], head);
		kick_worker(&w, 1);
	}
	for (int i = 0; i < 2000 && !replied; i++) {
		nanosleep(&ms, NULL);
		replied = has_arp_reply(&drv, &dq[0], mac);
	}
	if (!replied)
		return 6;
	{
		struct vdrv_buf b[3] = {{0, 2, false}, {0, 1, false}, {0, 1, true}};

		head = vdrv_add_chain(&drv, &dq[2], b, 3);
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), 2),
		       (uint8_t[]){VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC}, 2);
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(1), 1), &off, 1);
		vdrv_make_available(&drv, &dq[2], head);
		kick_worker(&w, 2);
	}
	for (int i = 0; i < 2000 && !vdrv_get_used(&drv, &dq[2], &id, &len); i++)
		nanosleep(&ms, NULL);
	if (id != head || len != 1)
		return 7;
	pthread_mutex_lock(&dev.lock);
	dev.ops->reset(&dev); /* the offloads go off again */
	pthread_mutex_unlock(&dev.lock);
	virtio_worker_stop(&w);
	virtio_worker_release(&w);
	virtio_device_destroy(&dev);
	return 0;
}

static void test_device_under_its_policy(void **state)
{
	static const uint8_t mac[6] = {0x02, 0x43, 0x56, 0x4d, 0x00, 0x08};
	struct net_config nc = {.kind = NET_TAP_CREATE, .tap_fd = -1};
	struct net_arg a;
	int st;
	pid_t pid;

	/* Only where nothing leaves the namespace test_real_tap made. */
	if (!own_netns) {
		skip();
		return;
	}
	nc.host_ip = inet_addr("169.254.77.1");
	nc.netmask = inet_addr("255.255.255.0");
	assert_int_equal(net_prepare_arg(&nc, &a, err, sizeof(err)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(device_under_policy(&a, mac));
	close(a.fd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		fail_msg("the device was killed by signal %d (SIGSYS: a call outside "
			 "net_device.policy)",
			 WTERMSIG(st));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_that_is_no_tap),
		cmocka_unit_test(test_name_that_does_not_exist),
		cmocka_unit_test(test_real_tap),
#ifdef CROSVM_HAVE_SECCOMP
		cmocka_unit_test(test_device_under_its_policy),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
