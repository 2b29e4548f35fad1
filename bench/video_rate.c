// SPDX-License-Identifier: BSD-3-Clause
/*
 * bench/video's rate table: how far the encoder backend's output strays from
 * the rate the guest asked for, per mode, on three kinds of content, at the
 * sizes and rates a guest uses (320x192 at 100-300 kbit/s, 1280x720 at 2-8
 * Mbit/s), with the same parameters the device gives it (H.264 Main, the level
 * the device would declare) and the CPU time a frame costs.
 *
 * CBR: the worst one-second window (every start frame) against the rate.
 * VBR: the mean against the target, and the worst window against the peak
 * (1.5 x the target), which it must stay under.
 *
 *   video_rate [SECONDS]      (default 3)
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/virtio/video/encoder.h"
#include "devices/virtio/video/level.h"

#define FPS	    30
#define MAX_SECONDS 10

enum clip { FLAT, NATURAL, NOISE };
static const char *const clip_names[] = {"flat", "natural", "noise"};

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 24;
}

/* Frame i of a clip into I420 planes of f (linesizes from the backend). */
static void gen(const struct enc_frame *f, uint32_t w, uint32_t h, unsigned i, enum clip c)
{
	uint32_t seed = 777u + i * 7919u;

	for (uint32_t r = 0; r < h; r++) {
		uint8_t *y = f->data[0] + (size_t)r * f->linesize[0];

		for (uint32_t x = 0; x < w; x++) {
			unsigned v;

			if (c == FLAT) {
				v = 90 + (x + r) * 64 / (w + h) + i / 6;
			} else if (c == NATURAL) {
				/* Panning gradients, a soft checkerboard, a moving bright box. */
				unsigned px = x + 3 * i;

				v = (px / 2 + r / 3) & 0xff;
				if (((px / 16) ^ (r / 16)) & 1)
					v = (v + 48) & 0xff;
				if (x >= w / 8 + 5 * i % (w / 2) && x < w / 3 + 5 * i % (w / 2) &&
				    r >= h / 3 && r < 2 * h / 3)
					v = 230 - (x + r) % 24;
			} else {
				v = lcg(&seed);
			}
			y[x] = (uint8_t)v;
		}
	}
	for (int p = 1; p < 3; p++)
		for (uint32_t r = 0; r < h / 2; r++) {
			uint8_t *row = f->data[p] + (size_t)r * f->linesize[p];

			for (uint32_t x = 0; x < w / 2; x++)
				row[x] = c == NOISE ? (uint8_t)lcg(&seed)
					 : c == FLAT
						 ? (uint8_t)(p == 1 ? 120 : 136)
						 : (uint8_t)(128 + ((x + i + 24 * p) % 64) - 32);
		}
}

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t sizes[MAX_SECONDS * FPS];
static unsigned nsizes;

static void count(void *arg, const struct enc_packet *p)
{
	if (nsizes < MAX_SECONDS * FPS && p->pts >= 0 && p->pts < MAX_SECONDS * FPS)
		sizes[p->pts] += p->size;
	nsizes++;
}

struct row {
	double worst_cbr, mean_err, worst_over_peak, cpu_ms;
};

/* Encodes secs seconds of clip c; returns -1 if the backend failed. */
static int measure(uint32_t w, uint32_t h, uint32_t rate, enum enc_rate_mode mode, enum clip c,
		   unsigned secs, struct row *out)
{
	struct enc_params p = {.codec = ENC_CODEC_H264,
			       .in_format = ENC_PIX_I420,
			       .width = w,
			       .height = h,
			       .fps = FPS,
			       .mode = mode,
			       .bitrate = rate,
			       .peak = rate / 2 * 3,
			       .profile = ENC_H264_MAIN};
	struct h264_need need = {w, h, FPS, mode == ENC_CBR ? rate : p.peak, false};
	struct enc_session *s;
	unsigned n = secs * FPS;
	double total = 0, c0, cpu = 0;

	p.level_idc = h264_level_idc(h264_min_level(&need));
	if (avcodec_encoder.open(&p, &s))
		return -1;
	memset(sizes, 0, sizeof(sizes));
	nsizes = 0;
	for (unsigned i = 0; i < n; i++) {
		struct enc_frame f;

		if (avcodec_encoder.frame(s, &f))
			return -1;
		gen(&f, w, h, i, c);
		c0 = cpu_now();
		if (avcodec_encoder.encode(s, i, false, count, NULL))
			return -1;
		cpu += cpu_now() - c0;
	}
	avcodec_encoder.close(s);
	*out = (struct row){0, 0, -1e9, cpu * 1000 / n};
	for (unsigned k = 0; k < n; k++)
		total += sizes[k] * 8.0;
	out->mean_err = (total / secs / rate - 1) * 100;
	for (unsigned k = 0; k + FPS <= n; k++) {
		double win = 0, e;

		for (unsigned j = k; j < k + FPS; j++)
			win += sizes[j] * 8.0;
		e = (win / rate - 1) * 100;
		if (fabs(e) > fabs(out->worst_cbr))
			out->worst_cbr = e;
		e = (win / p.peak - 1) * 100;
		if (e > out->worst_over_peak)
			out->worst_over_peak = e;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		uint32_t w, h, rate;
	} cases[] = {
		{320, 192, 100000},   {320, 192, 200000},   {320, 192, 300000},
		{1280, 720, 2000000}, {1280, 720, 4000000}, {1280, 720, 8000000},
	};
	unsigned secs = argc > 1 ? (unsigned)atoi(argv[1]) : 3;
	unsigned over = 0;

	if (secs < 2 || secs > MAX_SECONDS) {
		fprintf(stderr, "usage: video_rate [SECONDS (2-%d)]\n", MAX_SECONDS);
		return 2;
	}
	printf("Rate error, H.264 Main through the device's backend, %u s at %d fps per row "
	       "(CBR: worst 1 s window vs the rate; VBR: mean vs the target, worst 1 s window vs "
	       "the peak of 1.5 x target):\n",
	       secs, FPS);
	printf("  %-9s %9s %-8s %12s %8s %12s %14s %8s\n", "size", "kbit/s", "clip", "CBR worst 1s",
	       "CBR CPU", "VBR mean", "VBR vs peak", "VBR CPU");
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		for (enum clip c = FLAT; c <= NOISE; c++) {
			struct row cbr, vbr;
			char size[16];

			if (measure(cases[k].w, cases[k].h, cases[k].rate, ENC_CBR, c, secs,
				    &cbr) ||
			    measure(cases[k].w, cases[k].h, cases[k].rate, ENC_VBR, c, secs,
				    &vbr)) {
				fprintf(stderr, "video_rate: the encoder failed\n");
				return 1;
			}
			snprintf(size, sizeof(size), "%ux%u", cases[k].w, cases[k].h);
			printf("  %-9s %9u %-8s %+11.1f%% %5.1f ms %+11.1f%% %+13.1f%% %5.1f ms\n",
			       size, cases[k].rate / 1000, clip_names[c], cbr.worst_cbr, cbr.cpu_ms,
			       vbr.mean_err, vbr.worst_over_peak, vbr.cpu_ms);
			over += fabs(cbr.worst_cbr) > 10 || vbr.worst_over_peak > 10;
		}
	printf("  rows outside CBR +-10%% or over the VBR peak by more than 10%%: %u\n", over);
	return over ? 1 : 0;
}
