// SPDX-License-Identifier: BSD-3-Clause
/*
 * Uncompressed ELF64 kernels (vmlinux): PT_LOAD segments at their physical
 * addresses. A Linux vmlinux is linked at 0xffffffff81000000 (p_vaddr) to run
 * at 16 MiB (p_paddr), and its e_entry (startup_64) is physical. Where the
 * kernel has a Xen PVH note, it is entered there instead, as QEMU and crosvm do:
 * the 32-bit entry sets up its own page tables and skips nothing else.
 */
#include "loader/loader.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/layout.h"

#define ELF_CMDLINE_MAX		 2047
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define MAX_NOTES		 256 /* per PT_NOTE segment: a kernel has a handful */

/* n rounded up to the notes' 4-byte alignment, without wrapping. */
static uint64_t note_align(uint64_t n)
{
	return n > UINT64_MAX - 3 ? UINT64_MAX : (n + 3) & ~3ull;
}

/*
 * The PVH entry of the notes in [off, off + size) of the image, if any: 1 with
 * *entry set, 0 if none, -1 for a malformed note.
 */
static int find_pvh_note(const uint8_t *img, uint64_t off, uint64_t size, uint64_t *entry)
{
	for (unsigned n = 0; n < MAX_NOTES && size >= sizeof(Elf64_Nhdr); n++) {
		Elf64_Nhdr nh;
		uint64_t name, desc, total;

		memcpy(&nh, img + off, sizeof(nh));
		name = note_align(nh.n_namesz);
		desc = note_align(nh.n_descsz);
		total = sizeof(nh) + name + desc;
		if (name > size || desc > size || total > size)
			return -1;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    !memcmp(img + off + sizeof(nh), "Xen", 4)) {
			const uint8_t *d = img + off + sizeof(nh) + name;
			uint32_t lo;

			/* A 32-bit address, written as .long or (on x86_64) .quad. */
			if (nh.n_descsz != 4 && nh.n_descsz != 8)
				return -1;
			memcpy(&lo, d, 4);
			if (nh.n_descsz == 8) {
				uint32_t hi;

				memcpy(&hi, d + 4, 4);
				if (hi)
					return -1;
			}
			*entry = lo;
			return 1;
		}
		off += total;
		size -= total;
	}
	return 0;
}

/* Is [addr, addr + 1) inside the physical range of a PT_LOAD segment? */
static bool in_loaded(const uint8_t *img, const Elf64_Ehdr *eh, uint64_t addr)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && addr >= ph.p_paddr && addr - ph.p_paddr < ph.p_memsz)
			return true;
	}
	return false;
}

/* The PVH note's entry, if the kernel has one inside its loaded image: 1, 0, or -1 (bad). */
static int pvh_entry(const uint8_t *img, size_t len, const Elf64_Ehdr *eh, uint64_t *entry,
		     char *err, size_t errlen)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		int r;

		memcpy(&ph, img + eh->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE)
			continue;
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset) {
			snprintf(err, errlen, "ELF note segment %u lies outside the file", i);
			return -1;
		}
		r = find_pvh_note(img, ph.p_offset, ph.p_filesz, entry);
		if (r < 0) {
			snprintf(err, errlen, "ELF note segment %u is malformed", i);
			return -1;
		}
		if (r && !in_loaded(img, eh, *entry)) {
			snprintf(err, errlen, "ELF PVH entry point %#llx is in no loaded segment",
				 (unsigned long long)*entry);
			return -1;
		}
		if (r)
			return 1;
	}
	return 0;
}

int elf_load(const struct guest_memory *gm, const uint8_t *img, size_t len, struct kernel_info *ki,
	     char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	uint64_t entry, virt_entry = 0, end = 0;
	bool entry_found, phys_found = false, virt_found = false;
	int loads = 0;

	if (len < sizeof(eh)) {
		snprintf(err, errlen, "ELF kernel truncated inside its header");
		return -1;
	}
	memcpy(&eh, img, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "ELF kernel is not 64-bit little-endian");
		return -1;
	}
	if (eh.e_type != ET_EXEC) {
		snprintf(err, errlen,
			 "ELF file is not a kernel: type %u, not an executable (a program or "
			 "library?)",
			 eh.e_type);
		return -1;
	}
	if (eh.e_machine != EM_X86_64) {
		snprintf(err, errlen, "ELF kernel is not for x86_64 (e_machine %u)", eh.e_machine);
		return -1;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > len ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff) {
		snprintf(err, errlen, "ELF kernel has a bad program header table");
		return -1;
	}
	entry = eh.e_entry;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint8_t *dst;

		memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		/* What a user-space program has and a kernel never does (static busybox: TLS). */
		if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC || ph.p_type == PT_TLS) {
			snprintf(err, errlen,
				 "ELF file is a user-space program, not a kernel (it has a %s "
				 "segment)",
				 ph.p_type == PT_INTERP	   ? "PT_INTERP"
				 : ph.p_type == PT_DYNAMIC ? "PT_DYNAMIC"
							   : "PT_TLS");
			return -1;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len ||
		    ph.p_filesz > len - ph.p_offset) {
			snprintf(err, errlen, "ELF segment %u lies outside the file", i);
			return -1;
		}
		/* Below 1 MiB are the boot tables, page tables and ACPI: no kernel goes there. */
		if (ph.p_paddr < X86_HIGH_MEM_START || ph.p_memsz == 0 ||
		    ph.p_paddr + ph.p_memsz < ph.p_paddr) {
			snprintf(err, errlen,
				 "ELF segment %u (%#llx, %llu bytes) is not where a kernel loads "
				 "(from 1 MiB up)",
				 i, (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz);
			return -1;
		}
		dst = gm_ptr(gm, ph.p_paddr, ph.p_memsz);
		if (!dst) {
			snprintf(err, errlen,
				 "ELF segment %u (%#llx, %llu bytes) is outside guest memory", i,
				 (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz);
			return -1;
		}
		memcpy(dst, img + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr + ph.p_memsz > end)
			end = ph.p_paddr + ph.p_memsz;
		/*
		 * Linux's vmlinux gives a physical entry (0x1000000) in segments linked
		 * at 0xffffffff81000000: look for it by physical address first.
		 */
		if (!phys_found && eh.e_entry >= ph.p_paddr && eh.e_entry - ph.p_paddr < ph.p_memsz)
			phys_found = true;
		/* Else the entry may be virtual: translated through its segment. */
		if (!virt_found && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_memsz) {
			virt_entry = ph.p_paddr + (eh.e_entry - ph.p_vaddr);
			virt_found = true;
		}
		loads++;
	}
	if (!loads) {
		snprintf(err, errlen, "ELF kernel has no loadable segment");
		return -1;
	}
	entry_found = phys_found || virt_found;
	if (!phys_found && virt_found)
		entry = virt_entry;
	switch (pvh_entry(img, len, &eh, &ki->entry, err, errlen)) {
	case 1:
		ki->pvh = true;
		break;
	case 0:
		if (!entry_found) {
			snprintf(err, errlen, "ELF entry point %#llx is in no loaded segment",
				 (unsigned long long)eh.e_entry);
			return -1;
		}
		ki->entry = entry;
		ki->pvh = false;
		break;
	default:
		return -1;
	}
	ki->end = end;
	ki->has_setup_header = false;
	ki->initrd_addr_max = 0xffffffff;
	ki->cmdline_max = ELF_CMDLINE_MAX;
	return 0;
}
