// SPDX-License-Identifier: BSD-3-Clause
#include "devices/pci/msix.h"

#include <string.h>

#define CTRL_ENABLE  0x8000
#define CTRL_MASKALL 0x4000
#define ENTRY_MASKED 0x1

void msix_init(struct msix *m, unsigned nr, struct msix_sink sink)
{
	memset(m, 0, sizeof(*m));
	m->nr = nr > MSIX_MAX_VECTORS ? MSIX_MAX_VECTORS : nr;
	m->sink = sink;
	for (unsigned v = 0; v < m->nr; v++)
		m->table[v][3] = ENTRY_MASKED; /* every vector starts masked */
}

static bool masked(const struct msix *m, unsigned v)
{
	return m->func_masked || (m->table[v][3] & ENTRY_MASKED);
}

static void deliver_pending(struct msix *m)
{
	for (unsigned v = 0; v < m->nr; v++) {
		if ((m->pending & (1ull << v)) && m->enabled && !masked(m, v)) {
			m->pending &= ~(1ull << v);
			m->sink.fire(m->sink.opaque, v);
		}
	}
}

uint16_t msix_control(const struct msix *m)
{
	return (uint16_t)((m->nr - 1) | (m->enabled ? CTRL_ENABLE : 0) |
			  (m->func_masked ? CTRL_MASKALL : 0));
}

void msix_write_control(struct msix *m, uint16_t ctrl)
{
	m->enabled = ctrl & CTRL_ENABLE;
	m->func_masked = ctrl & CTRL_MASKALL;
	deliver_pending(m);
}

void msix_table_read(const struct msix *m, uint64_t off, uint8_t *data, uint32_t len)
{
	const uint8_t *t = (const uint8_t *)m->table;
	uint64_t size = (uint64_t)m->nr * MSIX_ENTRY_SIZE;

	for (uint32_t i = 0; i < len; i++)
		data[i] = off + i < size ? t[off + i] : 0;
}

void msix_table_write(struct msix *m, uint64_t off, const uint8_t *data, uint32_t len)
{
	uint64_t size = (uint64_t)m->nr * MSIX_ENTRY_SIZE;
	unsigned v;
	bool was_masked;

	if (off >= size || len > size - off || (len != 4 && len != 8) || (off & (len - 1)))
		return; /* the spec allows only aligned dword and qword accesses */
	v = (unsigned)(off / MSIX_ENTRY_SIZE);
	was_masked = m->table[v][3] & ENTRY_MASKED;
	memcpy((uint8_t *)m->table + off, data, len);
	m->table[v][3] &= ENTRY_MASKED; /* other control bits are reserved */
	if ((off % MSIX_ENTRY_SIZE) < 12)
		m->sink.route(m->sink.opaque, v, (uint64_t)m->table[v][1] << 32 | m->table[v][0],
			      m->table[v][2]);
	if (was_masked && !(m->table[v][3] & ENTRY_MASKED))
		deliver_pending(m);
}

void msix_pba_read(const struct msix *m, uint64_t off, uint8_t *data, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		data[i] = off + i < 8 ? (uint8_t)(m->pending >> (8 * (off + i))) : 0;
}

bool msix_notify(struct msix *m, unsigned v)
{
	if (!m->enabled || v >= m->nr)
		return false;
	if (masked(m, v))
		m->pending |= 1ull << v;
	else
		m->sink.fire(m->sink.opaque, v);
	return true;
}
