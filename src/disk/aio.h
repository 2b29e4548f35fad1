/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_BLOCK_AIO_H
#define CROSVM_DEVICES_BLOCK_AIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Asynchronous file I/O for disk devices: requests are submitted from the
 * device's thread and complete later, announced by an eventfd the device
 * polls. Two engines: io_uring (liburing) where the build and the kernel have
 * it, else a small pool of threads doing blocking preadv/pwritev.
 */
enum aio_op {
	AIO_READ,
	AIO_WRITE,
	AIO_FDATASYNC,
};

enum aio_engine {
	AIO_ENGINE_AUTO,
	AIO_ENGINE_URING,
	AIO_ENGINE_POOL,
};

struct aio_req {
	/* Filled by the submitter; iov is advanced in place on short transfers. */
	enum aio_op op;
	uint64_t pos;
	struct iovec *iov;
	unsigned iovcnt;
	/* Set on completion: 0 when every byte moved, else -errno (-EIO for EOF). */
	int result;
	/* Engine-private. */
	uint64_t remaining;
	struct aio_req *next;
};

struct aio;

/* Creates an engine for fd with room for depth requests in flight; returns 0 or -errno. */
int aio_create(struct aio **out, int fd, unsigned depth, enum aio_engine engine);
struct disk_image;
/* An engine over an image format (qcow2): requests run synchronously at submit. */
int aio_create_image(struct aio **out, const struct disk_image *image, unsigned depth);
/* Waits for every request in flight, then frees the engine (requests are not returned). */
void aio_destroy(struct aio *a);
/* Readable (eventfd semantics) when completions may be waiting. */
int aio_event_fd(const struct aio *a);
const char *aio_engine_name(const struct aio *a);

/* Queues a request; it starts by aio_submit_all() at the latest. Returns 0 or -errno. */
int aio_submit(struct aio *a, struct aio_req *r);
/* Starts everything queued (one system call for a batch with io_uring). */
void aio_submit_all(struct aio *a);
/* The next completed request, or NULL when none is ready; never blocks. */
struct aio_req *aio_reap(struct aio *a);
/* Requests submitted and not yet reaped. */
unsigned aio_in_flight(const struct aio *a);
/* Blocks until a completion may be ready (for reset and teardown paths). */
void aio_wait(struct aio *a);

/* For the engines: account for n bytes moved; true when the request is complete. */
bool aio_advance(struct aio_req *r, uint64_t n);
uint64_t aio_req_bytes(const struct aio_req *r);

#endif
