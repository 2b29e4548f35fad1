// SPDX-License-Identifier: BSD-3-Clause
#include "devices/virtio/pci.h"

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <string.h>

#include "util/macros.h"

#define PCI_VENDOR_VIRTIO      0x1af4
#define PCI_DEVICE_VIRTIO_BASE 0x1040
#define PCI_STATUS_CAP_LIST    0x10
#define PCI_CMD_MEMORY	       0x02
#define PCI_CAP_ID_VNDR	       0x09
#define PCI_CAP_ID_MSIX	       0x11
#define CAP_START	       0x40
#define COMMON_LEN	       sizeof(struct virtio_pci_common_cfg)

static struct virtio_pci *to_vp(struct pci_function *fn)
{
	return container_of(fn, struct virtio_pci, fn);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Adds a virtio vendor capability; returns the offset of the next one. */
static uint8_t add_cap(struct virtio_pci *vp, uint8_t at, uint8_t type, uint32_t off, uint32_t len,
		       uint8_t cap_len)
{
	uint8_t *c = vp->cfg.data + at;

	c[0] = PCI_CAP_ID_VNDR;
	c[1] = (uint8_t)(at + cap_len);
	c[2] = cap_len;
	c[3] = type;
	c[4] = 0; /* BAR0 */
	put32(c + 8, off);
	put32(c + 12, len);
	return (uint8_t)(at + cap_len);
}

static void update_bar(struct virtio_pci *vp)
{
	uint32_t lo, hi;
	uint64_t bar;
	bool en;

	memcpy(&lo, vp->cfg.data + 0x10, 4);
	memcpy(&hi, vp->cfg.data + 0x14, 4);
	bar = ((uint64_t)hi << 32) | (lo & ~0xfu);
	en = vp->cfg.data[0x04] & PCI_CMD_MEMORY;
	if (bar != vp->bar0 || en != vp->mem_enabled) {
		vp->bar0 = bar;
		vp->mem_enabled = en;
		if (vp->host.bar_changed)
			vp->host.bar_changed(vp->host.opaque, bar, en);
	}
}

static void cfg_read(struct pci_function *fn, unsigned off, uint8_t *data, unsigned len)
{
	struct virtio_pci *vp = to_vp(fn);

	pthread_mutex_lock(&vp->dev->lock);
	put16(vp->cfg.data + vp->msix_cap + 2, msix_control(&vp->msix));
	pci_config_read(&vp->cfg, off, data, len);
	pthread_mutex_unlock(&vp->dev->lock);
}

static void cfg_write(struct pci_function *fn, unsigned off, const uint8_t *data, unsigned len)
{
	struct virtio_pci *vp = to_vp(fn);
	unsigned ctrl = vp->msix_cap + 2u;

	pthread_mutex_lock(&vp->dev->lock);
	pci_config_write(&vp->cfg, off, data, len);
	/* The MSI-X Message Control word: only its enable and mask bits are writable. */
	if (off <= ctrl + 1 && off + len > ctrl) {
		uint16_t v = msix_control(&vp->msix);
		uint8_t b[2];

		memcpy(b, &v, 2);
		for (unsigned i = 0; i < len; i++)
			if (off + i == ctrl || off + i == ctrl + 1)
				b[off + i - ctrl] = data[i];
		memcpy(&v, b, 2);
		msix_write_control(&vp->msix, v);
	}
	update_bar(vp);
	pthread_mutex_unlock(&vp->dev->lock);
}

static uint64_t offered(const struct virtio_pci *vp)
{
	return vp->dev->ops->features | (1ull << VIRTIO_F_VERSION_1);
}

static void device_reset(struct virtio_pci *vp)
{
	struct virtio_device *d = vp->dev;

	/* The device first: it settles work in flight while its queues still exist. */
	if (d->ops->reset)
		d->ops->reset(d);
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		virtq_reset(&d->queues[q]);
		d->queues[q].size =
			d->ops->queue_size[q] ? d->ops->queue_size[q] : d->ops->queue_max;
		vp->queue_vector[q] = VIRTIO_MSI_NO_VECTOR;
	}
	d->acked_features = 0;
	d->driver_ok = false;
	vp->status = 0;
	vp->isr = 0;
	vp->msix_config = VIRTIO_MSI_NO_VECTOR;
	vp->dfselect = vp->gfselect = 0;
	vp->queue_select = 0;
}

static struct virtq *selected_queue(struct virtio_pci *vp)
{
	return vp->queue_select < vp->dev->ops->nr_queues ? &vp->dev->queues[vp->queue_select]
							  : NULL;
}

static void common_snapshot(struct virtio_pci *vp, struct virtio_pci_common_cfg *c)
{
	struct virtq *q = selected_queue(vp);
	uint64_t f = offered(vp);

	memset(c, 0, sizeof(*c));
	c->device_feature_select = vp->dfselect;
	c->device_feature = vp->dfselect < 2 ? (uint32_t)(f >> (32 * vp->dfselect)) : 0;
	c->guest_feature_select = vp->gfselect;
	c->guest_feature =
		vp->gfselect < 2 ? (uint32_t)(vp->dev->acked_features >> (32 * vp->gfselect)) : 0;
	c->msix_config = vp->msix_config;
	c->num_queues = (uint16_t)vp->dev->ops->nr_queues;
	c->device_status = vp->status;
	c->config_generation = vp->config_generation;
	c->queue_select = vp->queue_select;
	if (q) {
		c->queue_size = q->size;
		c->queue_msix_vector = vp->queue_vector[vp->queue_select];
		c->queue_enable = q->ready;
		c->queue_notify_off = vp->queue_select;
		c->queue_desc_lo = (uint32_t)q->desc_addr;
		c->queue_desc_hi = (uint32_t)(q->desc_addr >> 32);
		c->queue_avail_lo = (uint32_t)q->avail_addr;
		c->queue_avail_hi = (uint32_t)(q->avail_addr >> 32);
		c->queue_used_lo = (uint32_t)q->used_addr;
		c->queue_used_hi = (uint32_t)(q->used_addr >> 32);
	}
}

static void set_status(struct virtio_pci *vp, uint8_t s)
{
	struct virtio_device *d = vp->dev;
	bool was_ok;

	if (s == 0) {
		device_reset(vp);
		return;
	}
	/* FEATURES_OK only sticks for a feature set we offered, including VERSION_1. */
	if ((s & VIRTIO_CONFIG_S_FEATURES_OK) && !(vp->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((d->acked_features & ~offered(vp)) ||
	     !(d->acked_features & (1ull << VIRTIO_F_VERSION_1))))
		s &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
	was_ok = d->driver_ok;
	vp->status = s;
	d->driver_ok = s & VIRTIO_CONFIG_S_DRIVER_OK;
	/* A driver may post buffers before DRIVER_OK (virtio-balloon's stats). */
	if (d->driver_ok && !was_ok && vp->host.kick)
		for (unsigned q = 0; q < d->ops->nr_queues; q++)
			if (d->queues[q].ready)
				vp->host.kick(vp->host.opaque, q);
}

static uint16_t valid_vector(const struct virtio_pci *vp, uint16_t v)
{
	return v < vp->msix.nr ? v : VIRTIO_MSI_NO_VECTOR;
}

static void enable_queue(struct virtio_pci *vp, struct virtq *q)
{
	q->event_idx = vp->dev->acked_features & (1ull << VIRTIO_RING_F_EVENT_IDX);
	q->indirect = vp->dev->acked_features & (1ull << VIRTIO_RING_F_INDIRECT_DESC);
	if (virtq_enable(q, vp->dev->mem))
		vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET; /* rings outside guest memory */
}

#define TOUCHED(field)                                                            \
	(off < offsetof(struct virtio_pci_common_cfg, field) + sizeof(c.field) && \
	 off + len > offsetof(struct virtio_pci_common_cfg, field))

static void common_write(struct virtio_pci *vp, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct virtio_pci_common_cfg c;
	struct virtq *q;

	common_snapshot(vp, &c);
	memcpy((uint8_t *)&c + off, data, len);
	if (TOUCHED(device_feature_select))
		vp->dfselect = c.device_feature_select;
	if (TOUCHED(guest_feature_select))
		vp->gfselect = c.guest_feature_select;
	if (TOUCHED(guest_feature) && vp->gfselect < 2 &&
	    !(vp->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		unsigned sh = 32 * vp->gfselect;
		uint64_t mask = 0xffffffffull << sh;

		vp->dev->acked_features = (vp->dev->acked_features & ~mask) |
					  (((uint64_t)c.guest_feature << sh) & mask & offered(vp));
	}
	if (TOUCHED(msix_config))
		vp->msix_config = valid_vector(vp, c.msix_config);
	if (TOUCHED(device_status))
		set_status(vp, c.device_status);
	if (TOUCHED(queue_select)) {
		vp->queue_select = c.queue_select;
		/* The queue fields of the same write are the newly selected queue's. */
		common_snapshot(vp, &c);
		memcpy((uint8_t *)&c + off, data, len);
	}
	q = selected_queue(vp);
	if (!q)
		return;
	if (TOUCHED(queue_msix_vector))
		vp->queue_vector[vp->queue_select] = valid_vector(vp, c.queue_msix_vector);
	if (q->ready)
		return; /* an enabled queue's layout is fixed until reset */
	if (TOUCHED(queue_size))
		q->size = c.queue_size;
	if (TOUCHED(queue_desc_lo) || TOUCHED(queue_desc_hi))
		q->desc_addr = (uint64_t)c.queue_desc_hi << 32 | c.queue_desc_lo;
	if (TOUCHED(queue_avail_lo) || TOUCHED(queue_avail_hi))
		q->avail_addr = (uint64_t)c.queue_avail_hi << 32 | c.queue_avail_lo;
	if (TOUCHED(queue_used_lo) || TOUCHED(queue_used_hi))
		q->used_addr = (uint64_t)c.queue_used_hi << 32 | c.queue_used_lo;
	if (TOUCHED(queue_enable) && c.queue_enable == 1)
		enable_queue(vp, q);
}

void virtio_pci_bar_read(struct virtio_pci *vp, uint64_t off, uint8_t *data, uint32_t len)
{
	const struct virtio_device_ops *ops = vp->dev->ops;

	memset(data, 0, len);
	if (len == 0 || len > 8)
		return;
	pthread_mutex_lock(&vp->dev->lock);
	if (off < COMMON_LEN && len <= COMMON_LEN - off) {
		struct virtio_pci_common_cfg c;

		common_snapshot(vp, &c);
		memcpy(data, (uint8_t *)&c + off, len);
	} else if (off == VPCI_ISR) {
		data[0] = vp->isr; /* reading acknowledges */
		vp->isr = 0;
	} else if (off >= VPCI_DEVICE && off - VPCI_DEVICE < ops->config_size &&
		   len <= ops->config_size - (off - VPCI_DEVICE)) {
		if (ops->config_read)
			ops->config_read(vp->dev, (uint32_t)(off - VPCI_DEVICE), data, len);
	} else if (off >= VPCI_MSIX_TABLE && off < VPCI_MSIX_PBA) {
		msix_table_read(&vp->msix, off - VPCI_MSIX_TABLE, data, len);
	} else if (off >= VPCI_MSIX_PBA && off < VPCI_BAR_SIZE) {
		msix_pba_read(&vp->msix, off - VPCI_MSIX_PBA, data, len);
	}
	pthread_mutex_unlock(&vp->dev->lock);
}

void virtio_pci_bar_write(struct virtio_pci *vp, uint64_t off, const uint8_t *data, uint32_t len)
{
	const struct virtio_device_ops *ops = vp->dev->ops;

	if (len == 0 || len > 8)
		return;
	pthread_mutex_lock(&vp->dev->lock);
	if (off < COMMON_LEN && len <= COMMON_LEN - off) {
		common_write(vp, off, data, len);
	} else if (off >= VPCI_DEVICE && off - VPCI_DEVICE < ops->config_size &&
		   len <= ops->config_size - (off - VPCI_DEVICE)) {
		if (ops->config_write)
			ops->config_write(vp->dev, (uint32_t)(off - VPCI_DEVICE), data, len);
	} else if (off >= VPCI_NOTIFY && off < VPCI_NOTIFY + VPCI_NOTIFY_MULT * ops->nr_queues) {
		/* Only reached without an ioeventfd (the kick normally never exits). */
		unsigned q = (unsigned)((off - VPCI_NOTIFY) / VPCI_NOTIFY_MULT);

		if (vp->dev->driver_ok && vp->dev->queues[q].ready)
			ops->queue_notify(vp->dev, q);
	} else if (off >= VPCI_MSIX_TABLE && off < VPCI_MSIX_PBA) {
		msix_table_write(&vp->msix, off - VPCI_MSIX_TABLE, data, len);
	}
	pthread_mutex_unlock(&vp->dev->lock);
}

bool virtio_pci_mmio(struct virtio_pci *vp, uint64_t addr, uint8_t *data, uint32_t len, bool write)
{
	uint64_t off;

	if (!vp->mem_enabled || addr < vp->bar0 || addr - vp->bar0 >= VPCI_BAR_SIZE)
		return false;
	off = addr - vp->bar0;
	if (write)
		virtio_pci_bar_write(vp, off, data, len);
	else
		virtio_pci_bar_read(vp, off, data, len);
	return true;
}

/* Called with the device lock held (from the device's queue processing). */
static void signal_queue(struct virtio_device *d, unsigned q)
{
	struct virtio_pci *vp = d->transport;

	vp->isr |= 1;
	if (q < VIRTIO_MAX_QUEUES && vp->queue_vector[q] != VIRTIO_MSI_NO_VECTOR)
		msix_notify(&vp->msix, vp->queue_vector[q]);
}

/* Called with the device lock held (the device changed its config space). */
static void signal_config(struct virtio_device *d)
{
	struct virtio_pci *vp = d->transport;

	/* A driver reading the config in several accesses sees it changed and reads again. */
	vp->config_generation++;
	if (!d->driver_ok)
		return; /* the driver reads the whole config when it comes up */
	vp->isr |= VIRTIO_PCI_ISR_CONFIG;
	if (vp->msix_config != VIRTIO_MSI_NO_VECTOR)
		msix_notify(&vp->msix, vp->msix_config);
}

void virtio_pci_init(struct virtio_pci *vp, struct virtio_device *dev, uint64_t bar0,
		     struct virtio_pci_host host)
{
	const struct virtio_device_ops *ops = dev->ops;
	uint8_t at;
	uint8_t *c;

	memset(vp, 0, sizeof(*vp));
	vp->dev = dev;
	vp->host = host;
	dev->transport = vp;
	dev->signal = signal_queue;
	dev->config_changed = signal_config;
	vp->fn.cfg_read = cfg_read;
	vp->fn.cfg_write = cfg_write;
	pci_config_init(&vp->cfg, PCI_VENDOR_VIRTIO,
			(uint16_t)(PCI_DEVICE_VIRTIO_BASE + ops->device_id), 0xff0000, 0);
	vp->cfg.data[0x06] = PCI_STATUS_CAP_LIST;
	vp->cfg.data[0x08] = 1; /* revision 1: a modern-only device */
	put16(vp->cfg.data + 0x2c, PCI_VENDOR_VIRTIO);
	put16(vp->cfg.data + 0x2e, (uint16_t)(0x40 + ops->device_id));
	vp->cfg.data[0x34] = CAP_START;
	/* BAR0: 64-bit memory; the writable bits size it. */
	put32(vp->cfg.data + 0x10, (uint32_t)bar0 | 0x4);
	put32(vp->cfg.data + 0x14, (uint32_t)(bar0 >> 32));
	put32(vp->cfg.wmask + 0x10, ~(uint32_t)(VPCI_BAR_SIZE - 1) & ~0xfu);
	put32(vp->cfg.wmask + 0x14, 0xffffffffu);

	at = add_cap(vp, CAP_START, VIRTIO_PCI_CAP_COMMON_CFG, VPCI_COMMON, COMMON_LEN, 16);
	at = add_cap(vp, at, VIRTIO_PCI_CAP_NOTIFY_CFG, VPCI_NOTIFY,
		     VPCI_NOTIFY_MULT * ops->nr_queues, 20);
	put32(vp->cfg.data + at - 4, VPCI_NOTIFY_MULT);
	at = add_cap(vp, at, VIRTIO_PCI_CAP_ISR_CFG, VPCI_ISR, 1, 16);
	at = add_cap(vp, at, VIRTIO_PCI_CAP_DEVICE_CFG, VPCI_DEVICE,
		     ops->config_size ? ops->config_size : 1, 16);
	vp->msix_cap = at;
	c = vp->cfg.data + at;
	c[0] = PCI_CAP_ID_MSIX;
	c[1] = 0;
	put32(c + 4, VPCI_MSIX_TABLE); /* BIR 0 */
	put32(c + 8, VPCI_MSIX_PBA);
	msix_init(&vp->msix, ops->nr_queues + 1, host.msix);
	vp->bar0 = bar0;
	device_reset(vp);
}
