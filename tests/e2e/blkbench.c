// SPDX-License-Identifier: BSD-3-Clause
/*
 * Block benchmark run INSIDE a guest (static, in guest.cpio as /bin/blkbench):
 * sequential write and read of the whole device in 1 MiB requests, then 4 KiB
 * random reads at queue depth 1 and 4 for a fixed time. O_DIRECT, so the
 * guest's page cache is out of the way and every request reaches the VMM.
 *
 *   blkbench DEVICE [SECONDS]    prints one "BLKBENCH key=value ..." line
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define BIG   (1u << 20)
#define SMALL 4096u

static int fd;
static uint64_t dev_size;
static double rand_secs = 5;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *xalloc(size_t n)
{
	void *p;

	if (posix_memalign(&p, 4096, n)) {
		perror("posix_memalign");
		exit(1);
	}
	memset(p, 0x5a, n);
	return p;
}

/* Whole device in BIG requests; returns MB/s (10^6 bytes). */
static double sequential(int write_it)
{
	uint8_t *buf = xalloc(BIG);
	double t0 = now();

	for (uint64_t pos = 0; pos + BIG <= dev_size; pos += BIG) {
		ssize_t n = write_it ? pwrite(fd, buf, BIG, (off_t)pos) : pread(fd, buf, BIG, (off_t)pos);

		if (n != BIG) {
			perror(write_it ? "pwrite" : "pread");
			exit(1);
		}
	}
	if (write_it && fdatasync(fd)) {
		perror("fdatasync");
		exit(1);
	}
	free(buf);
	return (double)dev_size / 1e6 / (now() - t0);
}

static void *random_reader(void *arg)
{
	uint64_t *count = arg, x = 88172645463325252ull ^ (uint64_t)(uintptr_t)arg;
	uint64_t blocks = dev_size / SMALL;
	uint8_t *buf = xalloc(SMALL);
	double end = now() + rand_secs;

	while (now() < end) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buf, SMALL, (off_t)((x % blocks) * SMALL)) != SMALL) {
			perror("pread 4k");
			exit(1);
		}
		(*count)++;
	}
	free(buf);
	return NULL;
}

/* Random SMALL reads with depth threads for rand_secs; returns IOPS. */
static double random_reads(unsigned depth)
{
	pthread_t t[16];
	uint64_t counts[16] = {0}, total = 0;
	double t0 = now();

	for (unsigned i = 0; i < depth; i++)
		pthread_create(&t[i], NULL, random_reader, &counts[i]);
	for (unsigned i = 0; i < depth; i++) {
		pthread_join(t[i], NULL);
		total += counts[i];
	}
	return (double)total / (now() - t0);
}

int main(int argc, char **argv)
{
	double w, r, q1, q4;

	if (argc < 2) {
		fprintf(stderr, "usage: blkbench DEVICE [SECONDS]\n");
		return 2;
	}
	if (argc > 2)
		rand_secs = atof(argv[2]);
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &dev_size) < 0 || dev_size < BIG) {
		perror(argv[1]);
		return 1;
	}
	w = sequential(1);
	r = sequential(0);
	q1 = random_reads(1);
	q4 = random_reads(4);
	printf("BLKBENCH size_mib=%llu seq_write_MBps=%.1f seq_read_MBps=%.1f randread_qd1_iops=%.0f "
	       "randread_qd4_iops=%.0f\n",
	       (unsigned long long)(dev_size >> 20), w, r, q1, q4);
	return 0;
}
