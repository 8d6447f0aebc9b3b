/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Multiboot test program for MOVDIR64B under TCG, booted with
 * "-kernel movdir64b.elf" by scripts/test-qemu-model.sh.  It prints to
 * COM1: MOVDIR64B-COPY-OK when a 64-byte aligned copy is exact, then
 * MOVDIR64B-GP-OK when a misaligned destination raises #GP, or
 * MOVDIR64B-UD when the CPU does not know the instruction.  The program
 * ends with a triple fault (QEMU runs with -no-reboot, so it exits).
 */
	.code32
	.section .text
	.align 4
	.long 0x1BADB002
	.long 0x00000000
	.long -(0x1BADB002)
	.globl _start
_start:
	mov $stack_top, %esp
	/* IDT: #UD (6) and #GP (13) handlers, interrupt gates in the current CS */
	mov $ud_handler, %ebx
	mov $idt + 6 * 8, %edi
	call set_gate
	mov $gp_handler, %ebx
	mov $idt + 13 * 8, %edi
	call set_gate
	lidt idtr
	/* aligned copy */
	mov $src, %esi
	mov $dst, %eax
	movdir64b (%esi), %eax
	mov $src, %esi
	mov $dst, %edi
	mov $64, %ecx
	repe cmpsb
	jne fail
	mov $msg_ok, %esi
	call puts
	/* misaligned destination must raise #GP */
	mov $src, %esi
	mov $dst + 8, %eax
	movdir64b (%esi), %eax
	mov $msg_nogp, %esi
	call puts
	jmp done
fail:
	mov $msg_fail, %esi
	call puts
done:
	lidt zero_idtr
	int3
gp_handler:
	mov $msg_gp, %esi
	call puts
	jmp done
ud_handler:
	mov $msg_ud, %esi
	call puts
	jmp done
/* %ebx = handler, %edi = gate */
set_gate:
	mov %cs, %ax
	mov %bx, (%edi)
	mov %ax, 2(%edi)
	movw $0x8e00, 4(%edi)
	shr $16, %ebx
	mov %bx, 6(%edi)
	ret
puts:
	mov $0x3f8, %dx
1:	lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	ret

	.section .data
	.align 64
src:
	.set i, 0
	.rept 64
	.byte (i * 37 + 11) & 0xff
	.set i, i + 1
	.endr
	.align 64
dst:	.fill 128, 1, 0
msg_ok:	.asciz "MOVDIR64B-COPY-OK\n"
msg_fail: .asciz "MOVDIR64B-COPY-FAIL\n"
msg_gp:	.asciz "MOVDIR64B-GP-OK\n"
msg_nogp: .asciz "MOVDIR64B-NO-GP\n"
msg_ud:	.asciz "MOVDIR64B-UD\n"
	.align 8
idtr:	.word 256 * 8 - 1
	.long idt
zero_idtr: .word 0
	.long 0
	.section .bss
	.align 16
idt:	.fill 256 * 8, 1, 0
	.fill 4096, 1, 0
stack_top:
