//! The hand-laid exception vector page installed at EBase, the world switch
//! into a user-mode guest, and the common entry that brings every exception
//! back into Rust.
//!
//! Every slot first parks the interrupted k1 in ErrorEPC and k0 in the
//! per-CPU block, because a guest kernel owns k0/k1 and must get them back
//! intact. Exceptions from user mode are guest exits: the guest's registers
//! go to `PerCpu::guest` and `arch_enter_guest` returns to its Rust caller.
//! Exceptions from kernel mode are the monitor's own: a `TrapFrame` on the
//! monitor stack and `monitor_trap`. The refill slots are overwritten at
//! boot by the generated refill handler, which never leaves the vector.

use mipsvisor::trapframe::{offset, TrapFrame};

use super::start::{asm_word_macros, asm_word_macros_end};

/// Per-CPU state shared with the assembly (one CPU).
#[repr(C)]
pub struct PerCpu {
    /// The guest's registers: loaded by `arch_enter_guest`, saved at exit.
    pub guest: TrapFrame,
    /// The monitor's callee-saved registers across a guest run:
    /// s0-s7, gp, sp, fp, ra.
    host: [usize; 12],
    host_status: usize,
    /// Status for the guest run: user mode, EXL (left by ERET), interrupts.
    pub guest_status: usize,
    /// The interrupted k0, parked by the vector slot.
    k0_save: usize,
    /// Which slot was entered.
    vector: usize,
    /// The current guest mode's GVA root, read by a refill handler that
    /// has no KScratch register to hold it.
    pub gva_root: usize,
    /// Host Count at the last exception entry and at the last guest entry
    /// (just before its ERET): what an exit cost (`vcpu::exit_cost`).
    pub exit_count: usize,
    pub entry_count: usize,
}

mod percpu_offset {
    use super::PerCpu;
    use core::mem::offset_of;
    pub const HOST: usize = offset_of!(PerCpu, host);
    pub const HOST_STATUS: usize = offset_of!(PerCpu, host_status);
    pub const GUEST_STATUS: usize = offset_of!(PerCpu, guest_status);
    pub const K0_SAVE: usize = offset_of!(PerCpu, k0_save);
    pub const VECTOR: usize = offset_of!(PerCpu, vector);
    pub const EXIT_COUNT: usize = offset_of!(PerCpu, exit_count);
    pub const ENTRY_COUNT: usize = offset_of!(PerCpu, entry_count);
}

#[no_mangle]
static mut __percpu: PerCpu = PerCpu {
    guest: TrapFrame::ZERO,
    host: [0; 12],
    host_status: 0,
    guest_status: 0,
    k0_save: 0,
    vector: 0,
    gva_root: 0,
    exit_count: 0,
    entry_count: 0,
};

/// The per-CPU block. The monitor is single-threaded and the assembly only
/// touches it while Rust is not running, so one `&mut` at a time is sound.
pub fn percpu() -> &'static mut PerCpu {
    // SAFETY: see above.
    unsafe { &mut *core::ptr::addr_of_mut!(__percpu) }
}

core::arch::global_asm!(
    asm_word_macros!(),
    r#"
    # All GPRs but k0/k1 into the frame at \base ($zero too, so a dump
    # shows 0 there).
    .macro SAVE_GPRS base
        REG_S   $zero, {g0}, \base
        REG_S   $1, {g1}, \base
        REG_S   $2, {g2}, \base
        REG_S   $3, {g3}, \base
        REG_S   $4, {g4}, \base
        REG_S   $5, {g5}, \base
        REG_S   $6, {g6}, \base
        REG_S   $7, {g7}, \base
        REG_S   $8, {g8}, \base
        REG_S   $9, {g9}, \base
        REG_S   $10, {g10}, \base
        REG_S   $11, {g11}, \base
        REG_S   $12, {g12}, \base
        REG_S   $13, {g13}, \base
        REG_S   $14, {g14}, \base
        REG_S   $15, {g15}, \base
        REG_S   $16, {g16}, \base
        REG_S   $17, {g17}, \base
        REG_S   $18, {g18}, \base
        REG_S   $19, {g19}, \base
        REG_S   $20, {g20}, \base
        REG_S   $21, {g21}, \base
        REG_S   $22, {g22}, \base
        REG_S   $23, {g23}, \base
        REG_S   $24, {g24}, \base
        REG_S   $25, {g25}, \base
        REG_S   $28, {g28}, \base
        REG_S   $29, {g29}, \base
        REG_S   $30, {g30}, \base
        REG_S   $31, {g31}, \base
    .endm

    # HI/LO, EPC, BadVAddr, Status and Cause into the frame at \base.
    .macro SAVE_CP0_STATE base
        SAVE_HI_LO $t0, {hi}, {lo}, \base
        MFC0_WORD $t0, $14, 0
        REG_S   $t0, {epc}, \base
        MFC0_WORD $t0, $8, 0
        REG_S   $t0, {badvaddr}, \base
        mfc0    $t0, $12, 0
        REG_S   $t0, {status}, \base
        mfc0    $t0, $13, 0
        REG_S   $t0, {cause}, \base
    .endm

    # Everything SAVE_GPRS saved, plus HI/LO and k0; \base (k1) and sp last.
    .macro RESTORE_GPRS base
        RESTORE_HI_LO $t0, {hi}, {lo}, \base
        REG_L   $1, {g1}, \base
        REG_L   $2, {g2}, \base
        REG_L   $3, {g3}, \base
        REG_L   $4, {g4}, \base
        REG_L   $5, {g5}, \base
        REG_L   $6, {g6}, \base
        REG_L   $7, {g7}, \base
        REG_L   $8, {g8}, \base
        REG_L   $9, {g9}, \base
        REG_L   $10, {g10}, \base
        REG_L   $11, {g11}, \base
        REG_L   $12, {g12}, \base
        REG_L   $13, {g13}, \base
        REG_L   $14, {g14}, \base
        REG_L   $15, {g15}, \base
        REG_L   $16, {g16}, \base
        REG_L   $17, {g17}, \base
        REG_L   $18, {g18}, \base
        REG_L   $19, {g19}, \base
        REG_L   $20, {g20}, \base
        REG_L   $21, {g21}, \base
        REG_L   $22, {g22}, \base
        REG_L   $23, {g23}, \base
        REG_L   $24, {g24}, \base
        REG_L   $25, {g25}, \base
        REG_L   $28, {g28}, \base
        REG_L   $30, {g30}, \base
        REG_L   $31, {g31}, \base
        REG_L   $k0, {g26}, \base
        REG_L   $sp, {g29}, \base
        REG_L   $k1, {g27}, \base
    .endm

    # The monitor's callee-saved registers across a guest run, stored or
    # loaded (\op = REG_S or REG_L) at PerCpu::host, based at $k1.
    .macro HOST_REGS op
        \op    $s0, {h0}, $k1
        \op    $s1, {h1}, $k1
        \op    $s2, {h2}, $k1
        \op    $s3, {h3}, $k1
        \op    $s4, {h4}, $k1
        \op    $s5, {h5}, $k1
        \op    $s6, {h6}, $k1
        \op    $s7, {h7}, $k1
        \op    $gp, {h8}, $k1
        \op    $sp, {h9}, $k1
        \op    $fp, {h10}, $k1
        \op    $ra, {h11}, $k1
    .endm

    .macro VECTOR_SLOT id
        MTC0_WORD $k1, $30, 0
        PTR_LA  $k1, __percpu
        REG_S   $k0, {k0_save}, $k1
        j       exception_common
        li      $k0, \id
    .endm

    .section .vectors, "ax"
    .set noreorder
    .set noat
    .globl __exception_vectors
__exception_vectors:
    .org 0x000
    VECTOR_SLOT 0x000
    .org 0x080
    VECTOR_SLOT 0x080
    .org 0x100
    VECTOR_SLOT 0x100
    .org 0x180
    VECTOR_SLOT 0x180
    .org 0x200
    VECTOR_SLOT 0x200

    # Where the flash debug vector leaves Debug Mode (arch::flash): an
    # exception slot like the others, taken with EXL set and EPC = DEPC.
    .globl arch_debug_exit_slot
arch_debug_exit_slot:
    VECTOR_SLOT {debug_exit}

    .org 0x280
    # k1 = per-CPU block, k0 = slot offset; the interrupted k0 is in
    # PerCpu::k0_save and k1 in ErrorEPC.
exception_common:
    REG_S   $k0, {vector}, $k1
    mfc0    $k0, $9, 0
    REG_S   $k0, {exit_count}, $k1
    mfc0    $k0, $12, 0
    andi    $k0, $k0, {status_um}
    beqz    $k0, monitor_exception
    nop

    # A guest exit: save the guest into PerCpu::guest (offset 0).
    SAVE_GPRS $k1
    REG_L   $t0, {k0_save}, $k1
    REG_S   $t0, {g26}, $k1
    MFC0_WORD $t0, $30, 0
    REG_S   $t0, {g27}, $k1
    REG_L   $t0, {vector}, $k1
    REG_S   $t0, {frame_vector}, $k1
    SAVE_CP0_STATE $k1
    # Back into the monitor: its Status (kernel mode, EXL clear), then its
    # registers, then return from arch_enter_guest.
    REG_L   $t0, {host_status}, $k1
    mtc0    $t0, $12, 0
    ehb
    HOST_REGS REG_L
    jr      $ra
    nop

monitor_exception:
    # The frame goes below the interrupted monitor stack.
    PTR_ADDIU $k0, $sp, -{size}
    SAVE_GPRS $k0
    REG_L   $t0, {k0_save}, $k1
    REG_S   $t0, {g26}, $k0
    MFC0_WORD $t0, $30, 0
    REG_S   $t0, {g27}, $k0
    REG_L   $t0, {vector}, $k1
    REG_S   $t0, {frame_vector}, $k0
    SAVE_CP0_STATE $k0
    move    $sp, $k0
    jal     monitor_trap
    move    $a0, $k0
    # monitor_trap returned: resume the interrupted monitor code.
    move    $k1, $sp
    REG_L   $t0, {epc}, $k1
    MTC0_WORD $t0, $14, 0
    RESTORE_GPRS $k1
    ehb
    eret

    # void arch_enter_guest(void): run the guest in PerCpu::guest until
    # its next exit. Clobbers what a call may clobber.
    .text
    .globl arch_enter_guest
arch_enter_guest:
    PTR_LA  $k1, __percpu
    HOST_REGS REG_S
    mfc0    $t0, $12, 0
    REG_S   $t0, {host_status}, $k1
    REG_L   $t0, {epc}, $k1
    MTC0_WORD $t0, $14, 0
    # EXL set with KSU = user: still kernel mode until the ERET.
    REG_L   $t0, {guest_status}, $k1
    mtc0    $t0, $12, 0
    ehb
    mfc0    $t0, $9, 0
    REG_S   $t0, {entry_count}, $k1
    RESTORE_GPRS $k1
    ehb
    eret
    .set at
    .set reorder
    .purgem VECTOR_SLOT
    .purgem HOST_REGS
    .purgem SAVE_GPRS
    .purgem SAVE_CP0_STATE
    .purgem RESTORE_GPRS
    "#,
    asm_word_macros_end!(),
    size = const offset::SIZE,
    debug_exit = const super::flash::DEBUG_EXIT_VECTOR,
    vector = const percpu_offset::VECTOR,
    exit_count = const percpu_offset::EXIT_COUNT,
    entry_count = const percpu_offset::ENTRY_COUNT,
    k0_save = const percpu_offset::K0_SAVE,
    host_status = const percpu_offset::HOST_STATUS,
    guest_status = const percpu_offset::GUEST_STATUS,
    epc = const offset::EPC,
    status_um = const 1 << 4,
    g26 = const offset::gpr(26),
    g27 = const offset::gpr(27),
    g0 = const offset::gpr(0),
    g1 = const offset::gpr(1),
    g2 = const offset::gpr(2),
    g3 = const offset::gpr(3),
    g4 = const offset::gpr(4),
    g5 = const offset::gpr(5),
    g6 = const offset::gpr(6),
    g7 = const offset::gpr(7),
    g8 = const offset::gpr(8),
    g9 = const offset::gpr(9),
    g10 = const offset::gpr(10),
    g11 = const offset::gpr(11),
    g12 = const offset::gpr(12),
    g13 = const offset::gpr(13),
    g14 = const offset::gpr(14),
    g15 = const offset::gpr(15),
    g16 = const offset::gpr(16),
    g17 = const offset::gpr(17),
    g18 = const offset::gpr(18),
    g19 = const offset::gpr(19),
    g20 = const offset::gpr(20),
    g21 = const offset::gpr(21),
    g22 = const offset::gpr(22),
    g23 = const offset::gpr(23),
    g24 = const offset::gpr(24),
    g25 = const offset::gpr(25),
    g28 = const offset::gpr(28),
    g29 = const offset::gpr(29),
    g30 = const offset::gpr(30),
    g31 = const offset::gpr(31),
    hi = const offset::HI,
    lo = const offset::LO,
    badvaddr = const offset::BAD_VADDR,
    status = const offset::STATUS,
    cause = const offset::CAUSE,
    frame_vector = const offset::VECTOR,
    h0 = const percpu_offset::HOST, h1 = const percpu_offset::HOST + W, h2 = const percpu_offset::HOST + 2 * W,
    h3 = const percpu_offset::HOST + 3 * W, h4 = const percpu_offset::HOST + 4 * W,
    h5 = const percpu_offset::HOST + 5 * W, h6 = const percpu_offset::HOST + 6 * W,
    h7 = const percpu_offset::HOST + 7 * W, h8 = const percpu_offset::HOST + 8 * W,
    h9 = const percpu_offset::HOST + 9 * W, h10 = const percpu_offset::HOST + 10 * W,
    h11 = const percpu_offset::HOST + 11 * W,
);

const W: usize = core::mem::size_of::<usize>();

extern "C" {
    static __exception_vectors: u8;
    fn arch_enter_guest();
}

/// Runs the guest in `percpu().guest` (PC in `epc`) with
/// `percpu().guest_status` until its next exception; the exit state is then
/// in `percpu().guest` (EPC, BadVAddr, Status, Cause, vector).
pub fn enter_guest() {
    // SAFETY: the assembly saves and restores every callee-saved register
    // and returns like a function; the guest runs in user mode, unable to
    // touch monitor memory except through mappings the monitor made.
    unsafe { arch_enter_guest() }
}

/// Address of the vector page (4 KiB aligned by the link script).
pub fn vector_base() -> usize {
    core::ptr::addr_of!(__exception_vectors) as usize
}

/// Entry from `monitor_exception` with the saved frame.
#[no_mangle]
extern "C" fn monitor_trap(frame: &mut TrapFrame) {
    crate::trap::handle(frame)
}
