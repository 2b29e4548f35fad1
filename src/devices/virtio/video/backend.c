// SPDX-License-Identifier: BSD-3-Clause
/*
 * Finds an encoder backend module (crosvm-video-<name>.so) and returns its
 * ops table: next to the crosvm binary first (a build tree, the e2e test
 * host), then in the install directory.
 */
#define _GNU_SOURCE
#include "devices/virtio/video/video.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *try_open(const char *dir, const char *name, char *why, size_t whylen)
{
	char path[PATH_MAX];
	void *h;

	if (snprintf(path, sizeof(path), "%s/crosvm-video-%s.so", dir, name) >= (int)sizeof(path))
		return NULL;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	/* Keep the most useful reason: a module that exists but does not load. */
	if (!h && access(path, F_OK) == 0)
		snprintf(why, whylen, "%s", dlerror());
	return h;
}

const struct encoder_ops *video_backend_load(const char *name, char *err, size_t errlen)
{
	char exe[PATH_MAX], why[256] = "not found";
	const struct encoder_ops *ops;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	void *h = NULL;
	char sym[64];

	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			h = try_open(exe, name, why, sizeof(why));
		}
	}
	if (!h)
		h = try_open(CROSVM_MODULE_DIR, name, why, sizeof(why));
	if (!h) {
		snprintf(err, errlen,
			 "cannot load the %s backend crosvm-video-%s.so (%s; looked next to crosvm "
			 "and in %s)",
			 name, name, why, CROSVM_MODULE_DIR);
		return NULL;
	}
	snprintf(sym, sizeof(sym), "%s_encoder", name);
	ops = dlsym(h, sym);
	if (!ops) {
		snprintf(err, errlen, "crosvm-video-%s.so has no %s", name, sym);
		dlclose(h);
		return NULL;
	}
	if (ops->abi != ENCODER_ABI) {
		snprintf(err, errlen,
			 "crosvm-video-%s.so was built for another crosvm (backend interface %u, "
			 "this crosvm needs %u)",
			 name, ops->abi, ENCODER_ABI);
		dlclose(h);
		return NULL;
	}
	return ops; /* the module stays loaded for the process's life */
}
