/* guest_abi.h — the contract between the host side of refvmm and its guest payload
 * (guest.S).  Included by C and by the assembler (guarded by __ASSEMBLER__).
 *
 * Guest physical layout of every VM (all of it in one memory slot at GPA 0):
 *
 *   0x0000  GDT (null, 64-bit code 0x08, data 0x10)
 *   0x1000  IDT (256 64-bit interrupt gates, 4 KiB)
 *   0x2000  PML4, 0x3000 PDPT, 0x4000 PD for 0-1 GiB, 0x5000 PD for 3-4 GiB
 *           (2 MiB pages: identity map of the first GiB and of the LAPIC page)
 *   0x6000  code: the guest.S blob, at most GUEST_CODE_MAX bytes
 *   0x8000  vCPU 0 page, 0x9000 vCPU 1 page, ...
 *
 * Each vCPU page holds its parameters and counters at the bottom (PG_*) and its stack
 * at the top: the vCPU starts with %rsi = page and %rsp = page + 4096, and the
 * interrupt handlers find the page again as %rsp & ~0xfff (stack use is < 128 bytes).
 * The guest runs in 64-bit long mode: a flat 32-bit protected-mode guest would do as
 * well on VMX/SVM, but paravirtual KVM (PVM) runs non-paged guests through its
 * instruction emulator, which cannot IRET in protected mode (KVM_EXIT_INTERNAL_ERROR).
 */
#ifndef REFVMM_GUEST_ABI_H
#define REFVMM_GUEST_ABI_H

#define GUEST_PAGE_SIZE   0x1000
#define GUEST_GDT_GPA     0x0000
#define GUEST_IDT_GPA     0x1000
#define GUEST_PML4_GPA    0x2000
#define GUEST_PDPT_GPA    0x3000
#define GUEST_PD_LOW_GPA  0x4000
#define GUEST_PD_APIC_GPA 0x5000
#define GUEST_CODE_GPA    0x6000
#define GUEST_CODE_MAX    0x2000
#define GUEST_VCPU0_GPA   0x8000
#define GUEST_SEL_CODE    0x08
#define GUEST_SEL_DATA    0x10

/* Per-vCPU page fields (byte offsets; all u32 little endian). */
#define PG_TICKS          0x00 /* timer interrupts handled (written by the guest ISR) */
#define PG_FLAGS          0x04 /* F_* and RUN_* below (written by the host) */
#define PG_LVTT           0x08 /* LVT timer value to program: vector | mask | mode */
#define PG_TDCR           0x0c /* divide configuration register value */
#define PG_TMICT          0x10 /* initial count (periodic, oneshot; unit: bus cycles) */
#define PG_DELTA_LO       0x14 /* TSC-deadline: deadline = rdtsc + delta (unit: TSC cycles) */
#define PG_DELTA_HI       0x18
#define PG_DEADLINE_LO    0x1c /* TSC-deadline: last value written to MSR 0x6e0 (by guest) */
#define PG_DEADLINE_HI    0x20
#define PG_OTHER_IRQS     0x24 /* interrupts on vectors other than the timer's */

#define F_X2APIC          0x01 /* program the LAPIC through MSRs 0x800+ instead of MMIO */
#define F_TSCDEADLINE     0x02 /* arm with MSR 0x6e0 instead of TMICT */
#define F_REARM           0x04 /* oneshot/tscdeadline: re-arm from the handler */
#define RUN_SHIFT         8
#define RUN_MASK          0x300
#define RUN_HLT           0x000 /* sti; hlt loop: blocks in KVM, woken by the timer */
#define RUN_CLI_HLT       0x100 /* cli; hlt loop: the interrupt stays pending in IRR */
#define RUN_SPIN          0x200 /* sti; busy loop */

/* Guest-to-host messages: an OUT to these ports exits to the host (ucall-like). */
#define PORT_ARMED        0x510 /* the timer is programmed; value ignored */
#define PORT_EXCEPTION    0x511 /* an exception hit; %al = vector; the guest then halts */

/* Local APIC (SDM vol. 3 ch. 11; KVM arch/x86/kvm/lapic.h). */
#define APIC_MMIO_BASE    0xfee00000
#define APIC_EOI          0xb0
#define APIC_SPIV         0xf0
#define APIC_LVTT         0x320
#define APIC_TMICT        0x380
#define APIC_TMCCT        0x390
#define APIC_TDCR         0x3e0
#define APIC_IRR          0x200
#define APIC_ISR          0x100
#define APIC_SPIV_ENABLE  0x100
#define APIC_LVT_MASKED   (1u << 16)
#define APIC_LVT_TIMER_ONESHOT     (0u << 17)
#define APIC_LVT_TIMER_PERIODIC    (1u << 17)
#define APIC_LVT_TIMER_TSCDEADLINE (2u << 17)
#define APIC_LVT_TIMER_MODE_MASK   (3u << 17)
#define MSR_X2APIC_BASE   0x800 /* x2APIC register = 0x800 + xAPIC offset / 16 */
#define MSR_IA32_TSC      0x10
#define MSR_IA32_APICBASE 0x1b
#define MSR_TSC_DEADLINE  0x6e0

#define GUEST_TIMER_VECTOR    0xec /* the vector Linux uses for its local timer */
#define GUEST_SPURIOUS_VECTOR 0xff

#ifndef __ASSEMBLER__
/* Symbols of the blob in guest.S (host addresses; subtract guest_blob_start). */
extern const unsigned char guest_blob_start[], guest_blob_end[];
extern const unsigned char guest_entry[], guest_timer_isr[], guest_other_isr[];
extern const unsigned char guest_spurious_isr[], guest_exception_stubs[];
#define GUEST_EXCEPTION_STUB_SIZE 8
#endif

#endif
