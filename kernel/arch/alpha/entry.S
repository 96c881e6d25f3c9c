/*
 * kernel/arch/alpha/entry.S — the kernel's first instructions and the
 * PALcode entry points.
 *
 * _start: QEMU's PALcode (qemu-palcode init.c, do_start -> swppal) enters
 * in kernel mode at IPL 7 with $27 = the entry address, on a small PALcode
 * stack. We derive $gp from our own address, move to boot_stack, clear .bss
 * and call alpha_start (start.c), which never returns.
 *
 * Entry points (Alpha ARM II-B, OSF/1 PALcode "system entry"): the PALcode
 * pushes ps, pc, gp, a0, a1, a2 (48 bytes) on the kernel stack, loads $gp
 * from the value given to wrkgp and jumps here with the arguments in
 * a0-a2. Each stub saves the integer registers by number into a 256-byte
 * area below that frame (struct alpha_frame, alpha.h), calls
 *     alpha_trap(a0, a1, a2, type, frame)
 * and puts everything back; call_pal rti then restores ps, pc, gp, a0-a2.
 * The kernel is built with -mno-fp-regs, so no floating-point state.
 */
	.set	noreorder
	.set	noat
	.arch	ev6

#define SAVE_BYTES	256	/* 32 quadwords; keeps $sp 16-byte aligned */
#define PAL_rti		0x3f

	.section .text.start, "ax"
	.globl	_start
	.ent	_start
_start:
	br	$29, 1f
1:	ldgp	$29, 0($29)
	lda	$30, boot_stack_top
	/* Clear .bss (QEMU's ELF loader zero-fills too; do not rely on it). */
	lda	$1, __bss_start
	lda	$2, __bss_end
2:	cmpult	$1, $2, $3
	beq	$3, 3f
	stq	$31, 0($1)
	addq	$1, 8, $1
	br	$31, 2b
3:	lda	$27, alpha_start
	jsr	$26, ($27)
	/* alpha_start does not return; halt if it ever does. */
	call_pal 0x00
	.end	_start

	.text
/* Save $0..$15 and $19..$28; $16-$18 hold the PALcode's arguments. */
	.align	4
	.ent	ent_common
ent_common:
	.frame	$30, SAVE_BYTES, $26, 0
	stq	$1, 8($30)
	stq	$2, 16($30)
	stq	$3, 24($30)
	stq	$4, 32($30)
	stq	$5, 40($30)
	stq	$6, 48($30)
	stq	$7, 56($30)
	stq	$8, 64($30)
	stq	$9, 72($30)
	stq	$10, 80($30)
	stq	$11, 88($30)
	stq	$12, 96($30)
	stq	$13, 104($30)
	stq	$14, 112($30)
	stq	$15, 120($30)
	stq	$19, 152($30)
	stq	$20, 160($30)
	stq	$21, 168($30)
	stq	$22, 176($30)
	stq	$23, 184($30)
	stq	$24, 192($30)
	stq	$25, 200($30)
	stq	$26, 208($30)
	stq	$27, 216($30)
	stq	$28, 224($30)
	mov	$0, $19			/* type */
	mov	$30, $20		/* struct alpha_frame * */
	br	$27, 1f
1:	ldgp	$29, 0($27)
	lda	$27, alpha_trap
	jsr	$26, ($27)
	ldq	$0, 0($30)
	ldq	$1, 8($30)
	ldq	$2, 16($30)
	ldq	$3, 24($30)
	ldq	$4, 32($30)
	ldq	$5, 40($30)
	ldq	$6, 48($30)
	ldq	$7, 56($30)
	ldq	$8, 64($30)
	ldq	$9, 72($30)
	ldq	$10, 80($30)
	ldq	$11, 88($30)
	ldq	$12, 96($30)
	ldq	$13, 104($30)
	ldq	$14, 112($30)
	ldq	$15, 120($30)
	ldq	$19, 152($30)
	ldq	$20, 160($30)
	ldq	$21, 168($30)
	ldq	$22, 176($30)
	ldq	$23, 184($30)
	ldq	$24, 192($30)
	ldq	$25, 200($30)
	ldq	$26, 208($30)
	ldq	$27, 216($30)
	ldq	$28, 224($30)
	lda	$30, SAVE_BYTES($30)
	call_pal PAL_rti
	.end	ent_common

#define ENTRY_STUB(name, type)		\
	.align	4;			\
	.globl	name;			\
	.ent	name;			\
name:					\
	lda	$30, -SAVE_BYTES($30);	\
	stq	$0, 0($30);		\
	lda	$0, type($31);		\
	br	$31, ent_common;	\
	.end	name

ENTRY_STUB(alpha_entInt, 0)
ENTRY_STUB(alpha_entArith, 1)
ENTRY_STUB(alpha_entMM, 2)
ENTRY_STUB(alpha_entIF, 3)
ENTRY_STUB(alpha_entUna, 4)
ENTRY_STUB(alpha_entSys, 5)

	.section .bss.stack, "aw", @nobits
	.align	4
	.globl	boot_stack_bottom
boot_stack_bottom:
	.space	65536
	.globl	boot_stack_top
boot_stack_top:
