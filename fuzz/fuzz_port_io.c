// SPDX-License-Identifier: BSD-3-Clause
/*
 * The legacy port-I/O devices as a guest sees them: UARTs at 0x3f8 (output
 * discarded) and 0x2f8 (line-buffered "syslog" output, captured here), the RTC
 * at 0x70, the i8042 at 0x60, ACPI PM at 0x600 and the PCI root at 0xcf8, on one
 * struct bus as the x86 board (src/arch/x86_64/board.c) registers them. The
 * input is a sequence of records:
 *
 *   op (1 byte): bits 0-1 size (1, 2, 4; 3 = host input to a UART instead),
 *     bit 2 write, bits 3-7 which device
 *   offset (1 byte): port = base - 2 + offset % (len + 4), so accesses just
 *     outside a range and straddling its ends happen too
 *   value (size bytes, writes only) / for host input: a count and the bytes
 *
 * The first 4 bytes set the RTC's clock. Invariants: the IRQ lines only see
 * edges (never "raise" while high), reads of an unclaimed port see all ones.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/acpi_pm.h"
#include "devices/bus.h"
#include "devices/cmos.h"
#include "devices/i8042.h"
#include "devices/pci/pci_root.h"
#include "devices/serial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct dev_port {
	uint64_t base, len;
};

static const struct dev_port ports[] = {
	{0x3f8, 8}, {0x2f8, 8}, {0x70, 2}, {0x60, 5}, {0x600, ACPI_PM_LEN}, {0xcf8, 8},
};
#define NPORTS (sizeof(ports) / sizeof(ports[0]))

static bool irq_high[3]; /* COM1 (4), COM2 (3), the SCI (9) */
static unsigned exits;
static time_t clock_now;

/* serial.c's syslog output: one bounded, terminated line per call. */
static void check_line(const char *fmt, va_list ap)
{
	const char *name, *line;

	if (strcmp(fmt, "%s: %s"))
		abort();
	name = va_arg(ap, const char *);
	line = va_arg(ap, const char *);
	if (!name || strnlen(line, 256) >= 256)
		abort();
}

void syslog(int pri, const char *fmt, ...);
void __syslog_chk(int pri, int flag, const char *fmt, ...);

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_line(fmt, ap);
	va_end(ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_line(fmt, ap);
	va_end(ap);
}

static void irq_set(void *opaque, unsigned gsi, bool level)
{
	bool *high = &irq_high[gsi == 3 ? 1 : gsi == ACPI_SCI_IRQ ? 2 : 0];

	if (level && *high)
		abort(); /* a raise without a lower in between is no edge */
	*high = level;
}

static void exit_req(void *opaque, enum vm_exit_reason reason)
{
	if (reason != VM_EXIT_RESET && reason != VM_EXIT_POWEROFF)
		abort();
	exits++;
}

static time_t fuzz_now(void)
{
	return clock_now;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct serial com1, com2;
	static struct cmos rtc;
	static struct i8042 kbd;
	static struct acpi_pm pm;
	static struct pci_root pci;
	struct exit_notifier ex = {exit_req, NULL};
	struct bus bus;
	size_t i = 0;
	uint32_t t = 0;

	bus_init(&bus);

	memset(irq_high, 0, sizeof(irq_high));
	exits = 0;
	serial_init(&com1, "ttyS0", (struct irq_line){irq_set, NULL, 4}, SERIAL_OUT_SINK, -1);
	serial_init(&com2, "ttyS1", (struct irq_line){irq_set, NULL, 3}, SERIAL_OUT_SYSLOG, -1);
	cmos_init(&rtc, 3ull << 30, 1ull << 30);
	i8042_init(&kbd, ex);
	acpi_pm_init(&pm, ex, (struct irq_line){irq_set, NULL, ACPI_SCI_IRQ});
	pci_root_init(&pci, ex);
	if (bus_add(&bus, 0x3f8, 8, "com1", &serial_bus_ops, &com1) ||
	    bus_add(&bus, 0x2f8, 8, "com2", &serial_bus_ops, &com2) ||
	    bus_add(&bus, 0x70, 2, "cmos", &cmos_bus_ops, &rtc) ||
	    bus_add(&bus, 0x60, 5, "i8042", &i8042_bus_ops, &kbd) ||
	    bus_add(&bus, ACPI_PM_BASE, ACPI_PM_LEN, "acpi-pm", &acpi_pm_bus_ops, &pm) ||
	    bus_add(&bus, 0xcf8, 8, "pci-root", &pci_root_bus_ops, &pci))
		abort();

	/* The RTC reads this clock: any time from 1970 to 2106. */
	if (size >= 4) {
		memcpy(&t, data, 4);
		i = 4;
	}
	clock_now = (time_t)t;
	rtc.now = fuzz_now;

	while (i + 2 <= size) {
		uint8_t op = data[i], sel = data[i + 1];
		const struct dev_port *dp = &ports[(op >> 3) % NPORTS];
		uint64_t port = dp->base - 2 + sel % (dp->len + 4);
		uint32_t len = op & 3;
		uint8_t buf[4];

		i += 2;
		if (len == 3) { /* host input on one of the UARTs */
			size_t n = i < size ? data[i++] % 80 : 0;

			if (n > size - i)
				n = size - i;
			serial_input(op & 4 ? &com2 : &com1, data + i, n);
			i += n;
			continue;
		}
		len = 1u << len;
		if (op & 4) {
			if (i + len > size)
				break;
			memcpy(buf, data + i, len);
			i += len;
			bus_write(&bus, port, buf, len);
		} else {
			memset(buf, 0xa5, sizeof(buf));
			if (!bus_read(&bus, port, buf, len)) {
				for (uint32_t k = 0; k < len; k++)
					if (buf[k] != 0xff)
						abort();
			}
		}
	}
	pthread_mutex_destroy(&com1.lock);
	pthread_mutex_destroy(&com2.lock);
	pthread_mutex_destroy(&rtc.lock);
	pthread_mutex_destroy(&kbd.lock);
	pthread_mutex_destroy(&pm.lock);
	pthread_mutex_destroy(&pci.lock);
	return 0;
}
