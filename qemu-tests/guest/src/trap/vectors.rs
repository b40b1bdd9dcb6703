//! The exception vectors, written in assembly and copied to EBase at boot:
//! - EBase + 0x000: TLB refill. Walks the two-level page table of the
//!   current address space (`current_page_root`) like Linux's MIPS32 refill:
//!   root index = BadVAddr[31:22], then the even/odd PTE pair selected by
//!   Context.BadVPN2; PTEs are EntryLo values, so it only loads and writes.
//!   Every root slot points at a leaf (an empty one if nothing is mapped), so
//!   there is no null check; an empty PTE refills as invalid and the retry
//!   raises TLB Invalid at +0x180.
//! - EBase + 0x180: a jump to `general_exception`, which saves a `TrapFrame`
//!   (on the current stack for kernel-mode traps, into `current_user_frame`
//!   for user-mode ones), calls `trap_entry` in kernel mode with EXL and IE
//!   clear, and resumes whichever frame that returns.

use super::frame::offset;

// HI/LO are part of a MIPS32r2 thread's state; Release 6 removed them (its
// MUL/DIV forms write GPRs), so there the frame's slots just stay zero.
#[cfg(not(target_arch = "mips32r6"))]
macro_rules! save_hi_lo {
    () => {
        "mfhi $k0\n sw $k0, {hi}($k1)\n mflo $k0\n sw $k0, {lo}($k1)"
    };
}
#[cfg(not(target_arch = "mips32r6"))]
macro_rules! restore_hi_lo {
    () => {
        "lw $k0, {hi}($k1)\n mthi $k0\n lw $k0, {lo}($k1)\n mtlo $k0"
    };
}
#[cfg(target_arch = "mips32r6")]
macro_rules! save_hi_lo {
    () => {
        "sw $zero, {hi}($k1)\n sw $zero, {lo}($k1)"
    };
}
#[cfg(target_arch = "mips32r6")]
macro_rules! restore_hi_lo {
    () => {
        ""
    };
}

core::arch::global_asm!(
    r#"
    .set push
    .set noreorder
    .set noat

    .section .text.vectors, "ax"
    .globl tlb_refill_vector_start
    .globl tlb_refill_vector_end
tlb_refill_vector_start:
    lui     $k1, %hi(current_page_root)
    lw      $k1, %lo(current_page_root)($k1)
    mfc0    $k0, $8                 # BadVAddr
    srl     $k0, $k0, 22
    sll     $k0, $k0, 2
    addu    $k1, $k1, $k0
    lw      $k1, 0($k1)             # leaf table covering these 4 MiB
    mfc0    $k0, $4                 # Context: BadVPN2 in bits 22:4
    srl     $k0, $k0, 1
    andi    $k0, $k0, 0xff8         # (VPN2 mod 512) * 8: the PTE pair
    addu    $k1, $k1, $k0
    lw      $k0, 0($k1)
    lw      $k1, 4($k1)
    mtc0    $k0, $2                 # EntryLo0
    mtc0    $k1, $3                 # EntryLo1
    ehb
    tlbwr
    eret
tlb_refill_vector_end:

    .globl general_vector_start
    .globl general_vector_end
general_vector_start:
    lui     $k0, %hi(general_exception)
    addiu   $k0, $k0, %lo(general_exception)
    jr      $k0
    nop
general_vector_end:

    .section .text, "ax"
    .globl general_exception
general_exception:
    mfc0    $k0, $12
    andi    $k0, $k0, 0x18          # Status.KSU: trapped from a process (user or supervisor)?
    beqz    $k0, 1f
    addiu   $k1, $sp, -{size}       # (delay slot) kernel: frame on this stack
    lui     $k1, %hi(current_user_frame)
    lw      $k1, %lo(current_user_frame)($k1)
1:  sw      $1, 4($k1)
    sw      $2, 8($k1)
    sw      $3, 12($k1)
    sw      $4, 16($k1)
    sw      $5, 20($k1)
    sw      $6, 24($k1)
    sw      $7, 28($k1)
    sw      $8, 32($k1)
    sw      $9, 36($k1)
    sw      $10, 40($k1)
    sw      $11, 44($k1)
    sw      $12, 48($k1)
    sw      $13, 52($k1)
    sw      $14, 56($k1)
    sw      $15, 60($k1)
    sw      $16, 64($k1)
    sw      $17, 68($k1)
    sw      $18, 72($k1)
    sw      $19, 76($k1)
    sw      $20, 80($k1)
    sw      $21, 84($k1)
    sw      $22, 88($k1)
    sw      $23, 92($k1)
    sw      $24, 96($k1)
    sw      $25, 100($k1)
    sw      $zero, 104($k1)
    sw      $zero, 108($k1)
    sw      $28, 112($k1)
    sw      $29, 116($k1)
    sw      $30, 120($k1)
    sw      $31, 124($k1)
"#,
    save_hi_lo!(),
    r#"
    mfc0    $k0, $14
    sw      $k0, {epc}($k1)
    mfc0    $k0, $13
    sw      $k0, {cause}($k1)
    mfc0    $k0, $8
    sw      $k0, {bad_vaddr}($k1)
    mfc0    $k0, $12
    sw      $k0, {status}($k1)
    andi    $k0, $k0, 0x18          # from a process: switch to the trap stack
    beqz    $k0, 2f
    addiu   $sp, $k1, -16           # (delay slot) kernel: stack below the frame
    lui     $sp, %hi(trap_stack_top)
    addiu   $sp, $sp, %lo(trap_stack_top)
    addiu   $sp, $sp, -16
2:  mfc0    $k0, $12
    ori     $k0, $k0, 0x1f
    xori    $k0, $k0, 0x1f          # kernel mode, EXL, ERL and IE clear
    mtc0    $k0, $12
    ehb
    jal     trap_entry
    move    $a0, $k1                # (delay slot)
    move    $k1, $v0

    .globl resume_frame
resume_frame:                       # k1 = the frame to return to
    lw      $k0, {status}($k1)
    ori     $k0, $k0, 0x2           # EXL: masked and in kernel mode until eret
    mtc0    $k0, $12
    ehb
    lw      $k0, {epc}($k1)
    mtc0    $k0, $14
"#,
    restore_hi_lo!(),
    r#"
    lw      $1, 4($k1)
    lw      $2, 8($k1)
    lw      $3, 12($k1)
    lw      $4, 16($k1)
    lw      $5, 20($k1)
    lw      $6, 24($k1)
    lw      $7, 28($k1)
    lw      $8, 32($k1)
    lw      $9, 36($k1)
    lw      $10, 40($k1)
    lw      $11, 44($k1)
    lw      $12, 48($k1)
    lw      $13, 52($k1)
    lw      $14, 56($k1)
    lw      $15, 60($k1)
    lw      $16, 64($k1)
    lw      $17, 68($k1)
    lw      $18, 72($k1)
    lw      $19, 76($k1)
    lw      $20, 80($k1)
    lw      $21, 84($k1)
    lw      $22, 88($k1)
    lw      $23, 92($k1)
    lw      $24, 96($k1)
    lw      $25, 100($k1)
    lw      $28, 112($k1)
    lw      $29, 116($k1)
    lw      $30, 120($k1)
    lw      $31, 124($k1)
    ehb
    eret

    .section .bss
    .balign 16
trap_stack:
    .space 16384
    .globl trap_stack_top
trap_stack_top:
    .set pop
"#,
    size = const offset::SIZE,
    hi = const offset::HI,
    lo = const offset::LO,
    epc = const offset::EPC,
    status = const offset::STATUS,
    cause = const offset::CAUSE,
    bad_vaddr = const offset::BAD_VADDR,
);

extern "C" {
    static tlb_refill_vector_start: u8;
    static tlb_refill_vector_end: u8;
    static general_vector_start: u8;
    static general_vector_end: u8;
}

/// The refill handler's code, to copy to EBase + 0x000.
pub fn refill_code() -> &'static [u8] {
    // SAFETY: both symbols delimit one assembled block.
    unsafe { span(&tlb_refill_vector_start, &tlb_refill_vector_end) }
}

/// The general-exception stub, to copy to EBase + 0x180.
pub fn general_code() -> &'static [u8] {
    // SAFETY: as above.
    unsafe { span(&general_vector_start, &general_vector_end) }
}

pub(crate) unsafe fn span(start: &u8, end: &u8) -> &'static [u8] {
    let start = start as *const u8;
    let length = end as *const u8 as usize - start as usize;
    core::slice::from_raw_parts(start, length)
}
