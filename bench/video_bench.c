// SPDX-License-Identifier: BSD-3-Clause
/*
 * bench/video's measuring program: frames per second of H.264 encoding of
 * 1280x720 NV12 frames (a) through the virtio-video device, driven by the
 * test-side guest driver as a guest would (guest-pages resources on scattered
 * pages, RESOURCE_QUEUE on both queues, two frames in flight), and (b) with the
 * same libavcodec settings called directly (the device's own backend, frames
 * copied from memory). Both encode the same frames; the difference is the
 * device's cost: command handling, the gather from guest pages, the encoder
 * thread hand-off and the copy of each packet into guest memory.
 *
 *   video_bench [FRAMES [RUNS]]     (defaults 300 frames, 4 runs each; median)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "devices/virtio/video/video.h"
#include "video_guest.h"

#define W	 1280
#define H	 720
#define FPS	 30
#define BITRATE	 4000000
#define PEAK	 8000000
#define NFRAMES	 8 /* distinct frames, cycled */
#define NOUT	 4
#define DEPTH	 2 /* frames in flight through the device */
#define FRAME_SZ (W * H * 3 / 2)
#define MAX_RUNS 9

static uint8_t *frames[NFRAMES];

/* Wall-clock fps and process CPU time per frame of one run. */
struct result {
	double fps, cpu_ms;
};

static double cpu_now(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A panning textured gradient with a moving block, as NV12. */
static void gen(uint8_t *f, unsigned i)
{
	for (unsigned r = 0; r < H; r++)
		for (unsigned c = 0; c < W; c++) {
			unsigned x = c + 4 * i, v = (x + r) & 0xff;

			if (((x / 8) ^ (r / 8)) & 1)
				v = (v + 48) & 0xff;
			if (c >= 100 + 16 * i && c < 300 + 16 * i && r >= 200 && r < 400)
				v = 230 - (c + r) % 40;
			f[r * W + c] = (uint8_t)v;
		}
	for (unsigned r = 0; r < H / 2; r++)
		for (unsigned c = 0; c < W / 2; c++) {
			f[W * H + r * W + 2 * c] = (uint8_t)(96 + (c + 2 * i) % 64);
			f[W * H + r * W + 2 * c + 1] = (uint8_t)(96 + (r + 3 * i) % 64);
		}
}

static const struct enc_params params = {
	.codec = ENC_CODEC_H264,
	.in_format = ENC_PIX_NV12,
	.width = W,
	.height = H,
	.fps = FPS,
	.mode = ENC_VBR,
	.bitrate = BITRATE,
	.peak = PEAK,
	.profile = ENC_H264_MAIN,
	.level_idc = 41, /* the device's 0x10b below */
};

static size_t direct_bytes;

static void count(void *arg, const struct enc_packet *p)
{
	direct_bytes += p->size;
}

static struct result run_direct(unsigned n)
{
	struct result res = {-1, 0};
	struct enc_session *s;
	double t0, c0;

	if (avcodec_encoder.open(&params, &s))
		return res;
	direct_bytes = 0;
	t0 = now();
	c0 = cpu_now();
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *src = frames[i % NFRAMES];
		struct enc_frame f;

		if (avcodec_encoder.frame(s, &f))
			return res;
		for (unsigned r = 0; r < H; r++)
			memcpy(f.data[0] + (size_t)r * f.linesize[0], src + (size_t)r * W, W);
		for (unsigned r = 0; r < H / 2; r++)
			memcpy(f.data[1] + (size_t)r * f.linesize[1], src + W * H + (size_t)r * W,
			       W);
		if (avcodec_encoder.encode(s, i, false, count, NULL))
			return res;
	}
	res.fps = n / (now() - t0);
	res.cpu_ms = (cpu_now() - c0) * 1000 / n;
	avcodec_encoder.close(s);
	return res;
}

static struct result run_device(unsigned n, size_t *bytes)
{
	struct result res = {-1, 0};
	static struct vguest g;
	struct virtio_device dev;
	struct vg_stream_cfg cfg = {VIRTIO_VIDEO_FORMAT_H264,
				    VIRTIO_VIDEO_FORMAT_NV12,
				    W,
				    H,
				    FPS,
				    VIRTIO_VIDEO_BITRATE_MODE_VBR,
				    BITRATE,
				    PEAK,
				    VIRTIO_VIDEO_PROFILE_H264_MAIN,
				    0x10b};
	struct virtio_video_params in, out;
	struct vg_buf inb[NFRAMES], outb[NOUT];
	int hin[DEPTH], hout[DEPTH];
	unsigned sent = 0, done = 0;
	double t0, c0;

	memset(&dev, 0, sizeof(dev));
	*bytes = 0;
	if (vg_init(&g, 192u << 20) || virtio_video_create(&dev, &g.drv.mem, &avcodec_encoder) ||
	    vg_attach(&g, &dev) || vg_open_stream(&g, 1, &cfg, &in, &out))
		goto out;
	for (uint32_t k = 0; k < NFRAMES; k++) {
		if (vg_buf_alloc(&g, &inb[k], FRAME_SZ) ||
		    vg_resource_create(&g, 1, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, k, &inb[k]) !=
			    VIRTIO_VIDEO_RESP_OK_NODATA)
			goto out;
		vg_buf_write(&g, &inb[k], 0, frames[k], FRAME_SZ);
	}
	for (uint32_t k = 0; k < NOUT; k++)
		if (vg_buf_alloc(&g, &outb[k], out.plane_formats[0].plane_size) ||
		    vg_resource_create(&g, 1, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, 100 + k, &outb[k]) !=
			    VIRTIO_VIDEO_RESP_OK_NODATA)
			goto out;
	t0 = now();
	c0 = cpu_now();
	while (done < n) {
		struct virtio_video_resource_queue_resp r;

		while (sent < n && sent - done < DEPTH) {
			hout[sent % DEPTH] = vg_resource_queue(
				&g, 1, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, 100 + sent % NOUT, 0);
			hin[sent % DEPTH] = vg_resource_queue(&g, 1, VIRTIO_VIDEO_QUEUE_TYPE_INPUT,
							      sent % NFRAMES, sent);
			sent++;
		}
		if (vg_wait(&g, hin[done % DEPTH], &r, sizeof(r), 5000) != sizeof(r) || r.flags)
			goto out;
		if (vg_wait(&g, hout[done % DEPTH], &r, sizeof(r), 5000) != sizeof(r) ||
		    r.flags & VIRTIO_VIDEO_BUFFER_FLAG_ERR)
			goto out;
		*bytes += r.size;
		done++;
	}
	res.fps = n / (now() - t0);
	res.cpu_ms = (cpu_now() - c0) * 1000 / n;
out:
	if (dev.ops)
		virtio_device_destroy(&dev);
	vg_destroy(&g);
	return res;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 300;
	unsigned runs = argc > 2 ? (unsigned)atoi(argv[2]) : 4;
	double direct[MAX_RUNS], device[MAX_RUNS], dcpu[MAX_RUNS], vcpu[MAX_RUNS], d, v, dc, vc;
	double wall_over[MAX_RUNS], cpu_over[MAX_RUNS]; /* per run: the pair ran side by side */
	size_t dev_bytes = 0;

	if (n == 0 || runs == 0 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: video_bench [FRAMES [RUNS (1-%d)]]\n", MAX_RUNS);
		return 2;
	}
	for (unsigned i = 0; i < NFRAMES; i++) {
		frames[i] = malloc(FRAME_SZ);
		if (!frames[i])
			return 1;
		gen(frames[i], i);
	}
	/*
	 * A short unmeasured run of each first (allocator, page cache, x264's
	 * tables), then the two alternate and swap places every run, so drifting
	 * machine load and being second hit both alike.
	 */
	run_direct(10);
	run_device(10, &dev_bytes);
	for (unsigned r = 0; r < runs; r++) {
		struct result a, b;

		if (r % 2) {
			b = run_device(n, &dev_bytes);
			a = run_direct(n);
		} else {
			a = run_direct(n);
			b = run_device(n, &dev_bytes);
		}
		direct[r] = a.fps;
		dcpu[r] = a.cpu_ms;
		device[r] = b.fps;
		vcpu[r] = b.cpu_ms;
		wall_over[r] = (a.fps / b.fps - 1) * 100;
		cpu_over[r] = (b.cpu_ms / a.cpu_ms - 1) * 100;
		if (direct[r] < 0 || device[r] < 0) {
			fprintf(stderr, "video_bench: run %u failed\n", r);
			return 1;
		}
		fprintf(stderr,
			"  run %u: direct %.1f fps %.2f CPU ms, device %.1f fps %.2f CPU ms\n",
			r + 1, a.fps, a.cpu_ms, b.fps, b.cpu_ms);
	}
	qsort(direct, runs, sizeof(double), cmp);
	qsort(device, runs, sizeof(double), cmp);
	qsort(dcpu, runs, sizeof(double), cmp);
	qsort(vcpu, runs, sizeof(double), cmp);
	qsort(wall_over, runs, sizeof(double), cmp);
	qsort(cpu_over, runs, sizeof(double), cmp);
	d = direct[runs / 2];
	v = device[runs / 2];
	dc = dcpu[runs / 2];
	vc = vcpu[runs / 2];
	printf("H.264 encoding, %dx%d NV12, libx264 (the device's preset for the size), VBR %d "
	       "kbit/s "
	       "(peak %d), %u frames, median of %u runs:\n",
	       W, H, BITRATE / 1000, PEAK / 1000, n, runs);
	printf("  %-36s %8s %14s %14s\n", "", "fps", "wall ms/frame", "CPU ms/frame");
	printf("  %-36s %8.1f %14.2f %14.2f\n", "libavcodec, called directly", d, 1000 / d, dc);
	printf("  %-36s %8.1f %14.2f %14.2f\n", "virtio-video device (guest driver)", v, 1000 / v,
	       vc);
	printf("  device overhead (median of the runs' pairs): %+.1f%% wall time per frame, "
	       "%+.1f%% CPU time per frame; output %.0f kbit/s\n",
	       wall_over[runs / 2], cpu_over[runs / 2], dev_bytes * 8.0 / 1000 / ((double)n / FPS));
	for (unsigned i = 0; i < NFRAMES; i++)
		free(frames[i]);
	return 0;
}
