//! Resolving a branch: where execution continues after it (and its delay
//! slot), and which register it links.
//!
//! Used when the trapping instruction sat in a delay slot (Cause.BD): EPC
//! points at the branch, the monitor emulates the delay-slot instruction and
//! must then resume where the branch would have gone.
//!
//! Register state: at such a trap the hardware has already executed the
//! branch, link write included, and not the delay-slot instruction (MD00086,
//! "Jump-and-Link Restartability": the handler resumes by re-executing the
//! branch). Pass the registers as they are at the trap. Applying the outcome:
//! write `link` (a no-op if the hardware already did), emulate the delay-slot
//! instruction unless it was nullified, then set PC to `next_pc`. The link
//! goes first because the delay-slot instruction architecturally sees it.

use super::gpr::{read_gpr, Gpr, GprRead};
use super::insn::{Branch, Slot};

/// The FPU state FPU branches test; pre-R6 BC1F/BC1T read FCSR condition
/// codes, Release 6 BC1EQZ/BC1NEZ bit 0 of an FPR.
pub trait FpuConditionRead {
    /// FCSR condition code `cc` (0 to 7).
    fn condition_code(&self, cc: u8) -> bool;
    /// Bit 0 of floating-point register `ft` (0 to 31).
    fn fpr_bit0(&self, ft: u8) -> bool;
}

/// Plain FPU branch inputs: the guest's FCSR and bit 0 of each FPR.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FpuConditions {
    pub fcsr: u32,
    /// Bit `n` is bit 0 of FPR `n`.
    pub fpr_bit0: u32,
}

impl FpuConditionRead for FpuConditions {
    /// FCSR holds FCC0 in bit 23 and FCC1..FCC7 in bits 25..31 (MD00086, FCSR).
    fn condition_code(&self, cc: u8) -> bool {
        let bit = if cc == 0 { 23 } else { 24 + u32::from(cc & 7) };
        self.fcsr & (1 << bit) != 0
    }

    fn fpr_bit0(&self, ft: u8) -> bool {
        self.fpr_bit0 & (1 << (ft & 31)) != 0
    }
}

/// A register write a branch makes: `reg = value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    pub reg: Gpr,
    pub value: u32,
}

/// What happens to the instruction after the branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelaySlotFate {
    /// It executes (ordinary delay slot, or a taken likely branch).
    Executed,
    /// A not-taken likely branch: the delay slot is skipped, so nothing in it
    /// can have trapped.
    Nullified,
    /// A not-taken Release 6 conditional compact branch: the next instruction
    /// is its forbidden slot and runs as a plain instruction. A trap there
    /// reports the branch in EPC with Cause.BD set, like a delay slot.
    ForbiddenSlotRuns,
    /// A compact branch with nothing after it run: BC, BALC, JIC, JIALC, or
    /// a taken conditional compact branch.
    NoDelaySlot,
}

/// The resolved effect of one branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BranchOutcome {
    pub taken: bool,
    /// The branch's destination, whether or not it is taken.
    pub target: u32,
    /// Where execution continues: `target` if taken, else the instruction
    /// after the delay slot (`pc + 8`) or, for a compact branch, `pc + 4`.
    pub next_pc: u32,
    /// The return-address write, if any; `None` when rd is `$zero`. Written
    /// whether or not the branch is taken (BLTZAL/BGEZAL link unconditionally).
    pub link: Option<Link>,
    pub delay_slot: DelaySlotFate,
}

impl BranchOutcome {
    /// Where the guest resumes once the instruction after the branch (its
    /// delay or forbidden slot), which trapped, has been emulated; `None` if
    /// that instruction cannot have run.
    pub fn resume_after_slot(&self) -> Option<u32> {
        match self.delay_slot {
            DelaySlotFate::Executed => Some(self.next_pc),
            // Not taken: next_pc is the forbidden slot itself.
            DelaySlotFate::ForbiddenSlotRuns => Some(self.next_pc.wrapping_add(4)),
            DelaySlotFate::Nullified | DelaySlotFate::NoDelaySlot => None,
        }
    }
}

/// Why a branch cannot be resolved from the registers at the trap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BranchError {
    /// The branch links into the register it reads (JALR rd = rs, BLTZAL with
    /// rs = ra): UNPREDICTABLE per MD00086, and the source value is already
    /// overwritten by the link when the delay slot traps.
    LinkOverwritesSource { reg: Gpr },
}

/// Resolve `branch` at address `pc` against the guest's registers and FPU state.
pub fn branch_outcome(
    branch: &Branch,
    pc: u32,
    regs: &impl GprRead,
    fpu: &impl FpuConditionRead,
) -> Result<BranchOutcome, BranchError> {
    let slot = branch.slot();
    // PC-relative targets count from the instruction after the branch.
    let relative = |offset: i32| pc.wrapping_add(4).wrapping_add(offset as u32);
    let read = |reg| read_gpr(regs, reg);
    let (taken, target, link_reg) = match *branch {
        Branch::Compare { op, rs, rt, offset } => (op.holds(read(rs), read(rt)), relative(offset), None),
        Branch::Zero { op, reg, offset } => {
            let link = op.links().then_some(Gpr::Ra);
            if link == Some(reg) && slot != Slot::Compact {
                return Err(BranchError::LinkOverwritesSource { reg });
            }
            (op.test().holds(read(reg)), relative(offset), link)
        }
        Branch::Jump { link, index } => {
            // MD00086 J: PC[31..28] of the delay slot || instr_index || 00.
            let region = pc.wrapping_add(4) & 0xf000_0000;
            (true, region | (index << 2), link.then_some(Gpr::Ra))
        }
        Branch::Register { rs, link, .. } => {
            if link == Some(rs) && rs != Gpr::Zero {
                return Err(BranchError::LinkOverwritesSource { reg: rs });
            }
            (true, read(rs), link)
        }
        Branch::Indexed { rt, offset, link } => {
            (true, read(rt).wrapping_add(offset as i32 as u32), link.then_some(Gpr::Ra))
        }
        Branch::Compact { link, offset } => (true, relative(offset), link.then_some(Gpr::Ra)),
        Branch::FpCondition { cc, on_true, offset, .. } => {
            (fpu.condition_code(cc) == on_true, relative(offset), None)
        }
        Branch::FpRegister { ft, on_nonzero, offset } => {
            (fpu.fpr_bit0(ft) == on_nonzero, relative(offset), None)
        }
    };
    // The return address skips the delay slot; compact branches have none.
    let (fall_through, delay_slot) = match slot {
        Slot::Compact if !taken && branch.has_forbidden_slot() => {
            (pc.wrapping_add(4), DelaySlotFate::ForbiddenSlotRuns)
        }
        Slot::Compact => (pc.wrapping_add(4), DelaySlotFate::NoDelaySlot),
        Slot::LikelyDelay if !taken => (pc.wrapping_add(8), DelaySlotFate::Nullified),
        Slot::Delay | Slot::LikelyDelay => (pc.wrapping_add(8), DelaySlotFate::Executed),
    };
    let link = link_reg.filter(|reg| *reg != Gpr::Zero).map(|reg| Link { reg, value: fall_through });
    Ok(BranchOutcome { taken, target, next_pc: if taken { target } else { fall_through }, link, delay_slot })
}
