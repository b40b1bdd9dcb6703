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
    let served = fast.fast_exit(&mut ri.clone(), &fast.regs.clone(), &mut FakeHost::new(HOST_HZ));
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
    assert_eq!(
        v.fast_exit(&mut in_slot.clone(), &crate::vcpu::GuestRegs::default(), &mut FakeHost::new(HOST_HZ)),
        None
    );
    v.fast_exits = false;
    assert_eq!(
        v.fast_exit(
            &mut in_slot_cleared(word),
            &crate::vcpu::GuestRegs::default(),
            &mut FakeHost::new(HOST_HZ)
        ),
        None,
        "fast_exit=off"
    );
    v.fast_exits = true;
    let cpu = HostExit { bad_instr: Some(word), ..exit(ExcCode::CpU, PC) };
    assert_eq!(
        v.fast_exit(&mut cpu.clone(), &crate::vcpu::GuestRegs::default(), &mut FakeHost::new(HOST_HZ)),
        None
    );
    // No BadInstr and no code at the PC: the generic path fetches (and faults).
    assert_eq!(
        v.fast_exit(
            &mut exit(ExcCode::Ri, PC + 8),
            &crate::vcpu::GuestRegs::default(),
            &mut FakeHost::new(HOST_HZ)
        ),
        None
    );
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

/// The registers whose MTC0 only stores.
const PLAIN: [crate::cp0::Cp0Reg; 8] = [
    cp0::INDEX,
    cp0::ENTRY_LO0,
    cp0::ENTRY_LO1,
    cp0::CONTEXT,
    cp0::PAGE_MASK,
    cp0::EPC,
    cp0::ERROR_EPC,
    cp0::DESAVE,
];

/// `source` at [`PC`] as a CpU exit through the fast path and, on a twin,
/// the generic one, with $t1 = `t1` in both; asserts they agree wherever the
/// fast path answered (registers, PC, every CP0 register, nothing delivered).
fn cp0_differential(mode: GuestMode, source: &str, t1: u32) -> Option<FastResume> {
    let word = asm_one(source);
    let cpu = exit(ExcCode::CpU, PC);
    let (mut fast, _) = guest(mode, HwrEna::empty());
    let (mut slow, mut h) = guest(mode, HwrEna::empty());
    for v in [&mut fast, &mut slow] {
        v.mmu.code.insert(PC, word);
        v.cp0.write(cp0::EPC, 0x4000_1000).unwrap();
        v.cp0.write(cp0::ENTRY_LO0, 0x0000_1234).unwrap();
        set(v, Gpr::T1, t1);
    }
    let fast_regs = fast.regs;
    let served = fast.fast_exit(&mut cpu.clone(), &fast_regs, &mut FakeHost::new(HOST_HZ));
    let outcome = slow.handle_exit(&cpu, &mut h);
    if let Some(r) = served {
        let what = std::format!("{source} in {mode:?}");
        assert_eq!(outcome, ExitOutcome::Resume, "{what}");
        assert_eq!(slow.regs.pc, r.pc, "{what}");
        if r.reg != Gpr::Zero {
            assert_eq!(slow.regs.get(r.reg), r.value, "{what}");
        }
        for reg in PLAIN.into_iter().chain([cp0::STATUS, cp0::CAUSE, cp0::ENTRY_HI, cp0::COMPARE]) {
            assert_eq!(read_cp0(&fast, reg), read_cp0(&slow, reg), "{what}: {reg:?}");
        }
        assert_eq!((fast.stats.exits, fast.stats.cop_unusable, fast.stats.cp0_fast), (1, 1, 1), "{what}");
    } else {
        assert_eq!(fast.stats.exits, 0, "{source}");
    }
    served
}

#[test]
fn kernel_mfc0_is_served() {
    for (source, value) in
        [("mfc0 $t0, $14", 0x4000_1000), ("mfc0 $t0, $2", 0x1234), ("mfc0 $t0, $15", 0x0001_9300)]
    {
        let r = cp0_differential(GuestMode::Kernel, source, 0);
        assert_eq!(r.map(|r| (r.reg, r.value)), Some((Gpr::T0, value)), "{source}");
    }
    assert!(cp0_differential(GuestMode::Kernel, "mfc0 $t0, $12", 0).is_some());
    // Count and Cause bring the timer up to date first, as the generic path does.
    assert!(cp0_differential(GuestMode::Kernel, "mfc0 $t0, $9", 0).is_some());
    assert!(cp0_differential(GuestMode::Kernel, "mfc0 $t0, $13", 0).is_some());
    // An absent register is logged by the generic path.
    assert_eq!(cp0_differential(GuestMode::Kernel, "mfc0 $t0, $22", 0), None);
}

#[test]
fn kernel_mtc0_of_plain_registers_is_served_others_are_not() {
    for source in [
        "mtc0 $t1, $14",
        "mtc0 $t1, $2",
        "mtc0 $t1, $3",
        "mtc0 $t1, $0",
        "mtc0 $t1, $5",
        "mtc0 $t1, $4",
        "mtc0 $t1, $30",
        "mtc0 $zero, $2",
    ] {
        let r = cp0_differential(GuestMode::Kernel, source, 0xffff_e7ff);
        assert_eq!(r.map(|r| (r.reg, r.pc)), Some((Gpr::Zero, PC + 4)), "{source}");
    }
    // Status, Cause, Compare, Count, EntryHi, Wired, HWREna, UserLocal, EBase, Config: effects.
    for source in [
        "mtc0 $t1, $13",
        "mtc0 $t1, $11",
        "mtc0 $t1, $9",
        "mtc0 $t1, $10",
        "mtc0 $t1, $6",
        "mtc0 $t1, $7",
        "mtc0 $t1, $4, 2",
        "mtc0 $t1, $15, 1",
        "mtc0 $t1, $16",
    ] {
        assert_eq!(cp0_differential(GuestMode::Kernel, source, 0x1), None, "{source}");
    }
}

#[test]
fn user_mode_cop0_and_other_cop0_instructions_take_the_generic_path() {
    // In guest user mode COP0 is the guest's CpU.
    assert_eq!(cp0_differential(GuestMode::User, "mfc0 $t0, $14", 0), None);
    for source in ["eret", "tlbwi", "wait", "cache 0x15, 0($t1)"] {
        assert_eq!(cp0_differential(GuestMode::Kernel, source, 0x4000_2000), None, "{source}");
    }
}

#[test]
fn plain_registers_never_report_an_effect() {
    let (mut v, _) = kernel();
    for reg in PLAIN {
        assert!(v.cp0.write_is_plain(reg), "{reg:?}");
        for value in [0, 1, 0x8000_0000, 0xffff_ffff, 0x1234_5678] {
            assert_eq!(v.cp0.write(reg, value), Ok(crate::vcpu::WriteEffect::None), "{reg:?} {value:#x}");
        }
    }
    for reg in [
        cp0::STATUS,
        cp0::CAUSE,
        cp0::COUNT,
        cp0::COMPARE,
        cp0::ENTRY_HI,
        cp0::WIRED,
        cp0::HW_RENA,
        cp0::USER_LOCAL,
        cp0::EBASE,
        cp0::CONFIG0,
    ] {
        assert!(!v.cp0.write_is_plain(reg), "{reg:?}");
    }
}

#[test]
fn kernel_di_is_served_with_interrupts_on_or_off() {
    for ie in [false, true] {
        let word = asm_one("di $t0");
        let (mut fast, _) = kernel();
        let (mut slow, mut h) = kernel();
        for v in [&mut fast, &mut slow] {
            change_status(v, |s| if ie { s | Status::IE } else { s - Status::IE });
            v.mmu.code.insert(PC, word);
        }
        let before = fast.cp0.status().bits();
        let r = fast
            .fast_exit(
                &mut exit(ExcCode::CpU, PC),
                &crate::vcpu::GuestRegs::default(),
                &mut FakeHost::new(HOST_HZ),
            )
            .expect("served");
        assert_eq!(slow.handle_exit(&exit(ExcCode::CpU, PC), &mut h), ExitOutcome::Resume);
        assert_eq!((r.reg, r.value, r.pc), (Gpr::T0, before, PC + 4));
        assert_eq!((slow.regs.get(Gpr::T0), slow.regs.pc), (r.value, r.pc));
        assert_eq!(fast.cp0.status(), slow.cp0.status());
        assert!(!fast.cp0.status().contains(Status::IE));
    }
}

#[test]
fn a_declined_exit_hands_its_word_to_the_generic_path() {
    let (mut v, _) = kernel();
    let word = asm_one("eret");
    v.mmu.code.insert(PC, word);
    let mut cpu = exit(ExcCode::CpU, PC);
    assert_eq!(v.fast_exit(&mut cpu, &crate::vcpu::GuestRegs::default(), &mut FakeHost::new(HOST_HZ)), None);
    assert_eq!(cpu.bad_instr, Some(word));
}

#[test]
fn kernel_ei_is_served_unless_it_lets_an_interrupt_in() {
    // (Status.IM, software interrupt IP0 raised) -> served?
    for (im, raised, served) in [(0xff, false, true), (0xff, true, false), (0xfe, true, true)] {
        let word = asm_one("ei $t0");
        let (mut fast, _) = kernel();
        let (mut slow, mut h) = kernel();
        for v in [&mut fast, &mut slow] {
            change_status(v, |s| (s - Status::IE).with_im(im));
            if raised {
                v.cp0.write(cp0::CAUSE, 1 << 8).unwrap();
            }
            v.mmu.code.insert(PC, word);
        }
        let before = fast.cp0.status().bits();
        let r = fast.fast_exit(
            &mut exit(ExcCode::CpU, PC),
            &crate::vcpu::GuestRegs::default(),
            &mut FakeHost::new(HOST_HZ),
        );
        assert_eq!(slow.handle_exit(&exit(ExcCode::CpU, PC), &mut h), ExitOutcome::Resume);
        assert_eq!(r.is_some(), served, "IM {im:#x} raised {raised}");
        match r {
            Some(r) => {
                assert_eq!((r.reg, r.value, r.pc), (Gpr::T0, before, PC + 4));
                assert_eq!((slow.regs.get(Gpr::T0), slow.regs.pc), (r.value, r.pc));
                assert_eq!(fast.cp0.status(), slow.cp0.status());
                assert_eq!(fast.exit_kind, ExitKind::EiFast);
            }
            // The generic path delivers the interrupt; the declined fast path changed nothing.
            None => {
                assert_eq!(delivered(&slow).0, ExcCode::Int);
                assert_eq!(fast.cp0.status().bits(), before);
            }
        }
    }
}

/// `branch` at [`PC`] with `slot` in its delay slot trapping `exc`, through
/// the fast path and the generic one, with $a0 = `a0`.
fn delay_slot_differential(exc: ExcCode, branch: &str, slot: &str, a0: u32) -> Option<FastResume> {
    let [branch_word, slot_word] = asm([branch, slot]);
    let (mut fast, _) = guest(GuestMode::Kernel, HwrEna::empty());
    fast.mmu.code.insert(PC, branch_word);
    fast.mmu.code.insert(PC + 4, slot_word);
    set(&mut fast, Gpr::A0, a0);
    let regs = fast.regs;
    let mut trap = HostExit { cause_bd: true, ..exit(exc, PC) };
    let served = fast.fast_exit(&mut trap, &regs, &mut FakeHost::new(HOST_HZ));
    let (mut slow, mut h) = guest(GuestMode::Kernel, HwrEna::empty());
    set(&mut slow, Gpr::A0, a0);
    assert_eq!(delay_slot_trap(&mut slow, &mut h, exc, branch, slot), ExitOutcome::Resume);
    if let Some(r) = served {
        assert_eq!(slow.regs.pc, r.pc, "{branch}; {slot}");
        if r.reg != Gpr::Zero {
            assert_eq!(slow.regs.get(r.reg), r.value);
        }
        assert_eq!(fast.cp0.status(), slow.cp0.status());
    } else {
        // The words read are handed on.
        assert_eq!(
            (trap.bad_instr_p, trap.bad_instr.is_some()),
            (Some(branch_word), trap.bad_instr.is_some())
        );
    }
    served
}

#[test]
fn a_trap_in_the_slot_of_a_branch_that_links_nothing_is_served() {
    // Linux's arch_local_irq_restore: `beqz a0, 1f; di`; taken and not taken.
    for (a0, resume) in [(0, PC + 24), (1, PC + 8)] {
        let r = delay_slot_differential(ExcCode::CpU, "beq $a0, $zero, .+24", "di", a0);
        assert_eq!(r.map(|r| r.pc), Some(resume), "a0 = {a0}");
    }
    let r = delay_slot_differential(ExcCode::CpU, "bne $a0, $zero, .+24", "mfc0 $t0, $14", 1);
    assert_eq!(r.map(|r| r.pc), Some(PC + 24));
    // Linking branches (BAL, JALR): the generic path writes the link.
    assert_eq!(delay_slot_differential(ExcCode::CpU, "bal .+24", "di", 0), None);
    assert_eq!(delay_slot_differential(ExcCode::CpU, "jalr $a0", "di", 0x4010_0200), None);
}

#[test]
fn a_cause_read_that_raises_a_deliverable_timer_interrupt_is_left_to_the_generic_path() {
    // Guest kernel with IE set and IM7 open, Compare just ahead of Count.
    let setup = |v: &mut TestVcpu| {
        change_status(v, |s| s | Status::IE);
        v.cp0.write(cp0::COMPARE, 40).unwrap();
        v.mmu.code.insert(PC, asm_one("mfc0 $t0, $13"));
    };
    let (mut fast, mut fast_host) = kernel();
    let (mut slow, mut slow_host) = kernel();
    setup(&mut fast);
    setup(&mut slow);
    // 20 host ticks = 80 guest ticks: Count passed Compare.
    fast_host.count += 20;
    slow_host.count += 20;
    let mut trap = exit(ExcCode::CpU, PC);
    assert_eq!(fast.fast_exit(&mut trap, &fast.regs.clone(), &mut fast_host), None);
    // The generic path then delivers it, as it would have alone.
    assert_eq!(fast.handle_exit(&trap, &mut fast_host), ExitOutcome::Resume);
    assert_eq!(slow.handle_exit(&exit(ExcCode::CpU, PC), &mut slow_host), ExitOutcome::Resume);
    assert_eq!(delivered(&fast), delivered(&slow));
    assert_eq!(delivered(&fast).0, ExcCode::Int);
    assert_eq!(fast.regs.get(Gpr::T0), slow.regs.get(Gpr::T0));
}

#[test]
fn kernel_status_writes_of_ie_and_im_are_served_unless_they_let_an_interrupt_in() {
    // Kernel (IE clear, IM all) with software interrupt IP0 raised.
    let raised = |v: &mut TestVcpu| v.cp0.write(cp0::CAUSE, 1 << 8).unwrap();
    let im = |bits: u32| Status::from_bits_retain(0).with_im(bits as u8).bits();
    for (value, served) in [
        (im(0xfe) | 1, true),           // IE on, IP0 masked: nothing pending
        (im(0xff), true),               // IE still off
        (im(0xff) | 1, false),          // IE on with IP0 unmasked: the generic path delivers
        (im(0xfe) | 1 | 1 << 4, false), // UM too: the guest's mode changes
        (im(0xfe) | 1 << 1, false),     // EXL: mode
    ] {
        let word = asm_one("mtc0 $t1, $12");
        let (mut fast, _) = kernel();
        let (mut slow, mut h) = kernel();
        for v in [&mut fast, &mut slow] {
            raised(v);
            v.mmu.code.insert(PC, word);
            set(v, Gpr::T1, value);
        }
        let before = fast.cp0.status();
        let regs = fast.regs;
        let r = fast.fast_exit(&mut exit(ExcCode::CpU, PC), &regs, &mut FakeHost::new(HOST_HZ));
        assert_eq!(slow.handle_exit(&exit(ExcCode::CpU, PC), &mut h), ExitOutcome::Resume);
        assert_eq!(r.is_some(), served, "{value:#x}");
        if served {
            assert_eq!((fast.cp0.status(), r.unwrap().pc), (slow.cp0.status(), slow.regs.pc), "{value:#x}");
        } else {
            assert_eq!(fast.cp0.status(), before, "{value:#x}: a declined write changed nothing");
        }
    }
}
