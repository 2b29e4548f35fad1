/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_MEMORY_GUEST_MEMORY_H
#define CROSVM_MEMORY_GUEST_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Guest RAM: one memfd, mapped as up to a few regions of guest-physical space.
 * This is the only API that turns a guest address into a host pointer, and it
 * bounds-checks every access (rule 1 of DESIGN.md).
 */
#define GM_MAX_REGIONS 4

struct gm_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t fd_offset;
	uint8_t *host;
};

struct guest_memory {
	int fd; /* memfd backing all regions, -1 for anonymous test memory */
	uint8_t *base;
	uint64_t total;
	int nr_regions;
	struct gm_region regions[GM_MAX_REGIONS];
};

struct gm_layout {
	int nr;
	uint64_t gpa[GM_MAX_REGIONS];
	uint64_t size[GM_MAX_REGIONS];
};

/* Creates a memfd-backed guest memory for the layout; returns 0 or -errno. */
int gm_create(struct guest_memory *gm, const struct gm_layout *layout);
void gm_destroy(struct guest_memory *gm);

/* Host pointer for [gpa, gpa+len) if it lies wholly in one region, else NULL. */
void *gm_ptr(const struct guest_memory *gm, uint64_t gpa, uint64_t len);
/* Copy in/out; return 0 or -EFAULT when any byte is outside guest memory. */
int gm_read(const struct guest_memory *gm, uint64_t gpa, void *buf, uint64_t len);
int gm_write(const struct guest_memory *gm, uint64_t gpa, const void *buf, uint64_t len);

/* End (exclusive) of the region that contains gpa, or 0 if gpa is not RAM. */
uint64_t gm_region_end(const struct guest_memory *gm, uint64_t gpa);

/*
 * Returns the host memory behind [gpa, gpa+len) to the host (the balloon):
 * afterwards the range reads as zeroes in every mapping of the memfd and its
 * pages are allocated again on the next touch. The range must lie wholly in
 * one region and should be page-aligned (a partial page is zeroed, not freed).
 * Returns 0, -EFAULT when it is not guest RAM, or -errno from the kernel.
 */
int gm_discard(const struct guest_memory *gm, uint64_t gpa, uint64_t len);

#endif
