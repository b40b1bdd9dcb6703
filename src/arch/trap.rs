//! The hand-laid exception vector page installed at EBase, and the common
//! entry that saves every register into a `TrapFrame` and calls Rust.
//!
//! Each slot jumps to the common entry with its own offset in k1. The refill
//! slot is later overwritten by the generated refill handler.

use mipsvisor::trapframe::{offset, TrapFrame};

use super::start::{asm_word_macros, asm_word_macros_end};

core::arch::global_asm!(
    asm_word_macros!(),
    r#"
    .section .vectors, "ax"
    .set noreorder
    .set noat
    .globl __exception_vectors
__exception_vectors:
    .org 0x000
    j       exception_common
    li      $k1, 0x000
    .org 0x080
    j       exception_common
    li      $k1, 0x080
    .org 0x100
    j       exception_common
    li      $k1, 0x100
    .org 0x180
    j       exception_common
    li      $k1, 0x180
    .org 0x200
    j       exception_common
    li      $k1, 0x200

    .org 0x280
exception_common:
    # The frame goes below the interrupted stack; k0 and k1 are the
    # exception registers, free to use in the monitor's own context.
    PTR_ADDIU $k0, $sp, -{size}
    REG_S   $k1, {vector}, $k0
    REG_S   $zero, {g0}, $k0
    REG_S   $1, {g1}, $k0
    REG_S   $2, {g2}, $k0
    REG_S   $3, {g3}, $k0
    REG_S   $4, {g4}, $k0
    REG_S   $5, {g5}, $k0
    REG_S   $6, {g6}, $k0
    REG_S   $7, {g7}, $k0
    REG_S   $8, {g8}, $k0
    REG_S   $9, {g9}, $k0
    REG_S   $10, {g10}, $k0
    REG_S   $11, {g11}, $k0
    REG_S   $12, {g12}, $k0
    REG_S   $13, {g13}, $k0
    REG_S   $14, {g14}, $k0
    REG_S   $15, {g15}, $k0
    REG_S   $16, {g16}, $k0
    REG_S   $17, {g17}, $k0
    REG_S   $18, {g18}, $k0
    REG_S   $19, {g19}, $k0
    REG_S   $20, {g20}, $k0
    REG_S   $21, {g21}, $k0
    REG_S   $22, {g22}, $k0
    REG_S   $23, {g23}, $k0
    REG_S   $24, {g24}, $k0
    REG_S   $25, {g25}, $k0
    REG_S   $28, {g28}, $k0
    REG_S   $29, {g29}, $k0
    REG_S   $30, {g30}, $k0
    REG_S   $31, {g31}, $k0
    SAVE_HI_LO $t0, {hi}, {lo}, $k0
    MFC0_WORD $t0, $14, 0
    REG_S   $t0, {epc}, $k0
    MFC0_WORD $t0, $8, 0
    REG_S   $t0, {badvaddr}, $k0
    mfc0    $t0, $12, 0
    REG_S   $t0, {status}, $k0
    mfc0    $t0, $13, 0
    REG_S   $t0, {cause}, $k0
    move    $sp, $k0
    jal     monitor_trap
    move    $a0, $k0

    # monitor_trap returned: resume the interrupted context from the frame.
    move    $k0, $sp
    REG_L   $t0, {epc}, $k0
    MTC0_WORD $t0, $14, 0
    RESTORE_HI_LO $t0, {hi}, {lo}, $k0
    REG_L   $1, {g1}, $k0
    REG_L   $2, {g2}, $k0
    REG_L   $3, {g3}, $k0
    REG_L   $4, {g4}, $k0
    REG_L   $5, {g5}, $k0
    REG_L   $6, {g6}, $k0
    REG_L   $7, {g7}, $k0
    REG_L   $8, {g8}, $k0
    REG_L   $9, {g9}, $k0
    REG_L   $10, {g10}, $k0
    REG_L   $11, {g11}, $k0
    REG_L   $12, {g12}, $k0
    REG_L   $13, {g13}, $k0
    REG_L   $14, {g14}, $k0
    REG_L   $15, {g15}, $k0
    REG_L   $16, {g16}, $k0
    REG_L   $17, {g17}, $k0
    REG_L   $18, {g18}, $k0
    REG_L   $19, {g19}, $k0
    REG_L   $20, {g20}, $k0
    REG_L   $21, {g21}, $k0
    REG_L   $22, {g22}, $k0
    REG_L   $23, {g23}, $k0
    REG_L   $24, {g24}, $k0
    REG_L   $25, {g25}, $k0
    REG_L   $28, {g28}, $k0
    REG_L   $30, {g30}, $k0
    REG_L   $31, {g31}, $k0
    REG_L   $29, {g29}, $k0
    ehb
    eret
    .set at
    .set reorder
    "#,
    asm_word_macros_end!(),
    size = const offset::SIZE,
    hi = const offset::HI,
    lo = const offset::LO,
    vector = const offset::VECTOR,
    epc = const offset::EPC,
    badvaddr = const offset::BAD_VADDR,
    status = const offset::STATUS,
    cause = const offset::CAUSE,
    g0 = const offset::gpr(0), g1 = const offset::gpr(1), g2 = const offset::gpr(2), g3 = const offset::gpr(3),
    g4 = const offset::gpr(4), g5 = const offset::gpr(5), g6 = const offset::gpr(6),
    g7 = const offset::gpr(7), g8 = const offset::gpr(8), g9 = const offset::gpr(9),
    g10 = const offset::gpr(10), g11 = const offset::gpr(11), g12 = const offset::gpr(12),
    g13 = const offset::gpr(13), g14 = const offset::gpr(14), g15 = const offset::gpr(15),
    g16 = const offset::gpr(16), g17 = const offset::gpr(17), g18 = const offset::gpr(18),
    g19 = const offset::gpr(19), g20 = const offset::gpr(20), g21 = const offset::gpr(21),
    g22 = const offset::gpr(22), g23 = const offset::gpr(23), g24 = const offset::gpr(24),
    g25 = const offset::gpr(25), g28 = const offset::gpr(28), g29 = const offset::gpr(29),
    g30 = const offset::gpr(30), g31 = const offset::gpr(31),
);

extern "C" {
    static __exception_vectors: u8;
}

/// Address of the vector page (4 KiB aligned by the link script).
pub fn vector_base() -> usize {
    core::ptr::addr_of!(__exception_vectors) as usize
}

/// Entry from `exception_common` with the saved frame.
#[no_mangle]
extern "C" fn monitor_trap(frame: &mut TrapFrame) {
    crate::trap::handle(frame)
}
