/* guest.S — the guest payload every refvmm vCPU runs (64-bit long mode, identity
 * mapped, flat segments).  It is data to the host: the blob between guest_blob_start
 * and guest_blob_end is copied to GUEST_CODE_GPA, and it is position independent (only
 * relative jumps and calls; absolute addresses are the APIC's and the vCPU page's).
 *
 * Entry (set by the host with KVM_SET_REGS): %rsi = this vCPU's page, %rsp = page+4096,
 * RFLAGS.IF = 0.  The guest programs its LAPIC timer from the page's parameters, tells
 * the host "armed" through an OUT, then runs the variant chosen in PG_FLAGS.
 */
#include "guest_abi.h"

	.section .rodata.refvmm_guest, "a"
	.code64
	.balign 16
	.globl guest_blob_start, guest_blob_end, guest_entry, guest_timer_isr
	.globl guest_other_isr, guest_spurious_isr, guest_exception_stubs

guest_blob_start:

/* apic_write: write %eax to the LAPIC register at xAPIC offset %ecx.
 * xAPIC: a 32-bit store to 0xfee00000 + offset (built in a register: a disp32 would
 * be sign-extended to 0xfffffffffee00000).  x2APIC: MSR 0x800 + offset/16
 * (SDM 11.12.1.2) with %edx = 0 for the 32-bit registers used here.
 * In: %rsi = vCPU page.  Clobbers %rcx, %rdx. */
apic_write:
	testl	$F_X2APIC, PG_FLAGS(%rsi)
	jnz	1f
	movl	$APIC_MMIO_BASE, %edx	/* zero-extends into %rdx */
	movl	%eax, (%rdx,%rcx)
	ret
1:	shrl	$4, %ecx
	addl	$MSR_X2APIC_BASE, %ecx
	xorl	%edx, %edx
	wrmsr
	ret

/* arm_timer: start the timer.  Periodic/oneshot: write TMICT (starts counting).
 * TSC-deadline: MSR 0x6e0 = rdtsc + delta, recorded in PG_DEADLINE for the host; the
 * LVTT must already be in TSC-deadline mode or KVM ignores the write.
 * In: %rsi = vCPU page.  Clobbers %rax, %rcx, %rdx. */
arm_timer:
	testl	$F_TSCDEADLINE, PG_FLAGS(%rsi)
	jnz	1f
	movl	$APIC_TMICT, %ecx
	movl	PG_TMICT(%rsi), %eax
	jmp	apic_write
1:	rdtsc
	addl	PG_DELTA_LO(%rsi), %eax
	adcl	PG_DELTA_HI(%rsi), %edx
	movl	%eax, PG_DEADLINE_LO(%rsi)
	movl	%edx, PG_DEADLINE_HI(%rsi)
	movl	$MSR_TSC_DEADLINE, %ecx
	wrmsr
	ret

guest_entry:
	cld
	/* Software-enable the LAPIC (SVR bit 8); spurious interrupts go to vector 0xff. */
	movl	$APIC_SPIV, %ecx
	movl	$(APIC_SPIV_ENABLE | GUEST_SPURIOUS_VECTOR), %eax
	call	apic_write
	movl	$APIC_TDCR, %ecx
	movl	PG_TDCR(%rsi), %eax
	call	apic_write
	/* LVTT before the count/deadline: the mode decides what the next write means. */
	movl	$APIC_LVTT, %ecx
	movl	PG_LVTT(%rsi), %eax
	call	apic_write
	call	arm_timer
	movw	$PORT_ARMED, %dx
	outl	%eax, %dx
	movl	PG_FLAGS(%rsi), %eax
	andl	$RUN_MASK, %eax
	cmpl	$RUN_CLI_HLT, %eax
	je	run_cli_hlt
	cmpl	$RUN_SPIN, %eax
	je	run_spin
run_hlt:			/* IF=1 halt: KVM blocks the vCPU until the timer fires */
	sti
	hlt
	jmp	run_hlt
run_cli_hlt:			/* IF=0 halt: the timer interrupt is never delivered */
	cli
	hlt
	jmp	run_cli_hlt
run_spin:			/* IF=1 busy loop: the vCPU never leaves guest mode willingly */
	sti
1:	jmp	1b

/* Timer interrupt (GUEST_TIMER_VECTOR): count, optionally re-arm, EOI. */
	.balign 16
guest_timer_isr:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	movq	%rsp, %rsi
	andq	$~(GUEST_PAGE_SIZE - 1), %rsi
	incl	PG_TICKS(%rsi)
	testl	$F_REARM, PG_FLAGS(%rsi)
	jz	1f
	call	arm_timer
1:	movl	$APIC_EOI, %ecx
	xorl	%eax, %eax
	call	apic_write
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

/* Any other external vector: count it and EOI (nothing else should arrive). */
	.balign 16
guest_other_isr:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	movq	%rsp, %rsi
	andq	$~(GUEST_PAGE_SIZE - 1), %rsi
	incl	PG_OTHER_IRQS(%rsi)
	movl	$APIC_EOI, %ecx
	xorl	%eax, %eax
	call	apic_write
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

/* Spurious vector: no EOI (SDM 11.9). */
	.balign 16
guest_spurious_isr:
	iretq

/* Exceptions 0..31: one 8-byte stub each (cli; mov $n,%al; jmp rel32), reporting the
 * vector to the host, then halting with interrupts off for good. */
	.balign 16
guest_exception_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign 8
	cli
	movb	$\n, %al
	.byte	0xe9		/* jmp rel32, spelled out so every stub is 8 bytes */
	.long	exception_common - (. + 4)
	.endr
exception_common:
	movw	$PORT_EXCEPTION, %dx
	outb	%al, %dx
1:	cli
	hlt
	jmp	1b

guest_blob_end:

	.section .note.GNU-stack, "", @progbits
