//! A trapping instruction in a branch delay slot (Cause.BD): EPC is the
//! branch; the monitor resolves the branch from the registers at the trap,
//! writes its link, emulates the slot instruction, and resumes where the
//! branch goes (MD00086 branch and jump operations, quoted per case).
//!
//! The slot instruction is `mfc0 $t2, $15` (PRId, 0x00019300) throughout, so
//! every case also checks that the slot was emulated.

use super::asm::asm_r6;
use super::*;
use crate::cp0::fields::HwrEna;
use crate::isa::FpuConditions;
use crate::isa::Gpr::{self, *};

const SLOT: &str = "mfc0 $t2, $15";
const PRID: u32 = 0x0001_9300;
/// In the same 256 MiB region as [`PC`], for J/JAL.
const TARGET: u32 = 0x4020_0040;
const STALE_RA: u32 = 0x1234_5678;

fn registers(v: &mut TestVcpu) {
    set(v, V0, 5);
    set(v, V1, 5);
    set(v, A0, 6);
    set(v, T0, u32::MAX); // -1
    set(v, T1, 0);
    set(v, T3, 1);
    set(v, T9, TARGET);
    set(v, Ra, STALE_RA);
}

/// Runs `branch` with [`SLOT`] trapping in its delay slot; returns the resume PC.
fn resolve(v: &mut TestVcpu, h: &mut FakeHost, branch: &str) -> u32 {
    set(v, T2, 0);
    let outcome = delay_slot_trap(v, h, ExcCode::CpU, branch, SLOT);
    assert_eq!(outcome, ExitOutcome::Resume, "{branch}");
    assert_eq!(get(v, T2), PRID, "{branch}: slot not emulated");
    v.regs.pc
}

#[test]
fn every_branch_kind_resolves_from_the_guest_registers() {
    // Taken: target = branch + 4 + offset, written `.+N` = branch + N.
    // Not taken: the instruction after the delay slot, branch + 8.
    // J/JAL: the delay slot's top four bits with instr_index << 2.
    // Likely branches here are all taken (their slot executes).
    let cases: &[(&str, u32)] = &[
        ("beq $v0, $v1, .+16", PC + 16),
        ("beq $v0, $a0, .+16", PC + 8),
        ("bne $v0, $a0, .-8", PC - 8),
        ("bne $v0, $v1, .-8", PC + 8),
        ("blez $t1, .+32", PC + 32),
        ("blez $t3, .+32", PC + 8),
        ("bgtz $t3, .+32", PC + 32),
        ("bgtz $t0, .+32", PC + 8), // -1 is not > 0: signed compare
        ("bltz $t0, .+12", PC + 12),
        ("bltz $t1, .+12", PC + 8),
        ("bgez $t1, .+12", PC + 12),
        ("bgez $t0, .+12", PC + 8),
        ("j 0x40200040", TARGET),
        ("jr $t9", TARGET),
        ("jr.hb $t9", TARGET),
        ("beql $v0, $v1, .+16", PC + 16),
        ("bnel $v0, $a0, .+16", PC + 16),
        ("blezl $t1, .+20", PC + 20),
        ("bgtzl $t3, .+20", PC + 20),
        ("bltzl $t0, .+20", PC + 20),
        ("bgezl $t1, .+20", PC + 20),
    ];
    for (branch, next) in cases {
        let (mut v, mut h) = kernel();
        registers(&mut v);
        assert_eq!(resolve(&mut v, &mut h, branch), *next, "{branch}");
        assert_eq!(get(&v, Ra), STALE_RA, "{branch} does not link");
    }
}

#[test]
fn linking_branches_write_the_return_address_past_the_slot() {
    // BLTZAL/BGEZAL (and the likely forms): GPR[31] <- PC + 8 whether or not
    // the branch is taken. JAL: GPR[31] <- PC + 8. JALR rd, rs: GPR[rd] <- PC + 8.
    let cases: &[(&str, u32, Gpr)] = &[
        ("bltzal $t0, .+40", PC + 40, Ra),
        ("bltzal $t1, .+40", PC + 8, Ra),
        ("bgezal $t1, .+40", PC + 40, Ra),
        ("bal .+40", PC + 40, Ra),
        ("bltzall $t0, .+40", PC + 40, Ra),
        ("bgezall $t1, .+40", PC + 40, Ra),
        ("jal 0x40200040", TARGET, Ra),
        ("jalr $t9", TARGET, Ra),
        ("jalr $s0, $t9", TARGET, S0),
    ];
    for (branch, next, link) in cases {
        let (mut v, mut h) = kernel();
        registers(&mut v);
        assert_eq!(resolve(&mut v, &mut h, branch), *next, "{branch}");
        assert_eq!(get(&v, *link), PC + 8, "{branch}");
    }
}

#[test]
fn fpu_branches_read_the_guest_fpu_conditions() {
    // BC1T: branch if FCC[cc] = 1; BC1F: if 0. FCSR holds FCC0 at bit 23, FCC1..7 at 25..31.
    let cases: &[(u32, &str, u32)] = &[
        (1 << 23, "bc1t .+16", PC + 16),
        (1 << 23, "bc1f .+16", PC + 8),
        (0, "bc1f .+16", PC + 16),
        (1 << 25, "bc1t $fcc1, .+16", PC + 16),
        (1 << 25, "bc1tl $fcc1, .+16", PC + 16),
        (1 << 25, "bc1t .+16", PC + 8),
    ];
    for (fcsr, branch, next) in cases {
        let (mut v, mut h) = kernel();
        h.fpu = FpuConditions { fcsr: *fcsr, fpr_bit0: 0 };
        assert_eq!(resolve(&mut v, &mut h, branch), *next, "{branch} with FCSR {fcsr:#x}");
    }
}

#[test]
fn the_slot_sees_the_link_and_its_own_write_wins() {
    // The link is written before the slot executes (the slot reads it) ...
    let (mut v, mut h) = kernel();
    registers(&mut v);
    delay_slot_trap(&mut v, &mut h, ExcCode::CpU, "jal 0x40200040", "mtc0 $ra, $14");
    assert_eq!((read_cp0(&v, cp0::EPC), v.regs.pc), (PC + 8, TARGET));
    // ... and a slot that writes ra itself leaves its value, not the link.
    let (mut v, mut h) = kernel();
    registers(&mut v);
    delay_slot_trap(&mut v, &mut h, ExcCode::CpU, "jal 0x40200040", "mfc0 $ra, $15");
    assert_eq!((get(&v, Ra), v.regs.pc), (PRID, TARGET));
}

#[test]
fn the_target_comes_from_the_registers_before_the_slot_runs() {
    // JR's target is GPR[rs] as the branch read it, even when the slot overwrites rs.
    let (mut v, mut h) = kernel();
    registers(&mut v);
    delay_slot_trap(&mut v, &mut h, ExcCode::CpU, "jr $t9", "mfc0 $t9, $15");
    assert_eq!((get(&v, T9), v.regs.pc), (PRID, TARGET));
    // A compare branch likewise: BEQ reads v0 before the slot changes it.
    let (mut v, mut h) = kernel();
    registers(&mut v);
    delay_slot_trap(&mut v, &mut h, ExcCode::CpU, "beq $v0, $v1, .+16", "mfc0 $v0, $15");
    assert_eq!(v.regs.pc, PC + 16);
}

#[test]
fn a_fault_in_the_slot_is_delivered_at_the_branch_with_bd() {
    // PRA: EPC = the branch, Cause.BD = 1; the guest re-executes the branch on return.
    for branch in ["beq $v0, $v1, .+16", "beq $v0, $a0, .+16", "bltzal $t1, .+40"] {
        let (mut v, mut h) = user();
        registers(&mut v);
        delay_slot_trap(&mut v, &mut h, ExcCode::CpU, branch, SLOT);
        assert_eq!(delivered(&v), (ExcCode::CpU, PC, true, GENERAL_VECTOR), "{branch}");
        assert_eq!(get(&v, T2), 0, "{branch}: slot must not run");
    }
}

#[test]
fn a_not_taken_likely_branch_nullifies_its_slot_which_therefore_never_traps() {
    // MD00086 BEQL: if not taken, the delay-slot instruction is not executed,
    // so hardware cannot report a trap there. Should BD claim otherwise, the
    // monitor continues after the slot without running it and logs it.
    let (mut v, mut h) = kernel();
    registers(&mut v);
    delay_slot_trap(&mut v, &mut h, ExcCode::CpU, "beql $v0, $a0, .+16", SLOT);
    assert_eq!((v.regs.pc, get(&v, T2)), (PC + 8, 0));
    assert_eq!(logged(&h).len(), 1);
}

#[test]
fn badinstrp_gives_the_branch_without_reading_guest_memory() {
    // Config3.BP: BadInstrP holds the branch when the trapping instruction is in its slot.
    let (mut v, mut h) = kernel();
    registers(&mut v);
    let [branch, slot] = asm(["bne $v0, $a0, .+64", SLOT]);
    let exit = HostExit {
        cause_bd: true,
        bad_instr: Some(slot),
        bad_instr_p: Some(branch),
        ..exit(ExcCode::CpU, PC)
    };
    v.handle_exit(&exit, &mut h);
    assert_eq!((get(&v, T2), v.regs.pc), (PRID, PC + 64));
}

#[test]
fn a_branch_linking_its_own_source_is_unpredictable_and_gets_ri() {
    // MD00086 JALR: "Register specifiers rs and rd must not be equal"; the
    // source is already overwritten at the trap. GNU as refuses to assemble
    // it, so the word is built from the SPECIAL/JALR fields: rs = rd = 25.
    let jalr_t9_t9 = (25 << 21) | (25 << 11) | 0x09;
    let (mut v, mut h) = kernel();
    registers(&mut v);
    v.mmu.code.insert(PC, jalr_t9_t9);
    v.mmu.code.insert(PC + 4, asm_one(SLOT));
    v.handle_exit(&HostExit { cause_bd: true, ..exit(ExcCode::CpU, PC) }, &mut h);
    assert_eq!(delivered(&v), (ExcCode::Ri, PC, true, GENERAL_VECTOR));
    assert_eq!(logged(&h).len(), 1);
}

#[test]
fn bd_without_a_branch_at_epc_gets_ri_and_is_logged() {
    let (mut v, mut h) = kernel();
    delay_slot_trap(&mut v, &mut h, ExcCode::CpU, "addu $t0, $t1, $t2", SLOT);
    assert_eq!(delivered(&v), (ExcCode::Ri, PC, true, GENERAL_VECTOR));
    assert!(h.log[0].contains("no delay slot"), "{}", h.log[0]);
}

#[test]
fn rdhwr_and_eret_paths_share_the_delay_slot_handling() {
    // RDHWR (an RI exit) in a JALR slot: link, emulate, jump.
    let (mut v, mut h) = user();
    registers(&mut v);
    v.cp0.write(cp0::HW_RENA, HwrEna::CPU_NUM.bits()).unwrap();
    set(&mut v, A1, 0xffff);
    delay_slot_trap(&mut v, &mut h, ExcCode::Ri, "jalr $t9", "rdhwr $a1, $0");
    assert_eq!((get(&v, A1), get(&v, Ra), v.regs.pc), (0, PC + 8, TARGET));
}

/// A Release 6 guest kernel (same setup as [`kernel`]).
fn release6_kernel() -> (TestVcpu, FakeHost) {
    let model = VcpuModel::kvm_24kc(Endianness::Little);
    let mut host = FakeHost::new(HOST_HZ);
    let memory = FakeMemory::new(model.endianness());
    let mut vcpu = Vcpu::new(model, GuestIsa::Mips32r6, memory, GUEST_HZ, &mut host).unwrap();
    vcpu.cp0.write(cp0::EBASE, 0x80b6_0000).unwrap();
    vcpu.cp0.write(cp0::STATUS, Status::from_bits_retain(0).with_im(0xff).bits()).unwrap();
    vcpu.regs.pc = PC;
    (vcpu, host)
}

#[test]
fn release6_trap_in_a_forbidden_slot_resumes_after_it() {
    // A trap in the forbidden slot of a not-taken conditional compact branch
    // is reported like a delay-slot one (EPC = the branch, Cause.BD set: how
    // QEMU's I6500 and Linux's compute_return_epc treat it). The slot ran,
    // so the branch was not taken: resume at branch + 8. B<cond>ZALC links
    // GPR[31] = PC + 4 whether or not it branches (MD00086 R6 BEQZALC).
    let cases: &[(&str, Option<u32>)] = &[
        ("bnec $v0, $v1, .+16", None), // 5 != 5: not taken
        ("beqc $v0, $a0, .+16", None), // 5 == 6: not taken
        ("bnezc $t1, .+16", None),
        ("bltc $v0, $v1, .+16", None),
        ("beqzalc $t3, .+16", Some(PC + 4)),
    ];
    for (branch, link) in cases {
        let (mut v, mut h) = release6_kernel();
        registers(&mut v);
        set(&mut v, T2, 0);
        v.mmu.code.insert(PC, asm_r6(branch));
        v.mmu.code.insert(PC + 4, asm_one(SLOT));
        let exit = HostExit { cause_bd: true, ..exit(ExcCode::CpU, PC) };
        assert_eq!(v.handle_exit(&exit, &mut h), ExitOutcome::Resume, "{branch}");
        assert_eq!(get(&v, T2), PRID, "{branch}: slot not emulated");
        assert_eq!(v.regs.pc, PC + 8, "{branch}");
        assert_eq!(get(&v, Ra), link.unwrap_or(STALE_RA), "{branch}");
        assert!(logged(&h).is_empty(), "{branch}: {:?}", logged(&h));
    }
}
