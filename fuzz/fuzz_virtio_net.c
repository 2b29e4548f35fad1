// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-net's request handling against a hostile driver and a hostile TAP:
 * transmit chains, receive buffers, control requests and frames from the
 * host side of a SOCK_SEQPACKET pair, in any order, built by the test-side
 * guest driver. Input: a header byte (bit 0 MRG_RXBUF, 1 CTRL_RX, 2
 * CTRL_MAC_ADDR, 3 the checksum/TSO/ECN offloads, 4 EVENT_IDX, 5
 * INDIRECT_DESC, 6 offloads offered), then operations (op byte, low 3 bits):
 *
 *   0 transmit: n (1-4) buffers of len (2) and mode (1: bit 0 writable,
 *     bits 1-2 heap / outside memory / straddling its end), contents from the input
 *   1 post a receive buffer: the same buffer description
 *   2 a frame from the host: len (2, up to 4 KiB; bit 15: 70 KiB) bytes
 *   3 control: class, cmd, data length (1) and data; op bit 3: no ack byte,
 *     bit 4: class and command split over two descriptors
 *   4 a worker turn (poll the device's descriptor, poll_ready)
 *   5 reset, then the driver sets the device up again
 *   6 a raw head (2) made available on queue (op >> 3) % 3, kicked
 *   7 the driver's features change to (1)
 *
 * Checked: no fault (guest memory lies between guard pages), used ids within
 * the ring, used lengths within what a chain can hold (0 for transmit, at
 * most 1 for control), every frame reaching the host at least a header and
 * an Ethernet header long with num_buffers 0, and no more frames counted than
 * the host sent.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/virtio/net/net.h"
#include "fuzz_input.h"
#include "virtio_driver.h"

#define MEM	(512u << 10)
#define QSIZE	32
#define MAX_OPS 64
#define BUF_MAX 2048
#define HDR	12
#define BIG_LEN (70u << 10)
#define F(x)	(1ull << (x))

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vdrv drv;
static struct vdrv_queue dq[3];
static struct virtio_device dev;
static int sv[2];
static uint8_t frame[BIG_LEN];
static uint64_t host_sent;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (vdrv_init(&drv, MEM))
		abort();
	return 0;
}

static void on_signal(struct virtio_device *d, unsigned q)
{
	if (q > 2)
		abort();
}

static uint64_t features_of(uint8_t hdr)
{
	uint64_t f = F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) |
		     F(VIRTIO_NET_F_CTRL_VQ);

	if (hdr & 1)
		f |= F(VIRTIO_NET_F_MRG_RXBUF);
	if (hdr & 2)
		f |= F(VIRTIO_NET_F_CTRL_RX);
	if (hdr & 4)
		f |= F(VIRTIO_NET_F_CTRL_MAC_ADDR);
	if (hdr & 8)
		f |= F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) |
		     F(VIRTIO_NET_F_HOST_TSO6) | F(VIRTIO_NET_F_HOST_ECN) |
		     F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6) |
		     F(VIRTIO_NET_F_GUEST_ECN);
	if (hdr & 16)
		f |= F(VIRTIO_RING_F_EVENT_IDX);
	if (hdr & 32)
		f |= F(VIRTIO_RING_F_INDIRECT_DESC);
	return f;
}

/* The driver's part of bringing the device up: queues, features, DRIVER_OK. */
static void bring_up(uint64_t features)
{
	drv.heap = 0x1000;
	memset(vdrv_ptr(&drv, 0, MEM), 0, MEM);
	dev.acked_features = features;
	for (unsigned q = 0; q < 3; q++) {
		vdrv_queue_init(&drv, &dq[q], QSIZE, &dev.queues[q]);
		dev.queues[q].event_idx = features & F(VIRTIO_RING_F_EVENT_IDX);
		dev.queues[q].indirect = features & F(VIRTIO_RING_F_INDIRECT_DESC);
		if (virtq_enable(&dev.queues[q], &drv.mem))
			abort();
	}
	dev.driver_ok = true;
}

static void kick(unsigned q)
{
	pthread_mutex_lock(&dev.lock);
	dev.ops->queue_notify(&dev, q);
	pthread_mutex_unlock(&dev.lock);
}

static void worker_turn(void)
{
	struct pollfd p;

	pthread_mutex_lock(&dev.lock);
	p = (struct pollfd){.fd = dev.ops->poll_fd(&dev), .events = POLLIN};
	pthread_mutex_unlock(&dev.lock);
	if (p.fd >= 0 && poll(&p, 1, 0) > 0) {
		pthread_mutex_lock(&dev.lock);
		dev.ops->poll_ready(&dev);
		pthread_mutex_unlock(&dev.lock);
	}
}

/* Builds a chain from the input; returns its head, or -1 when the heap ran out. */
static int build_chain(struct input *in, unsigned q, bool indirect, bool fill)
{
	struct vdrv_buf b[4];
	unsigned n = (take8(in) & 3) + 1;

	for (unsigned k = 0; k < n; k++) {
		uint16_t len;
		uint8_t mode;

		take(in, &len, 2);
		mode = take8(in);
		b[k].len = len % (BUF_MAX + 1);
		b[k].writable = mode & 1;
		switch ((mode >> 1) & 3) {
		case 1:
			b[k].gpa = MEM + len;
			break;
		case 2:
			b[k].gpa = MEM - b[k].len / 2;
			break;
		default:
			b[k].gpa = vdrv_alloc(&drv, b[k].len ? b[k].len : 1, 8);
			if (!b[k].gpa)
				return -1;
		}
	}
	if (indirect && drv.heap + 16 * n > drv.heap_end)
		return -1;
	{
		uint16_t head = indirect ? vdrv_add_indirect(&drv, &dq[q], b, n)
					 : vdrv_add_chain(&drv, &dq[q], b, n);

		for (unsigned k = 0; fill && k < n; k++) {
			uint64_t gpa = vdrv_last_buf(k);

			if (!b[k].writable && gpa < MEM && b[k].len <= MEM - gpa)
				take(in, vdrv_ptr(&drv, gpa, b[k].len), b[k].len);
		}
		vdrv_make_available(&drv, &dq[q], head);
		return head;
	}
}

static void control(struct input *in, uint8_t op)
{
	struct vdrv_buf b[4];
	uint8_t cls = take8(in), cmd = take8(in), dlen = take8(in);
	unsigned n = 0, d;
	uint16_t head;

	if (op & 16) {
		b[n++] = (struct vdrv_buf){0, 1, false};
		b[n++] = (struct vdrv_buf){0, 1, false};
	} else {
		b[n++] = (struct vdrv_buf){0, 2, false};
	}
	d = n;
	if (dlen)
		b[n++] = (struct vdrv_buf){0, dlen, false};
	if (!(op & 8))
		b[n++] = (struct vdrv_buf){0, 1, true};
	if (drv.heap + 16 + 8 * 4 + dlen + 1 > drv.heap_end)
		return;
	head = vdrv_add_chain(&drv, &dq[2], b, n);
	if (op & 16) {
		*(uint8_t *)vdrv_ptr(&drv, vdrv_last_buf(0), 1) = cls;
		*(uint8_t *)vdrv_ptr(&drv, vdrv_last_buf(1), 1) = cmd;
	} else {
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), 2), (uint8_t[]){cls, cmd}, 2);
	}
	if (dlen)
		take(in, vdrv_ptr(&drv, vdrv_last_buf(d), dlen), dlen);
	vdrv_make_available(&drv, &dq[2], head);
	kick(2);
}

static void host_frame(struct input *in)
{
	uint16_t len;
	size_t n;

	take(in, &len, 2);
	n = (len & 0x8000) ? BIG_LEN : len % 4097u;
	take(in, frame, n < 64 ? n : 64); /* the header and Ethernet header from the input */
	if (n && send(sv[1], frame, n, MSG_DONTWAIT) == (ssize_t)n)
		host_sent++;
}

/* Everything the device returned since the last look is within what it may say. */
static void check_used(void)
{
	static uint8_t got[BIG_LEN];
	uint32_t id, len;
	ssize_t r;

	for (unsigned q = 0; q < 3; q++)
		while (vdrv_get_used(&drv, &dq[q], &id, &len)) {
			if (id >= QSIZE)
				abort();
			if ((q == 1 && len) || (q == 2 && len > 1) ||
			    (q == 0 && len > QSIZE * BUF_MAX))
				abort();
		}
	while ((r = recv(sv[1], got, sizeof(got), MSG_DONTWAIT)) >= 0) {
		struct virtio_net_hdr_v1 h;

		if ((size_t)r < HDR + 14)
			abort();
		memcpy(&h, got, HDR);
		if (h.num_buffers)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint8_t hdr = take8(&in);
	struct net_arg a = {.offloads = hdr & 64, .mac = {2, 0, 0, 0, 0, 1}};
	struct net_stats st;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		abort();
	a.fd = sv[0];
	if (virtio_net_create(&dev, &drv.mem, &a))
		abort();
	dev.signal = on_signal;
	host_sent = 0;
	bring_up(features_of(hdr) & (dev.ops->features | F(VIRTIO_F_VERSION_1)));
	for (unsigned i = 0; i < MAX_OPS && in.left; i++) {
		uint8_t op = take8(&in);
		bool ind = (op & 8) && (dev.acked_features & F(VIRTIO_RING_F_INDIRECT_DESC));

		switch (op & 7) {
		case 0:
			if (build_chain(&in, 1, ind, true) >= 0)
				kick(1);
			break;
		case 1:
			if (build_chain(&in, 0, ind, false) >= 0)
				kick(0);
			break;
		case 2:
			host_frame(&in);
			break;
		case 3:
			control(&in, op);
			break;
		case 4:
			worker_turn();
			break;
		case 5:
			pthread_mutex_lock(&dev.lock);
			dev.ops->reset(&dev);
			pthread_mutex_unlock(&dev.lock);
			check_used();
			bring_up(dev.acked_features);
			break;
		case 6: {
			uint16_t head;
			unsigned q = (op >> 3) % 3;

			take(&in, &head, 2);
			vdrv_make_available(&drv, &dq[q], head);
			kick(q);
			break;
		}
		default:
			dev.acked_features = features_of(take8(&in)) &
					     (dev.ops->features | F(VIRTIO_F_VERSION_1));
			break;
		}
		check_used();
	}
	worker_turn();
	check_used();
	virtio_net_stats(&dev, &st);
	if (st.rx_frames + st.rx_dropped + st.rx_filtered > host_sent)
		abort();
	virtio_device_destroy(&dev);
	close(sv[1]);
	return 0;
}
