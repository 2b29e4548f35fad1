// SPDX-License-Identifier: BSD-3-Clause
/* Policy text -> struct policy: lines, continuations, comments, @include, and the rule syntax. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "sandbox/policy_ast.h"

/* Bounds that keep hostile or runaway input cheap; real policies are far below them. */
#define MAX_VALUE_NESTING 16

struct parser {
	policy_resolver resolve;
	void *ctx;
	struct policy *p;
	const char *stack[POLICY_MAX_INCLUDE_DEPTH + 1]; /* files being read, outermost first */
	unsigned depth;
	char *err;
	size_t errlen;
};

static int perr(struct parser *ps, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int perr(struct parser *ps, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->errlen)
		return -1;
	va_start(ap, fmt);
	n = snprintf(ps->err, ps->errlen, "%s:%u: ", file, line);
	/* The analyzer loses the va_start() above when it inlines perr() into its callers. */
	if (n >= 0 && (size_t)n < ps->errlen)
		// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- tokens of one logical line ---- */

enum tok {
	T_END,
	T_IDENT,
	T_NUM,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_AMP,
	T_ANDAND,
	T_BAR,
	T_OROR,
	T_TILDE,
	T_LPAREN,
	T_RPAREN,
	T_SEMI,
	T_COLON,
	T_BAD,
};

struct lex {
	const char *s;
	enum tok t;
	const char *start;
	size_t len;
	uint64_t num;
	bool bad_num;
};

/* Not isspace(): policy text is ASCII whatever the locale. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static void lex_number(struct lex *lx)
{
	const char *s = lx->s;
	unsigned base = 10;
	uint64_t v = 0;
	size_t digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	lx->bad_num = false;
	for (; ident_char(*s); s++) {
		unsigned d;

		if (isdigit((unsigned char)*s))
			d = (unsigned)(*s - '0');
		else if (isxdigit((unsigned char)*s))
			d = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
		else
			d = 99;
		if (d >= base || v > (UINT64_MAX - d) / base)
			lx->bad_num = true;
		else
			v = v * base + d;
		digits++;
	}
	if (!digits)
		lx->bad_num = true;
	lx->num = v;
	lx->t = T_NUM;
	lx->len = (size_t)(s - lx->start);
	lx->s = s;
}

static void next(struct lex *lx)
{
	static const struct {
		const char *text;
		enum tok t;
	} ops[] = {
		{"==", T_EQ},	{"!=", T_NE},	 {"<=", T_LE},	  {">=", T_GE},	 {"&&", T_ANDAND},
		{"||", T_OROR}, {"<", T_LT},	 {">", T_GT},	  {"&", T_AMP},	 {"|", T_BAR},
		{"~", T_TILDE}, {"(", T_LPAREN}, {")", T_RPAREN}, {";", T_SEMI}, {":", T_COLON},
	};

	while (is_space(*lx->s))
		lx->s++;
	lx->start = lx->s;
	if (!*lx->s) {
		lx->t = T_END;
		lx->len = 0;
		return;
	}
	if (isdigit((unsigned char)*lx->s)) {
		lex_number(lx);
		return;
	}
	if (isalpha((unsigned char)*lx->s) || *lx->s == '_') {
		while (ident_char(*lx->s))
			lx->s++;
		lx->t = T_IDENT;
		lx->len = (size_t)(lx->s - lx->start);
		return;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (!strncmp(lx->s, ops[i].text, n)) {
			lx->t = ops[i].t;
			lx->len = n;
			lx->s += n;
			return;
		}
	}
	lx->t = T_BAD;
	lx->len = 1;
	lx->s++;
}

static bool is_word(const struct lex *lx, const char *w)
{
	return lx->t == T_IDENT && lx->len == strlen(w) && !memcmp(lx->start, w, lx->len);
}

/* ---- one rule ---- */

struct line_ctx {
	struct parser *ps;
	const char *file;
	unsigned line;
	struct lex lx;
};

static int lerr(struct line_ctx *lc, const char *what)
{
	if (lc->lx.t == T_END)
		return perr(lc->ps, lc->file, lc->line, "%s at end of line", what);
	return perr(lc->ps, lc->file, lc->line, "%s at '%.*s'", what, (int)lc->lx.len,
		    lc->lx.start);
}

/* value := unary ('|' unary)* ; unary := '~' unary | '(' value ')' | NUMBER | CONSTANT */
static int parse_value(struct line_ctx *lc, unsigned nest, uint64_t *out);

static int parse_unary(struct line_ctx *lc, unsigned nest, uint64_t *out)
{
	struct lex *lx = &lc->lx;

	*out = 0;
	if (nest > MAX_VALUE_NESTING)
		return perr(lc->ps, lc->file, lc->line, "value nested too deeply");
	switch (lx->t) {
	case T_TILDE:
		next(lx);
		if (parse_unary(lc, nest + 1, out))
			return -1;
		*out = ~*out;
		return 0;
	case T_LPAREN:
		next(lx);
		if (parse_value(lc, nest + 1, out))
			return -1;
		if (lx->t != T_RPAREN)
			return lerr(lc, "expected ')'");
		next(lx);
		return 0;
	case T_NUM:
		if (lx->bad_num)
			return perr(lc->ps, lc->file, lc->line, "bad number '%.*s'", (int)lx->len,
				    lx->start);
		*out = lx->num;
		next(lx);
		return 0;
	case T_IDENT:
		if (policy_const_lookup(lx->start, lx->len, out))
			return perr(lc->ps, lc->file, lc->line, "unknown constant '%.*s'",
				    (int)lx->len, lx->start);
		next(lx);
		return 0;
	default:
		return lerr(lc, "expected a value");
	}
}

static int parse_value(struct line_ctx *lc, unsigned nest, uint64_t *out)
{
	uint64_t v = 0;

	if (parse_unary(lc, nest, out))
		return -1;
	while (lc->lx.t == T_BAR) {
		next(&lc->lx);
		if (parse_unary(lc, nest, &v))
			return -1;
		*out |= v;
	}
	return 0;
}

static int parse_errno(struct line_ctx *lc, unsigned *out)
{
	uint64_t v;

	if (parse_value(lc, 0, &v))
		return -1;
	/* The kernel hands back at most MAX_ERRNO (4095) as -errno. */
	if (v > 4095)
		return perr(lc->ps, lc->file, lc->line, "errno %llu out of range (0..4095)",
			    (unsigned long long)v);
	*out = (unsigned)v;
	return 0;
}

static int parse_atom(struct line_ctx *lc, struct policy_atom *a)
{
	struct lex *lx = &lc->lx;

	if (lx->t != T_IDENT || lx->len != 4 || memcmp(lx->start, "arg", 3) || lx->start[3] < '0' ||
	    lx->start[3] > '5')
		return lerr(lc, "expected arg0..arg5");
	a->arg = (unsigned)(lx->start[3] - '0');
	next(lx);
	switch (lx->t) {
	case T_EQ:
		a->op = POP_EQ;
		break;
	case T_NE:
		a->op = POP_NE;
		break;
	case T_LT:
		a->op = POP_LT;
		break;
	case T_LE:
		a->op = POP_LE;
		break;
	case T_GT:
		a->op = POP_GT;
		break;
	case T_GE:
		a->op = POP_GE;
		break;
	case T_AMP:
		a->op = POP_SET;
		break;
	default:
		if (!is_word(lx, "in"))
			return lerr(lc, "expected a comparison (== != < <= > >= & in)");
		a->op = POP_IN;
	}
	next(lx);
	return parse_value(lc, 0, &a->val);
}

/* expr := group ('||' group)* ; group := atom ('&&' atom)* */
static int parse_expr(struct line_ctx *lc, struct policy_rule *r)
{
	r->atoms = calloc(POLICY_MAX_ATOMS, sizeof(*r->atoms));
	if (!r->atoms)
		return perr(lc->ps, lc->file, lc->line, "out of memory");
	for (;;) {
		if (r->natoms == POLICY_MAX_ATOMS)
			return perr(lc->ps, lc->file, lc->line, "more than %d comparisons",
				    POLICY_MAX_ATOMS);
		r->atoms[r->natoms].group = (unsigned)r->ngroups;
		if (parse_atom(lc, &r->atoms[r->natoms]))
			return -1;
		r->natoms++;
		if (lc->lx.t == T_ANDAND) {
			next(&lc->lx);
		} else if (lc->lx.t == T_OROR) {
			next(&lc->lx);
			r->ngroups++;
		} else {
			break;
		}
	}
	r->ngroups++;
	r->action = PACT_ALLOW;
	r->else_action = PACT_DEFAULT;
	if (lc->lx.t == T_SEMI) {
		next(&lc->lx);
		if (!is_word(&lc->lx, "return"))
			return lerr(lc, "expected 'return' after ';'");
		next(&lc->lx);
		r->else_action = PACT_ERRNO;
		return parse_errno(lc, &r->else_errno);
	}
	return 0;
}

static int parse_action(struct line_ctx *lc, struct policy_rule *r)
{
	static const struct {
		const char *word;
		enum policy_action act;
	} words[] = {
		{"allow", PACT_ALLOW},
		{"kill", PACT_KILL_PROCESS},
		{"kill-process", PACT_KILL_PROCESS},
		{"kill-thread", PACT_KILL_THREAD},
		{"trap", PACT_TRAP},
		{"log", PACT_LOG},
	};
	struct lex *lx = &lc->lx;

	if (lx->t == T_NUM) {
		if (lx->bad_num || lx->num != 1)
			return lerr(lc, "expected 1, an action or an expression");
		r->action = PACT_ALLOW;
		next(lx);
		return 0;
	}
	if (is_word(lx, "return")) {
		next(lx);
		r->action = PACT_ERRNO;
		return parse_errno(lc, &r->errno_val);
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (is_word(lx, words[i].word)) {
			r->action = words[i].act;
			next(lx);
			return 0;
		}
	}
	return parse_expr(lc, r);
}

static int parse_syscall(struct line_ctx *lc, int *nr)
{
	struct lex *lx = &lc->lx;
	char name[64];

	if (lx->t == T_NUM) {
		char *known;

		if (lx->bad_num || lx->num > 4095 ||
		    !(known = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, (int)lx->num)))
			return perr(lc->ps, lc->file, lc->line, "unknown syscall number '%.*s'",
				    (int)lx->len, lx->start);
		free(known);
		*nr = (int)lx->num;
		return 0;
	}
	if (lx->t != T_IDENT)
		return lerr(lc, "expected a syscall name");
	if (lx->len >= sizeof(name))
		return perr(lc->ps, lc->file, lc->line, "unknown syscall '%.*s'", (int)lx->len,
			    lx->start);
	memcpy(name, lx->start, lx->len);
	name[lx->len] = '\0';
	/* Negative numbers are libseccomp's pseudo-syscalls of other architectures. */
	*nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
	if (*nr < 0)
		return perr(lc->ps, lc->file, lc->line, "unknown syscall '%s'", name);
	return 0;
}

static int add_rule(struct parser *ps, struct policy_rule *r)
{
	struct policy *p = ps->p;
	struct policy_rule *n;

	for (size_t i = 0; i < p->nrules; i++) {
		if (p->rules[i].nr == r->nr) {
			char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, r->nr);

			perr(ps, r->file, r->line, "duplicate syscall '%s' (first at %s:%u)",
			     name ? name : "?", p->rules[i].file, p->rules[i].line);
			free(name);
			return -1;
		}
	}
	n = realloc(p->rules, (p->nrules + 1) * sizeof(*n));
	if (!n)
		return perr(ps, r->file, r->line, "out of memory");
	p->rules = n;
	p->rules[p->nrules++] = *r;
	return 0;
}

static int parse_file(struct parser *ps, const char *name, const char *from, unsigned from_line);

static int parse_directive(struct parser *ps, const char *file, unsigned line, char *s)
{
	size_t n = strcspn(s, " \t\r\v\f");
	char *path, *end, *base;

	if (n == 9 && !strncmp(s, "frequency", 9))
		return 0; /* minijail orders its BPF by it; libseccomp builds its own tree */
	if (n != 7 || strncmp(s, "include", 7))
		return perr(ps, file, line, "unknown directive '@%.*s'", (int)n, s);
	path = s + n;
	while (is_space(*path))
		path++;
	end = path + strlen(path);
	while (end > path && is_space(end[-1]))
		*--end = '\0';
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || strpbrk(base, " \t"))
		return perr(ps, file, line, "bad include path '%s'", path);
	return parse_file(ps, base, file, line);
}

static int parse_line(struct parser *ps, const char *file, unsigned line, char *s)
{
	struct line_ctx lc = {.ps = ps, .file = file, .line = line};
	struct policy_rule r = {.file = file, .line = line};

	while (is_space(*s))
		s++;
	if (!*s)
		return 0;
	if (*s == '@')
		return parse_directive(ps, file, line, s + 1);
	lc.lx.s = s;
	next(&lc.lx);
	if (parse_syscall(&lc, &r.nr))
		return -1;
	next(&lc.lx);
	if (lc.lx.t != T_COLON) {
		lerr(&lc, "expected ':'");
		goto fail;
	}
	next(&lc.lx);
	if (parse_action(&lc, &r))
		goto fail;
	if (lc.lx.t != T_END) {
		lerr(&lc, "unexpected text");
		goto fail;
	}
	if (add_rule(ps, &r))
		goto fail;
	return 0;
fail:
	free(r.atoms);
	return -1;
}

/* Splits text into logical lines (comments cut, backslash continuations joined). */
static int parse_text(struct parser *ps, const char *file, const char *text, size_t len)
{
	char *buf = NULL;
	size_t blen = 0;
	unsigned lineno = 0, first = 0;
	int rc = 0;

	for (size_t pos = 0; pos < len && !rc;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *hash = memchr(text + pos, '#', n);
		size_t keep = hash ? (size_t)(hash - (text + pos)) : n;
		bool cont;
		char *nb;

		lineno++;
		if (memchr(text + pos, '\0', n)) {
			rc = perr(ps, file, lineno, "NUL byte in policy text");
			break;
		}
		while (keep && is_space(text[pos + keep - 1]))
			keep--;
		cont = keep && text[pos + keep - 1] == '\\';
		if (cont)
			keep--;
		if (!blen)
			first = lineno;
		nb = realloc(buf, blen + keep + 2);
		if (!nb) {
			rc = perr(ps, file, lineno, "out of memory");
			break;
		}
		buf = nb;
		memcpy(buf + blen, text + pos, keep);
		blen += keep;
		buf[blen++] = ' ';
		buf[blen] = '\0';
		pos += n + (nl ? 1 : 0);
		if (cont && pos < len)
			continue;
		rc = parse_line(ps, file, first, buf);
		blen = 0;
	}
	free(buf);
	return rc;
}

static const char *known_file(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		if (!strcmp(p->files[i], name))
			return p->files[i];
	}
	return NULL;
}

static int parse_file(struct parser *ps, const char *name, const char *from, unsigned from_line)
{
	struct policy *p = ps->p;
	struct policy_text t = {0};
	const char *file;
	char **nf;
	int rc;

	for (unsigned i = 0; i < ps->depth; i++) {
		if (!strcmp(ps->stack[i], name))
			return perr(ps, from, from_line, "include loop back to '%s'", name);
	}
	if (ps->depth > POLICY_MAX_INCLUDE_DEPTH)
		return perr(ps, from, from_line, "includes nested deeper than %d",
			    POLICY_MAX_INCLUDE_DEPTH);
	/* Read once: a file reached twice (diamond includes) would only repeat its syscalls. */
	if (known_file(p, name))
		return 0;
	rc = ps->resolve(ps->ctx, name, &t);
	if (rc) {
		if (from)
			return perr(ps, from, from_line, "cannot include '%s': %s", name,
				    rc == -ENOENT ? "no such policy" : strerror(-rc));
		return perr(ps, name, 0, "%s", rc == -ENOENT ? "no such policy" : strerror(-rc));
	}
	nf = realloc(p->files, (p->nfiles + 1) * sizeof(*nf));
	if (nf)
		p->files = nf;
	if (!nf || !(p->files[p->nfiles] = strdup(name))) {
		free(t.owned);
		return perr(ps, name, 0, "out of memory");
	}
	file = p->files[p->nfiles++];
	ps->stack[ps->depth++] = file;
	rc = parse_text(ps, file, t.data, t.len);
	ps->depth--;
	free(t.owned);
	return rc;
}

int policy_parse(const char *name, policy_resolver resolve, void *ctx, struct policy *out,
		 char *err, size_t errlen)
{
	struct parser ps = {.resolve = resolve, .ctx = ctx, .p = out, .err = err, .errlen = errlen};

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (parse_file(&ps, name, NULL, 0)) {
		policy_free(out);
		return -1;
	}
	return 0;
}

void policy_free(struct policy *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		free(p->rules[i].atoms);
	free(p->rules);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	memset(p, 0, sizeof(*p));
}
