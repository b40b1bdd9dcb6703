//! Synchronous exceptions taken in kernel mode: codes, EPC, BD, BadVAddr;
//! branch delay slots; EXL nesting; ERET; DI/EI.

use super::{probe, Suite};
use crate::cp0::{self, cause, exc, status};
use crate::sched::critical;
use crate::trap::Caught;

/// A word-aligned kernel address to misalign from.
static TARGET: [u32; 4] = [0; 4];

fn base() -> u32 {
    TARGET.as_ptr() as usize as u32
}

/// A word load that raises AdEL when misaligned. Release 6 lets ordinary
/// loads and stores succeed misaligned (in hardware or by an emulating
/// handler, implementation-dependent), but LL still requires alignment.
#[cfg(not(target_arch = "mips32r6"))]
macro_rules! aligned_word_load {
    () => {
        "lw"
    };
}
#[cfg(target_arch = "mips32r6")]
macro_rules! aligned_word_load {
    () => {
        "ll"
    };
}

fn bd(caught: &Caught) -> u32 {
    caught.cause >> 31
}

pub fn run(suite: &mut Suite) {
    address_errors(suite);
    instructions(suite);
    delay_slots(suite);
    critical(|| exl_and_eret(suite));
    di_ei(suite);
}

fn address_errors(suite: &mut Suite) {
    misaligned_data(suite);
    misaligned_fetch(suite);
}

#[cfg(not(target_arch = "mips32r6"))]
fn misaligned_data(suite: &mut Suite) {
    // Misaligned LW: AdEL; EPC = the load, BD = 0, BadVAddr = the address.
    let (caught, mark) = probe!("1: lw {t}, 1({base})"; t = out(reg) _, base = in(reg) base());
    let caught = suite.caught("adel_lw_misaligned", exc::ADEL, caught);
    suite.eq("adel_lw_epc", mark, caught.epc);
    suite.eq("adel_lw_bd_clear", 0, bd(&caught));
    suite.eq("adel_lw_badvaddr", base() + 1, caught.bad_vaddr);

    // Misaligned SW: AdES.
    let (caught, mark) = probe!("1: sw $zero, 2({base})"; base = in(reg) base());
    let caught = suite.caught("ades_sw_misaligned", exc::ADES, caught);
    suite.eq("ades_sw_epc", mark, caught.epc);
    suite.eq("ades_sw_badvaddr", base() + 2, caught.bad_vaddr);

    // Misaligned LH: AdEL; misaligned SH: AdES.
    let (caught, _) = probe!("1: lh {t}, 1({base})"; t = out(reg) _, base = in(reg) base());
    suite.caught("adel_lh_misaligned", exc::ADEL, caught);
    let (caught, _) = probe!("1: sh $zero, 3({base})"; base = in(reg) base());
    suite.caught("ades_sh_misaligned", exc::ADES, caught);

    // LWL/LWR are the unaligned-access instructions: no exception.
    let (caught, _) =
        probe!("1: lwl {t}, 1({base})", "lwr {t}, 4({base})"; t = out(reg) _, base = in(reg) base());
    suite.that("lwl_lwr_unaligned_ok", caught.is_none(), "no exception", caught.map_or(0, |c| c.cause));
}

/// Release 6: only the atomics must be aligned (MIPS32r6 Vol. I, misaligned
/// memory accesses); whether LW/SW/LH/SH trap is up to the implementation.
#[cfg(target_arch = "mips32r6")]
fn misaligned_data(suite: &mut Suite) {
    // Misaligned LL: AdEL; EPC = the load, BD = 0, BadVAddr = the address.
    let (caught, mark) = probe!("1: ll {t}, 1({base})"; t = out(reg) _, base = in(reg) base());
    let caught = suite.caught("adel_ll_misaligned", exc::ADEL, caught);
    suite.eq("adel_ll_epc", mark, caught.epc);
    suite.eq("adel_ll_bd_clear", 0, bd(&caught));
    suite.eq("adel_ll_badvaddr", base() + 1, caught.bad_vaddr);
    // (A misaligned SC should raise AdES too, but QEMU 7.2 compares the
    // address with LLAddr first and just fails the SC: unchecked.)
}

fn misaligned_fetch(suite: &mut Suite) {
    // Jumping to a misaligned address: AdEL on fetch, EPC = the target.
    // (BadVAddr should equal it too, but QEMU 7.2 sets BadVAddr when it
    // translates the block, so a second run sees a stale value: unchecked.)
    let target: u32;
    let (caught, _) = probe!(
        "la {t}, 9f",
        "addiu {t}, {t}, 2",
        "1: jr {t}",
        "nop";
        t = out(reg) target,);
    let caught = suite.caught("adel_fetch_misaligned", exc::ADEL, caught);
    suite.eq("adel_fetch_epc_is_target", target, caught.epc);
}

fn instructions(suite: &mut Suite) {
    let (caught, mark) = probe!("1: syscall");
    let caught = suite.caught("syscall_code", exc::SYS, caught);
    suite.eq("syscall_epc", mark, caught.epc);

    let (caught, mark) = probe!("1: break");
    let caught = suite.caught("break_code", exc::BP, caught);
    suite.eq("break_epc", mark, caught.epc);

    let (caught, _) = probe!("1: teq $zero, $zero");
    suite.caught("teq_traps", exc::TR, caught);
    release2_traps(suite);
    let (caught, _) = probe!("1: tne $zero, $zero");
    suite.that("tne_equal_no_trap", caught.is_none(), "no exception", caught.map_or(0, |c| c.cause));

    // ADD overflow: Ov, and the destination keeps its old value.
    let mut destination: u32 = 0x5555_5555;
    let (caught, mark) = probe!(
        "1: add {d}, {a}, {b}";
        d = inout(reg) destination,
        a = in(reg) 0x7fff_ffffu32,
        b = in(reg) 1u32,);
    let caught = suite.caught("add_overflow", exc::OV, caught);
    suite.eq("add_overflow_epc", mark, caught.epc);
    suite.eq("add_overflow_keeps_destination", 0x5555_5555, destination);
    release2_overflow(suite);
    let (caught, _) =
        probe!("1: sub {d}, {a}, {b}"; d = out(reg) _, a = in(reg) 0x8000_0000u32, b = in(reg) 1u32);
    suite.caught("sub_overflow", exc::OV, caught);
    let sum: u32;
    let (caught, _) =
        probe!("1: addu {d}, {a}, {b}"; d = out(reg) sum, a = in(reg) 0x7fff_ffffu32, b = in(reg) 1u32);
    suite.that("addu_wraps_no_trap", caught.is_none() && sum == 0x8000_0000, "0x80000000, no exception", sum);

    // Opcode 0x3b is reserved in MIPS32 Release 2 (PCREL in Release 6);
    // Release 6 removed SPECIAL2 (opcode 0x1c) instead: RI.
    #[cfg(not(target_arch = "mips32r6"))]
    let (caught, mark) = probe!("1: .word 0xec000000");
    #[cfg(target_arch = "mips32r6")]
    let (caught, mark) = probe!("1: .word 0x70000000");
    let caught = suite.caught("reserved_instruction", exc::RI, caught);
    suite.eq("reserved_instruction_epc", mark, caught.epc);

    // MFC1 with Status.CU1 = 0: Coprocessor Unusable, Cause.CE = 1.
    let saved = cp0::status();
    cp0::set_status(saved & !status::CU1);
    // mfc1 $t0, $f0 (opcode COP1, rs MF): 0x44080000.
    let (caught, _) = probe!("1: .word 0x44080000"; out("$8") _);
    cp0::set_status(saved);
    let caught = suite.caught("cop1_unusable", exc::CPU, caught);
    suite.eq("cop1_unusable_ce", 1, (caught.cause >> cause::CE_SHIFT) & 3);
}

fn delay_slots(suite: &mut Suite) {
    // A fault in a taken branch's delay slot: EPC = the branch, BD = 1.
    let (caught, mark) = probe!(
        "1: beq $zero, $zero, 2f",
        concat!(aligned_word_load!(), " {t}, 1({base})"),
        "2: nop";
        t = out(reg) _,
        base = in(reg) base(),);
    let caught = suite.caught("delay_slot_taken_adel", exc::ADEL, caught);
    suite.eq("delay_slot_taken_epc_is_branch", mark, caught.epc);
    suite.eq("delay_slot_taken_bd", 1, bd(&caught));
    suite.eq("delay_slot_taken_badvaddr", base() + 1, caught.bad_vaddr);

    // Not taken: the delay slot still executes, same EPC and BD. (The
    // operands are registers holding equal values: QEMU 7.2 turns the
    // literal `bne $zero, $zero` into a NOP with no delay slot at all.)
    let (caught, mark) = probe!(
        "1: bne {z}, $zero, 2f",
        concat!(aligned_word_load!(), " {t}, 1({base})"),
        "2: nop";
        z = in(reg) 0u32,
        t = out(reg) _,
        base = in(reg) base(),);
    let caught = suite.caught("delay_slot_not_taken_adel", exc::ADEL, caught);
    suite.eq("delay_slot_not_taken_epc_is_branch", mark, caught.epc);
    suite.eq("delay_slot_not_taken_bd", 1, bd(&caught));

    // Jump-register and jump-and-link delay slots.
    let (caught, mark) = probe!(
        "la {j}, 2f",
        "1: jr {j}",
        concat!(aligned_word_load!(), " {t}, 1({base})"),
        "2: nop";
        j = out(reg) _,
        t = out(reg) _,
        base = in(reg) base(),);
    let caught = suite.caught("delay_slot_jr_adel", exc::ADEL, caught);
    suite.eq("delay_slot_jr_epc_is_jump", mark, caught.epc);
    suite.eq("delay_slot_jr_bd", 1, bd(&caught));
    // (JALR with its own link register: inline asm may not clobber $ra.)
    let (caught, mark) =
        probe!("la {j}, 2f", "1: jalr {l}, {j}", "syscall", "2: nop"; j = out(reg) _, l = out(reg) _);
    let caught = suite.caught("delay_slot_jalr_syscall", exc::SYS, caught);
    suite.eq("delay_slot_jalr_epc_is_jump", mark, caught.epc);
    suite.eq("delay_slot_jalr_bd", 1, bd(&caught));

    branch_likely_or_compact(suite);
}

#[cfg(not(target_arch = "mips32r6"))]
fn release2_traps(suite: &mut Suite) {
    let (caught, _) = probe!("1: teqi $zero, 0");
    suite.caught("teqi_traps", exc::TR, caught);
}

/// Release 6 removed the trap-on-immediate forms.
#[cfg(target_arch = "mips32r6")]
fn release2_traps(_suite: &mut Suite) {}

#[cfg(not(target_arch = "mips32r6"))]
fn release2_overflow(suite: &mut Suite) {
    let (caught, _) = probe!("1: addi {d}, {a}, -1"; d = out(reg) _, a = in(reg) 0x8000_0000u32);
    suite.caught("addi_overflow", exc::OV, caught);
}

/// Release 6 removed ADDI (its opcode now holds compact branches).
#[cfg(target_arch = "mips32r6")]
fn release2_overflow(_suite: &mut Suite) {}

#[cfg(not(target_arch = "mips32r6"))]
fn branch_likely_or_compact(suite: &mut Suite) {
    // Branch-likely not taken annuls its delay slot: no exception.
    let (caught, _) = probe!(
        "1: bnel {z}, $zero, 2f",
        concat!(aligned_word_load!(), " {t}, 1({base})"),
        "2: nop";
        z = in(reg) 0u32,
        t = out(reg) _,
        base = in(reg) base(),);
    suite.that(
        "branch_likely_not_taken_annuls",
        caught.is_none(),
        "no exception",
        caught.map_or(0, |c| c.cause),
    );
    let (caught, _) = probe!(
        "1: beql $zero, $zero, 2f",
        concat!(aligned_word_load!(), " {t}, 1({base})"),
        "2: nop";
        t = out(reg) _,
        base = in(reg) base(),);
    let caught = suite.caught("branch_likely_taken_executes_slot", exc::ADEL, caught);
    suite.eq("branch_likely_taken_bd", 1, bd(&caught));
}

/// Release 6 removed branch-likely and added compact branches: no delay
/// slot; after a conditional one, the next instruction is a "forbidden slot"
/// that runs only when the branch is not taken. A fault there is reported
/// like a delay-slot one, EPC = the branch and BD = 1 (QEMU 7.2's I6500,
/// and Linux's compute_return_epc skips branch + slot for it).
#[cfg(target_arch = "mips32r6")]
fn branch_likely_or_compact(suite: &mut Suite) {
    // Not taken: the forbidden slot runs; EPC = the branch, BD = 1.
    let (caught, mark) = probe!(
        "1: bnezc {z}, 2f",
        "syscall",
        "2: nop";
        z = in(reg) 0u32,);
    let caught = suite.caught("compact_not_taken_slot_syscall", exc::SYS, caught);
    suite.eq("compact_not_taken_slot_epc_is_branch", mark, caught.epc);
    suite.eq("compact_not_taken_slot_bd", 1, bd(&caught));

    // Taken: the next instruction does not run at all.
    let (caught, _) = probe!(
        "1: beqzc {z}, 2f",
        "syscall",
        "2: nop";
        z = in(reg) 0u32,);
    suite.that("compact_taken_skips_slot", caught.is_none(), "no exception", caught.map_or(0, |c| c.cause));

    // BC has no delay slot: a fault at its target reports the target, BD = 0.
    let (caught, mark) = probe!("1: bc 2f", "nop", "2: syscall");
    let caught = suite.caught("bc_target_syscall", exc::SYS, caught);
    suite.eq("bc_target_epc", mark + 8, caught.epc);
    suite.eq("bc_target_bd_clear", 0, bd(&caught));
}

fn exl_and_eret(suite: &mut Suite) {
    // With Status.EXL = 1 a new exception leaves EPC alone.
    const STALE_EPC: u32 = 0x4012_3450;
    cp0::set_epc(STALE_EPC);
    let (caught, _) = probe!(
        "mfc0 {t}, $12",
        "ori {t}, {t}, 2",
        "mtc0 {t}, $12",
        "ehb",
        "1: syscall";
        t = out(reg) _,);
    let caught = suite.caught("exl_nested_syscall_code", exc::SYS, caught);
    suite.eq("exl_nested_epc_unchanged", STALE_EPC, caught.epc);
    suite.eq("exl_nested_status_had_exl", status::EXL, caught.status & status::EXL);
    // The handler's ERET cleared EXL again.
    suite.eq("eret_cleared_exl", 0, cp0::status() & status::EXL);

    // ERET jumps to EPC, clears EXL and has no delay slot.
    let flag: u32;
    let (caught, _) = probe!(
        "addiu {f}, $zero, 0",
        "la {t}, 2f",
        "mtc0 {t}, $14",
        "mfc0 {t}, $12",
        "ori {t}, {t}, 2",
        "mtc0 {t}, $12",
        "ehb",
        "1: eret",
        "addiu {f}, $zero, 1",
        "2: nop";
        f = out(reg) flag,
        t = out(reg) _,);
    suite.that("eret_to_epc", caught.is_none() && flag == 0, "landed at EPC, slot skipped (0)", flag);
    suite.eq("eret_clears_exl", 0, cp0::status() & status::EXL);

    // With ERL = 1, ERET returns to ErrorEPC and clears ERL.
    let flag: u32;
    let (caught, _) = probe!(
        "la {t}, 2f",
        "mtc0 {t}, $30",
        "la {t}, 3f",
        "mtc0 {t}, $14",
        "mfc0 {t}, $12",
        "ori {t}, {t}, 4",
        "mtc0 {t}, $12",
        "ehb",
        "1: eret",
        "3: addiu {f}, $zero, 3",
        "b 4f",
        "nop",
        "2: addiu {f}, $zero, 2",
        "4: nop";
        f = out(reg) flag,
        t = out(reg) _,);
    suite.that("eret_erl_to_errorepc", caught.is_none() && flag == 2, "ErrorEPC path (2)", flag);
    suite.eq("eret_clears_erl", 0, cp0::status() & status::ERL);
}

fn di_ei(suite: &mut Suite) {
    let before = cp0::status();
    let (old, after_di, old_ei, after_ei): (u32, u32, u32, u32);
    // SAFETY: DI/EI only toggle Status.IE; interrupts are back on at the end.
    unsafe {
        core::arch::asm!(
            ".set push",
            ".set noat",
            "di {old}",
            "ehb",
            "mfc0 {after_di}, $12",
            "ei {old_ei}",
            "ehb",
            "mfc0 {after_ei}, $12",
            ".set pop",
            old = out(reg) old,
            after_di = out(reg) after_di,
            old_ei = out(reg) old_ei,
            after_ei = out(reg) after_ei,
        );
    }
    suite.eq("di_returns_old_status", before & status::IE, old & status::IE);
    suite.eq("di_clears_ie", 0, after_di & status::IE);
    suite.eq("ei_returns_old_status", 0, old_ei & status::IE);
    suite.eq("ei_sets_ie", status::IE, after_ei & status::IE);
    suite.eq("di_ei_keep_other_bits", before & !status::IE, after_di & !status::IE);
}
