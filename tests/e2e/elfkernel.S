/*
 * elfkernel.S - a tiny freestanding x86-64 ELF64 "kernel" for crosvm's
 * end-to-end tests.
 *
 * Contract (what the VMM must provide):
 *   - entered at e_entry in 64-bit long mode, paging on, low 4 GiB
 *     identity mapped, flat segments;
 *   - RSI = guest-physical address of a Linux struct boot_params.
 *
 * What it does:
 *   1. prints "ELF-KERNEL-OK\n" on the 8250 UART at I/O port 0x3f8,
 *   2. prints "CMDLINE=" + the NUL-terminated command line whose 32-bit
 *      physical address is hdr.cmd_line_ptr (boot_params offset 0x228),
 *      then "\n",
 *   3. resets the machine through the i8042 (outb 0xfe -> port 0x64),
 *   4. halts forever if the reset did not happen.
 *
 * Linked at 0x100000 as a single PT_LOAD segment (see images.sh).
 */

#define UART_DATA       0x3f8
#define UART_LSR        0x3fd
#define LSR_THRE        0x20
#define BP_CMD_LINE_PTR 0x228
#define CMDLINE_MAX     4096

        .code64
        .text
        .globl  _start
        .type   _start, @function
_start:
        cli
        cld
        lea     stack_top(%rip), %rsp
        mov     %rsi, %rbx                      /* boot_params */

        lea     msg_ok(%rip), %rdi
        call    puts

        lea     msg_cmdline(%rip), %rdi
        call    puts

        test    %rbx, %rbx
        jz      1f
        mov     BP_CMD_LINE_PTR(%rbx), %edi     /* zero-extends to %rdi */
        test    %rdi, %rdi
        jz      1f
        mov     $CMDLINE_MAX, %ecx              /* bound a missing NUL */
        call    putsn
1:
        lea     msg_nl(%rip), %rdi
        call    puts

        /* Pulse the i8042 reset line. */
        mov     $0xfe, %al
        out     %al, $0x64
2:
        hlt
        jmp     2b
        .size   _start, . - _start

/* puts: print the NUL-terminated string at %rdi. */
puts:
        mov     $-1, %ecx
/* putsn: print at most %ecx bytes of the NUL-terminated string at %rdi. */
putsn:
1:
        test    %ecx, %ecx
        jz      2f
        movzbl  (%rdi), %eax
        test    %al, %al
        jz      2f
        call    putc
        inc     %rdi
        dec     %ecx
        jmp     1b
2:
        ret

/* putc: send %al to the UART once its transmit holding register is empty. */
putc:
        mov     %eax, %r8d
        mov     $UART_LSR, %dx
1:
        in      %dx, %al
        test    $LSR_THRE, %al
        jz      1b
        mov     $UART_DATA, %dx
        mov     %r8d, %eax
        out     %al, %dx
        ret

        .section .rodata
msg_ok:
        .asciz  "ELF-KERNEL-OK\n"
msg_cmdline:
        .asciz  "CMDLINE="
msg_nl:
        .asciz  "\n"

        .bss
        .balign 16
stack:
        .skip   4096
stack_top:

        .section .note.GNU-stack, "", @progbits
