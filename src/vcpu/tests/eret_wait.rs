//! ERET and WAIT.

use super::*;
use crate::isa::Gpr::*;
use crate::vcpu::HaltReason;

#[test]
fn eret_returns_to_epc_clears_exl_and_has_no_delay_slot() {
    // MD00086 ERET: ERL = 0 so PC <- EPC, Status.EXL <- 0; no delay slot.
    let (mut v, mut h) = kernel();
    change_status(&mut v, |s| s | Status::EXL | Status::UM);
    v.cp0.write(cp0::EPC, 0x0040_1000).unwrap();
    cop0_trap(&mut v, &mut h, "eret");
    assert_eq!(v.regs.pc, 0x0040_1000);
    assert!(!status_of(&v).contains(Status::EXL));
    assert_eq!(v.guest_mode(), GuestMode::User);
}

#[test]
fn eret_with_erl_returns_to_errorepc() {
    // MD00086 ERET: ERL = 1 so PC <- ErrorEPC, Status.ERL <- 0 (EXL untouched).
    let (mut v, mut h) = kernel();
    change_status(&mut v, |s| s | Status::ERL | Status::EXL);
    v.cp0.write(cp0::EPC, 0x1111_0000).unwrap();
    v.cp0.write(cp0::ERROR_EPC, 0x4000_2000).unwrap();
    cop0_trap(&mut v, &mut h, "eret");
    assert_eq!(v.regs.pc, 0x4000_2000);
    assert_eq!(status_of(&v) & (Status::ERL | Status::EXL), Status::EXL);
}

#[test]
fn eret_in_a_delay_slot_is_reserved_instruction() {
    // ERET must not sit in a branch delay slot (the ISA leaves it undefined);
    // the monitor gives the guest RI at the branch (BD set).
    let (mut v, mut h) = kernel();
    v.cp0.write(cp0::EPC, 0x0040_1000).unwrap();
    delay_slot_trap(&mut v, &mut h, ExcCode::CpU, "b .+16", "eret");
    assert_eq!(delivered(&v), (ExcCode::Ri, PC, true, GENERAL_VECTOR));
    assert_eq!(logged(&h).len(), 1);
}

#[test]
fn wait_with_nothing_pending_idles_the_cpu_then_continues_after_it() {
    let (mut v, mut h) = kernel();
    cop0_trap(&mut v, &mut h, "wait");
    assert_eq!((h.idles, v.stats.wait, v.regs.pc), (1, 1, PC + 4));
    // Only lines the guest's IM unmasks may end its WAIT (PRA, WAIT).
    assert_eq!(h.idle_masks, [v.cp0.status().im()]);
}

#[test]
fn wait_with_a_pending_interrupt_does_not_idle_even_with_ie_clear() {
    // Config7.WII (set in the model): an interrupt unmasked by IM ends WAIT whatever IE says.
    let (mut v, mut h) = kernel();
    v.cp0.write(cp0::CAUSE, 1 << 9).unwrap(); // software interrupt 1
    cop0_trap(&mut v, &mut h, "wait 7");
    assert_eq!((h.idles, v.regs.pc), (0, PC + 4));
    assert!(!status_of(&v).contains(Status::EXL), "IE = 0: not taken");
}

#[test]
fn wait_woken_by_the_guest_timer_takes_the_interrupt_after_the_wait() {
    let (mut v, mut h) = kernel();
    change_status(&mut v, |s| s | Status::IE);
    set(&mut v, T0, 400); // 400 guest ticks = 100 host ticks from now
    cop0_trap(&mut v, &mut h, "mtc0 $t0, $11");
    h.count_after_idle = Some(h.count + 100);
    trap_at(&mut v, &mut h, ExcCode::CpU, PC + 4, asm_one("wait"));
    assert_eq!(h.idles, 1);
    // The interrupt comes after WAIT completes: EPC = WAIT + 4 (PRA, WAIT).
    assert_eq!(delivered(&v), (ExcCode::Int, PC + 8, false, GENERAL_VECTOR));
    assert_eq!(v.cp0.cause().ip(), 0x80);
}

#[test]
fn wait_with_every_line_masked_stops_the_guest_for_good() {
    // WII lets WAIT end on an interrupt whatever IE says, but only one that
    // IM unmasks (PRA, Config7.WII): with IM = 0 nothing can end it.
    let (mut v, mut h) = kernel();
    change_status(&mut v, |s| s.with_im(0).difference(Status::IE));
    let outcome = cop0_trap(&mut v, &mut h, "wait");
    assert_eq!(outcome, ExitOutcome::Halt(HaltReason::GuestStopped { pc: PC }));
    assert_eq!(h.idles, 0, "a stopped guest is not idled");
}

#[test]
fn a_compare_match_between_two_count_reads_still_raises_the_timer_interrupt() {
    // PRA, Compare: Count reaching Compare sets Cause.TI (and IP7); the guest
    // reading Count in between must not make the monitor miss the match.
    let (mut v, mut h) = kernel();
    set(&mut v, T0, 400); // 400 guest ticks = 100 host ticks from now
    cop0_trap(&mut v, &mut h, "mtc0 $t0, $11");
    h.count += 150;
    cop0_trap(&mut v, &mut h, "mfc0 $t1, $9");
    cop0_trap(&mut v, &mut h, "mfc0 $t2, $13");
    assert!(v.regs.get(T1) >= 400, "Count read {:#x}", v.regs.get(T1));
    assert_eq!(v.regs.get(T2) & (1 << 30), 1 << 30, "Cause.TI after the match");
}
