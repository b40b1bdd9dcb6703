//! The fast path (`Vcpu::fast_exit`) against the generic exit: whatever it
//! serves, the generic path would have done the same; the hot case, a user
//! `rdhwr $29` with HWREna.ULR set, is served; everything else is left alone.

use super::*;
use crate::cp0::fields::HwrEna;
use crate::vcpu::fast_exit::FastResume;
use crate::vcpu::ExitKind;

/// A guest in `mode` with `hwrena`, UserLocal 0x7765_4320 and EBase's CPUNum 0.
fn guest(mode: GuestMode, hwrena: HwrEna) -> (TestVcpu, FakeHost) {
    let (mut v, h) = if mode == GuestMode::User { user() } else { kernel() };
    v.cp0.write(cp0::USER_LOCAL, 0x7765_4320).unwrap();
    v.cp0.write(cp0::HW_RENA, hwrena.bits()).unwrap();
    (v, h)
}

/// Runs `source` at [`PC`] through the fast path and, on a twin vCPU, the
/// generic one; asserts they agree wherever the fast path answered.
fn differential(mode: GuestMode, hwrena: HwrEna, source: &str, bad_instr: bool) -> Option<FastResume> {
    let word = asm_one(source);
    let ri = HostExit { bad_instr: bad_instr.then_some(word), ..exit(ExcCode::Ri, PC) };
    let (mut fast, _) = guest(mode, hwrena);
    if !bad_instr {
        fast.mmu.code.insert(PC, word);
    }
    let served = fast.fast_exit(&ri);
    let (mut slow, mut h) = guest(mode, hwrena);
    slow.mmu.code.insert(PC, word);
    set(&mut slow, Gpr::T0, 0xdead);
    let outcome = slow.handle_exit(&ri, &mut h);
    if let Some(r) = served {
        let what = std::format!("{source} in {mode:?} with {hwrena:?}");
        assert_eq!(outcome, ExitOutcome::Resume, "{what}");
        assert_eq!((slow.regs.get(r.reg), slow.regs.pc), (r.value, r.pc), "{what}");
        assert_eq!(slow.cp0.cause().exc_code(), fast.cp0.cause().exc_code(), "{what}: nothing delivered");
        assert_eq!((fast.stats.exits, fast.stats.resvd_inst, fast.stats.rdhwr_fast), (1, 1, 1));
        assert_eq!(fast.exit_kind, ExitKind::RdhwrFast);
    } else {
        assert_eq!(fast.stats.exits, 0, "{source}: a declined exit is not counted twice");
    }
    served
}

#[test]
fn user_rdhwr_29_with_ulr_is_served_from_bad_instr_or_memory() {
    for bad_instr in [false, true] {
        let r = differential(GuestMode::User, HwrEna::ULR, "rdhwr $v1, $29", bad_instr);
        assert_eq!(r, Some(FastResume { reg: Gpr::V1, value: 0x7765_4320, pc: PC + 4 }));
    }
}

#[test]
fn every_register_the_vcpu_holds_is_served_where_permitted() {
    let all = HwrEna::CPU_NUM | HwrEna::SYNCI_STEP | HwrEna::CC_RES | HwrEna::ULR;
    for mode in [GuestMode::Kernel, GuestMode::User] {
        for (source, value) in [("rdhwr $t0, $0", 0), ("rdhwr $t0, $1", 16), ("rdhwr $t0, $3", 2)] {
            let r = differential(mode, all, source, false);
            assert_eq!(r.map(|r| (r.reg, r.value)), Some((Gpr::T0, value)), "{source} {mode:?}");
        }
    }
    // Kernel mode reads UserLocal whatever HWREna says.
    assert!(differential(GuestMode::Kernel, HwrEna::empty(), "rdhwr $t0, $29", false).is_some());
}

#[test]
fn what_the_guest_may_not_read_or_count_is_left_to_the_generic_path() {
    // Without its HWREna bit a user read is the guest's RI.
    assert_eq!(differential(GuestMode::User, HwrEna::CC_RES, "rdhwr $v1, $29", false), None);
    // Count needs the timer; absent registers are RI even in kernel mode.
    assert_eq!(differential(GuestMode::Kernel, HwrEna::all(), "rdhwr $t0, $2", false), None);
    assert_eq!(differential(GuestMode::Kernel, HwrEna::all(), "rdhwr $t0, $4", false), None);
    // Any other reserved instruction.
    assert_eq!(differential(GuestMode::User, HwrEna::ULR, "sdbbp", false), None);
}

fn in_slot_cleared(word: u32) -> HostExit {
    HostExit { bad_instr: Some(word), ..exit(ExcCode::Ri, PC) }
}

#[test]
fn delay_slots_other_causes_and_unreadable_code_are_declined() {
    let (mut v, _) = guest(GuestMode::User, HwrEna::ULR);
    let word = asm_one("rdhwr $v1, $29");
    v.mmu.code.insert(PC, word);
    let in_slot = HostExit { cause_bd: true, bad_instr: Some(word), ..exit(ExcCode::Ri, PC) };
    assert_eq!(v.fast_exit(&in_slot), None);
    v.fast_exits = false;
    assert_eq!(v.fast_exit(&in_slot_cleared(word)), None, "fast_exit=off");
    v.fast_exits = true;
    let cpu = HostExit { bad_instr: Some(word), ..exit(ExcCode::CpU, PC) };
    assert_eq!(v.fast_exit(&cpu), None);
    // No BadInstr and no code at the PC: the generic path fetches (and faults).
    assert_eq!(v.fast_exit(&exit(ExcCode::Ri, PC + 8)), None);
    assert_eq!(v.stats.exits, 0);
}

#[test]
fn the_host_serves_only_userlocal_in_hardware() {
    use crate::vcpu::fast_exit::host_hwrena;
    assert_eq!(host_hwrena(HwrEna::all()), HwrEna::ULR);
    assert_eq!(
        host_hwrena(HwrEna::CC | HwrEna::CC_RES | HwrEna::CPU_NUM | HwrEna::SYNCI_STEP),
        HwrEna::empty()
    );
    assert_eq!(host_hwrena(HwrEna::empty()), HwrEna::empty());
}
