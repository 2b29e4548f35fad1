// SPDX-License-Identifier: BSD-3-Clause
/*
 * struct policy -> libseccomp filter, and installing it.
 *
 * libseccomp takes rules that are an "and" of comparisons, at most one per argument, so each
 * policy expression is brought to that shape: every atom becomes an "or" of primitive
 * comparisons (arg & FLAGS, with several flags, is "some bit set": one masked test per bit),
 * each "&&" group is then an "and" of such "or"s, multiplied out into libseccomp rules, and
 * two tests of one argument in a rule are merged (or the rule dropped when they contradict).
 *
 * "expr; return E" needs the rules for "not expr" too, since libseccomp has no "otherwise"
 * (an unconditional rule for the syscall replaces its argument rules, and overlapping rules
 * with different actions have no defined winner): not(G1 || G2) = not(G1) && not(G2), each
 * not(Gi) an "or" of negated atoms, multiplied out the same way into errno rules. Where two
 * tests of one argument cannot become one (arg1 != 1 && arg1 != 2), the line is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/policy.h"
#include "sandbox/policy_ast.h"

/* A policy line expanding further is a mistake, and would make a slow, huge filter. */
#define MAX_SECCOMP_RULES_PER_LINE 256
#define NARGS			   6

/* One libseccomp comparison; TAUTOLOGY is a test that always holds (a mask of 0 against 0). */
#define CMP_TAUTOLOGY ((enum scmp_compare)0)

struct prim {
	unsigned arg;
	enum scmp_compare op;
	uint64_t a, b; /* value, or mask and masked value for SCMP_CMP_MASKED_EQ */
};

struct compiler {
	scmp_filter_ctx f;
	unsigned nadded; /* libseccomp rules for the current policy line */
	bool ranged;	 /* ... and whether one has a != < <= > >= test */
	bool dry;	 /* only count them: libseccomp can take very long on bad lines */
	uint32_t def;
	enum policy_mode mode;
	char *err;
	size_t errlen;
};

static int cerr(struct compiler *c, const struct policy_rule *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cerr(struct compiler *c, const struct policy_rule *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->errlen)
		return -1;
	va_start(ap, fmt);
	n = snprintf(c->err, c->errlen, "%s:%u: ", r->file, r->line);
	/* The analyzer (clang-tidy 14) loses the va_start() above when it inlines cerr(). */
	if (n >= 0 && (size_t)n < c->errlen)
		// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static unsigned any_bit_set(unsigned arg, uint64_t mask, struct prim *out)
{
	unsigned n = 0;

	for (unsigned bit = 0; bit < 64; bit++) {
		uint64_t b = 1ULL << bit;

		if (mask & b)
			out[n++] = (struct prim){arg, SCMP_CMP_MASKED_EQ, b, b};
	}
	return n;
}

static unsigned no_bit_set(unsigned arg, uint64_t mask, struct prim *out)
{
	out[0] = (struct prim){arg, mask ? SCMP_CMP_MASKED_EQ : CMP_TAUTOLOGY, mask, 0};
	return 1;
}

/* The atom (or its negation) as an "or" of prims into out[64]; 0 prims means "never". */
static unsigned atom_prims(const struct policy_atom *a, bool negate, struct prim *out)
{
	static const enum scmp_compare pos[] = {
		[POP_EQ] = SCMP_CMP_EQ, [POP_NE] = SCMP_CMP_NE, [POP_LT] = SCMP_CMP_LT,
		[POP_LE] = SCMP_CMP_LE, [POP_GT] = SCMP_CMP_GT, [POP_GE] = SCMP_CMP_GE,
	};
	static const enum scmp_compare neg[] = {
		[POP_EQ] = SCMP_CMP_NE, [POP_NE] = SCMP_CMP_EQ, [POP_LT] = SCMP_CMP_GE,
		[POP_LE] = SCMP_CMP_GT, [POP_GT] = SCMP_CMP_LE, [POP_GE] = SCMP_CMP_LT,
	};

	switch (a->op) {
	case POP_SET: /* some bit of val set */
		return negate ? no_bit_set(a->arg, a->val, out) : any_bit_set(a->arg, a->val, out);
	case POP_IN: /* no bit outside val set */
		return negate ? any_bit_set(a->arg, ~a->val, out)
			      : no_bit_set(a->arg, ~a->val, out);
	default:
		out[0] = (struct prim){a->arg, negate ? neg[a->op] : pos[a->op], a->val, 0};
		return 1;
	}
}

static bool prim_holds(const struct prim *p, uint64_t v)
{
	switch (p->op) {
	case SCMP_CMP_EQ:
		return v == p->a;
	case SCMP_CMP_NE:
		return v != p->a;
	case SCMP_CMP_LT:
		return v < p->a;
	case SCMP_CMP_LE:
		return v <= p->a;
	case SCMP_CMP_GT:
		return v > p->a;
	case SCMP_CMP_GE:
		return v >= p->a;
	case SCMP_CMP_MASKED_EQ:
		return (v & p->a) == p->b;
	default:
		return true;
	}
}

enum merge { MERGED, UNSATISFIABLE, UNMERGEABLE };

/* The values an EQ/LT/LE/GT/GE test accepts, as [lo, hi]; false for other tests. */
static bool interval(const struct prim *p, uint64_t *lo, uint64_t *hi)
{
	*lo = 0;
	*hi = UINT64_MAX;
	switch (p->op) {
	case SCMP_CMP_EQ:
		*lo = *hi = p->a;
		return true;
	case SCMP_CMP_LT:
		if (!p->a)
			*lo = 1; /* nothing: lo > hi */
		else
			*hi = p->a - 1;
		return true;
	case SCMP_CMP_LE:
		*hi = p->a;
		return true;
	case SCMP_CMP_GT:
		if (p->a == UINT64_MAX) {
			*lo = 1; /* nothing */
			*hi = 0;
		} else {
			*lo = p->a + 1;
		}
		return true;
	case SCMP_CMP_GE:
		*lo = p->a;
		return true;
	default:
		return false;
	}
}

/* Two range tests of one argument: their intersection, if one test can say it. */
static enum merge merge_intervals(struct prim *slot, const struct prim *p)
{
	uint64_t lo1, hi1, lo2, hi2, lo, hi;

	interval(slot, &lo1, &hi1);
	interval(p, &lo2, &hi2);
	lo = lo1 > lo2 ? lo1 : lo2;
	hi = hi1 < hi2 ? hi1 : hi2;
	if (lo > hi)
		return UNSATISFIABLE;
	if (lo == hi)
		*slot = (struct prim){slot->arg, SCMP_CMP_EQ, lo, 0};
	else if (lo == 0)
		*slot = (struct prim){slot->arg, SCMP_CMP_LE, hi, 0};
	else if (hi == UINT64_MAX)
		*slot = (struct prim){slot->arg, SCMP_CMP_GE, lo, 0};
	else
		return UNMERGEABLE;
	return MERGED;
}

/* Whether every value passing `strong` also passes `weak`, for the cases that matter here. */
static bool implies(const struct prim *strong, const struct prim *weak)
{
	uint64_t lo, hi, wlo, whi;

	if (weak->op == SCMP_CMP_NE && interval(strong, &lo, &hi))
		return weak->a < lo || weak->a > hi;
	/* arg & m == v means arg >= v. */
	if (strong->op == SCMP_CMP_MASKED_EQ && interval(weak, &wlo, &whi))
		return whi == UINT64_MAX && strong->b >= wlo;
	return false;
}

/* Folds p into the one comparison per argument that libseccomp allows. */
static enum merge merge(struct prim *slot, bool *used, const struct prim *p)
{
	uint64_t lo, hi;

	if (p->op == CMP_TAUTOLOGY)
		return MERGED;
	if (!*used) {
		*slot = *p;
		*used = true;
		return MERGED;
	}
	if (slot->op == p->op && slot->a == p->a && slot->b == p->b)
		return MERGED;
	if (slot->op == SCMP_CMP_EQ)
		return prim_holds(p, slot->a) ? MERGED : UNSATISFIABLE;
	if (p->op == SCMP_CMP_EQ) {
		if (!prim_holds(slot, p->a))
			return UNSATISFIABLE;
		*slot = *p;
		return MERGED;
	}
	if (slot->op == SCMP_CMP_MASKED_EQ && p->op == SCMP_CMP_MASKED_EQ) {
		uint64_t both = slot->a & p->a;

		if ((slot->b & both) != (p->b & both))
			return UNSATISFIABLE;
		slot->a |= p->a;
		slot->b |= p->b;
		return MERGED;
	}
	if (interval(slot, &lo, &hi) && interval(p, &lo, &hi))
		return merge_intervals(slot, p);
	if (implies(slot, p))
		return MERGED;
	if (implies(p, slot)) {
		*slot = *p;
		return MERGED;
	}
	return UNMERGEABLE;
}

static uint32_t seccomp_action(const struct compiler *c, enum policy_action a, unsigned err)
{
	switch (a) {
	case PACT_ALLOW:
		return SCMP_ACT_ALLOW;
	case PACT_ERRNO:
		return SCMP_ACT_ERRNO(err);
	case PACT_KILL_PROCESS: /* a kill line is a kill in TRAP mode too */
		return c->mode == POLICY_MODE_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
	case PACT_KILL_THREAD:
		return c->mode == POLICY_MODE_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_THREAD;
	case PACT_TRAP:
		return SCMP_ACT_TRAP;
	case PACT_LOG:
		return SCMP_ACT_LOG;
	case PACT_DEFAULT:
		break;
	}
	return c->def;
}

static int add(struct compiler *c, const struct policy_rule *r, uint32_t act,
	       const struct scmp_arg_cmp *cmp, unsigned ncmp)
{
	int rc;

	/* libseccomp refuses a rule that repeats the default; it would change nothing. */
	if (act == c->def)
		return 0;
	for (unsigned i = 0; i < ncmp; i++)
		c->ranged |= cmp[i].op != SCMP_CMP_EQ && cmp[i].op != SCMP_CMP_MASKED_EQ;
	c->nadded++;
	if (c->dry)
		return 0;
	rc = seccomp_rule_add_array(c->f, act, r->nr, ncmp, cmp);
	if (rc)
		return cerr(c, r, "libseccomp refused the rule: %s", strerror(-rc));
	return 0;
}

/* The clauses (an "and" of "or"s of prims), multiplied out into libseccomp rules. */
struct cnf {
	struct prim *prims;
	unsigned *start; /* clause i is prims[start[i] .. start[i + 1]) */
	unsigned nclauses;
};

static int emit_cnf(struct compiler *c, const struct policy_rule *r, const struct cnf *f,
		    uint32_t act)
{
	unsigned pick[POLICY_MAX_ATOMS];
	size_t combos = 1;

	for (unsigned i = 0; i < f->nclauses; i++) {
		size_t n = f->start[i + 1] - f->start[i];

		if (!n)
			return 0; /* a clause that never holds: so does the whole */
		if (combos > MAX_SECCOMP_RULES_PER_LINE / n)
			return cerr(c, r, "expression needs more than %d seccomp rules",
				    MAX_SECCOMP_RULES_PER_LINE);
		combos *= n;
		pick[i] = 0;
	}
	for (size_t k = 0; k < combos; k++) {
		struct prim slot[NARGS];
		bool used[NARGS] = {false};
		struct scmp_arg_cmp cmp[NARGS];
		unsigned ncmp = 0, i;
		enum merge m = MERGED;

		for (i = 0; i < f->nclauses && m == MERGED; i++) {
			const struct prim *p = &f->prims[f->start[i] + pick[i]];

			m = merge(&slot[p->arg], &used[p->arg], p);
			if (m == UNMERGEABLE)
				return cerr(c, r,
					    "arg%u: two tests that libseccomp cannot combine into "
					    "the one comparison per argument it allows",
					    p->arg);
		}
		if (m == MERGED) {
			for (unsigned a = 0; a < NARGS; a++) {
				if (used[a])
					cmp[ncmp++] = (struct scmp_arg_cmp){a, slot[a].op,
									    slot[a].a, slot[a].b};
			}
			if (add(c, r, act, cmp, ncmp))
				return -1;
		}
		/* Next combination, odometer style. */
		for (i = 0; i < f->nclauses; i++) {
			if (++pick[i] < f->start[i + 1] - f->start[i])
				break;
			pick[i] = 0;
		}
	}
	return 0;
}

static int emit_filtered(struct compiler *c, const struct policy_rule *r)
{
	/* Each atom yields at most 64 prims, positive or negated. */
	struct prim *prims = calloc(r->natoms * 64, sizeof(*prims));
	unsigned *start = calloc(r->natoms + 1, sizeof(*start));
	struct cnf f = {.prims = prims, .start = start};
	uint32_t else_act = seccomp_action(c, r->else_action, r->else_errno);
	unsigned n = 0;
	int rc = -1;

	if (!prims || !start) {
		cerr(c, r, "out of memory");
		goto out;
	}
	c->nadded = 0;
	c->ranged = false;
	/* Allowed when some group holds: each group is an "and" of atoms, each an "or". */
	for (size_t g = 0, i = 0; g < r->ngroups; g++) {
		f.nclauses = 0;
		n = 0;
		for (; i < r->natoms && r->atoms[i].group == g; i++) {
			start[f.nclauses++] = n;
			n += atom_prims(&r->atoms[i], false, prims + n);
		}
		start[f.nclauses] = n;
		if (emit_cnf(c, r, &f, SCMP_ACT_ALLOW))
			goto out;
	}
	/* Otherwise the else-action: an "and" over groups of "or"s of negated atoms. */
	if (else_act != c->def) {
		size_t i = 0;

		n = 0;
		f.nclauses = 0;
		for (size_t g = 0; g < r->ngroups; g++) {
			start[f.nclauses++] = n;
			for (; i < r->natoms && r->atoms[i].group == g; i++)
				n += atom_prims(&r->atoms[i], true, prims + n);
		}
		start[f.nclauses] = n;
		if (emit_cnf(c, r, &f, else_act))
			goto out;
	}
	/*
	 * libseccomp 2.5 merges the decision trees of several rules of one syscall wrongly when
	 * they hold != or range tests ("arg1 < 3 && arg2 > 1000 || arg1 <= 0 && arg2 < 6" lets
	 * (2, 0) through; an "arg1 != 0x2000" group hides its sibling groups), so such a test
	 * must stay its syscall's only rule. == & and in are safe in any number of rules.
	 */
	if (c->dry && c->ranged && c->nadded > 1) {
		cerr(c, r,
		     "!= < <= > >= (or == with \"; return\") need the whole line to be one seccomp "
		     "rule (libseccomp merges several wrongly); use == & in");
		goto out;
	}
	rc = 0;
out:
	free(prims);
	free(start);
	return rc;
}

/* A dry run checks what libseccomp would be given before it is given anything. */
static int compile_filtered(struct compiler *c, const struct policy_rule *r)
{
	int rc;

	c->dry = true;
	rc = emit_filtered(c, r);
	c->dry = false;
	return rc ? rc : emit_filtered(c, r);
}

int policy_compile(const char *name, policy_resolver resolve, void *ctx, enum policy_mode mode,
		   scmp_filter_ctx *out, char *err, size_t errlen)
{
	static const struct {
		uint32_t act;
		const char *name;
	} defaults[] = {
		[POLICY_MODE_KILL] = {SCMP_ACT_KILL_PROCESS, "SECCOMP_RET_KILL_PROCESS"},
		[POLICY_MODE_TRAP] = {SCMP_ACT_TRAP, "SECCOMP_RET_TRAP"},
		[POLICY_MODE_LOG] = {SCMP_ACT_LOG, "SECCOMP_RET_LOG"},
	};
	struct compiler c = {.mode = mode, .err = err, .errlen = errlen};
	struct policy p;

	*out = NULL;
	if ((unsigned)mode >= sizeof(defaults) / sizeof(defaults[0])) {
		snprintf(err, errlen, "%s:0: unknown policy mode %d", name, (int)mode);
		return -1;
	}
	if (seccomp_arch_native() != SCMP_ARCH_X86_64) {
		snprintf(err, errlen, "%s:0: seccomp policies are for x86_64 only", name);
		return -1;
	}
	if (policy_parse(name, resolve, ctx, &p, err, errlen))
		return -1;
	c.def = defaults[mode].act;
	c.f = seccomp_init(c.def);
	if (!c.f) {
		snprintf(err, errlen, "%s:0: seccomp_init failed (kernel without %s?)", name,
			 defaults[mode].name);
		policy_free(&p);
		return -1;
	}
	/* A binary tree over syscall numbers instead of a linear list: fewer checks per call. */
	seccomp_attr_set(c.f, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < p.nrules; i++) {
		const struct policy_rule *r = &p.rules[i];
		int rc = r->natoms
				 ? compile_filtered(&c, r)
				 : add(&c, r, seccomp_action(&c, r->action, r->errno_val), NULL, 0);

		if (rc) {
			seccomp_release(c.f);
			policy_free(&p);
			return -1;
		}
	}
	policy_free(&p);
	*out = c.f;
	return 0;
}

int policy_load(scmp_filter_ctx filter, unsigned flags, char *err, size_t errlen)
{
	int rc;

	/* Unprivileged processes may only install a filter with no_new_privs set. */
	rc = seccomp_attr_set(filter, SCMP_FLTATR_CTL_NNP, 1);
	if (!rc)
		rc = seccomp_attr_set(filter, SCMP_FLTATR_CTL_TSYNC,
				      (flags & POLICY_LOAD_TSYNC) ? 1 : 0);
	if (rc) {
		snprintf(err, errlen, "seccomp: cannot set filter attributes: %s", strerror(-rc));
		return -1;
	}
	rc = seccomp_load(filter);
	if (rc) {
		snprintf(err, errlen, "seccomp: cannot load the filter: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

int policy_install(const char *name, policy_resolver resolve, void *ctx, enum policy_mode mode,
		   unsigned flags, char *err, size_t errlen)
{
	scmp_filter_ctx f;
	int rc;

	if (policy_compile(name, resolve, ctx, mode, &f, err, errlen))
		return -1;
	rc = policy_load(f, flags, err, errlen);
	seccomp_release(f);
	return rc;
}
