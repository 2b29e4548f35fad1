// SPDX-License-Identifier: BSD-3-Clause
/*
 * qcow2 v2/v3 images: header parsing, L1/L2 lookup, cluster allocation with
 * always-consistent refcounts (qcow2_refcount.c; the dirty bit is never set), compressed reads,
 * zero clusters, and a read-only backing chain. Every value read from the file
 * is treated as hostile.
 */
#define _GNU_SOURCE
#include "disk/qcow2.h"
#include "disk/image.h"
#include "disk/qcow2_int.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/io.h"

static uint32_t be32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return be32toh(v);
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return be64toh(v);
}

bool qcow2_probe(int fd)
{
	uint8_t m[4];
	return pread(fd, m, 4, 0) == 4 && be32(m) == QCOW2_MAGIC;
}

uint64_t qcow2_size(const struct qcow2 *q)
{
	return q->size;
}

static bool aligned(const struct qcow2 *q, uint64_t off)
{
	return (off & (q->cluster_size - 1)) == 0;
}

/* A table of n bytes at off must be cluster aligned and inside [cluster 1, file end). */
static bool table_ok(const struct qcow2 *q, uint64_t off, uint64_t n, uint64_t file_size)
{
	return off && aligned(q, off) && n <= MAX_TABLE_BYTES && off < MAX_FILE_OFFSET &&
	       off + n <= file_size;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* ---- L2 cache ---- */

static int l2_get(struct qcow2 *q, uint64_t off, struct qcow2_slot **out)
{
	return qcow2_cache_get(q, q->l2, QCOW2_L2_CACHE, off, out);
}

/* The L2 entry of guest offset vo (0 if no table); slot/index for updates. */
static int lookup(struct qcow2 *q, uint64_t vo, uint64_t *entry, struct qcow2_slot **slot,
		  uint64_t *index)
{
	uint64_t l2_mask = (1ull << (q->cluster_bits - 3)) - 1;
	uint64_t l1i = vo >> (2 * q->cluster_bits - 3), l2o;
	int r;

	*entry = 0;
	*slot = NULL;
	*index = (vo >> q->cluster_bits) & l2_mask;
	if (l1i >= q->l1_size)
		return -EIO;
	l2o = q->l1[l1i] & L1E_OFFSET;
	if (!l2o)
		return 0;
	if (!aligned(q, l2o) || l2o >= MAX_FILE_OFFSET)
		return -EIO;
	r = l2_get(q, l2o, slot);
	if (r)
		return r;
	*entry = be64toh(((uint64_t *)(*slot)->data)[*index]);
	return 0;
}

/* ---- reading ---- */

/* Past the backing file's end (an image grown beyond it), zeros. */
static int backing_read(struct qcow2 *q, uint8_t *buf, size_t len, uint64_t off)
{
	uint64_t bsize = q->backing ? q->backing->size : q->backing_size;
	size_t n;

	if ((!q->backing && q->backing_fd < 0) || off >= bsize) {
		memset(buf, 0, len);
		return 0;
	}
	n = (size_t)(bsize - off < len ? bsize - off : len);
	memset(buf + n, 0, len - n);
	if (q->backing)
		return qcow2_read(q->backing, buf, n, off);
	return pread_full(q->backing_fd, buf, n, off);
}

static int read_compressed(struct qcow2 *q, uint64_t entry, uint8_t *out)
{
	uint32_t x = 62 - (q->cluster_bits - 8);
	uint64_t host = entry & ((1ull << x) - 1);
	uint64_t sectors = ((entry >> x) & ((1ull << (q->cluster_bits - 8)) - 1)) + 1;
	uint64_t csize = sectors * 512 - (host & 511);
	z_stream zs;
	int r;

	if (csize > q->cluster_size * 2)
		return -EIO;
	if (csize > q->cluster_size)
		csize = q->cluster_size; /* the deflate stream never needs more than a cluster */
	r = pread_full(q->fd, q->cbuf, csize, host);
	if (r)
		return r;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -12) != Z_OK)
		return -ENOMEM;
	zs.next_in = q->cbuf;
	zs.avail_in = (uInt)csize;
	zs.next_out = out;
	zs.avail_out = (uInt)q->cluster_size;
	r = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	/* A truncated stream that still filled the cluster is accepted, as qemu does. */
	if ((r != Z_STREAM_END && r != Z_BUF_ERROR) || zs.avail_out != 0)
		return -EIO;
	return 0;
}

/* Reads part of one guest cluster: [vo, vo + n) with n within the cluster. */
static int read_in_cluster(struct qcow2 *q, uint8_t *buf, size_t n, uint64_t vo)
{
	uint64_t entry, index, in = vo & (q->cluster_size - 1), host;
	struct qcow2_slot *slot;
	int r = lookup(q, vo, &entry, &slot, &index);

	if (r)
		return r;
	if (entry & OFLAG_COMPRESSED) {
		r = read_compressed(q, entry, q->dbuf);
		/* A copy-on-write reads the whole cluster into dbuf itself. */
		if (!r && buf != q->dbuf + in)
			memcpy(buf, q->dbuf + in, n);
		return r;
	}
	if (q->version >= 3 && (entry & OFLAG_ZERO)) {
		memset(buf, 0, n);
		return 0;
	}
	host = entry & L2E_OFFSET;
	if (!host)
		return backing_read(q, buf, n, vo);
	if (!aligned(q, host) || host >= MAX_FILE_OFFSET)
		return -EIO;
	return pread_full(q->fd, buf, n, host + in);
}

static int check_range(const struct qcow2 *q, uint64_t off, uint64_t len)
{
	return (off > q->size || len > q->size - off) ? -EINVAL : 0;
}

int qcow2_read(struct qcow2 *q, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	int r = check_range(q, off, len);

	while (!r && len) {
		uint64_t in = off & (q->cluster_size - 1);
		size_t n = (size_t)(q->cluster_size - in < len ? q->cluster_size - in : len);
		r = read_in_cluster(q, p, n, off);
		p += n;
		off += n;
		len -= n;
	}
	return r;
}

/* ---- writing ---- */

/* Points the L2 entry of vo at val, allocating the L2 table when missing. */
static int set_l2(struct qcow2 *q, uint64_t vo, uint64_t val)
{
	uint64_t l1i = vo >> (2 * q->cluster_bits - 3), entry, index, be;
	struct qcow2_slot *slot;
	int r = lookup(q, vo, &entry, &slot, &index);

	if (r)
		return r;
	if (!slot) {
		uint64_t t;
		uint8_t *z = calloc(1, q->cluster_size);
		if (!z)
			return -ENOMEM;
		r = qcow2_alloc_cluster(q, &t);
		if (!r)
			r = qcow2_meta_add(q, t, 1);
		if (!r)
			r = pwrite_full(q->fd, z, q->cluster_size, t);
		free(z);
		if (!r && fdatasync(q->fd) < 0)
			r = -errno;
		if (r)
			return r;
		q->l1[l1i] = t | OFLAG_COPIED;
		be = htobe64(q->l1[l1i]);
		r = pwrite_full(q->fd, &be, 8, q->l1_offset + l1i * 8);
		if (r)
			return r;
		/* A reused cluster may have been cached as something else: read it afresh. */
		qcow2_cache_forget(q->l2, QCOW2_L2_CACHE, t);
		r = l2_get(q, t, &slot);
		if (r)
			return r;
	}
	((uint64_t *)slot->data)[index] = htobe64(val);
	return pwrite_full(q->fd, (uint64_t *)slot->data + index, 8, slot->offset + index * 8);
}

/* Drops the host storage an L2 entry held (after the entry no longer points at it). */
static int release(struct qcow2 *q, uint64_t entry)
{
	if (entry & OFLAG_COMPRESSED) {
		uint32_t x = 62 - (q->cluster_bits - 8);
		uint64_t host = entry & ((1ull << x) - 1);
		uint64_t sectors = ((entry >> x) & ((1ull << (q->cluster_bits - 8)) - 1)) + 1;
		return qcow2_refcount_add(q, host & ~511ull, sectors * 512, -1);
	}
	if (entry & L2E_OFFSET)
		return qcow2_refcount_add(q, entry & L2E_OFFSET, q->cluster_size, -1);
	return 0;
}

/* Clusters of one write that got new storage, waiting for their L2 entries. */
#define WRITE_BATCH 128

struct pending {
	uint64_t vo, host, old; /* guest cluster, its new cluster, the entry it replaces */
};

/*
 * Writes part of one guest cluster: in place when the cluster is the image's
 * own, else into a new cluster (the old contents around the new bytes), noted
 * in *p for commit() to point the table at.
 */
static int write_in_cluster(struct qcow2 *q, const uint8_t *buf, size_t n, uint64_t vo,
			    struct pending *p, bool *queued)
{
	uint64_t entry, index, in = vo & (q->cluster_size - 1), host;
	struct qcow2_slot *slot;
	const uint8_t *data = buf;
	int r = lookup(q, vo, &entry, &slot, &index);

	*queued = false;
	if (r)
		return r;
	host = entry & L2E_OFFSET;
	if (!(entry & OFLAG_COMPRESSED) && host && (entry & OFLAG_COPIED) &&
	    !(q->version >= 3 && (entry & OFLAG_ZERO))) {
		/* A data cluster that is also a table: corrupt; never write over metadata. */
		if (!aligned(q, host) || host >= MAX_FILE_OFFSET || qcow2_is_meta(q, host))
			return -EIO;
		return pwrite_full(q->fd, buf, n, host + in);
	}
	/* Copy on write: the old contents (backing, compressed, zero) around the new bytes. */
	if (n < q->cluster_size) {
		r = read_in_cluster(q, q->dbuf, q->cluster_size, vo - in);
		if (r)
			return r;
		memcpy(q->dbuf + in, buf, n);
		data = q->dbuf;
	}
	r = qcow2_alloc_cluster(q, &host);
	if (!r)
		r = pwrite_full(q->fd, data, q->cluster_size, host);
	if (r)
		return r;
	*p = (struct pending){vo - in, host, entry};
	*queued = true;
	return 0;
}

/*
 * Points the tables at a batch of new clusters: their data and refcounts
 * reach the disk before any table points at them, and the new entries before
 * an old cluster can be counted free. Two syncs per batch, not per cluster.
 */
static int commit(struct qcow2 *q, const struct pending *p, unsigned n)
{
	bool release_any = false;
	int r = 0;

	if (n && fdatasync(q->fd) < 0)
		return -errno;
	for (unsigned i = 0; !r && i < n; i++) {
		r = set_l2(q, p[i].vo, p[i].host | OFLAG_COPIED);
		release_any |= (p[i].old & (L2E_OFFSET | OFLAG_COMPRESSED)) != 0;
	}
	if (r || !release_any)
		return r;
	if (fdatasync(q->fd) < 0)
		return -errno;
	for (unsigned i = 0; !r && i < n; i++)
		r = release(q, p[i].old);
	return r;
}

int qcow2_write(struct qcow2 *q, const void *buf, size_t len, uint64_t off)
{
	struct pending batch[WRITE_BATCH];
	const uint8_t *p = buf;
	unsigned nb = 0;
	int r = q->writable ? check_range(q, off, len) : -EROFS;

	while (!r && len) {
		uint64_t in = off & (q->cluster_size - 1);
		size_t n = (size_t)(q->cluster_size - in < len ? q->cluster_size - in : len);
		bool queued;

		r = write_in_cluster(q, p, n, off, &batch[nb], &queued);
		nb += queued;
		if (!r && nb == WRITE_BATCH) {
			r = commit(q, batch, nb);
			nb = 0;
		}
		p += n;
		off += n;
		len -= n;
	}
	/* What was written before an error still gets its table entries. */
	if (nb) {
		int c = commit(q, batch, nb);

		r = r ? r : c;
	}
	return r;
}

/* Zeroes the bytes of a partial cluster through the ordinary write path. */
static int zero_bytes(struct qcow2 *q, uint64_t off, uint64_t len)
{
	uint8_t *z = calloc(1, q->cluster_size);
	int r;
	if (!z)
		return -ENOMEM;
	r = qcow2_write(q, z, (size_t)len, off);
	free(z);
	return r;
}

static int zero_cluster(struct qcow2 *q, uint64_t vo)
{
	uint64_t entry, index;
	struct qcow2_slot *slot;
	int r = lookup(q, vo, &entry, &slot, &index);

	if (r)
		return r;
	if (q->version >= 3) {
		if (!slot && !q->backing && q->backing_fd < 0)
			return 0; /* no table, no backing: already reads as zeros */
		r = set_l2(q, vo, OFLAG_ZERO);
	} else if (!q->backing && q->backing_fd < 0) {
		if (!slot || !entry)
			return 0;
		r = set_l2(q, vo, 0);
	} else {
		/* v2 over a backing file has no zero clusters: store zeros. */
		return zero_bytes(q, vo, q->cluster_size);
	}
	if (r)
		return r;
	if (fdatasync(q->fd) < 0)
		return -errno;
	/* The table no longer points at the old cluster, so freeing it is safe. */
	return release(q, entry);
}

int qcow2_write_zeroes(struct qcow2 *q, uint64_t off, uint64_t len)
{
	int r = q->writable ? check_range(q, off, len) : -EROFS;

	while (!r && len) {
		uint64_t in = off & (q->cluster_size - 1);
		uint64_t n = q->cluster_size - in < len ? q->cluster_size - in : len;
		/* The virtual size may end inside a cluster: its tail is whole too. */
		bool whole = !in && (n == q->cluster_size || off + n == q->size);
		r = whole ? zero_cluster(q, off) : zero_bytes(q, off, n);
		off += n;
		len -= n;
	}
	return r;
}

/* Discarded ranges read back as zeros, the contract virtio-blk gives the guest. */
int qcow2_discard(struct qcow2 *q, uint64_t off, uint64_t len)
{
	return qcow2_write_zeroes(q, off, len);
}

int qcow2_flush(struct qcow2 *q)
{
	if (q->writable && fdatasync(q->fd) < 0)
		return -errno;
	return 0;
}

/* ---- opening ---- */

void qcow2_close(struct qcow2 *q)
{
	size_t i;
	if (!q)
		return;
	if (q->backing)
		qcow2_close(q->backing);
	if (q->backing_fd >= 0)
		close(q->backing_fd);
	for (i = 0; i < QCOW2_L2_CACHE; i++)
		free(q->l2[i].data);
	for (i = 0; i < QCOW2_RB_CACHE; i++)
		free(q->rb[i].data);
	free(q->meta);
	free(q->l1);
	free(q->rt);
	free(q->cbuf);
	free(q->dbuf);
	if (q->fd >= 0)
		close(q->fd);
	free(q);
}

struct chain {
	int depth;
	dev_t dev[QCOW2_MAX_BACKING + 1];
	ino_t ino[QCOW2_MAX_BACKING + 1];
};

static int open_chain(int fd, const char *path, bool writable, struct chain *ch, struct qcow2 **out,
		      char *err, size_t errlen);

#define BAD(...)                                    \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		goto fail;                          \
	} while (0)

/* Opens the backing file named in the header, resolved against path's directory. */
static int open_backing(struct qcow2 *q, const char *path, const char *name, const char *fmt,
			struct chain *ch, char *err, size_t errlen)
{
	char full[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	int fd, i;

	if (name[0] == '/') {
		snprintf(full, sizeof(full), "%s", name);
	} else {
		snprintf(dir, sizeof(dir), "%s", path);
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", dirname(dir), name) >=
		    sizeof(full)) {
			snprintf(err, errlen, "backing file name too long");
			return -1;
		}
	}
	if (ch->depth >= QCOW2_MAX_BACKING) {
		snprintf(err, errlen, "backing chain deeper than %d", QCOW2_MAX_BACKING);
		return -1;
	}
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "backing file '%s': %s", full, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		snprintf(err, errlen, "backing file '%s': not a regular file", full);
		close(fd);
		return -1;
	}
	for (i = 0; i <= ch->depth; i++) {
		if (ch->dev[i] == st.st_dev && ch->ino[i] == st.st_ino) {
			snprintf(err, errlen, "backing file '%s': loop in the backing chain", full);
			close(fd);
			return -1;
		}
	}
	ch->depth++;
	ch->dev[ch->depth] = st.st_dev;
	ch->ino[ch->depth] = st.st_ino;
	if ((fmt[0] && !strcmp(fmt, "qcow2")) || (!fmt[0] && qcow2_probe(fd)))
		return open_chain(fd, full, false, ch, &q->backing, err, errlen) ? -1 : 0;
	if (fmt[0] && strcmp(fmt, "raw")) {
		snprintf(err, errlen, "backing file '%s': unsupported format '%s'", full, fmt);
		close(fd);
		return -1;
	}
	q->backing_fd = fd;
	q->backing_size = (uint64_t)lseek(fd, 0, SEEK_END);
	return 0;
}

static int open_chain(int fd, const char *path, bool writable, struct chain *ch, struct qcow2 **out,
		      char *err, size_t errlen)
{
	struct qcow2 *q = calloc(1, sizeof(*q));
	uint8_t *h = NULL;
	uint64_t file_size, bf_off, incompat = 0, autoclear = 0, n;
	uint32_t bf_size, hdr_len = 72, rc_order = 4, nb_snap;
	char bname[1024] = "", bfmt[32] = "", unknown[160] = "";
	off_t end;
	size_t i;

	if (!q) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	q->fd = fd;
	q->backing_fd = -1;
	q->writable = writable;
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		BAD("%s", strerror(errno));
	file_size = (uint64_t)end;
	h = calloc(1, 4096);
	if (!h || pread_full(fd, h, 4096, 0))
		BAD("cannot read the qcow2 header");
	if (be32(h) != QCOW2_MAGIC)
		BAD("not a qcow2 image");
	q->version = be32(h + 4);
	if (q->version != 2 && q->version != 3)
		BAD("qcow2 version %u not supported", q->version);
	bf_off = be64(h + 8);
	bf_size = be32(h + 16);
	q->cluster_bits = be32(h + 20);
	if (q->cluster_bits < 9 || q->cluster_bits > 21)
		BAD("qcow2 cluster_bits %u out of range 9..21", q->cluster_bits);
	q->cluster_size = 1ull << q->cluster_bits;
	q->size = be64(h + 24);
	if (be32(h + 32))
		BAD("encrypted qcow2 images are not supported");
	q->l1_size = be32(h + 36);
	q->l1_offset = be64(h + 40);
	q->rt_offset = be64(h + 48);
	q->rt_clusters = be32(h + 56);
	q->rt_entries = (uint64_t)q->rt_clusters * q->cluster_size / 8;
	nb_snap = be32(h + 60);
	if (q->version >= 3) {
		incompat = be64(h + 72);
		autoclear = be64(h + 88);
		rc_order = be32(h + 96);
		hdr_len = be32(h + 100);
		if (hdr_len < 104 || hdr_len > 4096 || hdr_len > q->cluster_size || hdr_len % 8)
			BAD("qcow2 header length %u invalid", hdr_len);
	}
	if (rc_order > 6)
		BAD("qcow2 refcount_order %u invalid", rc_order);
	q->refcount_order = rc_order;
	q->refcount_bits = 1u << rc_order;
	/* Virtual size: at most 2^56, and the L1 table must cover it. */
	if (q->size > MAX_FILE_OFFSET)
		BAD("qcow2 virtual size %llu too large", (unsigned long long)q->size);
	n = (q->size + q->cluster_size - 1) >> q->cluster_bits;	   /* clusters */
	n = (n + q->cluster_size / 8 - 1) / (q->cluster_size / 8); /* L2 tables */
	if (q->l1_size < n)
		BAD("qcow2 L1 table (%u entries) does not cover the virtual size", q->l1_size);
	if ((uint64_t)q->l1_size * 8 > MAX_TABLE_BYTES ||
	    !table_ok(q, q->l1_offset, (uint64_t)q->l1_size * 8, file_size))
		BAD("qcow2 L1 table outside the file, misaligned or too large");
	if (!table_ok(q, q->rt_offset, q->rt_entries * 8, file_size))
		BAD("qcow2 refcount table outside the file, misaligned or too large");
	if (overlaps(q->l1_offset, (uint64_t)q->l1_size * 8, q->rt_offset, q->rt_entries * 8))
		BAD("qcow2 L1 and refcount tables overlap");
	/* Header extensions: v2 starts them at 72, v3 at header_length. */
	for (i = hdr_len; i + 8 <= 4096 && i + 8 <= q->cluster_size;) {
		uint32_t type = be32(h + i), len = be32(h + i + 4);
		if (type == EXT_END)
			break;
		if (len > 4096 || i + 8 + len > 4096 || i + 8 + len > q->cluster_size)
			BAD("qcow2 header extension 0x%x overruns the header cluster", type);
		if (type == EXT_BACKING_FMT) {
			if (len >= sizeof(bfmt))
				BAD("qcow2 backing format name too long");
			memcpy(bfmt, h + i + 8, len);
			bfmt[len] = 0;
		} else if (type == EXT_FEATURE_NAMES) {
			size_t e;
			for (e = 0; e + 48 <= len; e += 48) {
				const uint8_t *f = h + i + 8 + e;
				if (f[0] == 0 && f[1] < 64 && ((incompat >> f[1]) & 1) &&
				    (1ull << f[1]) != INCOMPAT_DIRTY && !unknown[0])
					snprintf(unknown, sizeof(unknown), "%.46s",
						 (const char *)f + 2);
			}
		}
		/* Unknown extensions are skipped. */
		i += 8 + ((len + 7) & ~7u);
	}
	if (incompat & ~INCOMPAT_DIRTY) {
		if (unknown[0])
			BAD("qcow2 incompatible feature '%s' not supported", unknown);
		BAD("qcow2 incompatible features 0x%llx not supported",
		    (unsigned long long)(incompat & ~INCOMPAT_DIRTY));
	}
	if (writable && (incompat & INCOMPAT_DIRTY))
		BAD("qcow2 image is dirty (lazy refcounts); repair it with 'qemu-img check -r "
		    "all'");
	if (writable && nb_snap)
		BAD("writing qcow2 images with internal snapshots is not supported");
	if (bf_off) {
		if (bf_size == 0 || bf_size >= sizeof(bname) || bf_off > 4096 - bf_size ||
		    bf_off + bf_size > q->cluster_size)
			BAD("qcow2 backing file name outside the header cluster");
		memcpy(bname, h + bf_off, bf_size);
		bname[bf_size] = 0;
		if (strlen(bname) != bf_size)
			BAD("qcow2 backing file name contains NUL");
		/* Errors name the file on one line: no control characters in it. */
		for (i = 0; i < bf_size; i++)
			if ((uint8_t)bname[i] < 0x20 || bname[i] == 0x7f)
				BAD("qcow2 backing file name contains control characters");
	}
	q->l1 = calloc(q->l1_size ? q->l1_size : 1, 8);
	q->rt = calloc(q->rt_entries, 8);
	q->cbuf = malloc(q->cluster_size);
	q->dbuf = malloc(q->cluster_size);
	if (!q->l1 || !q->rt || !q->cbuf || !q->dbuf)
		BAD("out of memory");
	for (i = 0; i < QCOW2_L2_CACHE; i++) {
		q->l2[i].data = malloc(q->cluster_size);
		if (!q->l2[i].data)
			BAD("out of memory");
	}
	for (i = 0; i < QCOW2_RB_CACHE; i++) {
		q->rb[i].data = malloc(q->cluster_size);
		if (!q->rb[i].data)
			BAD("out of memory");
	}
	if (pread_full(fd, q->l1, (size_t)q->l1_size * 8, q->l1_offset) ||
	    pread_full(fd, q->rt, q->rt_entries * 8, q->rt_offset))
		BAD("cannot read the qcow2 tables");
	for (i = 0; i < q->l1_size; i++) {
		uint64_t o;
		q->l1[i] = be64toh(q->l1[i]);
		o = q->l1[i] & L1E_OFFSET;
		if (o && (!aligned(q, o) || o + q->cluster_size > file_size))
			BAD("qcow2 L1 entry %zu points outside the file", i);
	}
	for (i = 0; i < q->rt_entries; i++) {
		uint64_t o;
		q->rt[i] = be64toh(q->rt[i]);
		o = q->rt[i] & RT_OFFSET;
		if (o && (!aligned(q, o) || o + q->cluster_size > file_size))
			BAD("qcow2 refcount block %zu points outside the file", i);
	}
	/* No two structures may share a cluster (an L2 table on a refcount block, ...). */
	if (qcow2_meta_build(q, err, errlen))
		goto fail;
	q->next_free = (file_size + q->cluster_size - 1) & ~(q->cluster_size - 1);
	if (writable && autoclear) {
		/* Extensions we do not maintain (bitmaps, ...) must be invalidated. */
		uint64_t z = 0;
		if (pwrite_full(fd, &z, 8, 88) || fdatasync(fd) < 0)
			BAD("cannot clear the qcow2 autoclear bits: %s", strerror(errno));
	}
	if (bname[0] && open_backing(q, path, bname, bfmt, ch, err, errlen))
		goto fail;
	free(h);
	*out = q;
	return 0;
fail:
	free(h);
	qcow2_close(q);
	return -1;
}

int qcow2_open(int fd, const char *path, bool writable, struct qcow2 **out, char *err,
	       size_t errlen)
{
	struct chain ch = {0};
	struct stat st;

	if (fstat(fd, &st) == 0) {
		ch.dev[0] = st.st_dev;
		ch.ino[0] = st.st_ino;
	}
	*out = NULL;
	return open_chain(fd, path, writable, &ch, out, err, errlen);
}

unsigned qcow2_fds(const struct qcow2 *q, int *fds)
{
	unsigned n = 0;

	for (; q; q = q->backing) {
		fds[n++] = q->fd;
		if (q->backing_fd >= 0)
			fds[n++] = q->backing_fd;
	}
	return n;
}

static int img_read(void *q, void *buf, size_t len, uint64_t off)
{
	return qcow2_read(q, buf, len, off);
}

static int img_write(void *q, const void *buf, size_t len, uint64_t off)
{
	return qcow2_write(q, buf, len, off);
}

static int img_aio_create(const struct disk_image *im, unsigned depth, enum aio_engine engine,
			  struct aio **out)
{
	/* Metadata has one user, the device thread: requests run there, in order. */
	return aio_create_image(out, im, depth);
}

/* Whole clusters are freed either way (the zero flag or deallocation keeps no storage). */
static int img_write_zeroes(void *q, uint64_t off, uint64_t len, bool unmap)
{
	return qcow2_write_zeroes(q, off, len);
}

static int img_discard(void *q, uint64_t off, uint64_t len)
{
	return qcow2_discard(q, off, len);
}

static int img_flush(void *q)
{
	return qcow2_flush(q);
}

static int img_resize(void *q, uint64_t size)
{
	return qcow2_resize(q, size);
}

static void img_close(void *q)
{
	qcow2_close(q);
}

const struct disk_image_ops qcow2_image_ops = {
	.name = "qcow2",
	.aio_create = img_aio_create,
	.read = img_read,
	.write = img_write,
	.write_zeroes = img_write_zeroes,
	.discard = img_discard,
	.flush = img_flush,
	.resize = img_resize,
	.close = img_close,
};
