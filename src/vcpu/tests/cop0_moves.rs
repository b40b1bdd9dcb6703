//! MFC0, MTC0, DI, EI, RDPGPR/WRPGPR and the COP0 forms the model lacks.

use super::asm::{asm_mips64, asm_r6};
use super::*;
use crate::cp0::fields::HwrEna;
use crate::isa::Gpr::*;
use crate::vcpu::cp0::WriteEffect;

#[test]
fn mfc0_copies_the_register_into_rt_and_continues_after_it() {
    // MD00086 MFC0: GPR[rt] <- CPR[0, rd, sel]; the next instruction is PC + 4.
    let (mut v, mut h) = kernel();
    v.cp0.write(cp0::EPC, 0x4020_1234).unwrap();
    assert_eq!(cop0_trap(&mut v, &mut h, "mfc0 $t0, $14"), ExitOutcome::Resume);
    assert_eq!(get(&v, T0), 0x4020_1234);
    assert_eq!(v.regs.pc, PC + 4);
    assert_eq!((v.stats.exits, v.stats.cop_unusable), (1, 1));
    // PRId (15, 0) and Config1 (16, 1) come from the model.
    cop0_trap(&mut v, &mut h, "mfc0 $t1, $15");
    assert_eq!(get(&v, T1), 0x0001_9300);
    cop0_trap(&mut v, &mut h, "mfc0 $a0, $16, 1");
    assert_eq!(get(&v, A0), v.cp0.model().config1().bits());
}

#[test]
fn mfc0_into_zero_is_discarded() {
    let (mut v, mut h) = kernel();
    cop0_trap(&mut v, &mut h, "mfc0 $zero, $15");
    assert_eq!(v.regs.gpr[0], 0);
    assert_eq!(v.regs.pc, PC + 4);
}

#[test]
fn mfc0_count_is_host_count_scaled_to_the_guest_frequency() {
    // Guest 100 MHz over a 25 MHz host Count: 4 guest ticks per host tick.
    let (mut v, mut h) = kernel();
    h.count += 250;
    cop0_trap(&mut v, &mut h, "mfc0 $t0, $9");
    assert_eq!(get(&v, T0), 1000);
}

#[test]
fn mtc0_count_sets_count_which_keeps_running() {
    // PRA Count: software may write it; it keeps incrementing from there.
    let (mut v, mut h) = kernel();
    set(&mut v, T0, 0x7000_0000);
    cop0_trap(&mut v, &mut h, "mtc0 $t0, $9");
    h.count += 10;
    cop0_trap(&mut v, &mut h, "mfc0 $t1, $9");
    assert_eq!(get(&v, T1), 0x7000_0028);
}

#[test]
fn mtc0_compare_acknowledges_the_timer_and_arms_the_host_for_the_match() {
    // PRA Compare: a write clears the timer interrupt (Cause.TI, IP7).
    let (mut v, mut h) = kernel();
    v.cp0.raise_timer_interrupt();
    set(&mut v, T0, 4000); // guest Count is 0 now: 4000 guest ticks = 1000 host ticks ahead
    cop0_trap(&mut v, &mut h, "mtc0 $t0, $11");
    assert!(!v.cp0.cause().contains(Cause::TI));
    assert_eq!(v.cp0.cause().ip() & 0x80, 0);
    assert_eq!(read_cp0(&v, cp0::COMPARE), 4000);
    assert_eq!(h.armed.last(), Some(&(h.count + 1000)));
}

#[test]
fn mtc0_entryhi_with_a_new_asid_tells_the_mmu() {
    let (mut v, mut h) = kernel();
    set(&mut v, T0, 0x0040_0005);
    cop0_trap(&mut v, &mut h, "mtc0 $t0, $10");
    assert_eq!(v.mmu.calls, [MemCall::AsidChanged { old: 0, new: 5 }]);
    // Same ASID, other VPN2: nothing to invalidate.
    set(&mut v, T0, 0x0080_0005);
    cop0_trap(&mut v, &mut h, "mtc0 $t0, $10");
    assert_eq!(v.mmu.calls.len(), 1);
    assert_eq!(read_cp0(&v, cp0::ENTRY_HI), 0x0080_0005);
}

#[test]
fn mtc0_status_switches_the_guest_to_user_mode_and_tells_the_host() {
    let (mut v, mut h) = kernel();
    let old = status_of(&v);
    let new = old | Status::UM | Status::IE;
    set(&mut v, T0, new.bits());
    cop0_trap(&mut v, &mut h, "mtc0 $t0, $12");
    assert_eq!(v.guest_mode(), GuestMode::User);
    assert_eq!(h.effects, [WriteEffect::StatusChanged { old, new }]);
    assert_eq!(v.regs.pc, PC + 4);
}

#[test]
fn mtc0_hwrena_and_userlocal_are_the_hosts_to_mirror() {
    let (mut v, mut h) = kernel();
    set(&mut v, T0, HwrEna::ULR.bits());
    cop0_trap(&mut v, &mut h, "mtc0 $t0, $7");
    set(&mut v, T1, 0x7fff_7000);
    cop0_trap(&mut v, &mut h, "mtc0 $t1, $4, 2");
    assert_eq!(
        h.effects,
        [
            WriteEffect::HwrEnaChanged { hwrena: HwrEna::ULR },
            WriteEffect::UserLocalChanged { value: 0x7fff_7000 }
        ]
    );
}

#[test]
fn absent_registers_read_zero_ignore_writes_and_are_logged_once() {
    // Release 6 PRA: reads of unimplemented CP0 registers return 0, writes are ignored.
    let (mut v, mut h) = kernel();
    set(&mut v, T0, 0x1234);
    cop0_trap(&mut v, &mut h, "mfc0 $t0, $16, 5");
    assert_eq!(get(&v, T0), 0);
    assert_eq!(v.regs.pc, PC + 4);
    cop0_trap(&mut v, &mut h, "mfc0 $t0, $16, 5");
    cop0_trap(&mut v, &mut h, "mtc0 $t0, $16, 5");
    assert_eq!(h.log.len(), 2, "{:?}", h.log);
    assert!(h.log[0].contains("40100100: 40088005"), "{}", h.log[0]);
}

#[test]
fn di_and_ei_return_the_old_status_and_change_only_ie() {
    // MD00086 DI: GPR[rt] <- Status; Status.IE <- 0. EI: the same with IE <- 1.
    let (mut v, mut h) = kernel();
    let before = status_of(&v);
    cop0_trap(&mut v, &mut h, "ei $t0");
    assert_eq!(get(&v, T0), before.bits());
    assert_eq!(status_of(&v), before | Status::IE);
    cop0_trap(&mut v, &mut h, "di $t1");
    assert_eq!(get(&v, T1), (before | Status::IE).bits());
    assert_eq!(status_of(&v), before);
    cop0_trap(&mut v, &mut h, "di");
    assert_eq!(v.regs.pc, PC + 4);
}

#[test]
fn ei_with_a_pending_interrupt_takes_it_after_the_ei() {
    // The interrupt is taken before the next instruction: EPC = EI + 4.
    let (mut v, mut h) = kernel();
    v.cp0.write(cp0::CAUSE, 1 << 8).unwrap(); // software interrupt 0, IM0 set
    cop0_trap(&mut v, &mut h, "ei");
    assert_eq!(delivered(&v), (ExcCode::Int, PC + 4, false, GENERAL_VECTOR));
    assert_eq!(v.stats.guest_interrupts, 1);
}

#[test]
fn rdpgpr_and_wrpgpr_without_shadow_sets_copy_within_the_set() {
    // SRSCtl.HSS = 0: the previous shadow set is the current one.
    let (mut v, mut h) = kernel();
    set(&mut v, A0, 77);
    cop0_trap(&mut v, &mut h, "rdpgpr $v1, $a0");
    assert_eq!(get(&v, V1), 77);
    cop0_trap(&mut v, &mut h, "wrpgpr $a1, $v1");
    assert_eq!(get(&v, A1), 77);
}

#[test]
fn cop0_in_guest_user_mode_is_coprocessor_unusable_ce_0() {
    // PRA: COP0 instructions in user mode with CU0 = 0 raise CpU, Cause.CE = 0.
    let (mut v, mut h) = user();
    cop0_trap(&mut v, &mut h, "mfc0 $t0, $12");
    assert_eq!(delivered(&v), (ExcCode::CpU, PC, false, GENERAL_VECTOR));
    assert_eq!(v.cp0.cause().ce(), 0);
    assert_eq!(v.guest_mode(), GuestMode::Kernel);
}

#[test]
fn cop0_in_guest_user_mode_with_cu0_is_emulated() {
    let (mut v, mut h) = user();
    change_status(&mut v, |s| s | Status::CU0);
    cop0_trap(&mut v, &mut h, "mfc0 $t0, $15");
    assert_eq!((get(&v, T0), v.regs.pc), (0x0001_9300, PC + 4));
}

#[test]
fn dmfc0_and_dmtc0_are_reserved_for_the_32_bit_guest() {
    // The guest is a MIPS32 24Kc: DMFC0/DMTC0 do not exist there (RI), even
    // though a 64-bit host traps them as CpU.
    for source in ["dmfc0 $t0, $12", "dmtc0 $t0, $14"] {
        let (mut v, mut h) = kernel();
        trap_at(&mut v, &mut h, ExcCode::CpU, PC, asm_mips64(source));
        assert_eq!(delivered(&v), (ExcCode::Ri, PC, false, GENERAL_VECTOR), "{source}");
    }
}

#[test]
fn cop0_instructions_outside_the_model_get_ri_and_are_logged_once() {
    // Not in a 24Kc: XPA moves, TLBINV (Config4.IE), ERETNC, DERET (EJTAG).
    let words = [
        asm_one("mfhc0 $t0, $2"),
        asm_one("mthc0 $t0, $2"),
        asm_r6("tlbinv"),
        asm_r6("tlbinvf"),
        asm_r6("eretnc"),
        asm_one("deret"),
    ];
    for word in words {
        let (mut v, mut h) = kernel();
        let source = std::format!("{word:08x}");
        trap_at(&mut v, &mut h, ExcCode::CpU, PC, word);
        assert_eq!(delivered(&v), (ExcCode::Ri, PC, false, GENERAL_VECTOR), "{source}");
        v.cp0.write(cp0::STATUS, 0).unwrap(); // leave EXL so the retry is a fresh exception
        trap_at(&mut v, &mut h, ExcCode::CpU, PC, word);
        assert_eq!(h.log.len(), 1, "{source}: {:?}", h.log);
        assert!(h.log[0].contains("not emulated"), "{}", h.log[0]);
        assert_eq!(v.stats.unemulated, 2);
    }
}

#[test]
fn badinstr_is_used_instead_of_reading_guest_memory() {
    // Config3.BI CPUs give the word; guest memory is not read (it holds garbage here).
    let (mut v, mut h) = kernel();
    v.mmu.code.insert(PC, 0);
    let exit = HostExit { bad_instr: Some(asm_one("mfc0 $t0, $15")), ..exit(ExcCode::CpU, PC) };
    v.handle_exit(&exit, &mut h);
    assert_eq!(get(&v, T0), 0x0001_9300);
}

#[test]
fn unreadable_instruction_gets_the_guest_the_fetch_fault() {
    // No BadInstr and the guest's own mapping of PC is gone: the guest takes
    // the TLB refill its fetch would have taken.
    let (mut v, mut h) = kernel();
    let exit = exit(ExcCode::CpU, 0x6000_0040);
    v.handle_exit(&exit, &mut h);
    assert_eq!(delivered(&v), (ExcCode::TlbL, 0x6000_0040, false, REFILL_VECTOR));
    assert_eq!(v.cp0.bad_vaddr(), 0x6000_0040);
}
