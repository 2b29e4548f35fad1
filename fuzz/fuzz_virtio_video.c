// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-video encoder commands from a hostile driver, through the test-side
 * guest driver. Input: a list of operations, each an op byte then:
 *   0 command: request length (2 bytes), response length (2 bytes), request bytes;
 *   1 post event buffers: a count byte;
 *   2 let the encoder thread run a little;
 *   3 guest data: offset (3 bytes) into the data area, length (2 bytes), bytes.
 * The data area (guest addresses DATA..MEM) is where resources can point.
 * Checked after every command: a synchronous command is answered at once,
 * within the response buffer, with a header echoing the stream id.
 *
 * The backend is a null encoder (packets derived from the frame, key frames
 * when forced or every 8th, a failure for a marked frame): the device's parsing,
 * state and threading are what the guest reaches; libavcodec is not ours to
 * fuzz, and real encoding of fuzzer-chosen sizes would cut executions to a few
 * per second.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio/video/video.h"
#include "fuzz_input.h"
#include "video_guest.h"

#define MEM	(4u << 20)
#define DATA	(2u << 20) /* the guest driver's heap stays below */
#define MAX_OPS 96
#define PKT_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct enc_session {
	struct enc_params p;
	uint8_t *planes;
	size_t size;
	uint8_t pkt[PKT_MAX];
	int64_t last_pts;
};

static bool null_supports(enum enc_codec codec)
{
	return codec == ENC_CODEC_H264 || codec == ENC_CODEC_VP8 || codec == ENC_CODEC_VP9;
}

static int null_open(const struct enc_params *p, struct enc_session **out)
{
	struct enc_session *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->p = *p;
	s->size = (size_t)p->width * p->height * 3 / 2;
	s->planes = malloc(s->size);
	if (!s->planes || p->fps == 0 || p->bitrate == 0) {
		free(s->planes);
		free(s);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

static int null_frame(struct enc_session *s, struct enc_frame *f)
{
	uint32_t w = s->p.width, h = s->p.height;

	memset(f, 0, sizeof(*f));
	f->data[0] = s->planes;
	f->linesize[0] = w;
	f->data[1] = s->planes + (size_t)w * h;
	if (s->p.in_format == ENC_PIX_NV12) {
		f->linesize[1] = w;
	} else {
		f->linesize[1] = f->linesize[2] = w / 2;
		f->data[2] = f->data[1] + (size_t)(w / 2) * ((h + 1) / 2);
	}
	return 0;
}

static int null_encode(struct enc_session *s, int64_t pts, bool key, enc_packet_fn fn, void *arg)
{
	struct enc_packet pkt = {s->pkt, 1 + (s->planes[0] | (size_t)s->planes[1] << 4) % PKT_MAX,
				 pts, key || pts % 8 == 0};

	if (s->planes[0] == 0xee && s->planes[1] == 0x0e)
		return -EIO; /* lets the fuzzer reach the error path */
	memset(s->pkt, s->planes[s->size - 1], pkt.size);
	s->last_pts = pts;
	fn(arg, &pkt);
	return 0;
}

static int null_flush(struct enc_session *s, enc_packet_fn fn, void *arg)
{
	return 0;
}

static int null_set_rate(struct enc_session *s, const struct enc_params *p)
{
	s->p.bitrate = p->bitrate;
	s->p.peak = p->peak;
	s->p.fps = p->fps;
	return 0;
}

static void null_close(struct enc_session *s)
{
	free(s->planes);
	free(s);
}

static const struct encoder_ops null_encoder = {
	.abi = ENCODER_ABI,
	.name = "null",
	.supports = null_supports,
	.open = null_open,
	.frame = null_frame,
	.encode = null_encode,
	.flush = null_flush,
	.set_rate = null_set_rate,
	.close = null_close,
};

static void command(struct vguest *g, struct input *in)
{
	static uint8_t req[VG_REQ_MAX], resp[VG_RESP_MAX];
	struct virtio_video_cmd_hdr rq, rs;
	uint16_t len, resp_len;
	int head, n;

	take(in, &len, 2);
	take(in, &resp_len, 2);
	len %= 2048;
	resp_len %= VG_RESP_MAX + 1;
	take(in, req, len);
	memcpy(&rq, req, sizeof(rq));
	head = vg_submit(g, req, len ? len : 1, resp_len);
	if (head < 0)
		return; /* the ring is full of held commands */
	if (len >= 8 &&
	    (rq.type == VIRTIO_VIDEO_CMD_RESOURCE_QUEUE ||
	     rq.type == VIRTIO_VIDEO_CMD_STREAM_DRAIN) &&
	    !vg_poll(g, head))
		return; /* held: answered later, or dropped when the device goes */
	if (!vg_poll(g, head))
		abort(); /* a synchronous command left unanswered */
	n = vg_wait(g, head, resp, sizeof(resp), 0);
	if (n < 0 || n > resp_len)
		abort(); /* wrote past the response buffer */
	if (resp_len >= sizeof(rs) && n < (int)sizeof(rs))
		abort(); /* room for an answer, but none */
	if (n >= (int)sizeof(rs)) {
		memcpy(&rs, resp, sizeof(rs));
		if (rs.type < 0x200 || rs.type > 0x305 ||
		    (len >= 8 && rs.stream_id != rq.stream_id))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct vguest *g = malloc(sizeof(*g));
	struct virtio_device dev;
	struct virtio_video_event ev;

	if (!g || vg_init(g, MEM) || virtio_video_create(&dev, &g->drv.mem, &null_encoder))
		abort();
	g->drv.heap_end = DATA;
	if (vg_attach(g, &dev))
		abort();
	for (unsigned ops = 0; in.left && ops < MAX_OPS; ops++) {
		switch (take8(&in) % 4) {
		case 0:
			command(g, &in);
			break;
		case 1:
			vg_post_events(g, take8(&in) % 8);
			break;
		case 2:
			usleep(200);
			vg_poll(g, -1);
			break;
		default: {
			uint32_t off = 0;
			uint16_t n;

			take(&in, &off, 3);
			take(&in, &n, 2);
			off %= MEM - DATA;
			if (n > MEM - DATA - off)
				n = (uint16_t)(MEM - DATA - off);
			take(&in, vdrv_ptr(&g->drv, DATA + off, n), n);
			break;
		}
		}
	}
	while (vg_get_event(g, &ev))
		if (ev.event_type != VIRTIO_VIDEO_EVENT_ERROR)
			abort();
	virtio_device_destroy(&dev);
	vg_destroy(g);
	free(g);
	return 0;
}
