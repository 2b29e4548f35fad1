/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_CMOS_H
#define CROSVM_DEVICES_CMOS_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "devices/bus.h"

/* MC146818 RTC + CMOS RAM at ports 0x70 (index) / 0x71 (data). */
struct cmos {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t ram[128];
	time_t (*now)(void); /* the host clock; tests substitute their own */
};

extern const struct bus_ops cmos_bus_ops;

/* mem_below_4g / mem_above_4g: RAM sizes in bytes, reported in the BIOS size bytes. */
void cmos_init(struct cmos *c, uint64_t mem_below_4g, uint64_t mem_above_4g);

#endif
