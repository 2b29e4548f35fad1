// SPDX-License-Identifier: BSD-3-Clause
/*
 * qcow2 against images qemu-img makes: random writes, discards and zeroing
 * mirrored on a raw reference, then `qemu-img check` and `qemu-img compare`.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disk/disk.h"
#include "disk/qcow2.h"

#define SIZE		     (8u << 20)
#define QCOW2_MAGIC_FOR_TEST 0x514649fbu

static char dir[64];
static char err[256];
static uint8_t *ref, *buf;

__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_qcow2.XXXXXX");
	ref = malloc(SIZE);
	buf = malloc(SIZE);
	return mkdtemp(dir) && ref && buf ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", dir);
	free(ref);
	free(buf);
	return 0;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(next() >> 24);
}

static struct qcow2 *open_img(const char *name, bool writable)
{
	char path[128];
	struct qcow2 *q = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, writable ? O_RDWR : O_RDONLY);
	assert_true(fd >= 0);
	if (qcow2_open(fd, path, writable, &q, err, sizeof(err)))
		fail_msg("open %s: %s", name, err);
	return q;
}

/* Refused at open, with a reason (the fd is closed by qcow2_open either way). */
static void refused(const char *name, const char *want)
{
	char path[128];
	struct qcow2 *q = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	err[0] = 0;
	assert_int_equal(qcow2_open(fd, path, false, &q, err, sizeof(err)), -1);
	assert_null(q);
	if (!strstr(err, want))
		fail_msg("%s: error '%s' lacks '%s'", name, err, want);
}

static void write_ref(const char *name)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(ref, 1, SIZE, f), SIZE);
	fclose(f);
}

static void read_all_equal(struct qcow2 *q)
{
	assert_int_equal(qcow2_read(q, buf, SIZE, 0), 0);
	assert_memory_equal(buf, ref, SIZE);
}

/* Random I/O, unaligned and cluster-crossing, on q and ref together. */
static void churn(struct qcow2 *q, int ops)
{
	static uint8_t data[300000];

	for (int i = 0; i < ops; i++) {
		uint64_t len = next() % sizeof(data) + 1, off = next() % (SIZE - len);
		switch (next() % 5) {
		case 0:
		case 1:
		case 2:
			fill(data, len);
			assert_int_equal(qcow2_write(q, data, len, off), 0);
			memcpy(ref + off, data, len);
			break;
		case 3:
			assert_int_equal(qcow2_discard(q, off, len), 0);
			memset(ref + off, 0, len);
			break;
		default:
			assert_int_equal(qcow2_write_zeroes(q, off, len), 0);
			memset(ref + off, 0, len);
			break;
		}
		if (i % 16 == 0) {
			uint64_t roff = next() % (SIZE - len);
			assert_int_equal(qcow2_read(q, buf, len, roff), 0);
			assert_memory_equal(buf, ref + roff, len);
		}
	}
	assert_int_equal(qcow2_flush(q), 0);
	read_all_equal(q);
}

/* The image qemu-img sees must be consistent and equal to the raw reference. */
static void qemu_agrees(const char *img)
{
	write_ref("ref.raw");
	assert_int_equal(sh("qemu-img check -q %s/%s", dir, img), 0);
	assert_int_equal(sh("qemu-img compare -q -f qcow2 -F raw %s/%s %s/ref.raw", dir, img, dir),
			 0);
}

static void rw_case(const char *opts)
{
	struct qcow2 *q;

	assert_int_equal(sh("qemu-img create -q -f qcow2 -o %s %s/a.qcow2 %u", opts, dir, SIZE), 0);
	memset(ref, 0, SIZE);
	q = open_img("a.qcow2", true);
	assert_int_equal(qcow2_size(q), SIZE);
	read_all_equal(q);
	churn(q, 300);
	qcow2_close(q);
	qemu_agrees("a.qcow2");
	/* Reopened, the data is still there. */
	q = open_img("a.qcow2", false);
	read_all_equal(q);
	assert_int_equal(qcow2_write(q, buf, 512, 0), -EROFS);
	qcow2_close(q);
}

static void test_v2(void **state)
{
	(void)state;
	rw_case("compat=0.10");
}

static void test_v3(void **state)
{
	(void)state;
	rw_case("compat=1.1");
}

static void test_4k_clusters(void **state)
{
	(void)state;
	rw_case("compat=1.1,cluster_size=4096");
}

static void test_2m_clusters(void **state)
{
	(void)state;
	rw_case("compat=1.1,cluster_size=2097152");
}

static void test_v2_4k(void **state)
{
	(void)state;
	rw_case("compat=0.10,cluster_size=4096");
}

static void test_compressed(void **state)
{
	struct qcow2 *q;

	(void)state;
	/* Half random (incompressible), half patterned (compresses well). */
	fill(ref, SIZE / 2);
	for (size_t i = SIZE / 2; i < SIZE; i++)
		ref[i] = (uint8_t)(i / 4096);
	write_ref("src.raw");
	assert_int_equal(sh("qemu-img convert -q -c -f raw -O qcow2 -o cluster_size=4096 "
			    "%s/src.raw %s/c.qcow2",
			    dir, dir),
			 0);
	q = open_img("c.qcow2", true);
	read_all_equal(q);
	churn(q, 200);
	qcow2_close(q);
	qemu_agrees("c.qcow2");
}

static void backing_case(const char *base_fmt, const char *overlay_opts)
{
	struct qcow2 *q;

	fill(ref, SIZE);
	write_ref("base.raw");
	if (!strcmp(base_fmt, "qcow2")) {
		assert_int_equal(
			sh("qemu-img convert -q -f raw -O qcow2 %s/base.raw %s/base.img", dir, dir),
			0);
	} else {
		assert_int_equal(sh("cp %s/base.raw %s/base.img", dir, dir), 0);
	}
	/* A relative name: resolved against the overlay's directory. */
	assert_int_equal(sh("cd %s && qemu-img create -q -f qcow2 -o %s -b base.img -F %s "
			    "o.qcow2 %u",
			    dir, overlay_opts, base_fmt, SIZE),
			 0);
	q = open_img("o.qcow2", true);
	read_all_equal(q);
	churn(q, 200);
	qcow2_close(q);
	qemu_agrees("o.qcow2");
	/* The backing file was never written. */
	assert_int_equal(
		sh("qemu-img compare -q -f %s -F raw %s/base.img %s/base.raw", base_fmt, dir, dir),
		0);
}

static void test_backing_raw(void **state)
{
	(void)state;
	backing_case("raw", "compat=1.1");
}

static void test_backing_qcow2_v2(void **state)
{
	(void)state;
	backing_case("qcow2", "compat=0.10,cluster_size=4096");
}

/* Writes a big-endian value of width bytes at file offset at. */
static void patch(const char *name, uint64_t at, uint64_t val, int width)
{
	char path[128];
	uint8_t b[8];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	for (int i = 0; i < width; i++)
		b[i] = (uint8_t)(val >> (8 * (width - 1 - i)));
	assert_int_equal(pwrite(fd, b, (size_t)width, (off_t)at), width);
	close(fd);
}

/* Reads a big-endian value of width bytes at file offset at. */
static uint64_t peek(const char *name, uint64_t at, int width)
{
	char path[128];
	uint8_t b[8];
	uint64_t v = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, b, (size_t)width, (off_t)at), width);
	close(fd);
	for (int i = 0; i < width; i++)
		v = v << 8 | b[i];
	return v;
}

static uint64_t file_size(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

/* Patches a big-endian field of a fresh v3 image. */
static void make_patched(const char *name, size_t at, uint64_t val, int width)
{
	assert_int_equal(sh("qemu-img create -q -f qcow2 %s/%s 1M", dir, name), 0);
	patch(name, at, val, width);
}

static void test_malformed(void **state)
{
	(void)state;
	make_patched("l1.qcow2", 40, 1ull << 40, 8);
	refused("l1.qcow2", "L1 table");
	make_patched("l1mis.qcow2", 40, 0x30200, 8);
	refused("l1mis.qcow2", "L1 table");
	make_patched("overlap.qcow2", 40, 0x10000, 8); /* L1 onto the refcount table */
	refused("overlap.qcow2", "overlap");
	make_patched("huge.qcow2", 24, 1ull << 62, 8);
	refused("huge.qcow2", "too large");
	make_patched("l1small.qcow2", 24, 1ull << 40, 8);
	refused("l1small.qcow2", "does not cover");
	make_patched("cbits.qcow2", 20, 30, 4);
	refused("cbits.qcow2", "cluster_bits");
	make_patched("incompat.qcow2", 72, 1ull << 5, 8);
	refused("incompat.qcow2", "incompatible");
	make_patched("ver.qcow2", 4, 4, 4);
	refused("ver.qcow2", "version");
	make_patched("rtc.qcow2", 56, 0xffffffff, 4);
	refused("rtc.qcow2", "refcount table");
	make_patched("hdrlen.qcow2", 100, 9000, 4);
	refused("hdrlen.qcow2", "header length");
	make_patched("bfname.qcow2", 8, 0xfff0, 8);
	refused("bfname.qcow2", "backing file name");
	/* A newline in the backing name would break the one-line error naming it. */
	assert_int_equal(
		sh("qemu-img create -q -f qcow2 -u -b nlname.raw -F raw %s/nl.qcow2 1M", dir), 0);
	patch("nl.qcow2", peek("nl.qcow2", 8, 8) + 2, '\n', 1);
	refused("nl.qcow2", "control characters");
}

static void test_backing_loops(void **state)
{
	(void)state;
	assert_int_equal(sh("cd %s && qemu-img create -q -f qcow2 b.qcow2 1M && "
			    "qemu-img create -q -f qcow2 -b b.qcow2 -F qcow2 a.qcow2 && "
			    "qemu-img rebase -q -u -b a.qcow2 -F qcow2 b.qcow2",
			    dir),
			 0);
	refused("a.qcow2", "loop");
	assert_int_equal(sh("cd %s && qemu-img create -q -f qcow2 s.qcow2 1M && "
			    "qemu-img rebase -q -u -b s.qcow2 -F qcow2 s.qcow2",
			    dir),
			 0);
	refused("s.qcow2", "loop");
	assert_int_equal(sh("cd %s && qemu-img create -q -f qcow2 -b nowhere.raw -F raw "
			    "-u m.qcow2 1M",
			    dir),
			 0);
	refused("m.qcow2", "nowhere.raw");
}

/* Our own images: qemu-img must find them consistent after use. */
static void test_create(void **state)
{
	char path[128];
	struct qcow2 *q;

	(void)state;
	snprintf(path, sizeof(path), "%s/new.qcow2", dir);
	unlink(path);
	assert_int_equal(qcow2_create(path, SIZE, NULL, err, sizeof(err)), 0);
	assert_int_equal(sh("qemu-img check -q %s", path), 0);
	assert_int_equal(qcow2_create(path, SIZE, NULL, err, sizeof(err)), -1); /* exists */
	memset(ref, 0, SIZE);
	q = open_img("new.qcow2", true);
	read_all_equal(q);
	churn(q, 200);
	qcow2_close(q);
	qemu_agrees("new.qcow2");
	/* With a backing file and the size taken from it. */
	fill(ref, SIZE);
	write_ref("nb.raw");
	snprintf(path, sizeof(path), "%s/newb.qcow2", dir);
	unlink(path);
	assert_int_equal(qcow2_create(path, 0, "nb.raw", err, sizeof(err)), 0);
	q = open_img("newb.qcow2", true);
	assert_int_equal(qcow2_size(q), SIZE);
	read_all_equal(q);
	churn(q, 100);
	qcow2_close(q);
	qemu_agrees("newb.qcow2");
}

/* Writes all of ref to q in chunks, in order. */
static void write_everything(struct qcow2 *q)
{
	for (uint64_t off = 0; off < SIZE; off += 256 << 10)
		assert_int_equal(qcow2_write(q, ref + off, 256 << 10, off), 0);
}

/*
 * An image whose first refcount table covers less than its virtual size,
 * filled to the end: the table grows (and moves), qemu-img agrees.
 */
static void growth_case(const char *opts, unsigned bits)
{
	uint64_t cs = 512, rt_off, covered;
	struct qcow2 *q;

	assert_int_equal(sh("qemu-img create -q -f qcow2 -o cluster_size=512,%s %s/g.qcow2 %u",
			    opts, dir, SIZE),
			 0);
	rt_off = peek("g.qcow2", 48, 8);
	/* entries per table cluster * clusters per block * cluster size */
	covered = peek("g.qcow2", 56, 4) * (cs / 8) * (cs * 8 / bits) * cs;
	assert_true(covered <= SIZE); /* and the file holds more than the data */
	fill(ref, SIZE);
	q = open_img("g.qcow2", true);
	write_everything(q);
	assert_int_equal(qcow2_flush(q), 0);
	read_all_equal(q);
	qcow2_close(q);
	assert_true(peek("g.qcow2", 48, 8) != rt_off);
	assert_true(peek("g.qcow2", 56, 4) * (cs / 8) * (cs * 8 / bits) * cs >
		    file_size("g.qcow2"));
	qemu_agrees("g.qcow2");
	q = open_img("g.qcow2", false);
	read_all_equal(q);
	qcow2_close(q);
}

static void test_refcount_table_growth(void **state)
{
	(void)state;
	growth_case("compat=1.1", 16);
	growth_case("compat=0.10", 16);
}

/* Every refcount width qemu-img makes, read and written, with the table grown where small. */
static void test_refcount_widths(void **state)
{
	static const unsigned widths[] = {1, 2, 4, 8, 32, 64};
	char opts[64];

	(void)state;
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		struct qcow2 *q;

		snprintf(opts, sizeof(opts), "compat=1.1,cluster_size=4096,refcount_bits=%u",
			 widths[i]);
		assert_int_equal(
			sh("qemu-img create -q -f qcow2 -o %s %s/w.qcow2 %u", opts, dir, SIZE), 0);
		memset(ref, 0, SIZE);
		q = open_img("w.qcow2", true);
		churn(q, 60);
		qcow2_close(q);
		qemu_agrees("w.qcow2");
		snprintf(opts, sizeof(opts), "compat=1.1,refcount_bits=%u", widths[i]);
		if (widths[i] == 64)
			growth_case(opts, widths[i]); /* 512-byte clusters: 2 MiB covered */
	}
}

/* Freed clusters are used again: a discarded image refilled does not grow. */
static void test_cluster_reuse(void **state)
{
	uint64_t full;
	struct qcow2 *q;

	(void)state;
	assert_int_equal(
		sh("qemu-img create -q -f qcow2 -o cluster_size=4096 %s/r.qcow2 %u", dir, SIZE), 0);
	fill(ref, SIZE);
	q = open_img("r.qcow2", true);
	write_everything(q);
	qcow2_close(q);
	full = file_size("r.qcow2");
	q = open_img("r.qcow2", true);
	assert_int_equal(qcow2_discard(q, 0, SIZE), 0);
	fill(ref, SIZE);
	write_everything(q);
	qcow2_close(q);
	assert_int_equal(file_size("r.qcow2"), full);
	qemu_agrees("r.qcow2");

	/* Rewriting compressed clusters frees their host clusters for what follows. */
	for (size_t c = 0; c < SIZE; c += 4096) {
		fill(ref + c, 2048);
		memset(ref + c + 2048, 0, 2048);
	}
	write_ref("src.raw");
	assert_int_equal(sh("qemu-img convert -q -c -f raw -O qcow2 -o cluster_size=4096 "
			    "%s/src.raw %s/rc.qcow2",
			    dir, dir),
			 0);
	full = file_size("rc.qcow2");
	assert_true(full < SIZE * 3 / 4); /* compressed, about half */
	fill(ref, SIZE);
	q = open_img("rc.qcow2", true);
	write_everything(q);
	qcow2_close(q);
	/* Appending only would need full + SIZE. */
	assert_true(file_size("rc.qcow2") < SIZE + SIZE / 8);
	qemu_agrees("rc.qcow2");
}

/* Refcount structures that lie: refused at open, or the write fails; metadata never overwritten. */
static void test_malformed_refcounts(void **state)
{
	uint8_t data[4096];
	uint64_t rt, rb, l1, l2;
	struct qcow2 *q;

	(void)state;
	/* qemu-img's layout: header, refcount table, its block, L1 table. */
	make_patched("rb.qcow2", 0, QCOW2_MAGIC_FOR_TEST, 4);
	rt = peek("rb.qcow2", 48, 8);
	rb = peek("rb.qcow2", rt, 8);
	l1 = peek("rb.qcow2", 40, 8);
	patch("rb.qcow2", rt, 1ull << 40, 8);
	refused("rb.qcow2", "refcount block 0 points outside the file");
	make_patched("rbl1.qcow2", 0, QCOW2_MAGIC_FOR_TEST, 4);
	patch("rbl1.qcow2", rt + 8, rb, 8); /* two entries, one block */
	refused("rbl1.qcow2", "overlap");
	make_patched("rbrt.qcow2", 0, QCOW2_MAGIC_FOR_TEST, 4);
	patch("rbrt.qcow2", rt, rt, 8); /* the block is the table itself */
	refused("rbrt.qcow2", "overlap");

	/* The refcount table counted free: the allocation that would take it fails. */
	make_patched("free.qcow2", 0, QCOW2_MAGIC_FOR_TEST, 4);
	patch("free.qcow2", rb + (rt >> 16) * 2, 0, 2);
	q = open_img("free.qcow2", true);
	memset(data, 0x5a, sizeof(data));
	assert_int_equal(qcow2_write(q, data, sizeof(data), 0), -EIO);
	qcow2_close(q);
	assert_int_equal(peek("free.qcow2", rt, 8), rb);

	/* A data cluster that is the refcount block: the in-place write is refused. */
	assert_int_equal(sh("qemu-img create -q -f qcow2 %s/l2.qcow2 1M", dir), 0);
	q = open_img("l2.qcow2", true);
	assert_int_equal(qcow2_write(q, data, sizeof(data), 0), 0);
	qcow2_close(q);
	l2 = peek("l2.qcow2", l1, 8) & 0x00fffffffffffe00ull;
	patch("l2.qcow2", l2, (1ull << 63) | rb, 8);
	q = open_img("l2.qcow2", true);
	assert_int_equal(qcow2_write(q, data, 512, 0), -EIO);
	qcow2_close(q);
	assert_int_equal(peek("l2.qcow2", rb, 2), 1); /* the header's refcount, untouched */
}

/* disk resize on qcow2: the header's size, and a larger L1 table when it must move. */
static void resize_case(const char *opts, const char *backing, bool l1_moves)
{
	uint64_t l1_off;
	struct qcow2 *q;

	memset(ref, 0, SIZE);
	if (backing) {
		fill(ref, 1 << 20);
		write_ref("small.raw");
		assert_int_equal(sh("truncate -s 1M %s/small.raw", dir), 0);
		assert_int_equal(
			sh("cd %s && qemu-img create -q -f qcow2 -o %s -b small.raw -F raw "
			   "z.qcow2 1M",
			   dir, opts),
			0);
	} else {
		assert_int_equal(sh("qemu-img create -q -f qcow2 -o %s %s/z.qcow2 1M", opts, dir),
				 0);
	}
	l1_off = peek("z.qcow2", 40, 8);
	q = open_img("z.qcow2", true);
	fill(ref + 4096, 8192);
	assert_int_equal(qcow2_write(q, ref + 4096, 8192, 4096), 0);
	assert_int_equal(qcow2_resize(q, (1 << 20) - 512), -ENOTSUP);
	assert_int_equal(qcow2_resize(q, SIZE), 0);
	assert_int_equal(qcow2_size(q), SIZE);
	/* Past the old end (and the backing file's): zeros, then the guest's. */
	read_all_equal(q);
	churn(q, 40);
	qcow2_close(q);
	assert_int_equal(peek("z.qcow2", 24, 8), SIZE);
	assert_true((peek("z.qcow2", 40, 8) != l1_off) == l1_moves);
	assert_true(peek("z.qcow2", 36, 4) * 4096 * 512 >= SIZE || !l1_moves);
	qemu_agrees("z.qcow2");
	q = open_img("z.qcow2", false);
	assert_int_equal(qcow2_size(q), SIZE);
	read_all_equal(q);
	assert_int_equal(qcow2_resize(q, 2 * SIZE), -EROFS);
	qcow2_close(q);
}

static void test_resize(void **state)
{
	(void)state;
	resize_case("compat=1.1,cluster_size=4096", NULL, true); /* 2 MiB per L1 entry */
	resize_case("compat=0.10,cluster_size=4096", NULL, true);
	resize_case("compat=1.1", NULL, false); /* 512 MiB per L1 entry: the header only */
	resize_case("compat=1.1,cluster_size=4096", "small.raw", true);
}

/* disk_open: qcow2 found by its magic, format= forcing either way, decided at open. */
static void test_disk_open_format(void **state)
{
	char path[128], raw[128];
	struct disk_config dc = {.read_only = false};
	struct blk_disk d;

	(void)state;
	snprintf(path, sizeof(path), "%s/fmt.qcow2", dir);
	snprintf(raw, sizeof(raw), "%s/fmt.raw", dir);
	assert_int_equal(sh("qemu-img create -q -f qcow2 %s 3M && truncate -s 1M %s", path, raw),
			 0);
	dc.path = path;
	assert_int_equal(disk_open(&dc, &d, err, sizeof(err)), 0);
	assert_non_null(d.image.ops);
	assert_int_equal(d.size, 3u << 20);
	assert_int_equal(d.nr_fds, 1);
	assert_string_equal(d.image.ops->name, "qcow2");
	d.image.ops->close(d.image.img);
	/* Forced raw: the qcow2 file is just bytes, its file size the disk size. */
	dc.format = DISK_FORMAT_RAW;
	assert_int_equal(disk_open(&dc, &d, err, sizeof(err)), 0);
	assert_string_equal(d.image.ops->name, "raw");
	assert_int_not_equal(d.size, 3u << 20);
	d.image.ops->close(d.image.img);
	/* Forced qcow2 on a raw file: refused with the flag and file named. */
	dc.format = DISK_FORMAT_QCOW2;
	dc.path = raw;
	assert_int_equal(disk_open(&dc, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--rwdisk"));
	assert_non_null(strstr(err, "not a qcow2 image"));
	/* Auto on raw stays raw. */
	dc.format = DISK_FORMAT_AUTO;
	assert_int_equal(disk_open(&dc, &d, err, sizeof(err)), 0);
	assert_string_equal(d.image.ops->name, "raw");
	assert_int_equal(d.size, 1u << 20);
	d.image.ops->close(d.image.img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_v3),
		cmocka_unit_test(test_4k_clusters),
		cmocka_unit_test(test_2m_clusters),
		cmocka_unit_test(test_v2_4k),
		cmocka_unit_test(test_compressed),
		cmocka_unit_test(test_backing_raw),
		cmocka_unit_test(test_backing_qcow2_v2),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_backing_loops),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_disk_open_format),
		cmocka_unit_test(test_refcount_table_growth),
		cmocka_unit_test(test_refcount_widths),
		cmocka_unit_test(test_cluster_reuse),
		cmocka_unit_test(test_malformed_refcounts),
		cmocka_unit_test(test_resize),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
