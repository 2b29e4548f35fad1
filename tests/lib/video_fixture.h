/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_TESTS_VIDEO_FIXTURE_H
#define CROSVM_TESTS_VIDEO_FIXTURE_H

/*
 * The virtio-video unit tests' fixture (tests/unit/devices/virtio/video/):
 * a device on the real libavcodec backend behind the test-side guest driver,
 * fresh for every test; one stream opened through the guest driver's
 * sequence, synthetic scenes, and frames encoded one at a time into run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/virtio/device.h"
#include "devices/virtio/video/video.h"
#include "video_guest.h"

#define MEM	      (96u << 20)
#define W	      320
#define H	      192
#define FPS	      30
#define NIN	      2
#define NOUT	      4
#define SID	      7
#define IN_ID	      1
#define OUT_ID	      100
#define SCENE_SECONDS 3 /* static for the first, noise after */

extern struct vguest g;
extern struct virtio_device dev;

struct run {
	uint32_t sid;
	struct vg_stream_cfg cfg;
	struct virtio_video_params in, out;
	struct vg_buf inb[NIN], outb[NOUT];
	uint64_t frame_size;
	/* per encoded frame */
	unsigned n;
	uint32_t size[256], flags[256];
	uint64_t ts[256];
	uint8_t *stream; /* the packets back to back */
	size_t stream_len;
};

extern struct run run;
extern unsigned stream_fps;   /* the frame rate open_stream sets */
extern uint32_t stream_level; /* the H.264 level open_stream sets (the driver's: its menu's) */
/* How encode_one puts a frame into input slot k; NULL: all of it into plane 0, as V4L2
 * clients write NV12 and YUV420. */
extern void (*fill_input)(unsigned k, const uint8_t *frame, uint64_t len);

/* A fresh device and run for each test (see VIDEO_TEST). */
int video_setup(void **state);
int video_teardown(void **state);

/* ---- synthetic scenes (I420 or NV12, stride = width) ---- */

/*
 * MOVING: panning gradients, edges and a moving block (natural-looking);
 * STATIC_THEN_NOISE: one still second, then NOISE's kind at mid amplitude;
 * FLAT: a smooth, slowly drifting shade; NOISE: fresh full-range noise every
 * frame, which no quantizer of the standard compresses to a low rate.
 */
enum scene { MOVING, STATIC_THEN_NOISE, FLAT, NOISE };

/* Frame i of a scene, as I420 planes (converted to NV12 by the caller if needed). */
void gen_i420(uint8_t *f, unsigned i, enum scene sc);
void to_nv12(const uint8_t *i420, uint8_t *nv12);

/* ---- a stream through the guest driver's sequence ---- */

void open_stream(uint32_t codec, uint32_t in_format, uint32_t mode, uint32_t bitrate, uint32_t peak,
		 uint32_t profile);
/* REQBUFS as a V4L2 client does it (vg_v4l2_alloc): the buffers are allocated once per test
 * and re-registered per stream. */
void create_buffers(void);
/* Encodes frame i: one output buffer and one input frame queued, both must come back. The whole
 * frame goes into buffer plane 0, as a V4L2 client writes NV12 and YUV420. */
void encode_one(unsigned i, enum scene sc);
void encode(unsigned first, unsigned n, enum scene sc);
/* kbit/s of the second of encoded frames starting at from. */
double window_kbps(unsigned from);
void destroy_stream(uint32_t sid);
/* The first H.264 NAL unit of type t (7: SPS, 8: PPS, 5: IDR slice) in encoded frame k. */
const uint8_t *find_nal(unsigned k, unsigned t);
/* Decodes the run's stream with libavcodec's decoder; returns the frames decoded and their mean
 * and lowest PSNR against scene sc. */
unsigned decode_run(const char *decoder, enum scene sc, double *psnr, double *min_psnr);

/* Sends a request and checks the error (or OK) it gets, the echoed stream id, and that the
 * device still answers afterwards. */
void expect_len(const void *req, uint32_t len, uint32_t type);

#define expect(req, type) expect_len(&(req), sizeof(req), type)

/* A test case on a fresh device, and a main() running the ones given. */
#define VIDEO_TEST(f) cmocka_unit_test_setup_teardown(f, video_setup, video_teardown)
#define VIDEO_TEST_MAIN(...)                                      \
	int main(void)                                            \
	{                                                         \
		const struct CMUnitTest tests[] = {__VA_ARGS__};  \
		return cmocka_run_group_tests(tests, NULL, NULL); \
	}

#endif
