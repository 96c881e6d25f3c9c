/*
 * kernel/arch/x86_64/boot.S — PVH entry, long mode, jump to C.
 *
 * QEMU's -kernel loads an ELF64 carrying a XEN_ELFNOTE_PHYS32_ENTRY note
 * (xen/include/public/elfnote.h, type 18) and enters it as the x86/HVM
 * direct boot ABI says (xen/include/public/arch-x86/hvm/start_info.h):
 * 32-bit protected mode, paging off, flat CS/DS/SS, interrupts off,
 * %ebx = physical address of struct hvm_start_info.
 *
 * Here: zero .bss, build identity page tables for 0..4 GiB with 2 MiB pages
 * (Intel SDM vol. 3A 4.5, PML4 -> PDPT -> PD with PS=1), load our GDT,
 * enable CR4.PAE, EFER.LME (MSR 0xC0000080 bit 8) and CR0.PG, far-jump to
 * the 64-bit code segment, load the stack and call x86_start(start_info).
 */

#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define CR0_PG   (1 << 31)
#define CR0_WP   (1 << 16)
#define CR0_PE   (1 << 0)
#define CR4_PAE  (1 << 5)
#define PTE_P    0x1
#define PTE_RW   0x2
#define PTE_PS   0x80

#define SEL_CODE64 0x08
#define SEL_DATA   0x10

/* The PVH note: name "Xen", type 18, desc = 64-bit physical entry. QEMU
 * reads the desc as a 64-bit value and computes its offset with the note
 * segment's alignment, so that alignment must be 4 (hw/i386/x86.c). */
	.section .note.pvh, "a"
	.p2align 2
	.long 4                 /* namesz */
	.long 8                 /* descsz */
	.long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.p2align 2
	.quad pvh_start32

	.section .text.boot, "ax"
	.code32
	.globl pvh_start32
	.type pvh_start32, @function
pvh_start32:
	cli
	cld
	movl %ebx, %esi                 /* hvm_start_info, kept across bss zeroing */

	/* Zero .bss (page tables and stacks live there). */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	movl %esi, pvh_start_info

	/* Temporary stack for nothing but safety in 32-bit code. */
	movl $boot_stack_top, %esp

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; PDn[j] = 2 MiB page. */
	movl $boot_pdpt, %eax
	orl $(PTE_P | PTE_RW), %eax
	movl %eax, boot_pml4

	movl $boot_pd, %eax
	orl $(PTE_P | PTE_RW), %eax
	xorl %ecx, %ecx
1:	movl %eax, boot_pdpt(, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jb 1b

	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_RW | PTE_PS), %eax
	movl %eax, boot_pd(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b

	lgdt gdt64_ptr
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4

	movl $boot_pml4, %eax
	movl %eax, %cr3

	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr

	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0

	ljmp $SEL_CODE64, $long_entry

	.code64
long_entry:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp                 /* ends the frame-pointer chain */
	movl pvh_start_info, %edi
	call x86_start
3:	cli
	hlt
	jmp 3b
	.size pvh_start32, . - pvh_start32

	.section .data
	.p2align 3
	.globl pvh_start_info
pvh_start_info:
	.long 0, 0

/* GDT: null, 64-bit code (L=1), flat data, then a 16-byte TSS descriptor
 * that idt.c fills in (SDM vol. 3A 3.4.5, 7.2.3). */
	.p2align 4
	.globl gdt64
gdt64:
	.quad 0
	.quad 0x00209A0000000000        /* 0x08: code, present, DPL 0, L */
	.quad 0x00CF92000000FFFF        /* 0x10: data, flat 4 GiB (also valid in 32-bit mode) */
	.quad 0, 0                      /* 0x18: TSS */
gdt64_end:
	.p2align 3
	.globl gdt64_ptr
gdt64_ptr:
	.word gdt64_end - gdt64 - 1
	.quad gdt64

	.section .bss
	.p2align 12
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
	.globl boot_pd
boot_pd:
	.skip 4 * 4096
	.p2align 4
	.globl boot_stack_bottom
boot_stack_bottom:
	.skip 65536
	.globl boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
