// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gdb/stub.h"

#define CORE "org.gnu.gdb.i386.core"
#define SSE  "org.gnu.gdb.i386.sse"
#define SEG  "org.gnu.gdb.i386.segments"
/* Not a feature gdb knows: it keeps such registers by name ($cr3, $efer). */
#define CTL "org.crosvm.x86.control"

/* Offsets are the running sum of the sizes; checked by the unit tests. */
const struct gdb_reg gdb_regs[GDB_NR_REGS] = {
	{"rax", 64, "int64", CORE, 0},	     {"rbx", 64, "int64", CORE, 8},
	{"rcx", 64, "int64", CORE, 16},	     {"rdx", 64, "int64", CORE, 24},
	{"rsi", 64, "int64", CORE, 32},	     {"rdi", 64, "int64", CORE, 40},
	{"rbp", 64, "data_ptr", CORE, 48},   {"rsp", 64, "data_ptr", CORE, 56},
	{"r8", 64, "int64", CORE, 64},	     {"r9", 64, "int64", CORE, 72},
	{"r10", 64, "int64", CORE, 80},	     {"r11", 64, "int64", CORE, 88},
	{"r12", 64, "int64", CORE, 96},	     {"r13", 64, "int64", CORE, 104},
	{"r14", 64, "int64", CORE, 112},     {"r15", 64, "int64", CORE, 120},
	{"rip", 64, "code_ptr", CORE, 128},  {"eflags", 32, "int32", CORE, 136},
	{"cs", 32, "int32", CORE, 140},	     {"ss", 32, "int32", CORE, 144},
	{"ds", 32, "int32", CORE, 148},	     {"es", 32, "int32", CORE, 152},
	{"fs", 32, "int32", CORE, 156},	     {"gs", 32, "int32", CORE, 160},
	{"fs_base", 64, "int64", SEG, 164},  {"gs_base", 64, "int64", SEG, 172},
	{"st0", 80, "i387_ext", CORE, 180},  {"st1", 80, "i387_ext", CORE, 190},
	{"st2", 80, "i387_ext", CORE, 200},  {"st3", 80, "i387_ext", CORE, 210},
	{"st4", 80, "i387_ext", CORE, 220},  {"st5", 80, "i387_ext", CORE, 230},
	{"st6", 80, "i387_ext", CORE, 240},  {"st7", 80, "i387_ext", CORE, 250},
	{"fctrl", 32, "int", CORE, 260},     {"fstat", 32, "int", CORE, 264},
	{"ftag", 32, "int", CORE, 268},	     {"fiseg", 32, "int", CORE, 272},
	{"fioff", 32, "int", CORE, 276},     {"foseg", 32, "int", CORE, 280},
	{"fooff", 32, "int", CORE, 284},     {"fop", 32, "int", CORE, 288},
	{"xmm0", 128, "uint128", SSE, 292},  {"xmm1", 128, "uint128", SSE, 308},
	{"xmm2", 128, "uint128", SSE, 324},  {"xmm3", 128, "uint128", SSE, 340},
	{"xmm4", 128, "uint128", SSE, 356},  {"xmm5", 128, "uint128", SSE, 372},
	{"xmm6", 128, "uint128", SSE, 388},  {"xmm7", 128, "uint128", SSE, 404},
	{"xmm8", 128, "uint128", SSE, 420},  {"xmm9", 128, "uint128", SSE, 436},
	{"xmm10", 128, "uint128", SSE, 452}, {"xmm11", 128, "uint128", SSE, 468},
	{"xmm12", 128, "uint128", SSE, 484}, {"xmm13", 128, "uint128", SSE, 500},
	{"xmm14", 128, "uint128", SSE, 516}, {"xmm15", 128, "uint128", SSE, 532},
	{"mxcsr", 32, "int", SSE, 548},	     {"cr0", 64, "int64", CTL, 552},
	{"cr2", 64, "int64", CTL, 560},	     {"cr3", 64, "int64", CTL, 568},
	{"cr4", 64, "int64", CTL, 576},	     {"cr8", 64, "int64", CTL, 584},
	{"efer", 64, "int64", CTL, 592},
};

void gdb_session_init(struct gdb_session *s, const struct gdb_target_ops *ops, void *opaque,
		      unsigned nr_cpus)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->opaque = opaque;
	s->nr_cpus = nr_cpus;
}

size_t gdb_target_xml(char *buf, size_t cap)
{
	static const char *const features[] = {CORE, SEG, SSE, CTL};
	size_t n = 0;
	int k;

	k = snprintf(buf, cap,
		     "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
		     "<target version=\"1.0\"><architecture>i386:x86-64</architecture>");
	n = (size_t)k;
	for (size_t f = 0; f < sizeof(features) / sizeof(features[0]); f++) {
		k = snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0,
			     "<feature name=\"%s\">", features[f]);
		n += (size_t)k;
		for (unsigned i = 0; i < GDB_NR_REGS; i++) {
			if (strcmp(gdb_regs[i].feature, features[f]))
				continue;
			k = snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0,
				     "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"/>",
				     gdb_regs[i].name, gdb_regs[i].bits, gdb_regs[i].type, i);
			n += (size_t)k;
		}
		k = snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, "</feature>");
		n += (size_t)k;
	}
	k = snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, "</target>");
	return n + (size_t)k;
}

static size_t put(char *reply, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap)
		n = cap - 1;
	memcpy(reply, s, n);
	reply[n] = 0;
	return n;
}

size_t gdb_stop_reply(const struct gdb_session *s, char *reply, size_t cap)
{
	const char *why = "";
	char extra[40] = "";

	switch (s->stop_reason) {
	case GDB_STOP_SWBREAK:
		why = "swbreak:;";
		break;
	case GDB_STOP_HWBREAK:
		why = "hwbreak:;";
		break;
	case GDB_STOP_WATCH:
		snprintf(extra, sizeof(extra), "watch:%llx;", (unsigned long long)s->stop_addr);
		why = extra;
		break;
	case GDB_STOP_SIGNAL:
		break;
	}
	int k = snprintf(reply, cap, "T05thread:%x;%s", s->stop_cpu + 1, why);

	return (size_t)k < cap ? (size_t)k : cap - 1;
}

bool gdb_is_sw_bp(const struct gdb_session *s, uint64_t addr)
{
	for (unsigned i = 0; i < s->nr_sw; i++)
		if (s->sw[i].addr == addr)
			return true;
	return false;
}

static int apply_debug(struct gdb_session *s)
{
	s->dbg.sw_bp = s->nr_sw > 0;
	return s->ops->set_debug(s->opaque, &s->dbg);
}

void gdb_clear_all(struct gdb_session *s)
{
	for (unsigned i = 0; i < s->nr_sw; i++)
		s->ops->write_mem(s->opaque, s->g_cpu, s->sw[i].addr, &s->sw[i].orig, 1);
	s->nr_sw = 0;
	memset(&s->dbg, 0, sizeof(s->dbg));
	s->ops->set_debug(s->opaque, &s->dbg);
}

/* A gdb thread id: -1 (all), 0 (any) or N (vCPU N-1). Sets *cpu for N; -EINVAL otherwise. */
static int parse_tid(const char *p, const struct gdb_session *s, int *cpu)
{
	uint64_t v;

	if (!strcmp(p, "-1") || !strcmp(p, "0")) {
		*cpu = -1;
		return 0;
	}
	if (gdb_parse_hex(&p, &v) || *p || v == 0 || v > s->nr_cpus)
		return -EINVAL;
	*cpu = (int)(v - 1);
	return 0;
}

/* "ADDR,LEN" then the terminator term; advances *p past it. */
static int parse_addr_len(const char **p, char term, uint64_t *addr, uint64_t *len)
{
	if (gdb_parse_hex(p, addr) || **p != ',')
		return -EINVAL;
	(*p)++;
	if (gdb_parse_hex(p, len) || **p != term)
		return -EINVAL;
	(*p)++;
	return 0;
}

static int reg_index(const char **p)
{
	uint64_t n;

	if (gdb_parse_hex(p, &n) || n >= GDB_NR_REGS)
		return -1;
	return (int)n;
}

static int bp_insert(struct gdb_session *s, unsigned type, uint64_t addr, uint64_t kind)
{
	static const uint8_t int3 = 0xcc;

	if (type == 0) {
		uint8_t orig;

		if (gdb_is_sw_bp(s, addr))
			return 0;
		if (s->nr_sw >= GDB_MAX_SW_BP)
			return -ENOSPC;
		if (s->ops->read_mem(s->opaque, s->g_cpu, addr, &orig, 1) ||
		    s->ops->write_mem(s->opaque, s->g_cpu, addr, &int3, 1))
			return -EFAULT;
		s->sw[s->nr_sw].addr = addr;
		s->sw[s->nr_sw].orig = orig;
		s->nr_sw++;
		return apply_debug(s);
	}
	/* DR7 lengths are 1, 2, 4 or 8 and aligned; an execution breakpoint is length 1. */
	if (type == 1)
		kind = 1;
	if ((kind != 1 && kind != 2 && kind != 4 && kind != 8) || (addr & (kind - 1)))
		return -EINVAL;
	for (unsigned i = 0; i < GDB_MAX_HW_BP; i++) {
		struct gdb_hw_bp *h = &s->dbg.hw[i];

		if (h->used)
			continue;
		h->used = true;
		h->type = type == 1   ? GDB_HW_EXEC
			  : type == 2 ? GDB_HW_WRITE
			  : type == 3 ? GDB_HW_READ
				      : GDB_HW_ACCESS;
		h->addr = addr;
		h->len = (unsigned)kind;
		return apply_debug(s);
	}
	return -ENOSPC;
}

static int bp_remove(struct gdb_session *s, unsigned type, uint64_t addr, uint64_t kind)
{
	if (type == 0) {
		for (unsigned i = 0; i < s->nr_sw; i++) {
			if (s->sw[i].addr != addr)
				continue;
			if (s->ops->write_mem(s->opaque, s->g_cpu, addr, &s->sw[i].orig, 1))
				return -EFAULT;
			s->sw[i] = s->sw[--s->nr_sw];
			return apply_debug(s);
		}
		return -ENOENT;
	}
	if (type == 1)
		kind = 1;
	for (unsigned i = 0; i < GDB_MAX_HW_BP; i++) {
		struct gdb_hw_bp *h = &s->dbg.hw[i];
		enum gdb_hw_type t = type == 1	 ? GDB_HW_EXEC
				     : type == 2 ? GDB_HW_WRITE
				     : type == 3 ? GDB_HW_READ
						 : GDB_HW_ACCESS;

		if (h->used && h->addr == addr && h->len == kind && h->type == t) {
			h->used = false;
			return apply_debug(s);
		}
	}
	return -ENOENT;
}

/*
 * vCont;ACTION[:TID][;ACTION[:TID]]...: all-stop, so only whether and which
 * vCPU steps, and whether any continues meanwhile (gdb steps over a breakpoint
 * with "vCont;s:N" alone, so that no other vCPU runs past it).
 */
static enum gdb_action vcont(struct gdb_session *s, const char *p)
{
	bool step = false, others = false;

	while (*p == ';') {
		char act = p[1];
		int cpu = -1;

		p += 2;
		if (act != 'c' && act != 's' && act != 'C' && act != 'S')
			return GDB_ACT_REPLY;
		if (act == 'C' || act == 'S') { /* the signal number is ignored: no signals here */
			uint64_t sig;

			if (gdb_parse_hex(&p, &sig))
				return GDB_ACT_REPLY;
		}
		if (*p == ':') {
			char tid[24];
			size_t n = strcspn(p + 1, ";");

			if (n >= sizeof(tid))
				return GDB_ACT_REPLY;
			memcpy(tid, p + 1, n);
			tid[n] = 0;
			if (parse_tid(tid, s, &cpu))
				return GDB_ACT_REPLY;
			p += 1 + n;
		}
		if ((act == 's' || act == 'S') && !step) {
			step = true;
			s->run_cpu = cpu < 0 ? s->g_cpu : (unsigned)cpu;
		} else if (act == 'c' || act == 'C') {
			others = true;
		}
	}
	if (*p)
		return GDB_ACT_REPLY;
	s->step_alone = !others;
	return step ? GDB_ACT_STEP : GDB_ACT_CONTINUE;
}

static size_t qxfer(const char *p, char *reply, size_t cap)
{
	static char xml[8192];
	size_t n = gdb_target_xml(xml, sizeof(xml));
	uint64_t off, len;

	if (strncmp(p, "target.xml:", 11))
		return put(reply, cap, "E00");
	p += 11;
	if (parse_addr_len(&p, 0, &off, &len) || n >= sizeof(xml))
		return put(reply, cap, "E01");
	if (off >= n)
		return put(reply, cap, "l");
	if (len > cap - 2)
		len = cap - 2;
	if (len > n - off)
		len = n - off;
	/* 'm': more follows, 'l': last piece. The XML has no bytes that need escaping. */
	reply[0] = off + len < n ? 'm' : 'l';
	memcpy(reply + 1, xml + off, len);
	reply[1 + len] = 0;
	return 1 + len;
}

enum gdb_action gdb_handle(struct gdb_session *s, const char *pkt, size_t len, char *reply,
			   size_t cap, size_t *reply_len)
{
	uint8_t regs[GDB_REGS_SIZE];
	const char *p = pkt + 1;
	uint64_t addr, n;
	int cpu, r;

	*reply_len = 0;
	reply[0] = 0;
	if (len == 0)
		return GDB_ACT_REPLY;
	switch (pkt[0]) {
	case '?':
		*reply_len = gdb_stop_reply(s, reply, cap);
		return GDB_ACT_REPLY;
	case 'g':
		if (s->ops->get_regs(s->opaque, s->g_cpu, regs))
			goto e01;
		gdb_hex_encode(regs, GDB_G_SIZE, reply);
		*reply_len = 2 * (size_t)GDB_G_SIZE;
		reply[*reply_len] = 0;
		return GDB_ACT_REPLY;
	case 'G':
		/* The control registers are not in G: they keep their values. */
		if (len != 1 + 2 * GDB_G_SIZE || s->ops->get_regs(s->opaque, s->g_cpu, regs) ||
		    gdb_hex_decode(p, GDB_G_SIZE, regs) ||
		    s->ops->set_regs(s->opaque, s->g_cpu, regs))
			goto e01;
		goto ok;
	case 'p':
		r = reg_index(&p);
		if (r < 0 || *p || s->ops->get_regs(s->opaque, s->g_cpu, regs))
			goto e01;
		gdb_hex_encode(regs + gdb_regs[r].offset, gdb_regs[r].bits / 8, reply);
		*reply_len = gdb_regs[r].bits / 4;
		reply[*reply_len] = 0;
		return GDB_ACT_REPLY;
	case 'P': {
		r = reg_index(&p);
		if (r < 0 || *p != '=' || s->ops->get_regs(s->opaque, s->g_cpu, regs))
			goto e01;
		p++;
		if (strlen(p) != gdb_regs[r].bits / 4 ||
		    gdb_hex_decode(p, gdb_regs[r].bits / 8, regs + gdb_regs[r].offset) ||
		    s->ops->set_regs(s->opaque, s->g_cpu, regs))
			goto e01;
		goto ok;
	}
	case 'm': {
		uint8_t buf[GDB_MAX_PACKET / 2];

		if (parse_addr_len(&p, 0, &addr, &n))
			goto e01;
		if (n > (cap - 1) / 2)
			n = (cap - 1) / 2;
		if (n > sizeof(buf))
			n = sizeof(buf);
		if (s->ops->read_mem(s->opaque, s->g_cpu, addr, buf, n))
			goto efault;
		gdb_hex_encode(buf, n, reply);
		*reply_len = 2 * n;
		reply[*reply_len] = 0;
		return GDB_ACT_REPLY;
	}
	case 'M': {
		uint8_t buf[GDB_MAX_PACKET / 2];

		if (parse_addr_len(&p, ':', &addr, &n) || n > sizeof(buf) || strlen(p) != 2 * n ||
		    gdb_hex_decode(p, n, buf))
			goto e01;
		if (s->ops->write_mem(s->opaque, s->g_cpu, addr, buf, n))
			goto efault;
		goto ok;
	}
	case 'X': /* binary: the decoder already undid the escapes */
		if (parse_addr_len(&p, ':', &addr, &n) || n != len - (size_t)(p - pkt))
			goto e01;
		if (n && s->ops->write_mem(s->opaque, s->g_cpu, addr, p, n))
			goto efault;
		goto ok;
	case 'Z':
	case 'z': {
		unsigned type = (unsigned)(p[0] - '0');

		if (type > 4 || p[1] != ',')
			return GDB_ACT_REPLY; /* unsupported type: empty reply */
		p += 2;
		if (gdb_parse_hex(&p, &addr) || *p++ != ',' || gdb_parse_hex(&p, &n))
			goto e01;
		/* conditions and commands (";X...") are not supported: ignored */
		r = pkt[0] == 'Z' ? bp_insert(s, type, addr, n) : bp_remove(s, type, addr, n);
		if (r)
			goto e01;
		goto ok;
	}
	case 'H':
		if ((p[0] != 'g' && p[0] != 'c') || parse_tid(p + 1, s, &cpu))
			goto e01;
		if (cpu >= 0) {
			if (p[0] == 'g')
				s->g_cpu = (unsigned)cpu;
			else
				s->run_cpu = (unsigned)cpu;
		}
		goto ok;
	case 'T':
		if (parse_tid(p, s, &cpu) || cpu < 0)
			goto e01;
		goto ok;
	case 'c':
		if (*p) { /* c ADDR: resume at ADDR */
			if (gdb_parse_hex(&p, &addr) || *p ||
			    s->ops->get_regs(s->opaque, s->g_cpu, regs))
				goto e01;
			memcpy(regs + gdb_regs[16].offset, &addr, 8);
			if (s->ops->set_regs(s->opaque, s->g_cpu, regs))
				goto e01;
		}
		return GDB_ACT_CONTINUE;
	case 's':
		if (*p)
			goto e01;
		s->run_cpu = s->g_cpu;
		s->step_alone = true;
		return GDB_ACT_STEP;
	case 'D':
		gdb_clear_all(s);
		*reply_len = put(reply, cap, "OK");
		return GDB_ACT_DETACH;
	case 'k':
		return GDB_ACT_KILL;
	case 'v':
		if (!strcmp(pkt, "vCont?")) {
			*reply_len = put(reply, cap, "vCont;c;C;s;S");
			return GDB_ACT_REPLY;
		}
		if (!strncmp(pkt, "vCont;", 6)) {
			enum gdb_action a = vcont(s, pkt + 5);

			if (a == GDB_ACT_REPLY)
				goto e01;
			return a;
		}
		return GDB_ACT_REPLY;
	case 'q':
		if (!strncmp(pkt, "qSupported", 10)) {
			*reply_len = (size_t)snprintf(
				reply, cap, "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+",
				GDB_MAX_PACKET);
			return GDB_ACT_REPLY;
		}
		if (!strncmp(pkt, "qXfer:features:read:", 20)) {
			*reply_len = qxfer(pkt + 20, reply, cap);
			return GDB_ACT_REPLY;
		}
		if (!strcmp(pkt, "qfThreadInfo")) {
			size_t o = put(reply, cap, "m");

			for (unsigned i = 0; i < s->nr_cpus && o + 10 < cap; i++)
				o += (size_t)snprintf(reply + o, cap - o, "%s%x", i ? "," : "",
						      i + 1);
			*reply_len = o;
			return GDB_ACT_REPLY;
		}
		if (!strcmp(pkt, "qsThreadInfo")) {
			*reply_len = put(reply, cap, "l");
			return GDB_ACT_REPLY;
		}
		if (!strcmp(pkt, "qC")) {
			*reply_len = (size_t)snprintf(reply, cap, "QC%x", s->stop_cpu + 1);
			return GDB_ACT_REPLY;
		}
		if (!strcmp(pkt, "qAttached")) {
			*reply_len = put(reply, cap, "1");
			return GDB_ACT_REPLY;
		}
		return GDB_ACT_REPLY;
	default:
		return GDB_ACT_REPLY; /* unknown: the empty reply */
	}
ok:
	*reply_len = put(reply, cap, "OK");
	return GDB_ACT_REPLY;
e01:
	*reply_len = put(reply, cap, "E01");
	return GDB_ACT_REPLY;
efault:
	*reply_len = put(reply, cap, "E14");
	return GDB_ACT_REPLY;
}
