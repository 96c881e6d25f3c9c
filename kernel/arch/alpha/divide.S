/*
 * kernel/arch/alpha/divide.S — integer division for GCC on Alpha.
 *
 * The Alpha has no integer divide instruction; GCC calls __divq, __divqu,
 * __remq, __remqu (64-bit) and __divl, __divlu, __reml, __remlu (32-bit)
 * with its own convention (gcc/config/alpha/alpha.md, the divmod
 * patterns): dividend in $24, divisor in $25, result in $27, return
 * address in $23; only $23, $27 and $28 may change. libgcc does not carry
 * these (glibc does, on the FPU), so a freestanding kernel brings its own.
 *
 * One shift-and-subtract loop (64 steps) serves all eight. 32-bit results
 * are returned sign-extended, as every 32-bit value lives in an Alpha
 * register. Division by zero raises call_pal bugchk, which the trap
 * handler reports (register dump) before halting the machine.
 */
	.set	noreorder
	.set	noat
	.arch	ev6
	.text

#define FRAME	64

#define PROLOGUE			\
	lda	$30, -FRAME($30);	\
	stq	$0, 0($30);		\
	stq	$1, 8($30);		\
	stq	$2, 16($30);		\
	stq	$3, 24($30);		\
	stq	$4, 32($30);		\
	stq	$5, 40($30);		\
	stq	$6, 48($30);		\
	stq	$7, 56($30)

#define EPILOGUE			\
	ldq	$0, 0($30);		\
	ldq	$1, 8($30);		\
	ldq	$2, 16($30);		\
	ldq	$3, 24($30);		\
	ldq	$4, 32($30);		\
	ldq	$5, 40($30);		\
	ldq	$6, 48($30);		\
	ldq	$7, 56($30);		\
	lda	$30, FRAME($30);	\
	ret	$31, ($23), 1

/*
 * udivmod: unsigned $1 / $2 -> quotient $3, remainder $4.
 * Uses $5, $6, $28; returns through $7.
 */
	.align	4
	.ent	udivmod
udivmod:
	.frame	$30, 0, $7, 0
	bne	$2, 1f
	call_pal 0x81			/* bugchk: integer division by zero */
	mov	$31, $3
	mov	$1, $4
	ret	$31, ($7), 1
1:	mov	$31, $3
	mov	$31, $4
	lda	$5, 64($31)
2:	srl	$4, 63, $28		/* bit shifted out of the partial remainder */
	addq	$4, $4, $4
	srl	$1, 63, $6
	or	$4, $6, $4
	addq	$1, $1, $1
	addq	$3, $3, $3
	cmpule	$2, $4, $6
	or	$6, $28, $6
	beq	$6, 3f
	subq	$4, $2, $4
	or	$3, 1, $3
3:	subq	$5, 1, $5
	bne	$5, 2b
	ret	$31, ($7), 1
	.end	udivmod

#define ENTRY(name)	\
	.align	4;	\
	.globl	name;	\
	.ent	name;	\
name:			\
	.frame	$30, FRAME, $23, 0

	ENTRY(__divqu)
	PROLOGUE
	mov	$24, $1
	mov	$25, $2
	bsr	$7, udivmod
	mov	$3, $27
	EPILOGUE
	.end	__divqu

	ENTRY(__remqu)
	PROLOGUE
	mov	$24, $1
	mov	$25, $2
	bsr	$7, udivmod
	mov	$4, $27
	EPILOGUE
	.end	__remqu

	ENTRY(__divq)
	PROLOGUE
	xor	$24, $25, $0		/* sign of the quotient */
	subq	$31, $24, $1
	cmovge	$24, $24, $1
	subq	$31, $25, $2
	cmovge	$25, $25, $2
	bsr	$7, udivmod
	subq	$31, $3, $27
	cmovge	$0, $3, $27
	EPILOGUE
	.end	__divq

	ENTRY(__remq)
	PROLOGUE
	mov	$24, $0			/* the remainder takes the dividend's sign */
	subq	$31, $24, $1
	cmovge	$24, $24, $1
	subq	$31, $25, $2
	cmovge	$25, $25, $2
	bsr	$7, udivmod
	subq	$31, $4, $27
	cmovge	$0, $4, $27
	EPILOGUE
	.end	__remq

	ENTRY(__divlu)
	PROLOGUE
	zapnot	$24, 0x0f, $1
	zapnot	$25, 0x0f, $2
	bsr	$7, udivmod
	addl	$3, 0, $27
	EPILOGUE
	.end	__divlu

	ENTRY(__remlu)
	PROLOGUE
	zapnot	$24, 0x0f, $1
	zapnot	$25, 0x0f, $2
	bsr	$7, udivmod
	addl	$4, 0, $27
	EPILOGUE
	.end	__remlu

	ENTRY(__divl)
	PROLOGUE
	addl	$24, 0, $1
	addl	$25, 0, $2
	xor	$1, $2, $0
	subq	$31, $1, $5
	cmovlt	$1, $5, $1
	subq	$31, $2, $5
	cmovlt	$2, $5, $2
	bsr	$7, udivmod
	subq	$31, $3, $27
	cmovge	$0, $3, $27
	addl	$27, 0, $27
	EPILOGUE
	.end	__divl

	ENTRY(__reml)
	PROLOGUE
	addl	$24, 0, $1
	addl	$25, 0, $2
	mov	$1, $0
	subq	$31, $1, $5
	cmovlt	$1, $5, $1
	subq	$31, $2, $5
	cmovlt	$2, $5, $2
	bsr	$7, udivmod
	subq	$31, $4, $27
	cmovge	$0, $4, $27
	addl	$27, 0, $27
	EPILOGUE
	.end	__reml
