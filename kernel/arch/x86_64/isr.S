/*
 * kernel/arch/x86_64/isr.S — interrupt and exception entry stubs.
 *
 * One stub per vector 0..47 (32 exceptions, 16 legacy PIC lines). Each
 * pushes a zero error code when the CPU does not (SDM vol. 3A table 6-1:
 * vectors 8, 10-14, 17, 21, 29, 30 push one), then the vector number, then
 * the general registers, and calls x86_trap(struct x86_frame *). The frame
 * layout matches struct x86_frame in x86.h. The stack is 16-byte aligned at
 * the call: the CPU aligns RSP before pushing its 5-word frame, and we push
 * 2 + 15 more words (22 in all, 176 bytes).
 */

	.text

.macro STUB vec, has_err
	.p2align 4
isr_stub_\vec:
	.if \has_err == 0
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
.endm

.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	STUB \v, 0
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
	STUB \v, 1
.endr
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	STUB \v, 0
.endr

	.p2align 4
isr_common:
	pushq %r15
	pushq %r14
	pushq %r13
	pushq %r12
	pushq %r11
	pushq %r10
	pushq %r9
	pushq %r8
	pushq %rbp
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %rbx
	pushq %rax
	cld
	movq %rsp, %rdi
	call x86_trap
	popq %rax
	popq %rbx
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rbp
	popq %r8
	popq %r9
	popq %r10
	popq %r11
	popq %r12
	popq %r13
	popq %r14
	popq %r15
	addq $16, %rsp          /* vector, error code */
	iretq

/* Vectors 48-255: nothing should arrive there (the local APIC's spurious
 * vector, a stray interrupt). Count it and return; no EOI is owed. */
	.p2align 4
	.globl x86_isr_stray
x86_isr_stray:
	lock incq x86_stray_interrupts(%rip)
	iretq

/* Table of stub addresses, indexed by vector, for idt.c. */
	.section .rodata
	.p2align 3
	.globl x86_isr_stubs
x86_isr_stubs:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad isr_stub_\v
.endr

	.section .note.GNU-stack, "", @progbits
