// SPDX-License-Identifier: BSD-3-Clause
/*
 * The virtio-pci transport with a real device behind it, as a hostile guest
 * reaches it: configuration mechanism #1 at 0xcf8 (the function sits in slot 1
 * of a PCI root on a port bus, as the VM plugs it) and BAR0 accesses of any size
 * and offset, either address-decoded (virtio_pci_mmio, as a vCPU's MMIO exit)
 * or at a BAR offset (as the device-process proxy forwards them). Guest memory
 * and rings come from the test-side guest driver. No KVM: MSI-X messages and
 * BAR moves land in callbacks here, and a kick runs queue_notify as the
 * worker thread would.
 *
 * Input: a flags byte (bit 0: virtio-blk on a memfd disk instead of
 * virtio-rng, bit 1: that disk read-only), then records. A record's first
 * byte is op: bits 0-3 the kind (modulo NKINDS), bits 4-7 flags for it.
 *
 *   CFG_READ/CFG_WRITE  reg (1), value (4): a config-space access of 1, 2 or
 *     4 bytes (flags bits 1-2) at reg of the function; flags bit 0 instead
 *     accesses port 0xcf8 + reg % 8 raw (the address register, too)
 *   BAR_READ/BAR_WRITE  region (1), offset (1), len (1), value (8): at
 *     region base (common, ISR, device, notify, MSI-X table, PBA, unused,
 *     end of BAR; region bit 3 takes 256 off) + offset, len % 16 bytes;
 *     flags bit 0 goes through the address decoder at the programmed BAR
 *   QUEUE_SETUP  size (1): the driver lays out rings for queue flags bit 0 and
 *     programs them; flags bit 1 leaves the queue disabled
 *   ADD_CHAIN  n (1), per buffer len (2) and writable (1), readable bytes
 *     (up to 32 per buffer): a chain on the driver's queue; flags bit 0
 *     makes it indirect
 *   KICK  flags bit 0: a write to the notify area, else the worker's path
 *   POKE  gpa (3), value (8): the guest writes its own memory
 *   BRING_UP  features (8): reset, ACKNOWLEDGE|DRIVER, the features (flags
 *     bit 0: exactly what the device offers), FEATURES_OK; flags bit 1 also
 *     enables MSI-X with every vector programmed and unmasked; flags bit 2
 *     only sets DRIVER_OK
 *
 * After every record the transport's state must hold together: read-only
 * config bytes unchanged, BAR decoding as configured, features a subset of
 * the offer (with VERSION_1 once FEATURES_OK), vectors valid, an enabled
 * queue's rings inside guest memory, a pending MSI-X vector masked, and the
 * driver's queue giving back only heads it published with lengths within
 * their writable bytes. Reads never write past their length, ISR reads show
 * exactly whether an interrupt was raised, and MSI-X only fires unmasked.
 */
#define _GNU_SOURCE
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/bus.h"
#include "devices/virtio/blk.h"
#include "disk/raw.h"
#include "devices/virtio/pci.h"
#include "devices/virtio/rng.h"
#include "fuzz_input.h"
#include "virtio_driver.h"

#define MEM	      (256u << 10)
#define DISK_SIZE     (64u << 10)
#define BAR0	      0xc0000000ull
#define SLOT	      1
#define MAX_RECORDS   256
#define OFF(f)	      offsetof(struct virtio_pci_common_cfg, f)
#define COMMON_LEN    sizeof(struct virtio_pci_common_cfg)
#define STATUS_OFF    OFF(device_status)
#define MAX_QSIZE_DRV 256

enum kind {
	CFG_READ,
	CFG_WRITE,
	BAR_READ,
	BAR_WRITE,
	QUEUE_SETUP,
	ADD_CHAIN,
	KICK,
	POKE,
	BRING_UP,
	NKINDS
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vdrv drv;
static struct virtio_device dev;
static struct virtio_pci vp;
static struct pci_root root;
static struct bus pio;
static struct pci_config cfg0; /* config space right after init */
static void (*pci_signal)(struct virtio_device *d, unsigned q);
static bool isr_expect; /* an interrupt was raised since the last ISR read or reset */
static uint64_t last_bar;
static bool last_en;
static unsigned fired[MSIX_MAX_VECTORS];

/* The driver's own queue, checked while the device still uses its rings. */
static struct {
	bool live;
	unsigned q;
	struct vdrv_queue dq;
	uint16_t next_desc; /* descriptors are never reused: heads stay unique */
	bool outstanding[MAX_QSIZE_DRV];
	uint32_t writable[MAX_QSIZE_DRV];
	unsigned published, used;
} drvq;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (vdrv_init(&drv, MEM))
		abort();
	return 0;
}

static bool masked(const struct msix *m, unsigned v)
{
	return m->func_masked || (m->table[v][3] & 1);
}

static void route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	if (v >= vp.msix.nr)
		abort();
}

static void fire(void *opaque, unsigned v)
{
	if (v >= vp.msix.nr || !vp.msix.enabled || masked(&vp.msix, v))
		abort(); /* a message while disabled or masked */
	fired[v]++;
}

static void bar_changed(void *opaque, uint64_t bar, bool en)
{
	if ((bar & (VPCI_BAR_SIZE - 1)) || (bar == last_bar && en == last_en))
		abort(); /* a BAR the size does not allow, or a call for no change */
	last_bar = bar;
	last_en = en;
}

/* The transport's signal: the interrupt must show in ISR, and as a message or pending bit. */
static void signal_checked(struct virtio_device *d, unsigned q)
{
	uint16_t v = q < VIRTIO_MAX_QUEUES ? vp.queue_vector[q] : VIRTIO_MSI_NO_VECTOR;
	bool on = v != VIRTIO_MSI_NO_VECTOR && vp.msix.enabled;
	unsigned before = on ? fired[v] : 0;

	pci_signal(d, q);
	isr_expect = true;
	if (!(vp.isr & 1))
		abort();
	if (on && (masked(&vp.msix, v) ? !(vp.msix.pending & (1ull << v)) : fired[v] != before + 1))
		abort();
}

static uint64_t offered(void)
{
	return dev.ops->features | (1ull << VIRTIO_F_VERSION_1);
}

static bool in_mem(uint64_t gpa, uint64_t len)
{
	return gpa < MEM && len <= MEM - gpa;
}

static void check_reset_state(void)
{
	if (vp.status || dev.acked_features || dev.driver_ok || vp.isr ||
	    vp.msix_config != VIRTIO_MSI_NO_VECTOR)
		abort();
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		if (dev.queues[q].ready || dev.queues[q].size != dev.ops->queue_max ||
		    vp.queue_vector[q] != VIRTIO_MSI_NO_VECTOR)
			abort();
}

static void check_state(void)
{
	unsigned ctrl = vp.msix_cap + 2u;
	uint32_t lo, hi;

	for (unsigned i = 0; i < sizeof(cfg0.data); i++) {
		if (i == ctrl || i == ctrl + 1)
			continue; /* MSI-X Message Control: the transport keeps it current */
		if (vp.cfg.wmask[i] != cfg0.wmask[i] ||
		    (vp.cfg.data[i] & ~cfg0.wmask[i]) != (cfg0.data[i] & ~cfg0.wmask[i]))
			abort();
	}
	/* BAR0 decodes exactly where config space says. */
	memcpy(&lo, vp.cfg.data + 0x10, 4);
	memcpy(&hi, vp.cfg.data + 0x14, 4);
	if (vp.bar0 != (((uint64_t)hi << 32) | (lo & ~0xfu)) ||
	    vp.mem_enabled != !!(vp.cfg.data[0x04] & 0x02))
		abort();

	if (dev.acked_features & ~offered())
		abort();
	if ((vp.status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(dev.acked_features & (1ull << VIRTIO_F_VERSION_1)))
		abort();
	if (dev.driver_ok != !!(vp.status & VIRTIO_CONFIG_S_DRIVER_OK))
		abort();
	if (vp.isr & ~1u)
		abort(); /* no configuration changes here: only the queue bit */
	if (vp.msix.nr != dev.ops->nr_queues + 1 ||
	    (vp.msix_config != VIRTIO_MSI_NO_VECTOR && vp.msix_config >= vp.msix.nr))
		abort();
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		const struct virtq *vq = &dev.queues[q];
		uint64_t n = vq->size;

		if (vp.queue_vector[q] != VIRTIO_MSI_NO_VECTOR && vp.queue_vector[q] >= vp.msix.nr)
			abort();
		if (!vq->ready)
			continue;
		if (q >= dev.ops->nr_queues || n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1)) ||
		    !in_mem(vq->desc_addr, 16 * n) || !in_mem(vq->avail_addr, 6 + 2 * n) ||
		    !in_mem(vq->used_addr, 6 + 8 * n) || (vq->desc_addr & 15) ||
		    (vq->avail_addr & 1) || (vq->used_addr & 3))
			abort();
	}
	/* A pending vector that could be delivered should have been. */
	if (vp.msix.pending >> vp.msix.nr)
		abort();
	for (unsigned v = 0; v < vp.msix.nr; v++)
		if ((vp.msix.pending & (1ull << v)) && vp.msix.enabled && !masked(&vp.msix, v))
			abort();
}

/* Collects what the device gave back on the driver's queue, while it is still the driver's. */
static void check_used(void)
{
	const struct virtq *vq = &dev.queues[drvq.q];
	uint32_t id, len;

	if (!drvq.live)
		return;
	if (!vq->ready || vq->size != drvq.dq.size || vq->desc_addr != drvq.dq.desc ||
	    vq->avail_addr != drvq.dq.avail || vq->used_addr != drvq.dq.used) {
		drvq.live = false; /* reset or reprogrammed: no longer the driver's layout */
		return;
	}
	while (vdrv_get_used(&drv, &drvq.dq, &id, &len)) {
		if (id >= drvq.dq.size || !drvq.outstanding[id] || len > drvq.writable[id])
			abort(); /* a head never published, returned twice, or overfilled */
		drvq.outstanding[id] = false;
		if (++drvq.used > drvq.published)
			abort();
	}
}

/* A config-space access through the PCI root's ports, as a guest's CPU makes it. */
static void cfg_access(unsigned reg, unsigned len, bool write, uint32_t val, bool raw)
{
	uint32_t addr = 0x80000000u | (SLOT << 11) | (reg & 0xfc);
	uint64_t port = raw ? 0xcf8 + reg % 8 : 0xcfc + (reg & 3);
	uint8_t buf[4];

	if (!raw && !bus_write(&pio, 0xcf8, (uint8_t *)&addr, 4))
		abort();
	memcpy(buf, &val, 4);
	if (write)
		bus_write(&pio, port, buf, len);
	else if (!bus_read(&pio, port, buf, len))
		for (unsigned i = 0; i < len; i++)
			if (buf[i] != 0xff)
				abort();
}

/* A BAR0 access at off (mmio: through the decoder at the programmed BAR address). */
static void bar_access(uint64_t off, uint32_t len, bool write, const uint8_t *val, bool mmio)
{
	uint8_t buf[16];
	uint64_t addr = vp.bar0 + off;
	bool claims = vp.mem_enabled && addr >= vp.bar0 && addr - vp.bar0 < VPCI_BAR_SIZE;
	bool isr = isr_expect, accepted = len >= 1 && len <= 8;

	if (len > sizeof(buf))
		abort();
	memset(buf, 0xa5, sizeof(buf));
	if (write)
		memcpy(buf, val, len);
	if (mmio) {
		if (virtio_pci_mmio(&vp, addr, buf, len, write) != claims)
			abort();
		if (!claims)
			return;
	} else if (write) {
		virtio_pci_bar_write(&vp, off, buf, len);
	} else {
		virtio_pci_bar_read(&vp, off, buf, len);
	}
	if (!write) {
		for (unsigned i = len; i < sizeof(buf); i++)
			if (buf[i] != 0xa5)
				abort(); /* written past the access */
		for (unsigned i = 0; !accepted && i < len; i++)
			if (buf[i])
				abort(); /* an access no register takes reads as zero */
		if (off == VPCI_ISR && accepted) {
			if (buf[0] != isr || vp.isr)
				abort(); /* ISR shows the interrupt, and reading acknowledges it */
			for (unsigned i = 1; i < len; i++)
				if (buf[i])
					abort();
			isr_expect = false;
		}
		if (dev.ops->device_id == 2 && off == VPCI_DEVICE + 0 && len == 8) {
			uint64_t cap;

			memcpy(&cap, buf, 8);
			if (cap != DISK_SIZE / 512)
				abort();
		}
		return;
	}
	/* A zero written to device_status resets the device (fields after it may then be set). */
	if (accepted && off < COMMON_LEN && len <= COMMON_LEN - off && off <= STATUS_OFF &&
	    off + len > STATUS_OFF && buf[STATUS_OFF - off] == 0) {
		if (off + len <= STATUS_OFF + 2)
			check_reset_state();
		isr_expect = false;
	}
}

static void wr(uint64_t off, uint64_t v, uint32_t len)
{
	bar_access(off, len, true, (uint8_t *)&v, false);
}

static uint64_t rd(uint64_t off, uint32_t len)
{
	uint8_t b[8];
	uint64_t v = 0;

	virtio_pci_bar_read(&vp, off, b, len);
	memcpy(&v, b, len);
	return v;
}

static void queue_setup(struct input *in, uint8_t flags)
{
	uint8_t s = take8(in);
	uint16_t size = (uint16_t)(1u << (s % 9)); /* 1 to 256 */
	unsigned q = flags & 1;
	bool was_ready = q < dev.ops->nr_queues && dev.queues[q].ready;

	/* Rings and buffers come from the heap: start over once it runs low. */
	if (drv.heap + 16u * size + 6 + 2u * size + 6 + 8u * size + 64 > MEM / 2)
		drv.heap = 0x1000;
	drvq.live = false;
	wr(OFF(queue_select), q, 2);
	vdrv_queue_init(&drv, &drvq.dq, size, NULL);
	wr(OFF(queue_size), size, 2);
	wr(OFF(queue_desc_lo), drvq.dq.desc, 8);
	wr(OFF(queue_avail_lo), drvq.dq.avail, 8);
	wr(OFF(queue_used_lo), drvq.dq.used, 8);
	if (flags & 2)
		return;
	wr(OFF(queue_enable), 1, 2);
	/*
	 * Only a queue enabled just now is the driver's: an enabled one kept its rings and
	 * indices, even if the new layout happens to land at the same addresses.
	 */
	if (!was_ready && q < dev.ops->nr_queues && dev.queues[q].ready) {
		drvq.live = true;
		drvq.q = q;
		drvq.next_desc = 0;
		drvq.published = drvq.used = 0;
		memset(drvq.outstanding, 0, sizeof(drvq.outstanding));
	}
}

static void add_chain(struct input *in, uint8_t flags)
{
	struct vdrv_buf b[4];
	unsigned n = take8(in) % 4 + 1, need = (flags & 1) ? 1 : n;
	uint64_t bytes = 16 * n + 64;
	uint32_t w = 0;
	uint16_t head;

	for (unsigned i = 0; i < n; i++) {
		uint16_t l;

		take(in, &l, 2);
		b[i] = (struct vdrv_buf){0, l % 4097u, take8(in) & 1};
		bytes += b[i].len + 8;
		if (b[i].writable)
			w += b[i].len;
	}
	if (!drvq.live || drvq.next_desc + need > drvq.dq.size || drv.heap + bytes > MEM)
		return; /* the driver would wait for buffers to come back */
	head = (flags & 1) ? vdrv_add_indirect(&drv, &drvq.dq, b, n)
			   : vdrv_add_chain(&drv, &drvq.dq, b, n);
	drvq.next_desc = (uint16_t)(drvq.next_desc + need);
	for (unsigned i = 0; i < n; i++) {
		uint32_t k = b[i].len < 32 ? b[i].len : 32;

		if (!b[i].writable)
			take(in, vdrv_ptr(&drv, vdrv_last_buf(i), k), k);
	}
	drvq.outstanding[head] = true;
	drvq.writable[head] = w;
	drvq.published++;
	vdrv_make_available(&drv, &drvq.dq, head);
}

static void kick(uint8_t flags)
{
	unsigned q = (flags >> 1) & 1;

	if (flags & 1) {
		wr(VPCI_NOTIFY + VPCI_NOTIFY_MULT * q, q, 2);
		return;
	}
	if (q >= dev.ops->nr_queues)
		return;
	/* What the worker thread does when the queue's ioeventfd fires. */
	pthread_mutex_lock(&dev.lock);
	if (dev.driver_ok && dev.queues[q].ready)
		dev.ops->queue_notify(&dev, q);
	pthread_mutex_unlock(&dev.lock);
}

static void bring_up(struct input *in, uint8_t flags)
{
	uint64_t f;
	uint32_t ctrl = 0x8000;

	take(in, &f, 8);
	if (flags & 4) {
		wr(OFF(device_status), rd(OFF(device_status), 1) | VIRTIO_CONFIG_S_DRIVER_OK, 1);
		return;
	}
	if (flags & 1)
		f = offered();
	wr(OFF(device_status), 0, 1);
	wr(OFF(device_status), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
	wr(OFF(guest_feature_select), 0, 4);
	wr(OFF(guest_feature), (uint32_t)f, 4);
	wr(OFF(guest_feature_select), 1, 4);
	wr(OFF(guest_feature), (uint32_t)(f >> 32), 4);
	wr(OFF(device_status), rd(OFF(device_status), 1) | VIRTIO_CONFIG_S_FEATURES_OK, 1);
	if (!(flags & 2))
		return;
	cfg_access(vp.msix_cap + 2u, 2, true, ctrl, false);
	for (unsigned v = 0; v < vp.msix.nr; v++) {
		wr(VPCI_MSIX_TABLE + 16 * v, 0xfee00000, 4);
		wr(VPCI_MSIX_TABLE + 16 * v + 4, 0, 4);
		wr(VPCI_MSIX_TABLE + 16 * v + 8, 0x30 + v, 4);
		wr(VPCI_MSIX_TABLE + 16 * v + 12, 0, 4);
	}
	wr(OFF(msix_config), 0, 2);
	for (unsigned q = 0; q < dev.ops->nr_queues; q++) {
		wr(OFF(queue_select), q, 2);
		wr(OFF(queue_msix_vector), q + 1, 2);
	}
}

static void record(struct input *in)
{
	static const uint64_t region[8] = {
		VPCI_COMMON,	 VPCI_ISR,	VPCI_DEVICE, VPCI_NOTIFY,
		VPCI_MSIX_TABLE, VPCI_MSIX_PBA, 0x6000,	     VPCI_BAR_SIZE - 0x80,
	};
	uint8_t op = take8(in), flags = op >> 4;
	uint8_t r, o, l, val[16] = {0}; /* a write of more than 8 bytes: zeroes after the value */
	uint32_t v32;

	switch ((op & 15) % NKINDS) {
	case CFG_READ:
	case CFG_WRITE:
		r = take8(in);
		take(in, &v32, 4);
		cfg_access(r, 1u << ((flags >> 1) % 3), (op & 15) % NKINDS == CFG_WRITE, v32,
			   flags & 1);
		break;
	case BAR_READ:
	case BAR_WRITE:
		r = take8(in);
		o = take8(in);
		l = take8(in);
		take(in, val, 8);
		bar_access(region[r & 7] + o - ((r & 8) ? 256 : 0), l % 16u,
			   (op & 15) % NKINDS == BAR_WRITE, val, flags & 1);
		break;
	case QUEUE_SETUP:
		queue_setup(in, flags);
		break;
	case ADD_CHAIN:
		add_chain(in, flags);
		break;
	case KICK:
		kick(flags);
		break;
	case POKE: {
		uint32_t gpa = 0;

		take(in, &gpa, 3);
		take(in, val, 8);
		memcpy(vdrv_ptr(&drv, gpa % (MEM - 8), 8), val, 8);
		drvq.live = false; /* the driver may have scribbled on its own rings */
		break;
	}
	case BRING_UP:
		bring_up(in, flags);
		break;
	}
}

static void no_exit(void *opaque, enum vm_exit_reason reason)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct virtio_pci_host host = {.bar_changed = bar_changed, .msix = {route, fire, NULL}};
	uint8_t flags = take8(&in);
	int disk_fd = -1;
	struct blk_disk disk = {.size = DISK_SIZE, .read_only = flags & 2, .sparse = true};

	memset(drv.mem.base, 0, MEM);
	drv.heap = 0x1000;
	memset(&drvq, 0, sizeof(drvq));
	memset(fired, 0, sizeof(fired));
	isr_expect = false;
	if (flags & 1) {
		int fd = memfd_create("fuzz-disk", MFD_CLOEXEC);

		if (fd < 0 || ftruncate(fd, DISK_SIZE) || (disk_fd = dup(fd)) < 0 ||
		    raw_image_open(fd, true, &disk.image) ||
		    virtio_blk_create(&dev, &drv.mem, &disk))
			abort();
	} else if (virtio_rng_create(&dev, &drv.mem, NULL)) {
		abort();
	}
	virtio_pci_init(&vp, &dev, BAR0, host);
	last_bar = BAR0;
	last_en = false;
	pci_signal = dev.signal;
	dev.signal = signal_checked;
	cfg0 = vp.cfg;
	check_reset_state();
	pci_root_init(&root, (struct exit_notifier){no_exit, NULL});
	bus_init(&pio);
	if (pci_root_add(&root, SLOT, &vp.fn) ||
	    bus_add(&pio, 0xcf8, 8, "pci-root", &pci_root_bus_ops, &root))
		abort();

	for (unsigned i = 0; i < MAX_RECORDS && in.left; i++) {
		record(&in);
		check_state();
		check_used();
	}
	if (disk_fd >= 0 && (lseek(disk_fd, 0, SEEK_END) != DISK_SIZE || close(disk_fd)))
		abort(); /* the disk keeps its size */
	pthread_mutex_destroy(&root.lock);
	pthread_mutex_destroy(&dev.lock);
	virtio_device_destroy(&dev);
	return 0;
}
