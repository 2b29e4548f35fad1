/* SPDX-License-Identifier: BSD-3-Clause */
/* A parsed policy, between policy_parse.c (text -> rules) and policy.c (rules -> libseccomp). */
#ifndef CROSVM_SANDBOX_POLICY_AST_H
#define CROSVM_SANDBOX_POLICY_AST_H

#include <stddef.h>
#include <stdint.h>

#include "sandbox/policy.h"

#define POLICY_MAX_INCLUDE_DEPTH 8
/* Comparisons in one rule line; bounds the work hostile input can cause. */
#define POLICY_MAX_ATOMS 64

enum policy_op { POP_EQ, POP_NE, POP_LT, POP_LE, POP_GT, POP_GE, POP_SET, POP_IN };

struct policy_atom {
	unsigned arg; /* 0..5 */
	enum policy_op op;
	uint64_t val;
	unsigned group; /* atoms of one "&&" group share it; groups are "||"ed */
};

enum policy_action {
	PACT_ALLOW,
	PACT_ERRNO,
	PACT_KILL_PROCESS,
	PACT_KILL_THREAD,
	PACT_TRAP,
	PACT_LOG,
	PACT_DEFAULT, /* the filter's default (its policy_mode) */
};

/*
 * One "syscall: ..." line. Without atoms, `action` applies unconditionally; with them,
 * the call is allowed when they hold and gets `else_action` (DEFAULT or ERRNO) otherwise.
 */
struct policy_rule {
	int nr;
	const char *file; /* owned by the policy */
	unsigned line;
	enum policy_action action, else_action;
	unsigned errno_val, else_errno;
	struct policy_atom *atoms;
	size_t natoms, ngroups;
};

struct policy {
	struct policy_rule *rules;
	size_t nrules;
	char **files; /* every file read, for rule->file */
	size_t nfiles;
};

int policy_parse(const char *name, policy_resolver resolve, void *ctx, struct policy *out,
		 char *err, size_t errlen);
void policy_free(struct policy *p);

/* Named constants usable as values (O_*, PROT_*, MAP_*, KVM_*, errno names, ...). */
int policy_const_lookup(const char *name, size_t len, uint64_t *val);

#endif
