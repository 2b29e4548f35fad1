// SPDX-License-Identifier: BSD-3-Clause
/* Uncompressed ELF64 kernels (vmlinux): PT_LOAD segments at their physical addresses. */
#include "loader/loader.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

#define ELF_CMDLINE_MAX 2047

int elf_load(const struct guest_memory *gm, const uint8_t *img, size_t len, struct kernel_info *ki,
	     char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	uint64_t entry, end = 0;
	bool entry_found = false;
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
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len ||
		    ph.p_filesz > len - ph.p_offset) {
			snprintf(err, errlen, "ELF segment %u lies outside the file", i);
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
		/* The entry may be virtual (linked high): translate it through its segment. */
		if (!entry_found && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_memsz) {
			entry = ph.p_paddr + (eh.e_entry - ph.p_vaddr);
			entry_found = true;
		}
		loads++;
	}
	if (!loads) {
		snprintf(err, errlen, "ELF kernel has no loadable segment");
		return -1;
	}
	if (!entry_found) {
		snprintf(err, errlen, "ELF entry point %#llx is in no loaded segment",
			 (unsigned long long)eh.e_entry);
		return -1;
	}
	ki->entry = entry;
	ki->end = end;
	ki->has_setup_header = false;
	ki->initrd_addr_max = 0xffffffff;
	ki->cmdline_max = ELF_CMDLINE_MAX;
	return 0;
}
