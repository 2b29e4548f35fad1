// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-net driven as Linux's virtio_net does (VERSION_1 with the 12-byte
 * header, mergeable receive buffers, the control queue), with the TAP
 * replaced by a SOCK_SEQPACKET socket pair carrying one frame per record,
 * header first. The worker's part (poll the device's descriptor, run
 * poll_ready) is done by pump().
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/virtio/net/net.h"
#include "virtio_driver.h"

#define MEM   (4u << 20)
#define QSIZE 128
#define RXQ   0
#define TXQ   1
#define CTRLQ 2
#define HDR   12

#define F(x) (1ull << (x))

static const uint8_t our_mac[6] = {0x02, 0x43, 0x56, 0x4d, 0x00, 0x01};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

static struct vdrv drv;
static struct vdrv_queue dq[3];
static struct virtio_device dev;
static int sv[2]; /* [0] the device's "TAP", [1] the host side of it */
static unsigned signals[3];

static void on_signal(struct virtio_device *d, unsigned q)
{
	signals[q]++;
}

/* What Linux's virtio_net accepts of what is offered (it takes everything here). */
static uint64_t linux_features(void)
{
	return dev.ops->features | F(VIRTIO_F_VERSION_1);
}

static void start(uint64_t features, bool offloads)
{
	struct net_arg a = {.offloads = offloads};

	memcpy(a.mac, our_mac, 6);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	a.fd = sv[0];
	/* Room for the transmit flood test's frames without the reader keeping up. */
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){1 << 20}, sizeof(int)), 0);
	assert_int_equal(virtio_net_create(&dev, &drv.mem, &a), 0);
	dev.signal = on_signal;
	dev.acked_features = features ? features : linux_features();
	for (unsigned q = 0; q < 3; q++) {
		vdrv_queue_init(&drv, &dq[q], QSIZE, &dev.queues[q]);
		dev.queues[q].indirect = true;
		assert_int_equal(virtq_enable(&dev.queues[q], &drv.mem), 0);
	}
	dev.driver_ok = true;
	memset(signals, 0, sizeof(signals));
}

static int setup(void **state)
{
	return vdrv_init(&drv, MEM);
}

static int teardown(void **state)
{
	vdrv_destroy(&drv);
	return 0;
}

static int test_start(void **state)
{
	drv.heap = 0x1000;
	start(0, true);
	return 0;
}

static int test_stop(void **state)
{
	virtio_device_destroy(&dev);
	close(sv[1]);
	return 0;
}

static void kick(unsigned q)
{
	pthread_mutex_lock(&dev.lock);
	dev.ops->queue_notify(&dev, q);
	pthread_mutex_unlock(&dev.lock);
}

static int poll_fd(void)
{
	int fd;

	pthread_mutex_lock(&dev.lock);
	fd = dev.ops->poll_fd(&dev);
	pthread_mutex_unlock(&dev.lock);
	return fd;
}

/* One turn of the worker: whether the device's descriptor was ready (and served). */
static bool pump_once(void)
{
	struct pollfd p = {.fd = poll_fd(), .events = POLLIN};

	if (p.fd < 0 || poll(&p, 1, 20) <= 0)
		return false;
	pthread_mutex_lock(&dev.lock);
	dev.ops->poll_ready(&dev);
	pthread_mutex_unlock(&dev.lock);
	return true;
}

static void pump(void)
{
	for (int i = 0; i < 1000 && pump_once(); i++)
		;
}

static struct net_stats stats(void)
{
	struct net_stats s;

	virtio_net_stats(&dev, &s);
	return s;
}

/* A frame: header, Ethernet header to dst, then n payload bytes counting from seed. */
static size_t make_frame(uint8_t *f, const uint8_t *dst, size_t n, uint8_t seed)
{
	memset(f, 0, HDR);
	memcpy(f + HDR, dst, 6);
	memcpy(f + HDR + 6, peer_mac, 6);
	f[HDR + 12] = 0x08;
	f[HDR + 13] = 0x00;
	for (size_t i = 0; i < n; i++)
		f[HDR + 14 + i] = (uint8_t)(seed + i);
	return HDR + 14 + n;
}

static void host_send(const uint8_t *f, size_t len)
{
	assert_int_equal(send(sv[1], f, len, 0), (ssize_t)len);
}

static ssize_t host_recv(uint8_t *f, size_t len)
{
	return recv(sv[1], f, len, MSG_DONTWAIT);
}

static void expect_used(unsigned q, uint16_t head, uint32_t want_len)
{
	uint32_t id, len;

	assert_true(vdrv_get_used(&drv, &dq[q], &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, want_len);
}

static void expect_no_used(unsigned q)
{
	uint32_t id, len;

	assert_false(vdrv_get_used(&drv, &dq[q], &id, &len));
}

/* Transmits f over the given split of its bytes into descriptors; returns the head. */
static uint16_t guest_send(const uint8_t *f, const uint32_t *split, unsigned n)
{
	struct vdrv_buf b[8];
	size_t at = 0;
	uint16_t head;

	for (unsigned k = 0; k < n; k++)
		b[k] = (struct vdrv_buf){0, split[k], false};
	head = vdrv_add_chain(&drv, &dq[TXQ], b, n);
	for (unsigned k = 0; k < n; k++) {
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(k), split[k]), f + at, split[k]);
		at += split[k];
	}
	vdrv_make_available(&drv, &dq[TXQ], head);
	return head;
}

/* Posts a receive buffer as mergeable-mode Linux does: one writable descriptor. */
static uint16_t post_rx(uint32_t len, uint64_t *gpa)
{
	struct vdrv_buf b = {0, len, true};
	uint16_t head = vdrv_add_chain(&drv, &dq[RXQ], &b, 1);

	if (gpa)
		*gpa = vdrv_last_buf(0);
	vdrv_make_available(&drv, &dq[RXQ], head);
	return head;
}

/* ---- Config space and features ---- */

static void test_config_space(void **state)
{
	uint8_t c[10], b[2];
	uint64_t f = dev.ops->features;
	static const unsigned want[] = {
		VIRTIO_NET_F_MAC,	 VIRTIO_NET_F_STATUS,	  VIRTIO_NET_F_MRG_RXBUF,
		VIRTIO_NET_F_CTRL_VQ,	 VIRTIO_NET_F_CTRL_RX,	  VIRTIO_NET_F_CTRL_MAC_ADDR,
		VIRTIO_NET_F_CSUM,	 VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_HOST_TSO4,
		VIRTIO_NET_F_HOST_TSO6,	 VIRTIO_NET_F_HOST_ECN,	  VIRTIO_NET_F_GUEST_TSO4,
		VIRTIO_NET_F_GUEST_TSO6, VIRTIO_NET_F_GUEST_ECN,
	};

	assert_int_equal(dev.ops->device_id, VIRTIO_ID_NET);
	assert_int_equal(dev.ops->nr_queues, 3);
	assert_string_equal(dev.ops->policy, "net_device");
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_true(f & F(want[i]));
	/* Not offered: what the device does not do (UFO, multiqueue, guest announce). */
	assert_false(f & F(VIRTIO_NET_F_HOST_UFO));
	assert_false(f & F(VIRTIO_NET_F_GUEST_UFO));
	assert_false(f & F(VIRTIO_NET_F_MQ));
	assert_int_equal(dev.ops->config_size, 10);
	dev.ops->config_read(&dev, 0, c, sizeof(c));
	assert_memory_equal(c, our_mac, 6);
	assert_int_equal(c[6] | c[7] << 8, VIRTIO_NET_S_LINK_UP);
	dev.ops->config_read(&dev, 6, b, 2); /* as the driver reads status alone */
	assert_int_equal(b[0], VIRTIO_NET_S_LINK_UP);
	assert_int_equal(b[1], 0);
	dev.ops->config_read(&dev, 4, b, 2);
	assert_memory_equal(b, our_mac + 4, 2);
}

static void test_no_offloads_offered_without_tap_support(void **state)
{
	struct virtio_device d2;
	struct net_arg a = {.offloads = false};
	int p[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p), 0);
	a.fd = p[0];
	assert_int_equal(virtio_net_create(&d2, &drv.mem, &a), 0);
	assert_true(d2.ops->features & F(VIRTIO_NET_F_MRG_RXBUF));
	assert_true(d2.ops->features & F(VIRTIO_NET_F_CTRL_VQ));
	assert_false(d2.ops->features & F(VIRTIO_NET_F_CSUM));
	assert_false(d2.ops->features & F(VIRTIO_NET_F_GUEST_CSUM));
	assert_false(d2.ops->features & F(VIRTIO_NET_F_HOST_TSO4));
	assert_false(d2.ops->features & F(VIRTIO_NET_F_GUEST_TSO6));
	virtio_device_destroy(&d2);
	close(p[1]);
	/* An argument without a descriptor is refused. */
	a.fd = -1;
	assert_int_equal(virtio_net_create(&d2, &drv.mem, &a), -EINVAL);
	assert_int_equal(virtio_net_create(&d2, &drv.mem, NULL), -EINVAL);
}

static void test_offload_mapping(void **state)
{
	uint64_t all = F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4) |
		       F(VIRTIO_NET_F_GUEST_TSO6) | F(VIRTIO_NET_F_GUEST_ECN);

	assert_int_equal(net_tap_offloads(0), 0);
	assert_int_equal(net_tap_offloads(all),
			 TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN);
	assert_int_equal(net_tap_offloads(F(VIRTIO_NET_F_GUEST_CSUM)), TUN_F_CSUM);
	assert_int_equal(net_tap_offloads(F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO6)),
			 TUN_F_CSUM | TUN_F_TSO6);
	/* No segmentation without checksum offload, no ECN without segmentation. */
	assert_int_equal(net_tap_offloads(all & ~F(VIRTIO_NET_F_GUEST_CSUM)), 0);
	assert_int_equal(net_tap_offloads(F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_ECN)),
			 TUN_F_CSUM);
	/* Host-side (transmit) offloads are no business of the TAP's receive side. */
	assert_int_equal(net_tap_offloads(F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_HOST_TSO4)), 0);
}

/* ---- Transmit ---- */

static void test_tx_split_descriptors(void **state)
{
	uint8_t f[2048], got[4096];
	size_t len = make_frame(f, peer_mac, 1000, 7);
	struct virtio_net_hdr_v1 h = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				      .csum_start = htole16(34),
				      .csum_offset = htole16(16),
				      .num_buffers = htole16(5)};
	uint32_t split[3] = {HDR, 300, (uint32_t)(len - HDR - 300)};
	uint32_t whole[1] = {(uint32_t)len};
	uint16_t head;

	memcpy(f, &h, HDR);
	/* The header in its own descriptor, the frame in two more. */
	head = guest_send(f, split, 3);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	assert_int_equal(signals[TXQ], 1);
	assert_int_equal(host_recv(got, sizeof(got)), (ssize_t)len);
	/* Intact, but num_buffers is the device's to clear on transmit. */
	assert_memory_equal(got + HDR, f + HDR, len - HDR);
	assert_memory_equal(got, f, 10);
	assert_int_equal(got[10] | got[11] << 8, 0);
	/* Header and frame in one descriptor (Linux's any_header_sg layout). */
	head = guest_send(f, whole, 1);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	assert_int_equal(host_recv(got, sizeof(got)), (ssize_t)len);
	assert_memory_equal(got + HDR, f + HDR, len - HDR);
	assert_int_equal(stats().tx_frames, 2);
	assert_int_equal(stats().tx_dropped, 0);
}

static void test_tx_indirect(void **state)
{
	uint8_t f[256], got[256];
	size_t len = make_frame(f, peer_mac, 100, 1);
	struct vdrv_buf b[2] = {{0, HDR, false}, {0, (uint32_t)(len - HDR), false}};
	uint16_t head = vdrv_add_indirect(&drv, &dq[TXQ], b, 2);

	memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), HDR), f, HDR);
	memcpy(vdrv_ptr(&drv, vdrv_last_buf(1), len - HDR), f + HDR, len - HDR);
	vdrv_make_available(&drv, &dq[TXQ], head);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	assert_int_equal(host_recv(got, sizeof(got)), (ssize_t)len);
	assert_memory_equal(got + HDR, f + HDR, len - HDR);
}

static void test_tx_malformed(void **state)
{
	uint8_t f[256], got[256];
	size_t len = make_frame(f, peer_mac, 64, 3);
	uint32_t whole[1] = {(uint32_t)len}, tiny[1] = {HDR + 13};
	struct vdrv_buf wb[2] = {{0, (uint32_t)len, false}, {0, 16, true}};
	struct virtio_net_hdr_v1 h;
	uint16_t head;

	/* Shorter than a header and an Ethernet header. */
	head = guest_send(f, tiny, 1);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	/* A device-writable buffer in a transmit chain. */
	head = vdrv_add_chain(&drv, &dq[TXQ], wb, 2);
	vdrv_make_available(&drv, &dq[TXQ], head);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	/* A descriptor wholly outside guest memory, and one running past its end. */
	head = dq[TXQ].free_head;
	vdrv_set_desc(&drv, &dq[TXQ], head, MEM + 4096, (uint32_t)len, 0, 0);
	dq[TXQ].free_head++;
	vdrv_make_available(&drv, &dq[TXQ], head);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	head = dq[TXQ].free_head;
	vdrv_set_desc(&drv, &dq[TXQ], head, MEM - 16, (uint32_t)len, 0, 0);
	dq[TXQ].free_head++;
	vdrv_make_available(&drv, &dq[TXQ], head);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	/* Offloads never negotiated (UFO), or an unknown header flag. */
	memset(&h, 0, sizeof(h));
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	h.gso_size = htole16(1000);
	memcpy(f, &h, HDR);
	head = guest_send(f, whole, 1);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	memset(&h, 0, sizeof(h));
	h.flags = 0x40;
	memcpy(f, &h, HDR);
	head = guest_send(f, whole, 1);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	memset(&h, 0, sizeof(h));
	h.gso_type = VIRTIO_NET_HDR_GSO_ECN; /* ECN without segmentation */
	memcpy(f, &h, HDR);
	head = guest_send(f, whole, 1);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	assert_int_equal(host_recv(got, sizeof(got)), -1); /* none of them went out */
	assert_int_equal(stats().tx_dropped, 7);
	/* TSO4 only when the driver took HOST_TSO4. */
	dev.acked_features &= ~F(VIRTIO_NET_F_HOST_TSO4);
	memset(&h, 0, sizeof(h));
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	memcpy(f, &h, HDR);
	head = guest_send(f, whole, 1);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	assert_int_equal(stats().tx_dropped, 8);
	/* The queue still works. */
	memset(f, 0, HDR);
	head = guest_send(f, whole, 1);
	kick(TXQ);
	expect_used(TXQ, head, 0);
	assert_int_equal(host_recv(got, sizeof(got)), (ssize_t)len);
	assert_int_equal(stats().tx_frames, 1);
}

static void test_tx_bounded_batch(void **state)
{
	uint8_t f[128], got[128];
	size_t len = make_frame(f, peer_mac, 32, 0);
	uint32_t whole[1] = {(uint32_t)len};
	unsigned n = 0, got_frames = 0;
	uint32_t id, ulen;

	for (unsigned i = 0; i < 100; i++)
		guest_send(f, whole, 1);
	kick(TXQ);
	/* One wake serves a bounded batch and leaves a re-arm for the rest. */
	while (vdrv_get_used(&drv, &dq[TXQ], &id, &ulen))
		n++;
	assert_int_equal(n, 64);
	assert_true(pump_once());
	while (vdrv_get_used(&drv, &dq[TXQ], &id, &ulen))
		n++;
	assert_int_equal(n, 100);
	assert_false(pump_once()); /* nothing left: nothing to wake for */
	while (host_recv(got, sizeof(got)) == (ssize_t)len)
		got_frames++;
	assert_int_equal(got_frames, 100);
}

/* ---- Receive ---- */

static void test_rx_mergeable(void **state)
{
	uint8_t f[4096], *p;
	size_t len = make_frame(f, our_mac, 2500, 9);
	struct virtio_net_hdr_v1 h = {.flags = VIRTIO_NET_HDR_F_DATA_VALID};
	struct vdrv_buf two[2] = {{0, 100, true}, {0, 900, true}};
	uint64_t g1a, g1b, g2, g3;
	uint16_t h1, h2, h3;

	memcpy(f, &h, HDR);
	/* One buffer of two descriptors, then single-descriptor ones. */
	h1 = vdrv_add_chain(&drv, &dq[RXQ], two, 2);
	g1a = vdrv_last_buf(0);
	g1b = vdrv_last_buf(1);
	vdrv_make_available(&drv, &dq[RXQ], h1);
	h2 = post_rx(1000, &g2);
	h3 = post_rx(1000, &g3);
	kick(RXQ);
	host_send(f, len);
	pump();
	expect_used(RXQ, h1, 1000);
	expect_used(RXQ, h2, 1000);
	expect_used(RXQ, h3, (uint32_t)(len - 2000));
	expect_no_used(RXQ);
	p = vdrv_ptr(&drv, g1a, 100);
	assert_int_equal(p[0], VIRTIO_NET_HDR_F_DATA_VALID);
	assert_int_equal(p[10] | p[11] << 8, 3); /* num_buffers */
	assert_memory_equal(p + HDR, f + HDR, 100 - HDR);
	assert_memory_equal(vdrv_ptr(&drv, g1b, 900), f + 100, 900);
	assert_memory_equal(vdrv_ptr(&drv, g2, 1000), f + 1000, 1000);
	assert_memory_equal(vdrv_ptr(&drv, g3, len - 2000), f + 2000, len - 2000);
	assert_true(signals[RXQ] >= 1);
	assert_int_equal(stats().rx_frames, 1);
	/* A small frame takes one buffer: num_buffers 1. */
	h1 = post_rx(1536, &g1a);
	kick(RXQ);
	len = make_frame(f, our_mac, 50, 1);
	host_send(f, len);
	pump();
	expect_used(RXQ, h1, (uint32_t)len);
	p = vdrv_ptr(&drv, g1a, len);
	assert_int_equal(p[10] | p[11] << 8, 1);
	assert_memory_equal(p + HDR, f + HDR, len - HDR);
}

static void test_rx_waits_for_buffers(void **state)
{
	uint8_t f1[2048], f2[2048], *p;
	size_t l1 = make_frame(f1, our_mac, 1400, 1), l2 = make_frame(f2, our_mac, 600, 2);
	struct pollfd pf;
	uint64_t g1, g2, g3;
	uint16_t h1, h2, h3;

	kick(RXQ);
	host_send(f1, l1);
	host_send(f2, l2);
	/* The first frame is taken and kept; the TAP is then not polled. */
	assert_true(pump_once());
	expect_no_used(RXQ);
	pf = (struct pollfd){.fd = poll_fd(), .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 50), 0);
	/* One buffer too small for it: still waiting, nothing given back. */
	post_rx(1000, &g1);
	kick(RXQ);
	expect_no_used(RXQ);
	pf = (struct pollfd){.fd = poll_fd(), .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 50), 0);
	/* Enough: the frame lands across both, then the second one is read. */
	h2 = post_rx(1000, &g2);
	h3 = post_rx(1000, &g3);
	kick(RXQ);
	h1 = (uint16_t)(h2 - 1);
	expect_used(RXQ, h1, 1000);
	expect_used(RXQ, h2, (uint32_t)(l1 - 1000));
	p = vdrv_ptr(&drv, g1, 12);
	assert_int_equal(p[10] | p[11] << 8, 2);
	assert_memory_equal(vdrv_ptr(&drv, g1, 1000) + HDR, f1 + HDR, 1000 - HDR);
	assert_memory_equal(vdrv_ptr(&drv, g2, l1 - 1000), f1 + 1000, l1 - 1000);
	pump();
	expect_used(RXQ, h3, (uint32_t)l2);
	assert_memory_equal(vdrv_ptr(&drv, g3, l2) + HDR, f2 + HDR, l2 - HDR);
	assert_int_equal(stats().rx_dropped, 0);
	assert_int_equal(stats().rx_frames, 2);
}

/* With EVENT_IDX a receive queue the device waits on asks for the driver's next addition. */
static void test_rx_waits_with_event_idx(void **state)
{
	uint16_t *avail_event = vdrv_ptr(&drv, dq[RXQ].used + 4 + 8 * QSIZE, 2);
	uint8_t f[2048];
	size_t len = make_frame(f, our_mac, 1400, 3);
	uint16_t h1, h2;

	dev.queues[RXQ].event_idx = true;
	h1 = post_rx(1000, NULL);
	kick(RXQ);
	host_send(f, len);
	assert_true(pump_once());
	expect_no_used(RXQ);
	*avail_event = 0xbeef; /* whatever it was: the wait must set it again */
	kick(RXQ);
	assert_int_equal(*avail_event, dq[RXQ].avail_idx);
	h2 = post_rx(1000, NULL);
	assert_true(vring_need_event(*avail_event, dq[RXQ].avail_idx,
				     (uint16_t)(dq[RXQ].avail_idx - 1)));
	kick(RXQ);
	expect_used(RXQ, h1, 1000);
	expect_used(RXQ, h2, (uint32_t)(len - 1000));
}

static void test_rx_not_mergeable(void **state)
{
	uint8_t f[2048], *p;
	size_t big = make_frame(f, our_mac, 300, 0), small;
	uint64_t g;
	uint16_t h;

	dev.acked_features &= ~F(VIRTIO_NET_F_MRG_RXBUF);
	h = post_rx(200, &g);
	kick(RXQ);
	/* Too big for the one buffer a frame may take: dropped, the buffer kept. */
	host_send(f, big);
	small = make_frame(f, our_mac, 100, 5);
	host_send(f, small);
	pump();
	expect_used(RXQ, h, (uint32_t)small);
	p = vdrv_ptr(&drv, g, small);
	assert_int_equal(p[10] | p[11] << 8, 1);
	assert_memory_equal(p + HDR, f + HDR, small - HDR);
	assert_int_equal(stats().rx_dropped, 1);
	expect_no_used(RXQ);
}

static void test_rx_malformed_buffers(void **state)
{
	uint8_t f[256];
	size_t len = make_frame(f, our_mac, 100, 4);
	struct vdrv_buf rd = {0, 256, false};
	uint16_t bad_rd, bad_short, bad_mem, good;
	uint64_t g;

	bad_rd = vdrv_add_chain(&drv, &dq[RXQ], &rd, 1); /* device-readable */
	vdrv_make_available(&drv, &dq[RXQ], bad_rd);
	bad_short = post_rx(8, NULL); /* shorter than the header */
	bad_mem = dq[RXQ].free_head;
	vdrv_set_desc(&drv, &dq[RXQ], bad_mem, MEM - 100, 4096, VRING_DESC_F_WRITE, 0);
	dq[RXQ].free_head++;
	vdrv_make_available(&drv, &dq[RXQ], bad_mem);
	good = post_rx(1536, &g);
	kick(RXQ);
	host_send(f, len);
	pump();
	/* Each comes back empty; the frame waits for the good one. */
	expect_used(RXQ, bad_rd, 0);
	expect_used(RXQ, bad_short, 0);
	expect_used(RXQ, bad_mem, 0);
	expect_used(RXQ, good, (uint32_t)len);
	assert_memory_equal(vdrv_ptr(&drv, g, len) + HDR, f + HDR, len - HDR);
	assert_int_equal(stats().rx_dropped, 0);
}

static void test_rx_buffers_never_enough(void **state)
{
	uint8_t f[4096];
	size_t len = make_frame(f, our_mac, 3000, 0);
	uint32_t id, ulen;

	/* A ring full of buffers that together can never hold the frame. */
	for (unsigned i = 0; i < QSIZE; i++)
		post_rx(16, NULL);
	kick(RXQ);
	host_send(f, len);
	pump();
	expect_no_used(RXQ); /* the buffers stay the guest's, unused */
	assert_int_equal(stats().rx_dropped, 1);
	/* A frame that fits them still goes. */
	len = make_frame(f, our_mac, 20, 0);
	host_send(f, len);
	pump();
	assert_true(vdrv_get_used(&drv, &dq[RXQ], &id, &ulen));
	assert_int_equal(ulen, 16);
	assert_true(vdrv_get_used(&drv, &dq[RXQ], &id, &ulen));
	assert_int_equal(ulen, 16);
	assert_true(vdrv_get_used(&drv, &dq[RXQ], &id, &ulen));
	assert_int_equal(ulen, len - 32);
	expect_no_used(RXQ);
}

/* ---- Control queue ---- */

/* Sends class/cmd with data; returns the ack (or -1 when none was written). */
static int ctrl(uint8_t cls, uint8_t cmd, const void *data, uint32_t len)
{
	struct vdrv_buf b[3] = {{0, 2, false}, {0, len, false}, {0, 1, true}};
	unsigned n = len ? 3 : 2;
	uint8_t *ack;
	uint16_t head;
	uint32_t id, used;

	if (!len)
		b[1] = b[2];
	head = vdrv_add_chain(&drv, &dq[CTRLQ], b, n);
	memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), 2), (uint8_t[]){cls, cmd}, 2);
	if (len)
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(1), len), data, len);
	ack = vdrv_ptr(&drv, vdrv_last_buf(n - 1), 1);
	*ack = 0xee;
	vdrv_make_available(&drv, &dq[CTRLQ], head);
	kick(CTRLQ);
	assert_true(vdrv_get_used(&drv, &dq[CTRLQ], &id, &used));
	assert_int_equal(id, head);
	if (used == 0) {
		assert_int_equal(*ack, 0xee);
		return -1;
	}
	assert_int_equal(used, 1);
	return *ack;
}

static void test_ctrl_commands(void **state)
{
	static const uint8_t new_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	uint8_t on = 1, off = 0, two = 2, c[6];
	uint8_t table[4 + 6 + 4 + 12] = {1, 0, 0, 0};
	uint8_t bad_table[4 + 6 + 4] = {1, 0, 0, 0};

	assert_int_equal(ctrl(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &on, 1),
			 VIRTIO_NET_OK);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI, &off, 1),
			 VIRTIO_NET_OK);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, new_mac, 6),
			 VIRTIO_NET_OK);
	dev.ops->config_read(&dev, 0, c, 6);
	assert_memory_equal(c, new_mac, 6);
	/* One unicast, two multicast addresses. */
	memcpy(table + 4, peer_mac, 6);
	table[10] = 2;
	memset(table + 14, 0x33, 12);
	assert_int_equal(
		ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table)),
		VIRTIO_NET_OK);
	/* Errors: unknown class or command, wrong lengths, values out of range. */
	assert_int_equal(ctrl(9, 0, &on, 1), VIRTIO_NET_ERR);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_RX, 7, &on, 1), VIRTIO_NET_ERR);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_NOBCAST, &on, 1),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, NULL, 0),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &two, 1),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, new_mac, 5),
			 VIRTIO_NET_ERR);
	assert_int_equal(
		ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table) - 1),
		VIRTIO_NET_ERR);
	bad_table[10] = 1; /* says one multicast address, has none */
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, bad_table,
			      sizeof(bad_table)),
			 VIRTIO_NET_ERR);
	bad_table[0] = 0xff; /* a count running past the request */
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, bad_table,
			      sizeof(bad_table)),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
			 VIRTIO_NET_ERR);
	/* Without CTRL_RX negotiated its commands fail. */
	dev.acked_features &= ~F(VIRTIO_NET_F_CTRL_RX);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &on, 1),
			 VIRTIO_NET_ERR);
	assert_int_equal(stats().ctrl_ok, 4);
	assert_int_equal(stats().ctrl_err, 11);
}

static void test_ctrl_malformed(void **state)
{
	struct vdrv_buf only_class[2] = {{0, 1, false}, {0, 1, true}};
	struct vdrv_buf no_ack[1] = {{0, 3, false}};
	uint16_t head;
	uint8_t *ack;
	uint32_t id, used;

	/* Truncated: a class byte and no command. */
	head = vdrv_add_chain(&drv, &dq[CTRLQ], only_class, 2);
	*(uint8_t *)vdrv_ptr(&drv, vdrv_last_buf(0), 1) = VIRTIO_NET_CTRL_RX;
	ack = vdrv_ptr(&drv, vdrv_last_buf(1), 1);
	*ack = 0xee;
	vdrv_make_available(&drv, &dq[CTRLQ], head);
	kick(CTRLQ);
	expect_used(CTRLQ, head, 1);
	assert_int_equal(*ack, VIRTIO_NET_ERR);
	/* No room for the ack: returned empty. */
	head = vdrv_add_chain(&drv, &dq[CTRLQ], no_ack, 1);
	memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), 3), (uint8_t[]){0, 0, 1}, 3);
	vdrv_make_available(&drv, &dq[CTRLQ], head);
	kick(CTRLQ);
	expect_used(CTRLQ, head, 0);
	/* A command outside guest memory. */
	head = dq[CTRLQ].free_head;
	vdrv_set_desc(&drv, &dq[CTRLQ], head, MEM + 64, 3, VRING_DESC_F_NEXT, (uint16_t)(head + 1));
	vdrv_set_desc(&drv, &dq[CTRLQ], (uint16_t)(head + 1), vdrv_alloc(&drv, 1, 1), 1,
		      VRING_DESC_F_WRITE, 0);
	dq[CTRLQ].free_head = (uint16_t)(head + 2);
	vdrv_make_available(&drv, &dq[CTRLQ], head);
	kick(CTRLQ);
	expect_used(CTRLQ, head, 0);
	/* A head past the ring: nothing returned, nothing crashes, the queue waits for reset. */
	vdrv_make_available(&drv, &dq[CTRLQ], QSIZE + 3);
	kick(CTRLQ);
	assert_false(vdrv_get_used(&drv, &dq[CTRLQ], &id, &used));
}

static void test_rx_filter(void **state)
{
	static const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x42};
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t mcast[6] = {0x33, 0x33, 0, 0, 0, 1};
	uint8_t f[256], off = 0, on = 1;
	uint8_t table[4 + 4 + 6] = {0, 0, 0, 0, 1, 0, 0, 0};
	size_t len;

	assert_int_equal(ctrl(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &off, 1),
			 VIRTIO_NET_OK);
	for (unsigned i = 0; i < 8; i++)
		post_rx(1536, NULL);
	kick(RXQ);
	/* Another host's unicast and an unlisted multicast are filtered; ours and broadcast pass.
	 */
	host_send(f, make_frame(f, other, 40, 0));
	host_send(f, make_frame(f, mcast, 40, 0));
	host_send(f, make_frame(f, our_mac, 40, 0));
	host_send(f, make_frame(f, bcast, 40, 0));
	pump();
	assert_int_equal(stats().rx_filtered, 2);
	assert_int_equal(stats().rx_frames, 2);
	/* A listed multicast address passes; promiscuous mode lets everything in. */
	memcpy(table + 8, mcast, 6);
	assert_int_equal(
		ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table)),
		VIRTIO_NET_OK);
	host_send(f, make_frame(f, mcast, 40, 0));
	pump();
	assert_int_equal(stats().rx_frames, 3);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &on, 1),
			 VIRTIO_NET_OK);
	len = make_frame(f, other, 40, 0);
	host_send(f, len);
	pump();
	assert_int_equal(stats().rx_frames, 4);
	assert_int_equal(stats().rx_filtered, 2);
}

static void test_reset(void **state)
{
	static const uint8_t new_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	uint8_t f[256], c[6];
	size_t len = make_frame(f, our_mac, 40, 0);

	assert_int_equal(ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, new_mac, 6),
			 VIRTIO_NET_OK);
	kick(RXQ);
	host_send(f, len);
	assert_true(pump_once()); /* taken, waiting for a buffer */
	pthread_mutex_lock(&dev.lock);
	dev.ops->reset(&dev);
	pthread_mutex_unlock(&dev.lock);
	/* The configured MAC is back; the frame went with the device's state. */
	dev.ops->config_read(&dev, 0, c, 6);
	assert_memory_equal(c, our_mac, 6);
	assert_int_equal(stats().rx_dropped, 1);
	/* As the transport does: queues and features gone until the driver sets them up again. */
	for (unsigned q = 0; q < 3; q++)
		virtq_reset(&dev.queues[q]);
	dev.driver_ok = false;
	host_send(f, len);
	assert_false(pump_once()); /* a device that is not up reads nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_space, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_no_offloads_offered_without_tap_support,
						test_start, test_stop),
		cmocka_unit_test(test_offload_mapping),
		cmocka_unit_test_setup_teardown(test_tx_split_descriptors, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_tx_indirect, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_tx_malformed, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_tx_bounded_batch, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_rx_mergeable, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_rx_waits_for_buffers, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_rx_waits_with_event_idx, test_start,
						test_stop),
		cmocka_unit_test_setup_teardown(test_rx_not_mergeable, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_rx_malformed_buffers, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_rx_buffers_never_enough, test_start,
						test_stop),
		cmocka_unit_test_setup_teardown(test_ctrl_commands, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_ctrl_malformed, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_rx_filter, test_start, test_stop),
		cmocka_unit_test_setup_teardown(test_reset, test_start, test_stop),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
