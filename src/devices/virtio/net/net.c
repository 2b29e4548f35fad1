// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-net (device id 1) over a descriptor that carries one frame per read
 * or write, each led by a 12-byte virtio_net_hdr_v1 (a TAP with IFF_VNET_HDR).
 * Queues: receiveq 0, transmitq 1, controlq 2.
 *
 * Receive: a frame is read from the TAP only while none is waiting; one the
 * guest has no room for stays here, the TAP is not polled, and the next
 * receive kick delivers it. Transmit: a bounded batch per wake, then the rest
 * after the worker polled again, so a flooding guest never holds the thread.
 * Everything the guest gives is checked: a malformed transmit chain is
 * dropped and counted, a malformed control request answered VIRTIO_NET_ERR.
 */
#include "devices/virtio/net/net.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/log.h"

#define RXQ   0
#define TXQ   1
#define CTRLQ 2

#define HDR_LEN	    sizeof(struct virtio_net_hdr_v1)
#define ETH_HDR	    14
#define FRAME_MAX   (HDR_LEN + 65536 + 64) /* a 64 KiB GSO frame with its headers */
#define CTRL_MAX    (16u << 10)		   /* the largest control request read */
#define MAC_ENTRIES 64			   /* filter entries kept; more: accept that kind */
#define TX_BATCH    64
#define RX_BATCH    64

#define F(x) (1ull << (x))
#define NET_BASE_FEATURES                                                                    \
	(F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) | F(VIRTIO_NET_F_MRG_RXBUF) |          \
	 F(VIRTIO_NET_F_CTRL_VQ) | F(VIRTIO_NET_F_CTRL_RX) | F(VIRTIO_NET_F_CTRL_MAC_ADDR) | \
	 F(VIRTIO_RING_F_INDIRECT_DESC) | F(VIRTIO_RING_F_EVENT_IDX))
#define NET_OFFLOAD_FEATURES                                                                 \
	(F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) |     \
	 F(VIRTIO_NET_F_HOST_TSO6) | F(VIRTIO_NET_F_HOST_ECN) | F(VIRTIO_NET_F_GUEST_TSO4) | \
	 F(VIRTIO_NET_F_GUEST_TSO6) | F(VIRTIO_NET_F_GUEST_ECN))

struct mac_table {
	unsigned n;
	bool overflow; /* the guest gave more than MAC_ENTRIES: accept every address of the kind */
	uint8_t mac[MAC_ENTRIES][6];
};

struct net {
	struct net_arg arg;
	uint8_t mac[6];
	int ep;	    /* epoll: the frames descriptor while receiving, and tx_evt */
	int tx_evt; /* set when a transmit batch left chains for the next wake */
	bool rx_armed;
	bool eof;	   /* the frames descriptor's peer went away */
	bool offloads_set; /* the negotiated offloads reached the TAP (since the last reset) */
	bool rx_broken;	   /* the receive ring cannot be used until a reset */
	bool tx_broken;	   /* nor the transmit ring */
	bool promisc, allmulti;
	struct mac_table uc, mc;
	size_t pending; /* length of the frame waiting for receive buffers; 0: none */
	uint8_t *frame; /* FRAME_MAX + 1: a longer read is a frame too big */
	uint8_t *txbuf;
	uint8_t *ctrlbuf;
	struct virtq_chain first, cur, tx, ctrl;
	uint16_t heads[VIRTQ_MAX_SIZE];
	uint32_t lens[VIRTQ_MAX_SIZE];
	struct net_stats st;
};

static const struct virtio_device_ops net_plain_ops;

static struct net *to_net(struct virtio_device *d)
{
	return d->priv;
}

static bool has(const struct virtio_device *d, unsigned bit)
{
	return d->acked_features & F(bit);
}

unsigned net_tap_offloads(uint64_t features)
{
	unsigned f = 0;

	/* The TAP takes no segmentation without checksum offload, nor does the spec. */
	if (!(features & F(VIRTIO_NET_F_GUEST_CSUM)))
		return 0;
	f |= TUN_F_CSUM;
	if (features & F(VIRTIO_NET_F_GUEST_TSO4))
		f |= TUN_F_TSO4;
	if (features & F(VIRTIO_NET_F_GUEST_TSO6))
		f |= TUN_F_TSO6;
	if ((features & F(VIRTIO_NET_F_GUEST_ECN)) && (f & (TUN_F_TSO4 | TUN_F_TSO6)))
		f |= TUN_F_TSO_ECN;
	return f;
}

static void set_tap_offloads(struct net *n, unsigned flags)
{
	if (n->arg.tap && ioctl(n->arg.fd, TUNSETOFFLOAD, (unsigned long)flags) < 0)
		log_warn("virtio-net: TUNSETOFFLOAD %#x: %s", flags, strerror(errno));
}

/* Once the driver is up: the TAP hands over only what the guest negotiated. */
static void net_start(struct virtio_device *d)
{
	struct net *n = to_net(d);

	if (!d->driver_ok || n->offloads_set)
		return;
	set_tap_offloads(n, net_tap_offloads(d->acked_features));
	n->offloads_set = true;
}

static void signal_if(struct virtio_device *d, unsigned q)
{
	if (virtq_should_notify(&d->queues[q]))
		d->signal(d, q);
}

/* ---- Transmit ---- */

/* Whether the header asks only for what was negotiated; fixes the fields the TAP ignores. */
static bool tx_header_ok(struct virtio_device *d, struct virtio_net_hdr_v1 *h)
{
	uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;

	h->flags &= (uint8_t)~VIRTIO_NET_HDR_F_DATA_VALID; /* meaningless on transmit */
	if (h->flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return false;
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !has(d, VIRTIO_NET_F_CSUM))
		return false;
	if (gso == VIRTIO_NET_HDR_GSO_TCPV4 && !has(d, VIRTIO_NET_F_HOST_TSO4))
		return false;
	if (gso == VIRTIO_NET_HDR_GSO_TCPV6 && !has(d, VIRTIO_NET_F_HOST_TSO6))
		return false;
	if (gso != VIRTIO_NET_HDR_GSO_NONE && gso != VIRTIO_NET_HDR_GSO_TCPV4 &&
	    gso != VIRTIO_NET_HDR_GSO_TCPV6)
		return false;
	if ((h->gso_type & VIRTIO_NET_HDR_GSO_ECN) &&
	    (gso == VIRTIO_NET_HDR_GSO_NONE || !has(d, VIRTIO_NET_F_HOST_ECN)))
		return false;
	h->num_buffers = 0;
	return true;
}

static void tx_drop(struct net *n, const char *why)
{
	n->st.tx_dropped++;
	log_debug("virtio-net: transmit frame dropped: %s (%llu dropped)", why,
		  (unsigned long long)n->st.tx_dropped);
}

static void tx_one(struct virtio_device *d, const struct virtq_chain *c)
{
	struct net *n = to_net(d);
	struct virtio_net_hdr_v1 h;
	ssize_t w;

	if (c->writable) {
		tx_drop(n, "a device-writable buffer");
		return;
	}
	if (c->readable < HDR_LEN + ETH_HDR || c->readable > FRAME_MAX) {
		tx_drop(n, "length out of range");
		return;
	}
	if (virtq_chain_read(&d->queues[TXQ], c, 0, n->txbuf, c->readable) != c->readable) {
		tx_drop(n, "unreadable");
		return;
	}
	memcpy(&h, n->txbuf, HDR_LEN);
	if (!tx_header_ok(d, &h)) {
		tx_drop(n, "header asks for an offload not negotiated");
		return;
	}
	memcpy(n->txbuf, &h, HDR_LEN);
	do
		w = write(n->arg.fd, n->txbuf, c->readable);
	while (w < 0 && errno == EINTR);
	/* A TAP that is down or full drops as a congested link would; the kernel checks the rest.
	 */
	if (w != (ssize_t)c->readable) {
		tx_drop(n, w < 0 ? strerror(errno) : "short write");
		return;
	}
	n->st.tx_frames++;
}

static void tx_run(struct virtio_device *d)
{
	struct net *n = to_net(d);
	struct virtq *q = &d->queues[TXQ];
	unsigned done = 0;
	uint64_t one = 1;

	while (!n->tx_broken && q->ready) {
		int r;

		if (done == TX_BATCH) {
			/* The rest after the worker polled again: receive and control get a turn.
			 */
			if (write(n->tx_evt, &one, sizeof(one)) < 0)
				log_debug("virtio-net: tx re-arm: %s", strerror(errno));
			break;
		}
		r = virtq_pop(q, &n->tx);
		if (r == VIRTQ_EMPTY)
			break;
		if (r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING) {
			n->tx_broken = true; /* nothing can be returned: wait for a reset */
			tx_drop(n, "broken ring");
			break;
		}
		if (r == VIRTQ_OK)
			tx_one(d, &n->tx);
		else
			tx_drop(n, "malformed chain");
		virtq_push(q, n->tx.head, 0);
		done++;
	}
	if (done)
		signal_if(d, TXQ);
}

/* ---- Receive ---- */

static bool mac_in(const struct mac_table *t, const uint8_t *mac)
{
	if (t->overflow)
		return true;
	for (unsigned i = 0; i < t->n; i++)
		if (!memcmp(t->mac[i], mac, 6))
			return true;
	return false;
}

/* The guest's receive filter (VIRTIO_NET_CTRL_RX and MAC_TABLE_SET). */
static bool rx_accept(const struct net *n, const uint8_t *dst)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	if (n->promisc)
		return true;
	if (dst[0] & 1)
		return !memcmp(dst, bcast, 6) || n->allmulti || mac_in(&n->mc, dst);
	return !memcmp(dst, n->mac, 6) || mac_in(&n->uc, dst);
}

static void rx_drop(struct net *n, const char *why)
{
	n->st.rx_dropped++;
	log_debug("virtio-net: receive frame dropped: %s (%llu dropped)", why,
		  (unsigned long long)n->st.rx_dropped);
}

/* Returns the chains taken for a frame unfilled (the guest's own malformed buffers). */
static void rx_give_back(struct virtio_device *d, unsigned nb)
{
	for (unsigned k = 0; k < nb; k++)
		virtq_push(&d->queues[RXQ], to_net(d)->heads[k], 0);
}

/*
 * Puts the pending frame into receive buffers: one chain, or with
 * MRG_RXBUF as many as it needs (num_buffers in the header says how many).
 * Returns false when the guest must post more first (the chains taken are
 * put back, the frame kept); true when the frame is gone, delivered or
 * dropped because the guest's buffers can never hold it.
 */
static bool rx_deliver(struct virtio_device *d)
{
	struct net *n = to_net(d);
	struct virtq *q = &d->queues[RXQ];
	bool mrg = has(d, VIRTIO_NET_F_MRG_RXBUF);
	size_t len = n->pending, off = 0;
	struct virtio_net_hdr_v1 h;
	unsigned nb = 0;

	while (off < len) {
		struct virtq_chain *c = nb ? &n->cur : &n->first;
		uint64_t take;
		int r;

		if (nb == q->size || (!mrg && nb == 1)) {
			/* Every buffer the ring can hold is too little: it never fits. */
			virtq_unpop(q, (uint16_t)nb);
			rx_drop(n, "larger than the receive buffers");
			return true;
		}
		r = virtq_pop(q, c);
		if (r == VIRTQ_EMPTY) {
			virtq_unpop(q, (uint16_t)nb);
			return false;
		}
		if (r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING) {
			n->rx_broken = true; /* nothing more can be returned: wait for a reset */
			rx_give_back(d, nb);
			rx_drop(n, "broken receive ring");
			return true;
		}
		if (r != VIRTQ_OK || c->readable || c->writable < (nb ? 1 : HDR_LEN)) {
			/* Returned unfilled; the frame waits for the next one, or is lost with
			 * the buffers it had already taken (they cannot be put back past it). */
			virtq_push(q, c->head, 0);
			log_debug("virtio-net: malformed receive buffer returned empty");
			if (!nb)
				continue;
			rx_give_back(d, nb);
			rx_drop(n, "malformed receive buffer in the middle of a frame");
			return true;
		}
		take = c->writable < len - off ? c->writable : len - off;
		if (nb)
			virtq_chain_write(q, c, 0, n->frame + off, take);
		n->heads[nb] = c->head;
		n->lens[nb] = (uint32_t)take;
		off += take;
		nb++;
	}
	memcpy(&h, n->frame, HDR_LEN);
	h.num_buffers = htole16((uint16_t)(mrg ? nb : 1));
	memcpy(n->frame, &h, HDR_LEN);
	virtq_chain_write(q, &n->first, 0, n->frame, n->lens[0]);
	for (unsigned k = 0; k < nb; k++)
		virtq_push(q, n->heads[k], n->lens[k]);
	n->st.rx_frames++;
	return true;
}

static bool rx_usable(struct virtio_device *d)
{
	struct net *n = to_net(d);

	return d->driver_ok && d->queues[RXQ].ready && !n->rx_broken && n->offloads_set;
}

/* Delivers the waiting frame, then reads and delivers up to a batch more. */
static void rx_run(struct virtio_device *d)
{
	struct net *n = to_net(d);
	unsigned before = d->queues[RXQ].used_idx;

	for (unsigned i = 0; i < RX_BATCH && rx_usable(d); i++) {
		if (!n->pending) {
			ssize_t r;

			if (n->eof)
				break;
			r = read(n->arg.fd, n->frame, FRAME_MAX + 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0)
				n->eof = true;
			if (r <= 0)
				break; /* nothing now (EAGAIN), or a descriptor that failed */
			if ((size_t)r > FRAME_MAX || (size_t)r < HDR_LEN + ETH_HDR) {
				rx_drop(n, "length out of range from the TAP");
				continue;
			}
			if (!rx_accept(n, n->frame + HDR_LEN)) {
				n->st.rx_filtered++;
				continue;
			}
			n->pending = (size_t)r;
		}
		if (!rx_deliver(d))
			break; /* wait for the guest's kick */
		n->pending = 0;
	}
	if (d->queues[RXQ].used_idx != before)
		signal_if(d, RXQ);
}

/* ---- Control ---- */

static int mac_table_parse(struct mac_table *t, const uint8_t *p, uint64_t left, uint64_t *used)
{
	uint32_t entries;

	if (left < 4)
		return -1;
	memcpy(&entries, p, 4);
	entries = le32toh(entries);
	if (entries > (left - 4) / 6)
		return -1;
	t->overflow = entries > MAC_ENTRIES;
	t->n = t->overflow ? 0 : entries;
	if (!t->overflow)
		memcpy(t->mac, p + 4, 6ull * entries);
	*used = 4 + 6ull * entries;
	return 0;
}

static uint8_t ctrl_rx(struct virtio_device *d, uint8_t cmd, const uint8_t *data, uint64_t len)
{
	struct net *n = to_net(d);

	if (!has(d, VIRTIO_NET_F_CTRL_RX) || len != 1 || data[0] > 1)
		return VIRTIO_NET_ERR;
	if (cmd == VIRTIO_NET_CTRL_RX_PROMISC)
		n->promisc = data[0];
	else if (cmd == VIRTIO_NET_CTRL_RX_ALLMULTI)
		n->allmulti = data[0];
	else
		return VIRTIO_NET_ERR; /* the others need CTRL_RX_EXTRA, not offered */
	return VIRTIO_NET_OK;
}

static uint8_t ctrl_mac(struct virtio_device *d, uint8_t cmd, const uint8_t *data, uint64_t len)
{
	struct net *n = to_net(d);
	struct mac_table uc, mc;
	uint64_t a, b;

	if (cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET) {
		if (!has(d, VIRTIO_NET_F_CTRL_MAC_ADDR) || len != 6)
			return VIRTIO_NET_ERR;
		memcpy(n->mac, data, 6);
		return VIRTIO_NET_OK;
	}
	if (cmd != VIRTIO_NET_CTRL_MAC_TABLE_SET || !has(d, VIRTIO_NET_F_CTRL_RX))
		return VIRTIO_NET_ERR;
	/* Unicast table, then multicast, each a 32-bit count and its addresses: nothing more. */
	if (mac_table_parse(&uc, data, len, &a) || mac_table_parse(&mc, data + a, len - a, &b) ||
	    a + b != len)
		return VIRTIO_NET_ERR;
	n->uc = uc;
	n->mc = mc;
	return VIRTIO_NET_OK;
}

static uint8_t ctrl_one(struct virtio_device *d, const struct virtq_chain *c)
{
	struct net *n = to_net(d);
	uint8_t *buf = n->ctrlbuf;

	if (c->readable < sizeof(struct virtio_net_ctrl_hdr) || c->readable > CTRL_MAX)
		return VIRTIO_NET_ERR;
	if (virtq_chain_read(&d->queues[CTRLQ], c, 0, buf, c->readable) != c->readable)
		return VIRTIO_NET_ERR;
	switch (buf[0]) {
	case VIRTIO_NET_CTRL_RX:
		return ctrl_rx(d, buf[1], buf + 2, c->readable - 2);
	case VIRTIO_NET_CTRL_MAC:
		return ctrl_mac(d, buf[1], buf + 2, c->readable - 2);
	default:
		return VIRTIO_NET_ERR;
	}
}

static void ctrl_run(struct virtio_device *d)
{
	struct net *n = to_net(d);
	struct virtq *q = &d->queues[CTRLQ];
	int r;

	while ((r = virtq_pop(q, &n->ctrl)) != VIRTQ_EMPTY) {
		uint8_t ack;
		uint32_t used = 0;

		if (r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING)
			break; /* nothing can be returned: wait for a reset */
		if (r == VIRTQ_OK && n->ctrl.writable) {
			ack = ctrl_one(d, &n->ctrl);
			/* The ack is the first device-writable byte, after the command. */
			used = (uint32_t)virtq_chain_write(q, &n->ctrl, 0, &ack, 1);
		} else {
			ack = VIRTIO_NET_ERR; /* malformed, or no room for an ack */
		}
		if (ack == VIRTIO_NET_OK)
			n->st.ctrl_ok++;
		else
			n->st.ctrl_err++;
		virtio_queue_done(d, CTRLQ, n->ctrl.head, used);
	}
}

/* ---- Device ops ---- */

static void net_notify(struct virtio_device *d, unsigned qi)
{
	struct net *n = to_net(d);

	net_start(d);
	if (qi == TXQ)
		tx_run(d);
	else if (qi == CTRLQ)
		ctrl_run(d);
	else if (qi == RXQ && n->pending)
		rx_run(d); /* the buffers the waiting frame needed may be here */
}

/* Polls the TAP only while a frame can be taken from it: none waiting, a usable ring. */
static int net_poll_fd(struct virtio_device *d)
{
	struct net *n = to_net(d);
	bool want;

	net_start(d);
	want = rx_usable(d) && !n->pending && !n->eof;
	if (want != n->rx_armed) {
		struct epoll_event ev = {.events = want ? EPOLLIN : 0, .data.u32 = RXQ};

		if (epoll_ctl(n->ep, EPOLL_CTL_MOD, n->arg.fd, &ev) == 0)
			n->rx_armed = want;
	}
	return n->ep;
}

static void net_poll_ready(struct virtio_device *d)
{
	struct net *n = to_net(d);
	uint64_t cnt;

	if (read(n->tx_evt, &cnt, sizeof(cnt)) == (ssize_t)sizeof(cnt) && d->driver_ok)
		tx_run(d);
	if (n->rx_armed)
		rx_run(d);
}

static void net_reset(struct virtio_device *d)
{
	struct net *n = to_net(d);
	uint64_t cnt;

	if (n->pending)
		rx_drop(n, "the driver reset the device");
	n->pending = 0;
	/* Until the next negotiation the TAP hands over plain frames only. */
	if (n->offloads_set)
		set_tap_offloads(n, 0);
	n->offloads_set = false;
	n->rx_broken = n->tx_broken = false;
	n->promisc = true; /* until the driver sets its receive mode */
	n->allmulti = false;
	n->uc.n = n->mc.n = 0;
	n->uc.overflow = n->mc.overflow = false;
	memcpy(n->mac, n->arg.mac, 6);
	/* A transmit batch left for the next wake belongs to the queue that is gone. */
	if (read(n->tx_evt, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		log_debug("virtio-net: tx re-arm: %s", strerror(errno));
}

static void net_config_read(struct virtio_device *d, uint32_t off, uint8_t *data, uint32_t len)
{
	struct net *n = to_net(d);
	struct virtio_net_config c;

	memset(&c, 0, sizeof(c));
	memcpy(c.mac, n->mac, 6);
	c.status = htole16(VIRTIO_NET_S_LINK_UP);
	c.max_virtqueue_pairs = htole16(1);
	for (uint32_t i = 0; i < len; i++)
		data[i] = off + i < sizeof(c) ? ((const uint8_t *)&c)[off + i] : 0;
}

static void net_destroy(struct virtio_device *d)
{
	struct net *n = to_net(d);

	if (!n)
		return;
	if (n->arg.fd >= 0)
		close(n->arg.fd);
	if (n->ep >= 0)
		close(n->ep);
	if (n->tx_evt >= 0)
		close(n->tx_evt);
	free(n->frame);
	free(n->txbuf);
	free(n->ctrlbuf);
	free(n);
}

void virtio_net_stats(struct virtio_device *d, struct net_stats *out)
{
	*out = to_net(d)->st;
}

#define NET_OPS_COMMON                                                                            \
	.name = "virtio-net", .policy = "net_device", .device_id = VIRTIO_ID_NET, .nr_queues = 3, \
	.queue_max = 256, .queue_size = {256, 256, 64},                                           \
	.config_size = offsetof(struct virtio_net_config, mtu), .config_read = net_config_read,   \
	.queue_notify = net_notify, .poll_fd = net_poll_fd, .poll_ready = net_poll_ready,         \
	.reset = net_reset, .destroy = net_destroy

/* With a TAP that takes offloads; the constructor picks the plain twin otherwise. */
const struct virtio_device_ops virtio_net_ops = {
	NET_OPS_COMMON,
	.features = NET_BASE_FEATURES | NET_OFFLOAD_FEATURES,
};

static const struct virtio_device_ops net_plain_ops = {
	NET_OPS_COMMON,
	.features = NET_BASE_FEATURES,
};

int virtio_net_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg)
{
	const struct net_arg *a = arg;
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = TXQ};
	struct net *n;
	int fl;

	if (!a || a->fd < 0)
		return -EINVAL;
	virtio_device_init(d, a->offloads ? &virtio_net_ops : &net_plain_ops, mem);
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->arg = *a;
	n->ep = epoll_create1(EPOLL_CLOEXEC);
	n->tx_evt = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	n->frame = malloc(FRAME_MAX + 1);
	n->txbuf = malloc(FRAME_MAX);
	n->ctrlbuf = malloc(CTRL_MAX);
	d->priv = n;
	if (n->ep < 0 || n->tx_evt < 0 || !n->frame || !n->txbuf || !n->ctrlbuf)
		goto fail;
	/* The device thread must never block on the frames descriptor. */
	fl = fcntl(a->fd, F_GETFL);
	if (fl < 0 || fcntl(a->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		goto fail;
	if (epoll_ctl(n->ep, EPOLL_CTL_ADD, n->tx_evt, &ev))
		goto fail;
	ev = (struct epoll_event){.events = 0, .data.u32 = RXQ}; /* armed by net_poll_fd */
	if (epoll_ctl(n->ep, EPOLL_CTL_ADD, a->fd, &ev))
		goto fail;
	net_reset(d);
	return 0;
fail:
	fl = -errno;
	n->arg.fd = -1; /* still the caller's: the device never owned it */
	net_destroy(d);
	d->priv = NULL;
	return fl ? fl : -ENOMEM;
}
