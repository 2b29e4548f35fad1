// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-balloon (device id 5): inflated pages go back to the host, deflated
 * ones simply reappear (zero-filled) on their next touch, and the guest's
 * memory statistics are kept for the control socket. Every page frame number
 * and every statistics entry comes from the guest and is checked before use.
 */
#define _GNU_SOURCE
#include "devices/virtio/balloon.h"

#include "util/log.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_balloon.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define Q_INFLATE 0
#define Q_DEFLATE 1
#define Q_STATS	  2

#define PFN_BATCH 256 /* PFNs read from a chain at a time (Linux sends up to 256 per chain) */
/*
 * More PFNs in one chain than any driver sends (64 times Linux's 256): the
 * rest are skipped rather than let one chain keep the device thread busy.
 */
#define MAX_PFNS_PER_CHAIN 16384u
#define MAX_STATS	   64 /* entries parsed from one report; the rest are ignored */

struct balloon {
	struct virtio_balloon_config cfg; /* little-endian, as the driver reads it */
	struct virtq_chain chain;
	pthread_cond_t stats_cond; /* signalled when a report arrives */
	bool stats_held;	   /* the driver's stats buffer is with the device */
	bool stats_asked;	   /* returned to the driver, its report not back yet */
	uint16_t stats_head;
	uint64_t stats_wanted; /* the report count that answers the last request */
	struct balloon_stats stats;
	uint64_t bad_chains; /* inflate chains with skipped PFNs, to log rarely */
};

static void balloon_config_read(struct virtio_device *d, uint32_t off, uint8_t *data, uint32_t len)
{
	struct balloon *b = d->priv;

	/* The transport keeps off + len within config_size. */
	memcpy(data, (const uint8_t *)&b->cfg + off, len);
}

/* Only `actual` is the driver's to write; the rest of the config is the device's. */
static void balloon_config_write(struct virtio_device *d, uint32_t off, const uint8_t *data,
				 uint32_t len)
{
	struct balloon *b = d->priv;
	const uint32_t lo = offsetof(struct virtio_balloon_config, actual);
	const uint32_t hi = lo + sizeof(b->cfg.actual);
	uint32_t from = off > lo ? off : lo, to = off + len < hi ? off + len : hi;

	if (from < to)
		memcpy((uint8_t *)&b->cfg + from, data + (from - off), to - from);
}

/* Gives a run of consecutive guest pages back to the host. */
static void free_run(struct virtio_device *d, struct balloon *b, uint64_t gpa, uint64_t len)
{
	if (!len)
		return;
	if (gm_discard(d->mem, gpa, len) == 0)
		b->stats.freed_pages += len / BALLOON_PAGE_SIZE;
	else
		b->stats.bad_pfns += len / BALLOON_PAGE_SIZE;
}

/*
 * The chain's readable bytes are le32 PFNs (a trailing partial one is
 * ignored). Consecutive PFNs within one RAM region are freed with one call;
 * a PFN that is not wholly guest RAM is skipped.
 */
static void inflate(struct virtio_device *d, struct balloon *b, const struct virtq *q)
{
	uint64_t n = b->chain.readable / sizeof(uint32_t), bad = b->stats.bad_pfns;
	uint64_t run_gpa = 0, run_len = 0, run_end = 0;
	uint32_t pfns[PFN_BATCH];

	if (n > MAX_PFNS_PER_CHAIN) {
		b->stats.bad_pfns += n - MAX_PFNS_PER_CHAIN;
		n = MAX_PFNS_PER_CHAIN;
	}
	for (uint64_t i = 0; i < n; i += PFN_BATCH) {
		uint64_t k = n - i < PFN_BATCH ? n - i : PFN_BATCH;

		if (virtq_chain_read(q, &b->chain, i * sizeof(uint32_t), pfns,
				     k * sizeof(uint32_t)) != k * sizeof(uint32_t)) {
			b->stats.bad_pfns += n - i; /* cannot happen: the chain was checked */
			break;
		}
		for (uint64_t j = 0; j < k; j++) {
			/* A 32-bit PFN shifted by 12 cannot overflow 64 bits. */
			uint64_t gpa = (uint64_t)le32toh(pfns[j]) << VIRTIO_BALLOON_PFN_SHIFT;

			if (run_len && gpa == run_gpa + run_len &&
			    run_end - gpa >= BALLOON_PAGE_SIZE) {
				run_len += BALLOON_PAGE_SIZE;
				continue;
			}
			free_run(d, b, run_gpa, run_len);
			run_len = 0;
			if (!gm_ptr(d->mem, gpa, BALLOON_PAGE_SIZE)) {
				b->stats.bad_pfns++;
				continue;
			}
			run_gpa = gpa;
			run_len = BALLOON_PAGE_SIZE;
			run_end = gm_region_end(d->mem, gpa);
		}
	}
	free_run(d, b, run_gpa, run_len);
	if (b->stats.bad_pfns == bad)
		return;
	/* A misbehaving guest could flood the log: report the 1st, 2nd, 4th, 8th... time. */
	b->bad_chains++;
	if (!(b->bad_chains & (b->bad_chains - 1)))
		log_warn("virtio-balloon: inflate skipped %llu page frames not in guest RAM "
			 "(%llu so far)",
			 (unsigned long long)(b->stats.bad_pfns - bad),
			 (unsigned long long)b->stats.bad_pfns);
}

/* Parses a report from the chain's readable bytes; it replaces the previous one. */
static void parse_stats(struct balloon *b, const struct virtq *q)
{
	struct virtio_balloon_stat e[MAX_STATS];
	uint64_t n = virtq_chain_read(q, &b->chain, 0, e, sizeof(e)) / sizeof(e[0]);
	struct balloon_stats *s = &b->stats;
	uint64_t *field[VIRTIO_BALLOON_S_NR] = {
		[VIRTIO_BALLOON_S_SWAP_IN] = &s->swap_in,
		[VIRTIO_BALLOON_S_SWAP_OUT] = &s->swap_out,
		[VIRTIO_BALLOON_S_MAJFLT] = &s->major_faults,
		[VIRTIO_BALLOON_S_MINFLT] = &s->minor_faults,
		[VIRTIO_BALLOON_S_MEMFREE] = &s->free_memory,
		[VIRTIO_BALLOON_S_MEMTOT] = &s->total_memory,
		[VIRTIO_BALLOON_S_AVAIL] = &s->available_memory,
		[VIRTIO_BALLOON_S_CACHES] = &s->disk_caches,
		[VIRTIO_BALLOON_S_HTLB_PGALLOC] = &s->hugetlb_allocations,
		[VIRTIO_BALLOON_S_HTLB_PGFAIL] = &s->hugetlb_failures,
	};

	s->valid = 0;
	for (unsigned t = 0; t < VIRTIO_BALLOON_S_NR; t++)
		*field[t] = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint16_t tag = le16toh(e[i].tag);

		/* Tags newer than our header (Linux 6.12 has more) are skipped. */
		if (tag >= VIRTIO_BALLOON_S_NR)
			continue;
		*field[tag] = le64toh(e[i].val);
		s->valid |= 1u << tag;
	}
	s->reports++;
}

static void balloon_notify(struct virtio_device *d, unsigned qi)
{
	struct balloon *b = d->priv;
	struct virtq *q = &d->queues[qi];
	int r;

	while ((r = virtq_pop(q, &b->chain)) != VIRTQ_EMPTY) {
		if (r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING)
			break; /* nothing can be returned: wait for a reset */
		if (r != VIRTQ_OK) {
			virtio_queue_done(d, qi, b->chain.head, 0);
			continue;
		}
		if (qi == Q_INFLATE) {
			inflate(d, b, q);
		} else if (qi == Q_STATS) {
			/* The driver keeps one buffer here; an extra one goes back unused. */
			if (b->stats_held)
				virtio_queue_done(d, qi, b->stats_head, 0);
			b->stats_held = true;
			b->stats_asked = false;
			b->stats_head = b->chain.head;
			parse_stats(b, q);
			pthread_cond_broadcast(&b->stats_cond);
			continue; /* kept until the host wants the next report */
		}
		/* Deflate needs no work: a freed page comes back zero-filled when touched. */
		virtio_queue_done(d, qi, b->chain.head, 0);
	}
}

static void balloon_reset(struct virtio_device *d)
{
	struct balloon *b = d->priv;

	/* The buffer is the old driver's; the next driver posts its own. */
	b->stats_held = false;
	b->stats_asked = false;
	/* A new driver starts with an empty balloon; the host's target stands. */
	b->cfg.actual = 0;
}

static void balloon_destroy(struct virtio_device *d)
{
	struct balloon *b = d->priv;

	if (!b)
		return;
	pthread_cond_destroy(&b->stats_cond);
	free(b);
}

static int balloon_control(struct virtio_device *d, const void *req, uint32_t len, void *reply,
			   uint32_t *reply_len);

const struct virtio_device_ops virtio_balloon_ops = {
	.name = "virtio-balloon",
	.policy = "balloon_device",
	.device_id = VIRTIO_ID_BALLOON,
	.features = (1ull << VIRTIO_BALLOON_F_MUST_TELL_HOST) |
		    (1ull << VIRTIO_BALLOON_F_STATS_VQ) |
		    (1ull << VIRTIO_BALLOON_F_DEFLATE_ON_OOM) |
		    (1ull << VIRTIO_RING_F_INDIRECT_DESC) | (1ull << VIRTIO_RING_F_EVENT_IDX),
	.nr_queues = 3,
	.queue_max = 256,
	.config_size = sizeof(struct virtio_balloon_config),
	.config_read = balloon_config_read,
	.config_write = balloon_config_write,
	.queue_notify = balloon_notify,
	.reset = balloon_reset,
	.destroy = balloon_destroy,
	.control = balloon_control,
};

int virtio_balloon_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg)
{
	struct balloon *b;
	pthread_condattr_t attr;
	int r;

	virtio_device_init(d, &virtio_balloon_ops, mem);
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	/* Waits are timed on the monotonic clock: a wall-clock step must not stretch them. */
	r = pthread_condattr_init(&attr);
	if (!r) {
		r = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		if (!r)
			r = pthread_cond_init(&b->stats_cond, &attr);
		pthread_condattr_destroy(&attr);
	}
	if (r) {
		free(b);
		return -r;
	}
	b->stats_wanted = 1; /* the driver posts a first report when it comes up */
	d->priv = b;
	return 0;
}

int virtio_balloon_set_target(struct virtio_device *d, uint64_t bytes)
{
	struct balloon *b = d->priv;
	uint64_t pages = bytes / BALLOON_PAGE_SIZE;

	/* num_pages is 32 bits: 16 TiB, far above any RAM size we map. */
	if (bytes > d->mem->total || pages > UINT32_MAX)
		return -ERANGE;
	pthread_mutex_lock(&d->lock);
	if (le32toh(b->cfg.num_pages) != pages) {
		b->cfg.num_pages = htole32((uint32_t)pages);
		if (d->config_changed)
			d->config_changed(d);
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int virtio_balloon_request_stats(struct virtio_device *d)
{
	struct balloon *b = d->priv;
	int r = 0;

	pthread_mutex_lock(&d->lock);
	if (b->stats_held) {
		/* Returning the buffer is the request: the driver refills and reposts it. */
		b->stats_held = false;
		b->stats_asked = true;
		b->stats_wanted = b->stats.reports + 1;
		virtio_queue_done(d, Q_STATS, b->stats_head, 0);
	} else if (!b->stats_asked) {
		r = -EAGAIN; /* no buffer, and no report on its way */
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

int virtio_balloon_get_stats(struct virtio_device *d, struct balloon_stats *out, int timeout_ms)
{
	struct balloon *b = d->priv;
	struct timespec until;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	if (timeout_ms > 0) {
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&d->lock);
	while (b->stats.reports < b->stats_wanted && r == 0) {
		if (timeout_ms <= 0)
			r = ETIMEDOUT;
		else
			r = pthread_cond_timedwait(&b->stats_cond, &d->lock, &until);
	}
	*out = b->stats;
	out->target_pages = le32toh(b->cfg.num_pages);
	out->actual_pages = le32toh(b->cfg.actual);
	r = b->stats.reports >= b->stats_wanted ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&d->lock);
	return r;
}

static int balloon_control(struct virtio_device *d, const void *req, uint32_t len, void *reply,
			   uint32_t *reply_len)
{
	struct balloon_control c;
	struct balloon_stats stats;
	int r;

	*reply_len = 0;
	if (len != sizeof(c))
		return -EINVAL;
	memcpy(&c, req, sizeof(c));
	switch (c.cmd) {
	case BALLOON_CONTROL_TARGET:
		return virtio_balloon_set_target(d, c.bytes);
	case BALLOON_CONTROL_STATS:
		r = virtio_balloon_request_stats(d);
		if (!r)
			r = virtio_balloon_get_stats(d, &stats, BALLOON_STATS_TIMEOUT_MS);
		if (r)
			return r;
		memcpy(reply, &stats, sizeof(stats));
		*reply_len = sizeof(stats);
		return 0;
	default:
		return -EINVAL;
	}
}
