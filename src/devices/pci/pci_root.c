// SPDX-License-Identifier: BSD-3-Clause
#include "devices/pci/pci_root.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "util/macros.h"

#define PCI_VENDOR_GOOGLE     0x1ae0
#define PCI_DEVICE_HOSTBRIDGE 0x0001
#define PCI_CLASS_HOST_BRIDGE 0x060000

#define CFG_ADDR_ENABLE 0x80000000u
#define RESET_CTL_RESET 0x04

void pci_config_init(struct pci_config *cfg, uint16_t vendor, uint16_t device, uint32_t class_code,
		     uint8_t header_type)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->data[0x00] = (uint8_t)vendor;
	cfg->data[0x01] = (uint8_t)(vendor >> 8);
	cfg->data[0x02] = (uint8_t)device;
	cfg->data[0x03] = (uint8_t)(device >> 8);
	cfg->data[0x09] = (uint8_t)class_code;
	cfg->data[0x0a] = (uint8_t)(class_code >> 8);
	cfg->data[0x0b] = (uint8_t)(class_code >> 16);
	cfg->data[0x0e] = header_type;
	/* Command register (I/O, memory, bus master, INTx disable), latency, interrupt line. */
	cfg->wmask[0x04] = 0x07;
	cfg->wmask[0x05] = 0x04;
	cfg->wmask[0x0d] = 0xff;
	cfg->wmask[0x3c] = 0xff;
}

void pci_config_read(const struct pci_config *cfg, unsigned offset, uint8_t *data, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		data[i] = offset + i < sizeof(cfg->data) ? cfg->data[offset + i] : 0xff;
}

void pci_config_write(struct pci_config *cfg, unsigned offset, const uint8_t *data, unsigned len)
{
	for (unsigned i = 0; i < len && offset + i < sizeof(cfg->data); i++) {
		unsigned o = offset + i;

		cfg->data[o] =
			(uint8_t)((cfg->data[o] & ~cfg->wmask[o]) | (data[i] & cfg->wmask[o]));
	}
}

static void host_bridge_read(struct pci_function *fn, unsigned offset, uint8_t *data, unsigned len)
{
	struct pci_root *root = container_of(fn, struct pci_root, host_bridge);

	pci_config_read(&root->host_bridge_cfg, offset, data, len);
}

static void host_bridge_write(struct pci_function *fn, unsigned offset, const uint8_t *data,
			      unsigned len)
{
	struct pci_root *root = container_of(fn, struct pci_root, host_bridge);

	pci_config_write(&root->host_bridge_cfg, offset, data, len);
}

void pci_root_init(struct pci_root *root, struct exit_notifier exit)
{
	memset(root, 0, sizeof(*root));
	pthread_mutex_init(&root->lock, NULL);
	root->exit = exit;
	pci_config_init(&root->host_bridge_cfg, PCI_VENDOR_GOOGLE, PCI_DEVICE_HOSTBRIDGE,
			PCI_CLASS_HOST_BRIDGE, 0);
	root->host_bridge.cfg_read = host_bridge_read;
	root->host_bridge.cfg_write = host_bridge_write;
	root->slots[0] = &root->host_bridge;
}

int pci_root_add(struct pci_root *root, unsigned slot, struct pci_function *fn)
{
	if (slot >= PCI_ROOT_SLOTS || root->slots[slot])
		return -1;
	root->slots[slot] = fn;
	return 0;
}

/* The function the address register selects, or NULL (bus != 0, fn != 0, disabled, empty). */
static struct pci_function *selected(struct pci_root *root, unsigned *reg)
{
	uint32_t a = root->address;
	unsigned slot = (a >> 11) & 0x1f;

	if (!(a & CFG_ADDR_ENABLE))
		return NULL;
	if (((a >> 16) & 0xff) != 0) {
		root->other_bus++;
		return NULL;
	}
	if (((a >> 8) & 7) != 0) {
		root->other_function++;
		return NULL;
	}
	*reg = a & 0xfc;
	if (!root->slots[slot])
		root->empty_slot++;
	else
		root->hits[slot]++;
	return root->slots[slot];
}

void pci_root_log_stats(struct pci_root *root)
{
	char line[512] = "";
	size_t at = 0;

	pthread_mutex_lock(&root->lock);
	for (unsigned s = 0; s < PCI_ROOT_SLOTS && at < sizeof(line); s++)
		if (root->hits[s])
			at += (size_t)snprintf(line + at, sizeof(line) - at, " slot %u: %llu,", s,
					       (unsigned long long)root->hits[s]);
	log_debug("PCI config accesses:%s absent (bus 0 empty slot %llu, function 1-7 %llu, "
		  "other buses %llu)",
		  line, (unsigned long long)root->empty_slot,
		  (unsigned long long)root->other_function, (unsigned long long)root->other_bus);
	pthread_mutex_unlock(&root->lock);
}

static void pci_root_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct pci_root *root = opaque;
	struct pci_function *fn;
	unsigned reg;

	pthread_mutex_lock(&root->lock);
	if (offset == 0 && len == 4) {
		memcpy(data, &root->address, 4);
	} else if (offset == 1 && len == 1) {
		data[0] = root->reset_ctl;
	} else if (offset >= 4) {
		fn = selected(root, &reg);
		if (fn)
			fn->cfg_read(fn, reg + (unsigned)(offset - 4), data, len);
		else
			memset(data, 0xff, len);
	} else {
		memset(data, 0xff, len);
	}
	pthread_mutex_unlock(&root->lock);
}

static void pci_root_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct pci_root *root = opaque;
	struct pci_function *fn;
	unsigned reg;

	pthread_mutex_lock(&root->lock);
	if (offset == 0 && len == 4) {
		memcpy(&root->address, data, 4);
		root->address &= 0x80fffffcu;
	} else if (offset == 1 && len == 1) {
		/* Reset control register: bit 2 going high resets the system. */
		if ((data[0] & RESET_CTL_RESET) && !(root->reset_ctl & RESET_CTL_RESET))
			exit_request(&root->exit, VM_EXIT_RESET);
		root->reset_ctl = data[0] & 0x0e;
	} else if (offset >= 4) {
		fn = selected(root, &reg);
		if (fn)
			fn->cfg_write(fn, reg + (unsigned)(offset - 4), data, len);
	}
	pthread_mutex_unlock(&root->lock);
}

const struct bus_ops pci_root_bus_ops = {pci_root_read, pci_root_write};
