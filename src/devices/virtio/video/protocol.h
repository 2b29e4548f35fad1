/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_PROTOCOL_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_PROTOCOL_H

/*
 * The virtio-video wire format (the out-of-tree protocol spoken by the
 * ChromeOS/Android guest driver and crosvm). No installed header has it, so
 * the structs are written from the protocol's tables; every size is checked
 * below. All fields are little endian; this VMM only runs on x86_64, so they
 * are used as native integers.
 */
#include <stdint.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "virtio-video structs are used as native integers: little-endian hosts only"
#endif

#define VIRTIO_ID_VIDEO_ENCODER 30

/* Feature bits. */
#define VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES   0
#define VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG    1
#define VIRTIO_VIDEO_F_RESOURCE_VIRTIO_OBJECT 2

#define VIRTIO_VIDEO_MAX_PLANES 8

/* Command types. */
#define VIRTIO_VIDEO_CMD_QUERY_CAPABILITY     0x100
#define VIRTIO_VIDEO_CMD_STREAM_CREATE	      0x101
#define VIRTIO_VIDEO_CMD_STREAM_DESTROY	      0x102
#define VIRTIO_VIDEO_CMD_STREAM_DRAIN	      0x103
#define VIRTIO_VIDEO_CMD_RESOURCE_CREATE      0x104
#define VIRTIO_VIDEO_CMD_RESOURCE_QUEUE	      0x105
#define VIRTIO_VIDEO_CMD_RESOURCE_DESTROY_ALL 0x106
#define VIRTIO_VIDEO_CMD_QUEUE_CLEAR	      0x107
#define VIRTIO_VIDEO_CMD_GET_PARAMS	      0x108
#define VIRTIO_VIDEO_CMD_SET_PARAMS	      0x109
#define VIRTIO_VIDEO_CMD_QUERY_CONTROL	      0x10a
#define VIRTIO_VIDEO_CMD_GET_CONTROL	      0x10b
#define VIRTIO_VIDEO_CMD_SET_CONTROL	      0x10c

/* Response types. */
#define VIRTIO_VIDEO_RESP_OK_NODATA		  0x200
#define VIRTIO_VIDEO_RESP_OK_QUERY_CAPABILITY	  0x201
#define VIRTIO_VIDEO_RESP_OK_RESOURCE_QUEUE	  0x202
#define VIRTIO_VIDEO_RESP_OK_GET_PARAMS		  0x203
#define VIRTIO_VIDEO_RESP_OK_QUERY_CONTROL	  0x204
#define VIRTIO_VIDEO_RESP_OK_GET_CONTROL	  0x205
#define VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION	  0x300
#define VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY	  0x301
#define VIRTIO_VIDEO_RESP_ERR_INVALID_STREAM_ID	  0x302
#define VIRTIO_VIDEO_RESP_ERR_INVALID_RESOURCE_ID 0x303
#define VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER	  0x304
#define VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL 0x305

/* Queue types (encoder: INPUT = raw frames, OUTPUT = bitstream). */
#define VIRTIO_VIDEO_QUEUE_TYPE_INPUT  0x100
#define VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT 0x101

#define VIRTIO_VIDEO_MEM_TYPE_GUEST_PAGES   0
#define VIRTIO_VIDEO_MEM_TYPE_VIRTIO_OBJECT 1

#define VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER 1
#define VIRTIO_VIDEO_PLANES_LAYOUT_PER_PLANE	 2

/* RESOURCE_QUEUE response flags. */
#define VIRTIO_VIDEO_BUFFER_FLAG_ERR	0x01
#define VIRTIO_VIDEO_BUFFER_FLAG_EOS	0x02
#define VIRTIO_VIDEO_BUFFER_FLAG_IFRAME 0x04
#define VIRTIO_VIDEO_BUFFER_FLAG_PFRAME 0x08
#define VIRTIO_VIDEO_BUFFER_FLAG_BFRAME 0x10

/* Formats. */
#define VIRTIO_VIDEO_FORMAT_NV12   3
#define VIRTIO_VIDEO_FORMAT_YUV420 4 /* I420: Y, U, V planes */
#define VIRTIO_VIDEO_FORMAT_H264   0x1002
#define VIRTIO_VIDEO_FORMAT_VP8	   0x1004
#define VIRTIO_VIDEO_FORMAT_VP9	   0x1005

/* Profiles and levels. */
#define VIRTIO_VIDEO_PROFILE_H264_BASELINE 0x100
#define VIRTIO_VIDEO_PROFILE_H264_MAIN	   0x101
#define VIRTIO_VIDEO_PROFILE_H264_HIGH	   0x103
#define VIRTIO_VIDEO_PROFILE_VP8_PROFILE0  0x300
#define VIRTIO_VIDEO_PROFILE_VP9_PROFILE0  0x400
#define VIRTIO_VIDEO_LEVEL_H264_1_0	   0x100
#define VIRTIO_VIDEO_LEVEL_H264_5_1	   0x10e

#define VIRTIO_VIDEO_BITRATE_MODE_VBR 0
#define VIRTIO_VIDEO_BITRATE_MODE_CBR 1

/* Controls. */
#define VIRTIO_VIDEO_CONTROL_BITRATE		   1
#define VIRTIO_VIDEO_CONTROL_PROFILE		   2
#define VIRTIO_VIDEO_CONTROL_LEVEL		   3
#define VIRTIO_VIDEO_CONTROL_FORCE_KEYFRAME	   4
#define VIRTIO_VIDEO_CONTROL_BITRATE_MODE	   5
#define VIRTIO_VIDEO_CONTROL_BITRATE_PEAK	   6
#define VIRTIO_VIDEO_CONTROL_PREPEND_SPSPPS_TO_IDR 7

#define VIRTIO_VIDEO_EVENT_ERROR 0x100

struct virtio_video_config {
	uint32_t version;
	uint32_t max_caps_length;
	uint32_t max_resp_length;
	uint8_t device_name[32]; /* crosvm's extension: the backend's name, NUL padded */
};

struct virtio_video_cmd_hdr {
	uint32_t type;
	uint32_t stream_id;
};

struct virtio_video_query_capability {
	struct virtio_video_cmd_hdr hdr;
	uint32_t queue_type;
	uint8_t padding[4];
};

struct virtio_video_query_capability_resp {
	struct virtio_video_cmd_hdr hdr;
	uint32_t num_descs;
	uint8_t padding[4];
	/* then num_descs format_desc, each followed by its frames */
};

struct virtio_video_format_range {
	uint32_t min;
	uint32_t max;
	uint32_t step;
	uint8_t padding[4];
};

struct virtio_video_format_frame {
	struct virtio_video_format_range width;
	struct virtio_video_format_range height;
	uint32_t num_rates;
	uint8_t padding[4];
	/* then num_rates format_range (frame rates) */
};

struct virtio_video_format_desc {
	uint64_t mask;
	uint32_t format;
	uint32_t planes_layout;
	uint32_t plane_align;
	uint32_t num_frames;
	/* then num_frames format_frame */
};

struct virtio_video_stream_create {
	struct virtio_video_cmd_hdr hdr;
	uint32_t in_mem_type;
	uint32_t out_mem_type;
	uint32_t coded_format;
	uint8_t padding[4];
	uint8_t tag[64];
};

struct virtio_video_mem_entry {
	uint64_t addr;
	uint32_t length;
	uint8_t padding[4];
};

struct virtio_video_resource_create {
	struct virtio_video_cmd_hdr hdr;
	uint32_t queue_type;
	uint32_t resource_id;
	uint32_t planes_layout;
	uint32_t num_planes;
	uint32_t plane_offsets[VIRTIO_VIDEO_MAX_PLANES];
	uint32_t num_entries[VIRTIO_VIDEO_MAX_PLANES];
	/* then the mem_entry of every plane, planes in order */
};

struct virtio_video_resource_queue {
	struct virtio_video_cmd_hdr hdr;
	uint32_t queue_type;
	uint32_t resource_id;
	uint64_t timestamp;
	uint32_t num_data_sizes;
	uint32_t data_sizes[VIRTIO_VIDEO_MAX_PLANES];
	uint8_t padding[4];
};

struct virtio_video_resource_queue_resp {
	struct virtio_video_cmd_hdr hdr;
	uint64_t timestamp;
	uint32_t flags;
	uint32_t size;
};

/* RESOURCE_DESTROY_ALL and QUEUE_CLEAR share this body. */
struct virtio_video_queue_cmd {
	struct virtio_video_cmd_hdr hdr;
	uint32_t queue_type;
	uint8_t padding[4];
};

struct virtio_video_plane_format {
	uint32_t plane_size;
	uint32_t stride;
};

struct virtio_video_crop {
	uint32_t left;
	uint32_t top;
	uint32_t width;
	uint32_t height;
};

struct virtio_video_params {
	uint32_t queue_type;
	uint32_t format;
	uint32_t frame_width;
	uint32_t frame_height;
	uint32_t min_buffers;
	uint32_t max_buffers;
	struct virtio_video_crop crop;
	uint32_t frame_rate;
	uint32_t num_planes;
	struct virtio_video_plane_format plane_formats[VIRTIO_VIDEO_MAX_PLANES];
};

struct virtio_video_get_params {
	struct virtio_video_cmd_hdr hdr;
	uint32_t queue_type;
	uint8_t padding[4];
};

struct virtio_video_params_cmd { /* SET_PARAMS request, GET_PARAMS response */
	struct virtio_video_cmd_hdr hdr;
	struct virtio_video_params params;
};

struct virtio_video_query_control {
	struct virtio_video_cmd_hdr hdr;
	uint32_t control;
	uint8_t padding[4];
	uint32_t format; /* query_control_profile / _level */
	uint8_t padding2[4];
};

struct virtio_video_query_control_resp {
	struct virtio_video_cmd_hdr hdr;
	uint32_t num;
	uint8_t padding[4];
	/* then num le32 values */
};

struct virtio_video_control_val {
	uint32_t value;
	uint8_t padding[4];
};

/* GET_CONTROL request is the first 16 bytes; SET_CONTROL adds the value (optional for
 * FORCE_KEYFRAME). */
struct virtio_video_control_cmd {
	struct virtio_video_cmd_hdr hdr;
	uint32_t control;
	uint8_t padding[4];
	struct virtio_video_control_val val;
};

struct virtio_video_get_control_resp {
	struct virtio_video_cmd_hdr hdr;
	struct virtio_video_control_val val;
};

struct virtio_video_event {
	uint32_t event_type;
	uint32_t stream_id;
};

#define VIDEO_CHECK_SIZE(t, n) _Static_assert(sizeof(struct t) == (n), #t " is " #n " bytes")
VIDEO_CHECK_SIZE(virtio_video_config, 44);
VIDEO_CHECK_SIZE(virtio_video_cmd_hdr, 8);
VIDEO_CHECK_SIZE(virtio_video_query_capability, 16);
VIDEO_CHECK_SIZE(virtio_video_query_capability_resp, 16);
VIDEO_CHECK_SIZE(virtio_video_format_range, 16);
VIDEO_CHECK_SIZE(virtio_video_format_frame, 40);
VIDEO_CHECK_SIZE(virtio_video_format_desc, 24);
VIDEO_CHECK_SIZE(virtio_video_stream_create, 88);
VIDEO_CHECK_SIZE(virtio_video_mem_entry, 16);
VIDEO_CHECK_SIZE(virtio_video_resource_create, 88);
VIDEO_CHECK_SIZE(virtio_video_resource_queue, 64);
VIDEO_CHECK_SIZE(virtio_video_resource_queue_resp, 24);
VIDEO_CHECK_SIZE(virtio_video_queue_cmd, 16);
VIDEO_CHECK_SIZE(virtio_video_params, 112);
VIDEO_CHECK_SIZE(virtio_video_get_params, 16);
VIDEO_CHECK_SIZE(virtio_video_params_cmd, 120);
VIDEO_CHECK_SIZE(virtio_video_query_control, 24);
VIDEO_CHECK_SIZE(virtio_video_query_control_resp, 16);
VIDEO_CHECK_SIZE(virtio_video_control_cmd, 24);
VIDEO_CHECK_SIZE(virtio_video_get_control_resp, 16);
VIDEO_CHECK_SIZE(virtio_video_event, 8);
#undef VIDEO_CHECK_SIZE

#endif
