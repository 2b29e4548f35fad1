// SPDX-License-Identifier: BSD-3-Clause
#define _GNU_SOURCE
#include "memory/guest_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int gm_create(struct guest_memory *gm, const struct gm_layout *layout)
{
	uint64_t total = 0, off = 0;
	int fd, i;

	memset(gm, 0, sizeof(*gm));
	gm->fd = -1;
	if (layout->nr < 1 || layout->nr > GM_MAX_REGIONS)
		return -EINVAL;
	for (i = 0; i < layout->nr; i++) {
		if (layout->size[i] == 0 || total + layout->size[i] < total)
			return -EINVAL;
		total += layout->size[i];
	}
	fd = memfd_create("crosvm-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)total) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	/* Device processes map this fd too: it must never shrink under them. */
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
	gm->base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (gm->base == MAP_FAILED) {
		int e = -errno;

		close(fd);
		gm->base = NULL;
		return e;
	}
	madvise(gm->base, total, MADV_MERGEABLE);
	gm->fd = fd;
	gm->total = total;
	gm->nr_regions = layout->nr;
	for (i = 0; i < layout->nr; i++) {
		gm->regions[i] = (struct gm_region){
			.gpa = layout->gpa[i],
			.size = layout->size[i],
			.fd_offset = off,
			.host = gm->base + off,
		};
		off += layout->size[i];
	}
	return 0;
}

void gm_destroy(struct guest_memory *gm)
{
	if (gm->base)
		munmap(gm->base, gm->total);
	if (gm->fd >= 0)
		close(gm->fd);
	memset(gm, 0, sizeof(*gm));
	gm->fd = -1;
}

static const struct gm_region *find_region(const struct guest_memory *gm, uint64_t gpa)
{
	for (int i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

void *gm_ptr(const struct guest_memory *gm, uint64_t gpa, uint64_t len)
{
	const struct gm_region *r = find_region(gm, gpa);
	uint64_t off;

	if (!r)
		return NULL;
	off = gpa - r->gpa;
	/* Written so that no sum can overflow: off < size holds here. */
	if (len > r->size - off)
		return NULL;
	return r->host + off;
}

uint64_t gm_region_end(const struct guest_memory *gm, uint64_t gpa)
{
	const struct gm_region *r = find_region(gm, gpa);

	return r ? r->gpa + r->size : 0;
}

int gm_discard(const struct guest_memory *gm, uint64_t gpa, uint64_t len)
{
	const struct gm_region *r = find_region(gm, gpa);
	uint64_t off;

	if (!r || len > r->size - (gpa - r->gpa))
		return -EFAULT;
	if (gm->fd < 0)
		return -EOPNOTSUPP;
	off = r->fd_offset + (gpa - r->gpa);
	/*
	 * Guest RAM is a MAP_SHARED memfd: MADV_DONTNEED would only drop this
	 * process's page-table entries and leave the pages in the memfd's page
	 * cache, still allocated and still mapped by KVM and device processes.
	 * Punching a hole frees them from the file and unmaps them from every
	 * mapping (KVM's included, through its MMU notifier). KEEP_SIZE because
	 * the memfd's size is sealed.
	 */
	if (fallocate(gm->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len))
		return -errno;
	return 0;
}

int gm_read(const struct guest_memory *gm, uint64_t gpa, void *buf, uint64_t len)
{
	const void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

int gm_write(const struct guest_memory *gm, uint64_t gpa, const void *buf, uint64_t len)
{
	void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}
