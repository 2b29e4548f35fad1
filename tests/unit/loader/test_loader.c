// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

#define MEM_SIZE (32u << 20)

static struct guest_memory gm;
static uint8_t *img;
static char err[256];

static int setup(void **state)
{
	struct gm_layout l = {.nr = 1, .gpa = {0}, .size = {MEM_SIZE}};

	img = calloc(1, 1 << 20);
	return img ? gm_create(&gm, &l) : -1;
}

static int teardown(void **state)
{
	gm_destroy(&gm);
	free(img);
	return 0;
}

/* A bzImage with one setup sector after the boot sector and a 4 KiB payload. */
static size_t make_bzimage(void)
{
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);
	size_t len = 1024 + 4096;

	memset(img, 0, len);
	h->setup_sects = 1;
	h->boot_flag = 0xaa55;
	img[0x200] = 0xeb;
	img[0x201] = 0x6a; /* header ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = XLF_KERNEL_64;
	h->cmdline_size = 2047;
	h->initrd_addr_max = 0x7fffffff;
	h->init_size = 0x200000;
	h->syssize = 4096 / 16;
	h->payload_offset = 0x100;
	h->payload_length = 0x800;
	memset(img + 1024, 0xcc, 4096);
	return len;
}

static void test_detect(void **state)
{
	size_t len = make_bzimage();

	assert_int_equal(kernel_detect(img, len), KERNEL_FORMAT_BZIMAGE);
	assert_int_equal(kernel_detect(img, 0x100), KERNEL_FORMAT_UNKNOWN);
	memcpy(img, ELFMAG, SELFMAG);
	assert_int_equal(kernel_detect(img, len), KERNEL_FORMAT_ELF);
	memset(img, 0, 64);
	img[0x202] = 'X';
	assert_int_equal(kernel_detect(img, len), KERNEL_FORMAT_UNKNOWN);
	struct kernel_info ki;
	assert_int_equal(kernel_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a Linux kernel"));
}

static void test_bzimage_ok(void **state)
{
	size_t len = make_bzimage();
	struct kernel_info ki;
	uint8_t *k = gm_ptr(&gm, 0x100000, 4096);

	assert_int_equal(kernel_load(&gm, img, len, &ki, err, sizeof(err)), 0);
	assert_true(ki.has_setup_header);
	assert_int_equal(ki.entry, 0x100200);
	assert_int_equal(ki.end, 0x100000 + 0x200000);
	assert_int_equal(ki.cmdline_max, 2047);
	assert_int_equal(ki.initrd_addr_max, 0x7fffffff);
	assert_int_equal(ki.hdr.version, 0x020f);
	assert_int_equal(k[0], 0xcc);
	assert_int_equal(k[4095], 0xcc);
}

static void test_bzimage_bad(void **state)
{
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);
	struct kernel_info ki;
	size_t len;

	len = make_bzimage();
	h->version = 0x0209;
	assert_int_equal(bzimage_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too old"));

	len = make_bzimage();
	h->xloadflags = 0;
	assert_int_equal(bzimage_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "64-bit"));

	len = make_bzimage();
	h->setup_sects = 200; /* setup larger than the file */
	assert_int_equal(bzimage_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));

	len = make_bzimage();
	h->init_size = 0xffffffff; /* needs more than guest memory */
	assert_int_equal(bzimage_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than guest memory"));

	len = make_bzimage();
	assert_int_equal(bzimage_load(&gm, img, 0x203, &ki, err, sizeof(err)), -1);

	/* Truncated: the file ends before the kernel its header describes. */
	len = make_bzimage();
	assert_int_equal(bzimage_load(&gm, img, len - 16, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));
	/* More in the file than syssize (padding, a signature) is fine. */
	assert_int_equal(bzimage_load(&gm, img, len + 512, &ki, err, sizeof(err)), 0);

	len = make_bzimage();
	h->syssize = 0;
	assert_int_equal(bzimage_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));

	len = make_bzimage();
	h->payload_offset = 0xff0; /* the payload runs past the kernel */
	assert_int_equal(bzimage_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "payload"));
	len = make_bzimage();
	h->payload_length = 0;
	assert_int_equal(bzimage_load(&gm, img, len, &ki, err, sizeof(err)), -1);

	len = make_bzimage();
	h->init_size = 100; /* less than the kernel itself */
	assert_int_equal(bzimage_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "init_size"));
}

/* An ELF64 with one PT_LOAD of 0x100 file bytes and 0x1000 memory bytes. */
static size_t make_elf(uint64_t paddr, uint64_t vaddr, uint64_t entry)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));

	memset(img, 0, 0x1000);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_offset = 0x200;
	ph->p_paddr = paddr;
	ph->p_vaddr = vaddr;
	ph->p_filesz = 0x100;
	ph->p_memsz = 0x1000;
	memset(img + 0x200, 0x90, 0x100);
	return 0x300;
}

static void test_elf_ok(void **state)
{
	struct kernel_info ki;
	size_t len = make_elf(0x200000, 0x200000, 0x200010);
	uint8_t *p = gm_ptr(&gm, 0x200000, 0x1000);

	memset(p, 0xee, 0x1000);
	assert_int_equal(kernel_load(&gm, img, len, &ki, err, sizeof(err)), 0);
	assert_false(ki.has_setup_header);
	assert_int_equal(ki.entry, 0x200010);
	assert_int_equal(ki.end, 0x201000);
	assert_int_equal(p[0], 0x90);
	assert_int_equal(p[0xff], 0x90);
	assert_int_equal(p[0x100], 0); /* bss zeroed */
	assert_int_equal(p[0xfff], 0);
}

static void test_elf_virtual_entry(void **state)
{
	struct kernel_info ki;
	size_t len = make_elf(0x1000000, 0xffffffff81000000ull, 0xffffffff81000040ull);

	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), 0);
	assert_int_equal(ki.entry, 0x1000040);
}

/* Debian's vmlinux: linked at 0xffffffff81000000, loaded at 16 MiB, e_entry physical. */
static void test_elf_physical_entry(void **state)
{
	struct kernel_info ki;
	size_t len = make_elf(0x1000000, 0xffffffff81000000ull, 0x1000000);

	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), 0);
	assert_int_equal(ki.entry, 0x1000000);
	assert_false(ki.pvh);
}

/* Adds a PT_NOTE segment over the notes_len bytes of notes the caller wrote at 0x400. */
static size_t add_notes(size_t notes_len)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh)) + 1;

	eh->e_phnum = 2;
	memset(ph, 0, sizeof(*ph));
	ph->p_type = PT_NOTE;
	ph->p_offset = 0x400;
	ph->p_filesz = notes_len;
	return 0x400 + notes_len;
}

/* Writes a note at off; returns the offset after it. */
static size_t put_note(size_t off, const char *name, uint32_t type, const void *desc,
		       uint32_t descsz)
{
	Elf64_Nhdr nh = {(uint32_t)strlen(name) + 1, descsz, type};

	memcpy(img + off, &nh, sizeof(nh));
	off += sizeof(nh);
	memcpy(img + off, name, nh.n_namesz);
	off += (nh.n_namesz + 3) & ~3u;
	memcpy(img + off, desc, descsz);
	return off + ((descsz + 3) & ~3u);
}

static void test_elf_pvh(void **state)
{
	static const uint8_t build_id[20] = {1, 2, 3};
	uint64_t entry64 = 0x1000080, other = 0xffffffff80000000ull;
	uint32_t entry32 = 0x1000040;
	struct kernel_info ki;
	size_t off, len;

	/* Other notes first (GNU build id, an unrelated Xen note), then the PVH entry as .quad. */
	make_elf(0x1000000, 0xffffffff81000000ull, 0x1000000);
	off = put_note(0x400, "GNU", NT_GNU_BUILD_ID, build_id, sizeof(build_id));
	off = put_note(off, "Xen", 3, &other, 8);
	off = put_note(off, "Xen", 18, &entry64, 8);
	len = add_notes(off - 0x400);
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), 0);
	assert_true(ki.pvh);
	assert_int_equal(ki.entry, 0x1000080);

	/* As .long too. */
	make_elf(0x1000000, 0xffffffff81000000ull, 0x1000000);
	len = add_notes(put_note(0x400, "Xen", 18, &entry32, 4) - 0x400);
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), 0);
	assert_true(ki.pvh);
	assert_int_equal(ki.entry, 0x1000040);

	/* Without a PVH note: the 64-bit entry. */
	make_elf(0x1000000, 0xffffffff81000000ull, 0x1000000);
	len = add_notes(put_note(0x400, "Xen", 3, &other, 8) - 0x400);
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), 0);
	assert_false(ki.pvh);
	assert_int_equal(ki.entry, 0x1000000);
}

static void test_elf_pvh_bad(void **state)
{
	uint64_t outside = 0x3000000, above4g = 0x100001000ull;
	uint32_t entry = 0x1000040;
	struct kernel_info ki;
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(img + 0x400);
	Elf64_Phdr *note_ph = (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)) + 1;
	size_t len;

	/* The entry outside every loaded segment, or above 4 GiB. */
	make_elf(0x1000000, 0xffffffff81000000ull, 0x1000000);
	len = add_notes(put_note(0x400, "Xen", 18, &outside, 8) - 0x400);
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "PVH entry"));
	make_elf(0x1000000, 0xffffffff81000000ull, 0x1000000);
	len = add_notes(put_note(0x400, "Xen", 18, &above4g, 8) - 0x400);
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	/* A descriptor of another size. */
	make_elf(0x1000000, 0xffffffff81000000ull, 0x1000000);
	len = add_notes(put_note(0x400, "Xen", 18, &entry, 2) - 0x400);
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	/* Sizes running past the segment, also by wrapping. */
	make_elf(0x1000000, 0xffffffff81000000ull, 0x1000000);
	len = add_notes(put_note(0x400, "Xen", 18, &entry, 4) - 0x400);
	nh->n_descsz = 0x1000;
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "malformed"));
	nh->n_descsz = 4;
	nh->n_namesz = UINT32_MAX;
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	/* The note segment outside the file. */
	nh->n_namesz = 4;
	note_ph->p_offset = UINT64_MAX - 4;
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "outside the file"));
	/* A truncated note header is no note at all. */
	note_ph->p_offset = 0x400;
	note_ph->p_filesz = 8;
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), 0);
	assert_false(ki.pvh);
}

/*
 * Linux's own vmlinux: segments linked at 0xffffffff81000000 and up with their
 * physical addresses from 16 MiB, a per-CPU segment at virtual 0, and a
 * physical entry point (0x1000000). It must load by physical address.
 */
static void test_elf_linux_layout(void **state)
{
	static const struct {
		uint64_t vaddr, paddr, memsz;
	} segs[] = {
		{0xffffffff81000000ull, 0x1000000, 0x18000},
		{0xffffffff82a00000ull, 0x1100000, 0x6000},
		{0, 0x1200000, 0x3000}, /* .data..percpu */
		{0xffffffff83079000ull, 0x1300000, 0x9000},
	};
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	struct kernel_info ki;

	make_elf(0, 0, 0x1000000);
	eh->e_phnum = 5;
	for (unsigned i = 0; i < 4; i++) {
		ph[i] = (Elf64_Phdr){.p_type = PT_LOAD,
				     .p_offset = 0x400,
				     .p_vaddr = segs[i].vaddr,
				     .p_paddr = segs[i].paddr,
				     .p_filesz = 0x100,
				     .p_memsz = segs[i].memsz};
	}
	ph[4] = (Elf64_Phdr){.p_type = PT_NOTE, .p_vaddr = 0xffffffff824c1990ull};
	assert_int_equal(elf_load(&gm, img, 0x500, &ki, err, sizeof(err)), 0);
	assert_int_equal(ki.entry, 0x1000000);
	assert_int_equal(ki.end, 0x1309000);
	/* Linked the other way (a virtual entry) it loads too. */
	eh->e_entry = 0xffffffff81000040ull;
	assert_int_equal(elf_load(&gm, img, 0x500, &ki, err, sizeof(err)), 0);
	assert_int_equal(ki.entry, 0x1000040);
}

/* An ordinary program (/bin/busybox) is no kernel. */
static void test_elf_programs(void **state)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	struct kernel_info ki;
	size_t len;

	len = make_elf(0, 0, 0x1040); /* PIE: ET_DYN at 0 */
	eh->e_type = ET_DYN;
	assert_int_equal(kernel_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a kernel"));
	len = make_elf(0x200000, 0x200000, 0x200000);
	eh->e_type = ET_REL;
	assert_int_equal(kernel_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	/* A static program linked low: its segment would overwrite the boot tables. */
	len = make_elf(0x8000, 0x8000, 0x8000);
	assert_int_equal(kernel_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "from 1 MiB"));
	len = make_elf(0x200000, 0x200000, 0x200000);
	ph->p_memsz = 0;
	ph->p_filesz = 0;
	assert_int_equal(kernel_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	/* A static program (busybox) loads at 4 MiB like a kernel could, but has TLS. */
	for (unsigned t = 0; t < 3; t++) {
		static const uint32_t types[] = {PT_TLS, PT_INTERP, PT_DYNAMIC};

		len = make_elf(0x400000, 0x400000, 0x400000);
		eh->e_phnum = 2;
		ph[1] = (Elf64_Phdr){.p_type = types[t]};
		assert_int_equal(kernel_load(&gm, img, len, &ki, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "user-space program"));
	}
}

static void test_elf_bad(void **state)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	struct kernel_info ki;
	size_t len;

	len = make_elf(0x200000, 0x200000, 0x200000);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);

	len = make_elf(0x200000, 0x200000, 0x200000);
	eh->e_machine = EM_AARCH64;
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);

	len = make_elf(0x200000, 0x200000, 0x200000);
	eh->e_phnum = 0xffff; /* table runs past the file */
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);

	len = make_elf(0x200000, 0x200000, 0x200000);
	eh->e_phoff = UINT64_MAX - 8;
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);

	len = make_elf(0x200000, 0x200000, 0x200000);
	ph->p_offset = UINT64_MAX - 0x10; /* offset + filesz overflows */
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "outside the file"));

	len = make_elf(0x200000, 0x200000, 0x200000);
	ph->p_filesz = 0x2000; /* filesz > memsz */
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);

	len = make_elf(MEM_SIZE - 0x800, MEM_SIZE - 0x800, MEM_SIZE - 0x800);
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "outside guest memory"));

	len = make_elf(0xfffffffffffff000ull, 0x200000, 0x200000);
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);

	len = make_elf(0x200000, 0x200000, 0x900000); /* entry in no segment */
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "entry"));

	len = make_elf(0x200000, 0x200000, 0x200000);
	ph->p_type = PT_NOTE;
	assert_int_equal(elf_load(&gm, img, len, &ki, err, sizeof(err)), -1);

	assert_int_equal(elf_load(&gm, img, 20, &ki, err, sizeof(err)), -1);
}

static void test_initrd_place(void **state)
{
	struct kernel_info ki = {.end = 0x1200000, .initrd_addr_max = 0x7fffffff};
	uint64_t addr;

	assert_int_equal(initrd_place(&gm, &ki, 0x100001, &addr, err, sizeof(err)), 0);
	assert_int_equal(addr & 0xfff, 0);
	assert_true(addr + 0x100001 <= MEM_SIZE);
	assert_true(addr >= 0x1200000);
	assert_int_equal(addr, (MEM_SIZE - 0x100001) & ~0xfffull);

	/* Honour initrd_addr_max. */
	ki.initrd_addr_max = 0x17fffff;
	assert_int_equal(initrd_place(&gm, &ki, 0x1000, &addr, err, sizeof(err)), 0);
	assert_int_equal(addr, 0x1800000 - 0x1000);

	/* Too big: would overlap the kernel. */
	ki.initrd_addr_max = 0x7fffffff;
	assert_int_equal(initrd_place(&gm, &ki, MEM_SIZE - 0x1000000, &addr, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not fit"));
	assert_int_equal(initrd_place(&gm, &ki, UINT64_MAX, &addr, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_bzimage_ok),
		cmocka_unit_test(test_bzimage_bad),
		cmocka_unit_test(test_elf_ok),
		cmocka_unit_test(test_elf_virtual_entry),
		cmocka_unit_test(test_elf_physical_entry),
		cmocka_unit_test(test_elf_pvh),
		cmocka_unit_test(test_elf_pvh_bad),
		cmocka_unit_test(test_elf_bad),
		cmocka_unit_test(test_elf_linux_layout),
		cmocka_unit_test(test_elf_programs),
		cmocka_unit_test(test_initrd_place),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
