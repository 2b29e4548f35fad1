// SPDX-License-Identifier: BSD-3-Clause
#include "vm/seccomp.h"

#include <stdio.h>
#include <string.h>

#include "sandbox/policy.h"
#include "util/log.h"
#include "vm/vm.h"

static struct policy_prog main_prog, vcpu_prog;
static bool prepared;

static int compile(const struct vm_config *cfg, const char *name, struct policy_prog *out)
{
	scmp_filter_ctx ctx;
	char err[512];
	int r;

	/* No SIGSYS handler here: a violation kills the VMM outright (its children follow). */
	if (policy_compile(name, policy_resolve_dir, (void *)cfg->seccomp_policy_dir,
			   cfg->seccomp_log_failures ? POLICY_MODE_LOG : POLICY_MODE_KILL, &ctx,
			   err, sizeof(err))) {
		log_err("--seccomp-policy-dir: %s", err);
		return -1;
	}
	/* A second VM in one process (the unit tests) replaces the first one's program. */
	policy_prog_free(out);
	r = policy_export(ctx, 0, out, err, sizeof(err));
	seccomp_release(ctx);
	if (r)
		log_err("%s: %s", name, err);
	return r;
}

int vm_seccomp_prepare(const struct vm_config *cfg)
{
	if (compile(cfg, "main.policy", &main_prog) || compile(cfg, "vcpu.policy", &vcpu_prog))
		return -1;
	prepared = true;
	return 0;
}

int vm_seccomp_enter_main(void)
{
	return prepared ? policy_prog_load(&main_prog, 0) : 0;
}

int vm_seccomp_enter_vcpu(void)
{
	return prepared ? policy_prog_load(&vcpu_prog, 0) : 0;
}

/* A device's policy compiles (as its process will compile it); 0 or -1 with the reason logged. */
static int check_device_policy(const struct vm_config *cfg, const char *policy)
{
	scmp_filter_ctx ctx;
	char name[64], err[512];

	snprintf(name, sizeof(name), "%s.policy", policy);
	if (policy_compile(name, policy_resolve_dir, (void *)cfg->seccomp_policy_dir,
			   POLICY_MODE_TRAP, &ctx, err, sizeof(err))) {
		log_err("--seccomp-policy-dir: %s", err);
		return -1;
	}
	seccomp_release(ctx);
	return 0;
}

int vm_seccomp_check(const struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;

	if (!cfg->sandbox)
		return 0;
	if (vm_seccomp_prepare(cfg))
		return EXIT_BAD_INPUT;
	for (unsigned n = 0; n < vm->nr_devices; n++) {
		if (check_device_policy(cfg, vm->devices[n].row->ops->policy))
			return EXIT_BAD_INPUT;
	}
	return 0;
}
