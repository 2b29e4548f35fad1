// SPDX-License-Identifier: BSD-3-Clause
/*
 * What the virtio-video encoder says it is and offers: its config space,
 * QUERY_CAPABILITY / QUERY_CONTROL, and the same through the virtio-pci
 * transport, with a reset that takes every stream with it.
 */
#include "video_fixture.h"

#include <linux/virtio_pci.h>
#include "devices/virtio/pci.h"

static void test_config_space(void **state)
{
	struct virtio_video_config c;

	assert_int_equal(dev.ops->device_id, 30);
	assert_int_equal(dev.ops->config_size, 44);
	dev.ops->config_read(&dev, 0, (uint8_t *)&c, sizeof(c));
	assert_int_equal(c.version, 0);
	assert_true(c.max_caps_length >= 1024 && c.max_resp_length >= 1024);
	assert_string_equal((char *)c.device_name, "libavcodec");
	assert_true(dev.ops->features & (1u << VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES));
	assert_true(dev.ops->features & (1u << VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG));
	assert_false(dev.ops->features & (1u << VIRTIO_VIDEO_F_RESOURCE_VIRTIO_OBJECT));
	assert_int_equal(dev.ops->queue_size[0], 1024);
	assert_int_equal(dev.ops->queue_size[1], 256);
}

static void test_capabilities(void **state)
{
	uint8_t resp[1024];
	struct virtio_video_query_capability qc = {.hdr = {VIRTIO_VIDEO_CMD_QUERY_CAPABILITY, 0},
						   .queue_type = VIRTIO_VIDEO_QUEUE_TYPE_INPUT};
	struct virtio_video_query_capability_resp *h = (void *)resp;
	struct virtio_video_format_desc *d = (void *)(resp + 16);
	struct virtio_video_format_frame *fr = (void *)(resp + 16 + 24);
	struct virtio_video_format_range *rate = (void *)(resp + 16 + 24 + 40);
	struct virtio_video_query_control qctl = {.hdr = {VIRTIO_VIDEO_CMD_QUERY_CONTROL, 0},
						  .control = VIRTIO_VIDEO_CONTROL_LEVEL,
						  .format = VIRTIO_VIDEO_FORMAT_H264};
	uint32_t *vals = (uint32_t *)(resp + 16);

	assert_int_equal(vg_cmd(&g, &qc, sizeof(qc), resp, sizeof(resp)), 16 + 2 * 80);
	assert_int_equal(h->hdr.type, VIRTIO_VIDEO_RESP_OK_QUERY_CAPABILITY);
	assert_int_equal(h->num_descs, 2);
	assert_int_equal(d->format, VIRTIO_VIDEO_FORMAT_NV12);
	assert_int_equal(d->num_frames, 1);
	assert_true(d->mask & 1);
	assert_int_equal(fr->num_rates, 1);
	assert_true(fr->width.min <= W && fr->width.max >= 1920);
	/* V4L2 clients' S_PARM is refused in the guest outside these: 1-60 must be covered. */
	assert_true(rate->min <= 1 && rate->max >= 60);
	qc.queue_type = VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT;
	assert_true(vg_cmd(&g, &qc, sizeof(qc), resp, sizeof(resp)) >= 16 + 80);
	assert_true(h->num_descs >= 1);
	assert_int_equal(d->format, VIRTIO_VIDEO_FORMAT_H264); /* the driver opens the first */
	assert_int_equal(vg_cmd(&g, &qctl, sizeof(qctl), resp, sizeof(resp)), 16 + 15 * 4);
	assert_int_equal(vals[0], 0x100);
	assert_int_equal(vals[14], 0x10e);
	qctl.control = VIRTIO_VIDEO_CONTROL_PROFILE;
	assert_int_equal(vg_cmd(&g, &qctl, sizeof(qctl), resp, sizeof(resp)), 16 + 3 * 4);
	assert_int_equal(vals[0], VIRTIO_VIDEO_PROFILE_H264_BASELINE);
}

static void no_route(void *o, unsigned v, uint64_t addr, uint32_t data)
{
}

static void no_fire(void *o, unsigned v)
{
}

#define COMMON(f) offsetof(struct virtio_pci_common_cfg, f)

/* Behind the virtio-pci transport: identity, queue sizes, config space, and a reset. */
static void test_pci_transport(void **state)
{
	static struct virtio_pci vp;
	struct virtio_pci_host host = {.msix = {no_route, no_fire, NULL}};
	uint32_t v = 0;
	char name[33] = {0};
	uint16_t q = 0;
	int h;

	virtio_pci_init(&vp, &dev, 0xc0000000ull, host);
	vp.fn.cfg_read(&vp.fn, 0, (uint8_t *)&v, 4);
	assert_int_equal(v, 0x105eu << 16 | 0x1af4); /* 0x1040 + device 30 */
	for (uint16_t sel = 0; sel < 2; sel++) {
		uint16_t size = 0;

		virtio_pci_bar_write(&vp, COMMON(queue_select), (uint8_t *)&sel, 2);
		virtio_pci_bar_read(&vp, COMMON(queue_size), (uint8_t *)&size, 2);
		assert_int_equal(size, sel ? 256 : 1024);
	}
	virtio_pci_bar_read(&vp, VPCI_DEVICE + 4, (uint8_t *)&v, 4);
	assert_int_equal(v, 1024); /* max_caps_length */
	for (unsigned i = 0; i < 32; i += 4)
		virtio_pci_bar_read(&vp, VPCI_DEVICE + 12 + i, (uint8_t *)name + i, 4);
	assert_string_equal(name, "libavcodec");

	/* A reset with a stream, resources and a held command: all of it goes. */
	assert_int_equal(vg_attach(&g, &dev), 0);
	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	encode(0, 2, MOVING);
	h = vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, OUT_ID, 0);
	assert_false(vg_poll(&g, h));
	virtio_pci_bar_write(&vp, COMMON(device_status), (uint8_t *)&q, 1); /* reset */
	assert_false(dev.driver_ok);
	assert_false(vg_poll(&g, h)); /* the rings were reset: nothing is returned into them */
	assert_int_equal(vg_attach(&g, &dev), 0);
	{
		struct virtio_video_params p;

		assert_int_equal(vg_get_params(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, &p),
				 VIRTIO_VIDEO_RESP_ERR_INVALID_STREAM_ID);
	}
	run.n = 0;
	run.stream_len = 0;
	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	encode(0, 1, MOVING);
}

VIDEO_TEST_MAIN(VIDEO_TEST(test_config_space), VIDEO_TEST(test_capabilities),
		VIDEO_TEST(test_pci_transport))
