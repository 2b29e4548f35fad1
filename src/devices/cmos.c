// SPDX-License-Identifier: BSD-3-Clause
#include "devices/cmos.h"

#include <string.h>

enum {
	RTC_SECONDS = 0x00,
	RTC_MINUTES = 0x02,
	RTC_HOURS = 0x04,
	RTC_WEEKDAY = 0x06,
	RTC_DAY = 0x07,
	RTC_MONTH = 0x08,
	RTC_YEAR = 0x09,
	RTC_REG_A = 0x0a,
	RTC_REG_B = 0x0b,
	RTC_REG_C = 0x0c,
	RTC_REG_D = 0x0d,
	RTC_CENTURY = 0x32,
};

#define REG_B_24H    0x02
#define REG_B_BINARY 0x04
#define REG_D_VRT    0x80

static time_t host_now(void)
{
	return time(NULL);
}

void cmos_init(struct cmos *c, uint64_t mem_below_4g, uint64_t mem_above_4g)
{
	uint64_t ext_kib, above16m, above4g;

	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->now = host_now;
	c->ram[RTC_REG_A] = 0x26; /* 32.768 kHz base, 1024 Hz periodic rate */
	c->ram[RTC_REG_B] = REG_B_24H;
	c->ram[RTC_REG_D] = REG_D_VRT;

	/* Base memory: 640 KiB. */
	c->ram[0x15] = 640 & 0xff;
	c->ram[0x16] = 640 >> 8;
	/* Extended memory above 1 MiB in KiB, saturating at 0xffff. */
	ext_kib = mem_below_4g > (1 << 20) ? (mem_below_4g - (1 << 20)) >> 10 : 0;
	if (ext_kib > 0xffff)
		ext_kib = 0xffff;
	c->ram[0x17] = c->ram[0x30] = (uint8_t)ext_kib;
	c->ram[0x18] = c->ram[0x31] = (uint8_t)(ext_kib >> 8);
	/* Memory above 16 MiB (below 4 GiB) in 64 KiB units. */
	above16m = mem_below_4g > (16 << 20) ? (mem_below_4g - (16 << 20)) >> 16 : 0;
	if (above16m > 0xffff)
		above16m = 0xffff;
	c->ram[0x34] = (uint8_t)above16m;
	c->ram[0x35] = (uint8_t)(above16m >> 8);
	/* Memory above 4 GiB in 64 KiB units, three bytes. */
	above4g = mem_above_4g >> 16;
	if (above4g > 0xffffff)
		above4g = 0xffffff;
	c->ram[0x5b] = (uint8_t)above4g;
	c->ram[0x5c] = (uint8_t)(above4g >> 8);
	c->ram[0x5d] = (uint8_t)(above4g >> 16);
}

static uint8_t to_reg(const struct cmos *c, unsigned v)
{
	if (c->ram[RTC_REG_B] & REG_B_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t read_time(const struct cmos *c, uint8_t idx)
{
	time_t t = c->now();
	struct tm tm;
	unsigned hour;

	gmtime_r(&t, &tm);
	switch (idx) {
	case RTC_SECONDS:
		return to_reg(c, (unsigned)tm.tm_sec);
	case RTC_MINUTES:
		return to_reg(c, (unsigned)tm.tm_min);
	case RTC_HOURS:
		if (c->ram[RTC_REG_B] & REG_B_24H)
			return to_reg(c, (unsigned)tm.tm_hour);
		/* 12-hour mode: 12, 1..11 with bit 7 set for PM. */
		hour = (unsigned)tm.tm_hour % 12;
		return (uint8_t)(to_reg(c, hour ? hour : 12) | (tm.tm_hour >= 12 ? 0x80 : 0));
	case RTC_WEEKDAY:
		return to_reg(c, (unsigned)tm.tm_wday + 1);
	case RTC_DAY:
		return to_reg(c, (unsigned)tm.tm_mday);
	case RTC_MONTH:
		return to_reg(c, (unsigned)tm.tm_mon + 1);
	case RTC_YEAR:
		return to_reg(c, (unsigned)(tm.tm_year + 1900) % 100);
	default: /* RTC_CENTURY */
		return to_reg(c, (unsigned)(tm.tm_year + 1900) / 100);
	}
}

static uint8_t read_data(struct cmos *c)
{
	uint8_t idx = c->index;

	switch (idx) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_WEEKDAY:
	case RTC_DAY:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
		return read_time(c, idx);
	case RTC_REG_A:
		return c->ram[idx] & 0x7f; /* never "update in progress" */
	case RTC_REG_C: {
		uint8_t v = c->ram[idx];

		c->ram[idx] = 0; /* reading acknowledges the flags */
		return v;
	}
	default:
		return c->ram[idx];
	}
}

static void write_data(struct cmos *c, uint8_t v)
{
	switch (c->index) {
	case RTC_REG_C:
	case RTC_REG_D:
		return; /* read-only */
	case RTC_REG_A:
		c->ram[RTC_REG_A] = (uint8_t)((c->ram[RTC_REG_A] & 0x80) | (v & 0x7f));
		return;
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_WEEKDAY:
	case RTC_DAY:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
		return; /* the clock follows the host's; setting it is not supported */
	default:
		c->ram[c->index] = v;
	}
}

static void cmos_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct cmos *c = opaque;

	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 0; i < len; i++)
		data[i] = (offset + i) == 0 ? c->index : read_data(c);
	pthread_mutex_unlock(&c->lock);
}

static void cmos_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct cmos *c = opaque;

	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 0; i < len; i++) {
		if (offset + i == 0)
			c->index = data[i] & 0x7f; /* bit 7 is the NMI mask */
		else
			write_data(c, data[i]);
	}
	pthread_mutex_unlock(&c->lock);
}

const struct bus_ops cmos_bus_ops = {cmos_read, cmos_write};
