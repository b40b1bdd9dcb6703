//! Guest interrupts: the timer (Count reaching Compare raises Cause.TI and
//! IP7, IntCtl.IPTI = 7), device lines, and delivery when Status.IE = 1,
//! EXL = ERL = 0 and IM & IP != 0 (PRA, "Interrupts").

use super::*;
use crate::isa::Gpr::*;
use crate::vcpu::timer::MAX_HOST_TIMER_DELTA;

/// The kernel with interrupts enabled and Compare 400 guest ticks (100 host ticks) ahead.
fn timer_armed() -> (TestVcpu, FakeHost) {
    let (mut v, mut h) = kernel();
    change_status(&mut v, |s| s | Status::IE);
    set(&mut v, T0, 400);
    cop0_trap(&mut v, &mut h, "mtc0 $t0, $11");
    v.regs.pc = PC;
    (v, h)
}

#[test]
fn a_new_vcpu_arms_the_host_timer() {
    // Count = Compare = 0 at reset: the next match is a whole guest wrap away,
    // 2^32 guest ticks = 2^30 host ticks at 4 guest ticks per host tick.
    let (_, h) = kernel();
    assert_eq!(h.armed, [0x1000 + (1 << 30)]);
    // A guest clock slower than the host's: a whole wrap is further than half
    // a host wrap, the most the host timer is ever armed for.
    let mut host = FakeHost::new(GUEST_HZ * 2);
    let model = VcpuModel::kvm_24kc(Endianness::Little);
    Vcpu::new(model, GuestIsa::Mips32r2, FakeMemory::new(model.endianness()), GUEST_HZ, &mut host).unwrap();
    assert_eq!(host.armed, [0x1000 + MAX_HOST_TIMER_DELTA]);
}

#[test]
fn before_entry_takes_the_timer_interrupt_once_count_reaches_compare() {
    let (mut v, mut h) = timer_armed();
    assert_eq!(h.armed.last(), Some(&(h.count + 100)));
    h.count += 99;
    v.before_entry(&mut h);
    assert_eq!(v.regs.pc, PC);
    h.count += 1;
    v.before_entry(&mut h);
    assert_eq!(delivered(&v), (ExcCode::Int, PC, false, GENERAL_VECTOR));
    assert!(v.cp0.cause().contains(Cause::TI));
    assert_eq!(v.cp0.cause().ip(), 0x80);
    assert_eq!(v.stats.guest_interrupts, 1);
}

#[test]
fn with_cause_iv_the_interrupt_uses_offset_0x200() {
    let (mut v, mut h) = timer_armed();
    v.cp0.write(cp0::CAUSE, Cause::IV.bits()).unwrap();
    h.count += 100;
    v.before_entry(&mut h);
    assert_eq!(delivered(&v), (ExcCode::Int, PC, false, EBASE + 0x200));
}

#[test]
fn a_disabled_timer_interrupt_stays_pending_in_cause() {
    let (mut v, mut h) = timer_armed();
    change_status(&mut v, |s| s - Status::IE);
    h.count += 500;
    v.before_entry(&mut h);
    assert_eq!(v.regs.pc, PC);
    assert!(v.cp0.cause().contains(Cause::TI));
    // Still pending after more time; Compare was met once.
    h.count += 10;
    v.before_entry(&mut h);
    assert!(v.cp0.cause().contains(Cause::TI));
}

#[test]
fn a_host_interrupt_exit_updates_the_timer_rearms_and_delivers() {
    let (mut v, mut h) = timer_armed();
    h.count += 100;
    let armed_before = h.armed.len();
    assert_eq!(v.handle_exit(&exit(ExcCode::Int, PC + 8), &mut h), ExitOutcome::Resume);
    assert_eq!(delivered(&v), (ExcCode::Int, PC + 8, false, GENERAL_VECTOR));
    assert_eq!(h.armed.len(), armed_before + 1, "re-armed (and so acknowledged)");
    assert_eq!(v.stats.interrupt, 1);
}

#[test]
fn device_lines_follow_the_host() {
    // Malta's i8259 cascade reaches the CPU on hardware interrupt 0 = Cause.IP2.
    let (mut v, mut h) = kernel();
    change_status(&mut v, |s| (s | Status::IE).with_im(0x04));
    h.lines = 1 << 2;
    v.before_entry(&mut h);
    assert_eq!(delivered(&v), (ExcCode::Int, PC, false, GENERAL_VECTOR));
    assert_eq!(v.cp0.cause().ip(), 0x04);
    h.lines = 0;
    v.before_entry(&mut h);
    assert_eq!(v.cp0.cause().ip(), 0);
}

#[test]
fn nothing_is_delivered_while_exl_is_set() {
    let (mut v, mut h) = timer_armed();
    change_status(&mut v, |s| s | Status::EXL);
    h.count += 100;
    v.before_entry(&mut h);
    assert_eq!(v.regs.pc, PC);
    assert_eq!(v.stats.guest_interrupts, 0);
}
