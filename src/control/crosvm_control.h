/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libcrosvm_control: manage a running crosvm-c VM from C, through its control
 * socket (crosvm run -s PATH). The functions have the names and signatures of
 * crosvm's own crosvm_control.h, so a program written for crosvm builds and
 * links against this library unchanged (for the functions below).
 *
 * Every function returns true on success and false on any failure: no VM at
 * the socket, a refused request, a malformed or unexpected answer, or no
 * answer within 15 seconds (connecting and answering together). Then errno
 * says why (ETIMEDOUT, ECONNREFUSED, ENOENT, EPROTO, or the VM's own error)
 * and crosvm_client_last_error() gives one line about it. A NULL socket_path
 * fails with EINVAL. The functions are safe to call from several threads.
 *
 * pkg-config: libcrosvm_control. #include <crosvm/crosvm_control.h>
 */
#ifndef CROSVM_CONTROL_H
#define CROSVM_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CROSVM_CONTROL_API __attribute__((visibility("default")))
#else
#define CROSVM_CONTROL_API
#endif

/* The guest's memory statistics, in bytes or events; -1 where the guest reported none. */
struct BalloonStatsFfi {
	int64_t swap_in;
	int64_t swap_out;
	int64_t major_faults;
	int64_t minor_faults;
	int64_t free_memory;
	int64_t total_memory;
	int64_t available_memory;
	int64_t disk_caches;
	int64_t hugetlb_allocations;
	int64_t hugetlb_failures;
	int64_t shared_memory;
	int64_t unevictable_memory;
};

/* Stops the VM in order (its disks flushed). */
CROSVM_CONTROL_API bool crosvm_client_stop_vm(const char *socket_path);
/* Pauses its vCPUs and device queues / lets them go on. */
CROSVM_CONTROL_API bool crosvm_client_suspend_vm(const char *socket_path);
CROSVM_CONTROL_API bool crosvm_client_resume_vm(const char *socket_path);
/* Sets the balloon's target size in bytes. */
CROSVM_CONTROL_API bool crosvm_client_balloon_vms(const char *socket_path, uint64_t num_bytes);
/*
 * The guest's latest memory statistics and the balloon's actual size in bytes;
 * stats and actual are each optional (NULL: not written).
 */
CROSVM_CONTROL_API bool crosvm_client_balloon_stats(const char *socket_path,
						    struct BalloonStatsFfi *stats,
						    uint64_t *actual);
/* The same, waiting at most timeout_ms for the answer instead of 15 s. */
CROSVM_CONTROL_API bool crosvm_client_balloon_stats_with_timeout(const char *socket_path,
								 uint64_t timeout_ms,
								 struct BalloonStatsFfi *stats,
								 uint64_t *actual);
/* Grows writable disk disk_index (0 = /dev/vda) to new_size bytes. */
CROSVM_CONTROL_API bool crosvm_client_resize_disk(const char *socket_path, uint64_t disk_index,
						  uint64_t new_size);

/*
 * crosvm-c's own addition: why the calling thread's last call failed, as one
 * printable line ("" before any failure). Valid until that thread's next call.
 */
CROSVM_CONTROL_API const char *crosvm_client_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
