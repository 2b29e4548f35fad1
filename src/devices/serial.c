// SPDX-License-Identifier: BSD-3-Clause
#include "devices/serial.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

/* Register offsets and bits (the 8250 data sheet names). */
enum { REG_DATA, REG_IER, REG_IIR_FCR, REG_LCR, REG_MCR, REG_LSR, REG_MSR, REG_SCR };

#define IER_RDI	   0x01
#define IER_THRI   0x02
#define IER_MASK   0x0f
#define IIR_NONE   0x01
#define IIR_THRI   0x02
#define IIR_RDI	   0x04
#define IIR_FIFO   0xc0
#define FCR_ENABLE 0x01
#define FCR_CLR_RX 0x02
#define LCR_DLAB   0x80
#define MCR_LOOP   0x10
#define MCR_MASK   0x1f
#define LSR_DR	   0x01
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define MSR_CTS	   0x10
#define MSR_DSR	   0x20
#define MSR_RI	   0x40
#define MSR_DCD	   0x80

void serial_init(struct serial *s, const char *name, struct irq_line irq, enum serial_out_kind kind,
		 int out_fd)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->name = name;
	s->irq = irq;
	s->out_kind = kind;
	s->out_fd = out_fd;
	s->dll = 12; /* 9600 baud, as a BIOS would leave it */
	s->lcr = 0x03;
	s->mcr = 0x08;
}

static uint8_t iir_locked(const struct serial *s)
{
	uint8_t iir = IIR_NONE;

	if ((s->ier & IER_RDI) && s->rx_count)
		iir = IIR_RDI;
	else if ((s->ier & IER_THRI) && s->thri_pending)
		iir = IIR_THRI;
	return iir | (s->fifo_enabled ? IIR_FIFO : 0);
}

/*
 * The line is high while an interrupt is pending. A new event while it is
 * already high is delivered as a fresh edge, since ISA IRQs are edge-triggered.
 */
static void update_irq(struct serial *s, bool new_event)
{
	bool pending = !(iir_locked(s) & IIR_NONE);

	if (pending && (new_event || !s->irq_level)) {
		if (s->irq_level)
			irq_line_set(&s->irq, false);
		irq_line_set(&s->irq, true);
		s->irq_level = true;
	} else if (!pending && s->irq_level) {
		irq_line_set(&s->irq, false);
		s->irq_level = false;
	}
}

static void rx_push(struct serial *s, uint8_t b)
{
	if (s->rx_count == SERIAL_FIFO_SIZE)
		return; /* overrun: the byte is lost, as on real hardware */
	s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = b;
	s->rx_count++;
}

static void emit(struct serial *s, uint8_t b)
{
	switch (s->out_kind) {
	case SERIAL_OUT_SINK:
		break;
	case SERIAL_OUT_FD:
		while (write(s->out_fd, &b, 1) < 0 && errno == EINTR)
			;
		break;
	case SERIAL_OUT_SYSLOG:
	case SERIAL_OUT_DATAGRAM:
		if (b == '\n' || s->line_len == sizeof(s->line) - 1) {
			s->line[s->line_len] = '\0';
			if (s->out_kind == SERIAL_OUT_SYSLOG)
				syslog(LOG_INFO, "%s: %s", s->name, s->line);
			/*
			 * As crosvm's: a full reader holds the guest back (as a full
			 * stdout does); one that is gone loses the line.
			 */
			else
				(void)send(s->out_fd, s->line, s->line_len, MSG_NOSIGNAL);
			s->line_len = 0;
		}
		if (b != '\n' && b != '\r')
			s->line[s->line_len++] = (char)b;
		break;
	}
}

static uint8_t read_reg(struct serial *s, uint64_t reg)
{
	uint8_t v;
	bool was_full;

	switch (reg) {
	case REG_DATA:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		if (!s->rx_count)
			return 0;
		was_full = s->rx_count == SERIAL_FIFO_SIZE;
		v = s->rx[s->rx_head];
		s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
		s->rx_count--;
		update_irq(s, false);
		if (was_full && s->rx_space)
			s->rx_space(s->rx_space_opaque);
		return v;
	case REG_IER:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case REG_IIR_FCR:
		v = iir_locked(s);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if ((v & 0x0f) == IIR_THRI) {
			s->thri_pending = false;
			update_irq(s, false);
		}
		return v;
	case REG_LCR:
		return s->lcr;
	case REG_MCR:
		return s->mcr;
	case REG_LSR:
		/* Output is sent at once, so the transmitter is always empty. */
		return LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
	case REG_MSR:
		if (s->mcr & MCR_LOOP) {
			return (uint8_t)(((s->mcr & 0x01) ? MSR_DSR : 0) |
					 ((s->mcr & 0x02) ? MSR_CTS : 0) |
					 ((s->mcr & 0x04) ? MSR_RI : 0) |
					 ((s->mcr & 0x08) ? MSR_DCD : 0));
		}
		return MSR_DCD | MSR_DSR | MSR_CTS;
	default:
		return s->scr;
	}
}

static void write_reg(struct serial *s, uint64_t reg, uint8_t v)
{
	switch (reg) {
	case REG_DATA:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			return;
		}
		if (s->mcr & MCR_LOOP)
			rx_push(s, v);
		else
			emit(s, v);
		s->thri_pending = true;
		update_irq(s, true);
		return;
	case REG_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			return;
		}
		/* Enabling THRI while the THR is empty raises it at once. */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thri_pending = true;
		s->ier = v & IER_MASK;
		update_irq(s, false);
		return;
	case REG_IIR_FCR:
		s->fifo_enabled = v & FCR_ENABLE;
		if (v & FCR_CLR_RX) {
			s->rx_count = 0;
			s->rx_head = 0;
			if (s->rx_space)
				s->rx_space(s->rx_space_opaque);
		}
		update_irq(s, false);
		return;
	case REG_LCR:
		s->lcr = v;
		return;
	case REG_MCR:
		s->mcr = v & MCR_MASK;
		return;
	case REG_LSR:
	case REG_MSR:
		return; /* read-only (factory test writes are ignored) */
	default:
		s->scr = v;
		return;
	}
}

static void serial_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < len; i++)
		data[i] = read_reg(s, (offset + i) & 7);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < len; i++)
		write_reg(s, (offset + i) & 7, data[i]);
	pthread_mutex_unlock(&s->lock);
}

const struct bus_ops serial_bus_ops = {serial_read, serial_write};

size_t serial_input(struct serial *s, const uint8_t *buf, size_t n)
{
	size_t taken = 0;

	pthread_mutex_lock(&s->lock);
	while (taken < n && s->rx_count < SERIAL_FIFO_SIZE)
		rx_push(s, buf[taken++]);
	if (taken)
		update_irq(s, true);
	pthread_mutex_unlock(&s->lock);
	return taken;
}

size_t serial_rx_room(struct serial *s)
{
	size_t room;

	pthread_mutex_lock(&s->lock);
	room = SERIAL_FIFO_SIZE - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return room;
}
