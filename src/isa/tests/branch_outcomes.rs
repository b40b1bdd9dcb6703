//! Branch resolution against the MD00086 operation definitions, quoted per
//! test. Register values are chosen so that a signed/unsigned mix-up, a
//! target counted from the branch instead of its delay slot (off by 4), or a
//! wrong link value changes the answer.

use crate::isa::Gpr::{self, *};
use crate::isa::{
    branch_outcome, Branch, BranchError, BranchOutcome, CompareOp, DelaySlotFate, FpuConditions, Link, ZeroOp,
};

/// The branch's own address, in guest KSEG0.
const PC: u32 = 0x4010_0100;
const JUMP_TARGET: u32 = 0x4020_0040;

fn regs() -> [u32; 32] {
    let mut regs = [0u32; 32];
    let mut set = |reg: Gpr, value: u32| regs[reg.number() as usize] = value;
    set(V0, 5);
    set(V1, 5);
    set(A0, 6);
    set(T0, u32::MAX); // -1: below zero signed, the largest value unsigned
    set(T1, 0);
    set(T2, 1);
    set(T3, 0x8000_0000); // i32::MIN
    set(T4, 0x7fff_ffff); // i32::MAX
    set(T9, JUMP_TARGET);
    set(Ra, 0x1234_5678); // a stale return address
    regs
}

fn outcome(branch: Branch) -> Result<BranchOutcome, BranchError> {
    branch_outcome(&branch, PC, &regs(), &FpuConditions::default())
}

fn resolve(branch: Branch) -> BranchOutcome {
    outcome(branch).expect("branch resolves")
}

fn taken(branch: Branch) -> bool {
    resolve(branch).taken
}

/// A delay-slot branch that is not taken continues after its delay slot.
fn not_taken_delay(link: Option<Link>) -> BranchOutcome {
    BranchOutcome { taken: false, target: 0, next_pc: PC + 8, link, delay_slot: DelaySlotFate::Executed }
}

fn ra_link(value: u32) -> Option<Link> {
    Some(Link { reg: Ra, value })
}

#[test]
fn pc_relative_target_counts_from_the_delay_slot() {
    // MD00086 BEQ: target_offset = sign_extend(offset || 00); I+1: PC = PC + target_offset,
    // where PC is then the delay slot's address: target = branch + 4 + offset.
    let beq = Branch::Compare { op: CompareOp::Beq, rs: V0, rt: V1, offset: 12 };
    assert_eq!(
        resolve(beq),
        BranchOutcome {
            taken: true,
            target: PC + 16,
            next_pc: PC + 16,
            link: None,
            delay_slot: DelaySlotFate::Executed
        }
    );
    let backwards = Branch::Compare { op: CompareOp::Bne, rs: V0, rt: A0, offset: -8 };
    assert_eq!(resolve(backwards).next_pc, PC - 4);
    // A branch to itself (`b .`): offset -4.
    let spin = Branch::Compare { op: CompareOp::Beq, rs: Zero, rt: Zero, offset: -4 };
    assert_eq!(resolve(spin).next_pc, PC);
}

#[test]
fn not_taken_branch_continues_after_the_delay_slot() {
    // MD00086 BEQ: if the condition is false, execution continues after the delay slot: PC + 8.
    let beq = Branch::Compare { op: CompareOp::Beq, rs: V0, rt: A0, offset: 12 };
    assert_eq!(resolve(beq), BranchOutcome { target: PC + 16, ..not_taken_delay(None) });
}

#[test]
fn zero_compares_are_signed() {
    // MD00086 BLTZ: condition = GPR[rs] < 0 (signed); BGEZ >= 0; BLEZ <= 0; BGTZ > 0.
    let zero = |op, reg| Branch::Zero { op, reg, offset: 16 };
    assert!(taken(zero(ZeroOp::Bltz, T0)), "-1 < 0");
    assert!(taken(zero(ZeroOp::Bltz, T3)), "0x80000000 is negative");
    assert!(!taken(zero(ZeroOp::Bltz, T1)), "0 is not < 0");
    assert!(taken(zero(ZeroOp::Bgez, T1)), "0 >= 0");
    assert!(!taken(zero(ZeroOp::Bgez, T0)), "-1 is not >= 0");
    assert!(taken(zero(ZeroOp::Blez, T1)), "0 <= 0");
    assert!(taken(zero(ZeroOp::Blez, T3)), "i32::MIN <= 0");
    assert!(!taken(zero(ZeroOp::Blez, T2)), "1 is not <= 0");
    assert!(taken(zero(ZeroOp::Bgtz, T4)), "i32::MAX > 0");
    assert!(!taken(zero(ZeroOp::Bgtz, T1)), "0 is not > 0");
    assert!(!taken(zero(ZeroOp::Bgtz, T0)), "-1 is not > 0");
    // $zero reads as 0 whatever the register file holds in slot 0.
    let mut dirty = regs();
    dirty[0] = 0xffff_ffff;
    let bltz_zero = zero(ZeroOp::Bltz, Zero);
    assert!(!branch_outcome(&bltz_zero, PC, &dirty, &FpuConditions::default()).unwrap().taken);
}

#[test]
fn branch_and_link_links_pc_plus_8_even_when_not_taken() {
    // MD00086 BLTZAL/BGEZAL: I: GPR[31] = PC + 8 (unconditionally); I+1: if condition then branch.
    let bltzal_not_taken = Branch::Zero { op: ZeroOp::Bltzal, reg: T2, offset: 16 };
    assert_eq!(
        resolve(bltzal_not_taken),
        BranchOutcome { target: PC + 20, ..not_taken_delay(ra_link(PC + 8)) }
    );
    let bgezal_taken = Branch::Zero { op: ZeroOp::Bgezal, reg: T2, offset: 16 };
    let outcome = resolve(bgezal_taken);
    assert_eq!((outcome.taken, outcome.next_pc, outcome.link), (true, PC + 20, ra_link(PC + 8)));
    // BAL is BGEZAL $zero: always taken.
    let bal = Branch::Zero { op: ZeroOp::Bgezal, reg: Zero, offset: -4 };
    assert_eq!((resolve(bal).taken, resolve(bal).next_pc), (true, PC));
    // Release 6 NAL: links, never branches.
    let nal = Branch::Zero { op: ZeroOp::Nal, reg: Zero, offset: 0 };
    assert_eq!(resolve(nal), BranchOutcome { target: PC + 4, ..not_taken_delay(ra_link(PC + 8)) });
}

#[test]
fn likely_branch_not_taken_nullifies_the_delay_slot() {
    // MD00086 BEQL: I+1: if condition then PC = PC + target_offset else NullifyCurrentInstruction().
    let beql = |rt| Branch::Compare { op: CompareOp::Beql, rs: V0, rt, offset: 8 };
    assert_eq!(
        resolve(beql(A0)),
        BranchOutcome {
            taken: false,
            target: PC + 12,
            next_pc: PC + 8,
            link: None,
            delay_slot: DelaySlotFate::Nullified
        }
    );
    let taken = resolve(beql(V1));
    assert_eq!((taken.next_pc, taken.delay_slot), (PC + 12, DelaySlotFate::Executed));
    // BLTZALL: the link is written before the condition is known, nullified or not.
    let bltzall = Branch::Zero { op: ZeroOp::Bltzall, reg: T2, offset: 8 };
    let outcome = resolve(bltzall);
    assert_eq!((outcome.delay_slot, outcome.link), (DelaySlotFate::Nullified, ra_link(PC + 8)));
    // BC1FL on a true condition code: not taken, nullified.
    let bc1fl = Branch::FpCondition { cc: 0, on_true: false, likely: true, offset: 8 };
    let fcc0_set = FpuConditions { fcsr: 1 << 23, fpr_bit0: 0 };
    let outcome = branch_outcome(&bc1fl, PC, &regs(), &fcc0_set).unwrap();
    assert_eq!((outcome.taken, outcome.delay_slot), (false, DelaySlotFate::Nullified));
}

#[test]
fn jump_keeps_the_region_of_the_delay_slot() {
    // MD00086 J: PC = PC[GPRLEN-1..28] || instr_index || 00, with PC the delay slot's address.
    // A J in the last word of a 256 MiB region jumps within the next region.
    let j = Branch::Jump { link: false, index: 0x100 };
    let at_region_end = branch_outcome(&j, 0x4fff_fffc, &regs(), &FpuConditions::default()).unwrap();
    assert_eq!(at_region_end.next_pc, 0x5000_0400);
    assert_eq!(resolve(j).next_pc, 0x4000_0400);
    // MD00086 JAL: GPR[31] = PC + 8.
    let jal = Branch::Jump { link: true, index: 0x3ff_ffff };
    assert_eq!(
        resolve(jal),
        BranchOutcome {
            taken: true,
            target: 0x4fff_fffc,
            next_pc: 0x4fff_fffc,
            link: ra_link(PC + 8),
            delay_slot: DelaySlotFate::Executed,
        }
    );
}

#[test]
fn register_jumps_and_their_links() {
    // MD00086 JR: PC = GPR[rs]. JALR: GPR[rd] = PC + 8; PC = GPR[rs].
    let jr = Branch::Register { rs: T9, link: None, hazard_barrier: false };
    assert_eq!((resolve(jr).next_pc, resolve(jr).link), (JUMP_TARGET, None));
    let jalr = Branch::Register { rs: T9, link: Some(A1), hazard_barrier: true };
    assert_eq!(resolve(jalr).link, Some(Link { reg: A1, value: PC + 8 }));
    // Pre-R6 `jalr $zero, rs`: the link write is discarded.
    let jalr_zero = Branch::Register { rs: T9, link: Some(Zero), hazard_barrier: false };
    assert_eq!((resolve(jalr_zero).next_pc, resolve(jalr_zero).link), (JUMP_TARGET, None));
}

#[test]
fn links_into_the_source_register_are_refused() {
    // MD00086 "Jump-and-Link Restartability": rs and rd must not be equal; the branch is
    // re-executed after a delay-slot exception and its link has already overwritten rs.
    let jalr_same = Branch::Register { rs: T9, link: Some(T9), hazard_barrier: false };
    assert_eq!(outcome(jalr_same), Err(BranchError::LinkOverwritesSource { reg: T9 }));
    // "Branch-and-link Restartability": GPR 31 must not be BLTZAL's rs.
    let bltzal_ra = Branch::Zero { op: ZeroOp::Bltzal, reg: Ra, offset: 8 };
    assert_eq!(outcome(bltzal_ra), Err(BranchError::LinkOverwritesSource { reg: Ra }));
    let bgezall_ra = Branch::Zero { op: ZeroOp::Bgezall, reg: Ra, offset: 8 };
    assert!(outcome(bgezall_ra).is_err());
}

#[test]
fn release6_compact_branches_have_no_delay_slot() {
    // MD00086 (R6) BEQC: target = PC + 4 + sign_extend(offset || 00); not taken: the next instruction.
    let beqc = |rt| Branch::Compare { op: CompareOp::Beqc, rs: V0, rt, offset: 8 };
    assert_eq!(
        resolve(beqc(V1)),
        BranchOutcome {
            taken: true,
            target: PC + 12,
            next_pc: PC + 12,
            link: None,
            delay_slot: DelaySlotFate::NoDelaySlot
        }
    );
    assert_eq!(resolve(beqc(A0)).next_pc, PC + 4);
    // Not taken, the next instruction is BEQC's forbidden slot: a trap there
    // resumes after it. BC never runs the instruction after it.
    assert_eq!(resolve(beqc(A0)).delay_slot, DelaySlotFate::ForbiddenSlotRuns);
    assert_eq!(resolve(beqc(A0)).resume_after_slot(), Some(PC + 8));
    assert_eq!(resolve(beqc(V1)).resume_after_slot(), None);
    assert_eq!(resolve(Branch::Compact { link: false, offset: 8 }).resume_after_slot(), None);
    // BALC: GPR[31] = PC + 4 (the instruction after the branch).
    let balc = Branch::Compact { link: true, offset: -0x800_0000 };
    assert_eq!((resolve(balc).next_pc, resolve(balc).link), (PC + 4 - 0x800_0000, ra_link(PC + 4)));
    // B<cond>ZALC: "The return address link is unconditionally updated."
    let beqzalc_not_taken = Branch::Zero { op: ZeroOp::Beqzalc, reg: T2, offset: 8 };
    let outcome = resolve(beqzalc_not_taken);
    assert_eq!((outcome.taken, outcome.next_pc, outcome.link), (false, PC + 4, ra_link(PC + 4)));
    // JIC/JIALC: target = GPR[rt] + sign_extend(offset), no shift.
    let jialc = Branch::Indexed { rt: T9, offset: -4, link: true };
    assert_eq!((resolve(jialc).next_pc, resolve(jialc).link), (JUMP_TARGET - 4, ra_link(PC + 4)));
}

#[test]
fn release6_two_register_compares() {
    let compare = |op, rs, rt| taken(Branch::Compare { op, rs, rt, offset: 8 });
    // BGEC/BLTC signed, BGEUC/BLTUC unsigned: -1 against 1.
    assert!(!compare(CompareOp::Bgec, T0, T2));
    assert!(compare(CompareOp::Bltc, T0, T2));
    assert!(compare(CompareOp::Bgeuc, T0, T2));
    assert!(!compare(CompareOp::Bltuc, T0, T2));
    assert!(compare(CompareOp::Bgec, V0, V1), "equal values satisfy >=");
    // BOVC: branch if GPR[rs] + GPR[rt] overflows as a signed 32-bit add.
    assert!(compare(CompareOp::Bovc, T4, T2), "i32::MAX + 1 overflows");
    assert!(!compare(CompareOp::Bovc, T0, T2), "-1 + 1 does not");
    assert!(compare(CompareOp::Bovc, T3, T0), "i32::MIN + -1 overflows");
    assert!(!compare(CompareOp::Bnvc, T0, T3), "-1 + i32::MIN overflows");
    assert!(compare(CompareOp::Bnvc, T2, T2));
}

#[test]
fn fpu_branches_read_fcsr_condition_codes_and_fpr_bit0() {
    // MD00086 FCSR: FCC0 is bit 23, FCC1..FCC7 bits 25..31. BC1T: branch if FCC[cc] = 1.
    let bc1t = |cc| Branch::FpCondition { cc, on_true: true, likely: false, offset: 8 };
    let fpu = FpuConditions { fcsr: (1 << 23) | (1 << 27), fpr_bit0: 0 };
    let taken = |b: Branch| branch_outcome(&b, PC, &regs(), &fpu).unwrap().taken;
    assert!(taken(bc1t(0)));
    assert!(taken(bc1t(3)), "FCC3 is bit 24 + 3");
    assert!(!taken(bc1t(1)), "bit 24 is not a condition code");
    assert!(!taken(Branch::FpCondition { cc: 0, on_true: false, likely: false, offset: 8 }));
    // Release 6 BC1EQZ: branch if FPR[ft] bit 0 is 0; BC1NEZ: if it is 1.
    let fpu = FpuConditions { fcsr: 0, fpr_bit0: 1 << 5 };
    let taken = |b: Branch| branch_outcome(&b, PC, &regs(), &fpu).unwrap().taken;
    assert!(taken(Branch::FpRegister { ft: 5, on_nonzero: true, offset: 8 }));
    assert!(!taken(Branch::FpRegister { ft: 5, on_nonzero: false, offset: 8 }));
    assert!(taken(Branch::FpRegister { ft: 4, on_nonzero: false, offset: 8 }));
}
